"""``python -m wavenetlike``: the command line (see :mod:`wavenetlike.cli`)."""
import sys

from .cli import main

sys.exit(main())
