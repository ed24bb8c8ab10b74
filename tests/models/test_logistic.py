"""LogisticRegression against statsmodels (MLE and standard errors) and scikit-learn (L2 and
multinomial), every solver against the others, separation, the estimator contract, bad input."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tunelab.exceptions import ConvergenceWarning, NotFittedError
from tunelab.losses import logistic_loss, softmax_loss
from tunelab.models import LogisticRegression

SOLVERS = ["newton", "lbfgs", "gd", "sgd"]


def sklearn_logistic(alpha, n, **kw):
    """scikit-learn minimizes C sum_i loss_i + ||w||^2 / 2, i.e. n C (mean loss + ||w||^2 /
    (2 n C)): the same minimizer as ours when alpha = 1 / (n C), so C = 1 / (n alpha)."""
    linear_model = pytest.importorskip("sklearn.linear_model")
    C = np.inf if alpha == 0 else 1.0 / (n * alpha)
    return linear_model.LogisticRegression(C=C, tol=1e-12, max_iter=10_000, **kw)


def objective(model, X, y):
    """Our objective at a fitted model's parameters."""
    y_index = np.searchsorted(model.classes_, y)
    if len(model.classes_) == 2:
        theta = np.append(model.coef_[0], model.intercept_)
        return logistic_loss(theta, X, y_index.astype(float), model.alpha)[0]
    theta = np.column_stack([model.coef_, model.intercept_]).ravel()
    return softmax_loss(theta, X, np.eye(len(model.classes_))[y_index], model.alpha)[0]


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_mle_and_stderr_match_statsmodels(binary_data, fit_intercept):
    sm = pytest.importorskip("statsmodels.api")
    X, y = binary_data
    design = np.column_stack([X, np.ones(len(X))]) if fit_intercept else X
    ref = sm.Logit(y, design).fit(method="newton", tol=1e-12, disp=0)
    model = LogisticRegression(alpha=0.0, fit_intercept=fit_intercept).fit(X, y)
    np.testing.assert_allclose(model.coef_[0], ref.params[:4], rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(model.stderr_[0], ref.bse[:4], rtol=1e-7)
    if fit_intercept:
        assert model.intercept_[0] == pytest.approx(ref.params[4], rel=1e-7)
    else:
        np.testing.assert_array_equal(model.intercept_, [0.0])
    assert model.coef_.shape == model.stderr_.shape == (1, 4)


@pytest.mark.parametrize("alpha", [1e-3, 0.1, 2.0])
def test_l2_matches_sklearn(binary_data, alpha):
    X, y = binary_data
    ref = sklearn_logistic(alpha, len(X)).fit(X, y)
    model = LogisticRegression(alpha=alpha).fit(X, y)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(model.intercept_, ref.intercept_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(model.predict_proba(X), ref.predict_proba(X), atol=1e-8)
    assert not hasattr(model, "stderr_")


@pytest.mark.parametrize("alpha", [0.0, 0.01])
def test_multinomial_probabilities_match_sklearn(multiclass_data, alpha):
    X, y = multiclass_data
    ref = sklearn_logistic(alpha, len(X)).fit(X, y)
    model = LogisticRegression(alpha=alpha).fit(X, y)
    assert model.coef_.shape == (3, 4) and model.intercept_.shape == (3,)
    np.testing.assert_allclose(model.predict_proba(X), ref.predict_proba(X), atol=1e-7)
    np.testing.assert_allclose(model.predict_log_proba(X), ref.predict_log_proba(X), atol=1e-6)
    np.testing.assert_array_equal(model.predict(X), ref.predict(X))
    if alpha > 0:  # the penalty makes the rows unique; sklearn's intercepts up to a shift
        np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(model.intercept_, ref.intercept_ - ref.intercept_.mean(),
                                   atol=1e-6)


def test_multinomial_rows_are_centred(multiclass_data):
    X, y = multiclass_data
    for alpha in (0.0, 0.05):
        model = LogisticRegression(alpha=alpha).fit(X, y)
        np.testing.assert_allclose(model.coef_.sum(axis=0), 0.0, atol=1e-10)
        assert abs(model.intercept_.sum()) < 1e-10
        assert not hasattr(model, "stderr_")


@pytest.mark.parametrize("data", ["binary_data", "multiclass_data"])
@pytest.mark.parametrize("alpha", [0.0, 0.05])
def test_every_solver_reaches_the_same_optimum(data, alpha, request):
    """Newton to gradient 1e-8 is the reference. lbfgs and gd stop at ||g||_inf <= 1e-8 and
    1e-6, so their objectives are within ||g||^2 / (2 mu) (mu >= 0.02 here) of it: bounds 1e-10
    and 1e-8; SAGA ("sgd") stops at ||g||_inf <= 1e-8 too. Plain sgd (1000 epochs of 8 from
    1/L_b, decaying step) measured gaps below 5e-5 over seeds; 5e-4 leaves a factor 10, and
    coefficients within sqrt(2 gap / mu) ~ 0.2."""
    X, y = request.getfixturevalue(data)
    ref = LogisticRegression(alpha=alpha, solver="newton").fit(X, y)
    f_ref = objective(ref, X, y)
    bounds = {"lbfgs": (1e-8, 1e-10, 1e-5), "gd": (1e-6, 1e-8, 1e-3),
              "sgd": (1e-8, 1e-10, 1e-5), "plain sgd": (None, 5e-4, 0.2)}
    for name, (tol, gap, coef_atol) in bounds.items():
        solver = name.split()[-1]
        with warnings.catch_warnings():
            if name == "plain sgd":  # all epochs, then a warning with its gap
                warnings.simplefilter("ignore", ConvergenceWarning)
            model = LogisticRegression(alpha=alpha, solver=solver, tol=tol, random_state=0,
                                       variance_reduction=name != "plain sgd",
                                       max_iter=100_000 if name == "sgd" else None).fit(X, y)
        assert -1e-14 <= objective(model, X, y) - f_ref <= gap, solver  # round-off below
        np.testing.assert_allclose(model.coef_, ref.coef_, atol=coef_atol, err_msg=solver)
        assert model.n_iter_ > 0 and len(model.loss_curve_) > 0


def test_newton_converges_quadratically(binary_data):
    X, y = binary_data
    model = LogisticRegression().fit(X, y)
    assert model.n_iter_ <= 8
    assert np.all(np.diff(model.loss_curve_) < 0)


@pytest.mark.parametrize("solver", SOLVERS)
def test_separable_data_raise_without_penalty(solver, rng):
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.raises(ValueError, match="alpha > 0"):
            LogisticRegression(alpha=0.0, solver=solver, random_state=0).fit(X, y)
    model = LogisticRegression(alpha=0.01, solver=solver, random_state=0).fit(X, y)
    assert model.score(X, y) == 1.0 and np.all(np.isfinite(model.coef_))


def test_separable_multiclass_data_raise_without_penalty(rng):
    centers = np.array([[10.0, 0.0], [-10.0, 0.0], [0.0, 10.0]])
    y = rng.integers(0, 3, size=60)
    X = centers[y] + rng.normal(size=(60, 2))
    with pytest.raises(ValueError, match="separable"):
        LogisticRegression(alpha=0.0).fit(X, y)


def test_string_labels_and_their_order(binary_data):
    X, y = binary_data
    labels = np.where(y == 1, "yes", "no")
    model = LogisticRegression().fit(X, labels)
    numeric = LogisticRegression().fit(X, y)
    np.testing.assert_array_equal(model.classes_, ["no", "yes"])
    np.testing.assert_allclose(model.coef_, numeric.coef_)
    assert set(model.predict(X)) <= {"no", "yes"}
    np.testing.assert_array_equal(model.predict(X) == "yes", numeric.predict(X) == 1)


def test_predictions_are_consistent(multiclass_data, binary_data):
    for X, y in (binary_data, multiclass_data):
        model = LogisticRegression(alpha=0.01).fit(X, y)
        proba = model.predict_proba(X)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0)
        np.testing.assert_allclose(np.exp(model.predict_log_proba(X)), proba, rtol=1e-12)
        np.testing.assert_array_equal(model.predict(X), model.classes_[proba.argmax(axis=1)])
        assert model.score(X, y) == pytest.approx(np.mean(model.predict(X) == y))


def test_log_proba_is_exact_for_huge_scores(binary_data):
    """At decision 800, log P(0) = -800 exactly; exp then log would give -inf."""
    X, y = binary_data
    model = LogisticRegression().fit(X, y)
    model.coef_ = np.array([[800.0, 0, 0, 0]])
    model.intercept_ = np.array([0.0])
    log_proba = model.predict_log_proba(np.array([[1.0, 0, 0, 0], [-1.0, 0, 0, 0]]))
    np.testing.assert_allclose(log_proba, [[-800.0, 0.0], [0.0, -800.0]])


def test_decision_function_shapes(binary_data, multiclass_data):
    assert LogisticRegression().fit(*binary_data).decision_function(binary_data[0]).shape == (300,)
    model = LogisticRegression().fit(*multiclass_data)
    assert model.decision_function(multiclass_data[0]).shape == (300, 3)


def test_sgd_same_seed_same_result(binary_data):
    X, y = binary_data
    a = LogisticRegression(solver="sgd", max_iter=20, random_state=1).fit(X, y)
    b = LogisticRegression(solver="sgd", max_iter=20, random_state=1).fit(X, y)
    c = LogisticRegression(solver="sgd", max_iter=20, random_state=2).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    np.testing.assert_array_equal(a.loss_curve_, b.loss_curve_)
    assert not np.array_equal(a.coef_, c.coef_)


def test_sklearn_clone_and_params(binary_data):
    base = pytest.importorskip("sklearn.base")
    model = LogisticRegression(alpha=0.5, solver="lbfgs", max_iter=50, random_state=3)
    twin = base.clone(model)
    assert twin.get_params() == model.get_params() and twin is not model
    assert repr(model) == (
        "LogisticRegression(alpha=0.5, max_iter=50, random_state=3, solver='lbfgs')"
    )
    twin.set_params(alpha=0.1).fit(*binary_data)
    assert model.alpha == 0.5 and not hasattr(model, "coef_") and twin.alpha == 0.1


def test_not_converged_warns_with_advice(binary_data):
    X, y = binary_data
    with pytest.warns(ConvergenceWarning, match="increase max_iter"):
        LogisticRegression(solver="gd", max_iter=2).fit(X, y)
    with pytest.warns(ConvergenceWarning, match="max_iter=1"):
        LogisticRegression(solver="newton", max_iter=1).fit(X, y)


def test_huge_newton_problem_falls_back_to_lbfgs(multiclass_data, monkeypatch):
    from tunelab.models import logistic

    monkeypatch.setattr(logistic, "_NEWTON_MAX_PARAMS", 10)
    X, y = multiclass_data
    with pytest.warns(UserWarning, match="lbfgs"):
        model = LogisticRegression(alpha=0.01).fit(X, y)
    ref = LogisticRegression(alpha=0.01, solver="lbfgs").fit(X, y)  # lbfgs's own defaults
    np.testing.assert_array_equal(model.coef_, ref.coef_)
    assert model.n_iter_ == ref.n_iter_


def test_collinear_features_give_nan_stderr(binary_data):
    X, y = binary_data
    X = np.column_stack([X, X[:, 0]])
    with pytest.warns(UserWarning, match="singular"):
        model = LogisticRegression(alpha=0.0, solver="lbfgs").fit(X, y)
    assert np.all(np.isnan(model.stderr_))


def test_predict_before_fit_and_wrong_width(binary_data):
    X, y = binary_data
    with pytest.raises(NotFittedError):
        LogisticRegression().predict(X)
    model = LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match="features"):
        model.predict(X[:, :2])


