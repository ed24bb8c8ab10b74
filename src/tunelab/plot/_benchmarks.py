"""Figures of benchmark results: convergence, critical differences, ECDFs and strategy time.

See :mod:`tunelab.plot` for the conventions every figure follows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from tunelab._stats_curves import bootstrap_ci
from tunelab._stats_rank import cd_groups
from tunelab._validation import check_array, check_scalar
from tunelab.plot._common import _figure

__all__ = ["convergence", "critical_difference", "ecdf", "strategy_time"]


def _check_curves(curves: Any, name: str) -> dict[str, np.ndarray]:
    if not isinstance(curves, Mapping) or not curves:
        raise TypeError(f"{name} must be a non-empty mapping of label -> array; got {curves!r}")
    return {str(k): np.atleast_2d(check_array(v, f"{name}[{k!r}]", ndim=(1, 2), finite=False))
            for k, v in curves.items()}


def _median_band(C: np.ndarray, n_boot: int, level: float, seed: int) -> tuple[np.ndarray, ...]:
    """Median over runs and its bootstrap band, at the evaluations where every run is finite."""
    center = np.full(C.shape[1], np.nan)
    low, high = center.copy(), center.copy()
    ok = np.all(np.isfinite(C), axis=0)
    if ok.any():
        center[ok], low[ok], high[ok] = bootstrap_ci(C[:, ok], np.median, n_boot, level,
                                                     random_state=seed)
    return center, low, high


def convergence(
    curves: Mapping[str, Any],
    *,
    title: str = "",
    ylabel: str = "best value so far",
    log: bool | None = None,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
    x: Any = None,
    xlabel: str = "evaluations",
) -> Figure:
    """Median best-so-far curves with percentile-bootstrap bands of the median.

    Parameters
    ----------
    curves : mapping of str to array-like of shape (n_runs, n_points)
        Per strategy, one best-so-far (or regret) curve per run; NaN where a run has no
        value yet.
    title, ylabel : str
        Axis annotations.
    x : array-like of shape (n_points,) or None, default=None
        Where the curves are read, shared by all of them (a grid of cumulative cost, as
        :func:`tunelab.bench.stats.best_at_time` gives); ``None``: evaluations 1, 2, ...
    xlabel : str, default="evaluations"
        The label of that axis.
    log : bool or None, default=None
        Logarithmic y axis; ``None`` chooses it when every finite value is positive.
    n_boot, level, seed
        Bootstrap resamples, confidence level and seed
        (:func:`tunelab.bench.stats.bootstrap_ci`).

    Returns
    -------
    Figure
    """
    curves = _check_curves(curves, "curves")
    check_scalar(n_boot, "n_boot", kind=int, low=1)
    fig, ax = _figure()
    finite = np.concatenate([C[np.isfinite(C)] for C in curves.values()])
    if log is None:
        log = finite.size > 0 and bool(np.all(finite > 0))
    grid = None if x is None else check_array(x, "x", ndim=1)
    for label, C in curves.items():
        if grid is not None and len(grid) != C.shape[1]:
            raise ValueError(f"x must have one entry per curve point, {C.shape[1]} for "
                             f"{label!r}; got {len(grid)}")
        at = np.arange(1, C.shape[1] + 1) if grid is None else grid
        center, low, high = _median_band(C, n_boot, level, seed)
        (line,) = ax.plot(at, center, label=f"{label} (n={C.shape[0]})", lw=1.6)
        ax.fill_between(at, low, high, color=line.get_color(), alpha=0.2, lw=0)
    ax.fill_between([], [], [], color="0.5", alpha=0.2, lw=0,
                    label=f"{level:.0%} bootstrap interval of the median")
    if log:
        ax.set_yscale("log")
    ax.set(xlabel=xlabel, ylabel=f"{ylabel} (median of n runs)", title=title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return fig


def critical_difference(
    names: Sequence[str],
    avg_ranks: Any,
    cd: float,
    *,
    groups: Sequence[Sequence[int]] | None = None,
    title: str = "",
) -> Figure:
    """Critical-difference diagram: average ranks, and bars over indistinguishable groups.

    Parameters
    ----------
    names : sequence of str
        The strategies.
    avg_ranks : array-like of shape (n_strategies,)
        Their average ranks (1 is best), e.g. :func:`tunelab.bench.stats.average_ranks`.
    cd : float
        The critical difference, drawn as a scale bar above the axis.
    groups : sequence of sequence of int, default=None
        Indices of strategies not significantly different; ``None`` computes them with
        :func:`tunelab.bench.stats.cd_groups`. Groups of one are not drawn.
    title : str, default=""

    Returns
    -------
    Figure
    """
    R = check_array(avg_ranks, "avg_ranks", ndim=1)
    names = [str(n) for n in names]
    if len(names) != len(R):
        raise ValueError(f"names must have one entry per rank, {len(R)}; got {len(names)}")
    check_scalar(cd, "cd", low=0.0)
    groups = cd_groups(R, cd) if groups is None else groups
    k = len(R)
    side = 0.08 * max(len(n) for n in names) + 0.6  # inches for a label "name (rank)"
    width = 3.6 + 2 * side
    rows = (k + 1) // 2  # labels per side
    fig = Figure(figsize=(width, 1.3 + 0.3 * rows))
    ax = fig.add_axes((side / width, 0.02, 1 - 2 * side / width, 0.86))  # labels in margins
    ax.set_xlim(k + 0.25, 0.75)  # best (rank 1) on the right, as in [D06]
    ax.set_ylim(-rows / 2 - 0.4, 1.6)
    ax.axis("off")
    ax.hlines(0, 1, k, color="black", lw=1)
    for r in range(1, k + 1):
        ax.vlines(r, 0, 0.15, color="black", lw=1)
        ax.text(r, 0.25, str(r), ha="center", va="bottom", fontsize="small")
    ax.hlines(1.2, 1, 1 + cd, color="black", lw=2)
    ax.text(1 + cd / 2, 1.3, f"CD = {cd:.2f}", ha="center", va="bottom", fontsize="small")
    order = np.argsort(R, kind="stable")
    for pos, i in enumerate(order):
        right = pos < rows  # the better half labelled on the right
        y = -(pos + 1) / 2 if right else -(k - pos) / 2
        end = 0.75 if right else k + 0.25
        ax.plot([R[i], R[i], end], [0, y, y], color="black", lw=0.8)
        ax.text(end, y, f" {names[i]} ({R[i]:.2f}) ", va="center", fontsize="small",
                ha="left" if right else "right")
    for level, group in enumerate(g for g in groups if len(g) > 1):
        lo, hi = min(R[list(group)]), max(R[list(group)])
        ax.hlines(-0.12 - 0.12 * level, lo - 0.03, hi + 0.03, color="tab:red", lw=3)
    ax.set_title(title)
    return fig


def ecdf(
    curves: Mapping[str, tuple[Any, Any]], *, title: str = "", log_x: bool = True
) -> Figure:
    """Runtime ECDFs: the fraction of targets reached by each evaluation, per strategy.

    Parameters
    ----------
    curves : mapping of str to (evaluations, fractions)
        Per strategy, the output of :func:`tunelab.bench.stats.ecdf_of_targets`.
    title : str, default=""
    log_x : bool, default=True
        Logarithmic evaluation axis, as in COCO.

    Returns
    -------
    Figure
    """
    if not isinstance(curves, Mapping) or not curves:
        raise TypeError(f"curves must be a non-empty mapping of label -> (x, y); got {curves!r}")
    fig, ax = _figure()
    for label, (x, y) in curves.items():
        ax.step(check_array(x, "evaluations", ndim=1), check_array(y, "fractions", ndim=1),
                where="post", label=str(label), lw=1.6)
    if log_x:
        ax.set_xscale("log")
    ax.set(xlabel="evaluations", ylabel="fraction of (run, target) pairs reached",
           ylim=(-0.02, 1.02), title=title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return fig


def strategy_time(seconds: Mapping[str, Any], *, title: str = "") -> Figure:
    """Seconds per ``ask`` + ``tell`` against the number of observations, per strategy.

    Parameters
    ----------
    seconds : mapping of str to array-like of shape (n_runs, n_evals)
        Per strategy, the strategy seconds of each evaluation of each run (NaN after a run
        ended); evaluation :math:`t` is asked with :math:`t - 1` observations.
    title : str, default=""

    Returns
    -------
    Figure
        Median over runs (all problems pooled) with the interquartile band, log y axis.
    """
    seconds = _check_curves(seconds, "seconds")
    fig, ax = _figure()
    for label, S in seconds.items():
        S = np.where(S > 0, S, np.nan)  # log axis: a zero timing reads as missing
        counts = np.sum(np.isfinite(S), axis=0)
        keep = counts > 0
        q = np.full((3, S.shape[1]), np.nan)
        q[:, keep] = np.nanquantile(S[:, keep], [0.5, 0.25, 0.75], axis=0)
        x = np.arange(S.shape[1])
        (line,) = ax.plot(x, q[0], label=str(label), lw=1.6)
        ax.fill_between(x, q[1], q[2], color=line.get_color(), alpha=0.2, lw=0)
    ax.set_yscale("log")
    ax.set(xlabel="observations told", ylabel="strategy seconds per evaluation", title=title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return fig
