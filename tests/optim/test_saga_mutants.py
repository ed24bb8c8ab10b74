"""The SAGA step of Gazagnadou, Gower and Salmon (2019) where the strong-convexity term rules."""

import numpy as np
import pytest
from scipy.linalg import eigh

from tunelab.optim.saga import saga_step


def reference_step(X, v, c, alpha, b, fit_intercept):
    """Eq. (12) of Gazagnadou et al. from the explicit weighted design with a column of ones."""
    n = len(X)
    Xt = np.column_stack([X, np.ones(n)]) if fit_intercept else X
    L = c * eigh((Xt * v[:, None]).T @ Xt / n, eigvals_only=True)[-1] + alpha
    L_max = c * max(vi * xi @ xi for vi, xi in zip(v, Xt, strict=True)) + alpha
    expected = n * (b - 1) / (b * (n - 1)) * L + (n - b) / (b * (n - 1)) * L_max
    rho = (n - b) / (b * (n - 1)) * L_max
    return 1.0 / (4.0 * max(expected, rho + n * alpha / (4.0 * b)))


@pytest.mark.parametrize("loss, c", [("squared", 1.0), ("logistic", 0.25), ("softmax", 0.5)])
@pytest.mark.parametrize("b", [2, 3, 40])
def test_step_with_a_strong_penalty_and_weights(rng, loss, c, b):
    n, alpha = 40, 3.0  # n alpha / (4 b) outweighs the expected smoothness for small b
    X = rng.normal(size=(n, 3))
    v = rng.uniform(0.5, 2.0, size=n)
    got = saga_step(X, loss, alpha, True, b, sample_weight=v)
    assert got == pytest.approx(reference_step(X, v, c, alpha, b, True), rel=1e-12)


def test_one_sample_per_step_is_the_general_formula_at_b_one(rng):
    n, alpha = 30, 0.5
    X = rng.normal(size=(n, 2))
    v = np.ones(n)
    L_max = np.max(np.sum(X**2, axis=1)) + alpha  # squared loss: curvature 1, no intercept
    got = saga_step(X, "squared", alpha, False, 1)
    assert got == pytest.approx(1.0 / (4.0 * L_max + n * alpha), rel=1e-12)
    assert got == pytest.approx(reference_step(X, v, 1.0, alpha, 1, False), rel=1e-12)
