"""The likelihood module ``tunelab.gp._mll`` on its own: the documented defaults of
``log_marginal_likelihood`` (no gradient unless asked, the noise component only when asked),
its silence when the matrix needs jitter, and ML-II restarts drawn over the whole box.

References are independent of the module: SciPy's multivariate normal log density, central
finite differences, a jitter found by NumPy's Cholesky, and a Kolmogorov-Smirnov test."""

import warnings

import numpy as np
import pytest
from scipy import stats

import tunelab.gp._mll as mll_module
from tunelab.gp import RBF, Matern

H = 1e-6


def scipy_lml(kernel, X, y, noise):
    cov = kernel(X) + noise * np.eye(len(X))
    return stats.multivariate_normal(mean=np.zeros(len(X)), cov=cov).logpdf(y)


@pytest.fixture
def problem(rng):
    X = rng.uniform(size=(9, 2))
    y = np.sin(3 * X[:, 0]) - X[:, 1]
    return Matern(1.5, [0.4, 0.7], 1.3), X, y, 0.05


def test_default_call_returns_the_value_and_no_gradient(problem):
    """``grad`` is ``None`` unless ``eval_gradient``; the value is the Gaussian log density."""
    kernel, X, y, noise = problem
    value, grad = mll_module.log_marginal_likelihood(kernel, X, y, noise)
    assert grad is None
    assert value == pytest.approx(scipy_lml(kernel, X, y, noise), rel=1e-10)


def test_gradient_defaults_to_the_kernel_hyperparameters_only(problem):
    """With ``eval_gradient`` alone the gradient is over ``kernel.theta`` (no noise entry),
    and equals central finite differences of SciPy's log density."""
    kernel, X, y, noise = problem
    _, grad = mll_module.log_marginal_likelihood(kernel, X, y, noise, eval_gradient=True)
    theta = kernel.theta
    fd = np.empty(len(theta))
    for p in range(len(theta)):
        e = np.zeros_like(theta)
        e[p] = H
        plus = scipy_lml(kernel.clone_with_theta(theta + e), X, y, noise)
        minus = scipy_lml(kernel.clone_with_theta(theta - e), X, y, noise)
        fd[p] = (plus - minus) / (2 * H)
    assert grad.shape == theta.shape
    np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-8)


def test_noise_gradient_is_appended_in_log_noise(problem):
    """``noise_gradient=True`` appends d lml / d log(noise), checked by finite differences."""
    kernel, X, y, noise = problem
    _, grad = mll_module.log_marginal_likelihood(
        kernel, X, y, noise, eval_gradient=True, noise_gradient=True
    )
    fd = (scipy_lml(kernel, X, y, noise * np.exp(H)) - scipy_lml(kernel, X, y, noise * np.exp(-H)))
    assert grad.shape == (kernel.n_dims + 1,)
    assert grad[-1] == pytest.approx(fd / (2 * H), rel=1e-5)


def test_jittered_likelihood_is_silent_and_equals_the_jittered_density():
    """Duplicate inputs without noise make K singular. ML-II evaluates the likelihood at many
    trial hyperparameters, so it adds jitter without a warning; the value is the log density
    of ``K + jitter I`` (by ``slogdet`` and ``solve``) with the smallest jitter
    ``1e-10 * 10^k`` (times the mean diagonal) that NumPy can factor."""
    X = np.array([[0.1], [0.1], [0.5], [0.5], [0.9]])
    y = np.array([0.3, 0.3, -0.2, -0.2, 0.4])
    kernel = RBF(0.3)
    K = kernel(X)
    with pytest.raises(np.linalg.LinAlgError):
        np.linalg.cholesky(K)
    jitter = None
    for k in range(7):
        eps = 1e-10 * 10.0**k * float(np.mean(np.diag(K)))
        try:
            np.linalg.cholesky(K + eps * np.eye(len(X)))
        except np.linalg.LinAlgError:
            continue
        jitter = eps
        break
    assert jitter is not None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, _ = mll_module.log_marginal_likelihood(kernel, X, y, 0.0)
    cov = K + jitter * np.eye(len(X))
    _, logdet = np.linalg.slogdet(cov)
    expected = -0.5 * (y @ np.linalg.solve(cov, y) + logdet + len(y) * np.log(2 * np.pi))
    assert value == pytest.approx(expected, rel=1e-6)


def basins(x):
    """cos(6 pi x) - exp(-(x - 1/2)^2 / 0.005) / 2 on [0, 1]: stationary (to 1e-8) at 1/6
    and 5/6 (value -1) and at the end 1 (value 1); the global minimum -3/2 at x = 1/2."""
    x0 = x[0]
    bump = np.exp(-((x0 - 0.5) ** 2) / 0.005)
    value = np.cos(6 * np.pi * x0) - 0.5 * bump
    grad = -6 * np.pi * np.sin(6 * np.pi * x0) + bump * (x0 - 0.5) / 0.005
    return float(value), np.array([grad])


def test_restarts_find_the_interior_global_minimum():
    """From the stationary start 1/6 alone L-BFGS-B stays there; with 20 uniform restarts one
    lands in the middle basin ((2/3)^20 < 1e-3 chance that none does) and finds x = 1/2."""
    bounds = np.array([[0.0, 1.0]])
    x0 = np.array([1 / 6])
    x_local, f_local = mll_module.maximize(basins, x0, bounds, 0, np.random.default_rng(0))
    assert x_local[0] == pytest.approx(1 / 6, abs=1e-6)
    assert f_local == pytest.approx(-1.0, abs=1e-8)
    x, f = mll_module.maximize(basins, x0, bounds, 20, np.random.default_rng(0))
    assert x[0] == pytest.approx(0.5, abs=1e-4)
    assert f == pytest.approx(-1.5, abs=1e-8)


def test_restart_starts_are_uniform_over_the_box(monkeypatch):
    """The starts after the first are uniform in the bounds: each coordinate passes a
    Kolmogorov-Smirnov test against U(low, high)."""
    starts = []
    real = mll_module.minimize

    def recording(fun, x0, **kwargs):
        starts.append(np.array(x0, dtype=float))
        return real(fun, x0, **kwargs)

    monkeypatch.setattr(mll_module, "minimize", recording)
    bounds = np.array([[-2.0, 1.0], [3.0, 7.0]])

    def bowl(x):
        return float(x @ x), 2 * x

    mll_module.maximize(bowl, np.array([0.0, 5.0]), bounds, 200, np.random.default_rng(4))
    S = np.array(starts[1:])
    assert S.shape == (200, 2)
    for j, (low, high) in enumerate(bounds):
        assert stats.kstest(S[:, j], stats.uniform(low, high - low).cdf).pvalue > 1e-3
