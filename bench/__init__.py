"""Benchmarks and reliability tools, run by hand (bench/README.md)."""
