"""Tests of the pure-NumPy engine."""
