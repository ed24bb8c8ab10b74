"""Timings of one BayesianOptimization ask (GP refit and acquisition maximization included)
after ``n`` = 50, 100, 200, 500 observations of Hartmann-6, and of a batch of 4 asks with each
batch rule.

Run with ``pytest benchmarks/bench_bayes.py --benchmark-enable``.
``benchmarks/compare_bayes.py`` times the same ask beside scikit-optimize and Optuna.
"""

import warnings

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from tunelab.bench import problems
from tunelab.search import BayesianOptimization

SIZES = [50, 100, 200, 500]


def _told(n: int, **options) -> BayesianOptimization:
    problem = problems.get("hartmann6")
    rng = np.random.default_rng(n)
    bo = BayesianOptimization(problem.space, seed=0, **options)
    X = rng.random((n, problem.dim))
    for x, value in zip(X, problem.evaluate(X), strict=True):
        bo.tell(dict(zip(problem.space.names, x.tolist(), strict=True)), float(value))
    return bo


def _ask_after_a_tell(bo: BayesianOptimization) -> None:
    """A new observation invalidates the GP, so the ask refits it, as in a real run."""
    config = bo.ask()
    bo.tell(config, 0.0)


@pytest.mark.parametrize("n", SIZES)
def test_ask_after_n_observations(benchmark, n):
    bo = _told(n)
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _ask_after_a_tell(bo)  # compile and warm up outside the timing
        benchmark.pedantic(_ask_after_a_tell, args=(bo,), rounds=5, iterations=1)


@pytest.mark.parametrize("rule", ["cl_max", "kb", "lp"])
def test_batch_of_four(benchmark, rule):
    bo = _told(100, batch=rule)
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")

        def batch():
            for config in bo.ask_batch(4):
                bo.tell(config, 0.0)

        batch()
        benchmark.pedantic(batch, rounds=3, iterations=1)
