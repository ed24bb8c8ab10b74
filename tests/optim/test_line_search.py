"""Backtracking line search, exactly: the trial steps, the Armijo condition at its boundary, the
value-tie rule and its gradient tie-break, the documented defaults and the argument checks.

Each objective here is a table of chosen values (``Scripted``), so every comparison the search
makes has a known answer worked out by hand from Nocedal and Wright (2006), Algorithm 3.1."""

import numpy as np
import pytest

from tunelab.optim import backtracking_line_search

EPS = np.finfo(np.float64).eps


class Scripted:
    """``fun(x) -> (f, g)`` that returns the given pairs in turn and records the trial points."""

    def __init__(self, *pairs):
        self.pairs = list(pairs)
        self.points = []

    def __call__(self, x):
        self.points.append(np.array(x, dtype=float))
        f, g = self.pairs[min(len(self.points), len(self.pairs)) - 1]
        return f, np.asarray(g, dtype=float)


def test_trial_points_are_x_plus_step_times_direction():
    # Rejected three times (value never decreases), accepted at the fourth: t = 2, 1, 0.5, 0.25.
    fun = Scripted((5.0, [0.0, 0.0]), (5.0, [0.0, 0.0]), (5.0, [0.0, 0.0]), (0.0, [1.0, 1.0]))
    x, d = np.array([1.0, -2.0]), np.array([3.0, 1.0])
    step, f_new, g_new = backtracking_line_search(fun, x, 1.0, np.array([-1.0, 0.0]), d, step=2.0)
    assert step == 0.25 and f_new == 0.0 and np.array_equal(g_new, [1.0, 1.0])
    for p, t in zip(fun.points, [2.0, 1.0, 0.5, 0.25], strict=True):
        np.testing.assert_array_equal(p, x + t * d)


def test_default_first_step_is_one_and_default_shrink_halves_it():
    fun = Scripted((9.0, [0.0]), (9.0, [0.0]), (-1.0, [0.0]))
    step, _, _ = backtracking_line_search(fun, np.zeros(1), 0.0, np.array([-1.0]), np.ones(1))
    assert [float(p[0]) for p in fun.points] == [1.0, 0.5, 0.25]
    assert step == 0.25


def test_default_max_steps_is_fifty_trials_then_step_zero():
    g = np.array([-1.0, 2.0])
    fun = Scripted((7.0, [0.0, 0.0]))  # never a decrease
    step, f_new, g_new = backtracking_line_search(fun, np.zeros(2), 3.0, g, np.array([1.0, 0.0]))
    assert len(fun.points) == 50
    assert fun.points[-1][0] == 0.5**49  # the 50th trial, t = rho^49
    assert step == 0.0 and f_new == 3.0 and g_new is g


def test_max_steps_one_tries_only_the_first_step():
    fun = Scripted((7.0, [0.0]))
    step, _, _ = backtracking_line_search(
        fun, np.zeros(1), 0.0, np.array([-1.0]), np.ones(1), max_steps=1
    )
    assert step == 0.0 and len(fun.points) == 1


def test_armijo_condition_accepts_equality():
    # f + c t slope = 0 + 0.5 * 1 * (-1) = -0.5 exactly; Eq. (3.4) is "<=".
    fun = Scripted((-0.5, [5.0]), (-10.0, [0.0]))
    step, f_new, _ = backtracking_line_search(
        fun, np.zeros(1), 0.0, np.array([-1.0]), np.ones(1), c=0.5
    )
    assert step == 1.0 and f_new == -0.5


def test_armijo_condition_rejects_just_above_the_bound():
    fun = Scripted((np.nextafter(-0.5, 0.0), [5.0]), (-10.0, [5.0]))
    step, f_new, _ = backtracking_line_search(
        fun, np.zeros(1), 0.0, np.array([-1.0]), np.ones(1), c=0.5
    )
    assert step == 0.5 and f_new == -10.0


def test_armijo_bound_uses_step_times_slope():
    # g'd = (-1, -3).(2, 1) = -5; at t = 0.5 the bound is 4 + 0.5 * 0.5 * (-5) = 2.75.
    fun = Scripted((100.0, [0.0, 0.0]), (2.75, [9.0, 9.0]), (-50.0, [0.0, 0.0]))
    step, f_new, _ = backtracking_line_search(
        fun, np.zeros(2), 4.0, np.array([-1.0, -3.0]), np.array([2.0, 1.0]), c=0.5
    )
    assert step == 0.5 and f_new == 2.75
    fun = Scripted((100.0, [0.0, 0.0]), (np.nextafter(2.75, 3.0), [9.0, 9.0]), (-50.0, [0, 0]))
    step, _, _ = backtracking_line_search(
        fun, np.zeros(2), 4.0, np.array([-1.0, -3.0]), np.array([2.0, 1.0]), c=0.5
    )
    assert step == 0.25


