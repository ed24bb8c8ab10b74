"""Numba kernels of the genetic operators, applied to whole populations at once.

Plain array-in, array-out functions compiled with ``@njit(cache=True)``: no validation, no
classes and no random numbers (the caller passes the uniform or normal draws), but for
:func:`offspring_of_stream`, which draws them itself from a stream's state with the kernels of
:mod:`tunelab.search._philox_sfc64_jit`. A genome is a
row of the unit cube; ``kinds[j]`` says what gene ``j`` is (``0`` real, ``1`` integer, ``2``
categorical) and ``n_choices[j]`` how many categories a categorical gene has. Categorical
genes hold the centre ``(i + 1/2) / n`` of their category's bin. Their NumPy twins, the
readable specifications that the tests compare them with, live in
:mod:`tunelab.search._ga_operators`.

References
----------
.. [1] K. Deb and R. B. Agrawal, "Simulated binary crossover for continuous search space",
   Complex Systems 9(2), 1995 (SBX).
.. [2] K. Deb and M. Goyal, "A combined genetic adaptive search (GeneAS) for engineering
   design", Computer Science and Informatics 26(4), 1996 (polynomial mutation).
.. [3] L. J. Eshelman and J. D. Schaffer, "Real-coded genetic algorithms and
   interval-schemata", Foundations of Genetic Algorithms 2, 1993 (BLX-alpha).
.. [4] D. E. Goldberg and K. Deb, "A comparative analysis of selection schemes used in genetic
   algorithms", Foundations of Genetic Algorithms 1, 1991 (tournament and linear ranking).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from tunelab.search._philox_sfc64_jit import offspring_draws

__all__ = [
    "blend_crossover",
    "gaussian_mutation",
    "offspring",
    "offspring_of_stream",
    "polynomial_mutation",
    "rank_select",
    "sbx_crossover",
    "split_draws",
    "survivors",
    "tournament_select",
    "unit_to_real",
]

REAL, INTEGER, CATEGORICAL = 0, 1, 2
TOURNAMENT, RANK = 0, 1  # codes[0]
SBX, BLEND = 0, 1  # codes[1]
POLYNOMIAL, GAUSSIAN = 0, 1  # codes[2]


@njit(cache=True)
def _reflect(x):
    """Fold ``x`` into ``[0, 1]`` by mirroring at the bounds (period 2)."""
    t = x - 2.0 * math.floor(x / 2.0)
    return t if t <= 1.0 else 2.0 - t


@njit(cache=True)
def tournament_select(ranks, candidates):
    """Winner of each tournament: the candidate of lowest rank (Goldberg & Deb 1991, Sec. 5).

    ``ranks[i]`` is individual ``i``'s rank (0 best, distinct); row ``k`` of ``candidates``
    holds the (pre-drawn) contestants of tournament ``k``.
    """
    n, t = candidates.shape
    winners = np.empty(n, dtype=np.int64)
    for k in range(n):
        best = candidates[k, 0]
        for j in range(1, t):
            c = candidates[k, j]
            if ranks[c] < ranks[best]:
                best = c
        winners[k] = best
    return winners


@njit(cache=True)
def rank_select(order, uniforms):
    """Linear ranking: rank ``r`` of ``N`` is drawn with probability ``2 (N - r) / (N (N + 1))``.

    ``order[r]`` is the individual of rank ``r``; the draw inverts the cumulative
    distribution :math:`F(r) = (r + 1)(2N - r) / (N (N + 1))`, exact in integers.
    """
    n = order.shape[0]
    total = n * (n + 1) / 2.0
    out = np.empty(uniforms.shape[0], dtype=np.int64)
    for k in range(uniforms.shape[0]):
        target = uniforms[k] * total
        lo, hi = 0, n - 1
        while lo < hi:  # the smallest r with F(r) * total > target
            mid = (lo + hi) // 2
            if (mid + 1) * (2 * n - mid) / 2.0 > target:
                hi = mid
            else:
                lo = mid + 1
        out[k] = order[lo]
    return out


@njit(cache=True)
def _sbx_beta_q(rand, beta, eta):
    """Spread factor of bounded SBX for one side (Deb & Agrawal 1995, Eq. 4, bounded)."""
    alpha = 2.0 - beta ** (-(eta + 1.0))
    if rand <= 1.0 / alpha:
        return (rand * alpha) ** (1.0 / (eta + 1.0))
    return (1.0 / (2.0 - rand * alpha)) ** (1.0 / (eta + 1.0))


@njit(cache=True)
def _mate(P1, P2, kinds, p_pair, U3, rate):
    """What both crossovers share: the children start as copies of the parents, pair ``k``
    mates when ``p_pair[k] < rate``, and the categorical genes of a mating pair are swapped
    when ``U3 < 1/2`` (uniform crossover). Returns the children, the mating rows and the
    real-or-integer columns, which the caller crosses by its own rule."""
    C1 = P1.copy()
    C2 = P2.copy()
    mates = np.flatnonzero(p_pair < rate)
    categorical = np.flatnonzero(kinds == CATEGORICAL)
    for k in mates:
        for j in categorical:
            if U3[k, j] < 0.5:
                C1[k, j], C2[k, j] = P2[k, j], P1[k, j]
    return C1, C2, mates, np.flatnonzero(kinds != CATEGORICAL)


@njit(cache=True)
def sbx_crossover(P1, P2, kinds, p_pair, U1, U2, U3, rate, eta, gene_rate):
    """Simulated binary crossover of each row pair ``(P1[k], P2[k])`` in the unit box.

    Pair ``k`` mates when ``p_pair[k] < rate``. Then a real or integer gene crosses when
    ``U1 < gene_rate``, with the spread drawn from ``U2``, and the two children swap that gene
    when ``U3 < 1/2``; a categorical gene is swapped when ``U3 < 1/2`` (uniform crossover).
    """
    C1, C2, mates, numeric = _mate(P1, P2, kinds, p_pair, U3, rate)
    for k in mates:
        for j in numeric:
            y1, y2 = min(P1[k, j], P2[k, j]), max(P1[k, j], P2[k, j])
            if U1[k, j] >= gene_rate or y2 - y1 <= 1e-14:
                continue
            rand = U2[k, j]
            bq = _sbx_beta_q(rand, 1.0 + 2.0 * y1 / (y2 - y1), eta)
            c1 = min(max(0.5 * ((y1 + y2) - bq * (y2 - y1)), 0.0), 1.0)
            bq = _sbx_beta_q(rand, 1.0 + 2.0 * (1.0 - y2) / (y2 - y1), eta)
            c2 = min(max(0.5 * ((y1 + y2) + bq * (y2 - y1)), 0.0), 1.0)
            if U3[k, j] < 0.5:
                c1, c2 = c2, c1
            C1[k, j], C2[k, j] = c1, c2
    return C1, C2


@njit(cache=True)
def blend_crossover(P1, P2, kinds, p_pair, U1, U2, U3, rate, alpha):
    """BLX-alpha crossover of each row pair, children mirrored into ``[0, 1]``.

    For a mating pair (``p_pair[k] < rate``), each real or integer gene of child one (two)
    is uniform on :math:`[\\min - \\alpha I, \\max + \\alpha I]`, :math:`I = |p_1 - p_2|`,
    drawn from ``U1`` (``U2``); categorical genes are swapped when ``U3 < 1/2``.
    """
    C1, C2, mates, numeric = _mate(P1, P2, kinds, p_pair, U3, rate)
    for k in mates:
        for j in numeric:
            lo, hi = min(P1[k, j], P2[k, j]), max(P1[k, j], P2[k, j])
            width = hi - lo
            lo -= alpha * width
            width *= 1.0 + 2.0 * alpha
            C1[k, j] = _reflect(lo + U1[k, j] * width)
            C2[k, j] = _reflect(lo + U2[k, j] * width)
    return C1, C2


@njit(cache=True)
def _reset_category(x, n, u):
    """Another category than ``x``'s, uniformly among the ``n - 1`` others (as a bin centre)."""
    if n <= 1:
        return x
    i = min(int(math.floor(x * n)), n - 1)
    j = min(int(math.floor(u * (n - 1))), n - 2)
    if j >= i:
        j += 1
    return (j + 0.5) / n


