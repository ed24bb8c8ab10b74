"""Timings of the evolutionary strategies: GA operators (Numba kernels and NumPy twins), one GA
generation as arrays (the fused kernel and ``make_offspring``), the block decoder beside
``Space.from_unit``, and one generation of the GA and of CMA-ES through the protocol
(``ask_batch`` of the whole population, then a ``tell`` per configuration or one
``tell_batch``; or ``ask_array`` and ``tell_array``).

Population 100 in 10-D unless stated. Run with ``pytest benchmarks/bench_evolutionary.py
--benchmark-enable`` (benchmarks are disabled by default in the test configuration).
"""

import numpy as np
import pytest

from compare_evolutionary import POPULATION as N
from compare_evolutionary import _protocol_generation
from tunelab.search import _ga_operators as ga
from tunelab.search import _jit
from tunelab.search._decoder import Decoder
from tunelab.search.cmaes import CMAES
from tunelab.search.genetic import GeneticSearch
from tunelab.space import Real, Space

D = 10
SPACE = Space({f"x{i}": Real(-5.0, 5.0) for i in range(D)})
KINDS, N_CHOICES = ga.gene_kinds(SPACE)
RNG = np.random.default_rng(0)
P1, P2 = RNG.random((2, N // 2, D))
P_PAIR, U1, U2, U3 = RNG.random(N // 2), *RNG.random((3, N // 2, D))
X, R, U = RNG.random((N, D)), RNG.random((N, D)), RNG.random((N, D))

CROSSOVERS = {
    "sbx-numba": (_jit.sbx_crossover, (10.0, 1.0)),
    "sbx-numpy": (ga.sbx_crossover_numpy, (10.0, 1.0)),
    "blend-numba": (_jit.blend_crossover, (0.5,)),
    "blend-numpy": (ga.blend_crossover_numpy, (0.5,)),
}


@pytest.mark.parametrize("name", list(CROSSOVERS))
def test_crossover(benchmark, name):
    kernel, params = CROSSOVERS[name]
    kernel(P1, P2, KINDS, P_PAIR, U1, U2, U3, 0.9, *params)  # compile outside the timing
    benchmark(kernel, P1, P2, KINDS, P_PAIR, U1, U2, U3, 0.9, *params)


@pytest.mark.parametrize("kernel", [_jit.polynomial_mutation, ga.polynomial_mutation_numpy])
def test_polynomial_mutation(benchmark, kernel):
    kernel(X, KINDS, N_CHOICES, R, U, 0.1, 20.0)
    benchmark(kernel, X, KINDS, N_CHOICES, R, U, 0.1, 20.0)


@pytest.mark.parametrize("kernel", [_jit.tournament_select, ga.tournament_select_numpy])
def test_tournament(benchmark, kernel):
    ranks = RNG.permutation(N)
    candidates = RNG.integers(0, N, (N, 3))
    kernel(ranks, candidates)
    benchmark(kernel, ranks, candidates)


@pytest.mark.parametrize("kernel", [_jit.offspring, ga.offspring_numpy])
def test_offspring_kernel(benchmark, kernel):
    """Selection, SBX and polynomial mutation of a population from pre-drawn numbers."""
    ops = ga.Operators(mutation_rate=1.0 / D)
    draws, Z = ga.draw(ops, N // 2, D, np.random.default_rng(2))
    args = (X, ga.fitness_order(RNG.random(N)), KINDS, N_CHOICES, draws, Z, ops.codes(N // 2),
            ops.params())
    kernel(*args)
    benchmark(kernel, *args)


def test_make_offspring(benchmark):
    """One GA generation on arrays: draws, selection, SBX, polynomial mutation."""
    ops, f = ga.Operators(mutation_rate=1.0 / D), RNG.random(N)
    ga.make_offspring(SPACE, ops, X, f, N, np.random.default_rng(1))
    benchmark(ga.make_offspring, SPACE, ops, X, f, N, np.random.default_rng(1))


@pytest.mark.parametrize("decode", ["decoder", "from_unit"])
def test_decode_a_generation(benchmark, decode):
    """A generation's unit points to configuration dicts."""
    benchmark(Decoder(SPACE) if decode == "decoder" else SPACE.from_unit, X)


PROTOCOLS = pytest.mark.parametrize("protocol", ["each", "batch", "array"],
                                    ids=["tell", "tell_batch", "arrays"])


@PROTOCOLS
def test_genetic_generation_through_ask_tell(benchmark, protocol):
    generation = _protocol_generation(GeneticSearch(SPACE, population_size=N, seed=0), protocol)
    generation()
    benchmark(generation)


@PROTOCOLS
def test_cmaes_generation_through_ask_tell(benchmark, protocol):
    generation = _protocol_generation(CMAES(SPACE, population_size=N, seed=0), protocol)
    generation()
    benchmark(generation)
