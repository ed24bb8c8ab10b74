"""Rank-based comparison of several strategies over several problems (Demšar 2006).

Notation: :math:`N` problems (rows of ``scores``), :math:`k` strategies (columns),
:math:`r_i^j` the rank of strategy :math:`j` on problem :math:`i` (1 is best: lowest score;
ties share the average of the ranks they span), :math:`R_j = \\tfrac1N \\sum_i r_i^j` the
average rank of strategy :math:`j`.

References
----------
.. [D06] J. Demšar, "Statistical comparisons of classifiers over multiple data sets", Journal
   of Machine Learning Research 7, 1-30, 2006.
.. [F37] M. Friedman, "The use of ranks to avoid the assumption of normality implicit in the
   analysis of variance", Journal of the American Statistical Association 32, 675-701, 1937.
.. [ID80] R. L. Iman and J. M. Davenport, "Approximations of the critical region of the
   Friedman statistic", Communications in Statistics 9, 571-595, 1980.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
from scipy import stats

from tunelab._validation import check_array, check_choice, check_scalar


def _check_no_nan(arr: np.ndarray, name: str, hint: str = "") -> np.ndarray:
    """Reject NaN (infinities are ordered values and pass)."""
    if np.isnan(arr).any():
        raise ValueError(f"{name} contains NaN; {hint or 'every entry must be a number'}")
    return arr


def _check_scores(scores: Any, min_problems: int = 1) -> np.ndarray:
    """Validate a ``(n_problems, n_strategies)`` score table: no NaN, at least 2 columns."""
    S = check_array(scores, "scores", ndim=2, min_samples=min_problems, finite=False)
    if S.shape[1] < 2:
        raise ValueError(
            f"scores must have at least 2 strategies (columns); got shape {S.shape}"
        )
    return _check_no_nan(
        S, "scores", "a comparison over problems needs every strategy's score on every problem"
    )


def rank_matrix(scores: Any) -> np.ndarray:
    """Rank the strategies on each problem, 1 for the lowest score, ties averaged.

    Parameters
    ----------
    scores : array-like of shape (n_problems, n_strategies)
        One score per problem and strategy, lower is better (a final regret, a loss). NaN is
        rejected; ``inf`` (a failed run) ranks last.

    Returns
    -------
    ranks : ndarray of shape (n_problems, n_strategies)
        :math:`r_i^j`; each row sums to :math:`k(k+1)/2`.

    Notes
    -----
    Tied scores share the mean of the ranks they would occupy ([D06]_, Sec. 3.2.2), as
    ``scipy.stats.rankdata(method="average")`` computes.

    References
    ----------
    .. [D06] Demšar (2006), Sec. 3.2.2.
    """
    S = _check_scores(scores)
    return stats.rankdata(S, method="average", axis=1)


def average_ranks(scores: Any) -> np.ndarray:
    """Average rank of each strategy over the problems.

    .. math:: R_j = \\frac1N \\sum_{i=1}^N r_i^j, \\qquad \\sum_j R_j = \\frac{k(k+1)}2.

    Parameters
    ----------
    scores : array-like of shape (n_problems, n_strategies)
        Lower is better; see :func:`rank_matrix`.

    Returns
    -------
    ndarray of shape (n_strategies,)

    References
    ----------
    .. [D06] Demšar (2006), Sec. 3.2.2.
    """
    return rank_matrix(scores).mean(axis=0)


def friedman_test(scores: Any, method: str = "chi2") -> tuple[float, float]:
    """Friedman test that all strategies perform alike, in the chi-square or F form.

    Parameters
    ----------
    scores : array-like of shape (n_problems, n_strategies)
        Lower is better; at least 2 problems and 2 strategies, no NaN.
    method : {"chi2", "iman_davenport"}, default="chi2"
        ``"chi2"``: Friedman's statistic, referred to :math:`\\chi^2_{k-1}`; it equals
        ``scipy.stats.friedmanchisquare``. ``"iman_davenport"``: the less conservative
        :math:`F` form, referred to :math:`F_{k-1,\\,(k-1)(N-1)}`.

    Returns
    -------
    statistic : float
    p_value : float

    Notes
    -----
    Friedman's statistic ([D06]_, Sec. 3.2.2), divided by the tie correction :math:`C`:

    .. math::
        \\chi^2_F = \\frac{1}{C}\\left[\\frac{12N}{k(k+1)}\\sum_j R_j^2
                    - 3N(k+1)\\right],\\qquad
        C = 1 - \\frac{\\sum_{\\text{ties}} (t^3 - t)}{N k (k^2-1)},

    the sum running over the groups of :math:`t` tied scores within each problem
    (:math:`C = 1` without ties). Iman and Davenport's form ([ID80]_; [D06]_, Sec. 3.2.2):

    .. math:: F_F = \\frac{(N-1)\\,\\chi^2_F}{N(k-1) - \\chi^2_F},

    infinite (``p = 0``) when every problem ranks the strategies the same way. When every
    problem is a complete tie there is no evidence of a difference: ``(0.0, 1.0)``.
    The chi-square approximation wants roughly :math:`N > 10` and :math:`k > 5` ([D06]_).

    References
    ----------
    .. [F37] Friedman (1937).
    .. [ID80] Iman and Davenport (1980).
    .. [D06] Demšar (2006), Sec. 3.2.2, the equations for :math:`\\chi^2_F` and :math:`F_F`.
    """
    S = _check_scores(scores, min_problems=2)
    check_choice(method, "method", ("chi2", "iman_davenport"))
    N, k = S.shape
    r = stats.rankdata(S, method="average", axis=1)
    ties = sum(float(np.sum(t**3 - t)) for t in (np.unique(row, return_counts=True)[1]
                                                   for row in S))
    C = 1.0 - ties / (N * k * (k * k - 1))
    if C <= 0.0:  # every problem is a complete tie
        return 0.0, 1.0
    R = r.mean(axis=0)
    chi2 = (12.0 * N / (k * (k + 1)) * np.sum(R**2) - 3.0 * N * (k + 1)) / C
    chi2 = max(float(chi2), 0.0)
    if method == "chi2":
        return chi2, float(stats.chi2.sf(chi2, k - 1))
    denominator = N * (k - 1) - chi2
    if denominator <= 1e-12 * N * (k - 1):  # perfect agreement across problems
        return math.inf, 0.0
    F = (N - 1) * chi2 / denominator
    return float(F), float(stats.f.sf(F, k - 1, (k - 1) * (N - 1)))


@functools.lru_cache(maxsize=256)
def _nemenyi_q(k: int, alpha: float) -> float:
    """Critical value :math:`q_\\alpha` of the Nemenyi test: studentized range over sqrt(2)."""
    return float(stats.studentized_range.ppf(1.0 - alpha, k, np.inf) / math.sqrt(2.0))


def nemenyi_critical_difference(n_strategies: int, n_problems: int, alpha: float = 0.05) -> float:
    """Critical difference of average ranks in the Nemenyi post-hoc test.

    Two strategies differ significantly when their average ranks differ by at least ``cd``.

    Parameters
    ----------
    n_strategies : int
        :math:`k \\ge 2`.
    n_problems : int
        :math:`N \\ge 1`.
    alpha : float, default=0.05
        Family-wise significance level, in (0, 1).

    Returns
    -------
    cd : float

    Notes
    -----
    .. math::
        CD = q_\\alpha \\sqrt{\\frac{k(k+1)}{6N}}, \\qquad
        q_\\alpha = \\frac{Q_{1-\\alpha}(k, \\infty)}{\\sqrt 2},

    with :math:`Q_{1-\\alpha}(k, \\infty)` the quantile of the studentized range of :math:`k`
    means with infinite degrees of freedom (``scipy.stats.studentized_range``). This gives
    Demšar's Table 5a, e.g. :math:`q_{0.05} = 2.728` for :math:`k = 5`.

    References
    ----------
    .. [D06] Demšar (2006), Sec. 3.2.2, the equation for :math:`CD` and Table 5(a).

    Examples
    --------
    >>> round(nemenyi_critical_difference(5, 30), 3)
    1.114
    """
    check_scalar(n_strategies, "n_strategies", kind=int, low=2)
    check_scalar(n_problems, "n_problems", kind=int, low=1)
    check_scalar(alpha, "alpha", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
    k, N = int(n_strategies), int(n_problems)
    return _nemenyi_q(k, float(alpha)) * math.sqrt(k * (k + 1) / (6.0 * N))


def cd_groups(avg_ranks: Any, cd: float) -> list[list[int]]:
    """Groups of strategies whose average ranks are not significantly different.

    Each group is a maximal run of strategies, in order of average rank, whose ranks span
    less than ``cd``: the bars of a critical-difference diagram.

    Parameters
    ----------
    avg_ranks : array-like of shape (n_strategies,)
        Average ranks, e.g. from :func:`average_ranks`; finite.
    cd : float
        The critical difference, e.g. from :func:`nemenyi_critical_difference`; >= 0.

    Returns
    -------
    list of list of int
        Indices into ``avg_ranks``, each group listed best (lowest rank) first and the
        groups ordered by their best member. Every strategy lies in at least one group; a
        strategy different from all others forms a group of its own (a diagram draws only
        the groups of two or more).

    Notes
    -----
    Two strategies are significantly different when :math:`|R_a - R_b| \\ge CD` ([D06]_).
    With the ranks sorted, :math:`R_{(1)} \\le \\dots \\le R_{(k)}`, the group starting at
    :math:`i` holds :math:`(i, \\dots, j_i)` with :math:`j_i` the last index such that
    :math:`R_{(j_i)} - R_{(i)} < CD`; it is kept unless the group starting at :math:`i-1`
    already contains it (:math:`j_i = j_{i-1}`).

    References
    ----------
    .. [D06] Demšar (2006), Sec. 3.2.2 and Fig. 1 (the critical-difference diagram).

    Examples
    --------
    >>> cd_groups([1.2, 3.9, 2.0, 3.0], cd=1.1)
    [[0, 2], [2, 3], [3, 1]]
    """
    R = check_array(avg_ranks, "avg_ranks", ndim=1)
    check_scalar(cd, "cd", low=0.0)
    order = np.argsort(R, kind="stable")
    r = R[order]
    last = np.searchsorted(r, r + cd, side="left") - 1  # j_i: r[j] < r[i] + cd
    last = np.maximum(last, np.arange(len(r)))
    groups = []
    for i, j in enumerate(last):
        if i == 0 or j > last[i - 1]:
            groups.append([int(s) for s in order[i : j + 1]])
    return groups