@njit(cache=True)
def polynomial_mutation(X, kinds, n_choices, R, U, rate, eta):
    """Bounded polynomial mutation of each gene with ``R < rate`` (Deb & Goyal 1996).

    A real or integer gene :math:`x` moves by :math:`\\delta_q`, from ``U``:

    .. math:: \\delta_q = \\begin{cases}
        [2u + (1 - 2u)(1 - x)^{\\eta + 1}]^{1/(\\eta + 1)} - 1, & u \\le 1/2, \\\\
        1 - [2(1 - u) + (2u - 1) x^{\\eta + 1}]^{1/(\\eta + 1)}, & u > 1/2,
        \\end{cases}

    which keeps it in ``[0, 1]``; a categorical gene is reset to another category.
    """
    n, d = X.shape
    Y = X.copy()
    power = 1.0 / (eta + 1.0)
    for k in range(n):
        for j in range(d):
            if R[k, j] >= rate:
                continue
            x, u = X[k, j], U[k, j]
            if kinds[j] == CATEGORICAL:
                Y[k, j] = _reset_category(x, n_choices[j], u)
                continue
            if u <= 0.5:
                dq = (2.0 * u + (1.0 - 2.0 * u) * (1.0 - x) ** (eta + 1.0)) ** power - 1.0
            else:
                dq = 1.0 - (2.0 * (1.0 - u) + (2.0 * u - 1.0) * x ** (eta + 1.0)) ** power
            Y[k, j] = min(max(x + dq, 0.0), 1.0)
    return Y


