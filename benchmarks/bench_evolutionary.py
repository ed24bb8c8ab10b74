"""Timings of the evolutionary strategies: GA operators (Numba kernels and NumPy twins), one GA
generation as arrays and through ask/tell, and one CMA-ES generation through ask/tell.

Population 100 in 10-D unless stated. Run with ``pytest benchmarks/bench_evolutionary.py
--benchmark-enable`` (benchmarks are disabled by default in the test configuration).
"""

import numpy as np
import pytest

from tunelab.search import _ga_operators as ga
from tunelab.search import _jit
from tunelab.search.cmaes import CMAES
from tunelab.search.genetic import GeneticSearch
from tunelab.space import Real, Space

N, D = 100, 10
SPACE = Space({f"x{i}": Real(-5.0, 5.0) for i in range(D)})
KINDS, N_CHOICES = ga.gene_kinds(SPACE)
RNG = np.random.default_rng(0)
P1, P2 = RNG.random((2, N // 2, D))
P_PAIR, U1, U2, U3 = RNG.random(N // 2), *RNG.random((3, N // 2, D))
X, R, U, Z = RNG.random((N, D)), RNG.random((N, D)), RNG.random((N, D)), RNG.normal(size=(N, D))

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


def test_make_offspring(benchmark):
    """One GA generation on arrays: selection, SBX, polynomial mutation."""
    ops, f = ga.Operators(mutation_rate=1.0 / D), RNG.random(N)
    ga.make_offspring(SPACE, ops, X, f, N, np.random.default_rng(1))
    benchmark(ga.make_offspring, SPACE, ops, X, f, N, np.random.default_rng(1))


def _protocol_generation(strategy, size):
    for config in strategy.ask_batch(size):
        strategy.tell(config, float(sum(v * v for v in config.values())))


def test_genetic_generation_through_ask_tell(benchmark):
    strategy = GeneticSearch(SPACE, population_size=N, seed=0)
    _protocol_generation(strategy, N)
    benchmark(_protocol_generation, strategy, N)


def test_cmaes_generation_through_ask_tell(benchmark):
    strategy = CMAES(SPACE, seed=0)
    _protocol_generation(strategy, strategy.lambda_)
    benchmark(_protocol_generation, strategy, strategy.lambda_)
