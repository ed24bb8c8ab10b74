"""sample_weight: weighted mean losses, checked against scikit-learn, statsmodels and
repeated rows."""

import numpy as np
import pytest

import tunelab as tl

linear_model = pytest.importorskip("sklearn.linear_model")
sm = pytest.importorskip("statsmodels.api")


@pytest.fixture
def weighted(rng):
    X = rng.normal(size=(50, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.3 + rng.normal(size=50)
    return X, y, rng.uniform(0.1, 3.0, size=50)


@pytest.mark.parametrize("alpha", [0.0, 0.1, 3.0])
@pytest.mark.parametrize("solver", ["normal", "gd"])
def test_linear_matches_sklearns_weighted_fit(weighted, alpha, solver):
    X, y, w = weighted
    ours = tl.LinearRegression(alpha=alpha, solver=solver, max_iter=100_000, tol=1e-12).fit(
        X, y, sample_weight=w)
    # scikit-learn's Ridge minimizes sum_i w_i r_i^2 + a ||w||^2: our alpha times sum(w)
    theirs = (linear_model.Ridge(alpha=alpha * w.sum(), tol=1e-14) if alpha
              else linear_model.LinearRegression()).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-8, atol=1e-10)
    assert ours.intercept_ == pytest.approx(theirs.intercept_, rel=1e-8, abs=1e-10)


def test_weighted_least_squares_inference_matches_statsmodels(weighted):
    X, y, w = weighted
    ours = tl.LinearRegression().fit(X, y, sample_weight=w)
    wls = sm.WLS(y, sm.add_constant(X), weights=w).fit()
    np.testing.assert_allclose(ours.stderr_, wls.bse[1:], rtol=1e-10)
    assert ours.intercept_stderr_ == pytest.approx(wls.bse[0], rel=1e-10)
    assert ours.log_likelihood_ == pytest.approx(wls.llf, rel=1e-12)


@pytest.mark.parametrize("model", [tl.LinearRegression(alpha=0.2),
                                   tl.BayesianLinearRegression(tol=1e-12, max_iter=1000),
                                   tl.BayesianLinearRegression(fit_intercept=False)])
def test_integer_weights_repeat_samples_and_zero_weights_remove_them(weighted, rng, model):
    X, y, _ = weighted
    counts = rng.integers(0, 4, size=len(y))
    repeated = np.repeat(np.arange(len(y)), counts)
    a = model.fit(X, y, sample_weight=counts.astype(float))
    coef, intercept = a.coef_.copy(), a.intercept_
    extras = {k: getattr(a, k) for k in ("alpha_", "beta_", "log_evidence_") if hasattr(a, k)}
    mean, std = a.predict(X[:5], return_std=True) if extras else (a.predict(X[:5]), None)
    b = model.fit(X[repeated], y[repeated])
    np.testing.assert_allclose(coef, b.coef_, rtol=1e-9, atol=1e-12)
    assert intercept == pytest.approx(b.intercept_, rel=1e-9, abs=1e-12)
    for name, value in extras.items():
        assert value == pytest.approx(getattr(b, name), rel=1e-9), name
    if std is not None:
        np.testing.assert_allclose(std, b.predict(X[:5], return_std=True)[1], rtol=1e-9)
    np.testing.assert_allclose(mean, b.predict(X[:5]), rtol=1e-9, atol=1e-12)


def test_no_weights_equal_unit_weights(weighted):
    X, y, _ = weighted
    for model in (tl.LinearRegression(), tl.BayesianLinearRegression()):
        a = model.fit(X, y).coef_.copy()
        np.testing.assert_allclose(model.fit(X, y, sample_weight=np.ones(len(y))).coef_, a,
                                   rtol=1e-12)


def test_bayesian_weights_scale_the_noise_precision(weighted):
    X, y, w = weighted
    model = tl.BayesianLinearRegression(alpha=2.0, beta=3.0, fit_evidence=False,
                                        fit_intercept=False).fit(X, y, sample_weight=w)
    # posterior of w ~ N(0, I/alpha), y_i ~ N(x_i w, 1/(beta w_i)): PRML (3.53)-(3.54)
    precision = 2.0 * np.eye(3) + 3.0 * (X * w[:, None]).T @ X
    cov = np.linalg.inv(precision)
    np.testing.assert_allclose(model.coef_cov_, cov, rtol=1e-10)
    np.testing.assert_allclose(model.coef_, 3.0 * cov @ (X * w[:, None]).T @ y, rtol=1e-10)


@pytest.mark.parametrize(("weights", "match"), [
    (np.ones(3), "one weight per sample, 50"),
    (-np.ones(50), ">= 0"),
    (np.zeros(50), "at least one positive"),
    (np.full(50, np.nan), "NaN"),
])
def test_bad_weights_are_refused(weighted, weights, match):
    X, y, _ = weighted
    for model in (tl.LinearRegression(), tl.BayesianLinearRegression()):
        with pytest.raises(ValueError, match=match):
            model.fit(X, y, sample_weight=weights)


def test_sklearns_grid_search_passes_weights_to_every_fit(weighted):
    model_selection = pytest.importorskip("sklearn.model_selection")
    X, y, w = weighted
    search = model_selection.GridSearchCV(tl.LinearRegression(), {"alpha": [0.0, 0.5]}, cv=3,
                                          error_score="raise").fit(X, y, sample_weight=w)
    best = tl.LinearRegression(alpha=search.best_params_["alpha"]).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(search.best_estimator_.coef_, best.coef_, rtol=1e-12)
