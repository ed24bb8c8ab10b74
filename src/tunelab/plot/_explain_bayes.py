"""Pictures of a :meth:`BayesianOptimization.explain` snapshot.

- Initial design: the observations and the next design point.
- One parameter: the posterior mean with a band of :math:`\\pm 2` standard deviations and the
  observations; below it, the acquisition's parts (EI's exploitation
  :math:`(f^* - \\xi - \\mu)\\Phi(z)` and exploration :math:`\\sigma\\varphi(z)`, LCB's mean and
  :math:`-\\beta\\sigma`, PI's probability) and their sum, the next ask marked in both;
  for Thompson sampling, the joint posterior draw at the candidates that the ask ranked.
  Pending points are drawn at their lies (constant liar, kriging believer: the posterior
  drawn is conditioned on them) or as ticks, with EI or PI times the local penalty, the
  product the ask maximizes (local penalization).
- Two parameters: contours of the posterior mean and of the acquisition's total (Thompson
  sampling: the candidates coloured by the draw that ranks them), with the observations and
  the next ask.
- More: slices through the next ask, one panel per parameter (posterior mean and band).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from tunelab.plot._explain_axes import frame, pair, scatter, set_axis

__all__ = ["draw_bayes", "draw_bayes_axes"]
_EI = {"exploitation": "exploitation (f* \N{MINUS SIGN} \N{GREEK SMALL LETTER XI} \N{MINUS SIGN} "
                       "\N{GREEK SMALL LETTER MU}) \N{GREEK CAPITAL LETTER PHI}(z)",
       "exploration": "exploration \N{GREEK SMALL LETTER SIGMA} \N{GREEK SMALL LETTER PHI}(z)",
       "total": "total: EI"}
_LABELS = {"ei": _EI, "logei": _EI,
           "ucb": {"mean": "mean \N{GREEK SMALL LETTER MU}",
                   "exploration": "exploration \N{MINUS SIGN}\N{GREEK SMALL LETTER BETA}"
                                  "\N{GREEK SMALL LETTER SIGMA}",
                   "total": "total: LCB (its lowest is asked)"},
           "pi": {"probability": "probability of improvement \N{GREEK CAPITAL LETTER PHI}(z)"}}


def draw_bayes(fig: Figure, step: Mapping[str, Any],
               params: Sequence[str | int] | None) -> None:
    """Draw a BO snapshot on the empty figure ``fig`` (one, two or ``d`` panels)."""
    if step["phase"] != "model":
        fig.subplots_adjust(left=0.13, right=0.97, bottom=0.12, top=0.92)
        _design(fig.add_subplot(), step, params)
        return
    if step["grid"] is not None and len(step["grid"]["shape"]) == 1:
        fig.subplots_adjust(left=0.13, right=0.97, bottom=0.1, top=0.93, hspace=0.3)
        top, bottom = fig.subplots(2, 1, sharex=True)
        _posterior_1d(top, step)
        _acquisition_1d(bottom, step)
        top.set_xlabel("")
        return
    if step["grid"] is not None:
        fig.set_size_inches(11.0, 4.4)
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.12, top=0.9, wspace=0.25)
        left, right = fig.subplots(1, 2)
        _contour_2d(left, step, "mean")
        if "draw" in step["candidates"]:
            _thompson_2d(right, step)
        else:
            _contour_2d(right, step, "total")
        return
    d = len(step["slices"])
    cols = min(d, 3)
    rows = -(-d // cols)
    height = 3.4 * rows
    fig.set_size_inches(4.0 * cols, height)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.55 / height, top=1 - 0.75 / height,
                        wspace=0.3, hspace=0.5)
    axs = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    for j, view in enumerate(step["slices"]):
        _slice(axs[j], step, view)
    for ax in axs[d:]:
        ax.set_visible(False)
    fig.suptitle(f"BO ({step['acquisition']}): posterior on slices through the next ask, "
                 f"after {step['n_told']} values", fontsize=10)


def draw_bayes_axes(ax: Any, step: Mapping[str, Any],
                    params: Sequence[str | int] | None) -> None:
    """The first panel of :func:`draw_bayes`, on ``ax``."""
    if step["phase"] != "model":
        _design(ax, step, params)
    elif step["grid"] is not None and len(step["grid"]["shape"]) == 1:
        _posterior_1d(ax, step)
    elif step["grid"] is not None:
        _contour_2d(ax, step, "mean")
    else:
        _slice(ax, step, step["slices"][0])


def _observed(step: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    obs = step["observations"]
    return np.asarray(obs["points"], dtype=float), np.asarray(obs["values"], dtype=float)


def _design(ax: Any, step: Mapping[str, Any], params: Sequence[str | int] | None) -> None:
    dims = pair(step, params)
    P, v = _observed(step)
    scatter(ax, step, dims, P, v, marker="o", color="k", markersize=4,
            label=f"observations ({len(v)})")
    if step["chosen"] is not None:
        scatter(ax, step, dims, step["chosen"]["point"][None], marker="*", color="C3",
                markersize=12, label="next ask")
    frame(ax, step, dims, f"BO: initial design ({step['design']})")
    ax.legend(fontsize=7)


def _next_line(ax: Any, step: Mapping[str, Any], j: int = 0) -> None:
    if step["chosen"] is not None:
        ax.axvline(step["chosen"]["point"][j], color="C3", linestyle=":", label="next ask")


def _posterior_1d(ax: Any, step: Mapping[str, Any]) -> None:
    g = step["grid"]
    x, mean, sd = g["points"][:, 0], g["mean"], g["std"]
    ax.fill_between(x, mean - 2 * sd, mean + 2 * sd, color="C0", alpha=0.2,
                    label="mean \N{PLUS-MINUS SIGN} 2 sd")
    ax.plot(x, mean, color="C0", label="posterior mean")
    P, v = _observed(step)
    ax.plot(P[:, 0], v, "ko", markersize=4, label=f"observations ({len(v)})")
    _pending_1d(ax, step)
    _next_line(ax, step)
    set_axis(ax, "x", step["axes"][0])
    ax.set_ylabel("objective value")
    n_pending = len(step["pending"]["configs"])
    ax.set_title(f"BO ({step['acquisition']}): posterior after {step['n_told']} values"
                 + (f", {n_pending} pending" if n_pending else ""), fontsize=10)
    ax.legend(fontsize=7)


def _pending_1d(ax: Any, step: Mapping[str, Any]) -> None:
    """Pending points: at their lies (the posterior drawn is conditioned on them), or ticks
    on the bottom edge under local penalization (the posterior leaves them out)."""
    pending = step["pending"]
    P = np.asarray(pending["points"], dtype=float).reshape(-1, 1)
    if not len(P):
        return
    lies = pending.get("lies")
    if lies is not None:
        ax.plot(P[:, 0], lies, "o", markerfacecolor="none", markeredgecolor="C3",
                markersize=6, label=f"pending ({len(P)}), at the lie of {pending['rule']}")
    else:
        scatter(ax, step, (0,), P, None, color="C2", label=f"pending ({len(P)})")


def _acquisition_1d(ax: Any, step: Mapping[str, Any]) -> None:
    g = step["grid"]
    x = g["points"][:, 0]
    if "draw" in step["candidates"]:
        _thompson_1d(ax, step)
        return
    parts = g["parts"]
    labels = _LABELS.get(step["acquisition"], {})
    for k, (name, y) in enumerate(parts.items()):
        ax.plot(x, y, color=f"C{k + 1}", label=labels.get(name, name))
    if len(parts) > 1:
        ax.plot(x, g["total"], color="k", linewidth=1.5, label=labels.get("total", "total"))
    if "penalty" in g and step["acquisition"] in ("ei", "logei", "pi"):
        name = "PI" if step["acquisition"] == "pi" else "EI"
        ax.plot(x, g["total"] * g["penalty"], color="C2", linestyle="--", linewidth=1.5,
                label=f"{name} \N{MULTIPLICATION SIGN} local penalty (maximized)")
    _next_line(ax, step)
    set_axis(ax, "x", step["axes"][0])
    unit = "probability" if step["acquisition"] == "pi" else "objective units"
    ax.set_ylabel(f"acquisition ({unit})")
    ax.legend(fontsize=7)


def _thompson_1d(ax: Any, step: Mapping[str, Any]) -> None:
    """The joint posterior draw that ranked the candidates, as a path over them: the next
    ask is its lowest point (the grid's draw in the snapshot is another, illustrative one)."""
    cand = step["candidates"]
    x = np.asarray(cand["points"], dtype=float)[:, 0]
    order = np.argsort(x, kind="stable")
    ax.plot(x[order], np.asarray(cand["draw"])[order], color="C1", linewidth=1,
            label=f"the posterior draw the ask ranks ({len(x)} candidates)")
    _next_line(ax, step)
    set_axis(ax, "x", step["axes"][0])
    ax.set_ylabel("posterior draw (objective units)")
    ax.legend(fontsize=7)


def _contour_2d(ax: Any, step: Mapping[str, Any], field: str) -> None:
    g = step["grid"]
    shape = tuple(g["shape"])
    X, Y = (g["points"][:, j].reshape(shape) for j in range(2))
    Z = np.asarray(g[field]).reshape(shape)
    cs = ax.contourf(X, Y, Z, levels=15, cmap="viridis" if field == "mean" else "magma")
    bar = ax.figure.colorbar(cs, ax=ax)
    bar.set_label("objective value" if field == "mean" else "acquisition")
    _observations_and_next(ax, step, "C3", "next ask")
    frame(ax, step, (0, 1), "posterior mean" if field == "mean" else
          f"acquisition ({step['acquisition']}, total of its parts)")
    ax.legend(fontsize=7)


def _observations_and_next(ax: Any, step: Mapping[str, Any], color: str, label: str) -> None:
    """The observations as white dots and the next ask as a star, on two parameters."""
    P, v = _observed(step)
    ax.plot(P[:, 0], P[:, 1], "wo", markeredgecolor="k", markersize=4,
            label=f"observations ({len(v)})")
    if step["chosen"] is not None:
        ax.plot(*step["chosen"]["point"][:2], "*", color=color, markersize=13,
                markeredgecolor="w", label=label)


def _thompson_2d(ax: Any, step: Mapping[str, Any]) -> None:
    """The candidates coloured by the joint posterior draw that ranks them."""
    cand = step["candidates"]
    P = np.asarray(cand["points"], dtype=float)
    sc = ax.scatter(P[:, 0], P[:, 1], c=cand["draw"], s=6, cmap="magma_r", linewidths=0)
    ax.figure.colorbar(sc, ax=ax).set_label("posterior draw (objective units)")
    _observations_and_next(ax, step, "C0", "next ask (the lowest new draw)")
    frame(ax, step, (0, 1), f"the posterior draw the ask ranks ({len(P)} candidates)")
    ax.legend(fontsize=7)


def _slice(ax: Any, step: Mapping[str, Any], view: Mapping[str, Any]) -> None:
    j = view["dimension"]
    x, mean, sd = view["points"][:, j], view["mean"], view["std"]
    if step["axes"][j]["kind"] == "categorical":
        ax.errorbar(x, mean, yerr=2 * sd, fmt="o", color="C0", label="mean \N{PLUS-MINUS SIGN}"
                                                                      " 2 sd")
    else:
        ax.fill_between(x, mean - 2 * sd, mean + 2 * sd, color="C0", alpha=0.2,
                        label="mean \N{PLUS-MINUS SIGN} 2 sd")
        ax.plot(x, mean, color="C0", label="posterior mean")
    _next_line(ax, step, j)
    set_axis(ax, "x", step["axes"][j])
    ax.set_ylabel("objective value")
    ax.set_title(f"slice along {view['name']}", fontsize=9)
    ax.legend(fontsize=6)
