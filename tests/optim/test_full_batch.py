"""Full-batch solvers: line search, gradient descent and Newton against closed-form minima
(linear solves), the Rosenbrock function's known minimum and SciPy's BFGS."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tunelab.losses import logistic_hessian, logistic_loss
from tunelab.optim import OptimizeResult, backtracking_line_search, gradient_descent, newton


def quadratic(A, b):
    """f(x) = x'Ax/2 - b'x: minimum at the solution of A x = b."""

    def fun(x):
        return 0.5 * x @ A @ x - b @ x, A @ x - b

    def fun_hess(x):
        return (*fun(x), A)

    return fun, fun_hess


def rosenbrock(x):
    """Rosenbrock's function, minimum 0 at (1, 1); Hessian indefinite in places."""
    a, b = x
    f = 100 * (b - a**2) ** 2 + (1 - a) ** 2
    g = np.array([-400 * a * (b - a**2) - 2 * (1 - a), 200 * (b - a**2)])
    H = np.array([[1200 * a**2 - 400 * b + 2, -400 * a], [-400 * a, 200.0]])
    return f, g, H


@pytest.fixture
def spd(rng):
    M = rng.normal(size=(5, 5))
    return M @ M.T + 0.5 * np.eye(5), rng.normal(size=5)


def test_optimize_result_converts_its_fields():
    res = OptimizeResult([1, 2], np.float32(3.0), 0.5, np.int64(4), np.bool_(True), [3, 2])
    assert res.x.dtype == np.float64 and isinstance(res.fun, float)
    assert isinstance(res.n_iter, int) and res.converged is True
    np.testing.assert_array_equal(res.loss_curve, [3.0, 2.0])


def test_line_search_accepts_the_first_armijo_step(spd):
    A, b = spd
    fun, _ = quadratic(A, b)
    x = np.zeros(5)
    f, g = fun(x)
    step, f_new, g_new = backtracking_line_search(fun, x, f, g, -g, step=8.0, c=0.3)
    # Armijo holds at the accepted step and fails at twice it (the previous trial)
    assert f_new <= f + 0.3 * step * (g @ -g)
    assert fun(x - 2 * step * g)[0] > f + 0.3 * 2 * step * (g @ -g)
    assert f_new == pytest.approx(fun(x - step * g)[0])
    np.testing.assert_allclose(g_new, fun(x - step * g)[1])


def test_line_search_returns_zero_when_no_step_decreases():
    def bowl(x):
        return 1.0 + x @ x, 2 * x

    g_claimed = np.ones(3)  # a wrong gradient at 0: every step along -g_claimed goes uphill
    step, f_new, g_new = backtracking_line_search(bowl, np.zeros(3), 1.0, g_claimed, -g_claimed,
                                                  max_steps=3)
    assert step == 0.0 and f_new == 1.0 and g_new is g_claimed


@pytest.mark.parametrize("size, accepted", [(0.5, True), (2.0, False)])
def test_line_search_breaks_value_ties_by_the_gradient(size, accepted):
    """Values equal to round-off cannot rank points: a smaller gradient wins the tie."""

    def flat(x):
        return 1.0 + 1e-17, np.full(2, size)  # a tie with f = 1; ||g_new||_1 = 2 size

    g = np.ones(2)  # ||g||_1 = 2
    step, _, _ = backtracking_line_search(flat, np.zeros(2), 1.0, g, -g, max_steps=3)
    assert step == (1.0 if accepted else 0.0)


def test_line_search_rejects_non_finite_values():
    def fun(x):  # nan beyond 1: the search must shrink below it
        return (np.nan if x[0] > 1 else (x[0] - 2) ** 2), np.array([2 * (x[0] - 2)])

    step, f_new, _ = backtracking_line_search(fun, np.zeros(1), 4.0, np.array([-4.0]), np.ones(1),
                                              step=4.0)
    assert step == 1.0 and f_new == 1.0


