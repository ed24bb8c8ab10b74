"""GaussianProcess: the documented defaults by their effect, sample_y's factorizations checked
against the posterior covariance, the fitted-theta gradient, the noise_bounds check on every
side, and where the lengthscale-at-bound warning points."""

import warnings

import numpy as np
import pytest

import tunelab.gp._mll as mll_module
import tunelab.gp.regression as regression_module
from tunelab.exceptions import ConvergenceWarning
from tunelab.gp import RBF, GaussianProcess


def one_point_std(gp, x0=0.0):
    gp.fit(np.array([[x0]]), np.array([0.7]))
    return gp.predict(np.array([[x0]]), return_std=True)[1][0]


def test_default_noise_is_1e_minus_6():
    # One training point, unit-variance kernel: var = 1 - 1 / (1 + s2) = s2 / (1 + s2).
    std = one_point_std(GaussianProcess(RBF(1.0)))
    s2 = 1e-6
    assert std == pytest.approx(np.sqrt(s2 / (1 + s2)), rel=1e-9)


def test_default_noise_sets_the_mean_shrinkage():
    # Mean at the training point: k (k + s2)^-1 y = y / (1 + s2).
    gp = GaussianProcess(RBF(1.0)).fit(np.array([[0.0]]), np.array([2.0]))
    assert gp.predict(np.array([[0.0]]))[0] == pytest.approx(2.0 / (1 + 1e-6), rel=1e-13)


def test_default_n_restarts_is_three_random_starts_plus_the_initial(monkeypatch, rng):
    calls = []
    real = mll_module.minimize

    def counting(fun, x0, **kwargs):
        calls.append(np.array(x0, dtype=float))
        return real(fun, x0, **kwargs)

    monkeypatch.setattr(mll_module, "minimize", counting)
    X = rng.uniform(size=(8, 1))
    y = np.sin(4 * X[:, 0])
    kernel = RBF(0.5)
    GaussianProcess(kernel, random_state=0).fit(X, y, optimize=True)
    assert len(calls) == 4
    np.testing.assert_array_equal(calls[0], kernel.theta)  # the initial point first
    bounds = kernel.bounds
    for start in calls[1:]:
        assert np.all((bounds[:, 0] <= start) & (start <= bounds[:, 1]))
    calls.clear()
    GaussianProcess(kernel, random_state=0, n_restarts=0).fit(X, y, optimize=True)
    assert len(calls) == 1


