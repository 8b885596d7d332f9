"""Benchmarks: a large demo site and timings of the public pages (``make bench``)."""
