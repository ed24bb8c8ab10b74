"""COCO's runtime ECDFs of BBOB runs: the areas under them, the figures and the report.

A run and a target :math:`t` (one of COCO's 51, :data:`~tunelab.bench._bbob.TARGETS`) make
a *pair*; its runtime :math:`r` is the first evaluation whose best-so-far
:math:`f - f_\\mathrm{opt} \\le t` (:math:`r = \\infty` when the run never gets there). The
runtime ECDF of a set of pairs (one strategy, one dimension :math:`d`, some functions and
their instances) is

.. math::

    F(x) = \\frac{1}{N} \\#\\{\\text{pairs} : \\log_{10}(r / d) \\le x\\},

the fraction of pairs solved within :math:`d \\cdot 10^x` evaluations, and its area is
normalized over :math:`x \\in [0, L]`, :math:`L = \\log_{10}(\\mathrm{budget} / d)` (the
budget multiplier):

.. math::

    A = \\frac{1}{L} \\int_0^L F(x)\\,dx
      = \\frac{1}{N} \\sum_{r \\le \\mathrm{budget}}
        \\frac{L - \\max(0, \\log_{10}(r / d))}{L},

1 for a strategy that solves every target at its first evaluation, 0 for one that solves
none within the budget. Pairs of every function and instance count alike, as in COCO's
aggregated ECDFs.

References
----------
.. [1] N. Hansen, A. Auger, D. Brockhoff and T. Tusar, "Anytime performance assessment in
   blackbox optimization benchmarking", IEEE Trans. Evolutionary Computation 26(6), 2022
   (runtime ECDFs over targets; the area under the ECDF).
.. [2] N. Hansen et al., "COCO: a platform for comparing continuous optimizers in a
   black-box setting", Optimization Methods and Software 36(1), 2021.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tunelab.bench._bbob import GROUPS, TARGETS
from tunelab.bench._bbob_store import load_bbob

__all__ = ["areas", "ecdf_area", "ecdf_curve", "ecdf_figure", "report_bbob", "runtimes"]

#: The panels of a figure and the columns of the table: every function, then COCO's groups.
PANELS = {"all": tuple(range(1, 25)), **GROUPS}


def runtimes(record: Mapping[str, Any], targets: np.ndarray = TARGETS) -> np.ndarray:
    """Each target's runtime in run ``record``: the first evaluation within it, or ``inf``."""
    at = np.asarray(record["trace_evaluations"], dtype=float)
    deltas = np.asarray(record["trace_deltas"], dtype=float)
    hit = deltas[None, :] <= np.asarray(targets, dtype=float)[:, None]  # (targets, trace)
    first = np.argmax(hit, axis=1)
    return np.where(hit.any(axis=1), at[first], np.inf)


def ecdf_area(r: np.ndarray, dimension: int, budget: float) -> float:
    """The normalized area :math:`A` under the runtime ECDF of the pairs' runtimes ``r``."""
    r = np.asarray(r, dtype=float).ravel()
    if r.size == 0:
        raise ValueError("r must hold at least one runtime")
    L = np.log10(budget / dimension)
    if not L > 0:
        raise ValueError(f"budget must exceed the dimension; got {budget} for d={dimension}")
    solved = r <= budget
    x = np.maximum(0.0, np.log10(r[solved] / dimension))
    return float(np.sum((L - x) / L) / r.size)


def ecdf_curve(r: np.ndarray, dimension: int, x: np.ndarray) -> np.ndarray:
    """:math:`F(x)`: the fraction of runtimes ``r`` within :math:`d \\cdot 10^x`, at each x."""
    r = np.sort(np.asarray(r, dtype=float).ravel())
    return np.searchsorted(r, dimension * 10.0 ** np.asarray(x), side="right") / r.size


def _pairs(records: Iterable[Mapping[str, Any]], strategy: str, dimension: int,
           functions: Sequence[int]) -> tuple[np.ndarray, float | None]:
    """The runtimes of the pairs of ``strategy`` at ``dimension`` on ``functions``."""
    chosen = [rec for rec in records if rec["strategy"] == strategy
              and rec["dimension"] == dimension and rec["function"] in functions]
    if not chosen:
        return np.empty(0), None
    budgets = {rec["budget"] for rec in chosen}
    if len(budgets) != 1:
        raise ValueError(f"runs of {strategy!r} at d={dimension} have budgets {budgets}")
    return np.concatenate([runtimes(rec) for rec in chosen]), budgets.pop()


