"""Genetic operators on whole populations: NumPy specifications, and the variation pipeline.

The ``*_numpy`` functions are the readable twins of the Numba kernels of
:mod:`tunelab.search._jit` (the tests assert that they agree). :func:`make_offspring` runs
selection, crossover and mutation as one kernel call on arrays, every random number drawn
up front from the generator it is given. Genomes are rows of the unit cube; see
:func:`gene_kinds` for how real, integer and categorical genes are described.

Notation: ``N`` parents, ``n`` children, ``d`` genes; ``ranks[i]`` is parent ``i``'s rank
(0 best) and ``order[r]`` the parent of rank ``r``.

References
----------
.. [1] K. Deb and R. B. Agrawal, "Simulated binary crossover for continuous search space",
   Complex Systems 9(2), 1995.
.. [2] K. Deb and M. Goyal, "A combined genetic adaptive search (GeneAS) for engineering
   design", Computer Science and Informatics 26(4), 1996.
.. [3] L. J. Eshelman and J. D. Schaffer, "Real-coded genetic algorithms and
   interval-schemata", Foundations of Genetic Algorithms 2, 1993.
.. [4] D. E. Goldberg and K. Deb, "A comparative analysis of selection schemes used in genetic
   algorithms", Foundations of Genetic Algorithms 1, 1991.
.. [5] K. Deep, K. P. Singh, M. L. Kansal and C. Mohan, "A real coded genetic algorithm for
   solving integer and mixed integer optimization problems", Applied Mathematics and
   Computation 212(2), 2009 (real-coded operators on integer genes, then rounding).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from tunelab.search import _jit
from tunelab.search._philox_sfc64 import Stream
from tunelab.space import Categorical, Integer, Space

REAL, INTEGER, CATEGORICAL = _jit.REAL, _jit.INTEGER, _jit.CATEGORICAL


# --- genomes -----------------------------------------------------------------------------------
def fitness_order(values: np.ndarray) -> np.ndarray:
    """Indices from best to worst; failures (``nan``, ``±inf``) last, ties by position."""
    values = np.asarray(values, dtype=np.float64)
    key = np.where(np.isfinite(values), values, np.inf)
    return np.argsort(key, kind="stable")


def gene_kinds(space: Space) -> tuple[np.ndarray, np.ndarray]:
    """``kinds`` (0 real, 1 integer, 2 categorical) and ``n_choices`` of a space's genes."""
    kinds = np.array([CATEGORICAL if isinstance(dim, Categorical) else
                      INTEGER if isinstance(dim, Integer) else REAL for dim in space.values()],
                     dtype=np.int64)
    n_choices = np.array([len(dim.choices) if isinstance(dim, Categorical) else 0
                          for dim in space.values()], dtype=np.int64)
    return kinds, n_choices


