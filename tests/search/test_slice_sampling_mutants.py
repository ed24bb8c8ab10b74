"""Slice sampling (Neal 2003) started where the density vanishes.

With :math:`\\log p(\\theta_0) = -\\infty` the slice level is :math:`-\\infty` and the slice
:math:`\\{t : \\log p(t) > -\\infty\\}` is the support, so a coordinate update either moves into
the support or stays put (shrinkage, Neal 2003, Fig. 5); it never moves to another point
where the density vanishes (the Bayesian-optimization surrogate relies on this where the
GP likelihood fails).
"""

import numpy as np
from scipy import stats

from tunelab.search._slice_sampling import slice_sample


def logp(t):
    # A normal density restricted to t[0] >= 0: zero (log -inf) on the left half-line.
    if t[0] < 0.0:
        return -np.inf
    return float(stats.norm.logpdf(t[0], 0.5, 1.0))


def test_from_outside_the_support_it_moves_into_it_or_stays():
    bounds = np.array([[-6.0, 6.0]])
    rng = np.random.default_rng(0)
    moved = 0
    for start in np.linspace(-0.9, -0.05, 40):
        x = slice_sample(logp, np.array([start]), bounds, 1, 0, rng)[0, 0]
        assert x == start or x >= 0.0, (start, x)
        moved += x != start
    assert moved > 0  # the interval of width 1 reaches the support from most starts


def fast_logp(t):
    return -np.inf if t[0] < 0.0 else -0.5 * (t[0] - 0.5) ** 2


def test_chance_of_leaving_a_zero_density_start_matches_the_closed_form():
    # Support [0, 6], start s in (-1, 0), width 1 (Neal 2003, Figs. 3 and 5, level -inf):
    # the first interval [s - U, s - U + 1] reaches the support with probability 1 + s;
    # stepping out stops at once on the left (density 0 there) and runs past the bound 6 on
    # the right; each shrinkage draw is uniform on the interval: in [0, 6] it is accepted, in
    # (s, 0) it cuts the support off (stay put), left of s it only moves the left end. So
    # P(move) = (1 + s) * 6 / (6 + |s|); when the interval misses the support it stays put.
    bounds = np.array([[-6.0, 6.0]])
    rng = np.random.default_rng(1)
    n = 1000
    for s in (-0.9, -0.3):
        moved = sum(
            slice_sample(fast_logp, np.array([s]), bounds, 1, 0, rng)[0, 0] != s
            for _ in range(n)
        )
        p = (1 + s) * 6 / (6 - s)
        assert stats.binomtest(int(moved), n, p).pvalue > 1e-3, (s, moved / n, p)
