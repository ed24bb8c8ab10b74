"""Batch bookkeeping of Bayesian optimization: pending configurations, liars, penalizers."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from tunelab.search import _bo_batch as B


def test_pending_add_remove_in_order():
    pending = B.Pending()
    a, b = {"x": 1.0, "c": True}, {"x": 1.0, "c": 1}
    pending.add(a)
    pending.add(b)
    pending.add(dict(a))
    assert len(pending) == 3 and len(pending.keys()) == 2  # True and 1 stay apart
    assert pending.remove({"x": 1.0, "c": True})
    assert pending.configs == [b, a]
    assert not pending.remove({"x": 2.0, "c": 1})
    assert pending.remove(b) and pending.remove(a) and len(pending) == 0
    assert not pending.remove(a)


@pytest.mark.parametrize(("rule", "want"), [("cl_min", -1.0), ("cl_mean", 1.0),
                                            ("cl_max", 4.0)])
def test_constant_liars(rule, want):
    y = np.array([2.0, -1.0, 4.0, -1.0])
    np.testing.assert_array_equal(B.liar_values(rule, y, np.zeros(3)), [want] * 3)


def test_kriging_believer_lies_with_the_mean():
    mu = np.array([0.3, -2.0])
    out = B.liar_values("kb", np.array([1.0, 2.0]), mu)
    np.testing.assert_array_equal(out, mu)
    out[0] = 9.0
    assert mu[0] == 0.3  # a copy


def penalty_reference(x, Xp, mu, sigma, L, M):
    """González et al. (2016), Eq. 4, term by term with scipy's normal law."""
    return sum(norm.logcdf((L * np.linalg.norm(x - xp) - m + M) / s)
               for xp, m, s in zip(Xp, mu, sigma, strict=True))


def central_differences(f, x, h=1e-6):
    """The gradient of ``f`` at ``x`` by central differences: error O(h^2) (forward
    differences, O(h f''), fail the steep penalties of small sigma and large L)."""
    steps = h * np.eye(len(x))
    return np.array([(f(x + e) - f(x - e)) / (2 * h) for e in steps])


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 4), st.integers(1, 3))
def test_log_penalty_matches_reference_and_its_gradient(seed, p, D):
    rng = np.random.default_rng(seed)
    X = rng.random((5, D))
    Xp = rng.random((p, D))
    mu, sigma = rng.normal(size=p), rng.uniform(0.05, 1.0, p)
    L, M = rng.uniform(0.5, 5.0), float(rng.normal() - 1.0)
    got = B.log_penalty(X, Xp, mu, sigma, L, M)
    want = [penalty_reference(x, Xp, mu, sigma, L, M) for x in X]
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    values, grads = B.log_penalty_grad(X, Xp, mu, sigma, L, M)
    np.testing.assert_allclose(values, want, rtol=1e-10, atol=1e-12)
    for x, grad in zip(X, grads, strict=True):
        fd = central_differences(lambda t: penalty_reference(t, Xp, mu, sigma, L, M), x)
        np.testing.assert_allclose(grad, fd, rtol=1e-4, atol=1e-5)


def test_penalty_is_strong_at_a_pending_point_and_vanishes_far_away():
    Xp, mu, sigma = np.array([[0.5, 0.5]]), np.array([1.0]), np.array([0.1])
    near = B.log_penalty(np.array([[0.5, 0.5]]), Xp, mu, sigma, L=10.0, M=0.0)[0]
    far = B.log_penalty(np.array([[0.0, 0.0]]), Xp, mu, sigma, L=10.0, M=0.0)[0]
    assert near == pytest.approx(norm.logcdf(-10.0))  # (0 - 1 + 0) / 0.1
    assert -1e-12 < far <= 0.0
    value, grad = B.log_penalty_grad(Xp, Xp, mu, sigma, 10.0, 0.0)  # |x - x_j| = 0
    assert np.isfinite(value[0]) and np.array_equal(grad, [[0.0, 0.0]])