def areas(records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per strategy, dimension and panel (``"all"`` and each group with runs):
    ``strategy``, ``dimension``, ``panel``, ``functions`` (how many), ``pairs``, ``area``,
    and ``solved_100d``, :math:`F(2)`: the fraction of pairs solved within :math:`100 d`
    evaluations (the early phase)."""
    rows = []
    for d in sorted({rec["dimension"] for rec in records}):
        for s in _unique(rec["strategy"] for rec in records):
            for panel, functions in PANELS.items():
                r, budget = _pairs(records, s, d, functions)
                if budget is None:
                    continue
                present = {rec["function"] for rec in records if rec["function"] in functions
                           and rec["dimension"] == d and rec["strategy"] == s}
                rows.append({"strategy": s, "dimension": d, "panel": panel,
                             "functions": len(present), "pairs": int(r.size),
                             "area": ecdf_area(r, d, budget),
                             "solved_100d": float(ecdf_curve(r, d, [2.0])[0])})
    return rows


def ecdf_figure(records: Sequence[Mapping[str, Any]], dimension: int) -> Any:
    """The runtime ECDFs at ``dimension``: one panel for all functions and one per group with
    runs, one step line per strategy (labelled by it), over :math:`\\log_{10}(\\#f / d)`."""
    from matplotlib.figure import Figure

    chosen = [rec for rec in records if rec["dimension"] == dimension]
    present = {rec["function"] for rec in chosen}
    panels = [(p, fs) for p, fs in PANELS.items() if present & set(fs)]
    strategies = _unique(rec["strategy"] for rec in chosen)
    figure = Figure(figsize=(4.2 * min(3, len(panels)), 3.4 * -(-len(panels) // 3)),
                    layout="constrained")
    axes = figure.subplots(-(-len(panels) // 3), min(3, len(panels)), squeeze=False).ravel()
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    for ax, (panel, functions) in zip(axes, panels, strict=False):
        L = None
        for s in strategies:
            r, budget = _pairs(chosen, s, dimension, functions)
            if budget is None:
                continue
            L = np.log10(budget / dimension)
            x = np.linspace(0.0, L, 401)
            ax.step(x, ecdf_curve(r, dimension, x), where="post", label=s)
        k = len(present & set(functions))
        ax.set(title=f"{panel} ({k} of {len(functions)} functions), d={dimension}",
               xlabel="log10(evaluations / d)", ylabel="fraction of (run, target) pairs",
               ylim=(-0.02, 1.02), xlim=(0.0, L))
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small", loc="upper left")
    return figure


def _unique(items: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys(items))


def _table(rows: Sequence[Mapping[str, Any]], dimension: int) -> list[str]:
    panels = _unique(r["panel"] for r in rows if r["dimension"] == dimension)
    lines = ["| strategy | " + " | ".join(panels) + " |",
             "|---" * (len(panels) + 1) + "|"]
    for s in _unique(r["strategy"] for r in rows if r["dimension"] == dimension):
        by = {r["panel"]: r["area"] for r in rows if r["dimension"] == dimension
              and r["strategy"] == s}
        lines.append(f"| {s} | " + " | ".join(f"{by[p]:.3f}" if p in by else "-"
                                              for p in panels) + " |")
    return lines


def report_bbob(directory: str | os.PathLike, out: str | os.PathLike | None = None) -> Path:
    """Write the report of the BBOB results in ``directory``; return the report's path.

    Parameters
    ----------
    directory : path
        A results directory of :func:`tunelab.bench.run_bbob`.
    out : path or None, default=None
        Where ``bbob_report.md`` (a table of ECDF areas per strategy and group for each
        dimension, and the wall time), ``bbob_areas.json`` (the rows of :func:`areas`) and
        ``bbob_ecdf_dNN.png`` (:func:`ecdf_figure`, one per dimension) go; ``directory``
        when ``None``.

    Returns
    -------
    Path
        The path of ``bbob_report.md``.
    """
    records, manifest = load_bbob(directory)
    if not records:
        raise FileNotFoundError(f"{str(directory)!r} holds no finished BBOB runs")
    out = Path(out if out is not None else directory)
    out.mkdir(parents=True, exist_ok=True)
    rows = areas(records)
    (out / "bbob_areas.json").write_text(json.dumps(rows, indent=1))
    settings = manifest["settings"]
    lines = ["# BBOB: runtime ECDFs", "",
             f"COCO's bbob suite; functions {settings['functions']}, instances "
             f"{settings['instances']}, budget {settings['budget_multiplier']} * d evaluations; "
             f"51 targets f - f_opt = 10^2 ... 10^-8. Area under the runtime ECDF over "
             "log10(evaluations / d), normalized to [0, 1].", ""]
    versions = manifest.get("versions", {})
    lines += ["Versions: " + ", ".join(f"{k} {v}" for k, v in versions.items() if v), ""]
    for d in sorted({rec["dimension"] for rec in records}):
        figure = ecdf_figure(records, d)
        name = f"bbob_ecdf_d{d:02d}.png"
        figure.savefig(out / name, dpi=110)
        early = ", ".join(f"{r['strategy']} {r['solved_100d']:.3f}" for r in rows
                          if r["dimension"] == d and r["panel"] == "all")
        lines += [f"## d = {d}", "", "Areas under the runtime ECDFs:", "", *_table(rows, d), "",
                  f"Fraction of (run, target) pairs solved within 100 * d evaluations: {early}.",
                  "", _seconds(records, d), "",
                  f"![runtime ECDFs, d = {d}]({name})", ""]
    path = out / "bbob_report.md"
    path.write_text("\n".join(lines))
    return path


def _seconds(records: Sequence[Mapping[str, Any]], d: int) -> str:
    parts = []
    for s in _unique(rec["strategy"] for rec in records if rec["dimension"] == d):
        mine = [rec for rec in records if rec["dimension"] == d and rec["strategy"] == s]
        parts.append(f"{s} {sum(r['seconds'] for r in mine):.1f} s "
                     f"({sum(r['evaluations'] for r in mine)} evaluations, strategy "
                     f"{sum(r['strategy_seconds'] for r in mine):.1f} s)")
    return "Wall time of the runs: " + "; ".join(parts) + "."