@pytest.mark.parametrize(
    "params, name",
    [
        ({"alpha": -0.1}, "alpha"),
        ({"alpha": "big"}, "alpha"),
        ({"solver": "saga"}, "solver"),
        ({"max_iter": 0}, "max_iter"),
        ({"max_iter": 10.5}, "max_iter"),
        ({"tol": 0.0}, "tol"),
        ({"tol": -1e-3}, "tol"),
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"learning_rate": -1.0}, "learning_rate"),
        ({"batch_size": 0}, "batch_size"),
        ({"fit_intercept": "yes"}, "fit_intercept"),
        ({"random_state": -2}, "random_state"),
    ],
)
def test_bad_hyperparameters(params, name, binary_data):
    with pytest.raises((ValueError, TypeError), match=name):
        LogisticRegression(**params).fit(*binary_data)


@pytest.mark.parametrize(
    "X, y, name",
    [
        (np.array([[0.0], [np.nan], [1.0]]), [0, 1, 0], "X"),
        (np.array([[0.0], [np.inf], [1.0]]), [0, 1, 0], "X"),
        (np.array([0.0, 1.0, 2.0]), [0, 1, 0], "X"),
        (np.zeros((3, 1)), [0, 1], "same number"),
        (np.zeros((0, 2)), [], "has 0 sample"),
        (np.zeros((3, 1)), [1, 1, 1], "two classes"),
        (np.zeros((3, 1)), [0.0, np.nan, 1.0], "y"),
        (np.zeros((3, 1)), [[0, 1, 0]], "y"),
    ],
)
def test_bad_data(X, y, name):
    with pytest.raises(ValueError, match=name):
        LogisticRegression().fit(X, y)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(30, 80), p=st.integers(1, 4),
       K=st.integers(2, 4), alpha=st.floats(1e-3, 1.0))
