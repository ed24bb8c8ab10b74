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
