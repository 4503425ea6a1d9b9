"""Benchmarks for wavenetlike: run ``python -m benchmarks --help``.

Figures are medians of several repeats, printed as a table and written as
JSON (default ``bench-results/latest.json``) together with the machine they
ran on. Speed is measured here, never asserted in tests.
"""
