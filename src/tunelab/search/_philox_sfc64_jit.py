"""Numba kernels of the random streams (:mod:`tunelab.search._philox_sfc64`): Philox-4x64-10
([1]_), SFC64 ([2]_) and Box-Muller normals ([3]_), word for word NumPy's ``Philox`` and
``SFC64`` (the tests hold them equal, and :func:`_mulhilo` equal to Python's integers).

References
----------
.. [1] J. K. Salmon, M. A. Moraes, R. O. Dror and D. E. Shaw, "Parallel random numbers: as
   easy as 1, 2, 3", SC 2011 (Philox-4x64-10).
.. [2] C. Doty-Humphrey, PractRand, "sfc64".
.. [3] G. E. P. Box and M. E. Muller, "A note on the generation of random normal deviates",
   Ann. Math. Statist. 29(2), 1958.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

_M0, _M1 = np.uint64(0xD2E7470EE14C6C93), np.uint64(0xCA5A826395121157)
_W0, _W1 = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBB67AE8584CAA73B)
_LOW32 = np.uint64(0xFFFFFFFF)


@njit(cache=True)
def _mulhilo(a, b):
    """The high and low words of the 128-bit product of two 64-bit words."""
    a_lo, a_hi = a & _LOW32, a >> np.uint64(32)
    b_lo, b_hi = b & _LOW32, b >> np.uint64(32)
    p0, p1, p2 = a_lo * b_lo, a_lo * b_hi, a_hi * b_lo
    mid = (p0 >> np.uint64(32)) + (p1 & _LOW32) + (p2 & _LOW32)
    hi = a_hi * b_hi + (p1 >> np.uint64(32)) + (p2 >> np.uint64(32)) + (mid >> np.uint64(32))
    return hi, a * b


@njit(cache=True)
def philox(key, counter):
    """Philox-4x64-10 of the 4-word ``counter`` under the 2-word ``key``: four words."""
    c0, c1, c2, c3 = counter[0], counter[1], counter[2], counter[3]
    k0, k1 = key[0], key[1]
    for r in range(10):
        if r:
            k0 += _W0
            k1 += _W1
        hi0, lo0 = _mulhilo(_M0, c0)
        hi1, lo1 = _mulhilo(_M1, c2)
        c0, c1, c2, c3 = hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0
    return np.array([c0, c1, c2, c3], dtype=np.uint64)


@njit(cache=True)
def sfc64_words(state, n):
    """The next ``n`` words of SFC64 from ``state`` (``a, b, c, counter``, advanced)."""
    a, b, c, w = state[0], state[1], state[2], state[3]
    out = np.empty(n, dtype=np.uint64)
    for k in range(n):
        tmp = a + b + w
        w += np.uint64(1)
        a = b ^ (b >> np.uint64(11))
        b = c + (c << np.uint64(3))
        c = ((c << np.uint64(24)) | (c >> np.uint64(40))) + tmp
        out[k] = tmp
    state[0], state[1], state[2], state[3] = a, b, c, w
    return out


@njit(cache=True)
def sfc64_random(state, n):
    """``n`` uniforms on ``[0, 1)`` from SFC64 (``state`` advanced), as NumPy's
    ``Generator.random``: the top 53 bits of each word over :math:`2^{53}`."""
    words = sfc64_words(state, n)
    out = np.empty(n)
    for k in range(n):
        out[k] = (words[k] >> np.uint64(11)) * (1.0 / 9007199254740992.0)
    return out


@njit(cache=True)
def sfc64_normal(state, n):
    """``n`` standard normal draws from SFC64 (``state`` advanced), by Box and Muller:
    :math:`\\sqrt{-2 \\ln u_1}\\,(\\cos 2\\pi u_2, \\sin 2\\pi u_2)` for each pair of
    uniforms, :math:`u_1 \\in (0, 1]`."""
    u = sfc64_random(state, 2 * ((n + 1) // 2))
    out = np.empty(n)
    for k in range(0, n, 2):
        radius = math.sqrt(-2.0 * math.log(1.0 - u[k]))
        angle = 2.0 * math.pi * u[k + 1]
        out[k] = radius * math.cos(angle)
        if k + 1 < n:
            out[k + 1] = radius * math.sin(angle)
    return out


@njit(cache=True)
def offspring_draws(state, n_uniform, n_gates, rate, kinds, gaussian):
    """The draws of :func:`tunelab.search._ga_operators.draw` from SFC64 (``state``
    advanced): ``n_uniform + 2 n_gates`` uniforms, of which ``n_uniform .. n_uniform +
    n_gates`` gate the genes' mutation (row-major over ``len(kinds)`` genes), then, with
    ``gaussian``, a normal per gate below ``rate`` on a gene that is not categorical
    (kind 2)."""
    draws = sfc64_random(state, n_uniform + 2 * n_gates)
    if not gaussian:
        return draws, np.zeros(0)
    d, k = len(kinds), 0
    for g in range(n_gates):
        if draws[n_uniform + g] < rate and kinds[g % d] != 2:
            k += 1
    return draws, sfc64_normal(state, k)
