"""Timing helper shared by the benchmarks: medians over repeated runs."""
import statistics
import time


def median_time(fn, repeats, warmup=0):
    """Median wall time in seconds of ``fn()`` over ``repeats`` runs, after ``warmup`` untimed runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)
