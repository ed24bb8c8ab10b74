"""L-BFGS where its defaults and corner cases act: the default memory and iteration budget, the
first step (steepest descent of unit length), the unit quasi-Newton step near the optimum, the
restart from -g when round-off spoils the direction, and the stopping test at its boundary."""

import numpy as np
import scipy.optimize as so

import tunelab.optim._lbfgs as lbfgs_module
from tunelab.optim import lbfgs


def rosen(x):
    return so.rosen(x), so.rosen_der(x)


class Recorded:
    """An objective that records every point it is evaluated at."""

    def __init__(self, fun):
        self.fun, self.points = fun, []

    def __call__(self, x):
        self.points.append(np.array(x))
        return self.fun(x)


def quadratic(x):
    A = np.diag([1.0, 10.0])
    return 0.5 * x @ A @ x, A @ x


def test_default_memory_is_ten_pairs():
    x0 = np.full(20, -1.2)
    x0[1::2] = 1.0
    default = lbfgs(rosen, x0)
    assert default.n_iter == lbfgs(rosen, x0, m=10).n_iter
    assert default.n_iter != lbfgs(rosen, x0, m=11).n_iter


def test_default_iteration_budget_is_1000():
    # A linear function has no minimum: every iteration succeeds, so the budget ends the run.
    result = lbfgs(lambda x: (float(x.sum()), np.ones_like(x)), np.zeros(2))
    assert result.n_iter == 1000 and not result.converged


def test_the_first_trial_is_a_unit_length_steepest_descent_step():
    fun = Recorded(quadratic)
    x0 = np.array([3.0, 1.0])
    result = lbfgs(fun, x0, record_path=True)
    g0 = quadratic(x0)[1]
    first_trial = fun.points[1]
    np.testing.assert_allclose(first_trial, x0 - g0 / np.linalg.norm(g0), atol=1e-14)
    # the accepted first iterate lies on the steepest-descent ray: H_0 = I, d = -g
    step = result.path["step"][1]
    np.testing.assert_allclose(result.path["x"][1], x0 - step * g0, rtol=1e-12)


def test_near_the_optimum_the_unit_quasi_newton_step_is_taken():
    x0 = np.full(5, -1.2)
    x0[1::2] = 1.0
    steps = lbfgs(rosen, x0, tol=1e-9, record_path=True).path["step"]
    assert np.all(steps[-4:] == 1.0)  # superlinear phase: the first trial step, 1, accepted


def test_a_direction_spoilt_by_round_off_restarts_from_the_gradient(monkeypatch):
    # Make every quasi-Newton direction an ascent one (as a badly conditioned H could): each
    # iteration must restart with d = -g and a first trial of unit length, and still converge.
    monkeypatch.setattr(lbfgs_module, "two_loop",
                        lambda g, pairs, gamma: -g if pairs else gamma * g)
    fun = Recorded(quadratic)
    result = lbfgs(fun, np.array([3.0, 1.0]), tol=1e-6, max_iter=500, record_path=True)
    assert result.converged
    X = result.path["x"]
    for k in range(1, min(6, len(X) - 1)):
        g = quadratic(X[k])[1]
        s = X[k + 1] - X[k]
        np.testing.assert_allclose(s / np.linalg.norm(s), -g / np.linalg.norm(g), atol=1e-12)
    # the trial after the second iterate is a unit step along -g
    x1 = X[1]
    g1 = quadratic(x1)[1]
    later = [p for p in fun.points if np.allclose(p, x1 - g1 / np.linalg.norm(g1), rtol=1e-14)]
    assert later


def test_a_gradient_exactly_at_the_tolerance_is_converged_without_a_step():
    result = lbfgs(lambda x: (0.5 * float(x @ x), x.copy()), np.array([1e-6]), tol=1e-6)
    assert result.n_iter == 0 and result.converged
