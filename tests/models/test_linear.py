"""LinearRegression: closed form against statsmodels / scikit-learn, gd and sgd against the
closed form, identifiability checks, invariants, and errors at the boundary."""

import re
import subprocess
import sys
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tunelab.exceptions import ConvergenceWarning, NotFittedError
from tunelab.models.linear import (
    LinearRegression,
    gaussian_log_likelihood,
    ols_qr,
    ridge_cholesky,
)

sm = pytest.importorskip("statsmodels.api")


def _data(seed, n, p, noise=0.5):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) + rng.normal(size=p)  # non-centred columns
    y = X @ rng.normal(size=p) + 0.7 + noise * rng.normal(size=n)
    return X, y


# ---------------------------------------------------------------- closed form vs oracles
# The problems are well conditioned (cond(X) ~ 10), so both backward-stable solvers agree to a
# few hundred eps: rtol=1e-10 leaves room for rounding only.


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_ols_matches_statsmodels(regression_data, fit_intercept):
    X, y = regression_data
    model = LinearRegression(fit_intercept=fit_intercept).fit(X, y)
    ref = sm.OLS(y, sm.add_constant(X) if fit_intercept else X).fit()
    coef = ref.params[1:] if fit_intercept else ref.params
    bse = ref.bse[1:] if fit_intercept else ref.bse
    np.testing.assert_allclose(model.coef_, coef, rtol=1e-10)
    np.testing.assert_allclose(model.stderr_, bse, rtol=1e-10)
    np.testing.assert_allclose(model.log_likelihood_, ref.llf, rtol=1e-12)
    np.testing.assert_allclose(model.sigma2_, ref.ssr / ref.nobs, rtol=1e-10)
    if fit_intercept:
        np.testing.assert_allclose(model.intercept_, ref.params[0], rtol=1e-10)
        np.testing.assert_allclose(model.intercept_stderr_, ref.bse[0], rtol=1e-10)
    else:
        assert model.intercept_ == 0.0 and not hasattr(model, "intercept_stderr_")
    assert model.coef_.shape == model.stderr_.shape == (5,) and model.n_features_in_ == 5


def test_ols_is_accurate_on_an_ill_conditioned_design():
    # Polynomial features, cond(centred X) ~ 1.2e7, exact y: a backward-stable QR solve has
    # relative error of order cond * eps ~ 3e-9, the normal equations ~ cond^2 * eps ~ 3e-2
    # (measured 2e-3 here). 1e-7 separates the two.
    t = np.linspace(0.0, 1.0, 100)
    X = np.vander(t, 11, increasing=True)[:, 1:]
    w = np.arange(1, 11) / 3.0
    model = LinearRegression().fit(X, X @ w + 0.5)
    assert np.max(np.abs(model.coef_ - w)) / np.max(np.abs(w)) < 1e-7
    assert abs(model.intercept_ - 0.5) < 1e-7


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize(("n", "p", "alpha"), [(60, 4, 0.1), (60, 4, 5.0), (12, 30, 0.3)])
def test_ridge_matches_sklearn(fit_intercept, n, p, alpha):
    # sklearn's Ridge minimizes ||y - Xw - b||^2 + a ||w||^2, which is 2n times ours
    # (1/2n)||y - Xw - b||^2 + (alpha/2)||w||^2 when a = n * alpha: same minimizer.
    linear_model = pytest.importorskip("sklearn.linear_model")
    X, y = _data(1, n, p)
    model = LinearRegression(alpha=alpha, fit_intercept=fit_intercept).fit(X, y)
    ref = linear_model.Ridge(alpha=n * alpha, fit_intercept=fit_intercept, solver="svd")
    ref.fit(X, y)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(model.intercept_, ref.intercept_, rtol=1e-9, atol=1e-12)
    resid = y - model.predict(X)
    np.testing.assert_allclose(model.sigma2_, resid @ resid / n, rtol=1e-12)
    assert not hasattr(model, "stderr_") and not hasattr(model, "log_likelihood_")


