"""Paired Wilcoxon tests at their edges: the switch from the exact law to the normal one
after 50 non-zero differences, a two-sided p-value capped at 1, and ``significant`` at a
level equal to the adjusted p-value."""

import itertools

import numpy as np
import pytest
from scipy import stats as sps

from tunelab.bench import stats


def _pair(x, y, **kwargs):
    (res,) = stats.pairwise_wilcoxon({"x": x, "y": y}, **kwargs)
    return res


@pytest.mark.parametrize(("n", "method"), [(50, "exact"), (51, "approx")])
def test_the_exact_law_up_to_50_differences_and_the_normal_one_beyond(n, method):
    rng = np.random.default_rng(n)
    x, y = rng.normal(size=n), rng.normal(0.3, 1.0, size=n)  # distinct non-zero differences
    exact = sps.wilcoxon(x, y, method="exact").pvalue
    approx = sps.wilcoxon(x, y, method="approx").pvalue
    assert abs(exact - approx) > 1e-3 * exact  # the two laws are told apart below
    ref = exact if method == "exact" else approx
    assert _pair(x, y)["p"] == pytest.approx(ref, rel=1e-9)


def _brute_two_sided(d):
    """min(1, 2 min(P(W+ <= w), P(W+ >= w))) over all sign patterns (distinct |d|)."""
    r = sps.rankdata(np.abs(d))
    w = r[d > 0].sum()
    null = np.array(list(itertools.product([0, 1], repeat=len(d)))) @ r  # every W+ under H0
    return min(1.0, 2.0 * min(np.mean(null <= w), np.mean(null >= w)))


def test_a_two_sided_p_value_at_the_centre_of_the_null_is_one():
    x = np.array([1.0, -2.0, -3.0, 4.0])
    y = np.zeros(4)
    d = x - y  # W+ = 1 + 4 = 5 = n(n+1)/4, the null's centre: both tails exceed 1/2
    res = _pair(x, y, correction="none")
    assert res["p"] == _brute_two_sided(d) == 1.0
    assert res["p"] == pytest.approx(sps.wilcoxon(x, y).pvalue, rel=1e-12)
    assert res["p_adjusted"] == 1.0


def test_significant_at_a_level_equal_to_the_adjusted_p_value():
    x, y = np.arange(1.0, 6.0), np.zeros(5)  # all five differences positive
    p = 2.0 * 0.5**5  # two-sided: 2 P(W+ = 15), exactly 1/16
    assert sps.wilcoxon(x, y).pvalue == pytest.approx(p, rel=1e-12)
    at = _pair(x, y, correction="none", alpha=p)
    assert at["p_adjusted"] == p and at["significant"] is True
    below = _pair(x, y, correction="none", alpha=np.nextafter(p, 0.0))
    assert below["significant"] is False
