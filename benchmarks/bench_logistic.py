"""Timings of LogisticRegression and its kernels, with scikit-learn beside.

The performance target lives here and in ``benchmarks/compare_logistic.py`` (which prints the
side-by-side table with objectives, memory bandwidth and compile costs): on a 200,000 x 50
binary problem, ``solver="lbfgs"`` against scikit-learn's lbfgs on the same objective
(``alpha = 1/n``, scikit-learn's ``C = 1``) and tolerance; the loss-and-gradient evaluation
inside it; one SGD epoch (Numba kernel, NumPy twin, plain Python on a slice).

Run with ``pytest benchmarks/bench_logistic.py --benchmark-enable`` (benchmarks are disabled by
default in the test configuration).
"""

import warnings

import numpy as np
import pytest

from tunelab.exceptions import ConvergenceWarning
from tunelab.losses import logistic_loss, logistic_loss_numpy
from tunelab.models import LogisticRegression
from tunelab.optim import _jit
from tunelab.optim.sgd import linear_sgd_epoch_numpy

N, P, TOL = 200_000, 50, 1e-6


def _problem(n, p, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    w = rng.normal(size=p) / np.sqrt(p)
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-(X @ w + 0.3)))).astype(np.int64)
    return X, y


@pytest.fixture(scope="module")
def big():
    return _problem(N, P)


@pytest.fixture(scope="module")
def small():
    return _problem(5_000, 20)


def test_lbfgs_fit_tunelab(benchmark, big):
    X, y = big
    model = benchmark(LogisticRegression(alpha=1.0 / N, solver="lbfgs", tol=TOL).fit, X, y)
    benchmark.extra_info["n_iter"] = model.n_iter_


def test_lbfgs_fit_sklearn(benchmark, big):
    linear_model = pytest.importorskip("sklearn.linear_model")
    X, y = big
    model = benchmark(linear_model.LogisticRegression(C=1.0, tol=TOL, max_iter=1000).fit, X, y)
    benchmark.extra_info["n_iter"] = int(model.n_iter_[0])


@pytest.mark.parametrize("loss", [logistic_loss, logistic_loss_numpy], ids=["one_pass", "numpy"])
def test_loss_and_gradient(benchmark, big, loss):
    X, y = big
    theta = np.zeros(P + 1)
    y01 = y.astype(np.float64)
    value, _ = benchmark(loss, theta, X, y01, 1.0 / N)
    assert value == pytest.approx(np.log(2.0))


def test_loss_and_gradient_sklearn(benchmark, big):
    pytest.importorskip("sklearn")
    try:
        from sklearn._loss.loss import HalfBinomialLoss
        from sklearn.linear_model._linear_loss import LinearModelLoss
    except ImportError:
        pytest.skip("scikit-learn's private loss module moved")
    X, y = big
    loss = LinearModelLoss(HalfBinomialLoss(), fit_intercept=True)
    benchmark(loss.loss_gradient, np.zeros(P + 1), X, y.astype(np.float64), None, 1.0 / N, 1)


def _epoch_args(X, y, batch_size):
    n = len(X)
    order = np.random.default_rng(0).permutation(n)
    lrs = np.full(-(-n // batch_size), 1e-3)
    return X, y.astype(np.float64), np.zeros(X.shape[1] + 1), order, lrs, 1e-4, True, batch_size


@pytest.mark.parametrize("batch_size", [1, 32])
def test_sgd_epoch_numba(benchmark, big, batch_size):
    args = _epoch_args(*big, batch_size)
    _jit.linear_sgd_epoch(*args, True)  # compile outside the timing
    benchmark(_jit.linear_sgd_epoch, *args, True)


def test_sgd_epoch_numpy_twin_slice(benchmark, big):
    """The NumPy twin on 2,000 rows (scale by 100 for a full epoch)."""
    X, y = big
    benchmark(linear_sgd_epoch_numpy, *_epoch_args(X[:2000], y[:2000], 1), True)


def test_sgd_epoch_python_slice(benchmark, big):
    """The kernel's source run by the interpreter on 2,000 rows (scale by 100)."""
    X, y = big
    py_func = getattr(_jit.linear_sgd_epoch, "py_func", _jit.linear_sgd_epoch)
    benchmark.pedantic(py_func, args=(*_epoch_args(X[:2000], y[:2000], 1), True), rounds=3)


@pytest.mark.parametrize("solver", ["newton", "lbfgs", "gd", "sgd"])
def test_fit_each_solver(benchmark, small, solver):
    X, y = small
    model = LogisticRegression(alpha=1e-3, solver=solver, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        benchmark(model.fit, X, y)


def test_fit_multinomial_newton(benchmark):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 5, size=5_000)
    X = rng.normal(size=(5_000, 20)) + 0.5 * y[:, None]
    benchmark(LogisticRegression(alpha=1e-3).fit, X, y)