@pytest.mark.parametrize(("n", "p"), [(30, 6), (10, 25)])  # primal, then dual
def test_ridge_cholesky_solves_the_ridge_system(n, p):
    X, y = _data(2, n, p)
    alpha = 0.2
    w = ridge_cholesky(X, y, alpha)
    # the gradient of (1/2n)||y - Xw||^2 + (alpha/2)||w||^2 vanishes at the minimizer
    grad = -X.T @ (y - X @ w) / n + alpha * w
    assert np.max(np.abs(grad)) < 1e-12
    reference = np.linalg.solve(X.T @ X + n * alpha * np.eye(p), X.T @ y)
    np.testing.assert_allclose(w, reference, rtol=1e-9)


def test_ols_qr_matches_lstsq():
    scipy_linalg = pytest.importorskip("scipy.linalg")
    X, y = _data(3, 40, 6)
    Q, R, perm = scipy_linalg.qr(X, mode="economic", pivoting=True)
    np.testing.assert_allclose(ols_qr(Q.T @ y, R, perm), np.linalg.lstsq(X, y)[0], rtol=1e-10)


def test_gaussian_log_likelihood_formula():
    n, rss = 17, 3.2
    sigma2 = rss / n
    direct = np.sum(-0.5 * np.log(2 * np.pi * sigma2) - rss / n / (2 * sigma2) * np.ones(n))
    np.testing.assert_allclose(gaussian_log_likelihood(rss, n), direct, rtol=1e-14)
    assert gaussian_log_likelihood(0.0, n) == np.inf


# ---------------------------------------------------------------- identifiability
def test_collinear_columns_raise_and_name_the_column():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(50, 3))
    X = np.column_stack([X, X[:, 0] - 2.0 * X[:, 2]])
    y = rng.normal(size=50)
    with pytest.raises(ValueError, match=r"rank-deficient.*rank 3 < 4.*alpha > 0") as info:
        LinearRegression().fit(X, y)
    reported = re.search(r"column\(s\) \[(\d+)\]", str(info.value))
    assert reported and int(reported.group(1)) in {0, 2, 3}  # column 1 is not in the relation
    for solver in ("gd", "sgd"):  # the MLE check does not depend on the solver
        with pytest.raises(ValueError, match="rank-deficient"):
            LinearRegression(solver=solver).fit(X, y)
    # the advice works: ridge is unique, and matches the oracle
    linear_model = pytest.importorskip("sklearn.linear_model")
    model = LinearRegression(alpha=0.1).fit(X, y)
    ref = linear_model.Ridge(alpha=50 * 0.1, solver="svd").fit(X, y)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-8, atol=1e-12)


def test_constant_column_is_collinear_with_the_intercept():
    X, y = _data(5, 30, 2)
    X = np.column_stack([X[:, 0], np.full(30, 3.0), X[:, 1]])
    with pytest.raises(ValueError, match=r"column\(s\) \[1\].*intercept"):
        LinearRegression().fit(X, y)
    model = LinearRegression(fit_intercept=False).fit(X, y)  # without one it is identifiable
    ref = sm.OLS(y, X).fit()
    np.testing.assert_allclose(model.coef_, ref.params, rtol=1e-10)


def test_nearly_collinear_but_full_rank_is_fitted():
    # a perturbation of 1e-6 leaves the pivot ratio near 1e-7, far above max(n, p) * eps
    X, y = _data(6, 50, 3)
    X = np.column_stack([X, X[:, 0] + 1e-6 * np.random.default_rng(0).normal(size=50)])
    model = LinearRegression().fit(X, y)
    ref = sm.OLS(y, sm.add_constant(X)).fit()
    np.testing.assert_allclose(model.predict(X), ref.fittedvalues, rtol=1e-8)


@pytest.mark.parametrize(("n", "fit_intercept"), [(4, True), (3, False), (2, False)])
def test_too_few_samples_for_stderr_raise(n, fit_intercept):
    X, y = _data(7, n, 3)
    with pytest.raises(ValueError, match=r"n_samples=\d+ must exceed.*alpha > 0"):
        LinearRegression(fit_intercept=fit_intercept).fit(X, y)
    LinearRegression(alpha=1e-3, fit_intercept=fit_intercept).fit(X, y)  # ridge is fine


