"""Benchmarks that print their figures (run with scripts/bench)."""
