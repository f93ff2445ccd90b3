"""Benchmarks and the soak test; run each module as a script (see docs/performance.md)."""
