"""Helpers shared by tests of several apps (real threads, real worker processes)."""