@pytest.mark.parametrize(
    "kwargs, name",
    [({"step": 0.0}, "step"), ({"shrink": 1.0}, "shrink"), ({"c": 0.0}, "c"),
     ({"max_steps": 0}, "max_steps")],
)
def test_line_search_bad_arguments(kwargs, name, spd):
    fun, _ = quadratic(*spd)
    f, g = fun(np.zeros(5))
    with pytest.raises(ValueError, match=name):
        backtracking_line_search(fun, np.zeros(5), f, g, -g, **kwargs)


def test_line_search_needs_a_descent_direction(spd):
    fun, _ = quadratic(*spd)
    f, g = fun(np.zeros(5))
    with pytest.raises(ValueError, match="direction"):
        backtracking_line_search(fun, np.zeros(5), f, g, g)


@pytest.mark.parametrize("line_search, tol", [(True, 1e-7), (False, 1e-10)])
def test_gradient_descent_solves_a_quadratic(spd, line_search, tol):
    """A line search compares values, so its gradient floor is about sqrt(eps |f| L) ~ 1e-7
    here; the fixed step 1/L uses gradients only and goes further."""
    A, b = spd
    fun, _ = quadratic(A, b)
    eigenvalues = np.linalg.eigvalsh(A)
    res = gradient_descent(fun, np.zeros(5), learning_rate=1 / eigenvalues.max(), max_iter=100_000,
                           tol=tol, line_search=line_search)
    assert res.converged and res.grad_norm <= tol
    # ||x - x*|| <= ||A (x - x*)|| / lambda_min = ||g|| / lambda_min <= sqrt(d) tol / lambda_min
    bound = np.sqrt(5) * tol / eigenvalues.min()
    assert np.linalg.norm(res.x - np.linalg.solve(A, b)) <= bound
    assert len(res.loss_curve) == res.n_iter + 1
    assert np.all(np.diff(res.loss_curve) <= 1e-12)  # descent at every step


def test_gradient_descent_with_line_search_beats_the_fixed_step(binary_data):
    """Barzilai-Borwein trial steps: far fewer iterations than the safe step 1/L on a logistic
    loss with badly scaled features (L from the bound ||X||_2^2 / (4n))."""
    X, y = binary_data
    X = X * np.array([1.0, 3.0, 10.0, 0.3])
    y = y.astype(float)

    def fun(t):
        return logistic_loss(t, X, y, 0.0)

    L = np.linalg.norm(np.column_stack([X, np.ones(len(X))]), 2) ** 2 / (4 * len(X))
    fixed = gradient_descent(fun, np.zeros(5), learning_rate=1 / L, line_search=False,
                             max_iter=50_000, tol=1e-6)
    searched = gradient_descent(fun, np.zeros(5), max_iter=50_000, tol=1e-6)
    assert fixed.converged and searched.converged
    assert searched.n_iter < fixed.n_iter / 5
    # each is within ||g||_2 / mu <= sqrt(5) tol / mu of the minimum (mu: least curvature)
    mu = np.linalg.eigvalsh(logistic_hessian(fixed.x, X, y, 0.0)).min()
    assert np.linalg.norm(searched.x - fixed.x) <= 2 * np.sqrt(5) * 1e-6 / mu * 1.1


def test_gradient_descent_reports_running_out_of_iterations(spd):
    fun, _ = quadratic(*spd)
    res = gradient_descent(fun, np.zeros(5), max_iter=2, tol=1e-12)
    assert not res.converged and res.n_iter == 2 and res.grad_norm > 1e-12


def test_gradient_descent_reports_divergence(spd):
    A, b = spd
    fun, _ = quadratic(A, b)
    L = np.linalg.eigvalsh(A).max()
    with np.errstate(over="ignore", invalid="ignore"):
        res = gradient_descent(fun, np.ones(5), learning_rate=10 / L, line_search=False,
                               max_iter=100_000)
    assert not res.converged and res.n_iter < 100_000 and not np.isfinite(res.fun)


