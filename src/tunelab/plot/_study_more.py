"""Figures over trials' parameters and over several studies: parallel coordinates and EDF."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from tunelab.plot._common import _figure
from tunelab.plot._study import _complete

__all__ = ["edf", "parallel_coordinates"]


def edf(studies: Any) -> Figure:
    r"""Empirical distribution of the COMPLETE trials' objective values, one line per study.

    :math:`\hat F(v) = \frac{1}{n}\,\#\{i : y_i \le v\}` over the ``n`` COMPLETE trials of a
    study, as Optuna's ``plot_edf``; a curve further left is a study that found good values
    more often.

    Parameters
    ----------
    studies : Study, sequence of Study, or mapping of label -> Study
        Unlabeled studies are named ``study 0``, ``study 1``, ...

    Returns
    -------
    matplotlib.figure.Figure
    """
    if isinstance(studies, Mapping):
        items = list(studies.items())
    elif isinstance(studies, Sequence):
        items = [(f"study {i}", s) for i, s in enumerate(studies)]
    else:
        items = [("study 0", studies)]
    if not items:
        raise ValueError("studies must hold at least one study")
    fig, ax = _figure()
    for label, study in items:
        y = np.sort([t.value for t in _complete(study)])
        ax.step(y, np.arange(1, len(y) + 1) / len(y), where="post", label=str(label))
    ax.set_xlabel("objective value")
    ax.set_ylabel("fraction of trials with value <= x")
    ax.set_ylim(0.0, 1.02)
    ax.set_title("Empirical distribution of the objective")
    ax.legend()
    return fig


def parallel_coordinates(study: Any) -> Figure:
    """One polyline per COMPLETE trial across the parameters' unit coordinates, colored by value.

    Each axis is a parameter scaled to [0, 1] as the search sees it (:meth:`Space.to_unit`:
    log dimensions on a log scale, categories at their slots); the last axis is the
    objective, min-max scaled.

    Parameters
    ----------
    study : tunelab.Study
        A study with at least 2 COMPLETE trials.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib import colormaps

    done = _complete(study)
    names = list(study.space.names)
    u = study.space.to_unit([t.params for t in done])
    y = np.array([t.value for t in done], dtype=float)
    span = np.ptp(y) or 1.0
    cols = np.column_stack([u, (y - y.min()) / span])
    fig, ax = _figure()
    cmap = colormaps["viridis_r"]
    for row, v in zip(cols, (y - y.min()) / span, strict=True):
        ax.plot(range(len(names) + 1), row, color=cmap(v), alpha=0.7, linewidth=1)
    ax.set_xticks(range(len(names) + 1), [*names, "objective"])
    ax.set_ylabel("position on the axis (0 = low end, 1 = high end)")
    ax.set_title("Parallel coordinates (yellow = best)")
    return fig
