"""Adapters of the peers that search the unit cube: DEAP's genetic operators and pycma.

The space decodes their points (``space.from_unit``). See :mod:`tunelab.bench.peers` for the
seeds and the treatment of failed evaluations.
"""

from __future__ import annotations

import contextlib
import math
import random
from collections.abc import Iterator
from typing import Any

import numpy as np

from tunelab._validation import check_scalar
from tunelab.bench._peer_adapters import PeerAdapter
from tunelab.space import Space

__all__ = ["CMAAdapter", "DeapGA"]


# --- DEAP -----------------------------------------------------------------------------------


class _Individual(list):
    """A point of the unit cube with ``score`` = minus its value (DEAP selects the largest)."""

    score: float = -math.inf


@contextlib.contextmanager
def _random_state(rng: random.Random) -> Iterator[None]:
    """Run with the ``random`` module in ``rng``'s state; keep the new state in ``rng``."""
    saved = random.getstate()
    random.setstate(rng.getstate())
    try:
        yield
    finally:
        rng.setstate(random.getstate())
        random.setstate(saved)


class DeapGA(PeerAdapter):
    """A (mu + lambda) genetic algorithm from DEAP's operators, on the unit cube.

    Generation 0 is ``population_size`` uniform points. Each later generation breeds
    ``population_size`` children from the best ``population_size`` points evaluated so far:
    tournament selection (size 3), simulated binary crossover (``eta_crossover``, probability
    ``crossover_probability`` per pair) and polynomial mutation (``eta_mutation``, each gene
    with probability :math:`1/d`), all bounded to :math:`[0, 1]`.

    Parameters
    ----------
    space : Space
    seed : int, default=0
    population_size : int, default=10
    crossover_probability : float, default=0.9
    eta_crossover : float, default=15.0
    eta_mutation : float, default=20.0
    """

    name = "deap_ga"

    def __init__(self, space: Space, *, seed: int = 0, population_size: int = 10,
                 crossover_probability: float = 0.9, eta_crossover: float = 15.0,
                 eta_mutation: float = 20.0) -> None:
        super().__init__(space, seed=seed)
        from deap import tools

        self._tools = tools
        self.population_size = int(check_scalar(population_size, "population_size", kind=int,
                                                low=2))
        self.crossover_probability = crossover_probability
        self.eta_crossover, self.eta_mutation = eta_crossover, eta_mutation
        self._random = random.Random(self.seed)
        self._queue: list[_Individual] = []
        self._evaluated: list[_Individual] = []

    def _ask(self) -> tuple[dict[str, Any], Any]:
        if not self._queue:
            self._queue = self._breed()
        child = self._queue.pop(0)
        return self.space.from_unit(np.asarray(child)), child

    def _tell(self, child: _Individual, value: float) -> None:
        child.score = -self._substitute(value, math.inf)
        self._evaluated.append(child)

    def _breed(self) -> list[_Individual]:
        d, n, tools = len(self.space), self.population_size, self._tools
        with _random_state(self._random):
            if not self._evaluated:
                return [_Individual(random.random() for _ in range(d)) for _ in range(n)]
            parents = tools.selBest(self._evaluated, min(n, len(self._evaluated)),
                                    fit_attr="score")
            children = [_Individual(p) for p in
                        tools.selTournament(parents, n, tournsize=3, fit_attr="score")]
            for a, b in zip(children[::2], children[1::2], strict=False):
                if random.random() < self.crossover_probability:
                    tools.cxSimulatedBinaryBounded(a, b, self.eta_crossover, 0.0, 1.0)
            for child in children:
                tools.mutPolynomialBounded(child, self.eta_mutation, 0.0, 1.0, 1.0 / d)
        return children


# --- pycma ----------------------------------------------------------------------------------


class CMAAdapter(PeerAdapter):
    """pycma's ``CMAEvolutionStrategy`` on the unit cube (``bounds=[0, 1]``).

    It starts at the cube's centre with step size ``sigma0`` and pycma's default population
    size :math:`4 + \\lfloor 3 \\ln d \\rfloor`; a generation is told once all its members
    have values.

    Parameters
    ----------
    space : Space
    seed : int, default=0
    sigma0 : float, default=0.25
    restarts : {"none", "ipop"}, default="none"
        ``"ipop"``: when pycma's termination criteria fire (``es.stop()``), start a fresh
        strategy with twice the population, from a uniformly random mean and ``sigma0``
        (Auger & Hansen 2005, as pycma's ``cma.fmin2(..., restarts=...)`` with a random
        ``x0``).
    max_restarts : int, default=9
        Most restarts, >= 0 (pycma's ``fmin2`` default).

    Attributes
    ----------
    n_restarts_ : int
        Restarts so far.

    References
    ----------
    .. [1] A. Auger and N. Hansen, "A restart CMA evolution strategy with increasing
       population size", IEEE CEC 2005.
    """

    name = "cma_es"

    def __init__(self, space: Space, *, seed: int = 0, sigma0: float = 0.25,
                 restarts: str = "none", max_restarts: int = 9) -> None:
        super().__init__(space, seed=seed)
        self.sigma0 = float(check_scalar(sigma0, "sigma0", low=0.0, low_inclusive=False))
        if restarts not in ("none", "ipop"):
            raise ValueError(f"restarts must be 'none' or 'ipop'; got {restarts!r}")
        self.restarts = restarts
        self.max_restarts = int(check_scalar(max_restarts, "max_restarts", kind=int, low=0))
        if restarts == "ipop":
            self.name = "cma_es_ipop"
        self.n_restarts_ = 0
        self._rng = np.random.default_rng(self.seed)
        self._es = self._strategy(np.full(len(space), 0.5), None)
        self._queue: list[np.ndarray] = []
        self._told: list[tuple[np.ndarray, float]] = []

    def _strategy(self, x0: np.ndarray, popsize: int | None) -> Any:
        import cma

        rng = self._rng
        options = {"bounds": [0.0, 1.0], "seed": np.nan, "verbose": -9, "verb_log": 0,
                   "randn": lambda *shape: rng.standard_normal(shape)}
        if popsize is not None:
            options["popsize"] = popsize
        return cma.CMAEvolutionStrategy(x0, self.sigma0, options)

    def _ask(self) -> tuple[dict[str, Any], Any]:
        if not self._queue:
            self._queue = list(self._es.ask())
        x = self._queue.pop(0)
        return self.space.from_unit(np.clip(x, 0.0, 1.0)), x

    def _tell(self, x: np.ndarray, value: float) -> None:
        self._told.append((x, self._substitute(value, math.inf)))
        if len(self._told) == self._es.popsize:
            solutions, values = zip(*self._told, strict=True)
            self._es.tell(list(solutions), list(values))
            self._told = []
            if (self.restarts == "ipop" and self.n_restarts_ < self.max_restarts
                    and self._es.stop()):
                self.n_restarts_ += 1
                x0 = self._rng.uniform(0.0, 1.0, len(self.space))
                self._es = self._strategy(x0, 2 * self._es.popsize)
                self._queue = []
