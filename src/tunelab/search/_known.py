"""The values told so far, keyed by configuration, looked up a block at a time.

The evolutionary strategies give a child whose configuration already has a value that value
instead of handing it out again (DEAP's rule for unchanged offspring, widened to any
configuration told before). :class:`KnownValues` answers that question for a whole block of
children at once. In an unconditional space a configuration is its row of values
(:meth:`Decoder.values`: integers and category indices as floats, all finite), and two
configurations are equal exactly when their rows are equal (``-0.0 == 0.0``, so both hash as
``+0.0``); the rows live in an open-addressing hash table with linear probing, searched and
filled by Numba kernels (a Python dict of the rows' bytes did the same at three times the
cost). A conditional space keeps a dict keyed by :func:`config_key`.

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
KNOWN, NEW, TWIN = 0, 1, 2  # screen_rows's verdicts


@njit(cache=True)
def _hash(V, bits, i):
    """A hash of the bits of row ``i`` of ``V`` (``bits`` is ``V`` viewed as ``uint64``),
    ``-0.0`` hashed as ``+0.0``: a multiply-xorshift step per word, then SplitMix64's
    finalizer."""
    h = np.uint64(0x9E3779B97F4A7C15)
    for j in range(V.shape[1]):
        h ^= bits[i, j] if V[i, j] != 0.0 else np.uint64(0)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(29)
    h ^= h >> np.uint64(30)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(27)
    h *= np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


@njit(cache=True)
def _same(A, i, B, k):
    """Whether row ``i`` of ``A`` equals row ``k`` of ``B``."""
    for j in range(A.shape[1]):
        if A[i, j] != B[k, j]:
            return False
    return True


@njit(cache=True)
def _probe(table, rows, V, bits, i):
    """The table cell of row ``i`` of ``V``: where it is stored, or the empty cell where it
    would go."""
    mask = np.uint64(len(table) - 1)
    cell = _hash(V, bits, i) & mask
    while table[cell] != _EMPTY and not _same(V, i, rows, table[cell]):
        cell = (cell + np.uint64(1)) & mask
    return cell


@njit(cache=True)
def _probe_stored(table, rows, V, bits, i):
    """The cell of row ``i`` of ``V`` in the table of stored rows, and its hash. Each cell
    holds a row's hash and its index plus one (0: empty), so that a probe reads a stored
    row only when the hashes agree: one cache line per cell visited."""
    mask = np.uint64(table.shape[0] - 1)
    h = _hash(V, bits, i)
    cell = h & mask
    while table[cell, 1] != 0 and not (
            table[cell, 0] == h and _same(V, i, rows, np.int64(table[cell, 1]) - 1)):
        cell = (cell + np.uint64(1)) & mask
    return cell, h


@njit(cache=True)
def find_rows(table, rows, V):
    """For each row of ``V`` (C-contiguous), the index of the equal stored row, or -1."""
    bits = V.view(np.uint64)
    out = np.empty(V.shape[0], dtype=np.int64)
    for i in range(V.shape[0]):
        cell, _ = _probe_stored(table, rows, V, bits, i)
        out[i] = np.int64(table[cell, 1]) - 1
    return out


@njit(cache=True)
def store_rows(table, rows, values, n, V, new_values):
    """Store each row of ``V`` (C-contiguous) with its value (the later of equal rows wins),
    appending the rows not stored yet after the ``n`` first; returns the new count.
    ``rows`` must have room for them, and ``table`` must keep an empty cell."""
    bits = V.view(np.uint64)
    for i in range(V.shape[0]):
        cell, h = _probe_stored(table, rows, V, bits, i)
        if table[cell, 1] == 0:
            rows[n] = V[i]
            table[cell, 0] = h
            table[cell, 1] = n + 1
            n += 1
        values[np.int64(table[cell, 1]) - 1] = new_values[i]
    return n


@njit(cache=True)
def first_equal(V):
    """For each row of ``V`` (C-contiguous), the index of the first row equal to it (itself
    if none comes before)."""
    n = V.shape[0]
    size = 1
    while size < 2 * n:
        size *= 2
    table = np.full(size, _EMPTY, dtype=np.int64)
    bits = V.view(np.uint64)
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        cell = _probe(table, V, V, bits, i)
        if table[cell] == _EMPTY:
            table[cell] = i
        out[i] = table[cell]
    return out


@njit(cache=True)
def screen_rows(table, rows, values, V, pending):
    """Screen a block of rows ``V`` against the stored rows and the ``m`` rows ``pending``
    (both C-contiguous).

    Each row ``i`` of ``V`` is ``KNOWN`` (an equal row is stored), ``NEW`` (no equal row is
    stored, pending or earlier in the block) or a ``TWIN`` (else). Returns the indices of
    the new rows, of the known rows and their stored values, of the twins and the rows they
    wait for, as indices in the concatenation of ``pending`` and ``V`` (``p < m`` for
    ``pending[p]``, ``m + k`` for ``V[k]``); each in block order.
    """
    n, m = V.shape[0], pending.shape[0]
    bits, pending_bits = V.view(np.uint64), pending.view(np.uint64)
    verdict = np.empty(n, dtype=np.int8)
    hits = np.empty(n)
    lead = np.full(n, _EMPTY, dtype=np.int64)
    size = 1
    while size < 2 * (m + n):
        size *= 2
    mask = np.uint64(size - 1)
    local = np.full(size, _EMPTY, dtype=np.int64)  # ids: p for pending[p], m + k for V[k]
    for p in range(m):
        cell = _probe(local, pending, pending, pending_bits, p)
        if local[cell] == _EMPTY:
            local[cell] = p
    for i in range(n):
        cell, h = _probe_stored(table, rows, V, bits, i)
        k = np.int64(table[cell, 1]) - 1
        if k != _EMPTY:
            verdict[i], hits[i] = KNOWN, values[k]
            continue
        cell = h & mask
        while True:
            q = local[cell]
            if q == _EMPTY:
                local[cell] = m + i
                verdict[i] = NEW
                break
            if _same(V, i, pending, q) if q < m else _same(V, i, V, q - m):
                verdict[i], lead[i] = TWIN, q
                break
            cell = (cell + np.uint64(1)) & mask
    new = np.flatnonzero(verdict == NEW)
    known = np.flatnonzero(verdict == KNOWN)
    twins = np.flatnonzero(verdict == TWIN)
    return new, known, hits[known], twins, lead[twins]


@njit(cache=True)
def store_untold(values, told, slots, new_values):
    """Store ``new_values`` in ``slots`` and mark them told, if none of them is told yet;
    returns whether it did (else nothing changed)."""
    for s in slots:
        if told[s]:
            return False
    for k in range(len(slots)):
        values[slots[k]] = new_values[k]
        told[slots[k]] = True
    return True


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
