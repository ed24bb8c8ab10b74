"""Numba kernels of the table of told configurations (:mod:`tunelab.search._told_table`).

An open-addressing hash table with linear probing over rows of values ([1]_), each row
hashed by a multiply-xorshift step per word and SplitMix64's finalizer ([2]_), ``-0.0``
as ``+0.0``. The tests hold :func:`find_rows`, :func:`store_rows`, :func:`first_equal` and
:func:`screen_rows` equal to a Python dict of the rows (their NumPy-free twin).

References
----------
.. [1] D. E. Knuth, *The Art of Computer Programming*, Vol. 3, 2nd ed., Sec. 6.4 (open
   addressing with linear probing).
.. [2] S. Vigna, "Further scramblings of Marsaglia's xorshift generators", J. Comput. Appl.
   Math. 315, 2017 (the SplitMix64 finalizer, used to mix a row's bits).
"""

from __future__ import annotations

import numpy as np
from numba import njit

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
