"""Paired comparisons of strategies over runs: Wilcoxon signed-rank, Holm, win rates.

``results`` maps a strategy's name to its ``n_runs`` final scores (lower is better), paired
by position: entry ``r`` of every array comes from the same seed or problem instance.
Notation: :math:`d_r = x_r^a - x_r^b` the paired differences, :math:`n` the number of
non-zero ones, :math:`\\operatorname{rank}(|d_r|)` their mid-ranks among the non-zero
:math:`|d|`, :math:`W^+ = \\sum_{d_r > 0} \\operatorname{rank}(|d_r|)`.

References
----------
.. [W45] F. Wilcoxon, "Individual comparisons by ranking methods", Biometrics Bulletin 1,
   80-83, 1945.
.. [H79] S. Holm, "A simple sequentially rejective multiple test procedure", Scandinavian
   Journal of Statistics 6, 65-70, 1979.
.. [D06] J. Demšar, "Statistical comparisons of classifiers over multiple data sets", Journal
   of Machine Learning Research 7, 1-30, 2006.
.. [HW99] M. Hollander and D. A. Wolfe, *Nonparametric Statistical Methods*, 2nd ed., Wiley,
   1999, Sec. 3.1.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy import stats

from tunelab._stats_rank import _check_no_nan
from tunelab._validation import check_array, check_choice, check_scalar

_EXACT_MAX_N = 50  # exact null distribution up to this many non-zero differences


def holm(p_values: Any) -> np.ndarray:
    """Holm's step-down adjustment of p-values for multiple comparisons.

    Parameters
    ----------
    p_values : array-like of shape (m,)
        Raw p-values in [0, 1].

    Returns
    -------
    ndarray of shape (m,)
        Adjusted p-values, in the input's order; reject hypothesis :math:`i` at
        family-wise level :math:`\\alpha` when its adjusted p-value is at most :math:`\\alpha`.

    Notes
    -----
    With the p-values sorted, :math:`p_{(1)} \\le \\dots \\le p_{(m)}`,

    .. math:: \\tilde p_{(i)} = \\max_{j \\le i} \\min\\{1,\\ (m - j + 1)\\, p_{(j)}\\},

    the running maximum keeping the adjusted values in the order of the raw ones ([H79]_;
    [D06]_, Sec. 3.2.2). Holm controls the family-wise error rate as Bonferroni does and
    rejects at least as often.

    References
    ----------
    .. [H79] Holm (1979).
    .. [D06] Demšar (2006), Sec. 3.2.2, Holm's step-down procedure.

    Examples
    --------
    >>> holm([0.01, 0.04, 0.03]).round(2).tolist()
    [0.03, 0.06, 0.06]
    """
    p = _check_p_values(p_values)
    m = len(p)
    order = np.argsort(p, kind="stable")
    scaled = np.minimum(1.0, (m - np.arange(m)) * p[order])  # (m - j + 1) p_(j), j from 1
    adjusted = np.empty(m)
    adjusted[order] = np.maximum.accumulate(scaled)
    return adjusted


def _check_p_values(p_values: Any) -> np.ndarray:
    p = check_array(p_values, "p_values", ndim=1)
    if np.any((p < 0.0) | (p > 1.0)):
        raise ValueError(f"p_values must lie in [0, 1]; got min {p.min()!r}, max {p.max()!r}")
    return p


def _adjust(p: np.ndarray, correction: str) -> np.ndarray:
    """Family-wise adjustment: Holm, Bonferroni (:math:`\\min(1, m p)`) or none."""
    if correction == "holm":
        return holm(p)
    if correction == "bonferroni":
        return np.minimum(1.0, len(p) * p)
    return p.copy()


def _signed_rank_null(a: np.ndarray) -> np.ndarray:
    """Null distribution of :math:`2W^+` given the doubled mid-ranks ``a`` (integers).

    Each rank enters :math:`W^+` with probability 1/2, independently ([W45]_), so the law of
    :math:`2W^+` is the convolution of the two-point laws on :math:`\\{0, a_r\\}`; returns its
    probabilities at :math:`0, 1, \\dots, \\sum_r a_r`.
    """
    pmf = np.zeros(int(a.sum()) + 1)
    pmf[0] = 1.0
    top = 0
    for ar in a:
        shifted = pmf[: top + 1].copy()
        pmf[: top + 1] *= 0.5
        pmf[ar : ar + top + 1] += 0.5 * shifted
        top += ar
    return pmf


def _signed_rank_test(d: np.ndarray, alternative: str) -> tuple[float, float]:
    """Wilcoxon signed-rank test of paired differences ``d`` (zeros dropped); pure.

    Returns ``(statistic, p)``: the statistic is :math:`\\min(W^+, W^-)` for a two-sided
    test and :math:`W^+` otherwise, as ``scipy.stats.wilcoxon`` reports it. The p-value is
    exact, conditional on the mid-ranks, for :math:`n \\le 50`, and from the normal
    approximation with tie correction otherwise ([HW99]_, Sec. 3.1). ``n = 0`` gives
    ``(0.0, 1.0)``.
    """
    d = d[d != 0]
    n = len(d)
    if n == 0:
        return 0.0, 1.0
    r = stats.rankdata(np.abs(d), method="average")
    w_plus = float(r[d > 0].sum())
    w_minus = n * (n + 1) / 2.0 - w_plus
    statistic = min(w_plus, w_minus) if alternative == "two-sided" else w_plus
    if n <= _EXACT_MAX_N:
        pmf = _signed_rank_null(np.rint(2.0 * r).astype(np.int64))
        w2 = int(round(2.0 * w_plus))
        p_low, p_high = pmf[: w2 + 1].sum(), pmf[w2:].sum()  # P(W+ <= w), P(W+ >= w)
    else:
        _, t = np.unique(r, return_counts=True)
        var = (n * (n + 1) * (2 * n + 1) - np.sum(t**3 - t) / 2.0) / 24.0
        z = (w_plus - n * (n + 1) / 4.0) / math.sqrt(var)
        p_low, p_high = stats.norm.cdf(z), stats.norm.sf(z)
    if alternative == "less":
        p = p_low
    elif alternative == "greater":
        p = p_high
    else:
        p = min(1.0, 2.0 * min(p_low, p_high))
    return statistic, float(p)


def _check_results(results: Any) -> tuple[list[Any], np.ndarray]:
    """Validate ``results`` (name -> scores of the same runs); return names and ``(k, n_runs)``."""
    if not isinstance(results, Mapping):
        raise TypeError(
            f"results must be a mapping of strategy name to scores; got {type(results).__name__}"
        )
    if len(results) < 2:
        raise ValueError(f"results must hold at least 2 strategies; got {len(results)}")
    names = list(results)
    rows = [check_array(results[s], f"results[{s!r}]", ndim=1, finite=False) for s in names]
    lengths = {len(x) for x in rows}
    if len(lengths) > 1:
        got = ", ".join(f"{s!r}: {len(x)}" for s, x in zip(names, rows, strict=True))
        raise ValueError(f"results must hold the same number of runs per strategy; got {got}")
    X = np.vstack(rows)
    _check_no_nan(X, "results", "encode a failed run as +inf (it then loses every comparison)")
    return names, X


def _differences(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``x - y`` with equal entries (two failed runs at ``inf`` included) giving 0."""
    d = np.zeros_like(x)
    neq = x != y
    d[neq] = x[neq] - y[neq]
    return d