@njit(cache=True)
def gaussian_mutation(X, kinds, n_choices, R, U, Z, rate, sigma):
    """Gaussian mutation of each gene with ``R < rate``: :math:`x + \\sigma z`, mirrored into
    ``[0, 1]``; a categorical gene is reset to another category (from ``U``). ``Z`` holds one
    normal draw per mutated real or integer gene, taken in row-major order.
    """
    n, d = X.shape
    Y = X.copy()
    z = 0
    for k in range(n):
        for j in range(d):
            if R[k, j] >= rate:
                continue
            if kinds[j] == CATEGORICAL:
                Y[k, j] = _reset_category(X[k, j], n_choices[j], U[k, j])
            else:
                Y[k, j] = _reflect(X[k, j] + sigma * Z[z])
                z += 1
    return Y


@njit(cache=True)
def split_draws(draws, n_select, n_pairs, d):
    """The uniform draws of one :func:`offspring` call, cut in the order they are used.

    ``draws`` holds ``n_select`` selection draws, then ``n_pairs`` mating draws, then three
    ``(n_pairs, d)`` crossover blocks and two ``(2 n_pairs, d)`` mutation blocks.
    """
    a = n_select + n_pairs
    b = a + n_pairs * d
    c = a + 3 * n_pairs * d
    e = c + 2 * n_pairs * d
    return (draws[:n_select], draws[n_select:a],
            draws[a:b].reshape((n_pairs, d)), draws[b:b + n_pairs * d].reshape((n_pairs, d)),
            draws[b + n_pairs * d:c].reshape((n_pairs, d)),
            draws[c:e].reshape((2 * n_pairs, d)),
            draws[e:e + 2 * n_pairs * d].reshape((2 * n_pairs, d)))


