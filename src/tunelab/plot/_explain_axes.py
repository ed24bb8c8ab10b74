"""Axes shared by the pictures of ``explain()`` snapshots: which parameters are drawn, each
axis in the space's units (log scale, range, category ticks), and points on them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["frame", "pair", "scatter", "set_axis", "to_axis"]


def pair(step: Mapping[str, Any], params: Sequence[str | int] | None) -> tuple[int, ...]:
    """Positions of the parameters drawn: two (the first two by default), one for a
    one-parameter space."""
    info = step["axes"]
    names = [a["name"] for a in info]
    if params is None:
        return (0,) if len(info) == 1 else (0, 1)
    if isinstance(params, (str, int)) or len(params) != min(2, len(info)):
        raise ValueError(f"params must name {min(2, len(info))} parameters of {names}; "
                         f"got {params!r}")
    out = []
    for p in params:
        if isinstance(p, str) and p in names:
            out.append(names.index(p))
        elif isinstance(p, (int, np.integer)) and not isinstance(p, bool) and 0 <= p < len(
                names):
            out.append(int(p))
        else:
            raise ValueError(f"params must name parameters of {names}; got {p!r}")
    if len(set(out)) != len(out):
        raise ValueError(f"params must name distinct parameters; got {params!r}")
    return tuple(out)


def set_axis(ax: Any, which: str, axis: Mapping[str, Any]) -> None:
    """Label, scale, range and category ticks of the x or y axis for one parameter."""
    getattr(ax, f"set_{which}label")(axis["name"] + (" (log scale)" if axis["log"] else ""))
    if axis["log"]:
        getattr(ax, f"set_{which}scale")("log")
    getattr(ax, f"set_{which}lim")(axis["low"], axis["high"])
    if axis["kind"] == "categorical":
        getattr(ax, f"set_{which}ticks")(range(len(axis["choices"])),
                                          [str(c) for c in axis["choices"]])


def to_axis(axis: Mapping[str, Any], u: np.ndarray) -> np.ndarray:
    """A unit coordinate on a parameter's axis, by the space's (affine or log) map, not
    binned."""
    lo, hi = axis["low"], axis["high"]
    if axis["log"]:
        return np.exp(np.log(lo) + u * (np.log(hi) - np.log(lo)))
    return lo + u * (hi - lo)


def scatter(ax: Any, step: Mapping[str, Any], dims: tuple[int, ...], points: np.ndarray,
            values: np.ndarray | None = None, **kw: Any) -> Any:
    """Points ``(n, d)`` on the drawn parameters: ``dims`` of them, or against their values
    on a one-parameter space (points without a value as ticks on the bottom edge)."""
    points = np.asarray(points, dtype=float).reshape(-1, len(step["axes"]))
    inactive = int(np.isnan(points[:, list(dims)]).any(axis=1).sum())
    if inactive and kw.get("label"):  # a conditional parameter: not every point has it
        kw["label"] += f", {inactive} not drawn (inactive parameter)"
    if len(dims) == 2:
        return ax.plot(points[:, dims[0]], points[:, dims[1]], linestyle="none", **kw)[0]
    v = np.full(len(points), np.nan) if values is None else np.asarray(values, dtype=float)
    ok = np.isfinite(v)
    if not ok.any():  # only ticks: the legend shows the tick, not the marker of a value
        return _ticks(ax, points[:, 0], kw)
    line = ax.plot(points[ok, 0], v[ok], linestyle="none", **kw)[0]
    if (~ok).any():
        _ticks(ax, points[~ok, 0], {**kw, "label": None})
    return line


def _ticks(ax: Any, x: np.ndarray, kw: dict[str, Any]) -> Any:
    """Points without a value: ticks on the bottom edge, at least 12 points tall."""
    kw = {**kw, "marker": "|", "markersize": max(kw.get("markersize", 0), 12),
          "markeredgewidth": 2}
    return ax.plot(x, np.zeros(len(x)), linestyle="none", transform=ax.get_xaxis_transform(),
                   **kw)[0]


def frame(ax: Any, step: Mapping[str, Any], dims: tuple[int, ...], title: str) -> None:
    info = step["axes"]
    set_axis(ax, "x", info[dims[0]])
    if len(dims) == 2:
        set_axis(ax, "y", info[dims[1]])
    else:
        ax.set_ylabel("objective value")
    ax.set_title(title, fontsize=10)
