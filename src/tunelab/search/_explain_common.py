"""What every strategy's ``explain()`` shares: the axes of a space, the map from unit points to
those axes, and the centered :math:`L_2` discrepancy of a point set.

A snapshot is plain data (dicts, lists, NumPy arrays, floats, strings): it holds no live
object, pickles, and building it changes neither the strategy nor its random streams. Points
in a snapshot come in two coordinates: ``unit`` (the space's unit cube, :meth:`Space.to_unit`)
and ``points``, the *axis coordinates* of :func:`unit_to_axis`, which are the parameter values
themselves (not rounded, so that curves are continuous), with a category given by its index.

References
----------
.. [1] F. J. Hickernell, "A generalized discrepancy and quadrature error bound", Mathematics
   of Computation 67(221), 299-322, 1998 (the centered :math:`L_2` discrepancy, Eq. 5.1c).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tunelab.space import Categorical, Integer, Space

__all__ = ["axes", "centered_discrepancy", "configs_to_axis", "unit_to_axis"]


def axes(space: Space) -> list[dict[str, Any]]:
    """One dict per dimension, in the space's order: ``name``; ``kind`` (``"real"``,
    ``"integer"``, ``"categorical"``); ``log`` (whether the dimension is log-scaled, so that a
    picture draws it on a log axis); ``low``, ``high`` (the axis range: the bounds, the integer
    bins' edges ``low - 1/2`` and ``high + 1/2``, or ``-1/2`` and ``n - 1/2`` for ``n``
    categories); ``choices`` (the categories, or ``None``)."""
    out = []
    for name, dim in space.items():
        if isinstance(dim, Categorical):
            out.append({"name": name, "kind": "categorical", "log": False, "low": -0.5,
                        "high": len(dim.choices) - 0.5, "choices": list(dim.choices)})
            continue
        kind = "integer" if isinstance(dim, Integer) else "real"
        low, high = float(dim.low), float(dim.high)
        if kind == "integer":
            low, high = low - 0.5, high + 0.5
        out.append({"name": name, "kind": kind, "log": bool(dim.log), "low": low,
                    "high": high, "choices": None})
    return out


def _column_to_axis(axis: dict[str, Any], u: np.ndarray) -> np.ndarray:
    if axis["kind"] == "categorical":
        n = len(axis["choices"])
        return np.minimum(np.floor(u * n), n - 1)
    low, high = axis["low"], axis["high"]
    if axis["log"]:
        return np.exp(np.log(low) + u * (np.log(high) - np.log(low)))
    return low + u * (high - low)


def unit_to_axis(space: Space, U: Any) -> np.ndarray:
    """Axis coordinates ``(n, d)`` of unit points ``(n, d)``.

    A real or integer coordinate :math:`u` goes to :math:`F^{-1}(F(a) + u\\,(F(b) - F(a)))`
    with :math:`[a, b]` the axis range of :func:`axes` and :math:`F` the logarithm on a log
    dimension, the identity otherwise (the space's own map, before rounding); a category to
    its index.
    """
    U = np.atleast_2d(np.asarray(U, dtype=float))
    info = axes(space)
    out = np.empty_like(U)
    for j, axis in enumerate(info):
        out[:, j] = _column_to_axis(axis, U[:, j])
    return out


def configs_to_axis(space: Space, configs: list[dict[str, Any]]) -> np.ndarray:
    """Axis coordinates ``(n, d)`` of configurations: their values, categories as indices;
    ``nan`` for an inactive parameter."""
    out = np.full((len(configs), len(space)), np.nan)
    for i, config in enumerate(configs):
        for j, (name, dim) in enumerate(space.items()):
            if name in config:
                value = config[name]
                out[i, j] = dim.index(value) if isinstance(dim, Categorical) else float(value)
    return out


def centered_discrepancy(U: Any) -> float:
    """Squared centered :math:`L_2` discrepancy of points ``U`` ``(n, d)`` of the unit cube.

    .. math:: CD^2 = \\left(\\tfrac{13}{12}\\right)^d - \\frac2n \\sum_i \\prod_k
              \\left(1 + \\tfrac12|x_{ik} - \\tfrac12| - \\tfrac12|x_{ik} - \\tfrac12|^2\\right)
              + \\frac1{n^2} \\sum_{i,j} \\prod_k \\left(1 + \\tfrac12|x_{ik} - \\tfrac12|
              + \\tfrac12|x_{jk} - \\tfrac12| - \\tfrac12|x_{ik} - x_{jk}|\\right)

    (Hickernell 1998); smaller is more uniform. ``nan`` for no points. The quantity that
    ``scipy.stats.qmc.discrepancy(U, method="CD")`` returns.
    """
    U = np.atleast_2d(np.asarray(U, dtype=float))
    n, d = U.shape
    if n == 0:
        return float("nan")
    a = np.abs(U - 0.5)
    first = np.prod(1 + 0.5 * a - 0.5 * a * a, axis=1).sum()
    total = 0.0
    for i in range(0, n, 256):  # blocks of rows: (256, n, d) at most
        diff = np.abs(U[i:i + 256, None, :] - U[None, :, :])
        total += np.prod(1 + 0.5 * a[i:i + 256, None, :] + 0.5 * a[None, :, :] - 0.5 * diff,
                         axis=2).sum()
    return float((13 / 12) ** d - 2 / n * first + total / n**2)
