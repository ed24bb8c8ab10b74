"""The margin matrix against its definition, and separation's invariance to feature scales."""

import numpy as np
import pytest

from tunelab.models._separation import margin_matrix, separation


def scaled(X, fit_intercept):
    """Inputs divided by their column's largest magnitude (zero columns left as they are)."""
    top = np.abs(X).max(axis=0)
    Xt = X / np.where(top == 0.0, 1.0, top)
    return np.column_stack([Xt, np.ones(len(X))]) if fit_intercept else Xt


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_binary_rows_are_signed_inputs(rng, fit_intercept):
    X = rng.normal(size=(9, 3)) * [1e-3, 1.0, 50.0]
    X[:, 1] = 0.0  # a constant zero feature stays zero, not NaN
    y = rng.integers(0, 2, size=9)
    beta = rng.normal(size=3 + fit_intercept)
    margins = margin_matrix(X, y, 2, fit_intercept) @ beta
    rows = zip(scaled(X, fit_intercept), y, strict=True)
    want = [(1.0 if yi == 1 else -1.0) * xi @ beta for xi, yi in rows]
    np.testing.assert_allclose(margins, want, rtol=1e-12, atol=1e-15)


def test_multinomial_rows_are_differences_to_every_rival(rng):
    n, p, K = 8, 2, 4
    X = rng.normal(size=(n, p)) * [0.01, 30.0]
    y = np.r_[np.arange(K), rng.integers(0, K, size=n - K)]
    Xt = scaled(X, True)
    B = np.vstack([rng.normal(size=(K - 1, p + 1)), np.zeros(p + 1)])  # last class fixed at 0
    M = margin_matrix(X, y, K, True)
    assert M.shape == (n * (K - 1), (K - 1) * (p + 1))
    want = sorted(Xt[i] @ (B[y[i]] - B[k]) for i in range(n) for k in range(K) if k != y[i])
    np.testing.assert_allclose(np.sort(M @ B[:-1].ravel()), want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("factor", [1e-6, 1e-3, 1e4])
def test_the_verdict_does_not_depend_on_units(factor):
    x = np.array([-2.0, -1.0, 1.0, 2.0, 0.0, 0.0])
    cases = [
        (np.array([0, 0, 1, 1, 0, 1]), "quasi-complete"),  # both classes at the threshold 0
        (np.array([0, 0, 1, 1, 0, 0]), "complete"),  # a threshold at 0.5 splits them
        (np.array([0, 1, 0, 1, 0, 1]), None),  # the classes interleave
    ]
    for y, want in cases:
        X = np.column_stack([x * factor, np.zeros(len(x))])  # and a feature that is all zeros
        assert separation(X, y, 2) == want
