"""BayesianLinearRegression against brute-force Gaussian algebra and scikit-learn's BayesianRidge.

The brute-force oracles never use the estimator's formulas: the posterior comes from the
augmented design [X, 1] with a vanishing prior precision on the intercept, and the evidence is
the density of y under its Gaussian marginal, projected off the constant direction when an
intercept is integrated out.
"""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import null_space
from scipy.stats import multivariate_normal

from tunelab.exceptions import ConvergenceWarning, NotFittedError
from tunelab.model_selection import clone
from tunelab.models.bayes_linear import BayesianLinearRegression

S_B = 1e6  # prior standard deviation of the intercept in the augmented brute force


def brute_posterior(X, y, alpha, beta, fit_intercept):
    """Posterior mean and covariance of [w, b] (or w) from the normal equations, solved plainly."""
    Z = np.column_stack([X, np.ones(len(X))]) if fit_intercept else X
    prior = np.full(Z.shape[1], alpha)
    if fit_intercept:
        prior[-1] = 1 / S_B**2
    A = np.diag(prior) + beta * Z.T @ Z
    cov = np.linalg.solve(A, np.eye(len(A)))
    return beta * cov @ Z.T @ y, cov


def brute_log_evidence(X, y, alpha, beta, fit_intercept):
    """log N(y; 0, X X^T / alpha + I / beta); with an intercept, of Q^T y, minus log(n) / 2."""
    n = len(y)
    cov = X @ X.T / alpha + np.eye(n) / beta
    if not fit_intercept:
        return multivariate_normal(np.zeros(n), cov).logpdf(y)
    Q = null_space(np.ones((1, n)))  # orthonormal basis of the vectors summing to zero
    return multivariate_normal(np.zeros(n - 1), Q.T @ cov @ Q).logpdf(Q.T @ y) - 0.5 * np.log(n)


def fixed(alpha=2.0, beta=3.0, **kw):
    return BayesianLinearRegression(alpha=alpha, beta=beta, fit_evidence=False, **kw)


@pytest.mark.parametrize("fit_intercept", [False, True])
def test_posterior_and_evidence_match_brute_force(regression_data, fit_intercept):
    X, y = regression_data
    model = fixed(fit_intercept=fit_intercept).fit(X, y)
    mean, cov = brute_posterior(X, y, 2.0, 3.0, fit_intercept)
    p = X.shape[1]
    np.testing.assert_allclose(model.coef_, mean[:p], rtol=1e-9)
    np.testing.assert_allclose(model.coef_cov_, cov[:p, :p], rtol=1e-7, atol=1e-13)
    np.testing.assert_allclose(model.intercept_, mean[p] if fit_intercept else 0.0, atol=1e-9)
    want = brute_log_evidence(X, y, 2.0, 3.0, fit_intercept)
    assert model.log_evidence_ == pytest.approx(want, rel=1e-10)
    assert (model.alpha_, model.beta_, model.n_iter_) == (2.0, 3.0, 1)


def test_flat_intercept_prior_is_the_limit_of_a_wide_gaussian_one(regression_data):
    X, y = regression_data
    model = fixed(fit_intercept=True).fit(X, y)
    n = len(y)
    for s in [30.0, 100.0]:  # b ~ N(0, s^2) integrated out; the gap to the flat prior is O(1/s^2)
        cov = X @ X.T / 2.0 + np.eye(n) / 3.0 + s**2 * np.ones((n, n))
        wide = multivariate_normal(np.zeros(n), cov).logpdf(y) + 0.5 * np.log(2 * np.pi * s**2)
        assert abs(wide - model.log_evidence_) < 2.0 / s**2


@pytest.mark.parametrize("fit_intercept", [False, True])
def test_predictive_std_matches_brute_force(regression_data, rng, fit_intercept):
    X, y = regression_data
    model = fixed(fit_intercept=fit_intercept).fit(X, y)
    X_new = 2 * rng.normal(size=(7, X.shape[1]))
    mean, cov = brute_posterior(X, y, 2.0, 3.0, fit_intercept)
    Z = np.column_stack([X_new, np.ones(7)]) if fit_intercept else X_new
    want_mean = Z @ mean
    want_std = np.sqrt(1 / 3.0 + np.einsum("ij,jk,ik->i", Z, cov, Z))
    got_mean, got_std = model.predict(X_new, return_std=True)
    np.testing.assert_allclose(got_mean, want_mean, rtol=1e-9)
    np.testing.assert_allclose(got_std, want_std, rtol=1e-9)
    np.testing.assert_array_equal(model.predict(X_new), got_mean)