# ---------------------------------------------------------------- gd and sgd
def _objective(w, b, alpha, X, y):
    """(1/2n)||y - Xw - b||^2 + (alpha/2)||w||^2, written out."""
    r = y - X @ w - b
    return 0.5 * (r @ r) / len(y) + 0.5 * alpha * (w @ w)


def _hessian(X, alpha, fit_intercept):
    Xc = X - X.mean(axis=0) if fit_intercept else X
    return Xc.T @ Xc / len(X) + alpha * np.eye(X.shape[1])


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("alpha", [0.0, 0.5])
def test_gd_reaches_the_closed_form(regression_data, alpha, fit_intercept):
    X, y = regression_data
    tol = 1e-8
    exact = LinearRegression(alpha=alpha, fit_intercept=fit_intercept).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # converged: no ConvergenceWarning
        model = LinearRegression(
            alpha=alpha, fit_intercept=fit_intercept, solver="gd", tol=tol
        ).fit(X, y)
    # strong convexity: |w - w*|_2 <= |grad|_2 / lambda_min(H) <= sqrt(p) * tol / lambda_min(H)
    bound = np.sqrt(X.shape[1]) * tol / np.linalg.eigvalsh(_hessian(X, alpha, fit_intercept))[0]
    assert np.linalg.norm(model.coef_ - exact.coef_) <= bound
    x_mean = X.mean(axis=0) if fit_intercept else np.zeros(X.shape[1])
    assert abs(model.intercept_ - exact.intercept_) <= np.linalg.norm(x_mean) * bound + 1e-14
    # the curve is the objective of (w_k, b(w_k)): monotone under Armijo, ending at the fit
    assert len(model.loss_curve_) == model.n_iter_ + 1
    assert np.all(np.diff(model.loss_curve_) <= 0.0)
    last = _objective(model.coef_, model.intercept_, alpha, X, y)
    np.testing.assert_allclose(model.loss_curve_[-1], last, rtol=1e-12)
    if alpha == 0:
        np.testing.assert_allclose(model.stderr_, exact.stderr_, rtol=1e-6)


def test_gd_warns_at_max_iter(regression_data):
    X, y = regression_data
    with pytest.warns(ConvergenceWarning, match=r"solver='gd' stopped at max_iter=3.*increase"):
        model = LinearRegression(solver="gd", max_iter=3).fit(X, y)
    assert model.n_iter_ == 3 and len(model.loss_curve_) == 4


@pytest.mark.parametrize("alpha", [0.0, 0.3])
def test_full_batch_sgd_follows_the_gradient_recursion(regression_data, alpha):
    # batch_size = n makes each epoch one exact gradient step on the centred problem:
    # w_k = w* + (I - eta H)^k (w_0 - w*), w_0 = 0, and loss_curve_[k] = L(w_k).
    X, y = regression_data
    n, eta, k = len(y), 0.1, 30
    exact = LinearRegression(alpha=alpha).fit(X, y)
    H = _hessian(X, alpha, True)
    with pytest.warns(ConvergenceWarning, match=r"solver='sgd' \(plain SGD\) ran all epochs=30 "
                      r"and stopped short of the optimum after 30 epoch\(s\)") as record:
        model = LinearRegression(
            alpha=alpha, solver="sgd", learning_rate=eta, batch_size=n, epochs=k, tol=1e-300,
            variance_reduction=False,
        ).fit(X, y)
    gap = (_objective(model.coef_, model.intercept_, alpha, X, y)
           - _objective(exact.coef_, exact.intercept_, alpha, X, y))
    assert f"objective {gap:.3g} above the minimum" in str(record[0].message)
    assert not hasattr(model, "stderr_")  # inference only from a converged fit
    M = np.eye(X.shape[1]) - eta * H
    expected = exact.coef_ - np.linalg.matrix_power(M, k) @ exact.coef_
    np.testing.assert_allclose(model.coef_, expected, rtol=1e-10)
    np.testing.assert_allclose(model.intercept_, y.mean() - X.mean(axis=0) @ expected, rtol=1e-10)
    assert model.n_iter_ == k and len(model.loss_curve_) == k
    w_prev = exact.coef_ - np.linalg.matrix_power(M, k - 1) @ exact.coef_  # last epoch's start
    b_prev = y.mean() - X.mean(axis=0) @ w_prev
    np.testing.assert_allclose(
        model.loss_curve_[-1], _objective(w_prev, b_prev, alpha, X, y), rtol=1e-10
    )


