"""Losses: gradients and Hessians against central finite differences, values against closed
forms and scikit-learn's log_loss, and the invariants that tie the three losses together."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tunelab.losses import (
    logistic_hessian,
    logistic_loss,
    logistic_loss_numpy,
    softmax_hessian,
    softmax_loss,
    squared_loss,
)


def fd_gradient(f, theta, h=1e-6):
    """Central differences of a scalar function, one coordinate at a time (error O(h^2))."""
    e = np.eye(len(theta))
    return np.array([(f(theta + h * u) - f(theta - h * u)) / (2 * h) for u in e])


def fd_hessian(grad, theta, h=1e-6):
    """Central differences of the gradient, symmetrized."""
    e = np.eye(len(theta))
    H = np.array([(grad(theta + h * u) - grad(theta - h * u)) / (2 * h) for u in e])
    return 0.5 * (H + H.T)


def problem(kind, rng, n=40, p=3, K=3):
    X = rng.normal(size=(n, p))
    if kind == "squared":
        return X, X @ rng.normal(size=p) + rng.normal(size=n)
    if kind == "logistic":
        return X, (rng.random(n) < 0.4).astype(float)
    return X, np.eye(K)[rng.integers(0, K, size=n)]


def n_params(kind, p, fit_intercept, K=3):
    d = p + int(fit_intercept)
    return K * d if kind == "softmax" else d


LOSSES = {
    "squared": squared_loss,
    "logistic": logistic_loss,
    "logistic_numpy": logistic_loss_numpy,
    "softmax": softmax_loss,
}


@pytest.mark.parametrize("name", list(LOSSES))
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("alpha", [0.0, 0.3])
def test_gradient_matches_finite_differences(name, fit_intercept, alpha, rng):
    kind = name.removesuffix("_numpy")
    X, y = problem(kind, rng)
    loss = LOSSES[name]
    theta = rng.normal(size=n_params(kind, X.shape[1], fit_intercept))
    value, grad = loss(theta, X, y, alpha, fit_intercept)
    numeric = fd_gradient(lambda t: loss(t, X, y, alpha, fit_intercept)[0], theta)
    assert grad.shape == theta.shape
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("kind", ["logistic", "softmax"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("alpha", [0.0, 0.3])
def test_hessian_matches_finite_differences(kind, fit_intercept, alpha, rng):
    X, y = problem(kind, rng)
    loss, hessian = (
        (logistic_loss, logistic_hessian) if kind == "logistic" else (softmax_loss, softmax_hessian)
    )
    theta = rng.normal(size=n_params(kind, X.shape[1], fit_intercept))
    H = hessian(theta, X, y, alpha, fit_intercept)
    numeric = fd_hessian(lambda t: loss(t, X, y, alpha, fit_intercept)[1], theta)
    np.testing.assert_allclose(H, numeric, rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(H, H.T)
    assert np.linalg.eigvalsh(H).min() > -1e-12  # convex


def test_squared_loss_closed_form():
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    y = np.array([1.0, -1.0])
    theta = np.array([0.5, -1.0, 2.0])  # w = (0.5, -1), b = 2
    r = X @ theta[:2] + 2.0 - y  # (0.5 - 2 + 2 - 1, 1.5 - 4 + 2 + 1) = (-0.5, 0.5)
    value, grad = squared_loss(theta, X, y, alpha=0.2)
    assert value == pytest.approx(0.25 * (r @ r) + 0.1 * 1.25)
    np.testing.assert_allclose(grad, np.append(X.T @ r / 2 + 0.2 * theta[:2], r.mean()))


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_logistic_loss_is_sklearn_log_loss_plus_penalty(fit_intercept, rng):
    metrics = pytest.importorskip("sklearn.metrics")
    X, y = problem("logistic", rng, n=60)
    theta = rng.normal(size=X.shape[1] + int(fit_intercept))
    z = X @ theta[: X.shape[1]] + (theta[-1] if fit_intercept else 0.0)
    prob = 1 / (1 + np.exp(-z))
    expected = metrics.log_loss(y, prob) + 0.5 * 0.7 * np.sum(theta[: X.shape[1]] ** 2)
    assert logistic_loss(theta, X, y, 0.7, fit_intercept)[0] == pytest.approx(expected, rel=1e-12)


def test_softmax_loss_is_sklearn_log_loss(rng):
    metrics = pytest.importorskip("sklearn.metrics")
    X, Y = problem("softmax", rng, n=60)
    theta = rng.normal(size=3 * 4)
    Theta = theta.reshape(3, 4)
    Z = X @ Theta[:, :3].T + Theta[:, 3]
    P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    assert softmax_loss(theta, X, Y, 0.0)[0] == pytest.approx(
        metrics.log_loss(Y.argmax(axis=1), P), rel=1e-12
    )


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_two_class_softmax_equals_logistic(fit_intercept, rng):
    """Rows (0, w): softmax P(class 1) = sigma(z), and the penalty on the zero row vanishes."""
    X, y = problem("logistic", rng)
    theta = rng.normal(size=X.shape[1] + int(fit_intercept))
    value, grad = logistic_loss(theta, X, y, 0.4, fit_intercept)
    two_rows = np.concatenate([np.zeros_like(theta), theta])
    Y = np.column_stack([1 - y, y])
    value2, grad2 = softmax_loss(two_rows, X, Y, 0.4, fit_intercept)
    assert value2 == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(grad2[len(theta):], grad, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("loss", [logistic_loss, logistic_loss_numpy])
def test_logistic_loss_is_stable_for_huge_logits(loss):
    """log(1 + e^z) - yz is 0 or |z| to round-off at z = +-800, where exp(800) overflows."""
    X = np.array([[800.0], [800.0], [-800.0], [-800.0]])
    y = np.array([1.0, 0.0, 0.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, grad = loss(np.array([1.0]), X, y, 0.0, fit_intercept=False)
    assert value == pytest.approx((0 + 800 + 0 + 800) / 4)
    # residuals sigma(z) - y: 0, 1, 0, -1, so the gradient is (0 + 800 + 0 + 800) / 4
    np.testing.assert_allclose(grad, [400.0])


def test_softmax_loss_is_stable_for_huge_logits():
    X = np.array([[1000.0], [-1000.0]])
    Y = np.array([[1.0, 0.0], [1.0, 0.0]])
    theta = np.array([1.0, -1.0])  # logits (1000, -1000) and (-1000, 1000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, grad = softmax_loss(theta, X, Y, 0.0, fit_intercept=False)
    assert value == pytest.approx(2000.0 / 2)
    assert np.all(np.isfinite(grad))


def test_softmax_hessian_has_the_shift_null_space(rng):
    """Adding one vector to every class row changes nothing: H @ (v, v, v) = 0 (alpha = 0)."""
    X, Y = problem("softmax", rng)
    H = softmax_hessian(rng.normal(size=12), X, Y, 0.0)
    shift = np.tile(rng.normal(size=4), 3)
    np.testing.assert_allclose(H @ shift, 0.0, atol=1e-12)


@pytest.mark.parametrize(
    "loss, target",
    [(squared_loss, "squared"), (logistic_loss, "logistic"), (softmax_loss, "softmax")],
)
def test_wrong_theta_length_is_rejected(loss, target, rng):
    X, y = problem(target, rng)
    with pytest.raises(ValueError, match="theta must have shape"):
        loss(np.zeros(2), X, y, 0.0)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 30),
    p=st.integers(1, 4),
    scale=st.floats(0.01, 5.0),
    alpha=st.floats(0.0, 2.0),
    fit_intercept=st.booleans(),
)
def test_logistic_gradient_property(seed, n, p, scale, alpha, fit_intercept):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    y = (rng.random(n) < 0.5).astype(float)
    theta = scale * rng.normal(size=p + int(fit_intercept))
    value, grad = logistic_loss(theta, X, y, alpha, fit_intercept)
    numeric = fd_gradient(lambda t: logistic_loss(t, X, y, alpha, fit_intercept)[0], theta)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-7)
    assert value >= 0.5 * alpha * np.sum(theta[:p] ** 2)  # the NLL is non-negative