def test_newton_and_lbfgs_agree(seed, n, p, K, alpha):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % K  # every class present
    X = rng.normal(size=(n, p)) + 0.5 * y[:, None]
    newton = LogisticRegression(alpha=alpha).fit(X, y)
    lbfgs = LogisticRegression(alpha=alpha, solver="lbfgs", tol=1e-10).fit(X, y)
    np.testing.assert_allclose(newton.predict_proba(X), lbfgs.predict_proba(X), atol=1e-7)
    assert abs(objective(newton, X, y) - objective(lbfgs, X, y)) < 1e-12


def test_refit_forgets_the_previous_fit(binary_data, multiclass_data):
    model = LogisticRegression(alpha=0.0).fit(*binary_data)
    assert hasattr(model, "stderr_")
    model.set_params(alpha=0.1).fit(*binary_data)
    assert not hasattr(model, "stderr_")
    model.fit(*multiclass_data)
    assert model.coef_.shape == (3, 4) and len(model.classes_) == 3


def test_failed_fit_leaves_no_fitted_state(rng):
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] > 0).astype(int)
    model = LogisticRegression(alpha=0.0)
    with pytest.raises(ValueError, match="separable"):
        model.fit(X, y)
    with pytest.raises(NotFittedError):
        model.predict(X)


