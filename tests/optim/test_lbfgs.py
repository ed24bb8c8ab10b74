"""L-BFGS and its strong Wolfe line search, against the explicit BFGS matrices, SciPy's
L-BFGS-B (an oracle for where the minimum is and how many iterations it takes), Newton's
optimum, and the Wolfe conditions themselves checked at every accepted step."""

from collections import deque

import numpy as np
import pytest
import scipy.optimize as so
from hypothesis import given, settings
from hypothesis import strategies as st

import tunelab as tl
from tunelab.losses import logistic_hessian, logistic_loss
from tunelab.optim import lbfgs, newton, wolfe_line_search
from tunelab.optim._lbfgs import two_loop


def rosen(x):
    return so.rosen(x), so.rosen_der(x)


def rosen_start(n):
    x0 = np.full(n, -1.2)
    x0[1::2] = 1.0
    return x0


def explicit_bfgs_inverse(pairs, gamma, n):
    """H_k by the BFGS update applied to gamma * I, oldest pair first (Nocedal and Wright
    Eq. (6.17)): the matrix the two-loop recursion multiplies by without forming it."""
    H = gamma * np.eye(n)
    for s, y, rho in pairs:
        V = np.eye(n) - rho * np.outer(y, s)
        H = V.T @ H @ V + rho * np.outer(s, s)
    return H


@pytest.mark.parametrize("n_pairs", [0, 1, 3, 7])
def test_two_loop_equals_the_explicit_bfgs_matrix(n_pairs):
    rng = np.random.default_rng(n_pairs)
    n = 6
    A = rng.normal(size=(n, n))
    A = A @ A.T + n * np.eye(n)  # pairs from a convex quadratic: y = A s, y's > 0
    pairs = deque()
    for _ in range(n_pairs):
        s = rng.normal(size=n)
        y = A @ s
        pairs.append((s, y, 1.0 / (s @ y)))
    gamma = 0.37
    g = rng.normal(size=n)
    np.testing.assert_allclose(two_loop(g, pairs, gamma),
                               explicit_bfgs_inverse(pairs, gamma, n) @ g, rtol=1e-12, atol=1e-14)
    if n_pairs:  # the secant equation for the newest pair
        s, y, _ = pairs[-1]
        np.testing.assert_allclose(two_loop(y, pairs, gamma), s, rtol=1e-10)


@pytest.mark.parametrize("n", [2, 5, 20])
def test_reaches_the_rosenbrock_minimum_about_as_fast_as_scipy(n):
    x0 = rosen_start(n)
    ours = lbfgs(rosen, x0, tol=1e-8)
    theirs = so.minimize(rosen, x0, jac=True, method="L-BFGS-B",
                         options={"gtol": 1e-8, "maxiter": 10_000, "maxcor": 10})
    assert ours.converged and ours.grad_norm <= 1e-8
    np.testing.assert_allclose(ours.x, np.ones(n), atol=1e-8)
    assert ours.n_iter <= 1.3 * theirs.nit + 5


def quadratic(n=30, seed=3):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    A = Q @ np.diag(np.logspace(0, 3, n)) @ Q.T  # condition number 1e3
    b = rng.normal(size=n)
    return A, b, lambda x: (0.5 * x @ A @ x - b @ x, A @ x - b)


def test_convex_quadratic_solution_equals_the_linear_solve():
    A, b, fun = quadratic()
    result = lbfgs(fun, np.zeros(len(b)), tol=1e-6)
    assert result.converged
    # |x - x*| <= |A^-1| |g| with the smallest eigenvalue 1
    np.testing.assert_allclose(result.x, np.linalg.solve(A, b), atol=np.sqrt(len(b)) * 1e-6)


