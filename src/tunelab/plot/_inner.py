"""Pictures of the inner loop: optimizers' paths on the contours of a two-parameter loss."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from tunelab.plot._common import _figure

__all__ = ["optimizer_paths"]


def _points(path: Any, label: str) -> np.ndarray:
    rec = getattr(path, "path", path)
    if isinstance(rec, Mapping):
        rec = rec["x"]
    if rec is None:
        raise ValueError(f"paths[{label!r}] has no recorded path; call the solver with "
                         "record_path=True")
    xs = np.asarray(rec, dtype=float)
    if xs.ndim != 2 or xs.shape[1] != 2 or len(xs) < 1:
        raise ValueError(f"paths[{label!r}] must be an (n, 2) array of iterates, got shape "
                         f"{xs.shape}")
    return xs


def optimizer_paths(
    loss: Callable[[np.ndarray], Any],
    paths: Mapping[str, Any],
    *,
    n_grid: int = 80,
    margin: float = 0.15,
    xlabel: str = "parameter 1",
    ylabel: str = "parameter 2",
) -> Figure:
    """Paths of iterative optimizers drawn on the contour lines of a two-parameter loss.

    Parameters
    ----------
    loss : callable
        ``loss(theta)`` for ``theta`` of shape (2,); a returned tuple's first item is the loss
        (so a ``fun`` returning ``(value, gradient)`` works as is).
    paths : mapping of str -> OptimizeResult, path dict or (n, 2) array
        One entry per optimizer, e.g. results of solvers called with ``record_path=True``.
    n_grid : int, default=80
        Grid points per axis of the contour.
    margin : float, default=0.15
        Fraction of the paths' span added around them.
    xlabel, ylabel : str
        Axis labels (the parameters' names).

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not isinstance(paths, Mapping) or not paths:
        raise ValueError("paths must be a non-empty mapping of label -> path")
    if not isinstance(n_grid, int) or n_grid < 2:
        raise ValueError(f"n_grid must be an int >= 2, got {n_grid!r}")
    pts = {str(k): _points(v, str(k)) for k, v in paths.items()}
    allp = np.vstack(list(pts.values()))
    lo, hi = allp.min(axis=0), allp.max(axis=0)
    pad = margin * np.maximum(hi - lo, 1e-3)
    g1 = np.linspace(lo[0] - pad[0], hi[0] + pad[0], n_grid)
    g2 = np.linspace(lo[1] - pad[1], hi[1] + pad[1], n_grid)

    def value(t: np.ndarray) -> float:
        out = loss(t)
        return float(out[0] if isinstance(out, tuple) else out)

    Z = np.array([[value(np.array([a, b])) for a in g1] for b in g2])
    fig, ax = _figure()
    cs = ax.contour(g1, g2, Z, levels=15, cmap="Greys", linewidths=0.8)
    ax.clabel(cs, fontsize=7)
    for k, (label, xs) in enumerate(pts.items()):
        ax.plot(xs[:, 0], xs[:, 1], "-o", color=f"C{k}", markersize=3, linewidth=1.2,
                label=f"{label} ({len(xs) - 1} steps)")
    start = allp[0]
    ax.plot(*start, "k*", markersize=10, label="start")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title("Optimizer paths on the loss contours")
    ax.legend(fontsize=8)
    return fig
