"""Friedman/Iman-Davenport at perfect agreement for many sizes (the statistic's round-off
band), and the Nemenyi critical difference at the lower ends of its arguments."""

import math

import numpy as np
import pytest
from scipy import stats as sps

from tunelab.bench import stats

SIZES = [(N, k) for N in [2, 3, 5, 10, 13, 30, 100, 333, 1000] for k in [2, 3, 5, 7]]


@pytest.mark.parametrize("N, k", [*SIZES, (5, 46), (500, 37)])
def test_perfect_agreement_is_infinite_f(N, k, rng):
    # Every problem ranks the strategies the same way: chi2_F = N (k - 1), so F_F = inf, p = 0.
    # The computed denominator N (k - 1) - chi2_F is round-off, not always 0: 9e-13 for
    # (N, k) = (333, 5), 1.1e-13 for (5, 46), 1.5e-11 for (500, 37).
    S = np.sort(rng.uniform(size=(N, k)), axis=1) + rng.normal(size=(N, 1))
    assert stats.friedman_test(S, method="iman_davenport") == (math.inf, 0.0)
    chi2, p = stats.friedman_test(S)
    assert chi2 == pytest.approx(N * (k - 1), rel=1e-12)
    assert p == pytest.approx(sps.chi2.sf(N * (k - 1), k - 1), rel=1e-9, abs=1e-300)


def test_near_agreement_is_finite_f():
    # One swap in one of 40 problems: F_F from Demsar's formula with chi2 from scipy.
    S = np.tile(np.arange(4.0), (40, 1))
    S[0] = [1.0, 0.0, 2.0, 3.0]
    chi2 = sps.friedmanchisquare(*S.T).statistic
    N, k = S.shape
    F = (N - 1) * chi2 / (N * (k - 1) - chi2)
    got, p = stats.friedman_test(S, method="iman_davenport")
    assert got == pytest.approx(F, rel=1e-10)
    assert p == pytest.approx(sps.f.sf(F, k - 1, (k - 1) * (N - 1)), rel=1e-8)


@pytest.mark.parametrize("k", [2, 3, 10])
def test_nemenyi_with_one_problem(k):
    q = sps.studentized_range.ppf(0.95, k, np.inf) / math.sqrt(2)
    assert stats.nemenyi_critical_difference(k, 1) == pytest.approx(
        q * math.sqrt(k * (k + 1) / 6), rel=1e-12
    )


def test_nemenyi_default_alpha_is_005():
    assert stats.nemenyi_critical_difference(5, 30) == stats.nemenyi_critical_difference(
        5, 30, alpha=0.05
    )
    assert stats.nemenyi_critical_difference(5, 30) == pytest.approx(
        2.728 * math.sqrt(5 * 6 / 180), abs=5e-4
    )


@pytest.mark.parametrize("alpha", [0.0, 1.0, -0.1, 1.5])
def test_nemenyi_alpha_open_interval(alpha):
    with pytest.raises(ValueError, match="alpha"):
        stats.nemenyi_critical_difference(3, 10, alpha=alpha)


@pytest.mark.parametrize("alpha", [1e-6, 0.999])
def test_nemenyi_alpha_just_inside(alpha):
    q = sps.studentized_range.ppf(1 - alpha, 3, np.inf) / math.sqrt(2)
    assert stats.nemenyi_critical_difference(3, 10, alpha=alpha) == pytest.approx(
        q * math.sqrt(12 / 60), rel=1e-9
    )


@pytest.mark.parametrize("k, N", [(1, 10), (3, 0), (0, 5)])
def test_nemenyi_size_lower_ends(k, N):
    with pytest.raises(ValueError):
        stats.nemenyi_critical_difference(k, N)
