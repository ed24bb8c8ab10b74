"""Timings of the vectorized test functions: 10,000 points at once, and one point at a time.

Run with ``pytest benchmarks/bench_functions.py --benchmark-enable`` (benchmarks are disabled
by default in the test configuration).
"""

import numpy as np
import pytest

from tunelab.bench import problems

N_POINTS = 10_000


def _points(problem, n, seed=0):
    low, high = problem.bounds.T
    return low + (high - low) * np.random.default_rng(seed).random((n, problem.dim))


@pytest.mark.parametrize("name", problems.names())
def test_evaluate_10k_points(benchmark, name):
    problem = problems.get(name)  # scalable functions in their default dimension, 10
    X = _points(problem, N_POINTS)
    values = benchmark(problem.evaluate, X)
    assert values.shape == (N_POINTS,)


@pytest.mark.parametrize("name", ["rastrigin", "hartmann6", "shekel10"])
def test_call_one_config(benchmark, name):
    problem = problems.get(name)
    config = dict(zip(problem.space.names, _points(problem, 1)[0].tolist(), strict=True))
    benchmark(problem, config)


@pytest.mark.parametrize("dim", [10, 100])
def test_michalewicz_minimizer(benchmark, dim):
    from tunelab.bench.functions import _michalewicz_minimizer, michalewicz_minimizer

    def fresh():
        _michalewicz_minimizer.cache_clear()
        return michalewicz_minimizer(dim)

    benchmark(fresh)
