"""Timings of LinearRegression: closed forms, gradient descent and SGD, with scikit-learn beside.

Run with ``pytest benchmarks/bench_linear.py --benchmark-enable`` (benchmarks are disabled by
default in the test configuration).
"""

import warnings

import numpy as np
import pytest

from tunelab.exceptions import ConvergenceWarning
from tunelab.models.linear import LinearRegression


def _problem(n, p, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    return X, X @ rng.normal(size=p) + 1.0 + 0.5 * rng.normal(size=n)


TALL = _problem(20_000, 50)
WIDE = _problem(300, 3_000)


@pytest.mark.parametrize("alpha", [0.0, 1.0])
def test_closed_form_tall(benchmark, alpha):
    X, y = TALL
    benchmark(LinearRegression(alpha=alpha).fit, X, y)


def test_closed_form_wide_ridge_dual(benchmark):
    X, y = WIDE
    benchmark(LinearRegression(alpha=1.0).fit, X, y)


def test_gd_tall(benchmark):
    X, y = TALL
    benchmark(LinearRegression(solver="gd", tol=1e-6).fit, X, y)


@pytest.mark.parametrize("variance_reduction", [False, True])
@pytest.mark.parametrize("batch_size", [1, 32])
def test_sgd_tall_five_epochs(benchmark, batch_size, variance_reduction):
    X, y = TALL
    model = LinearRegression(
        solver="sgd", batch_size=batch_size, epochs=5, learning_rate=1e-3, random_state=0,
        variance_reduction=variance_reduction,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)  # compile the Numba kernel outside the timing
        benchmark(model.fit, X, y)


@pytest.mark.parametrize("alpha", [0.0, 1.0])
def test_sklearn_closed_form_tall(benchmark, alpha):
    linear_model = pytest.importorskip("sklearn.linear_model")
    X, y = TALL
    peer = linear_model.LinearRegression() if alpha == 0 else linear_model.Ridge(len(y) * alpha)
    benchmark(peer.fit, X, y)


def test_sklearn_sgd_tall_five_epochs(benchmark):
    linear_model = pytest.importorskip("sklearn.linear_model")
    X, y = TALL
    peer = linear_model.SGDRegressor(
        alpha=0.0, learning_rate="constant", eta0=1e-3, max_iter=5, tol=None, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        benchmark(peer.fit, X, y)
