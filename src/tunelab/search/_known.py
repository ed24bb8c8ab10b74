"""The values told so far, keyed by configuration, looked up a block at a time.

The evolutionary strategies give a child whose configuration already has a value that value
instead of handing it out again (DEAP's rule for unchanged offspring, widened to any
configuration told before). :class:`KnownValues` answers that question for a whole block of
children at once. In an unconditional space a configuration is its row of values
(:meth:`Decoder.values`: integers and category indices as floats), and two configurations
are equal exactly when their rows are equal bit for bit once ``-0.0`` is made ``+0.0``; the
rows live in an open-addressing hash table with linear probing, searched and filled by Numba
kernels (a Python dict of the rows' bytes did the same at three times the cost). A
conditional space keeps a dict keyed by :func:`config_key`.

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
from numba import njit

from tunelab.search._decoder import Decoder, config_key

_EMPTY = -1


def row_bits(V: np.ndarray) -> np.ndarray:
    """The bits of finite rows of values as ``uint64``, ``-0.0`` made ``+0.0``: equal rows
    of bits are equal configurations."""
    return np.ascontiguousarray(V + 0.0).view(np.uint64)


@njit(cache=True)
def _hash(bits, i):
    """SplitMix64's finalizer folded over row ``i`` of ``bits``."""
    h = np.uint64(0x9E3779B97F4A7C15)
    for j in range(bits.shape[1]):
        h ^= bits[i, j]
        h ^= h >> np.uint64(30)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(27)
        h *= np.uint64(0x94D049BB133111EB)
        h ^= h >> np.uint64(31)
    return h


@njit(cache=True)
def _probe(table, rows, bits, i):
    """The table cell of row ``i`` of ``bits``: where it is stored, or the empty cell where
    it would go."""
    mask = np.uint64(len(table) - 1)
    cell = _hash(bits, i) & mask
    d = bits.shape[1]
    while True:
        k = table[cell]
        if k == _EMPTY:
            return cell
        same = True
        for j in range(d):
            if rows[k, j] != bits[i, j]:
                same = False
                break
        if same:
            return cell
        cell = (cell + np.uint64(1)) & mask


@njit(cache=True)
def find_rows(table, rows, bits):
    """For each row of ``bits``, the index of the equal stored row, or -1."""
    out = np.empty(bits.shape[0], dtype=np.int64)
    for i in range(bits.shape[0]):
        out[i] = table[_probe(table, rows, bits, i)]
    return out


@njit(cache=True)
def store_rows(table, rows, values, n, bits, new_values):
    """Store each row of ``bits`` with its value (the later of equal rows wins), appending
    the rows not stored yet after the ``n`` first; returns the new count. ``rows`` must
    have room for them, and ``table`` must keep an empty cell."""
    for i in range(bits.shape[0]):
        cell = _probe(table, rows, bits, i)
        k = table[cell]
        if k == _EMPTY:
            rows[n] = bits[i]
            table[cell] = n
            k = n
            n += 1
        values[k] = new_values[i]
    return n


@njit(cache=True)
def first_equal(bits):
    """For each row of ``bits``, the index of the first row equal to it (itself if none
    comes before)."""
    n = bits.shape[0]
    size = 1
    while size < 2 * n:
        size *= 2
    table = np.full(size, _EMPTY, dtype=np.int64)
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        cell = _probe(table, bits, bits, i)
        if table[cell] == _EMPTY:
            table[cell] = i
        out[i] = table[cell]
    return out


