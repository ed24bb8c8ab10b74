"""Counter-based random streams for the evolutionary strategies, drawn by Numba kernels.

The strategies draw each block of a generation from its own stream, indexed by integers ``(tag,
i, j)`` (a generation, a block), so that a run is a pure function of its seed and of the calls
made, whatever came before (replays, asks running ahead). A stream is the SFC64 generator
(Doty-Humphrey's small fast counting generator, NumPy's ``SFC64``) started at a state that
Philox-4x64-10 (Salmon et al. 2011), keyed by the seed, gives at the counter ``(0, tag, i,
j)``: distinct indices give independent 192-bit states. Both generators are written as Numba
kernels (:mod:`tunelab.search._philox_sfc64_jit`), so that opening a stream and drawing a block
cost one kernel call each instead of NumPy's state assignments; the tests check them word for
word against NumPy's ``Philox`` and ``SFC64``, and :meth:`Stream.random` against
``Generator.random``.

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

from tunelab.search._philox_sfc64_jit import philox, sfc64_normal, sfc64_random


class Stream:
    """One random stream: NumPy ``Generator``'s ``random`` and ``standard_normal`` over
    SFC64 from a given state (``random`` draws what ``Generator(SFC64).random`` draws;
    ``standard_normal`` is Box-Muller, not NumPy's ziggurat)."""

    def __init__(self, state: np.ndarray) -> None:
        self.state = state

    def random(self, size: int | tuple[int, ...] | None = None) -> np.ndarray | float:
        """Uniforms on ``[0, 1)`` of shape ``size`` (a float when ``None``)."""
        n = 1 if size is None else math.prod(size) if isinstance(size, tuple) else int(size)
        out = sfc64_random(self.state, n)
        return float(out[0]) if size is None else out.reshape(size)

    def standard_normal(self, size: int | tuple[int, ...] | None = None) -> np.ndarray | float:
        """Standard normal draws of shape ``size`` (a float when ``None``)."""
        n = 1 if size is None else math.prod(size) if isinstance(size, tuple) else int(size)
        out = sfc64_normal(self.state, n)
        return float(out[0]) if size is None else out.reshape(size)


class Streams:
    """Independent random streams, one per index ``(tag, i, j)`` of non-negative integers
    below :math:`2^{64}`, each a pure function of ``seed`` and its index: calling it opens a
    :class:`Stream` at SFC64's state ``(p_0, p_1, p_2, 1)``, where ``p`` is Philox-4x64-10
    keyed by ``SeedSequence(seed)`` at the counter ``(1, tag, i, j)`` (NumPy's ``Philox``
    at ``(0, tag, i, j)`` gives the same words first)."""

    def __init__(self, seed: int) -> None:
        self._key = np.random.SeedSequence(seed).generate_state(2, np.uint64)

    def __call__(self, tag: int, i: int, j: int) -> Stream:
        state = philox(self._key, np.array([1, tag, i, j], dtype=np.uint64))
        state[3] = 1
        return Stream(state)
