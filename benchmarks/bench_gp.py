"""Timings of the Gaussian process: kernel matrices (Numba loop and its NumPy twin), fit with
and without ML-II, predict, and acquisition evaluation, at n = 50 ... 1000 points in d = 6,
with scikit-learn's GaussianProcessRegressor beside where it does the same work.

Run with ``pytest benchmarks/bench_gp.py --benchmark-enable`` (benchmarks are disabled by
default in the test configuration); ``-k "not ml2"`` leaves out the slow ML-II rows.
"""

import warnings

import numpy as np
import pytest

from tunelab.exceptions import ConvergenceWarning
from tunelab.gp import GaussianProcess, Matern, acquisition
from tunelab.gp import _jit as gp_jit
from tunelab.gp.kernels import kernel_matrix_numpy

SIZES = [50, 100, 200, 500, 1000]
D = 6


def _problem(n, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((n, D))
    y = np.sin(3 * X).sum(axis=1) + 0.05 * rng.normal(size=n)
    return X, y


def _kernel():
    return Matern(2.5, np.full(D, 0.5))


@pytest.mark.parametrize("n", SIZES)
def test_kernel_matrix_numba(benchmark, n):
    X, _ = _problem(n)
    ls = np.full(D, 0.5)
    gp_jit.kernel_matrix(X, X, ls, 1.0, gp_jit.MATERN52, True)  # compile outside the timing
    benchmark(gp_jit.kernel_matrix, X, X, ls, 1.0, gp_jit.MATERN52, True)


@pytest.mark.parametrize("n", SIZES)
def test_kernel_matrix_numpy_twin(benchmark, n):
    X, _ = _problem(n)
    benchmark(kernel_matrix_numpy, X, None, np.full(D, 0.5), 1.0, gp_jit.MATERN52)


@pytest.mark.parametrize("n", SIZES)
def test_sklearn_kernel_matrix(benchmark, n):
    kernels = pytest.importorskip("sklearn.gaussian_process.kernels")
    X, _ = _problem(n)
    benchmark(kernels.Matern(np.full(D, 0.5), nu=2.5), X)


@pytest.mark.parametrize("n", SIZES)
def test_fit(benchmark, n):
    X, y = _problem(n)
    gp = GaussianProcess(_kernel(), noise=1e-4, normalize_y=True)
    benchmark(gp.fit, X, y)


@pytest.mark.parametrize("n", SIZES)
def test_sklearn_fit(benchmark, n):
    gaussian_process = pytest.importorskip("sklearn.gaussian_process")
    kernels = pytest.importorskip("sklearn.gaussian_process.kernels")
    X, y = _problem(n)
    peer = gaussian_process.GaussianProcessRegressor(
        kernels.Matern(np.full(D, 0.5), nu=2.5), alpha=1e-4, optimizer=None, normalize_y=True
    )
    benchmark(peer.fit, X, y)


def _quiet_fit(model, X, y, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # ours and scikit-learn's
        warnings.simplefilter("ignore", UserWarning)
        return model.fit(X, y, **options)


@pytest.mark.parametrize("n", SIZES)
def test_fit_ml2(benchmark, n):
    X, y = _problem(n)
    gp = GaussianProcess(_kernel(), noise=1e-4, normalize_y=True, optimize_noise=True,
                         n_restarts=0, random_state=0)
    benchmark.pedantic(_quiet_fit, args=(gp, X, y), kwargs={"optimize": True},
                       rounds=3 if n <= 200 else 1, iterations=1)


@pytest.mark.parametrize("n", SIZES)
def test_sklearn_fit_ml2(benchmark, n):
    gaussian_process = pytest.importorskip("sklearn.gaussian_process")
    kernels = pytest.importorskip("sklearn.gaussian_process.kernels")
    X, y = _problem(n)
    kernel = kernels.ConstantKernel(1.0, (1e-4, 1e4)) * kernels.Matern(
        np.full(D, 0.5), (1e-3, 1e2), nu=2.5
    ) + kernels.WhiteKernel(1e-4, (1e-10, 1e-1))
    peer = gaussian_process.GaussianProcessRegressor(kernel, normalize_y=True, random_state=0)
    benchmark.pedantic(_quiet_fit, args=(peer, X, y), rounds=3 if n <= 200 else 1, iterations=1)


@pytest.mark.parametrize("n", SIZES)
def test_predict_std(benchmark, n):
    X, y = _problem(n)
    gp = GaussianProcess(_kernel(), noise=1e-4, normalize_y=True).fit(X, y)
    Xs = np.random.default_rng(1).random((1000, D))
    benchmark(gp.predict, Xs, return_std=True)


@pytest.mark.parametrize("n", SIZES)
def test_predict_gradient(benchmark, n):
    X, y = _problem(n)
    gp = GaussianProcess(_kernel(), noise=1e-4, normalize_y=True).fit(X, y)
    benchmark(gp.predict_gradient, np.full(D, 0.5))


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize(
    "name", ["expected_improvement", "log_expected_improvement_grad", "lower_confidence_bound"]
)
def test_acquisition_on_predictions(benchmark, name, n):
    X, y = _problem(n)
    gp = GaussianProcess(_kernel(), noise=1e-4, normalize_y=True).fit(X, y)
    Xs = np.random.default_rng(1).random((1000, D))
    fn = getattr(acquisition, name)
    extra = () if name == "lower_confidence_bound" else (float(y.min()),)

    def run():
        mean, std = gp.predict(Xs, return_std=True)
        return fn(mean, std, *extra)

    benchmark(run)