def test_sample_y_does_not_warn_when_it_adds_jitter():
    # Repeated prediction points make the posterior covariance exactly singular.
    X = np.linspace(0, 1, 6)[:, None]
    gp = GaussianProcess(RBF(0.3), noise=1e-4).fit(X, np.cos(3 * X[:, 0]))
    Xs = np.array([[0.25], [0.25], [0.25], [0.7]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        draws = gp.sample_y(Xs, n_samples=5, random_state=1)
    assert draws.shape == (4, 5)
    np.testing.assert_allclose(draws[0], draws[1], atol=1e-5)  # the same point, the same draw


def recover_factor(gp, Xs, seed):
    """sample_y draws mean + F z with z ~ N(0, I) from default_rng(seed); recover F."""
    m = len(Xs)
    mean = gp.predict(Xs)
    draws = gp.sample_y(Xs, n_samples=m, random_state=seed)
    z = np.random.default_rng(seed).standard_normal((m, m))
    return (draws - mean[:, None]) @ np.linalg.inv(z)


def test_sample_y_factor_reproduces_the_posterior_covariance(rng):
    X = rng.uniform(size=(7, 2))
    gp = GaussianProcess(RBF([0.4, 0.8]), noise=1e-3).fit(X, X.sum(axis=1))
    Xs = rng.uniform(size=(5, 2))
    F = recover_factor(gp, Xs, seed=3)
    _, cov = gp.predict(Xs, return_cov=True)
    np.testing.assert_allclose(F @ F.T, cov, atol=1e-9)


def test_sample_y_eigendecomposition_fallback_reproduces_the_covariance(rng, monkeypatch):
    def failing(A, warn=True):
        raise np.linalg.LinAlgError("forced")

    X = rng.uniform(size=(7, 1))
    gp = GaussianProcess(RBF(0.3), noise=1e-2).fit(X, np.sin(5 * X[:, 0]))
    Xs = np.linspace(-0.5, 1.5, 4)[:, None]
    _, cov = gp.predict(Xs, return_cov=True)
    monkeypatch.setattr(regression_module, "cholesky_jitter", failing)
    F = recover_factor(gp, Xs, seed=4)
    np.testing.assert_allclose(F @ F.T, cov, atol=1e-9)
    # A factor of a PSD matrix: cov's eigenvalues from an independent eigendecomposition.
    np.testing.assert_allclose(
        np.linalg.svd(F, compute_uv=False) ** 2, np.sort(np.linalg.eigvalsh(cov))[::-1], atol=1e-9
    )


@pytest.mark.parametrize("noise", [1e-4, 3e-2])
def test_fitted_theta_gradient_is_taken_at_the_fitted_noise(noise, rng):
    # theta=None with eval_gradient: the log noise is the fitted one (inside noise_bounds).
    X = rng.uniform(size=(9, 1))
    y = np.sin(6 * X[:, 0]) + 0.1 * rng.normal(size=9)
    gp = GaussianProcess(RBF(0.3), noise=noise, optimize_noise=True).fit(X, y)
    value, grad = gp.log_marginal_likelihood(eval_gradient=True)
    assert value == pytest.approx(gp.log_marginal_likelihood_value_, rel=1e-12)
    theta = np.append(gp.kernel_.theta, np.log(noise))
    h = 1e-6
    for i in range(len(theta)):
        e = np.zeros_like(theta)
        e[i] = h
        fd = (gp.log_marginal_likelihood(theta + e) - gp.log_marginal_likelihood(theta - e)) / 2 / h
        assert grad[i] == pytest.approx(fd, rel=1e-5, abs=1e-7)


def test_fitted_theta_below_the_noise_floor_is_clipped_to_the_lower_bound(rng):
    X = rng.uniform(size=(6, 1))
    gp = GaussianProcess(RBF(0.5), noise=1e-3, optimize_noise=True, noise_bounds=(1e-2, 1e-1))
    gp.fit(X, np.cos(X[:, 0]))
    value, _ = gp.log_marginal_likelihood(eval_gradient=True)
    assert value == pytest.approx(
        gp.log_marginal_likelihood(np.append(gp.kernel_.theta, np.log(1e-2))), rel=1e-12
    )


@pytest.mark.parametrize(
    "bounds",
    [
        (1e-3, 1e-3),  # low == high
        (1e-2, 1e-3),  # reversed
        (0.0, 1e-1),  # low == 0
        (-1e-3, 1e-1),  # negative low
        (1e-3, np.inf),  # infinite high
        (np.nan, 1e-1),  # NaN low
        (1e-3, 1e-1, 1.0),  # three values
        (1e-3,),  # one value
        "ab",  # not a pair of numbers
        ("1e-3", "1e-1"),
    ],
)
def test_noise_bounds_rejected(bounds):
    with pytest.raises(ValueError, match="noise_bounds"):
        GaussianProcess(RBF(1.0), noise_bounds=bounds).fit(np.zeros((2, 1)), np.zeros(2))


@pytest.mark.parametrize("bounds", [(1e-10, 1e-10 * (1 + 1e-12)), [1, 2], (1e-300, 1e300)])
def test_noise_bounds_accepted(bounds):
    GaussianProcess(RBF(1.0), noise_bounds=bounds).fit(np.array([[0.0], [1.0]]), np.zeros(2))


def test_lengthscale_warning_points_at_the_caller(rng):
    X = rng.uniform(size=(12, 1))
    y = rng.normal(size=12)  # pure noise: the lengthscale runs to a bound
    gp = GaussianProcess(RBF(0.5, lengthscale_bounds=(0.3, 3.0)), random_state=0)
    with pytest.warns(ConvergenceWarning, match="lengthscale 0 sits at its") as record:
        gp.fit(X, y, optimize=True)
    assert {w.filename for w in record if issubclass(w.category, ConvergenceWarning)} == {__file__}


def test_lengthscale_warning_names_the_side():
    with pytest.warns(ConvergenceWarning, match="lower bound 1: the data are explained as noise"):
        regression_module._warn_at_bounds(np.array([5e-5]), np.array([[0.0, 2.0]]))
    with pytest.warns(ConvergenceWarning, match="upper bound 7.39: the input barely matters"):
        regression_module._warn_at_bounds(np.array([2.0 - 5e-5]), np.array([[0.0, 2.0]]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        regression_module._warn_at_bounds(
            np.array([2e-4, 2.0 - 2e-4]), np.array([[0.0, 2.0], [0.0, 2.0]])
        )
