"""Behaviours of :mod:`tunelab.search._rungs` found untested by mutation testing."""

import pytest

from tunelab.search._rungs import rung_budgets


@pytest.mark.parametrize(
    ("min_budget", "max_budget", "eta"),
    [(1, 10.0, 3), (0.5, 10, 3), (1.0, 10, 2), (3, 100.0, 4)],
)
def test_mixed_int_and_float_ends_give_exact_float_budgets(min_budget, max_budget, eta):
    # One float end makes every budget the correctly rounded quotient max / eta^(s_max - k),
    # never an integer floor (10.0 // 9 == 1.0, but the budget is 10/9).
    budgets = rung_budgets(min_budget, max_budget, eta)
    s_max = max(s for s in range(20) if eta**s * min_budget <= max_budget)  # brute force
    # IEEE division of two exact numbers is the correctly rounded quotient
    expected = [float(max_budget) / eta ** (s_max - k) for k in range(s_max + 1)]
    assert budgets == expected
    assert all(type(b) is float for b in budgets)
    assert budgets[0] != int(budgets[0])  # these cases are not integral: a floor would show
