"""Newton's method and gradient descent on problems whose iterates are known in closed form:
the documented defaults (max_iter, tol, first step, line search), the Barzilai-Borwein step
and its fallback, the modified-Cholesky Newton direction (Nocedal and Wright, Alg. 3.3)."""

import math

import numpy as np
import pytest

from tunelab.optim import gradient_descent, newton
from tunelab.optim._newton import _newton_direction


def exp_newton(x):
    """f = e^x: g = H = e^x, so the Newton direction is -1 and the unit step is Armijo."""
    v = math.exp(x[0])
    return v, np.array([v]), np.array([[v]])


def test_newton_default_tol_is_1e_minus_8():
    # x_k = -k; stops at the first k with e^-k <= 1e-8: k = 19 (e^-18 = 1.5e-8).
    res = newton(exp_newton, [0.0])
    assert res.n_iter == 19 and res.converged
    assert res.x[0] == pytest.approx(-19.0, abs=1e-12)
    assert res.grad_norm == pytest.approx(math.exp(-19), rel=1e-12)
    np.testing.assert_allclose(res.loss_curve, np.exp(-np.arange(20.0)), rtol=1e-12)


def test_newton_default_max_iter_is_100():
    res = newton(exp_newton, [0.0], tol=0.0)
    assert res.n_iter == 100 and not res.converged
    assert res.x[0] == pytest.approx(-100.0, abs=1e-10)
    assert len(res.loss_curve) == 101


def test_newton_tol_is_inclusive():
    res = newton(exp_newton, [0.0], tol=math.exp(-3.0) * (1 + 1e-9))
    assert res.n_iter == 3 and res.converged


def test_newton_zero_iterations_and_argument_ranges():
    res = newton(exp_newton, np.array([0.5]), max_iter=0)
    assert res.n_iter == 0 and res.x[0] == 0.5
    np.testing.assert_array_equal(res.loss_curve, [math.exp(0.5)])
    with pytest.raises(ValueError, match="max_iter"):
        newton(exp_newton, [0.0], max_iter=-1)
    with pytest.raises(ValueError, match="tol"):
        newton(exp_newton, [0.0], tol=-1e-12)


def test_newton_stops_when_no_step_decreases():
    def wrong(x):  # the claimed gradient points uphill in truth
        return float(x @ x) + 1.0, -2 * x - 1.0, 2 * np.eye(2)

    res = newton(wrong, np.array([1.0, 1.0]))
    assert res.n_iter == 0 and not res.converged
    np.testing.assert_array_equal(res.x, [1.0, 1.0])


def test_newton_direction_positive_definite_is_the_newton_step(rng):
    M = rng.normal(size=(4, 4))
    H = M @ M.T + np.eye(4)
    g = rng.normal(size=4)
    np.testing.assert_allclose(_newton_direction(H, g), -np.linalg.solve(H, g), rtol=1e-12)


def test_newton_direction_negative_diagonal_shift():
    # min H_ii = -1 < 0: tau = beta - min H_ii with beta = 1e-3 * max(1, max |H_ii|) = 2e-3.
    H = np.diag([-1.0, 2.0])
    g = np.array([1.0, -3.0])
    tau = 2e-3 + 1.0
    np.testing.assert_allclose(_newton_direction(H, g), -g / (np.diag(H) + tau), rtol=1e-13)
    small = np.diag([-0.5, 0.25])  # max |H_ii| < 1: beta = 1e-3
    np.testing.assert_allclose(
        _newton_direction(small, g), -g / (np.diag(small) + 0.501), rtol=1e-13
    )


def test_newton_direction_doubles_tau_until_cholesky_works():
    # Positive diagonal, eigenvalues -1 and 3: tau = 0, then 1e-3 doubled to 1.024 > 1.
    H = np.array([[1.0, 2.0], [2.0, 1.0]])
    g = np.array([1.0, 0.5])
    want = -np.linalg.solve(H + 1e-3 * 2**10 * np.eye(2), g)
    np.testing.assert_allclose(_newton_direction(H, g), want, rtol=1e-12)


def test_newton_direction_falls_back_to_steepest_descent():
    # No tau up to 1e-3 * 2^98 makes this positive definite (eigenvalue -1e40).
    H = np.array([[1.0, 1e40], [1e40, 1.0]])
    g = np.array([1.0, -2.0])
    np.testing.assert_array_equal(_newton_direction(H, g), -g)


def half_square(a=1.0):
    def fun(x):
        return 0.5 * a * float(x @ x), a * x

    return fun


def test_gd_default_tol_is_1e_minus_6():
    # f = x^2 / 2 with the fixed step 1/2: x_k = 2^-k, stops at k = 20 (2^-20 <= 1e-6 < 2^-19).
    res = gradient_descent(half_square(), np.array([1.0]), learning_rate=0.5, line_search=False)
    assert res.n_iter == 20 and res.converged
    assert res.x[0] == 2.0**-20 and res.grad_norm == 2.0**-20
    np.testing.assert_array_equal(res.loss_curve, [0.5 * 4.0**-k for k in range(21)])


def test_gd_default_max_iter_is_1000():
    # f = e^x, fixed step 1: x_{k+1} = x_k - e^{x_k}, far from |g| <= 1e-6 after 1000 steps.
    def fun(x):
        return math.exp(x[0]), np.exp(x)

    res = gradient_descent(fun, np.array([0.0]), learning_rate=1.0, line_search=False)
    x = 0.0
    for _ in range(1000):
        x -= math.exp(x)
    assert res.n_iter == 1000 and not res.converged
    assert res.x[0] == pytest.approx(x, rel=1e-12)


