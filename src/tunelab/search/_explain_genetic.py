"""The snapshot of :meth:`GeneticSearch.explain`: the population, the generation being bred
from it, how each child was made, who would survive, and the population's diversity.

The children of generation :math:`g \\ge 1` come in blocks of ``N``, block ``c`` from the
random stream ``(1, g, c)`` of :class:`~tunelab.search._philox_sfc64.Streams`, a pure function
of the seed. This module replays each block from a fresh copy of its stream: the same draws
(:func:`tunelab.search._ga_operators.draw`, cut by :func:`tunelab.search._jit.split_draws`)
through the same kernel, so it can say which parents each child has, which tournament picked
them, whether the pair mated, which genes crossover changed and which genes mutation picked.
The replayed children are checked against the ones the search holds; the search and its
streams are left untouched.

*Diversity* of a population :math:`u_1, \\dots, u_n` of the unit cube: the mean pairwise
Euclidean distance :math:`\\frac{2}{n(n-1)} \\sum_{i<j} \\lVert u_i - u_j \\rVert_2`, the
standard deviation of each gene :math:`\\sqrt{\\frac1n \\sum_i (u_{ij} - \\bar u_j)^2}`, and
the number of distinct configurations.

*Survivors*: :math:`\\text{best}_N(\\text{best}_k(P_g) \\cup O_g \\cup W)` of
:class:`~tunelab.search.GeneticSearch` (Notes) from the values known now, ties in that order
(a stable sort, failures last): the population the generation's close would form; it is final
once the generation has ``N`` values (``complete``), when the next ask closes it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tunelab.search import _jit
from tunelab.search._explain_common import axes, configs_to_axis
from tunelab.search._ga_operators import INTEGER, draw, fitness_order, round_integers

__all__ = ["diversity", "explain_genetic"]
_STREAM = 1  # GeneticSearch's tag of the offspring streams


def _points(space: Any, U: np.ndarray) -> dict[str, Any]:
    """Unit rows, their configurations and their axis coordinates (the values decoded)."""
    U = np.array(U, dtype=float).reshape(-1, len(space))  # a copy: the snapshot keeps it
    configs = space.from_unit(U) if len(U) else []
    return {"unit": U, "configs": configs, "points": configs_to_axis(space, configs)}


def diversity(space: Any, U: np.ndarray) -> dict[str, Any]:
    """``mean_distance``, ``gene_std`` ``(d,)`` and ``n_unique`` of unit rows ``U`` (module
    docstring); ``nan`` distances for fewer than two rows."""
    U = np.asarray(U, dtype=float).reshape(-1, len(space))
    n = len(U)
    if n >= 2:
        diff = U[:, None, :] - U[None, :, :]
        dist = np.sqrt((diff**2).sum(axis=2))
        mean = float(dist[np.triu_indices(n, 1)].mean())
    else:
        mean = float("nan")
    configs = space.from_unit(U) if n else []
    unique = {tuple(sorted((k, repr(v)) for k, v in c.items())) for c in configs}
    return {"mean_distance": mean,
            "gene_std": U.std(axis=0) if n else np.full(len(space), np.nan),
            "n_unique": len(unique)}


def explain_genetic(ga: Any) -> dict[str, Any]:
    """The snapshot documented in :meth:`GeneticSearch.explain`."""
    space = ga.space
    pop = _points(space, ga.population_)
    pop["values"] = np.asarray(ga.fitness_, dtype=float).copy()
    pool = _points(space, [u for u, _ in ga._pool])
    pool["values"] = np.array([v for _, v in ga._pool], dtype=float)
    snap: dict[str, Any] = {
        "kind": "genetic", "axes": axes(space), "n_asked": ga.n_asked, "n_told": ga.n_told,
        "mode": "steady_state" if ga.steady_state else "generational",
        "generation": ga.generation_, "operators": _operators(ga),
        "population": pop, "diversity": diversity(space, ga.population_), "pool": pool,
        "offspring": None, "parents": None, "survivors": None,
    }
    if ga.steady_state:
        return snap
    off = _offspring(ga)
    snap["offspring"] = off
    picked = off["parents"].ravel()
    counts = np.bincount(picked[picked >= 0], minlength=len(pop["values"]))
    index = np.flatnonzero(counts)
    snap["parents"] = {"index": index, "count": counts[index], **_points(
        space, ga.population_[index] if len(index) else np.empty((0, len(space))))}
    snap["survivors"] = _survivors(ga)
    return snap


def _operators(ga: Any) -> dict[str, Any]:
    ops = ga._ops
    return {"selection": ops.selection, "tournament_size": ops.tournament_size,
            "crossover": ops.crossover, "crossover_rate": ops.crossover_rate,
            "eta_c": ops.eta_c, "blend_alpha": ops.blend_alpha, "mutation": ops.mutation,
            "mutation_rate": ops.mutation_rate, "eta_m": ops.eta_m, "sigma": ops.sigma,
            "elitism": ga.elitism, "population_size": ga.population_size}


def _status(gen: Any) -> list[str]:
    """Per slot: ``told``, ``inherited``, ``asked``, ``queued`` or ``twin``."""
    out = np.asarray(gen._out)
    queued = set(gen.queue[gen.cursor:])
    status = []
    for slot in range(len(gen.told)):
        if gen.told[slot]:
            status.append("told" if out[slot] else "inherited")
        elif out[slot]:
            status.append("asked")
        else:
            status.append("queued" if slot in queued else "twin")
    return status


def _offspring(ga: Any) -> dict[str, Any]:
    """The generation's genomes so far with their provenance (module docstring)."""
    gen, space, N = ga._gen, ga.space, ga.population_size
    d, t = len(space), ga._ops.tournament_size if ga._ops.selection == "tournament" else 0
    n = len(gen.genomes)
    prov: dict[str, Any] = {
        "block": np.repeat(np.arange(gen.n_blocks), N)[:n],
        "parents": np.full((n, 2), -1, dtype=np.int64),
        "contestants": np.full((n, 2, t), -1, dtype=np.int64) if t else None,
        "mated": np.zeros(n, dtype=bool), "crossed": np.zeros((n, d), dtype=bool),
        "mutated": np.zeros((n, d), dtype=bool), "before_mutation": gen.genomes.copy(),
    }
    if ga.generation_ > 0:
        for c in range(gen.n_blocks):
            _replay_block(ga, c, prov, slice(c * N, min((c + 1) * N, n)))
    if ga.generation_ == 0:
        operation = ["random"] * n
    else:
        operation = ["+".join(name for name, on in (("crossover", m), ("mutation", u.any()))
                              if on) or "copy" for m, u in zip(prov["mated"], prov["mutated"],
                                                               strict=True)]
    out = _points(space, gen.genomes)
    out.update(values=np.asarray(gen.values, dtype=float).copy(),
               told=np.asarray(gen.told, dtype=bool).copy(), status=_status(gen),
               operation=operation, **prov)
    return out


