"""Pictures of a strategy's ``explain()`` snapshot, dispatched on its ``kind``.

Every picture is drawn in the space's own units: the axes of the snapshot's ``axes`` (a
parameter's values, on a logarithmic axis where the space is log-scaled; a category's index,
ticked with its name), over the whole range of the space, so that successive snapshots of a
run share their axes (:func:`tunelab.plot.animate`).

- ``bayes`` (:mod:`tunelab.plot._explain_bayes`): posterior and acquisition parts.
- ``random``, ``sobol``, ``lhs``, ``grid``: the points asked and the next one.
- ``genetic``: population, the parents selected, the offspring by how each was made (a line
  to its first parent), the survivors.
- ``hyperband``, ``successive_halving`` (:mod:`tunelab.plot._explain_budgeted`): the
  brackets of the latest round, values against budgets, promotions joined.
- ``hypergradient``: the path of the iterates, each with the direction of steepest descent
  :math:`-g` (in the space's coordinates: :math:`\\ln x` on a log axis), and the next ask.
- ``cmaes``: the generation's samples (the :math:`\\mu` best in colour), the mean and the 1-
  and 2-sigma ellipses of the sampling distribution of two parameters, from the eigenvalues
  :math:`\\lambda_{1,2}` and eigenvectors :math:`v_{1,2}` of the marginal covariance
  :math:`\\Sigma_{ij}` of ``covariance_unit``: :math:`m + k(\\sqrt{\\lambda_1}\\cos t\\,v_1 +
  \\sqrt{\\lambda_2}\\sin t\\,v_2)`, in the unbounded space CMA-ES searches; the box is its
  periodic reflection (``tunelab.search.cmaes.reflect``), so the mean and the
  ellipses are drawn folded into the box, where the samples land, and mapped to the axes as
  the space maps its unit cube.

A one-parameter space is drawn as value against parameter (points without a value as ticks
on the bottom edge).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from tunelab.plot._common import _figure
from tunelab.plot._explain_axes import frame, pair, scatter, to_axis
from tunelab.plot._explain_bayes import draw_bayes, draw_bayes_axes
from tunelab.plot._explain_budgeted import draw_bracket, draw_budgeted

__all__ = ["explain"]
_POINT_KINDS = ("random", "sobol", "lhs", "grid")
_BUDGETED = ("hyperband", "successive_halving")
_OPERATIONS = {"random": ("o", "C0"), "copy": ("s", "0.45"), "crossover": ("^", "C0"),
               "mutation": ("v", "C1"), "crossover+mutation": ("D", "C2")}


def explain(step: Mapping[str, Any], params: Sequence[str | int] | None = None, *,
            ax: Any = None) -> Figure:
    """Draw an ``explain()`` snapshot of any strategy.

    Parameters
    ----------
    step : dict
        A snapshot: ``BayesianOptimization``, ``RandomSearch``, ``GridSearch``,
        ``GeneticSearch``, ``CMAES``, ``SuccessiveHalving``, ``Hyperband`` or
        ``HypergradientSearch`` ``.explain()``.
    params : sequence of two str or int, optional
        The two parameters (names or positions) of a scatter picture; default the first two.
        Not used by pictures of the whole space (Bayesian optimization's grid and slices).
    ax : matplotlib Axes, optional
        Draw into these axes (a picture of several panels draws its first panel only);
        default a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn into (``ax.figure`` when ``ax`` is given).
    """
    if not isinstance(step, Mapping) or "kind" not in step or "axes" not in step:
        raise TypeError("step must be a strategy's explain() snapshot (a dict with 'kind' and "
                        f"'axes'), got {type(step).__name__}")
    if ax is not None:
        _draw_on(ax, step, params)
        return ax.figure
    if step["kind"] in ("bayes", *_BUDGETED):
        fig = Figure(figsize=(6.4, 4.8))
        draw(fig, step, params)
        return fig
    fig, ax = _figure()
    _draw_on(ax, step, params)
    return fig


def draw(fig: Figure, step: Mapping[str, Any], params: Sequence[str | int] | None) -> None:
    """Draw ``step`` on the empty figure ``fig`` (the frames of an animation)."""
    if step["kind"] == "bayes":
        draw_bayes(fig, step, params)
        return
    if step["kind"] in _BUDGETED:
        draw_budgeted(fig, step)
        return
    fig.subplots_adjust(left=0.13, right=0.97, bottom=0.12, top=0.92)
    _draw_on(fig.add_subplot(), step, params)


def _draw_on(ax: Any, step: Mapping[str, Any], params: Sequence[str | int] | None) -> None:
    kind = step["kind"]
    if kind == "bayes":
        draw_bayes_axes(ax, step, params)
    elif kind in _POINT_KINDS:
        _samplers(ax, step, pair(step, params))
    elif kind == "genetic":
        _genetic(ax, step, pair(step, params))
    elif kind == "cmaes":
        _cmaes(ax, step, pair(step, params))
    elif kind in _BUDGETED:
        draw_bracket(ax, step, None)
        return
    elif kind == "hypergradient":
        _hypergradient(ax, step, pair(step, params))
    else:
        raise ValueError(f"step['kind'] must be one of bayes, {', '.join(_POINT_KINDS)}, "
                         f"genetic, cmaes, {', '.join(_BUDGETED)}, hypergradient; got "
                         f"{kind!r}")
    ax.legend(fontsize=7, loc="best")


# --- kinds ------------------------------------------------------------------------------------
def _samplers(ax: Any, step: Mapping[str, Any], dims: tuple[int, ...]) -> None:
    n = len(step["points"])
    scatter(ax, step, dims, step["points"], step["values"], marker="o", color="C0",
            markersize=4, label=f"asked ({n})")
    if step["chosen"] is not None:
        scatter(ax, step, dims, step["chosen"]["point"][None], marker="*", color="C3",
                markersize=12, label="next ask")
    disc = step["discrepancy"]
    frame(ax, step, dims, f"{step['kind']}: {n} points, centered L2 discrepancy "
                          f"CD\N{SUPERSCRIPT TWO} = {disc:.3g}")


def _genetic(ax: Any, step: Mapping[str, Any], dims: tuple[int, ...]) -> None:
    pop, off = step["population"], step["offspring"]
    scatter(ax, step, dims, pop["points"], pop["values"], marker="o", markersize=7,
            color="0.75", label=f"population ({len(pop['values'])})")
    if step["parents"] is not None and len(step["parents"]["index"]):
        par = step["parents"]
        scatter(ax, step, dims, par["points"], pop["values"][par["index"]], marker="o",
                markersize=10, markerfacecolor="none", markeredgecolor="k",
                label=f"parents ({len(par['index'])})")
    if off is not None and len(off["unit"]):
        ops = np.array(off["operation"])
        if (off["parents"][:, 0] >= 0).any() and len(dims) == 2:
            first = pop["points"][off["parents"][:, 0]]
            for a, b in zip(first, off["points"], strict=True):
                ax.plot([a[dims[0]], b[dims[0]]], [a[dims[1]], b[dims[1]]], color="0.6",
                        linewidth=0.5, zorder=1, gid="parent link")
        for op, (marker, color) in _OPERATIONS.items():
            rows = ops == op
            if rows.any():
                scatter(ax, step, dims, off["points"][rows], off["values"][rows],
                        marker=marker, color=color, markersize=5,
                        label=f"offspring: {op} ({rows.sum()})")
    if step["survivors"] is not None and len(step["survivors"]["values"]):
        sv = step["survivors"]
        scatter(ax, step, dims, sv["points"], sv["values"], marker="+", color="k",
                markersize=11, label="survivors" + ("" if sv["complete"] else " so far"))
    when = "steady state" if step["mode"] == "steady_state" else (
        f"generation {step['generation']}")
    frame(ax, step, dims, f"Genetic search, {when}: mean distance "
                          f"{step['diversity']['mean_distance']:.3g} (unit cube)")


def ellipse_points(step: Mapping[str, Any], dims: tuple[int, int], k: float,
                   n: int = 101) -> np.ndarray:
    """The ``k``-sigma ellipse of parameters ``dims`` of a CMA-ES snapshot, ``(n, 2)`` in
    axis coordinates (module docstring), closed, folded into the box."""
    from tunelab.search.cmaes import reflect  # the box as a periodic reflection

    i, j = dims
    cov = np.asarray(step["covariance_unit"])[np.ix_([i, j], [i, j])]
    lam, V = np.linalg.eigh(0.5 * (cov + cov.T))
    r = k * np.sqrt(np.maximum(lam, 0.0))
    t = np.linspace(0.0, 2.0 * np.pi, n)
    t[-1] = 0.0
    m = np.asarray(step["mean"]["unbounded"])[[i, j]]
    U = reflect(m + (r[0] * np.cos(t))[:, None] * V[:, 0] + (r[1] * np.sin(t))[:, None] * V[:, 1])
    info = step["axes"]
    return np.column_stack([to_axis(info[i], U[:, 0]), to_axis(info[j], U[:, 1])])


def _cmaes(ax: Any, step: Mapping[str, Any], dims: tuple[int, ...]) -> None:
    s = step["samples"]
    chosen = s["weight"] > 0
    rest = s["told"] & ~chosen
    for rows, label, kw in ((~s["told"], "asked, untold", {"color": "0.6"}),
                            (rest, "told", {"color": "C0"}),
                            (chosen, "the \N{GREEK SMALL LETTER MU} best" + (
                                " (recombined next)" if step["due"] else " so far"),
                             {"color": "C3"})):
        if rows.any():
            scatter(ax, step, dims, s["points"][rows], s["values"][rows], marker="o",
                    markersize=4, label=f"{label} ({rows.sum()})", **kw)
    info, m = step["axes"], np.asarray(step["mean"]["unit"])  # folded into the box
    if len(dims) == 2:
        for k, style in ((1.0, "-"), (2.0, "--")):
            E = ellipse_points(step, dims, k)
            ax.plot(E[:, 0], E[:, 1], style, color="k", linewidth=1.0,
                    label=f"{k:g}-sigma ellipse of the samples")
        ax.plot(to_axis(info[dims[0]], m[dims[0]]), to_axis(info[dims[1]], m[dims[1]]), "k+",
                markersize=14, markeredgewidth=2, label="mean")
    else:
        sd = np.sqrt(step["covariance_unit"][0, 0])
        low, high = max(m[0] - sd, 0.0), min(m[0] + sd, 1.0)  # the fold lands inside
        ax.axvspan(to_axis(info[0], low), to_axis(info[0], high), color="C3",
                   alpha=0.15, label="mean \N{PLUS-MINUS SIGN} 1 sd")
        ax.axvline(to_axis(info[0], m[0]), color="k", label="mean")
    sigma, lam = "\N{GREEK SMALL LETTER SIGMA}", "\N{GREEK SMALL LETTER LAMDA}"
    frame(ax, step, dims, f"CMA-ES generation {step['generation']}: {sigma} = "
                          f"{step['sigma']:.3g}, {lam} = {step['lambda']}, restarts "
                          f"{step['restarts']['count']}")


def _hypergradient(ax: Any, step: Mapping[str, Any], dims: tuple[int, ...]) -> None:
    P, values = np.asarray(step["points"], dtype=float), np.asarray(step["values"], dtype=float)
    info = step["axes"]
    if len(P):
        ends = (P[:, dims[0]], P[:, dims[1]]) if len(dims) == 2 else (P[:, dims[0]], values)
        ax.plot(*ends, "-", color="0.5", linewidth=1.0, zorder=1, label="path, in order")
        scatter(ax, step, dims, P, values, marker="o", color="C0", markersize=5,
                label=f"iterates ({len(P)})")
        scatter(ax, step, dims, P[:1], values[:1], marker="s", color="k", markersize=7,
                label="start")
        if len(dims) == 2:
            G = np.asarray(step["gradients"], dtype=float)[:, list(dims)]
            _descent_arrows(ax, [info[d] for d in dims], P[:, list(dims)], G)
            ax.plot([], [], color="C1", linewidth=0.8,
                    label="\N{MINUS SIGN}gradient (steepest descent)")
    if step["next"] is not None:
        nxt = np.array([[float(step["next"][a["name"]]) for a in info]])
        if len(dims) == 2:
            scatter(ax, step, dims, nxt, marker="*", color="C3", markersize=12,
                    label="next ask")
        else:
            ax.axvline(nxt[0, dims[0]], color="C3", linestyle=":", label="next ask")
    last = f", last value {values[-1]:.4g}" if len(values) else ""
    frame(ax, step, dims, f"Hypergradient search ({step['optimizer']}): {len(values)} "
                          f"iterates{last}")
    if step["stopped"]:
        ax.text(0.02, 0.02, f"stopped: {step['stopped']}", transform=ax.transAxes,
                fontsize=7, color="0.3", gid="stopped")


def _descent_arrows(ax: Any, info: list, P: np.ndarray, G: np.ndarray) -> None:
    """Arrows of :math:`-g` at each iterate, in the space's coordinates (:math:`\\ln x` on a
    log axis), the longest a tenth of the axis span."""
    coord = [np.log if a["log"] else (lambda x: x) for a in info]
    back = [np.exp if a["log"] else (lambda x: x) for a in info]
    span = np.array([coord[k](a["high"]) - coord[k](a["low"]) for k, a in enumerate(info)])
    D = -G / span  # in fractions of each axis
    scale = 0.1 / max(float(np.max(np.linalg.norm(D, axis=1))), 1e-300)
    for p, d in zip(P, D * scale * span, strict=True):
        start = [coord[k](p[k]) for k in range(2)]
        end = [back[k](start[k] + d[k]) for k in range(2)]
        ax.annotate("", xy=end, xytext=p, arrowprops={"arrowstyle": "->", "color": "C1",
                                                      "linewidth": 0.8}, gid="descent")
