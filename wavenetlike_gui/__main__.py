"""``python -m wavenetlike_gui`` starts the app."""
from .app import main

raise SystemExit(main())