def pairwise_wilcoxon(
    results: Mapping[Any, Any],
    alternative: str = "two-sided",
    correction: str = "holm",
    alpha: float = 0.05,
) -> list[dict[str, Any]]:
    """Wilcoxon signed-rank test for every pair of strategies, with a multiple-test correction.

    Parameters
    ----------
    results : mapping of str to array-like of shape (n_runs,)
        Scores per strategy, lower is better, paired by position; equal lengths, no NaN
        (encode a failed run as ``+inf``: it ranks as the largest difference).
    alternative : {"two-sided", "less", "greater"}, default="two-sided"
        For the pair ``(a, b)``: ``"less"`` tests that ``a``'s scores tend to be lower
        (``a`` better), ``"greater"`` that they tend to be higher.
    correction : {"holm", "bonferroni", "none"}, default="holm"
        Family-wise adjustment over the :math:`k(k-1)/2` pairs.
    alpha : float, default=0.05
        Level for ``significant``, in (0, 1).

    Returns
    -------
    list of dict
        One per pair ``(a, b)``, ``a`` before ``b`` in ``results``' order, with keys ``a``,
        ``b``, ``statistic``, ``p``, ``p_adjusted`` and ``significant``
        (``p_adjusted <= alpha``).

    Notes
    -----
    Zero differences are dropped ([W45]_, as ``scipy.stats.wilcoxon``'s default
    ``zero_method="wilcox"``); tied :math:`|d|` share their mid-rank. Under the null
    hypothesis each sign is + or - with probability 1/2:

    .. math:: E[W^+] = \\frac{n(n+1)}4,\\qquad
              \\operatorname{Var}[W^+] = \\frac{n(n+1)(2n+1)}{24}
              - \\frac{\\sum_{\\text{ties}} (t^3 - t)}{48}.

    For :math:`n \\le 50` the p-value is exact, from the law of :math:`W^+` given the
    mid-ranks; beyond, the normal approximation with the variance above ([HW99]_, Sec. 3.1).
    It equals ``scipy.stats.wilcoxon`` (default arguments) without ties or zeros, with at most
    13 runs, and with more than 50 non-zero differences. With ties or zeros, 14 runs or more
    and at most 50 non-zero differences, SciPy takes the normal approximation while this stays
    exact. All differences zero gives ``statistic = 0`` and ``p = 1``.

    References
    ----------
    .. [W45] Wilcoxon (1945).
    .. [HW99] Hollander and Wolfe (1999), Sec. 3.1.
    .. [H79] Holm (1979).
    .. [D06] Demšar (2006), Sec. 3.1.3 and 3.2.2.
    """
    names, X = _check_results(results)
    check_choice(alternative, "alternative", ("two-sided", "less", "greater"))
    check_choice(correction, "correction", ("holm", "bonferroni", "none"))
    check_scalar(alpha, "alpha", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
    pairs = list(itertools.combinations(range(len(names)), 2))
    tests = [_signed_rank_test(_differences(X[i], X[j]), alternative) for i, j in pairs]
    p = np.array([t[1] for t in tests])
    p_adjusted = _adjust(p, correction)
    return [
        {"a": names[i], "b": names[j], "statistic": tests[m][0], "p": float(p[m]),
         "p_adjusted": float(p_adjusted[m]), "significant": bool(p_adjusted[m] <= alpha)}
        for m, (i, j) in enumerate(pairs)
    ]


def win_rate_matrix(results: Mapping[Any, Any]) -> tuple[list[Any], np.ndarray]:
    """Fraction of paired runs in which one strategy beats another, ties counting half.

    Parameters
    ----------
    results : mapping of str to array-like of shape (n_runs,)
        Scores per strategy, lower is better, paired by position; equal lengths, no NaN
        (``+inf``, a failed run, loses to any finite score and ties with another ``+inf``).

    Returns
    -------
    names : list
        The strategies, in ``results``' order.
    W : ndarray of shape (n_strategies, n_strategies)
        .. math:: W_{ij} = \\frac1n \\sum_{r=1}^n \\Big([x_r^i < x_r^j]
                  + \\tfrac12 [x_r^i = x_r^j]\\Big),

        so :math:`W_{ij} + W_{ji} = 1`; the diagonal is NaN (no strategy is compared with
        itself; ``np.nanmean(W, axis=1)`` is the average win rate).

    References
    ----------
    .. [D06] Demšar (2006), Sec. 3.1.4 (counts of wins, losses and ties).
    """
    names, X = _check_results(results)
    less = (X[:, None, :] < X[None, :, :]).mean(axis=2)
    equal = (X[:, None, :] == X[None, :, :]).mean(axis=2)
    W = less + 0.5 * equal
    np.fill_diagonal(W, np.nan)
    return names, W
