"""Figures of one :class:`tunelab.Study`: its history and its trials' intermediate reports."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from tunelab.plot._common import _figure

__all__ = ["history", "intermediate_values"]


def _trials(study: Any) -> list[Any]:
    trials = getattr(study, "trials", None)
    if trials is None:
        raise TypeError(f"study must be a tunelab Study, got {type(study).__name__}")
    if not trials:
        raise ValueError("study has no trials; run study.optimize first")
    return list(trials)


def history(study: Any) -> Figure:
    r"""Objective value of each trial and the best value so far.

    COMPLETE trials are dots; PRUNED trials are drawn at their last reported value as
    crosses; FAILED trials, which have no value, are marked on the bottom edge. The
    best-so-far line is :math:`b_n = \min_{i \le n} y_i` over COMPLETE trials
    (:math:`\max` when the study maximizes).

    Parameters
    ----------
    study : tunelab.Study
        A study with at least one trial.

    Returns
    -------
    matplotlib.figure.Figure
    """
    trials = _trials(study)
    fig, ax = _figure()
    done = [(t.number, t.value) for t in trials if t.state.value == "COMPLETE"]
    pruned = [(t.number, t.value) for t in trials
              if t.state.value == "PRUNED" and t.value is not None]
    failed = [t.number for t in trials if t.state.value == "FAILED"]
    if done:
        n, y = np.array(done, dtype=float).T
        ax.plot(n, y, "o", color="C0", label="complete trial")
        acc = np.maximum if study.direction == "maximize" else np.minimum
        ax.step(n, acc.accumulate(y), where="post", color="C3", label="best so far")
    if pruned:
        n, y = np.array(pruned, dtype=float).T
        ax.plot(n, y, "x", color="C1", label="pruned (last report)")
    if failed:
        ax.plot(failed, np.zeros(len(failed)), "|", color="k", markersize=12,
                transform=ax.get_xaxis_transform(), label="failed")
    ax.set_xlabel("trial number")
    ax.set_ylabel("objective value")
    ax.set_title(f"Optimization history ({study.direction})")
    ax.legend()
    return fig


def intermediate_values(study: Any) -> Figure:
    """The values each trial reported per step; pruned trials end in a cross.

    Parameters
    ----------
    study : tunelab.Study
        A study whose trials called ``trial.report(step, value)``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    trials = [t for t in _trials(study) if t.intermediate_values]
    if not trials:
        raise ValueError("study has no intermediate values; call trial.report in the objective")
    fig, ax = _figure()
    for t in trials:
        steps = sorted(t.intermediate_values)
        vals = [t.intermediate_values[s] for s in steps]
        p = t.state.value == "PRUNED"
        ax.plot(steps, vals, color="C1" if p else "C0", alpha=0.7, linewidth=1)
        if p:
            ax.plot(steps[-1], vals[-1], "x", color="C1")
    ax.plot([], [], color="C0", label="completed")
    ax.plot([], [], "-x", color="C1", label="pruned")
    ax.set_xlabel("step")
    ax.set_ylabel("reported value")
    ax.set_title("Intermediate values")
    ax.legend()
    return fig
