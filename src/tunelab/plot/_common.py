"""What every figure in :mod:`tunelab.plot` shares: its size, margins and axes."""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

__all__: list[str] = []


def _figure() -> tuple[Figure, Any]:
    """A figure with one axes and fixed margins (a layout engine would draw it twice)."""
    fig = Figure(figsize=(6.4, 4.2))
    fig.subplots_adjust(left=0.15, right=0.97, bottom=0.12, top=0.92)
    return fig, fig.add_subplot()
