"""`python -m bench [--quick] [--only NAME ...] [--profile]`: see BENCHMARKS.md."""

from bench.runner import main

main()
