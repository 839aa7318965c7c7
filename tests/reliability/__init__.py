"""Reliability: crashes, restarts and many candidates at once."""