def finite_difference_gradient(f, u, h=1e-4):
    """Central differences of f at u."""
    grad = np.zeros_like(u)
    for i in range(len(u)):
        e = np.zeros_like(u)
        e[i] = h
        grad[i] = (f(u + e) - f(u - e)) / (2 * h)
    return grad


@pytest.mark.parametrize("fit_intercept", [False, True])
def test_evidence_maximum_is_a_stationary_point(regression_data, fit_intercept):
    X, y = regression_data
    X, y = X[:80], y[:80]
    model = BayesianLinearRegression(fit_intercept=fit_intercept, tol=1e-12, max_iter=1000)
    model.fit(X, y)

    def log_evidence(u):
        return brute_log_evidence(X, y, np.exp(u[0]), np.exp(u[1]), fit_intercept)

    u = np.log([model.alpha_, model.beta_])
    assert log_evidence(u) == pytest.approx(model.log_evidence_, rel=1e-10)
    grad = finite_difference_gradient(log_evidence, u)
    np.testing.assert_allclose(grad, 0.0, atol=1e-5)
    for step in ([0.1, 0.0], [0.0, 0.1], [-0.1, 0.0], [0.0, -0.1]):  # and a maximum
        assert log_evidence(u + np.array(step)) < model.log_evidence_
    init = fixed(alpha=1.0, beta=1.0, fit_intercept=fit_intercept).fit(X, y)
    assert model.log_evidence_ > init.log_evidence_


def test_matches_sklearn_bayesian_ridge_without_intercept(regression_data, rng):
    linear_model = pytest.importorskip("sklearn.linear_model")
    X, y = regression_data
    ours = BayesianLinearRegression(fit_intercept=False, tol=1e-12, max_iter=1000).fit(X, y)
    # scikit-learn: alpha is the noise precision, lambda the weight precision; gamma priors off
    theirs = linear_model.BayesianRidge(
        fit_intercept=False, alpha_1=0.0, alpha_2=0.0, lambda_1=0.0, lambda_2=0.0,
        tol=1e-14, max_iter=1000, compute_score=True,
    ).fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-8)
    np.testing.assert_allclose(ours.coef_cov_, theirs.sigma_, rtol=1e-7)
    assert ours.alpha_ == pytest.approx(theirs.lambda_, rel=1e-8)
    assert ours.beta_ == pytest.approx(theirs.alpha_, rel=1e-8)
    assert ours.log_evidence_ == pytest.approx(theirs.scores_[-1], rel=1e-10)
    X_new = rng.normal(size=(5, X.shape[1]))
    for a, b in zip(ours.predict(X_new, return_std=True), theirs.predict(X_new, return_std=True),
                    strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-8)


def test_intercept_semantics_against_sklearn(regression_data):
    """scikit-learn centres and keeps N = n; ours integrates b out, so N = n - 1."""
    linear_model = pytest.importorskip("sklearn.linear_model")
    X, y = regression_data
    n = len(y)
    theirs = linear_model.BayesianRidge(
        alpha_1=0.0, alpha_2=0.0, lambda_1=0.0, lambda_2=0.0, tol=1e-14, max_iter=1000
    ).fit(X, y)
    centred = BayesianLinearRegression(fit_intercept=False, tol=1e-12, max_iter=1000)
    centred.fit(X - X.mean(0), y - y.mean())
    np.testing.assert_allclose(centred.coef_, theirs.coef_, rtol=1e-8)
    assert centred.beta_ == pytest.approx(theirs.alpha_, rel=1e-8)
    ours = BayesianLinearRegression(tol=1e-12, max_iter=1000).fit(X, y)
    rss = np.sum((y - ours.predict(X)) ** 2)
    s = np.linalg.eigvalsh((X - X.mean(0)).T @ (X - X.mean(0)))
    gamma = np.sum(ours.beta_ * s / (ours.alpha_ + ours.beta_ * s))
    assert ours.beta_ == pytest.approx((n - 1 - gamma) / rss, rel=1e-8)  # PRML (3.95), N = n - 1
    # fixed hyperparameters: the posterior mean is ridge regression with penalty alpha / beta
    ridge = linear_model.Ridge(alpha=2.0 / 3.0).fit(X, y)
    model = fixed(alpha=2.0, beta=3.0).fit(X, y)
    np.testing.assert_allclose(model.coef_, ridge.coef_, rtol=1e-10)
    assert model.intercept_ == pytest.approx(ridge.intercept_, rel=1e-10)


