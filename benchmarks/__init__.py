"""Benchmarks run by `invoke bench` (not by the test suite)."""
