"""A picture of a cross-validation splitter: which samples each fold trains and tests on."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

__all__ = ["cv_splits"]

# Cell codes of the fold rows: 0 unused, 1 train, 2 test.
_ROLE_COLORS = ("#ffffff", "#c4c4c4", "#262626")  # neutral: the classes take the colours
_ROLE_NAMES = ("not used", "train", "test")
_MAX_COUNTED_CLASSES = 4
_SHARP_UP_TO = 300  # samples: about the width of the axes in pixels at dpi 100


def _fold_matrix(cv: Any, X: Any, y: Any) -> np.ndarray:
    """``M[i, j]``: 1 if sample ``j`` trains fold ``i``, 2 if it tests it, else 0."""
    if not hasattr(cv, "split"):
        raise TypeError(f"cv must be a splitter with split(X, y); got {cv!r}")
    n = len(X)
    rows = []
    for i, (train, test) in enumerate(cv.split(X, y)):
        train = np.asarray(train, dtype=np.int64)
        test = np.asarray(test, dtype=np.int64)
        if np.intersect1d(train, test).size:
            raise ValueError(f"cv's split {i} puts samples in both its train and test set")
        if np.any((train < 0) | (train >= n)) or np.any((test < 0) | (test >= n)):
            raise ValueError(f"cv's split {i} has indices outside range({n})")
        row = np.zeros(n, dtype=np.int64)
        row[train], row[test] = 1, 2
        rows.append(row)
    if not rows:
        raise ValueError("cv.split(X, y) yielded no splits")
    return np.vstack(rows)


def _class_colors(n_classes: int) -> list[Any]:
    from matplotlib import colormaps

    if n_classes <= 10:
        return [colormaps["tab10"](k) for k in range(n_classes)]
    return [colormaps["viridis"](t) for t in np.linspace(0.0, 1.0, n_classes)]


def cv_splits(cv: Any, X: Any, y: Any = None, *, ax: Any = None) -> Figure:
    """Each fold of a cross-validation splitter as a row of train and test cells.

    Row :math:`i` has one cell per sample :math:`j` (in the order of ``X``), coloured by its
    role in split :math:`i = (T_i, V_i)`: train (:math:`j \\in T_i`), test
    (:math:`j \\in V_i`) or not used. With ``y``, a last row shows each sample's class, so
    that stratification is visible: a stratified splitter's test cells take every class in
    proportion to its count :math:`n_c`, about :math:`n_c / k` per fold ([K95]_). With at
    most four classes the right margin counts each test fold's members of each class.

    Parameters
    ----------
    cv : splitter
        Anything with ``split(X, y)`` yielding ``(train_indices, test_indices)``, such as
        :class:`tunelab.model_selection.KFold` or
        :class:`~tunelab.model_selection.StratifiedKFold` (scikit-learn's splitters too).
    X : array-like of shape (n_samples, ...)
        Passed to ``cv.split``; only its length is read here.
    y : array-like of shape (n_samples,), default=None
        The class labels, passed to ``cv.split`` and drawn as the last row.
    ax : matplotlib Axes, default=None
        Draw into this axes; by default a new figure is made.

    Returns
    -------
    matplotlib.figure.Figure
        The figure of the axes drawn on. ``ax.images[i]`` holds row :math:`i` of the fold
        matrix (0 not used, 1 train, 2 test), one image per fold, and with ``y`` the last
        image holds the class index of each sample (classes sorted).

    References
    ----------
    .. [K95] R. Kohavi, "A study of cross-validation and bootstrap for accuracy estimation and
       model selection", IJCAI, 1995, Sec. 3.
    """
    try:
        n = len(X)
    except TypeError:
        raise TypeError(f"X must be array-like with a length; got {type(X).__name__}") from None
    if n < 1:
        raise ValueError("X must hold at least one sample")
    labels = None
    if y is not None:
        labels = np.asarray(y)
        if labels.ndim != 1 or len(labels) != n:
            raise ValueError(f"y must be 1-D with one label per sample of X ({n}); got shape "
                             f"{labels.shape}")
    M = _fold_matrix(cv, X, y)
    k = len(M)
    if ax is None:
        fig = Figure(figsize=(6.4, 2.4 + 0.3 * k))
        fig.subplots_adjust(left=0.12, right=0.86, bottom=0.3, top=0.9)
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    roles = ListedColormap(list(_ROLE_COLORS))
    # One image per row, so that no filter blends a row into the next; cells stay sharp
    # (nearest) while they are wider than about a pixel, and are averaged when narrower.
    smooth = "nearest" if n <= _SHARP_UP_TO else "antialiased"
    for i in range(k):
        ax.imshow(M[i:i + 1], cmap=roles, norm=BoundaryNorm([-0.5, 0.5, 1.5, 2.5], 3),
                  aspect="auto", interpolation=smooth, interpolation_stage="rgba",
                  extent=(-0.5, n - 0.5, i + 0.5, i - 0.5))
    handles = [Patch(color=_ROLE_COLORS[r], label=_ROLE_NAMES[r]) for r in (1, 2)
               if np.any(M == r)]
    if np.any(M == 0):
        handles.append(Patch(facecolor=_ROLE_COLORS[0], edgecolor="0.6", label=_ROLE_NAMES[0]))
    ticks, names = list(range(k)), [f"fold {i + 1}" for i in range(k)]
    if labels is not None:
        classes, codes = np.unique(labels, return_inverse=True)
        colors = _class_colors(len(classes))
        ax.imshow(codes.reshape(1, -1), cmap=ListedColormap(colors),
                  norm=BoundaryNorm(np.arange(len(classes) + 1) - 0.5, len(classes)),
                  aspect="auto", interpolation=smooth, interpolation_stage="rgba",
                  extent=(-0.5, n - 0.5, k + 0.9, k + 0.1))
        ticks.append(k + 0.5)
        names.append("class")
        handles += [Patch(color=c, label=f"class {v}") for c, v in zip(colors, classes,
                                                                        strict=True)]
        if len(classes) <= _MAX_COUNTED_CLASSES:
            for i in range(k):
                counts = np.bincount(codes[M[i] == 2], minlength=len(classes))
                ax.annotate("/".join(str(c) for c in counts), (1.0, i), xytext=(4, 0),
                            xycoords=("axes fraction", "data"), textcoords="offset points",
                            va="center", fontsize=7)
            ax.annotate("test count\nclass " + "/".join(str(v) for v in classes), (1.0, -0.5),
                        xytext=(4, 2), xycoords=("axes fraction", "data"),
                        textcoords="offset points", va="bottom", fontsize=7)
    ax.set_ylim(k + 1.0 if labels is not None else k - 0.5, -0.5)
    ax.set_yticks(ticks, names)
    ax.set_xlim(-0.5, n - 0.5)
    ax.set_xlabel("sample index")
    title = repr(cv)
    if len(title) > 72 or " object at 0x" in title:
        title = type(cv).__name__
    ax.set_title(title, fontsize=9)
    ax.legend(handles=handles, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.22),
              ncol=min(len(handles), 6), frameon=False)
    return fig