def test_gradient_descent_does_not_modify_x0(spd):
    fun, _ = quadratic(*spd)
    x0 = np.ones(5)
    gradient_descent(fun, x0, max_iter=5)
    np.testing.assert_array_equal(x0, np.ones(5))


@pytest.mark.parametrize(
    "kwargs, name",
    [({"learning_rate": None, "line_search": False}, "learning_rate"),
     ({"learning_rate": -1.0}, "learning_rate"), ({"max_iter": -1}, "max_iter"),
     ({"tol": -1e-3}, "tol"), ({"max_iter": 2.5}, "max_iter")],
)
def test_gradient_descent_bad_arguments(kwargs, name, spd):
    fun, _ = quadratic(*spd)
    with pytest.raises((ValueError, TypeError), match=name):
        gradient_descent(fun, np.zeros(5), **kwargs)


def test_newton_solves_a_quadratic_in_one_step(spd):
    A, b = spd
    _, fun_hess = quadratic(A, b)
    res = newton(fun_hess, np.zeros(5), tol=1e-10)
    assert res.n_iter == 1 and res.converged
    np.testing.assert_allclose(res.x, np.linalg.solve(A, b), rtol=1e-10)


def test_newton_finds_the_rosenbrock_minimum():
    """From Nocedal and Wright's start (-1.2, 1), where the Hessian is indefinite nearby."""
    res = newton(rosenbrock, np.array([-1.2, 1.0]), max_iter=100, tol=1e-10)
    assert res.converged and res.n_iter < 50
    np.testing.assert_allclose(res.x, [1.0, 1.0], rtol=1e-8)
    assert np.all(np.diff(res.loss_curve) < 0)


def test_newton_modifies_an_indefinite_hessian():
    """At (0, 1) the Rosenbrock Hessian has a negative eigenvalue: the step must still descend."""
    x0 = np.array([0.0, 1.0])
    assert np.linalg.eigvalsh(rosenbrock(x0)[2]).min() < 0
    res = newton(rosenbrock, x0, max_iter=1)
    assert res.fun < rosenbrock(x0)[0]


def test_newton_minimizes_the_logistic_loss_like_scipy(binary_data):
    optimize = pytest.importorskip("scipy.optimize")
    X, y = binary_data
    y = y.astype(float)

    def fun(t):
        return (*logistic_loss(t, X, y, 0.01), logistic_hessian(t, X, y, 0.01))

    res = newton(fun, np.zeros(5), tol=1e-10)
    ref = optimize.minimize(lambda t: logistic_loss(t, X, y, 0.01), np.zeros(5), jac=True,
                            method="BFGS", options={"gtol": 1e-10})
    assert res.converged and res.n_iter < 10  # quadratic convergence
    np.testing.assert_allclose(res.x, ref.x, rtol=1e-6, atol=1e-8)


def test_newton_stops_at_max_iter():
    res = newton(rosenbrock, np.array([-1.2, 1.0]), max_iter=3, tol=1e-12)
    assert not res.converged and res.n_iter == 3


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), d=st.integers(1, 6), cond=st.floats(1.0, 100.0))
def test_solvers_reach_the_linear_solve(seed, d, cond):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    A = Q @ np.diag(np.geomspace(1.0, cond, d)) @ Q.T
    b = rng.normal(size=d)
    fun, fun_hess = quadratic(A, b)
    x_star = np.linalg.solve(A, b)
    gd = gradient_descent(fun, np.zeros(d), max_iter=20_000, tol=1e-6)
    nt = newton(fun_hess, np.zeros(d), tol=1e-9)
    assert gd.converged and nt.converged
    # ||x - x*|| <= ||g||_2 / lambda_min (lambda_min = 1) <= sqrt(d) * tol
    for res, tol in ((gd, 1e-6), (nt, 1e-9)):
        assert np.linalg.norm(res.x - x_star) <= np.sqrt(d) * tol * (1 + 1e-9)