def test_an_unreachable_tolerance_stops_where_scipy_does_and_says_so():
    # Below a gradient of about 1e-6 the values f(x) - f* ~ 1e-13 drown in the round-off of
    # f ~ 3 (its terms cancel), so no line search on values can rank the trial points. SciPy's
    # L-BFGS-B stops there too ("ABNORMAL"); ours must not claim convergence.
    A, b, fun = quadratic()
    ours = lbfgs(fun, np.zeros(len(b)), tol=1e-10)
    theirs = so.minimize(fun, np.zeros(len(b)), jac=True, method="L-BFGS-B",
                         options={"gtol": 1e-10, "ftol": 0.0, "maxiter": 10_000, "maxcor": 10})
    assert not ours.converged and ours.n_iter < 1000  # stopped, not out of iterations
    assert ours.grad_norm == pytest.approx(np.max(np.abs(A @ ours.x - b)))
    assert ours.grad_norm <= 1.5 * np.max(np.abs(theirs.jac))


def test_logistic_optimum_equals_newtons():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 4))
    y = (X @ [1.0, -2.0, 0.5, 0.0] + rng.logistic(size=200) > 0).astype(float)
    alpha = 1e-3

    def fun(theta):
        return logistic_loss(theta, X, y, alpha)

    def fun_hess(theta):
        return (*fun(theta), logistic_hessian(theta, X, y, alpha))

    theta0 = np.zeros(5)
    ours = lbfgs(fun, theta0, tol=1e-10)
    reference = newton(fun_hess, theta0, tol=1e-12)
    assert ours.converged
    np.testing.assert_allclose(ours.x, reference.x, rtol=1e-7, atol=1e-9)
    assert ours.fun == pytest.approx(reference.fun, rel=1e-14)


def test_path_records_the_iterates_their_loss_and_steps():
    x0 = rosen_start(2)
    result = lbfgs(rosen, x0, record_path=True)
    path = result.path
    assert path["x"].shape == (result.n_iter + 1, 2)
    np.testing.assert_array_equal(path["x"][0], x0)
    np.testing.assert_array_equal(path["x"][-1], result.x)
    np.testing.assert_allclose(path["loss"], [so.rosen(p) for p in path["x"]], rtol=1e-12)
    np.testing.assert_array_equal(path["loss"], result.loss_curve)
    assert np.isnan(path["step"][0]) and np.all(path["step"][1:] > 0)
    assert np.all(np.diff(path["loss"]) < 0)  # every step decreases sufficiently
    assert lbfgs(rosen, x0).path is None


def test_iteration_budget_reports_not_converged_with_the_gradient():
    result = lbfgs(rosen, rosen_start(5), max_iter=3)
    assert result.n_iter == 3 and not result.converged
    assert result.grad_norm == pytest.approx(np.max(np.abs(so.rosen_der(result.x))))
    assert result.grad_norm > 1e-6


def test_fewer_pairs_still_converge_with_more_iterations():
    x0 = rosen_start(20)
    one = lbfgs(rosen, x0, m=1, tol=1e-6, max_iter=5000)
    ten = lbfgs(rosen, x0, m=10, tol=1e-6)
    assert one.converged and ten.converged
    assert ten.n_iter < one.n_iter


def test_already_at_the_minimum_takes_no_step():
    result = lbfgs(rosen, np.ones(3))
    assert result.n_iter == 0 and result.converged


@pytest.mark.parametrize("kwargs, match", [({"m": 0}, "m"), ({"max_iter": -1}, "max_iter"),
                                           ({"tol": -1.0}, "tol")])
def test_bad_arguments_name_themselves(kwargs, match):
    with pytest.raises(ValueError, match=match):
        lbfgs(rosen, np.zeros(2), **kwargs)


def test_non_finite_start_is_refused():
    with pytest.raises(ValueError, match="x0"):
        lbfgs(rosen, np.array([np.nan, 1.0]))


def test_a_non_finite_or_misshapen_start_of_fun_is_refused():
    with pytest.raises(ValueError, match="finite"):
        lbfgs(lambda x: (np.nan, np.zeros(2)), np.zeros(2))
    with pytest.raises(ValueError, match="finite"):
        lbfgs(lambda x: (1.0, np.array([np.inf, 0.0])), np.zeros(2))
    with pytest.raises(ValueError, match="shape"):
        lbfgs(lambda x: (1.0, np.zeros(3)), np.zeros(2))


def test_exposed_in_the_optim_namespace():
    assert tl.optim.lbfgs is lbfgs and tl.optim.wolfe_line_search is wolfe_line_search


