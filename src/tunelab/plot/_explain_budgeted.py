"""Pictures of a :meth:`Hyperband.explain` or :meth:`SuccessiveHalving.explain` snapshot.

One panel per bracket of the latest round (the last ``len(schedule)`` brackets opened): each
job a point at its rung's budget (logarithmic axis) and its value, a line joining a
configuration to its promotion in the next rung. In a past rung, promoted jobs are filled and
the others hollow; the values of the current (or final) rung are orange; failed jobs are
crosses on the top edge, untold ones ticks on the bottom edge.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

__all__ = ["draw_budgeted", "draw_bracket"]


def draw_budgeted(fig: Figure, step: Mapping[str, Any]) -> None:
    """Draw the latest round's brackets on the empty figure ``fig``."""
    brackets = step["brackets"][-len(step["schedule"]):] or [None]
    n = len(brackets)
    fig.set_size_inches(max(6.4, 3.2 * n), 4.2)
    fig.subplots_adjust(left=0.1 if n == 1 else 0.07, right=0.98, bottom=0.13, top=0.84,
                        wspace=0.3)
    axs = np.atleast_1d(fig.subplots(1, n, sharey=True))
    for ax, bracket in zip(axs, brackets, strict=True):
        draw_bracket(ax, step, bracket)
    for ax in axs[1:]:
        ax.set_ylabel("")
    fig.suptitle(f"{step['kind'].replace('_', ' ')}: eta = {step['eta']}, budgets "
                 f"{step['budgets']}, {step['n_told']} values told", fontsize=10)


def draw_bracket(ax: Any, step: Mapping[str, Any], bracket: Mapping[str, Any] | None) -> None:
    """One bracket on ``ax`` (the latest when ``bracket`` is ``None``)."""
    if bracket is None:
        if not step["brackets"]:
            ax.set_title("no bracket opened yet", fontsize=9)
            ax.set_xscale("log")
            return
        bracket = step["brackets"][-1]
    rungs = bracket["rungs"]
    labelled: set[str] = set()

    def mark(x: Any, y: Any, kind: str, **kw: Any) -> None:
        label = None if kind in labelled else kind
        labelled.add(kind)
        ax.plot(x, y, linestyle="none", label=label, gid="jobs", **kw)

    for i, rung in enumerate(rungs):
        b, v = rung["budget"], rung["values"]
        for j in range(len(v)):
            to = rung["promoted_to"][j]
            if to is not None and rungs[i + 1]["told"][to]:  # a promotion with its value
                ax.plot([b, rungs[i + 1]["budget"]], [v[j], rungs[i + 1]["values"][to]],
                        color="0.7", linewidth=0.7, zorder=1, gid="promotion")
        told, fin = rung["told"], np.isfinite(v)
        ranked = i < bracket["rung"]  # a past rung: its promotions are made
        up = told & fin & rung["promoted"]
        out = told & fin & ~rung["promoted"]
        if not ranked and (told & fin).any():
            final = i == len(rungs) - 1
            mark(np.full((told & fin).sum(), b), v[told & fin],
                 "final rung" if final else "told, rung not complete", marker="o",
                 color="C1", markersize=5)
        elif up.any():
            mark(np.full(up.sum(), b), v[up], "promoted", marker="o", color="C2",
                 markersize=5)
        if ranked and out.any():
            mark(np.full(out.sum(), b), v[out], "not promoted", marker="o", color="C0",
                 markerfacecolor="none", markersize=5)
        failed = told & ~fin
        if failed.any():
            mark(np.full(failed.sum(), b), np.ones(failed.sum()), "failed", marker="x",
                 color="C3", transform=ax.get_xaxis_transform())
        wait = rung["asked"] & ~told
        if wait.any():
            mark(np.full(wait.sum(), b), np.zeros(wait.sum()), "asked, untold", marker="|",
                 color="k", markersize=12, transform=ax.get_xaxis_transform())
    budgets = step["budgets"]
    ax.set_xscale("log", base=step["eta"])
    ax.set_xticks(budgets, [f"{b:g}" for b in budgets])
    ax.set_xlim(min(budgets) / step["eta"] ** 0.5, max(budgets) * step["eta"] ** 0.5)
    ax.set_xlabel("budget")
    ax.set_ylabel("objective value")
    state = "done" if bracket["done"] else f"at rung {bracket['rung']}"
    ax.set_title(f"bracket {bracket['number']} (s = {bracket['s']}, "
                 f"{bracket['schedule'][0][0]} configurations), {state}", fontsize=8)
    if labelled:
        ax.legend(fontsize=6)
