"""PyInstaller's entry script for the frozen app: runs ``wavenetlike_gui.app:main``."""
import multiprocessing
import sys

from wavenetlike_gui.app import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # a no-op unless a library starts worker processes
    sys.exit(main())
