"""Data sources, audio I/O, mu-law and training windows."""
