"""Benchmarks at clinic-network scale: see BENCHMARKS.md and `python -m bench --help`."""