def test_default_sufficient_decrease_constant_is_1e_minus_4():
    # f = 0, slope = -1, t = 1: the bound is -1e-4 with c = 1e-4.
    accepted = Scripted((-1e-4, [3.0]), (-1.0, [3.0]))
    step, _, _ = backtracking_line_search(accepted, np.zeros(1), 0.0, np.array([-1.0]), np.ones(1))
    assert step == 1.0
    rejected = Scripted((np.nextafter(-1e-4, 0.0), [3.0]), (-1.0, [3.0]))
    step, _, _ = backtracking_line_search(rejected, np.zeros(1), 0.0, np.array([-1.0]), np.ones(1))
    assert step == 0.5


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_trial_values_are_rejected(bad):
    # -inf would pass "f_new <= bound"; it must still be rejected.
    fun = Scripted((bad, [0.0]), (-2.0, [0.5]))
    step, f_new, g_new = backtracking_line_search(
        fun, np.zeros(1), 0.0, np.array([-1.0]), np.ones(1)
    )
    assert step == 0.5 and f_new == -2.0 and np.array_equal(g_new, [0.5])


@pytest.mark.parametrize("f", [1.0, -1.0, 3.0, -1024.0])
def test_value_ties_are_broken_by_a_smaller_l1_gradient(f):
    # A trial value within 4 eps |f| of f, but above the Armijo bound (slope = -1, c = 1e-4):
    # accepted only because sum |g_new| = 2 < sum |g| = 3 (while |sum g| = 1 would say 1 < 2).
    g = np.array([1.0, -2.0])
    d = np.array([0.0, 1.0])  # g'd = -2
    tie = 4 * EPS * abs(f)
    for f_new in (f + tie, f - tie / 2, f):
        fun = Scripted((f_new, [2.0, 0.0]), (f - 1e9, [0.0, 0.0]))
        step, got, _ = backtracking_line_search(fun, np.zeros(2), f, g, d, max_steps=2)
        assert step == 1.0 and got == f_new, (f_new, f)


@pytest.mark.parametrize("f", [1.0, -1.0, 3.0])
def test_values_just_outside_the_tie_are_not_ties(f):
    g, d = np.array([1.0, -2.0]), np.array([0.0, 1.0])
    outside = f + 5 * EPS * abs(f)
    assert outside - f > 4 * EPS * abs(f)
    fun = Scripted((outside, [0.0, 0.0]), (f - 1e9, [0.0, 0.0]))
    step, _, _ = backtracking_line_search(fun, np.zeros(2), f, g, d, max_steps=2)
    assert step == 0.5


def test_tie_with_an_equal_or_larger_l1_gradient_is_rejected():
    g, d = np.array([1.0, -2.0]), np.array([0.0, 1.0])
    for g_new in ([3.0, 0.0], [-1.5, 1.5], [4.0, 0.0]):  # sum |g_new| = 3, 3, 4 >= 3
        fun = Scripted((1.0, g_new), (-5.0, [0.0, 0.0]))
        step, f_new, _ = backtracking_line_search(fun, np.zeros(2), 1.0, g, d, max_steps=2)
        assert step == 0.5 and f_new == -5.0


def test_tie_at_zero_value_needs_an_exact_tie():
    # f = 0: the tie band 4 eps |f| is empty, so only f_new == 0 ties.
    g, d = np.array([-1.0]), np.array([1.0])
    fun = Scripted((1e-300, [0.0]), (-1.0, [0.0]))
    step, _, _ = backtracking_line_search(fun, np.zeros(1), 0.0, g, d, c=1e-4)
    assert step == 0.5


@pytest.mark.parametrize(
    "g, d",
    [
        ([1.0, 0.0], [0.0, 1.0]),  # orthogonal: zero slope
        ([0.0, 0.0], [1.0, 1.0]),  # zero gradient
        ([1.0, 2.0], [1.0, 1.0]),  # ascent
        ([np.nan, 1.0], [1.0, 1.0]),
    ],
)
def test_not_a_descent_direction(g, d):
    fun = Scripted((0.0, [0.0, 0.0]))
    with pytest.raises(ValueError, match="descent direction"):
        backtracking_line_search(fun, np.zeros(2), 0.0, np.array(g), np.array(d))
    assert fun.points == []


def test_tiny_negative_slope_is_a_descent_direction():
    fun = Scripted((-1.0, [0.0]))
    step, _, _ = backtracking_line_search(fun, np.zeros(1), 0.0, np.array([-1e-300]), np.ones(1))
    assert step == 1.0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"step": 0.0},
        {"step": -1.0},
        {"shrink": 0.0},
        {"shrink": 1.0},
        {"shrink": 1.5},
        {"c": 0.0},
        {"c": 1.0},
        {"c": -0.1},
        {"max_steps": 0},
        {"max_steps": 2.0},
    ],
)
def test_argument_ranges_on_both_sides(kwargs):
    fun = Scripted((-1.0, [0.0]))
    with pytest.raises((ValueError, TypeError), match=next(iter(kwargs))):
        backtracking_line_search(fun, np.zeros(1), 0.0, np.array([-1.0]), np.ones(1), **kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"step": 1e-300},
        {"shrink": 1e-9},
        {"shrink": 1 - 1e-9},
        {"c": 1e-12},
        {"c": 1 - 1e-12},
        {"max_steps": 1},
    ],
)
def test_argument_ranges_accept_values_just_inside(kwargs):
    fun = Scripted((-1.0, [0.0]))
    step, _, _ = backtracking_line_search(
        fun, np.zeros(1), 0.0, np.array([-1.0]), np.ones(1), **kwargs
    )
    assert step == kwargs.get("step", 1.0)
