"""A generation's proposals: decoded a block at a time, handed out, recognized when told.

Shared by the evolutionary strategies, which draw a whole generation of unit-cube points at
once. :class:`Decoder` turns a block of points into configurations in one vectorized pass
(the values of :meth:`Space.from_unit`, which decodes a column at a time). :class:`Proposals`
hands out copies of them and, when one comes back to ``tell``, finds its slot without
validating it again:

- the very dict handed out, with the same keys and the same value objects in the same order
  (identity, not equality: ``True == 1`` yet ``True`` is no integer): a dict lookup;
- an equal configuration (same names in order, equal values of the same types), as a study
  passes back, or equal configurations handed out twice ("twins"): a lookup by
  :func:`config_key`, which takes the first untold of equal slots, so that the slot a value
  lands in depends only on the configurations told, as when a stored run is replayed.

Anything else is validated by ``tell`` as usual.

References
----------
.. [1] T. Head et al., scikit-optimize, ``skopt.Optimizer``: ``tell`` validates what it did
   not propose.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from itertools import repeat
from operator import is_
from typing import Any

import numpy as np

from tunelab.search import _jit
from tunelab.space import Categorical, Integer, Real, Space


def config_key(config: Mapping[str, Any]) -> tuple:
    """Hashable identity of a validated configuration: its names in order, its values, and
    their types (so that ``True`` and ``1`` stay apart)."""
    values = tuple(config.values())
    return tuple(config), values, tuple(map(type, values))


def duplicated_rows_numpy(V: np.ndarray) -> np.ndarray:
    """Flag the rows of a finite ``V`` equal to another row, and possibly a few more: the
    NumPy twin of :func:`tunelab.search._jit.duplicated_rows` (equal rows share a weighted
    sum)."""
    n, d = V.shape
    h = (V * (np.sqrt(np.arange(2.0, d + 2.0)) * (0.5 / (d * np.sqrt(d + 1.0))))).sum(axis=1)
    flag = np.zeros(n, dtype=bool)
    order = np.argsort(h, kind="stable")
    hs = h[order]
    same = hs[1:] == hs[:-1]
    flag[order[1:][same]] = True
    flag[order[:-1][same]] = True
    return flag


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
        dims = list(space.values())
        self.conditional = bool(space.conditions)
        self.real = np.array([j for j, dim in enumerate(dims) if isinstance(dim, Real)], int)
        self.integer = np.array([j for j, dim in enumerate(dims) if isinstance(dim, Integer)],
                                int)
        self.categorical = [(j, dim.choices) for j, dim in enumerate(dims)
                            if isinstance(dim, Categorical)]
        self._numeric = {key: self._affine([dims[j] for j in idx])
                         for key, idx in (("real", self.real), ("integer", self.integer))}

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
        if log.any():
            return unit_to_real_numpy(U, a, width, low, high, log)
        return _jit.unit_to_real(U, a, width, low, high)

    def _integers(self, U: np.ndarray) -> np.ndarray:
        a, width, low, high, log = self._numeric["integer"]
        K = low + np.floor(U * (high - low + 1.0))  # exact for bin centres
        if log.any():
            K[:, log] = np.floor(np.exp(a[log] + U[:, log] * width[log]) + 0.5)
        return np.clip(K, low, high)

    def __call__(self, U: np.ndarray) -> tuple[list[dict[str, Any]], np.ndarray | None]:
        if self.conditional or not np.isfinite(U).all():  # the space decodes (or rejects)
            return self.space.from_unit(U), None
        if len(self.real) == U.shape[1]:
            V = self._reals(U)  # u <= 0 gives low, u >= 1 high: clipped
            rows = V.tolist()
        else:
            U = np.clip(U, 0.0, 1.0)
            V = np.empty_like(U)
            columns: list[Any] = [None] * U.shape[1]
            if len(self.real):
                V[:, self.real] = self._reals(U[:, self.real])
                for j, column in zip(self.real, V[:, self.real].T.tolist(), strict=True):
                    columns[j] = column
            if len(self.integer):
                V[:, self.integer] = self._integers(U[:, self.integer])
                K = V[:, self.integer].astype(np.int64)
                for j, column in zip(self.integer, K.T.tolist(), strict=True):
                    columns[j] = column
            for j, choices in self.categorical:
                i = np.minimum(np.floor(U[:, j] * len(choices)), len(choices) - 1)
                V[:, j] = i
                columns[j] = [choices[k] for k in i.astype(np.int64).tolist()]
            rows = zip(*columns, strict=True)
        return list(map(dict, map(zip, repeat(self.names), rows))), V


class Proposals:
    """One generation's proposals in ask order: genomes, configurations and told values.

    Parameters
    ----------
    decoder : Decoder
        Decodes the unit points of each block of genomes.
    d : int
        Genes per genome.

    Attributes
    ----------
    genomes : ndarray of shape (n, d)
        The genomes drawn so far (in the strategy's own coordinates).
    configs : list of dict
        Their configurations, kept here; :meth:`hand_out` returns copies.
    values, told : list
        The value told for each slot (``nan`` until then), and whether it was.
    cursor, n_told : int
        Slots handed out, and told.
    """

    def __init__(self, decoder: Decoder, d: int) -> None:
        self.decoder = decoder
        self.genomes = np.empty((0, d))
        self.configs: list[dict[str, Any]] = []
        self.values: list[float] = []
        self.told: list[bool] = []
        self.cursor = 0
        self.n_told = 0
        self._V = np.empty((0, d))
        self._twins: dict[int, list[int]] = {}  # slot -> the slots equal to it, itself included
        self._names = None if decoder.conditional else list(decoder.names)
        self._recalled: tuple[dict[str, Any] | None, int] = (None, -1)  # recall's last answer
        self._copies: list[dict[str, Any]] = []  # handed out, kept alive: ids stay theirs
        self._handed: dict[int, int] = {}  # id of a copy not told back yet -> its slot
        self._index: dict[tuple, list[int]] = {}  # config_key -> slots handed out
        self._indexed = 0

    def extend(self, genomes: np.ndarray, unit: np.ndarray | None = None) -> None:
        """Append a block of genomes; ``unit`` are their unit points (default: themselves)."""
        configs, V = self.decoder(genomes if unit is None else unit)
        start = len(self.configs)
        self.genomes = np.vstack([self.genomes, genomes]) if start else genomes
        self.configs.extend(configs)
        self.values.extend([math.nan] * len(configs))
        self.told.extend([False] * len(configs))
        if V is None:  # equal configurations are found by their keys
            slots = range(len(self.configs))
            keys = map(config_key, self.configs)
        else:  # equal rows of V are equal configurations
            self._V = np.vstack([self._V, V]) if start else V
            slots = np.flatnonzero(_jit.duplicated_rows(self._V)).tolist()
            keys = map(tuple, self._V[slots].tolist())
        groups: dict[tuple, list[int]] = {}
        self._twins = {}
        for slot, key in zip(slots, keys, strict=True):
            self._twins[slot] = group = groups.setdefault(key, [])
            group.append(slot)

    def hand_out(self, n: int, refill: Callable[[], None]) -> list[dict[str, Any]]:
        """Copies of the next ``n`` configurations; ``refill()`` extends the stream when it
        runs dry."""
        copies: list[dict[str, Any]] = []
        while len(copies) < n:
            if self.cursor == len(self.configs):
                refill()
            start = self.cursor
            self.cursor = min(len(self.configs), start + n - len(copies))
            block = list(map(dict.copy, self.configs[start:self.cursor]))
            self._handed.update(zip(map(id, block), range(start, self.cursor), strict=True))
            self._copies += block
            copies += block
        return copies

    def recall(self, config: Any) -> dict[str, Any] | None:
        """The kept configuration of the slot ``config``'s value goes to (see
        :meth:`record`) when ``config`` is a handed-out copy, unchanged, or a dict equal to
        an untold one; else ``None``."""
        slot = self._handed.pop(id(config), -1)
        if slot >= 0:
            own = self.configs[slot]
            if not (list(config) == (self._names or list(own)) and all(
                    map(is_, config.values(), own.values()))):  # changed: not the same objects
                slot = -1
            elif self.told[slot] or slot in self._twins:
                slot = self._first_untold(self._twins.get(slot, ()))
        elif type(config) is dict:
            try:
                slot = self.find(config_key(config))
            except TypeError:  # an unhashable value: not one of ours
                pass
        own = self.configs[slot] if slot >= 0 else None
        self._recalled = own, slot
        return own

    def find(self, key: tuple) -> int:
        """The first untold slot handed out with configuration ``key``, or -1."""
        for slot in range(self._indexed, self.cursor):
            self._index.setdefault(config_key(self.configs[slot]), []).append(slot)
        self._indexed = self.cursor
        return self._first_untold(self._index.get(key, ()))

    def _first_untold(self, slots: Iterable[int]) -> int:
        return next((s for s in slots if s < self.cursor and not self.told[s]), -1)

    def record(self, config: dict[str, Any], value: float) -> bool:
        """Store the value of a validated configuration in its slot: its own, for one the
        last :meth:`recall` returned, else the first untold slot handed out with an equal
        configuration; ``False`` when there is none."""
        own, slot = self._recalled
        if own is not config:
            slot = self.find(config_key(config))
            if slot < 0:
                return False
        self.values[slot] = value
        self.told[slot] = True
        self.n_told += 1
        return True

    def retire(self, stale: dict[tuple, deque]) -> None:
        """File the genomes handed out and not told under their configurations' keys."""
        for slot in range(self.cursor if self.n_told < self.cursor else 0):
            if not self.told[slot]:
                stale.setdefault(config_key(self.configs[slot]), deque()).append(
                    self.genomes[slot])


def pop_stale(stale: dict[tuple, deque], config: dict[str, Any]) -> np.ndarray | None:
    """The oldest genome filed under ``config``'s key (see :meth:`Proposals.retire`), or
    ``None``."""
    key = config_key(config)
    genomes = stale.get(key)
    if not genomes:
        return None
    genome = genomes.popleft()
    if not genomes:
        del stale[key]
    return genome