def test_divergence_raises_with_advice(binary_data):
    X, y = binary_data
    with pytest.raises(ValueError, match="learning_rate"):
        LogisticRegression(alpha=1.0, solver="gd", learning_rate=1e3, max_iter=2000).fit(X, y)


@pytest.mark.parametrize("variance_reduction", [True, False])
def test_sgd_short_of_the_optimum_states_its_gap(variance_reduction):
    datasets = pytest.importorskip("sklearn.datasets")
    X, y = datasets.load_breast_cancer(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    exact = LogisticRegression(alpha=1e-4, solver="newton").fit(X, y)
    method = "SAGA" if variance_reduction else "plain SGD"
    with pytest.warns(ConvergenceWarning, match=f"{method}.*short of the optimum") as record:
        model = LogisticRegression(alpha=1e-4, solver="sgd", max_iter=50, random_state=0,
                                   variance_reduction=variance_reduction).fit(X, y)
    gap = objective(model, X, y) - objective(exact, X, y)
    assert gap > 0 and f"objective {gap:.3g} above" in str(record[0].message)
    assert model.n_iter_ == 50 and not hasattr(model, "stderr_")


@pytest.mark.parametrize("solver", ["newton", "lbfgs", "gd", "sgd"])
@pytest.mark.parametrize("data", ["binary_data", "multiclass_data"])
def test_sample_weight_matches_sklearn(data, solver, request, rng):
    """scikit-learn minimizes C sum_i s_i l_i + ||w||^2 / 2: ours with C = 1 / (alpha sum s)."""
    linear_model = pytest.importorskip("sklearn.linear_model")
    X, y = request.getfixturevalue(data)
    s, alpha = rng.uniform(0.1, 3.0, len(X)), 1e-2
    ref = linear_model.LogisticRegression(C=1.0 / (alpha * s.sum()), tol=1e-14,
                                          solver="newton-cholesky", max_iter=1000)
    ref.fit(X, y, sample_weight=s)
    model = LogisticRegression(alpha=alpha, solver=solver, tol=1e-10, max_iter=100_000)
    model.fit(X, y, sample_weight=s)
    coef = ref.coef_ - ref.coef_.mean(axis=0) if ref.coef_.shape[0] > 1 else ref.coef_
    np.testing.assert_allclose(model.coef_, coef, atol=1e-8)
    np.testing.assert_allclose(model.predict_proba(X), ref.predict_proba(X), atol=1e-8)


@pytest.mark.parametrize("data", ["binary_data", "multiclass_data"])
def test_sample_weight_integers_repeat_rows_and_zeros_remove_them(data, request, rng):
    X, y = request.getfixturevalue(data)
    counts = rng.integers(0, 4, len(X))
    fit = LogisticRegression(alpha=1e-3, solver="newton", tol=1e-12).fit
    weighted = fit(X, y, sample_weight=counts)
    repeated = fit(np.repeat(X, counts, axis=0), np.repeat(y, counts))
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, atol=1e-10)
    np.testing.assert_allclose(weighted.intercept_, repeated.intercept_, atol=1e-10)
    plain, ones = fit(X, y), fit(X, y, sample_weight=np.ones(len(X)))
    np.testing.assert_array_equal(plain.coef_, ones.coef_)


