"""BayesianLinearRegression against MacKay's fixed point written out afresh (PRML Eqs. 3.53,
3.91, 3.92, 3.95 with a direct inverse), on data sets that put each quantity on either side
of 1; the documented defaults, where the evidence has no maximum, weights as repetitions."""

import warnings

import numpy as np
import pytest

from tunelab.exceptions import ConvergenceWarning
from tunelab.models import BayesianLinearRegression


def reference(X, y, alpha=1.0, beta=1.0, max_iter=300, tol=1e-6):
    """(alpha, beta, n_iter, m) of MacKay's iteration on centred data."""
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    N, p = len(y) - 1, X.shape[1]
    s = np.linalg.eigvalsh(Xc.T @ Xc)

    def mean(alpha, beta):
        return beta * np.linalg.solve(alpha * np.eye(p) + beta * Xc.T @ Xc, Xc.T @ yc)

    for it in range(1, max_iter + 1):
        m = mean(alpha, beta)
        gamma = np.sum(beta * s / (alpha + beta * s))
        a_new = gamma / (m @ m)
        b_new = (N - gamma) / np.sum((yc - Xc @ m) ** 2)
        step = max(abs(np.log(a_new / alpha)), abs(np.log(b_new / beta)))
        alpha, beta = a_new, b_new
        if step < tol:
            return alpha, beta, it, mean(alpha, beta)
    return alpha, beta, max_iter, mean(alpha, beta)


def dataset(kind, seed=0):
    rng = np.random.default_rng(seed)
    if kind == "small_coef":  # |m|^2 < 1, rss > 1
        X = rng.normal(size=(40, 3))
        return X, X @ [0.3, -0.2, 0.1] + 0.8 * rng.normal(size=40)
    if kind == "small_noise":  # rss < 1, |m|^2 > 1
        X = rng.normal(size=(30, 3))
        return X, X @ [2.0, -1.0, 0.5] + 0.05 * rng.normal(size=30)
    if kind == "few_samples":  # N - gamma about 1
        X = rng.normal(size=(6, 3))
        return X, X @ [1.0, 2.0, -1.0] + 0.5 * rng.normal(size=6)
    X = 100 * rng.normal(size=(200, 2))  # alpha beta s_max > 1e12 > alpha / (beta s_max)
    return X, X @ [0.03, -0.02] + 0.01 * rng.normal(size=200)


@pytest.mark.parametrize("kind", ["small_coef", "small_noise", "few_samples", "large_scale"])
def test_evidence_fit_with_defaults_matches_the_fixed_point(kind):
    X, y = dataset(kind)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = BayesianLinearRegression().fit(X, y)
    alpha, beta, n_iter, m = reference(X, y)
    assert model.n_iter_ == n_iter
    assert model.alpha_ == pytest.approx(alpha, rel=1e-8)
    assert model.beta_ == pytest.approx(beta, rel=1e-8)
    np.testing.assert_allclose(model.coef_, m, rtol=1e-8)


@pytest.mark.parametrize("max_iter", [1, 2, 3])
def test_max_iter_updates_exactly(max_iter):
    X, y = dataset("small_coef")
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        model = BayesianLinearRegression(max_iter=max_iter).fit(X, y)
    alpha, beta, n_iter, _ = reference(X, y, max_iter=max_iter)
    assert model.n_iter_ == n_iter == max_iter
    assert model.alpha_ == pytest.approx(alpha, rel=1e-10)
    assert model.beta_ == pytest.approx(beta, rel=1e-10)


def test_default_alpha_and_beta_without_evidence_are_one():
    X, y = dataset("small_noise")
    model = BayesianLinearRegression(fit_evidence=False).fit(X, y)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    m = np.linalg.solve(np.eye(3) + Xc.T @ Xc, Xc.T @ yc)  # alpha = beta = 1
    np.testing.assert_allclose(model.coef_, m, rtol=1e-12)
    np.testing.assert_allclose(model.coef_cov_, np.linalg.inv(np.eye(3) + Xc.T @ Xc), rtol=1e-10)
    assert (model.alpha_, model.beta_, model.n_iter_) == (1.0, 1.0, 1)


