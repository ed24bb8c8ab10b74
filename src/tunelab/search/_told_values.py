"""Validation of what is told to a strategy: values (real numbers, ``nan`` or ``inf`` for a
failed evaluation) and rows of the unit cube; ``TypeError`` or ``ValueError`` naming what is
wrong.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

__all__ = ["as_values", "check_rows", "check_value", "float_values"]


def check_value(value: Any) -> float:
    """``value`` as a float, or ``TypeError`` when it is no real number."""
    if not isinstance(value, numbers.Real) or isinstance(value, (bool, np.bool_)):
        raise TypeError(
            f"value must be a real number (nan or inf for a failed evaluation); got {value!r}"
        )
    return float(value)


def as_values(values: Any) -> list:
    """``values`` (a sequence, or an array of one dimension) as a list."""
    if isinstance(values, np.ndarray):
        if values.ndim != 1:
            raise ValueError(f"values must be one-dimensional; got shape {values.shape}")
        return values.tolist()
    if isinstance(values, Iterable) and not isinstance(values, (str, bytes, Mapping)):
        return list(values)
    raise TypeError(f"values must be a sequence of real numbers; got {type(values).__name__}")


def float_values(values: Any) -> np.ndarray:
    """``values`` (a sequence of real numbers, or an array of one dimension) as a float
    array; ``TypeError`` for anything else."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiu":
        if values.ndim != 1:
            raise ValueError(f"values must be one-dimensional; got shape {values.shape}")
        return np.array(values, dtype=np.float64)  # a copy: the caller may reuse its own
    values = as_values(values)
    if set(map(type, values)) - {float}:
        values = list(map(check_value, values))
    return np.array(values, dtype=np.float64)


def check_rows(X: Any, d: int) -> np.ndarray:
    """``X`` as a finite float array of shape ``(m, d)``."""
    X = np.asarray(X)
    if X.dtype.kind not in "iuf":
        raise TypeError(f"X must be an array of numbers; got dtype {X.dtype}")
    if X.ndim != 2 or X.shape[1] != d:
        raise ValueError(f"X must have shape (m, {d}): a row per configuration, a column "
                         f"per parameter of the space; got shape {X.shape}")
    X = X.astype(np.float64, copy=False)
    if not np.isfinite(X).all():
        i, j = np.argwhere(~np.isfinite(X))[0]
        raise ValueError(f"X must be finite; got X[{i}, {j}] = {X[i, j]}")
    return X
