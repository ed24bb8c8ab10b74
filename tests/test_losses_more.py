"""logistic_loss: the Numba kernel is the path taken for C-contiguous float64 data (and
only then), and it agrees with the NumPy path and with an independent evaluation."""

import numpy as np
import pytest
from scipy.special import expit

import tunelab._jit as jit
import tunelab.losses as losses


@pytest.fixture
def spy(monkeypatch):
    calls = []
    real = jit.logistic_loss_grad

    def counting(*args):
        calls.append(args[0].dtype)
        return real(*args)

    monkeypatch.setattr(jit, "logistic_loss_grad", counting)
    return calls


def data(rng, n=50, p=4):
    X = rng.normal(size=(n, p))
    y = (rng.random(n) < 0.4).astype(float)
    return X, y


def reference(theta, X, y, alpha, fit_intercept):
    """The objective and gradient in long hand, with float64 throughout."""
    X = np.asarray(X, dtype=np.float64)
    p = X.shape[1]
    w = theta[:p]
    b = theta[p] if fit_intercept else 0.0
    z = X @ w + b
    value = np.mean(np.logaddexp(0.0, z) - y * z) + 0.5 * alpha * w @ w
    r = expit(z) - y
    grad = (
        np.append(X.T @ r / len(y) + alpha * w, r.mean())
        if fit_intercept
        else (X.T @ r / len(y) + alpha * w)
    )
    return value, grad


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_c_contiguous_float64_takes_the_numba_kernel(spy, rng, fit_intercept):
    X, y = data(rng)
    theta = rng.normal(size=5 if fit_intercept else 4)
    value, grad = losses.logistic_loss(theta, X, y, 0.3, fit_intercept)
    assert spy == [np.float64]
    want_value, want_grad = reference(theta, X, y, 0.3, fit_intercept)
    assert value == pytest.approx(want_value, rel=1e-13)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-12, atol=1e-15)
    numpy_value, numpy_grad = losses.logistic_loss_numpy(theta, X, y, 0.3, fit_intercept)
    assert value == pytest.approx(numpy_value, rel=1e-13)
    np.testing.assert_allclose(grad, numpy_grad, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("layout", ["fortran", "float32", "strided"])
def test_other_layouts_take_the_numpy_path(spy, rng, layout):
    X, y = data(rng)
    X = {
        "fortran": np.asfortranarray(X),
        "float32": X.astype(np.float32),
        "strided": np.repeat(X, 2, axis=0)[::2],
    }[layout]
    theta = rng.normal(size=5)
    value, grad = losses.logistic_loss(theta, X, y, 0.1)
    assert spy == []
    want_value, want_grad = reference(theta, X, y, 0.1, True)
    tol = 1e-5 if layout == "float32" else 1e-12
    assert value == pytest.approx(want_value, rel=tol)
    np.testing.assert_allclose(grad, want_grad, rtol=tol, atol=tol * 1e-2)
