"""Benchmarks: ``python bench/run.py`` (see its docstring)."""