def test_gd_tol_is_inclusive():
    res = gradient_descent(
        half_square(), np.array([1.0]), learning_rate=0.5, line_search=False, tol=0.125
    )
    assert res.n_iter == 3 and res.converged


def test_gd_default_is_a_line_search_from_step_one_then_barzilai_borwein():
    # f = 5 x^2: t = 1, 1/2, 1/4 rejected, t = 1/8 gives x1 = -x0/4; then s'y / s's = 10 and
    # the Barzilai-Borwein step 1/10 lands on the minimum.
    res = gradient_descent(half_square(10.0), np.array([2.0]))
    assert res.n_iter == 2 and res.converged
    assert res.x[0] == 0.0
    np.testing.assert_array_equal(res.loss_curve, [20.0, 1.25, 0.0])


class Scripted:
    """(f, g) in turn, decreasing values so each first trial step is accepted."""

    def __init__(self, grads):
        self.grads = [np.array([g]) for g in grads]
        self.points = []

    def __call__(self, x):
        self.points.append(float(x[0]))
        i = len(self.points) - 1
        return -float(i), self.grads[min(i, len(self.grads) - 1)]


@pytest.mark.parametrize(
    "g1, second",
    [
        (-0.5, 1.0 + 2.0 * 0.5),  # s = 1, y = 0.5: step s's / s'y = 2
        (-1.0, 1.0 + 2.0 * 1.0),  # s'y = 0: twice the last step
        (-2.0, 1.0 + 2.0 * 2.0),  # s'y < 0: twice the last step
    ],
)
def test_gd_barzilai_borwein_step_and_its_fallback(g1, second):
    fun = Scripted([-1.0, g1, 0.0])
    res = gradient_descent(fun, np.array([0.0]), max_iter=2, tol=0.0)
    assert fun.points[:3] == [0.0, 1.0, second]
    assert res.n_iter == 2


def test_gd_first_trial_step_is_the_learning_rate():
    fun = Scripted([-1.0, 0.0])
    gradient_descent(fun, np.array([0.0]), learning_rate=0.25)
    assert fun.points[:2] == [0.0, 0.25]


def test_gd_fixed_step_divergence_stops_at_the_first_non_finite_value():
    res = gradient_descent(half_square(10.0), np.array([1.0]), learning_rate=1.0, line_search=False)
    # x_k = (-9)^k; f = 5 * 81^k overflows first at k = 162 (log(max / 5) / log(81) = 161.15).
    assert res.n_iter == 162 and not res.converged and not np.isfinite(res.fun)


def test_gd_argument_ranges():
    fun = half_square()
    for kwargs, name in [
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"max_iter": -1}, "max_iter"),
        ({"tol": -1e-12}, "tol"),
    ]:
        with pytest.raises(ValueError, match=name):
            gradient_descent(fun, np.array([1.0]), **kwargs)
    res = gradient_descent(fun, np.array([1.0]), max_iter=0, tol=0.0)
    assert res.n_iter == 0 and res.x[0] == 1.0


def test_newton_falls_back_to_minus_g_when_the_direction_is_not_descent():
    # H = diag(inf, 1) factors, but its direction (-0, 0) at g = (1, 0) has slope -0: not a
    # descent direction, so the iteration steps along -g (and reaches x = (-1, 0)).
    def fun(x):
        return x[0] + 0.5 * x[1] ** 2, np.array([1.0, x[1]]), np.diag([np.inf, 1.0])

    d = _newton_direction(np.diag([np.inf, 1.0]), np.array([1.0, 0.0]))
    assert not np.dot([1.0, 0.0], d) < 0.0
    res = newton(fun, np.zeros(2), max_iter=1)
    np.testing.assert_array_equal(res.x, [-1.0, 0.0])
    assert res.n_iter == 1


def test_newton_stops_at_an_exact_minimum_with_zero_tol():
    # |g| = 0 <= tol = 0: converged without a step (a step would need a descent direction).
    res = newton(lambda x: (float(x @ x), 2 * x, 2 * np.eye(2)), np.zeros(2), tol=0.0)
    assert res.n_iter == 0 and res.converged and res.grad_norm == 0.0
    res = gradient_descent(lambda x: (float(x @ x), 2 * x), np.zeros(2), tol=0.0)
    assert res.n_iter == 0 and res.converged


def test_newton_direction_uses_all_100_shifts():
    # Eigenvalue 1 - 5e26: the 100th try, tau = 1e-3 * 2^98 = 3.2e26, is still too small
    # (a 101st, 6.3e26, would do): steepest descent.
    H = np.array([[1.0, 5e26], [5e26, 1.0]])
    g = np.array([1.0, -2.0])
    np.testing.assert_array_equal(_newton_direction(H, g), -g)
    H = np.array([[1.0, 3e26], [3e26, 1.0]])  # the 100th try works
    want = -np.linalg.solve(H + 1e-3 * 2.0**98 * np.eye(2), g)
    np.testing.assert_allclose(_newton_direction(H, g), want, rtol=1e-9)


@pytest.mark.parametrize(
    "g1, second",
    [
        (-0.5, 0.5 + 1.0 * 0.5),  # s = 1/2, y = 1/2: step s's / s'y = 1
        (-1.0, 0.5 + 1.0 * 1.0),  # s'y = 0: twice the last step, 2 * 1/2
        (-2.0, 0.5 + 1.0 * 2.0),  # s'y < 0: twice the last step
    ],
)
def test_gd_barzilai_borwein_fallback_doubles_a_step_other_than_one(g1, second):
    fun = Scripted([-1.0, g1, 0.0])
    gradient_descent(fun, np.array([0.0]), learning_rate=0.5, max_iter=2, tol=0.0)
    assert fun.points[:3] == [0.0, 0.5, second]