def snap(space: Space, U: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    """Move integer and categorical genes to the centre of their bin (the value decoded)."""
    U = U.copy()
    dims = list(space.values())
    for j in np.flatnonzero(kinds != REAL):
        U[:, j] = dims[j].to_unit(dims[j].from_unit(U[:, j]))
    return U


# --- NumPy twins of the kernels ---------------------------------------------------------------
def reflect_numpy(x: np.ndarray) -> np.ndarray:
    """Fold into ``[0, 1]`` by mirroring at the bounds (period 2)."""
    t = x - 2.0 * np.floor(x / 2.0)
    return np.where(t <= 1.0, t, 2.0 - t)


def tournament_select_numpy(ranks: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Each row's contestant of lowest rank (the first one on ties, which ranks exclude)."""
    best = np.argmin(ranks[candidates], axis=1)
    return candidates[np.arange(len(candidates)), best].astype(np.int64)


def rank_select_numpy(order: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Linear ranking, :math:`P(r) = 2 (N - r) / (N (N + 1))`, by inverting its CDF."""
    n = len(order)
    r = np.arange(n)
    cumulative = (r + 1) * (2 * n - r) / 2.0  # N (N + 1) / 2 * F(r), exact
    return order[np.searchsorted(cumulative, uniforms * (n * (n + 1) / 2.0), side="right")]


def _sbx_beta_q_numpy(rand: np.ndarray, beta: np.ndarray, eta: float) -> np.ndarray:
    alpha = 2.0 - beta ** (-(eta + 1.0))
    low = rand <= 1.0 / alpha
    base = np.where(low, rand * alpha, 1.0 / (2.0 - rand * alpha))
    return base ** (1.0 / (eta + 1.0))


def sbx_crossover_numpy(P1, P2, kinds, p_pair, U1, U2, U3, rate, eta, gene_rate):
    """Bounded SBX (Deb & Agrawal 1995) of row pairs, each real or integer gene crossed with
    probability ``gene_rate``; categorical genes: uniform crossover.

    The children's spread around the parents :math:`y_1 \\le y_2` follows

    .. math:: c_{1,2} = \\tfrac12 [(y_1 + y_2) \\mp \\beta_q (y_2 - y_1)],\\qquad
              \\beta_q = \\begin{cases} (u\\alpha)^{1/(\\eta+1)}, & u \\le 1/\\alpha, \\\\
              (2 - u\\alpha)^{-1/(\\eta+1)}, & \\text{otherwise,} \\end{cases}

    with :math:`\\alpha = 2 - \\beta^{-(\\eta+1)}` and :math:`\\beta = 1 + 2 (y_1 - 0) / (y_2
    - y_1)` (lower child) or :math:`1 + 2 (1 - y_2)/(y_2 - y_1)` (upper child), so that the
    children stay in ``[0, 1]``.
    """
    mate = (p_pair < rate)[:, None]
    y1, y2 = np.minimum(P1, P2), np.maximum(P1, P2)
    gap = y2 - y1
    cross = mate & (kinds != CATEGORICAL) & (U1 < gene_rate) & (gap > 1e-14)
    safe = np.where(cross, gap, 1.0)
    bq = _sbx_beta_q_numpy(U2, 1.0 + 2.0 * y1 / safe, eta)
    c1 = np.clip(0.5 * ((y1 + y2) - bq * gap), 0.0, 1.0)
    bq = _sbx_beta_q_numpy(U2, 1.0 + 2.0 * (1.0 - y2) / safe, eta)
    c2 = np.clip(0.5 * ((y1 + y2) + bq * gap), 0.0, 1.0)
    flip = U3 < 0.5
    c1, c2 = np.where(flip, c2, c1), np.where(flip, c1, c2)
    swap = mate & (kinds == CATEGORICAL) & flip
    C1 = np.where(cross, c1, np.where(swap, P2, P1))
    C2 = np.where(cross, c2, np.where(swap, P1, P2))
    return C1, C2


def blend_crossover_numpy(P1, P2, kinds, p_pair, U1, U2, U3, rate, alpha):
    """BLX-alpha (Eshelman & Schaffer 1993): uniform on the parents' interval widened by
    :math:`\\alpha I` each side, mirrored into ``[0, 1]``; categorical genes swapped."""
    mate = (p_pair < rate)[:, None]
    lo, hi = np.minimum(P1, P2), np.maximum(P1, P2)
    width = hi - lo
    lo = lo - alpha * width
    width = width * (1.0 + 2.0 * alpha)
    blend = mate & (kinds != CATEGORICAL)
    swap = mate & (kinds == CATEGORICAL) & (U3 < 0.5)
    C1 = np.where(blend, reflect_numpy(lo + U1 * width), np.where(swap, P2, P1))
    C2 = np.where(blend, reflect_numpy(lo + U2 * width), np.where(swap, P1, P2))
    return C1, C2


def _reset_category_numpy(X, n_choices, U):
    n = np.maximum(n_choices, 1)
    i = np.minimum(np.floor(X * n), n - 1)
    j = np.minimum(np.floor(U * (n - 1)), np.maximum(n - 2, 0))
    j = j + (j >= i)
    return np.where(n_choices > 1, (j + 0.5) / n, X)


def polynomial_mutation_numpy(X, kinds, n_choices, R, U, rate, eta):
    """Bounded polynomial mutation (Deb & Goyal 1996) where ``R < rate``; categorical genes
    reset to another category."""
    power = 1.0 / (eta + 1.0)
    low = U <= 0.5
    base = np.where(low, 2.0 * U + (1.0 - 2.0 * U) * (1.0 - X) ** (eta + 1.0),
                    2.0 * (1.0 - U) + (2.0 * U - 1.0) * X ** (eta + 1.0))
    dq = np.where(low, base**power - 1.0, 1.0 - base**power)
    moved = np.clip(X + dq, 0.0, 1.0)
    mutate = R < rate
    categorical = kinds == CATEGORICAL
    out = np.where(mutate & ~categorical, moved, X)
    return np.where(mutate & categorical, _reset_category_numpy(X, n_choices, U), out)


def gaussian_mutation_numpy(X, kinds, n_choices, R, U, Z, rate, sigma):
    """:math:`x + \\sigma z` mirrored into ``[0, 1]`` where ``R < rate``, ``Z`` holding the
    ``z`` of the mutated real and integer genes in row-major order; categorical genes reset
    to another category."""
    mutate = R < rate
    categorical = kinds == CATEGORICAL
    steps = np.zeros_like(X)
    steps[mutate & ~categorical] = Z  # boolean indexing is row-major
    out = np.where(mutate & ~categorical, reflect_numpy(X + sigma * steps), X)
    return np.where(mutate & categorical, _reset_category_numpy(X, n_choices, U), out)


# --- the variation pipeline -------------------------------------------------------------------
_CODES = {"tournament": _jit.TOURNAMENT, "rank": _jit.RANK, "sbx": _jit.SBX,
          "blend": _jit.BLEND, "polynomial": _jit.POLYNOMIAL, "gaussian": _jit.GAUSSIAN}


@dataclass(frozen=True)
class Operators:
    """Operator choices and rates of a genetic algorithm (validated by the strategy)."""

    selection: str = "tournament"
    tournament_size: int = 3
    crossover: str = "sbx"
    crossover_rate: float = 0.9
    eta_c: float = 20.0
    sbx_gene_rate: float = 1.0
    blend_alpha: float = 0.5
    mutation: str = "polynomial"
    mutation_rate: float = 0.1
    eta_m: float = 20.0
    sigma: float = 0.1

    def codes(self, n_pairs: int) -> np.ndarray:
        """The ``codes`` argument of :func:`tunelab.search._jit.offspring`."""
        codes = self._codes.copy()
        codes[4] = n_pairs
        return codes

    def params(self) -> np.ndarray:
        """The ``params`` argument of :func:`tunelab.search._jit.offspring`."""
        return self._params

    @cached_property
    def _codes(self) -> np.ndarray:
        return np.array([_CODES[self.selection], _CODES[self.crossover], _CODES[self.mutation],
                         self.tournament_size, 0], dtype=np.int64)

    @cached_property
    def _params(self) -> np.ndarray:
        params = np.array([self.crossover_rate, self.eta_c, self.sbx_gene_rate,
                           self.blend_alpha, self.mutation_rate, self.eta_m, self.sigma])
        params.flags.writeable = False
        return params


def draw(ops: Operators, n_pairs: int, d: int, rng: np.random.Generator,
         kinds: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Every random number of ``2 n_pairs`` children of ``d`` genes (``kinds``: all real if
    not given): uniforms laid out as in :func:`tunelab.search._jit.split_draws`, then the
    normals of Gaussian mutation, one per real or integer gene that mutates."""
    n2, n_uniform = 2 * n_pairs, _n_uniform(ops, n_pairs, d)
    draws = rng.random(n_uniform + 2 * n2 * d)
    if ops.mutation != "gaussian":
        return draws, np.zeros(0)
    gates = draws[n_uniform:n_uniform + n2 * d].reshape(n2, d) < ops.mutation_rate
    if kinds is not None and (kinds == CATEGORICAL).any():
        gates &= kinds != CATEGORICAL
    return draws, rng.standard_normal(np.count_nonzero(gates))


def _n_uniform(ops: Operators, n_pairs: int, d: int) -> int:
    """The uniforms before the mutation blocks: selection, mating and crossover draws."""
    per_parent = ops.tournament_size if ops.selection == "tournament" else 1
    return 2 * n_pairs * per_parent + n_pairs + 3 * n_pairs * d


def offspring_numpy(U, order, kinds, n_choices, draws, Z, codes, params):
    """Selection, crossover and mutation from pre-drawn numbers: the NumPy twin of
    :func:`tunelab.search._jit.offspring`, composed of the twins above."""
    N, d = U.shape
    t, n_pairs = int(codes[3]), int(codes[4])
    tournament = codes[0] == _jit.TOURNAMENT
    sel, p_pair, U1, U2, U3, R, Um = _jit.split_draws(
        draws, 2 * n_pairs * (t if tournament else 1), n_pairs, d)
    if tournament:
        ranks = np.empty(N, dtype=np.int64)
        ranks[order] = np.arange(N)
        candidates = np.minimum((sel * N).astype(np.int64), N - 1).reshape(2 * n_pairs, t)
        parents = tournament_select_numpy(ranks, candidates)
    else:
        parents = rank_select_numpy(order, sel)
    P1, P2 = U[parents[0::2]], U[parents[1::2]]
    if codes[1] == _jit.SBX:
        C1, C2 = sbx_crossover_numpy(P1, P2, kinds, p_pair, U1, U2, U3, *params[:3])
    else:
        C1, C2 = blend_crossover_numpy(P1, P2, kinds, p_pair, U1, U2, U3, params[0], params[3])
    C = np.empty((2 * n_pairs, d))
    C[0::2], C[1::2] = C1, C2
    if codes[2] == _jit.POLYNOMIAL:
        return parents, C, polynomial_mutation_numpy(C, kinds, n_choices, R, Um, *params[4:6])
    return parents, C, gaussian_mutation_numpy(C, kinds, n_choices, R, Um, Z, params[4],
                                               params[6])


def round_integers(space: Space, crossed: np.ndarray, mutated: np.ndarray, kinds: np.ndarray,
                   rng: np.random.Generator) -> np.ndarray:
    """Snap integer genes to their bins; a mutated integer gene that rounding sent back to its
    value before mutation steps to a neighbouring integer instead (up or down, equal odds,
    inward at the bounds), so that mutation always changes the value it picks."""
    out = mutated.copy()
    dims = list(space.values())
    for j in np.flatnonzero(kinds == INTEGER):
        dim = dims[j]
        before = np.asarray(dim.from_unit(crossed[:, j]))
        after = np.asarray(dim.from_unit(mutated[:, j]))
        stuck = (after == before) & (mutated[:, j] != crossed[:, j])
        step = np.where(rng.random(len(before)) < 0.5, -1, 1)
        step = np.where(before <= dim.low, 1, np.where(before >= dim.high, -1, step))
        after = np.where(stuck, before + step, after)
        out[:, j] = dim.to_unit(after.tolist())
    return out


def make_offspring(space: Space, ops: Operators, U: np.ndarray, values: np.ndarray, n: int,
                   rng: np.random.Generator,
                   genes: tuple[np.ndarray, np.ndarray] | None = None,
                   return_parents: bool = False,
                   order: np.ndarray | None = None) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """``n`` children of the population ``U`` (rows) with fitness ``values``.

    Mating selection of ``2 ceil(n/2)`` parents, crossover of consecutive pairs, mutation
    (one kernel call on numbers drawn up front by :func:`draw`), then integer genes rounded
    to their bins (:func:`round_integers`). Equal inputs and generator states give equal
    children. ``genes`` is ``gene_kinds(space)``, computed when not given; with
    ``return_parents``, the parents' indices (pairs ``2k, 2k+1``) come too. ``order`` is
    ``fitness_order(values)``, computed when not given.
    """
    kinds, n_choices = gene_kinds(space) if genes is None else genes
    n_pairs = -(-n // 2)
    order = fitness_order(values) if order is None else order
    U = np.ascontiguousarray(U, dtype=np.float64)
    if isinstance(rng, Stream):  # draws and variation in one kernel call
        parents, crossed, mutated = _jit.offspring_of_stream(
            rng.state, _n_uniform(ops, n_pairs, U.shape[1]), ops.mutation_rate,
            ops.mutation == "gaussian", U, order, kinds, n_choices, ops.codes(n_pairs),
            ops.params())
    else:
        draws, Z = draw(ops, n_pairs, U.shape[1], rng, kinds)
        parents, crossed, mutated = _jit.offspring(U, order, kinds, n_choices, draws, Z,
                                                   ops.codes(n_pairs), ops.params())
    if (kinds == INTEGER).any():
        mutated = round_integers(space, crossed, mutated, kinds, rng)
    return (mutated[:n], parents) if return_parents else mutated[:n]
