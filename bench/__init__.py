"""Benchmarks of the service; run with ``python -m bench.run`` (see bench/README.md)."""