@pytest.mark.parametrize("alpha", [0.0, 0.3])
def test_full_batch_saga_is_gradient_descent(regression_data, alpha):
    # With batch_size = n every SAGA step replaces the whole table: the correction cancels the
    # stored mean and the step is the exact gradient, so w_k follows the recursion above and
    # loss_curve_[j] = L(w_j) from j = 0 (the start) to k.
    X, y = regression_data
    n, eta, k = len(y), 0.1, 25
    exact = LinearRegression(alpha=alpha).fit(X, y)
    M = np.eye(X.shape[1]) - eta * _hessian(X, alpha, True)
    with pytest.warns(ConvergenceWarning, match=r"\(SAGA\) ran all epochs=25"):
        model = LinearRegression(alpha=alpha, solver="sgd", learning_rate=eta, batch_size=n,
                                 epochs=k).fit(X, y)
    expected = exact.coef_ - np.linalg.matrix_power(M, k) @ exact.coef_
    np.testing.assert_allclose(model.coef_, expected, rtol=1e-10)
    assert model.n_iter_ == k and len(model.loss_curve_) == k + 1
    for j in (0, 7, k):
        w_j = exact.coef_ - np.linalg.matrix_power(M, j) @ exact.coef_
        b_j = y.mean() - X.mean(axis=0) @ w_j
        np.testing.assert_allclose(model.loss_curve_[j], _objective(w_j, b_j, alpha, X, y),
                                   rtol=1e-10)


def test_saga_reaches_the_optimum_and_stops_on_the_full_gradient(regression_data):
    X, y = regression_data
    n = len(y)
    for alpha in (0.0, 0.3):
        exact = LinearRegression(alpha=alpha).fit(X, y)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            model = LinearRegression(alpha=alpha, solver="sgd", random_state=0).fit(X, y)
        w, b = model.coef_, model.intercept_
        grad = X.T @ (X @ w + b - y) / n + alpha * w
        assert np.max(np.abs(grad)) <= 1e-6 and model.n_iter_ < 1000  # stopped there
        np.testing.assert_allclose(w, exact.coef_, atol=1e-5)
        if alpha == 0:  # inference from a converged fit, the same as the closed form's
            np.testing.assert_allclose(model.stderr_, exact.stderr_, rtol=1e-5)


def test_minibatch_sgd_lands_within_its_noise_floor(regression_data):
    # Constant-step SGD on least squares settles into a stationary cloud around w*: with
    # gradient noise covariance ~ sigma^2 H / b, the Lyapunov equation gives an iterate
    # covariance ~ eta sigma^2 / (2 b) I (H ~ I here: standard normal features).
    # Five of those standard deviations bound each coordinate.
    X, y = regression_data
    eta, b = 0.05, 50
    exact = LinearRegression().fit(X, y)
    with pytest.warns(ConvergenceWarning, match=r"\(plain SGD\) ran all epochs=300.*"
                      "or use variance_reduction=True"):
        model = LinearRegression(solver="sgd", learning_rate=eta, batch_size=b, epochs=300,
                                 variance_reduction=False, random_state=0).fit(X, y)
    assert model.n_iter_ == 300  # its gradient never reaches tol: all epochs run
    floor = np.sqrt(eta * exact.sigma2_ / (2 * b))
    assert np.max(np.abs(model.coef_ - exact.coef_)) < 5 * floor
    assert abs(model.intercept_ - exact.intercept_) < 5 * floor


def test_sgd_is_reproducible_from_its_seed(regression_data):
    X, y = regression_data

    def fit(seed):
        return LinearRegression(solver="sgd", epochs=5, random_state=seed).fit(X, y)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a, b, c = fit(1), fit(1), fit(2)
        d = fit(np.random.default_rng(1))
    np.testing.assert_array_equal(a.coef_, b.coef_)
    np.testing.assert_array_equal(a.loss_curve_, b.loss_curve_)
    np.testing.assert_array_equal(a.coef_, d.coef_)
    assert not np.array_equal(a.coef_, c.coef_)


