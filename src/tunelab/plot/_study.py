"""Figures of one :class:`tunelab.Study`: its history and its trials' intermediate reports."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from tunelab.plot._common import _figure

__all__ = ["contour", "history", "importance", "intermediate_values", "slice"]


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
        last = max(t.number for t in trials)
        best = acc.accumulate(y)
        ax.step(np.append(n, last), np.append(best, best[-1]), where="post", color="C3",
                label="best so far")
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


def _complete(study: Any) -> list[Any]:
    done = [t for t in _trials(study) if t.state.value == "COMPLETE" and t.value is not None]
    if len(done) < 2:
        raise ValueError(f"study needs at least 2 COMPLETE trials, it has {len(done)}")
    return done


def _axis(ax: Any, which: str, dim: Any) -> None:
    """Log scale for a log dimension; category names on a categorical axis."""
    choices = getattr(dim, "choices", None)
    if choices is not None:
        getattr(ax, f"set_{which}ticks")(range(len(choices)), [str(c) for c in choices])
    elif getattr(dim, "log", False):
        getattr(ax, f"set_{which}scale")("log")


def _coords(dim: Any, values: list[Any]) -> np.ndarray:
    choices = getattr(dim, "choices", None)
    if choices is not None:
        return np.array([list(choices).index(v) for v in values], dtype=float)
    return np.array(values, dtype=float)


def slice(study: Any) -> Figure:  # noqa: A001 (the name of Optuna's plot_slice)
    """Objective value against each parameter, one panel per parameter, colored by trial.

    Parameters
    ----------
    study : tunelab.Study
        A study with at least 2 COMPLETE trials.

    Returns
    -------
    matplotlib.figure.Figure
    """
    done = _complete(study)
    names = list(study.space.names)
    fig = Figure(figsize=(3.2 * len(names), 3.4))
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.17, top=0.88, wspace=0.3)
    y = [t.value for t in done]
    order = [t.number for t in done]
    for k, name in enumerate(names):
        ax = fig.add_subplot(1, len(names), k + 1)
        sel = [i for i, t in enumerate(done) if name in t.params]
        x = _coords(study.space[name], [done[i].params[name] for i in sel])
        ax.scatter(x, [y[i] for i in sel], c=[order[i] for i in sel], cmap="viridis", s=14)
        _axis(ax, "x", study.space[name])
        ax.set_xlabel(name)
        if k == 0:
            ax.set_ylabel("objective value")
    fig.suptitle("Slice plot (color: trial number, dark = early)")
    return fig


def importance(study: Any, **kwargs: Any) -> Figure:
    """Horizontal bars of :func:`tunelab.study.importances` (fANOVA of a GP), largest on top.

    Parameters
    ----------
    study : tunelab.Study
        A study with at least 2 COMPLETE trials.
    **kwargs
        Passed to :func:`tunelab.study.importances` (``n_grid``, ``n_samples``, ``seed``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from tunelab.study.importance import importances

    imp = importances(study, **kwargs)
    names = sorted(imp, key=imp.get)
    fig, ax = _figure()
    ax.barh(names, [imp[n] for n in names], color="C0")
    ax.set_xlabel("importance (fraction of main-effect variance, fANOVA)")
    ax.set_xlim(0.0, 1.0)
    ax.set_title("Parameter importance")
    return fig


def contour(study: Any, x: str, y: str) -> Figure:
    """Objective value of the trials over two parameters, with a contour of their values.

    The filled contour interpolates the COMPLETE trials linearly on a Delaunay triangulation
    of the points, made in the axes' coordinates (log10 of a log dimension); the trials are
    drawn on top. Outside the trials' convex hull nothing is drawn.

    Parameters
    ----------
    study : tunelab.Study
        A study with at least 3 COMPLETE trials holding both parameters.
    x, y : str
        Parameter names of the space.

    Returns
    -------
    matplotlib.figure.Figure
    """
    names = list(study.space.names)
    for arg, name in (("x", x), ("y", y)):
        if name not in names:
            raise ValueError(f"{arg} must be one of the parameters {names}, got {name!r}")
    if x == y:
        raise ValueError(f"x and y must be different parameters, both are {x!r}")
    done = [t for t in _complete(study) if x in t.params and y in t.params]
    if len(done) < 3:
        raise ValueError(f"study needs at least 3 COMPLETE trials with {x} and {y}")
    px = _coords(study.space[x], [t.params[x] for t in done])
    py = _coords(study.space[y], [t.params[y] for t in done])
    v = np.array([t.value for t in done], dtype=float)
    fig, ax = _figure()
    from matplotlib.tri import Triangulation

    def shown(c: np.ndarray, name: str) -> np.ndarray:  # triangulate where the axis is linear
        return np.log10(c) if getattr(study.space[name], "log", False) else c

    tri = Triangulation(px, py, Triangulation(shown(px, x), shown(py, y)).triangles)
    cs = ax.tricontourf(tri, v, levels=12, cmap="viridis")
    fig.colorbar(cs, ax=ax, label="objective value")
    ax.plot(px, py, "o", color="k", markersize=3, label="trial")
    _axis(ax, "x", study.space[x])
    _axis(ax, "y", study.space[y])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title("Contour of the objective")
    ax.legend(loc="upper right")
    return fig
