"""billsync's benchmarks: run them all with ``python -m bench`` (see bench/README.md).

Benchmarks print figures and never assert: a goal missed is a number to read and a
cause to find, not a red test that someone learns to skip.
"""