def test_sgd_divergence_raises(regression_data):
    X, y = regression_data
    with pytest.raises(ValueError, match="diverged.*lower learning_rate"):
        LinearRegression(solver="sgd", learning_rate=0.5, batch_size=1, epochs=20).fit(X, y)


def test_closed_form_does_not_load_numba():
    code = (
        "import sys, numpy as np; from tunelab.models.linear import LinearRegression; "
        "LinearRegression(alpha=1.0).fit(np.eye(3), [1.0, 2.0, 3.0]); print('numba' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------- invariants
_shapes = st.tuples(st.integers(1, 5), st.integers(0, 30)).map(lambda t: (t[0] + 3 + t[1], t[0]))


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    shape=_shapes,
    shift=st.floats(-1e3, 1e3),
    alpha=st.sampled_from([0.0, 0.01, 1.0]),
)
def test_shifting_y_moves_only_the_intercept(seed, shape, shift, alpha):
    X, y = _data(seed, *shape)
    a = LinearRegression(alpha=alpha).fit(X, y)
    b = LinearRegression(alpha=alpha).fit(X, y + shift)
    scale = 1.0 + abs(shift)
    np.testing.assert_allclose(b.coef_, a.coef_, atol=1e-9 * scale)
    np.testing.assert_allclose(b.intercept_, a.intercept_ + shift, atol=1e-9 * scale)
    np.testing.assert_allclose(b.predict(X), a.predict(X) + shift, atol=1e-9 * scale)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), shape=_shapes, fit_intercept=st.booleans())
def test_ols_residuals_are_orthogonal_to_the_design(seed, shape, fit_intercept):
    X, y = _data(seed, *shape)
    model = LinearRegression(fit_intercept=fit_intercept).fit(X, y)
    r = y - model.predict(X)
    design = np.column_stack([X, np.ones(len(y))]) if fit_intercept else X
    # normal equations design^T r = 0, up to rounding relative to |design| |y|
    bound = 1e-10 * np.linalg.norm(design, axis=0) * np.linalg.norm(y)
    assert np.all(np.abs(design.T @ r) <= bound)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), shape=_shapes, alpha=st.floats(1e-3, 10.0))
def test_ridge_is_a_stationary_point_and_shrinks(seed, shape, alpha):
    X, y = _data(seed, *shape)
    n = len(y)
    model = LinearRegression(alpha=alpha).fit(X, y)
    r = y - model.predict(X)
    np.testing.assert_allclose(X.T @ r / n, alpha * model.coef_, atol=1e-10 * (1 + np.abs(y).max()))
    assert abs(r.sum()) < 1e-9 * n * (1 + np.abs(y).max())  # unpenalized intercept
    ols = LinearRegression().fit(X, y)
    assert np.linalg.norm(model.coef_) <= np.linalg.norm(ols.coef_) * (1 + 1e-12)


# ---------------------------------------------------------------- estimator contract
def test_clone_get_params_and_repr():
    base = pytest.importorskip("sklearn.base")
    model = LinearRegression(alpha=0.5, solver="sgd", epochs=7, random_state=3)
    copy = base.clone(model)
    assert copy is not model and copy.get_params() == model.get_params()
    assert repr(model) == "LinearRegression(alpha=0.5, epochs=7, random_state=3, solver='sgd')"


def test_refit_drops_attributes_of_the_previous_fit(regression_data):
    X, y = regression_data
    model = LinearRegression().fit(X, y)
    assert hasattr(model, "stderr_")
    model.set_params(alpha=1.0).fit(X, y)
    assert not hasattr(model, "stderr_") and not hasattr(model, "log_likelihood_")


def test_score_is_r2(regression_data):
    metrics = pytest.importorskip("sklearn.metrics")
    X, y = regression_data
    model = LinearRegression().fit(X, y)
    np.testing.assert_allclose(model.score(X, y), metrics.r2_score(y, model.predict(X)))