def _replay_block(ga: Any, c: int, prov: dict[str, Any], rows: slice) -> None:
    """Replay block ``c`` of the generation from a fresh copy of its stream into ``prov``."""
    ops, space, (kinds, n_choices) = ga._ops, ga.space, ga._genes
    U = np.ascontiguousarray(ga.population_, dtype=np.float64)
    N, d = ga.population_size, len(space)
    n_pairs = -(-N // 2)
    rng = ga._streams(_STREAM, ga.generation_, c)
    draws, Z = draw(ops, n_pairs, d, rng, kinds)
    parents, crossed, mutated = _jit.offspring(U, ga._ranked, kinds, n_choices, draws, Z,
                                               ops.codes(n_pairs), ops.params())
    if (kinds == INTEGER).any():
        mutated = round_integers(space, crossed, mutated, kinds, rng)
    k = rows.stop - rows.start
    if not np.array_equal(mutated[:k], ga._gen.genomes[rows]):
        raise RuntimeError(f"the replay of block {c} of generation {ga.generation_} does not "
                           "give the search's children; explain() cannot describe them")
    n_select = 2 * n_pairs * (ops.tournament_size if ops.selection == "tournament" else 1)
    sel, p_pair, *_, R, _ = _jit.split_draws(draws, n_select, n_pairs, d)
    child = np.arange(k)
    mate = child ^ 1  # children 2i and 2i + 1 share the pair i
    prov["parents"][rows] = np.column_stack([parents[child], parents[mate]])
    if prov["contestants"] is not None:
        cand = np.minimum((sel * N).astype(np.int64), N - 1).reshape(2 * n_pairs, -1)
        prov["contestants"][rows] = np.stack([cand[child], cand[mate]], axis=1)
    prov["mated"][rows] = (p_pair < ops.crossover_rate)[child // 2]
    prov["crossed"][rows] = crossed[:k] != U[parents[child]]
    prov["mutated"][rows] = R[:k] < ops.mutation_rate
    prov["before_mutation"][rows] = crossed[:k]


def _survivors(ga: Any) -> dict[str, Any]:
    """The population the generation's close would form from the values known now."""
    U, f = ga._gen.told_arrays()
    k = ga.elitism
    parts = [(ga.population_[:k], ga.fitness_[:k], "elite"), (U, f, "offspring"),
             (np.array([u for u, _ in ga._pool]).reshape(-1, len(ga.space)),
              np.array([v for _, v in ga._pool], dtype=float), "told")]
    rows = np.vstack([p[0] for p in parts])
    values = np.concatenate([p[1] for p in parts])
    source = np.concatenate([np.full(len(p[1]), p[2], dtype=object) for p in parts])
    best = fitness_order(values)[:ga.population_size]
    out = _points(ga.space, rows[best])
    out.update(values=values[best], source=[str(s) for s in source[best]],
               complete=bool(ga._gen.n_done >= ga.population_size
                             or (ga._gen.cursor == 0 and len(ga._pool) >= ga.population_size)))
    return out