@njit(cache=True)
def screen_rows(table, rows, bits, pending):
    """Screen a block of rows against the stored ones and the ``m`` rows ``pending``.

    Returns, for each row ``i`` of ``bits``, the index of the equal stored row (or -1), and
    for the rows with none, the first row equal to it in the concatenation of ``pending``
    and ``bits`` (``p < m`` for ``pending[p]``, ``m + i`` for ``bits[i]``: itself when
    none comes before); -1 for the others.
    """
    n, d = bits.shape
    m = pending.shape[0]
    stored = find_rows(table, rows, bits)
    lead = np.full(n, _EMPTY, dtype=np.int64)
    size = 1
    while size < 2 * (m + n):
        size *= 2
    mask = np.uint64(size - 1)
    local = np.full(size, _EMPTY, dtype=np.int64)  # ids: p for pending[p], m + i for bits[i]
    for i in range(m + n):
        if i >= m and stored[i - m] >= 0:
            continue
        src, r = (pending, i) if i < m else (bits, i - m)
        cell = _hash(src, r) & mask
        while True:
            k = local[cell]
            if k == _EMPTY:
                local[cell] = i
                break
            other, q = (pending, k) if k < m else (bits, k - m)
            same = True
            for j in range(d):
                if other[q, j] != src[r, j]:
                    same = False
                    break
            if same:
                break
            cell = (cell + np.uint64(1)) & mask
        if i >= m:
            lead[i - m] = local[cell]
    return stored, lead


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
        self._table = np.full(64, _EMPTY, dtype=np.int64)
        self._rows = np.empty((32, d), dtype=np.uint64)
        self._values = np.empty(32)
        self._n = 0
        self._waiting: dict[bytes, float] = {}  # rows' bytes -> value, filed one by one

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
        k = find_rows(self._table, self._rows, row_bits(V))
        found = k >= 0
        return found, np.where(found, self._values[k], np.nan)

    def screen(self, V: np.ndarray | None, configs: list[dict[str, Any]] | None,
               pending_V: np.ndarray | None,
               pending_configs: list[dict[str, Any]] | None,
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Screen a block against the known values and ``m`` pending configurations (handed
        out, untold).

        Returns
        -------
        found : ndarray of bool
            Whether each configuration of the block has a value.
        hits : ndarray
            The values of those that have one, in block order.
        lead : ndarray of int
            For the others, the first configuration equal to it among the pending ones
            followed by the block (``p < m``: pending ``p``; ``m + i``: block row ``i``,
            itself if none comes before); -1 for those found.
        """
        if self._dict is None:
            self._file_waiting()
            pending = (np.empty((0, V.shape[1]), dtype=np.uint64) if pending_V is None
                       else row_bits(pending_V))
            stored, lead = screen_rows(self._table, self._rows, row_bits(V), pending)
            found = stored >= 0
            return found, self._values[stored[found]], lead
        found, values = self.lookup(None, configs)
        keys = list(map(config_key, [*(pending_configs or []), *configs]))
        first = first_equal_keys(keys)
        m = len(keys) - len(configs)
        # a configuration equal to a known one is known: the unknown lead only unknown ones
        return found, values[found], np.where(found, _EMPTY, first[m:])

    def update(self, V: np.ndarray | None, configs: list[dict[str, Any]] | None,
               values: list[float] | np.ndarray) -> None:
        """File the values of a block (the later of equal configurations wins)."""
        if self._dict is not None:
            self._dict.update(zip(map(config_key, configs), values, strict=True))
            return
        bits = row_bits(V)
        if len(bits) <= 4:  # a few: they wait
            self._waiting.update(zip(map(bytes, bits), np.asarray(values, dtype=float).tolist(),
                                     strict=True))
            if len(self._waiting) < 1024:
                return
            bits, values = np.empty((0, bits.shape[1]), dtype=np.uint64), []
        self._file_waiting()
        self._store(bits, np.asarray(values, dtype=np.float64))

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
            bits = np.frombuffer(b"".join(waiting), dtype=np.uint64)
            self._store(bits.reshape(len(waiting), -1), np.array(list(waiting.values())))

    def _store(self, bits: np.ndarray, values: np.ndarray) -> None:
        need = self._n + len(bits)
        if need > len(self._rows):
            self._grow(need)
        self._n = store_rows(self._table, self._rows, self._values, self._n, bits, values)

    def _grow(self, need: int) -> None:
        capacity = len(self._rows)
        while capacity < need:
            capacity *= 2
        rows, values, n = self._rows, self._values, self._n
        self._table = np.full(2 * capacity, _EMPTY, dtype=np.int64)
        self._rows = np.empty((capacity, rows.shape[1]), dtype=np.uint64)
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