def test_predict_before_fit_and_with_wrong_width(regression_data):
    X, y = regression_data
    with pytest.raises(NotFittedError):
        LinearRegression().predict(X)
    model = LinearRegression().fit(X, y)
    with pytest.raises(ValueError, match="X has 4 features"):
        model.predict(X[:, :4])


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("X", "y", "match"),
    [
        (np.array([[1.0, np.nan], [2.0, 3.0], [0.0, 1.0], [1.0, 1.0]]), [1.0, 2, 3, 4], "X.*NaN"),
        (np.array([[1.0, np.inf], [2.0, 3.0], [0.0, 1.0], [1.0, 1.0]]), [1.0, 2, 3, 4], "X.*NaN"),
        (np.eye(4), [1.0, np.nan, 3, 4], "y.*NaN"),
        (np.ones(4), [1.0, 2, 3, 4], "X must be 2-D"),
        (np.ones((4, 2, 1)), [1.0, 2, 3, 4], "X must be 2-D"),
        (np.eye(4), np.ones((4, 2)), "y must be 1-D.*Multi-output"),
        (np.eye(4), [1.0, 2, 3], "same number of samples"),
        (np.empty((0, 2)), [], "X has 0 sample"),
        (np.empty((3, 0)), [1.0, 2, 3], "X has 0 feature"),
    ],
)
def test_bad_data_raise(X, y, match):
    with pytest.raises(ValueError, match=match):
        LinearRegression(alpha=1.0).fit(X, y)


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        ({"alpha": -0.1}, ValueError, r"alpha must be in \[0.0, inf\)"),
        ({"alpha": np.nan}, ValueError, "alpha must be finite"),
        ({"alpha": "big"}, TypeError, "alpha must be a real number"),
        ({"solver": "svd"}, ValueError, "solver must be one of 'auto', 'normal', 'gd', 'sgd'"),
        ({"fit_intercept": "yes"}, TypeError, "fit_intercept must be True or False"),
        ({"max_iter": 0}, ValueError, r"max_iter must be in \[1"),
        ({"max_iter": 2.5}, TypeError, "max_iter must be an integer"),
        ({"tol": 0.0}, ValueError, r"tol must be in \(0.0, inf\)"),
        ({"learning_rate": -1e-3}, ValueError, r"learning_rate must be in \(0.0, inf\)"),
        ({"learning_rate": 0}, ValueError, r"learning_rate must be in \(0.0, inf\)"),
        ({"batch_size": 0}, ValueError, r"batch_size must be in \[1"),
        ({"epochs": -3}, ValueError, r"epochs must be in \[1"),
        ({"random_state": -1}, ValueError, "random_state must be a non-negative integer"),
        ({"random_state": "seed"}, TypeError, "random_state must be None"),
    ],
)
def test_bad_hyperparameters_raise(regression_data, params, error, match):
    X, y = regression_data
    with pytest.raises(error, match=match):
        LinearRegression(**params).fit(X, y)


def test_no_warning_from_the_closed_form(regression_data):
    X, y = regression_data
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        LinearRegression().fit(X, y)
        LinearRegression(alpha=2.0).fit(X, y)


def test_default_sgd_on_diabetes_reaches_the_optimum():
    datasets = pytest.importorskip("sklearn.datasets")
    X, y = datasets.load_diabetes(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    exact = LinearRegression().fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = LinearRegression(solver="sgd", random_state=0).fit(X, y)
    gap = (_objective(model.coef_, model.intercept_, 0.0, X, y)
           - _objective(exact.coef_, exact.intercept_, 0.0, X, y))
    assert 0 <= gap <= 1e-4 * _objective(exact.coef_, exact.intercept_, 0.0, X, y)
    np.testing.assert_allclose(model.stderr_, exact.stderr_, rtol=1e-4)


def test_sgd_short_of_its_epochs_on_diabetes_says_how_far_it_stopped_from_the_optimum():
    datasets = pytest.importorskip("sklearn.datasets")
    X, y = datasets.load_diabetes(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    exact = LinearRegression().fit(X, y)
    with pytest.warns(ConvergenceWarning, match="short of the optimum") as record:
        model = LinearRegression(solver="sgd", epochs=5, random_state=0).fit(X, y)
    gap = (_objective(model.coef_, model.intercept_, 0.0, X, y)
           - _objective(exact.coef_, exact.intercept_, 0.0, X, y))
    assert gap > 0 and f"objective {gap:.3g} above" in str(record[0].message)
    assert not hasattr(model, "stderr_") and not hasattr(model, "log_likelihood_")
