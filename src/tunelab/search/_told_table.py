"""The values told so far, keyed by configuration, looked up a block at a time.

The evolutionary strategies give a child whose configuration already has a value that value
instead of handing it out again (DEAP's rule for unchanged offspring, widened to any
configuration told before). :class:`KnownValues` answers that question for a whole block of
children at once. In an unconditional space a configuration is its row of values
(:meth:`Decoder.values`: integers and category indices as floats, all finite), and two
configurations are equal exactly when their rows are equal (``-0.0 == 0.0``, so both hash as
``+0.0``); the rows live in an open-addressing hash table with linear probing, searched and
filled by the Numba kernels of :mod:`tunelab.search._told_table_jit` (a Python dict of the
rows' bytes did the same at three times the cost). A conditional space keeps a dict keyed by
:func:`config_key`.

:func:`first_equal` finds, within a block, the first row equal to each row: the twins that
wait for one evaluation.

References
----------
.. [1] D. E. Knuth, *The Art of Computer Programming*, Vol. 3, 2nd ed., Sec. 6.4 (open
   addressing with linear probing).
.. [2] S. Vigna, "Further scramblings of Marsaglia's xorshift generators", J. Comput. Appl.
   Math. 315, 2017 (the SplitMix64 finalizer, used to mix a row's bits).
.. [3] F.-A. Fortin et al., "DEAP: evolutionary algorithms made easy", JMLR 13, 2012.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tunelab.search._decoder import Decoder, config_key
from tunelab.search._told_table_jit import (
    KNOWN,
    NEW,
    TWIN,
    find_rows,
    first_equal,
    screen_rows,
    store_rows,
    store_untold,
)

__all__ = ["KNOWN", "NEW", "TWIN", "KnownValues", "first_equal", "first_equal_keys",
           "store_untold"]


def first_equal_keys(keys: list) -> np.ndarray:
    """:func:`first_equal` of hashable keys: the index of the first equal key."""
    first: dict = {}
    return np.array([first.setdefault(key, i) for i, key in enumerate(keys)], dtype=np.int64)


class KnownValues:
    """The latest value told of each configuration of a space.

    Parameters
    ----------
    decoder : Decoder
        The space's decoder: its rows of values are the keys of an unconditional space.

    Notes
    -----
    Every method takes a block as ``V`` (rows of values, :meth:`Decoder.values`) and
    ``configs`` (the same configurations as dicts): an unconditional space reads ``V``, a
    conditional one (whose ``V`` is ``None``) ``configs``. The table holds at most half its
    cells, and doubles (rehashing its rows) before it would hold more. Values filed a few at
    a time (single tells) wait in a dict keyed by the rows' bytes and join the table in bulk
    before the next search or large filing, so that a tell costs no kernel call.
    """

    def __init__(self, decoder: Decoder) -> None:
        self.decoder = decoder
        self._dict: dict[tuple, float] | None = {} if decoder.conditional else None
        d = len(decoder.names)
        self._table = np.zeros((64, 2), dtype=np.uint64)  # (hash, index + 1) per cell
        self._rows = np.empty((32, d))
        self._values = np.empty(32)
        self._n = 0
        self._waiting: dict[bytes, float] = {}  # rows' bytes -> value, filed one by one
        self._none = np.empty((0, d))

    def __len__(self) -> int:
        self._file_waiting()
        return self._n if self._dict is None else len(self._dict)

    def lookup(self, V: np.ndarray | None,
               configs: list[dict[str, Any]] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Whether each configuration of the block has a value, and the values (``nan``
        where it has none; a failure's value may be ``nan`` too)."""
        if self._dict is not None:
            hits = list(map(self._dict.get, map(config_key, configs)))
            found = np.array([hit is not None for hit in hits], dtype=bool)
            return found, np.array([np.nan if hit is None else hit for hit in hits])
        self._file_waiting()
        k = find_rows(self._table, self._rows, np.ascontiguousarray(V))
        found = k >= 0
        return found, np.where(found, self._values[k], np.nan)

    def screen(self, V: np.ndarray | None, configs: list[dict[str, Any]] | None,
               pending_V: np.ndarray | None,
               pending_configs: list[dict[str, Any]] | None,
               ) -> tuple[np.ndarray, ...]:
        """Screen a block against the known values and ``m`` pending configurations (handed
        out, untold), as :func:`screen_rows` (see there for the five arrays returned), for a
        block of rows ``V`` or of dicts ``configs``."""
        if self._dict is None:
            self._file_waiting()
            return screen_rows(self._table, self._rows, self._values, np.ascontiguousarray(V),
                               self._none if pending_V is None else pending_V)
        found, values = self.lookup(None, configs)
        keys = list(map(config_key, [*(pending_configs or []), *configs]))
        m = len(keys) - len(configs)
        lead = first_equal_keys(keys)[m:]  # the unknown lead only unknown ones (equal keys)
        new = ~found & (lead == np.arange(m, len(keys)))
        twins = np.flatnonzero(~found & ~new)
        known = np.flatnonzero(found)
        return np.flatnonzero(new), known, values[known], twins, lead[twins]

    def update(self, V: np.ndarray | None, configs: list[dict[str, Any]] | None,
               values: list[float] | np.ndarray) -> None:
        """File the values of a block (the later of equal configurations wins)."""
        if self._dict is not None:
            self._dict.update(zip(map(config_key, configs), values, strict=True))
            return
        if self._waiting:
            self._file_waiting()
        self._store(V, np.asarray(values, dtype=np.float64))  # V: rows of Decoder.values

    def file(self, row: np.ndarray, value: float) -> None:
        """File the value of one configuration of an unconditional space, given its row of
        values: it waits with the others filed one by one."""
        self._waiting[(row + 0.0).tobytes()] = float(value)
        if len(self._waiting) >= 1024:
            self._file_waiting()

    def _file_waiting(self) -> None:
        """Store the values waiting in the dict (before anything filed after them)."""
        if self._waiting:
            waiting, self._waiting = self._waiting, {}
            V = np.frombuffer(b"".join(waiting), dtype=np.float64).reshape(len(waiting), -1)
            self._store(V, np.array(list(waiting.values())))

    def _store(self, V: np.ndarray, values: np.ndarray) -> None:
        need = self._n + len(V)
        if need > len(self._rows):
            self._grow(need)
        self._n = store_rows(self._table, self._rows, self._values, self._n, V, values)

    def _grow(self, need: int) -> None:
        capacity = len(self._rows)
        while capacity < need:
            capacity *= 2
        rows, values, n = self._rows, self._values, self._n
        self._table = np.zeros((2 * capacity, 2), dtype=np.uint64)
        self._rows = np.empty((capacity, rows.shape[1]))
        self._values = np.empty(capacity)
        self._n = store_rows(self._table, self._rows, self._values, 0, rows[:n], values[:n])

    def get(self, config: dict[str, Any]) -> float | None:
        """The value of one validated configuration, or ``None``."""
        found, values = self.lookup(*self._block(config))
        return float(values[0]) if found[0] else None

    def __setitem__(self, config: dict[str, Any], value: float) -> None:
        self.update(*self._block(config), [value])

    def _block(self, config: dict[str, Any]) -> tuple[np.ndarray | None, list]:
        return (None if self._dict is not None else self.decoder.rows([config])), [config]
