"""The strong Wolfe line search where its constants and fallbacks act: the cubic's fallbacks to
the midpoint, the approximate-Wolfe tie rule and its round-off width, the default and range of
c1, and the evaluation budget. The objectives are tables of chosen values (``Scripted``), so
each decision has an answer worked out by hand from Nocedal and Wright (2006), Algorithms 3.5,
3.6 and Eq. (3.59), and Hager and Zhang (2005)."""

import numpy as np
import pytest

from tunelab.optim import wolfe_line_search
from tunelab.optim.wolfe import _cubic_minimizer

EPS = np.finfo(np.float64).eps


class Scripted:
    """``fun(x) -> (f, g)`` returning the given (value, slope) pairs in turn, along d = [1]."""

    def __init__(self, *pairs):
        self.pairs = list(pairs)
        self.points = []

    def __call__(self, x):
        self.points.append(float(x[0]))
        f, slope = self.pairs[min(len(self.points), len(self.pairs)) - 1]
        return f, np.array([slope])


def search(fun, f0=1.0, slope0=-1.0, **kwargs):
    return wolfe_line_search(fun, np.zeros(1), f0, np.array([slope0]), np.array([1.0]), **kwargs)


def test_cubic_with_a_double_root_is_used_not_the_midpoint():
    # (a, fa, da) = (0, 1, -4), (b, fb, db) = (1, 0, -1): d1 = -4 - 1 - 3 (1 - 0)/(0 - 1) = -2,
    # d1^2 - da db = 0 exactly, d2 = 0, t = 1 - (db + d2 - d1)/(db - da + 2 d2) = 1 - 1/3.
    assert _cubic_minimizer(0.0, 1.0, -4.0, 1.0, 0.0, -1.0) == pytest.approx(2 / 3, rel=1e-15)


def test_cubic_without_a_minimizer_falls_back_to_the_midpoint():
    # (2, 0, -1), (6, -3.6, -1): d1 = -2 - 3 (0 + 3.6)/(2 - 6) = 0.7, d1^2 - da db = -0.51 < 0:
    # the cubic has no local minimizer, so the bracket's midpoint 4 is tried.
    a, fa, da, b, fb, db = 2.0, 0.0, -1.0, 6.0, -3.6, -1.0
    d1 = da + db - 3 * (fa - fb) / (a - b)
    assert d1 * d1 - da * db < 0
    assert _cubic_minimizer(a, fa, da, b, fb, db) == 4.0
    # with a real minimizer the step is the cubic's, not the midpoint
    assert _cubic_minimizer(2.0, 0.0, -1.0, 6.0, 0.0, -1.0) != 4.0


def test_cubic_with_a_zero_denominator_falls_back_to_the_midpoint():
    # (0, 1, -1), (1, 0, -1): d1 = -2 + 3 = 1, radicand 0, d2 = 0, db - da + 2 d2 = 0.
    assert _cubic_minimizer(0.0, 1.0, -1.0, 1.0, 0.0, -1.0) == 0.5


def test_a_tie_with_a_flat_slope_is_accepted_at_once():
    # phi(1) = phi(0) to the bit and phi'(1) = 0.5 <= (2 c1 - 1) phi'(0) = 1.9996: Hager and
    # Zhang's approximate decrease; |0.5| <= 0.9 |phi'(0)|: flat; the unit step is returned.
    fun = Scripted((1.0, 0.5))
    assert search(fun, slope0=-2.0)[0] == 1.0 and fun.points == [1.0]


@pytest.mark.parametrize("slope, accepted", [((2 * 1e-4 - 1.0) * -1.0, True), (1.5, False)])
def test_the_tie_rule_decides_which_end_of_the_bracket_the_step_becomes(slope, accepted):
    # A tie at t = 1 whose slope is past a minimum of phi. Accepted (slope <= (2 c1 - 1)
    # phi'(0), the boundary included), it becomes the bracket's good end (lo = 1); rejected,
    # its bad end (hi = 1). The second trial t2 is then rejected (phi = 2): the third lies
    # between t2 and the good end, so above t2 in the first case and below it in the second.
    fun = Scripted((1.0, slope), (2.0, 1.0), (0.5, 0.0))
    search(fun)
    t1, t2, t3 = fun.points
    assert t1 == 1.0 and 0 < t2 < 1
    assert (t3 > t2) == accepted


def test_the_tie_is_four_epsilon_wide():
    # 5 eps |f| apart is no tie: the unit step is rejected (its value is above phi(0)), and the
    # search zooms back towards 0 instead of accepting it.
    fun = Scripted((1.0 + 5 * EPS, 0.5), (1.0 - 0.5, -0.1))
    step, _, _ = search(fun)
    assert len(fun.points) == 2 and 0 < step < 1
    fun = Scripted((1.0 + 4 * EPS, 0.5))  # 4 eps apart: a tie
    assert search(fun)[0] == 1.0


def test_default_c1_is_1e_4():
    # phi(1) = 1 - 1.5e-4 with phi'(0) = -1: sufficient decrease holds for c1 = 1e-4 (the
    # default) and fails for 2e-4; the slope is flat, so it is accepted at once.
    fun = Scripted((1.0 - 1.5e-4, -0.5))
    assert search(fun)[0] == 1.0 and fun.points == [1.0]
    fun = Scripted((1.0 - 1.5e-4, -0.5), (0.5, 0.0))
    assert search(fun, c1=2e-4)[0] != 1.0


def test_c1_must_be_below_one():
    fun = Scripted((0.0, 0.0))
    with pytest.raises(ValueError, match="c1"):
        search(fun, c1=1.5)


def test_the_evaluation_budget_is_counted_one_per_evaluation():
    # Values that never decrease: every trial is rejected, so all max_evals are spent.
    fun = Scripted((2.0, 1.0))
    step, f_new, _ = search(fun, max_evals=7)
    assert len(fun.points) == 7 and step == 0.0 and f_new == 1.0
