"""Summaries of optimization curves: best-so-far, regret, time axis, bootstrap bands, ECDFs.

A curve holds the objective values a run observed, in order: ``values`` of shape
``(n_evals,)`` or ``(n_runs, n_evals)``, evaluation :math:`t = 1, \\dots, T` along the last
axis. NaN marks a failed evaluation. Notation: :math:`f_{r,t}` the value of run :math:`r` at
evaluation :math:`t`, :math:`b_{r,t} = \\min_{s \\le t} f_{r,s}` its best so far,
:math:`f^*` the known optimum.

References
----------
.. [ET93] B. Efron and R. J. Tibshirani, *An Introduction to the Bootstrap*, Chapman & Hall,
   1993, Ch. 13 (the percentile interval).
.. [H21] N. Hansen, A. Auger, R. Ros, O. Mersmann, T. Tušar and D. Brockhoff, "COCO: a
   platform for comparing continuous optimizers in a black-box setting", Optimization Methods
   and Software 36(1), 114-144, 2021.
.. [DM02] E. D. Dolan and J. J. Moré, "Benchmarking optimization software with performance
   profiles", Mathematical Programming 91, 201-213, 2002.
.. [HF96] R. J. Hyndman and Y. Fan, "Sample quantiles in statistical packages", The American
   Statistician 50(4), 361-365, 1996.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from tunelab._validation import check_array, check_random_state, check_scalar

_CHUNK = 1 << 22  # resampled entries held at once by the bootstrap


def median_iqr(values: Any, axis: int | None = None) -> tuple[Any, Any, Any]:
    """Median and interquartile range, ignoring NaN.

    Parameters
    ----------
    values : array-like
        Scores; NaN entries are missing and ignored; infinities are rejected (a quartile
        between two infinite values is undefined).
    axis : int or None, default=None
        Axis to summarize (``axis=0`` on ``(n_runs, n_evals)`` curves gives one band per
        evaluation); ``None`` pools every entry.

    Returns
    -------
    median, q25, q75 : float or ndarray
        NaN where a slice holds no value.

    Notes
    -----
    Quantiles interpolate linearly between order statistics, Hyndman and Fan's definition 7
    ([HF96]_; NumPy's ``method="linear"``, R's default): for sorted
    :math:`x_{(1)} \\le \\dots \\le x_{(n)}`, :math:`Q(p) = x_{(\\lfloor h \\rfloor)} +
    (h - \\lfloor h \\rfloor)(x_{(\\lfloor h \\rfloor + 1)} - x_{(\\lfloor h \\rfloor)})`
    with :math:`h = (n-1)p + 1`.

    References
    ----------
    .. [HF96] Hyndman and Fan (1996), definition 7.

    Examples
    --------
    >>> median_iqr([1.0, 2.0, 3.0, 4.0, float("nan")])
    (2.5, 1.75, 3.25)
    """
    x = check_array(values, "values", ndim=range(1, 33), finite=False)
    if x.size == 0:
        raise ValueError(f"values must not be empty; got shape {x.shape}")
    if np.isinf(x).any():
        raise ValueError("values contains infinity; encode a missing value as NaN")
    with warnings.catch_warnings():  # an all-NaN slice gives NaN, as documented
        warnings.simplefilter("ignore", RuntimeWarning)
        q = np.nanquantile(x, [0.5, 0.25, 0.75], axis=axis, method="linear")
    if q.ndim == 1:
        return float(q[0]), float(q[1]), float(q[2])
    return q[0], q[1], q[2]


def bootstrap_ci(
    curves: Any,
    stat: Callable[..., Any] = np.median,
    n_boot: int = 1000,
    level: float = 0.95,
    random_state: Any = None,
) -> tuple[Any, Any, Any]:
    """Percentile bootstrap confidence band of a statistic across runs, per evaluation.

    Parameters
    ----------
    curves : array-like of shape (n_runs, n_evals) or (n_runs,)
        One row per run (e.g. best-so-far curves); finite.
    stat : callable, default=numpy.median
        A reduction taking ``axis=`` (``np.median``, ``np.mean``); applied across runs.
    n_boot : int, default=1000
        Bootstrap resamples, >= 1.
    level : float, default=0.95
        Confidence level, in (0, 1).
    random_state : None, int or numpy.random.Generator, default=None
        Seed of the run indices drawn.

    Returns
    -------
    center, low, high : ndarray of shape (n_evals,), or floats for 1-D ``curves``
        ``stat`` of the runs themselves and the band's ends.

    Notes
    -----
    Resample :math:`B` = ``n_boot`` sets of :math:`n` runs with replacement, whole rows at
    once (so a resample holds whole curves), and compute :math:`\\hat\\theta^{*b}_t` =
    ``stat`` at each evaluation :math:`t`. The percentile interval ([ET93]_, Eq. 13.5) is

    .. math:: \\big[\\hat\\theta^{*}_{t,(\\alpha/2)},\\ \\hat\\theta^{*}_{t,(1-\\alpha/2)}\\big],
              \\qquad \\alpha = 1 - \\text{level},

    the empirical quantiles of the :math:`B` replicates (linear interpolation).

    References
    ----------
    .. [ET93] Efron and Tibshirani (1993), Ch. 13.
    """
    C = check_array(curves, "curves", ndim=(1, 2))
    check_scalar(n_boot, "n_boot", kind=int, low=1)
    check_scalar(level, "level", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
    if not callable(stat):
        raise TypeError(f"stat must be callable, such as numpy.median; got {stat!r}")
    rng = check_random_state(random_state)
    one_d = C.ndim == 1
    C2 = C[:, None] if one_d else C
    n, T = C2.shape
    idx = rng.integers(0, n, size=(n_boot, n))
    per_chunk = max(1, _CHUNK // max(1, n * T))
    reps = np.concatenate([np.asarray(stat(C2[idx[s : s + per_chunk]], axis=1), dtype=float)
                           for s in range(0, n_boot, per_chunk)])
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(reps, [tail, 1.0 - tail], axis=0)
    center = np.asarray(stat(C2, axis=0), dtype=float)
    if one_d:
        return float(center[0]), float(low[0]), float(high[0])
    return center, low, high


def best_so_far(values: Any) -> np.ndarray:
    """Running minimum along the evaluations, skipping failed (NaN) evaluations.

    .. math:: b_{r,t} = \\min_{s \\le t,\\ f_{r,s} \\ne \\mathrm{NaN}} f_{r,s}

    Parameters
    ----------
    values : array-like of shape (n_evals,) or (n_runs, n_evals)

    Returns
    -------
    ndarray of the same shape
        NaN until the first evaluation that did not fail.

    Examples
    --------
    >>> best_so_far([float("nan"), 3.0, 4.0, 1.0]).tolist()
    [nan, 3.0, 3.0, 1.0]
    """
    f = _check_curves(values, "values")
    return np.fmin.accumulate(f, axis=-1)


def regret_curve(values: Any, optimum: float) -> np.ndarray:
    """Simple regret of the best value so far: :math:`b_{r,t} - f^*`.

    Parameters
    ----------
    values : array-like of shape (n_evals,) or (n_runs, n_evals)
        Observed values; NaN is a failed evaluation.
    optimum : float
        The known minimum :math:`f^*`.

    Returns
    -------
    ndarray of the same shape
        NaN until the first successful evaluation. Not clipped: a negative entry means that
        ``optimum`` was not the minimum (or was rounded).
    """
    check_scalar(optimum, "optimum")
    return best_so_far(values) - float(optimum)


def best_at_time(
    values: Any, seconds: Any, time_grid: Any, *, elapsed: bool = False
) -> np.ndarray:
    """Best value reached by each wall-clock time: the time axis of a curve.

    Parameters
    ----------
    values : array-like of shape (n_evals,) or (n_runs, n_evals)
        Observed values; NaN is a failed evaluation.
    seconds : array-like of the same shape
        Time spent on each evaluation (strategy and objective), >= 0; with ``elapsed=True``,
        the time at which each evaluation finished, non-decreasing along the evaluations.
    time_grid : array-like of shape (n_times,)
        Times at which to read the curve, >= 0.
    elapsed : bool, default=False
        Whether ``seconds`` holds finishing times rather than durations.

    Returns
    -------
    ndarray of shape (n_times,) or (n_runs, n_times)
        .. math:: b_r(\\tau) = \\min\\{f_{r,t} : \\tau_{r,t} \\le \\tau\\},\\qquad
                  \\tau_{r,t} = \\textstyle\\sum_{s \\le t} \\text{seconds}_{r,s},

        NaN while nothing has finished (or only failures).

    Examples
    --------
    >>> best_at_time([3.0, 1.0], [1.0, 2.0], [0.5, 1.0, 2.9, 3.0]).tolist()
    [nan, 3.0, 3.0, 1.0]
    """
    b = best_so_far(values)
    s = check_array(seconds, "seconds", ndim=(1, 2), min_samples=0)
    if s.shape != b.shape:
        raise ValueError(f"seconds must have the shape of values, {b.shape}; got {s.shape}")
    grid = check_array(time_grid, "time_grid", ndim=1)
    if np.any(grid < 0):
        raise ValueError("time_grid must hold times >= 0")
    if elapsed:
        if np.any(np.diff(s, axis=-1) < 0) or np.any(s < 0):
            raise ValueError("seconds (elapsed=True) must be >= 0 and non-decreasing")
        finish = s
    else:
        if np.any(s < 0):
            raise ValueError("seconds must hold durations >= 0")
        finish = np.cumsum(s, axis=-1)
    b2, finish2 = np.atleast_2d(b), np.atleast_2d(finish)
    out = np.full((b2.shape[0], len(grid)), np.nan)
    for r in range(b2.shape[0]):
        last = np.searchsorted(finish2[r], grid, side="right") - 1  # last finished by tau
        done = last >= 0
        out[r, done] = b2[r, last[done]]
    return out[0] if b.ndim == 1 else out


def _check_curves(values: Any, name: str) -> np.ndarray:
    f = check_array(values, name, ndim=(1, 2), finite=False)
    if f.shape[-1] == 0:
        raise ValueError(f"{name} must hold at least one evaluation; got shape {f.shape}")
    return f


def ecdf_of_targets(
    curves: Any, optimum_or_f_targets: Any, *, n_targets: int = 51
) -> tuple[np.ndarray, np.ndarray]:
    """Runtime ECDF: fraction of (run, target) pairs reached by each evaluation (COCO).

    Parameters
    ----------
    curves : array-like of shape (n_runs, n_evals) or (n_evals,)
        Observed values (or their best so far); NaN is a failed evaluation and reaches no
        target. To pool problems, stack their regret curves and pass ``0.0`` as optimum
        (regrets also keep the :math:`10^{-8}` targets apart from a large :math:`f^*`).
    optimum_or_f_targets : float or array-like of shape (n_targets,)
        A float: the optimum :math:`f^*`, with the targets :math:`f^* + \\Delta f` for
        ``n_targets`` precisions :math:`\\Delta f` log-spaced from :math:`10^2` down to
        :math:`10^{-8}` (COCO's 51 targets, five per decade). An array: the absolute
        :math:`f`-targets themselves.
    n_targets : int, default=51
        Number of log-spaced targets when an optimum is given, >= 1.

    Returns
    -------
    evaluations : ndarray of shape (n_evals,)
        :math:`1, \\dots, T`.
    fractions : ndarray of shape (n_evals,)
        .. math:: F(t) = \\frac{1}{n\\,|\\mathcal T|} \\sum_{r=1}^{n}
                  \\sum_{\\tau \\in \\mathcal T} [\\, b_{r,t} \\le \\tau \\,],

        non-decreasing in :math:`t`: a target counts as reached once the best value so far
        is at or below it.

    References
    ----------
    .. [H21] Hansen et al. (2021), runtime distributions over a set of targets.
    """
    b = np.atleast_2d(best_so_far(curves))
    if np.ndim(optimum_or_f_targets) == 0:
        optimum = float(check_scalar(optimum_or_f_targets, "optimum_or_f_targets"))
        check_scalar(n_targets, "n_targets", kind=int, low=1)
        targets = optimum + np.logspace(2.0, -8.0, int(n_targets))
    else:
        targets = check_array(optimum_or_f_targets, "optimum_or_f_targets", ndim=1)
    targets = np.sort(targets)
    # number of targets >= b (NaN sorts last: none)
    reached = len(targets) - np.searchsorted(targets, b, side="left")
    fractions = reached.sum(axis=0) / (b.shape[0] * len(targets))
    return np.arange(1, b.shape[1] + 1), fractions


def performance_profile(costs: Any, taus: Any) -> np.ndarray:
    """Dolan-Moré performance profiles: fraction of problems within a factor of the best.

    Parameters
    ----------
    costs : array-like of shape (n_problems, n_strategies)
        Cost of each strategy on each problem, > 0, lower is better (evaluations or seconds
        to reach a target); ``inf`` or NaN marks a failure.
    taus : array-like of shape (n_taus,)
        Performance-ratio thresholds, >= 1.

    Returns
    -------
    rho : ndarray of shape (n_taus, n_strategies)
        .. math:: \\rho_s(\\tau) = \\frac{1}{N}\\,\\big|\\{p : r_{p,s} \\le \\tau\\}\\big|,
                  \\qquad r_{p,s} = \\frac{t_{p,s}}{\\min_{s'} t_{p,s'}},

        with :math:`r_{p,s} = \\infty` for a failure (and on a problem no strategy solved).
        :math:`\\rho_s(1)` is the fraction of problems on which :math:`s` is the best.

    References
    ----------
    .. [DM02] Dolan and Moré (2002), Sec. 2.
    """
    t = check_array(costs, "costs", ndim=2, finite=False)
    tau = check_array(taus, "taus", ndim=1)
    t = np.where(np.isnan(t), np.inf, t)
    if np.any(t <= 0):
        raise ValueError("costs must be > 0 (NaN or inf for a failure)")
    if np.any(tau < 1):
        raise ValueError(f"taus must be >= 1; got min {tau.min()!r}")
    best = t.min(axis=1, keepdims=True)  # inf on a problem no strategy solved
    ratio = np.divide(t, best, out=np.full(t.shape, np.inf), where=np.isfinite(t))
    return (ratio[None, :, :] <= tau[:, None, None]).mean(axis=1)