@settings(max_examples=25, deadline=None)
@given(
    st.integers(3, 25), st.integers(1, 8), st.floats(-3, 3), st.floats(-3, 3),
    st.booleans(), st.integers(0, 2**16),
)
def test_random_problems_posterior_and_evidence(n, p, log_alpha, log_beta, fit_intercept, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    y = X @ rng.normal(size=p) + rng.normal(size=n)
    alpha, beta = np.exp(log_alpha), np.exp(log_beta)
    model = fixed(alpha=alpha, beta=beta, fit_intercept=fit_intercept).fit(X, y)
    mean, cov = brute_posterior(X, y, alpha, beta, fit_intercept)
    np.testing.assert_allclose(model.coef_, mean[:p], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(model.coef_cov_, model.coef_cov_.T, rtol=0, atol=0)
    assert np.linalg.eigvalsh(model.coef_cov_).min() > 0
    want = brute_log_evidence(X, y, alpha, beta, fit_intercept)
    assert model.log_evidence_ == pytest.approx(want, rel=1e-8, abs=1e-8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # evidence may peak at alpha = inf
        fitted = BayesianLinearRegression(
            alpha=alpha, beta=beta, fit_intercept=fit_intercept, max_iter=50
        ).fit(X, y)
    assert fitted.log_evidence_ >= model.log_evidence_ - 1e-9


def test_convergence_warnings(regression_data):
    X, y = regression_data
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        model = BayesianLinearRegression(max_iter=2).fit(X, y)
    assert model.n_iter_ == 2
    with pytest.warns(ConvergenceWarning, match="no finite maximum"):
        BayesianLinearRegression().fit(X, np.full(len(X), 4.0))


def test_fixed_point_converges_quietly_and_recovers_the_noise(rng):
    X = rng.normal(size=(2000, 3))
    y = X @ np.array([1.0, -1.0, 0.5]) + 2.0 + 0.5 * rng.normal(size=2000)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = BayesianLinearRegression().fit(X, y)
    assert 1 <= model.n_iter_ < 300
    assert model.beta_ == pytest.approx(1 / 0.25, rel=0.1)
    assert model.intercept_ == pytest.approx(2.0, abs=0.05)
    assert model.score(X, y) > 0.8


def test_clone_and_params():
    model = BayesianLinearRegression(alpha=0.5, tol=1e-8)
    model.fit(np.arange(12.0).reshape(6, 2) ** 0.5, np.arange(6.0))
    copy = clone(model)
    assert copy.get_params() == model.get_params() and not hasattr(copy, "coef_")
    assert repr(copy) == "BayesianLinearRegression(alpha=0.5, tol=1e-08)"
    base = pytest.importorskip("sklearn.base")
    assert base.clone(model).get_params() == model.get_params()


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        ({"alpha": 0.0}, ValueError, "alpha"),
        ({"alpha": "1"}, TypeError, "alpha"),
        ({"beta": -1.0}, ValueError, "beta"),
        ({"beta": np.inf}, ValueError, "beta"),
        ({"fit_evidence": "yes"}, TypeError, "fit_evidence"),
        ({"fit_intercept": 1}, TypeError, "fit_intercept"),
        ({"max_iter": 0}, ValueError, "max_iter"),
        ({"max_iter": 2.0}, TypeError, "max_iter"),
        ({"tol": -1e-3}, ValueError, "tol"),
    ],
)
def test_bad_parameters(regression_data, params, error, match):
    X, y = regression_data
    with pytest.raises(error, match=match):
        BayesianLinearRegression(**params).fit(X, y)


def test_bad_data():
    model = BayesianLinearRegression()
    with pytest.raises(NotFittedError):
        model.predict(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="X"):
        model.fit([[0.0, np.nan], [1.0, 2.0]], [1.0, 2.0])
    with pytest.raises(ValueError, match="same number of samples"):
        model.fit(np.zeros((3, 2)), np.zeros(2))
    with pytest.raises(ValueError, match="needs at least 2 samples"):
        model.fit(np.zeros((1, 2)), np.zeros(1))
    model.fit(np.eye(3), [1.0, 2.0, 4.0])
    with pytest.raises(ValueError, match="features"):
        model.predict(np.zeros((2, 2)))