def test_zero_targets_have_no_evidence_maximum_and_the_warning_points_here():
    X = np.random.default_rng(1).normal(size=(20, 2))
    with pytest.warns(ConvergenceWarning, match="no finite maximum") as record:
        model = BayesianLinearRegression().fit(X, np.zeros(20))
    assert [w.filename for w in record] == [__file__]
    assert model.n_iter_ == 1 and model.alpha_ == 1.0 and model.beta_ == 1.0


def test_weights_summing_below_the_parameters_have_no_evidence_maximum():
    # n = sum of weights = 1.5, N = n - 1 = 0.5 < gamma: N - gamma <= 0.
    X, y = dataset("small_coef")
    w = np.full(len(y), 1.5 / len(y))
    with pytest.warns(ConvergenceWarning, match="no finite maximum"):
        model = BayesianLinearRegression().fit(X, y, sample_weight=w)
    assert np.all(np.isfinite(model.coef_)) and model.alpha_ == 1.0


def test_integer_weights_equal_repeated_rows():
    X, y = dataset("small_coef")
    w = np.arange(1, len(y) + 1) % 3 + 1
    weighted = BayesianLinearRegression().fit(X, y, sample_weight=w.astype(float))
    repeated = BayesianLinearRegression().fit(np.repeat(X, w, axis=0), np.repeat(y, w))
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-9)
    assert weighted.alpha_ == pytest.approx(repeated.alpha_, rel=1e-9)
    assert weighted.beta_ == pytest.approx(repeated.beta_, rel=1e-9)


def test_two_samples_suffice_for_an_intercept():
    model = BayesianLinearRegression(fit_evidence=False).fit([[0.0], [1.0]], [1.0, 3.0])
    assert np.isfinite(model.intercept_)
    with pytest.raises(ValueError, match="at least 2 samples"):
        BayesianLinearRegression().fit([[0.0]], [1.0])


@pytest.mark.parametrize("name", ["alpha", "beta"])
def test_alpha_and_beta_must_be_positive(name):
    X, y = dataset("small_coef")
    with pytest.raises(ValueError, match=name):
        BayesianLinearRegression(**{name: 0.0}).fit(X, y)
    BayesianLinearRegression(**{name: 1e-300}, fit_evidence=False).fit(X, y)


def test_targets_orthogonal_to_the_features_have_no_evidence_maximum():
    # X^T y = 0 (centred): the posterior mean is 0, so alpha = gamma / |m|^2 has no finite value.
    X = np.array([[-1.0], [0.0], [1.0]])
    y = np.array([1.0, -2.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.warns(ConvergenceWarning, match="no finite maximum"):
            model = BayesianLinearRegression().fit(X, y)
    assert model.coef_[0] == 0.0 and model.alpha_ == 1.0


def test_fixed_point_with_less_than_one_effective_sample_to_spare():
    # 6 rows of weight 0.8: n = 4.8, N = 3.8, gamma just below p = 3, so 0 < N - gamma < 1;
    # at the returned alpha, beta the fixed-point equations (PRML 3.92, 3.95) hold.
    rng = np.random.default_rng(3)
    X = rng.normal(size=(6, 3))
    y = X @ [3.0, 2.0, -1.0] + 0.3 * rng.normal(size=6)
    w = np.full(6, 0.8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = BayesianLinearRegression(tol=1e-12, max_iter=10_000).fit(X, y, sample_weight=w)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    Xw, yw = Xc * np.sqrt(w)[:, None], yc * np.sqrt(w)
    s = np.linalg.eigvalsh(Xw.T @ Xw)
    a, b = model.alpha_, model.beta_
    m = b * np.linalg.solve(a * np.eye(3) + b * Xw.T @ Xw, Xw.T @ yw)
    gamma = np.sum(b * s / (a + b * s))
    N = w.sum() - 1
    assert 0 < N - gamma < 1
    assert a == pytest.approx(gamma / (m @ m), rel=1e-9)
    assert b == pytest.approx((N - gamma) / np.sum((yw - Xw @ m) ** 2), rel=1e-9)
