"""Pictures of the inner loop: optimizers' paths on a loss's contours, learning curves."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from tunelab.exceptions import NotFittedError
from tunelab.plot._common import _figure

__all__ = ["learning_curve", "optimizer_paths"]


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


def _curve(values: Any, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1 or len(arr) < 1:
        raise ValueError(f"{name} must be a non-empty 1-D sequence of per-epoch values, got "
                         f"shape {arr.shape}")
    return arr


def _from_estimator(est: Any) -> tuple[Any, Any, str, int | None]:
    """``(loss_curve_, validation_scores_, validation label, epochs)`` of a fitted MLP."""
    if not hasattr(est, "loss_curve_"):
        raise NotFittedError(f"{type(est).__name__} has no loss_curve_; fit it first")
    kind = getattr(est, "_estimator_type", None)
    label = {"classifier": "validation accuracy", "regressor": "validation R²"}.get(
        kind, "validation score")
    epochs = getattr(est, "epochs", None)
    return est.loss_curve_, getattr(est, "validation_scores_", None), label, epochs


def learning_curve(
    model: Any,
    validation: Any = None,
    *,
    greater_is_better: bool = True,
    validation_label: str | None = None,
    max_epochs: int | None = None,
    ax: Any = None,
) -> Figure:
    """Training loss and validation score (or loss) per epoch, with the best epoch marked.

    Early stopping ([P98]_; [GBC16]_, Algorithm 7.1) scores a held-out set after every epoch
    :math:`e = 1, 2, \\dots` and keeps the weights of the best epoch

    .. math:: e^* = \\min \\operatorname*{arg\\,max}_e s_e

    (the first of the highest scores :math:`s_e`; of the lowest, for a validation loss), as
    :class:`tunelab.optim.EarlyStopping` and the MLP estimators do. The plot draws the
    training objective per epoch, the validation curve (on a second axis when it is a score,
    on the same axis when it is a loss), a dashed line at :math:`e^*` and a dotted one at the
    last epoch run, labelled "stopped" when it came before ``max_epochs``.

    Parameters
    ----------
    model : fitted estimator or array-like of shape (n_epochs,)
        An estimator with ``loss_curve_`` (and ``validation_scores_`` when it was fitted with
        ``early_stopping=True``), such as :class:`tunelab.models.MLPClassifier`; or the
        training loss of each epoch.
    validation : array-like of shape (n_val_epochs,), default=None
        The validation value of each epoch, ``n_val_epochs <= n_epochs`` (epoch 1 first). For
        an estimator it is read from ``validation_scores_`` and must be None.
    greater_is_better : bool, default=True
        Whether ``validation`` is a score (accuracy, R²) or a loss. An estimator's
        ``validation_scores_`` are scores.
    validation_label : str, default=None
        The validation curve's label; by default "validation accuracy" (classifier),
        "validation R²" (regressor), "validation score" or "validation loss".
    max_epochs : int, default=None
        The epoch budget, which tells a run that stopped early from one that ran out; an
        estimator's ``epochs`` by default.
    ax : matplotlib Axes, default=None
        Draw into this axes; by default a new figure is made.

    Returns
    -------
    matplotlib.figure.Figure
        ``ax.lines[0]`` is the training curve, ``ax.lines[1]`` the best-epoch line; the
        validation curve is the first line of the twin axes (score) or ``ax.lines[1]`` (loss,
        the best-epoch line then ``ax.lines[2]``).

    References
    ----------
    .. [P98] L. Prechelt, "Early stopping - but when?", in *Neural Networks: Tricks of the
       Trade*, LNCS 1524, 55-69, 1998.
    .. [GBC16] I. Goodfellow, Y. Bengio and A. Courville, *Deep Learning*, MIT Press, 2016,
       Sec. 7.8.
    """
    if not isinstance(greater_is_better, bool):
        raise TypeError(f"greater_is_better must be a bool, got {greater_is_better!r}")
    if hasattr(model, "fit"):
        if validation is not None:
            raise ValueError("validation must be None when model is an estimator (its "
                             "validation_scores_ are drawn)")
        if not greater_is_better:
            raise ValueError("an estimator's validation_scores_ are scores: "
                             "greater_is_better must be True")
        model, validation, default_label, budget = _from_estimator(model)
        max_epochs = budget if max_epochs is None else max_epochs
    else:
        default_label = "validation score" if greater_is_better else "validation loss"
    train = _curve(model, "the training loss")
    if max_epochs is not None and (not isinstance(max_epochs, int) or max_epochs < len(train)):
        raise ValueError(f"max_epochs must be an int >= the {len(train)} epochs run, got "
                         f"{max_epochs!r}")
    if ax is None:
        fig, ax = _figure()
        fig.subplots_adjust(right=0.86)
    fig = ax.figure
    epochs = np.arange(1, len(train) + 1)
    ax.plot(epochs, train, color="C0", label="training loss")
    handles_ax = [ax]
    if validation is not None:
        val = _curve(validation, "validation")
        if len(val) > len(train):
            raise ValueError(f"validation has {len(val)} epochs, more than the {len(train)} of "
                             "the training loss")
        vax = ax.twinx() if greater_is_better else ax
        vax.plot(epochs[:len(val)], val, color="C1", label=validation_label or default_label)
        if greater_is_better:
            vax.set_ylabel(validation_label or default_label, color="C1")
            handles_ax.append(vax)
        finite = np.where(np.isnan(val), -np.inf if greater_is_better else np.inf, val)
        best = int(np.argmax(finite) if greater_is_better else np.argmin(finite)) + 1
        ax.axvline(best, color="k", linestyle="--", linewidth=1,
                   label=f"best epoch {best} (weights kept)")
    last = len(train)
    stopped = max_epochs is not None and last < max_epochs
    ax.axvline(last, color="0.5", linestyle=":", linewidth=1.2,
               label=f"stopped after epoch {last}" if stopped else f"last epoch {last}")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss" if greater_is_better or validation is None else "loss",
                  color="C0" if greater_is_better or validation is None else "k")
    ax.set_title("Learning curve" + (f" (budget {max_epochs} epochs)" if max_epochs else ""))
    handles = [h for a in handles_ax for h in a.get_legend_handles_labels()[0]]
    handles.sort(key=lambda h: h.get_linestyle() != "-")  # the curves, then the markers
    ax.legend(handles=handles, fontsize=8, loc="center right")
    return fig
