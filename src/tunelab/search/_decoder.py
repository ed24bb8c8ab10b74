"""Decoding a block of unit-cube points into configurations in one vectorized pass.

:class:`Decoder` gives the values of :meth:`Space.from_unit` (which decodes a column at a
time) for a whole block at once, with an array of the values whose equal rows are the equal
configurations (:meth:`Decoder.values` computes the array alone, :meth:`Decoder.configs` the
dicts of chosen rows, :meth:`Decoder.rows` the array of given dicts). :func:`config_key` is
the identity of any validated configuration.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import repeat
from typing import Any

import numpy as np

from tunelab.search import _jit
from tunelab.space import Categorical, Integer, Real, Space


def config_key(config: Mapping[str, Any]) -> tuple:
    """Hashable identity of a validated configuration: its names in order, its values, and
    their types (so that ``True`` and ``1`` stay apart)."""
    values = tuple(config.values())
    return tuple(config), values, tuple(map(type, values))


def unit_to_real_numpy(U: np.ndarray, a: np.ndarray, width: np.ndarray, low: np.ndarray,
                       high: np.ndarray, log: np.ndarray) -> np.ndarray:
    """Values of real parameters at unit points (``Real.from_unit`` over columns), columns
    ``log`` on a log scale: the NumPy twin of :func:`tunelab.search._jit.unit_to_real`."""
    T = a + U * width
    if log.any():
        T[:, log] = np.exp(T[:, log])
    return np.where(U <= 0.0, low, np.where(U >= 1.0, high, np.clip(T, low, high)))


class Decoder:
    """``space.from_unit`` of a block of points, each kind of dimension decoded at once.

    Calling it on ``U`` of shape ``(n, d)`` returns the ``n`` configurations and their values
    as an ``(n, d)`` array (integer values and category indices as floats), whose equal rows
    are the equal configurations. A conditional space, or non-finite points, go to
    ``space.from_unit`` (which rejects the latter), and the array is ``None``. The maps are
    those of :mod:`tunelab.space` (``_dimensions``), written over columns; the tests check
    that the configurations equal ``space.from_unit``'s, value for value and type for type.
    """

    def __init__(self, space: Space) -> None:
        self.space = space
        self.names = tuple(space)
        self.dims = dims = list(space.values())
        self.conditional = bool(space.conditions)
        self.real = np.array([j for j, dim in enumerate(dims) if isinstance(dim, Real)], int)
        self.integer = np.array([j for j, dim in enumerate(dims) if isinstance(dim, Integer)],
                                int)
        self.categorical = [(j, dim.choices) for j, dim in enumerate(dims)
                            if isinstance(dim, Categorical)]
        self._numeric = {key: self._affine([dims[j] for j in idx])
                         for key, idx in (("real", self.real), ("integer", self.integer))}
        self._log_reals = bool(self._numeric["real"][4].any())
        self._all_real = len(self.real) == len(dims)

    @staticmethod
    def _affine(dims: list) -> tuple[np.ndarray, ...]:
        """Per column: ``a`` and the width of the (log) interval, bounds, log flags."""
        pad = [0.5 if isinstance(dim, Integer) else 0.0 for dim in dims]
        a = np.array([float(np.log(d.low - p) if d.log else float(d.low - p))
                      for d, p in zip(dims, pad, strict=True)])
        b = np.array([float(np.log(d.high + p) if d.log else float(d.high + p))
                      for d, p in zip(dims, pad, strict=True)])
        low = np.array([float(d.low) for d in dims])
        high = np.array([float(d.high) for d in dims])
        log = np.array([d.log for d in dims], dtype=bool)
        return a, b - a, low, high, log

    def _reals(self, U: np.ndarray) -> np.ndarray:
        a, width, low, high, log = self._numeric["real"]
        if self._log_reals:
            return unit_to_real_numpy(U, a, width, low, high, log)
        return _jit.unit_to_real(U, a, width, low, high)

    def _integers(self, U: np.ndarray) -> np.ndarray:
        a, width, low, high, log = self._numeric["integer"]
        K = low + np.floor(U * (high - low + 1.0))  # exact for bin centres
        if log.any():
            K[:, log] = np.floor(np.exp(a[log] + U[:, log] * width[log]) + 0.5)
        return np.clip(K, low, high)

    def values(self, U: np.ndarray) -> np.ndarray | None:
        """The ``(n, d)`` array of values at the points ``U``, or ``None`` when the space
        decodes them itself (a conditional space, or non-finite points)."""
        if self.conditional or not np.isfinite(U).all():
            return None
        if self._all_real:
            return self._reals(U)  # u <= 0 gives low, u >= 1 high: clipped
        U = np.clip(U, 0.0, 1.0)
        V = np.empty_like(U)
        if len(self.real):
            V[:, self.real] = self._reals(U[:, self.real])
        if len(self.integer):
            V[:, self.integer] = self._integers(U[:, self.integer])
        for j, choices in self.categorical:
            V[:, j] = np.minimum(np.floor(U[:, j] * len(choices)), len(choices) - 1)
        return V

    def configs(self, V: np.ndarray) -> list[dict[str, Any]]:
        """The configurations whose values are the rows of ``V`` (as :meth:`values` gives)."""
        if len(self.real) == V.shape[1]:
            rows: Any = V.tolist()
        else:
            columns: list[Any] = [None] * V.shape[1]
            for j, column in zip(self.real, V[:, self.real].T.tolist(), strict=True):
                columns[j] = column
            K = V[:, self.integer].astype(np.int64)
            for j, column in zip(self.integer, K.T.tolist(), strict=True):
                columns[j] = column
            for j, choices in self.categorical:
                columns[j] = [choices[k] for k in V[:, j].astype(np.int64).tolist()]
            rows = zip(*columns, strict=True)
        return list(map(dict, map(zip, repeat(self.names), rows)))

    def rows(self, configs: list[dict[str, Any]]) -> np.ndarray:
        """The ``(n, d)`` array of values of validated configurations of an unconditional
        space, as :meth:`values` gives: the inverse of :meth:`configs`."""
        X = np.empty((len(configs), len(self.names)))
        for j, (name, dim) in enumerate(zip(self.names, self.dims, strict=True)):
            column = [config[name] for config in configs]
            X[:, j] = list(map(dim.index, column)) if isinstance(dim, Categorical) else column
        return X

    def checked_configs(self, X: np.ndarray) -> list[dict[str, Any]]:
        """:meth:`configs` of finite rows from outside: ``ValueError``, naming the row and
        the parameter, for an integer outside its bounds or not whole, or a category index
        that is no index of a choice. Real values are left to ``space.validate``."""
        for j in [*self.integer, *(j for j, _ in self.categorical)]:
            dim, column = self.dims[j], X[:, j]
            low, high = (dim.low, dim.high) if isinstance(dim, Integer) else (
                0, len(dim.choices) - 1)
            bad = np.flatnonzero((column != np.floor(column)) | (column < low) | (column > high))
            if bad.size:
                what = "an integer" if isinstance(dim, Integer) else "a category index"
                raise ValueError(
                    f"X[{bad[0]}, {j}] (parameter {self.names[j]!r}) must be {what} in "
                    f"[{low}, {high}]; got {column[bad[0]].item()!r}")
        return self.configs(X)

    def __call__(self, U: np.ndarray) -> tuple[list[dict[str, Any]], np.ndarray | None]:
        V = self.values(U)
        if V is None:  # the space decodes (or rejects non-finite points)
            return self.space.from_unit(U), None
        return self.configs(V), V