# --- the strong Wolfe line search ---------------------------------------------------------

def assert_strong_wolfe(fun, x, d, step, c1, c2):
    f0, g0 = fun(x)
    f_t, g_t = fun(x + step * d)
    slope0 = g0 @ d
    assert f_t <= f0 + c1 * step * slope0
    assert abs(g_t @ d) <= c2 * abs(slope0)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), c2=st.sampled_from([0.1, 0.5, 0.9]),
       first=st.sampled_from([1e-3, 1.0, 30.0]))
def test_accepted_steps_satisfy_the_strong_wolfe_conditions_on_rosenbrock(seed, c2, first):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, size=4)
    f, g = rosen(x)
    d = -g * rng.uniform(0.1, 10.0, size=4)  # a scaled descent direction
    step, f_t, g_t = wolfe_line_search(rosen, x, f, g, d, step=first, c2=c2)
    assert step > 0
    assert f_t == so.rosen(x + step * d)
    np.testing.assert_array_equal(g_t, so.rosen_der(x + step * d))
    assert_strong_wolfe(rosen, x, d, step, 1e-4, c2)


def test_on_a_quadratic_the_cubic_step_is_the_exact_minimizer():
    # phi(t) = 0.5 * a * (x - t g)^2 is quadratic in t; a cubic through two points and slopes
    # of a quadratic is that quadratic, so the zoom lands on its minimizer t* = 1/a.
    a = 0.01
    fun = lambda x: (0.5 * a * float(x @ x), a * x)  # noqa: E731
    x = np.array([2.0])
    f, g = fun(x)
    step, _, _ = wolfe_line_search(fun, x, f, g, -g, step=1.0, c2=0.01)
    assert step == pytest.approx(1.0 / a, rel=1e-10)


def test_a_step_past_a_pole_is_shortened():
    # f = -log(1 - x) + x^2 / 2 is infinite from x = 1 on; its minimum is x* = (1 - sqrt 5)/2.
    # From x = -3 the first trial step 4 lands on the pole.
    def fun(x):
        if x[0] >= 1:
            return np.inf, np.array([np.nan])
        return -np.log(1.0 - x[0]) + 0.5 * x[0] ** 2, np.array([1.0 / (1.0 - x[0]) + x[0]])

    x = np.array([-3.0])
    f, g = fun(x)
    step, f_t, g_t = wolfe_line_search(fun, x, f, g, np.array([1.0]), step=4.0)
    assert 0 < step < 4 and np.isfinite(f_t) and f_t < f
    assert_strong_wolfe(fun, x, np.array([1.0]), step, 1e-4, 0.9)


def test_not_a_descent_direction_raises():
    f, g = rosen(np.zeros(2))
    with pytest.raises(ValueError, match="descent direction"):
        wolfe_line_search(rosen, np.zeros(2), f, g, g)


@pytest.mark.parametrize("kwargs, match", [({"c1": 0.0}, "c1"), ({"c2": 1e-5}, "c2"),
                                           ({"c2": 1.0}, "c2"), ({"step": 0.0}, "step"),
                                           ({"max_evals": 0}, "max_evals")])
def test_bad_constants_name_themselves(kwargs, match):
    f, g = rosen(np.zeros(2))
    with pytest.raises(ValueError, match=match):
        wolfe_line_search(rosen, np.zeros(2), f, g, -g, **kwargs)


def test_evaluations_run_out_returns_the_best_decreasing_step():
    # Only one evaluation: the unit step decreases the quadratic but overshoots its minimum
    # far enough to miss the curvature condition; it is still returned as the best step.
    fun = lambda x: (0.5 * float(x @ x), x)  # noqa: E731
    x = np.array([1.0])
    f, g = fun(x)
    step, f_t, _ = wolfe_line_search(fun, x, f, g, -g, step=1.9, c2=0.1, max_evals=1)
    assert step == 1.9 and f_t == pytest.approx(0.5 * 0.81)
    step, f_t, g_t = wolfe_line_search(fun, x, f, g, -g, step=2.5, max_evals=1)
    assert step == 0.0 and f_t == f and g_t is g
