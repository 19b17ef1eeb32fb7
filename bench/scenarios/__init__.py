"""Benchmark scenarios: one module per file, each exposing ``run(ctx) -> dict``.

The runner (bench/run.py) discovers them by file name; files starting with ``_`` are skipped.
"""
