"""Hypergradients against central finite differences, closed forms and the models' fits."""

import numpy as np
import pytest

import tunelab as tl
from tunelab.exceptions import ConvergenceWarning
from tunelab.hypergrad import CrossValidationLoss, ValidationLoss


def _data(task, n=120, p=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    z = X @ rng.normal(size=p)
    if task == "regression":
        y = z + rng.normal(size=n)
    elif task == "binary":
        y = (z + rng.normal(size=n) > 0).astype(int)
    else:
        y = np.digitize(z + rng.normal(size=n), [-1.0, 1.0])
    return X[: n // 2], y[: n // 2], X[n // 2 :], y[n // 2 :]


def _fd_log(f, params, name, direction, h=1e-4):
    """Central difference of f along log(param) += t * direction, at t = 0."""
    def at(t):
        q = dict(params)
        q[name] = np.asarray(params[name]) * np.exp(t * direction)
        return f(q)[0]
    return (at(h) - at(-h)) / (2 * h)


def _check_fd(f, params, name):
    value = np.asarray(params[name], dtype=float)
    u = np.random.default_rng(1).normal(size=value.shape) if value.ndim else np.float64(1.0)
    grad = f(params)[1][name]
    assert np.shape(grad) == value.shape
    analytic = float(np.sum(grad * value * u))  # chain rule in log space
    assert analytic == pytest.approx(_fd_log(f, params, name, u), rel=1e-6)


ESTIMATORS = {"regression": tl.LinearRegression, "binary": tl.LogisticRegression,
              "multinomial": tl.LogisticRegression}


@pytest.mark.parametrize("task", ["regression", "binary", "multinomial"])
@pytest.mark.parametrize("per_feature", [False, True])
def test_finite_differences(task, per_feature):
    f = ValidationLoss(ESTIMATORS[task](), *_data(task))
    alpha = np.geomspace(0.01, 1.0, 5) if per_feature else 0.1
    _check_fd(f, {"alpha": alpha}, "alpha")


@pytest.mark.parametrize("name", ["alpha", "beta"])
def test_bayesian_finite_differences(name):
    f = ValidationLoss(tl.BayesianLinearRegression(), *_data("regression"))
    _check_fd(f, {"alpha": 0.5, "beta": 2.0}, name)


def test_bayesian_value_matches_model():
    Xt, yt, Xv, yv = _data("regression")
    model = tl.BayesianLinearRegression(alpha=0.5, beta=2.0, fit_evidence=False).fit(Xt, yt)
    mean, std = model.predict(Xv, return_std=True)
    nlpd = np.mean(0.5 * np.log(2 * np.pi * std**2) + 0.5 * (yv - mean) ** 2 / std**2)
    f = ValidationLoss(tl.BayesianLinearRegression(), Xt, yt, Xv, yv)
    assert f({"alpha": 0.5, "beta": 2.0})[0] == pytest.approx(nlpd, rel=1e-12)


def test_ridge_closed_form_derivative():
    Xt, yt, Xv, yv = _data("regression")
    n, alpha = len(yt), 0.3
    Xc, yc = Xt - Xt.mean(0), yt - yt.mean()
    U, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    c = U.T @ yc
    w = Vt.T @ (s / n * c / (s**2 / n + alpha))
    dw = Vt.T @ (-s / n * c / (s**2 / n + alpha) ** 2)
    r = yv - yt.mean() - (Xv - Xt.mean(0)) @ w
    expected = np.mean(-2 * r * ((Xv - Xt.mean(0)) @ dw))
    value, grad = ValidationLoss(tl.LinearRegression(), Xt, yt, Xv, yv)({"alpha": alpha})
    assert value == pytest.approx(np.mean(r**2), rel=1e-12)
    assert grad["alpha"] == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("task", ["regression", "binary", "multinomial"])
def test_inner_fit_equals_model(task):
    Xt, yt, Xv, yv = _data(task)
    if task == "regression":
        model = tl.LinearRegression(alpha=0.1).fit(Xt, yt)
    else:
        model = tl.LogisticRegression(alpha=0.1, solver="newton", tol=1e-12).fit(Xt, yt)
    coef, intercept = ValidationLoss(ESTIMATORS[task](), Xt, yt, Xv, yv).fitted({"alpha": 0.1})
    np.testing.assert_allclose(coef, model.coef_, rtol=0, atol=1e-8)
    np.testing.assert_allclose(intercept, model.intercept_, rtol=0, atol=1e-8)


@pytest.mark.parametrize("task", ["regression", "binary", "multinomial"])
def test_cg_equals_cholesky(task):
    data = _data(task)
    alpha = np.geomspace(0.01, 1.0, 5)
    g1 = ValidationLoss(ESTIMATORS[task](), *data, solver="cholesky")({"alpha": alpha})[1]
    g2 = ValidationLoss(ESTIMATORS[task](), *data, solver="cg")({"alpha": alpha})[1]
    np.testing.assert_allclose(g2["alpha"], g1["alpha"], rtol=1e-8, atol=1e-12)


def test_cross_validation_is_mean_of_folds():
    Xt, yt, Xv, yv = _data("binary")
    X, y = np.vstack([Xt, Xv]), np.concatenate([yt, yv])
    cv = tl.model_selection.StratifiedKFold(n_splits=3)
    values, grads = [], []
    for tr, te in cv.split(X, y):
        v, g = ValidationLoss(tl.LogisticRegression(), X[tr], y[tr], X[te], y[te])(
            {"alpha": 0.05})
        values.append(v)
        grads.append(g["alpha"])
    value, grad = CrossValidationLoss(tl.LogisticRegression(), X, y, cv=3)({"alpha": 0.05})
    assert value == pytest.approx(np.mean(values), rel=1e-12)
    assert grad["alpha"] == pytest.approx(np.mean(grads), rel=1e-10)


def test_unconverged_inner_fit_warns_with_gap():
    f = ValidationLoss(tl.LogisticRegression(), *_data("binary"), max_iter=1)
    with pytest.warns(ConvergenceWarning, match="max \\|gradient\\|"):
        f({"alpha": 0.01})


def test_errors():
    data = _data("binary")
    with pytest.raises(TypeError, match="MLPClassifier"):
        ValidationLoss(tl.MLPClassifier(), *data)
    f = ValidationLoss(tl.LogisticRegression(), *data)
    with pytest.raises(ValueError, match="learning_rate"):
        f({"alpha": 0.1, "learning_rate": 0.1})
    with pytest.raises(ValueError, match="shape \\(5,\\)"):
        f({"alpha": np.ones(3)})
    with pytest.raises(ValueError, match="> 0"):
        f({"alpha": np.nan})
    with pytest.raises(ValueError, match="> 0"):
        f({"alpha": -1.0})
    with pytest.raises(ValueError, match="metric"):
        ValidationLoss(tl.LogisticRegression(), *data, metric="mse")
    with pytest.raises(ValueError, match="X_val"):
        ValidationLoss(tl.LogisticRegression(), data[0], data[1], data[2][:, :3], data[3])
    with pytest.raises(ValueError, match="NaN"):
        ValidationLoss(tl.LogisticRegression(), data[0] * np.nan, *data[1:])
    with pytest.raises(ValueError, match="cv"):
        CrossValidationLoss(tl.LogisticRegression(), data[0], data[1], cv=1)
