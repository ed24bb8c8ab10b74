"""An animation of successive ``explain()`` snapshots, written as a GIF."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.animation import PillowWriter
from matplotlib.figure import Figure

from tunelab.plot._explain import draw

__all__ = ["animate"]


def animate(snapshots: Sequence[Mapping[str, Any]], path: str | os.PathLike[str], *,
            fps: float = 2.0, params: Sequence[str | int] | None = None,
            dpi: int = 80) -> Path:
    """Write one frame per snapshot, drawn as :func:`tunelab.plot.explain` draws it, into a
    GIF (matplotlib's ``PillowWriter``).

    Every frame is drawn on the same figure, cleared in between, as wide and as tall as the
    widest and the tallest figure the snapshots draw on (a Bayesian optimization's initial
    design takes one panel, its model two); pictures of the space's parameters keep the
    space's whole range on their axes, so that the frames line up.

    Parameters
    ----------
    snapshots : sequence of dict
        ``explain()`` snapshots in order, at least one.
    path : str or path-like
        The GIF file written (a name ending in ``.gif``).
    fps : float, default=2.0
        Frames per second, ``> 0``.
    params : sequence of two str or int, optional
        The parameters of scatter pictures (:func:`tunelab.plot.explain`).
    dpi : int, default=80
        Dots per inch of the frames (a 6.4 x 4.8 inch frame, that of most pictures, is
        512 x 384 pixels at 80).

    Returns
    -------
    pathlib.Path
        ``path``.

    Notes
    -----
    Pillow merges consecutive frames that are identical pixel for pixel into one frame of
    the summed duration; frames of distinct snapshots differ at least by their titles.
    """
    if isinstance(snapshots, Mapping) or not isinstance(snapshots, Sequence) or not snapshots:
        raise ValueError("snapshots must be a non-empty sequence of explain() snapshots")
    if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not fps > 0:
        raise ValueError(f"fps must be a number > 0, got {fps!r}")
    if isinstance(dpi, bool) or not isinstance(dpi, int) or dpi < 1:
        raise ValueError(f"dpi must be an int >= 1, got {dpi!r}")
    path = Path(path)
    if path.suffix.lower() != ".gif":
        raise ValueError(f"path must name a .gif file, got {str(path)!r}")
    size = np.max([_size(step, params) for step in snapshots], axis=0)
    fig = Figure(figsize=tuple(size))
    writer = PillowWriter(fps=fps)
    with writer.saving(fig, str(path), dpi):
        for step in snapshots:
            fig.clear()
            fig.set_size_inches(6.4, 4.8)
            draw(fig, step, params)
            fig.set_size_inches(*size)  # margins are fractions: the layout stretches
            writer.grab_frame()
    return path


def _size(step: Mapping[str, Any], params: Sequence[str | int] | None) -> np.ndarray:
    """The size in inches of the figure ``step`` is drawn on."""
    fig = Figure(figsize=(6.4, 4.8))
    draw(fig, step, params)
    return fig.get_size_inches()