@njit(cache=True)
def offspring(U, order, kinds, n_choices, draws, Z, codes, params):
    """Selection, crossover of consecutive parents and mutation of a population, in one call.

    ``order[r]`` is the parent of rank ``r`` (0 best); ``codes`` holds the selection,
    crossover and mutation codes, the tournament size and the number of pairs ``p``;
    ``params`` the crossover rate, ``eta_c``, SBX's per-gene rate, BLX's ``alpha``, the
    mutation rate, ``eta_m`` and ``sigma``. ``draws`` are uniforms laid out as in
    :func:`split_draws` (a tournament of ``t`` takes ``t`` draws per parent, ranking one), and
    ``Z`` the normal draws of Gaussian mutation, one per mutated real or integer gene.
    Returns the parents' indices, the children after crossover and after mutation, ``2p`` of
    each.
    """
    N, d = U.shape
    t, n_pairs = codes[3], codes[4]
    n2 = 2 * n_pairs
    per_parent = t if codes[0] == TOURNAMENT else 1
    sel, p_pair, U1, U2, U3, R, Um = split_draws(draws, n2 * per_parent, n_pairs, d)
    if codes[0] == TOURNAMENT:
        ranks = np.empty(N, dtype=np.int64)
        for r in range(N):
            ranks[order[r]] = r
        candidates = np.minimum((sel * N).astype(np.int64), N - 1).reshape((n2, t))
        parents = tournament_select(ranks, candidates)
    else:
        parents = rank_select(order, sel)
    P1 = U[parents[0::2]]
    P2 = U[parents[1::2]]
    if codes[1] == SBX:
        C1, C2 = sbx_crossover(P1, P2, kinds, p_pair, U1, U2, U3, params[0], params[1],
                               params[2])
    else:
        C1, C2 = blend_crossover(P1, P2, kinds, p_pair, U1, U2, U3, params[0], params[3])
    C = np.empty((n2, d))
    C[0::2] = C1
    C[1::2] = C2
    if codes[2] == POLYNOMIAL:
        M = polynomial_mutation(C, kinds, n_choices, R, Um, params[4], params[5])
    else:
        M = gaussian_mutation(C, kinds, n_choices, R, Um, Z, params[4], params[6])
    return parents, C, M


@njit(cache=True)
def offspring_of_stream(state, n_uniform, rate, gaussian, U, order, kinds, n_choices,
                        codes, params):
    """:func:`offspring` of the draws :func:`tunelab.search._ga_operators.draw` takes from
    the stream at ``state`` (advanced): one kernel call for a generation drawn from a
    :class:`tunelab.search._philox_sfc64.Stream`."""
    draws, Z = offspring_draws(state, n_uniform, 2 * codes[4] * U.shape[1], rate, kinds,
                               gaussian)
    return offspring(U, order, kinds, n_choices, draws, Z, codes, params)


@njit(cache=True)
def survivors(U, f, n):
    """The ``n`` best rows of ``U`` by ``f``, best first, with their values: failures
    (``nan``, ``±inf``) last, ties in row order (a stable sort)."""
    key = np.where(np.isfinite(f), f, np.inf)
    best = np.argsort(key, kind="mergesort")[:n]
    return U[best], f[best]


@njit(cache=True)
def unit_to_real(U, a, width, low, high):
    """Values of linear real parameters at unit points: ``clip(a + u w, low, high)``, exactly
    ``low`` at :math:`u \\le 0` and ``high`` at :math:`u \\ge 1` (column ``j`` uses ``a[j]``,
    ``width[j]``, ``low[j]``, ``high[j]``)."""
    n, d = U.shape
    X = np.empty((n, d))
    for i in range(n):
        for j in range(d):
            u = U[i, j]
            if u <= 0.0:
                X[i, j] = low[j]
            elif u >= 1.0:
                X[i, j] = high[j]
            else:
                X[i, j] = min(max(a[j] + u * width[j], low[j]), high[j])
    return X
