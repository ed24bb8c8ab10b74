"""The report's section on cumulative cost: multi-fidelity runs compared at equal budget spent.

On a problem whose evaluations carry a budget (epochs of a multi-fidelity task), strategies
that spend different budgets per evaluation (Hyperband's 1-epoch trials beside random
search's 81-epoch ones) are compared on the axis of cumulative cost, not of evaluations.
For run :math:`r` with costs :math:`c_{r,t}` the best value reached by cost :math:`\\kappa` is

.. math:: b_r(\\kappa) = \\min\\{f_{r,t} : \\textstyle\\sum_{s \\le t} c_{r,s} \\le \\kappa\\}

(:func:`tunelab.bench.stats.best_at_time` with costs for durations), read on a grid of 100
costs up to the largest total cost of a run. When ``random`` is among the strategies, the
*target* is the median over seeds of random search's final best, and each strategy's cost to
reach it is the cumulative cost of its first evaluation at or below it (Li et al. 2018 count
Hyperband's speed-up over random search this way); a run that never reaches it is counted
as not reached, and the median is over all runs with those as :math:`+\\infty`.

References
----------
.. [L18] L. Li, K. Jamieson, G. DeSalvo, A. Rostamizadeh and A. Talwalkar, "Hyperband: a
   novel bandit-based approach to hyperparameter optimization", Journal of Machine Learning
   Research 18(185), 1-52, 2018.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tunelab.bench import stats
from tunelab.bench._markdown import table

__all__ = ["cost_to_reach", "cumulative_cost_section"]

Runs = dict[tuple[str, str], dict[int, list[dict[str, Any]]]]
GRID_POINTS = 100


def _array(rows: list[dict[str, Any]], column: str) -> np.ndarray:
    return np.array([math.nan if r[column] is None else r[column] for r in rows], dtype=float)


def cost_to_reach(rows: list[dict[str, Any]], target: float) -> float:
    """Cumulative cost at the first evaluation whose value is at most ``target``; ``inf``
    when none is."""
    spent = np.cumsum(_array(rows, "cost"))
    values = _array(rows, "value")
    hit = np.flatnonzero(values <= target)  # NaN compares False: a failure reaches nothing
    return float(spent[hit[0]]) if hit.size else math.inf


def _curves(runs: Runs, problem: str, S: Sequence[str]) -> tuple[np.ndarray, dict]:
    by_strategy = {s: list(runs[(problem, s)].values()) for s in S if (problem, s) in runs}
    end = max(float(np.sum(_array(rows, "cost"))) for runs_of in by_strategy.values()
              for rows in runs_of)
    grid = np.linspace(end / GRID_POINTS, end, GRID_POINTS)
    curves = {}
    for s, runs_of in by_strategy.items():
        curves[s] = np.vstack([
            stats.best_at_time(_array(rows, "value"), _array(rows, "cost"), grid)
            for rows in runs_of
        ])
    return grid, curves


def _fmt(x: float) -> str:
    return "—" if not math.isfinite(x) else f"{x:.4g}"


def cumulative_cost_section(runs: Runs, P: Sequence[str], S: Sequence[str], out: Path,
                            n_boot: int, seed: int) -> str:
    """The section's markdown, with one figure per multi-fidelity problem; ``""`` when no
    problem has a budget."""
    from tunelab import plot

    problems = [p for p in P if _has_budget(runs, p)]
    if not problems:
        return ""
    lines = ["## Against cumulative cost", "",
             "Problems whose evaluations have a budget (epochs): the best value reached by "
             "each cumulative cost (epochs actually trained), median [first quartile, third "
             "quartile] over seeds, at a quarter, half and all of the largest run's cost."]
    for p in problems:
        grid, curves = _curves(runs, p, S)
        marks = [GRID_POINTS // 4 - 1, GRID_POINTS // 2 - 1, GRID_POINTS - 1]
        header = ["strategy", *(f"best by {_fmt(grid[m])}" for m in marks)]
        rows = []
        for s, C in curves.items():
            cells = []
            for m in marks:
                med, q25, q75 = stats.median_iqr(C[:, m])
                cells.append(f"{_fmt(med)} [{_fmt(q25)}, {_fmt(q75)}]")
            rows.append([s, *cells])
        lines += ["", f"### {p}", "", table(header, rows)]
        lines += _target_lines(runs, p, S)
        fig = plot.convergence(curves, title=f"{p}: best against cumulative cost", x=grid,
                               xlabel="cumulative cost (epochs trained)", n_boot=n_boot,
                               seed=seed)
        name = f"cost_{re.sub(r'[^A-Za-z0-9_.]', '_', p)}.png"
        fig.savefig(out / name, dpi=120)
        lines += ["", f"![{p} against cost]({name})"]
    return "\n".join(lines)


def _target_lines(runs: Runs, p: str, S: Sequence[str]) -> list[str]:
    if (p, "random") not in runs:
        return []
    finals = [_array(rows, "best")[-1] for rows in runs[(p, "random")].values() if rows]
    target = float(np.nanmedian(finals)) if finals else math.nan
    if not math.isfinite(target):
        return []
    rows = []
    for s in S:
        if (p, s) not in runs:
            continue
        costs = np.array([cost_to_reach(rows, target) for rows in runs[(p, s)].values()])
        reached = int(np.isfinite(costs).sum())
        med = float(np.median(costs))  # inf when half or more never reached it
        rows.append([s, _fmt(med), f"{reached}/{costs.size}"])
    return ["", f"Cost to reach random search's median final best, {target:.4g}:", "",
            table(["strategy", "median cost to target", "runs that reached it"], rows)]


def _has_budget(runs: Runs, problem: str) -> bool:
    return any(r.get("budget") is not None for (q, _), by_seed in runs.items() if q == problem
               for rows in by_seed.values() for r in rows[:1])