def test_weighted_stderr_match_statsmodels_frequency_weights(binary_data, rng):
    sm = pytest.importorskip("statsmodels.api")
    X, y = binary_data
    s = rng.integers(1, 4, len(X)).astype(float)
    design = np.column_stack([X, np.ones(len(X))])
    ref = sm.GLM(y, design, family=sm.families.Binomial(), freq_weights=s).fit(tol=1e-12)
    model = LogisticRegression(alpha=0.0, tol=1e-12).fit(X, y, sample_weight=s)
    np.testing.assert_allclose(model.coef_[0], ref.params[:4], rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(model.stderr_[0], ref.bse[:4], rtol=1e-7)


def test_sample_weight_bad_input_and_sgd(binary_data):
    X, y = binary_data
    with pytest.raises(ValueError, match="sample_weight"):
        LogisticRegression().fit(X, y, sample_weight=np.ones(3))
    with pytest.raises(ValueError, match="sample_weight"):
        LogisticRegression().fit(X, y, sample_weight=-np.ones(len(X)))
    with pytest.raises(ValueError, match="variance_reduction=False.*sample_weight"):
        LogisticRegression(solver="sgd", variance_reduction=False).fit(
            X, y, sample_weight=np.arange(len(X)) + 1.0)


def test_equal_weights_scale_the_information_as_repeated_rows(binary_data):
    X, y = binary_data
    once = LogisticRegression(alpha=0.0).fit(X, y)
    twice = LogisticRegression(alpha=0.0).fit(X, y, sample_weight=np.full(len(X), 2.0))
    np.testing.assert_allclose(twice.coef_, once.coef_, atol=1e-12)
    np.testing.assert_allclose(twice.stderr_, once.stderr_ / np.sqrt(2.0), rtol=1e-10)
