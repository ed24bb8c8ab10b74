"""GeneticSearch beside DEAP's eaSimple, CMAES beside pycma, on 10-D test functions.

The problems are ``tunelab.bench.problems`` Rastrigin, Ackley and Rosenbrock in 10-D on their
standard boxes, with a budget of 10,000 evaluations and 20 seeds. Every method sees the same
objective; the table reports, per problem, the median (and interquartile range) over the seeds
of the best value found, and the ratio of our median to the peer's (below 1: ours is better).

Settings, side by side:

- ``genetic``: ``GeneticSearch`` with its defaults (population 20, tournament 3, SBX,
  polynomial mutation, 2 elites), evaluated a generation at a time through
  ``ask_array``/``tell_array`` (``ask_array`` hands out the rest of the generation as rows:
  its children new to the search; clones of a configuration already evaluated take its
  value). The array protocol proposes exactly what ``ask_batch``/``tell_batch`` would.
- ``genetic_eq``: ``GeneticSearch`` set as close to DEAP's eaSimple as its options allow:
  population 100, tournament 3, BLX-0.5 crossover of a pair with probability 0.5, Gaussian
  mutation of sigma 0.1 of the range, no elitism. What still differs: (1) DEAP mutates an
  individual with probability ``mutpb = 0.2`` and then each gene with ``indpb = 1/d``; ours has
  no individual-level gate, so each gene mutates with probability ``0.2/d`` (the same rate per
  gene, spread over all children); (2) DEAP's ``cxBlend`` uses one draw per gene for both
  children (they mirror each other in the interval), ours one draw per child; (3) DEAP clips
  children to the box, ours reflects them at the bounds. Both evaluate only the children
  that are new: DEAP those that crossover or mutation changed (clones keep their parent's
  fitness), ours those whose configuration has no value yet (clones of any configuration
  already evaluated, and twins within a generation, take its value), so with these rates
  (about 40% clones) both get about 1.7 generations per 100 evaluations.
- ``deap_sbx``: DEAP's ``eaSimple`` set as our defaults: population 20, tournament 3,
  ``cxSimulatedBinaryBounded(eta=20)`` with ``cxpb=0.9``, ``mutPolynomialBounded(eta=20,
  indpb=1/d)`` with ``mutpb=1`` (every child goes through mutation, each gene with
  probability 1/d, as ours). What differs: ours keeps 2 elites (``eaSimple`` none), crosses
  every gene of a mating pair (DEAP's each with probability 1/2) and screens clones.
- ``deap``: DEAP's ``eaSimple`` loop (select, ``varAnd``, evaluate the changed individuals,
  replace), written out so that it stops at the budget: population 100,
  ``selTournament(tournsize=3)``, ``cxBlend(alpha=0.5)``, ``mutGaussian(sigma=0.1 * range,
  indpb=1/d)``, ``cxpb=0.5``, ``mutpb=0.2`` (DEAP's tutorial values), children clipped to the
  box.
- ``cmaes``/``cma``: ``CMAES(restarts="ipop")`` and ``cma.fmin2`` with IPOP (``restarts=9,
  incpopsize=2``), both on the unit cube (pycma with ``bounds=[0, 1]``, its default
  ``BoundTransform``), both from the cube's centre with ``sigma0=0.3``, both restarting from
  uniform random means, and default population sizes.

Overhead per generation, objective time excluded (population 100, 10-D Rastrigin box, a constant
objective): our GA (defaults, and the ``genetic_eq`` settings, which use DEAP's operators) and
our CMA-ES (``population_size=100``) through the public protocol, one ``ask_batch(100)`` (our
GA's returns the generation's new children only, as DEAP evaluates only the changed ones) and
then either a ``tell`` per configuration dict or one ``tell_batch``, or the same through the
array protocol (``ask_array(100)``, then ``tell_array`` of the rows: no dict is built); our GA's
array step alone (selection, crossover and mutation of a whole population: ``make_offspring``);
and DEAP's generation (``select``, ``varAnd``, fitness assignment of the changed individuals)
with and without the clipping to the box, and with our defaults' operators (SBX and polynomial
mutation, ``cxpb = 0.9``, ``mutpb = 1``). The rows are timed in interleaved rounds (each round
runs every row for a share of the generations), so a slow spell of the shared machine hits every
row alike; each row reports the median over all its generations. Target: DEAP's time at least 10
times ours, each of our GA rows beside the DEAP row with the same operators and children kept in
the box (the defaults beside DEAP with SBX, ``genetic_eq`` beside the clipped tutorial loop);
the other ratios are printed too.

Run: ``python benchmarks/compare_evolutionary.py [--seeds 20] [--budget 10000] [--jobs 2]``
(``--overhead-only`` skips the quality runs). The machine is shared with other work, so
timings are noisy; the ratios, measured side by side, are steadier than the times.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from threadpoolctl import threadpool_limits

from _versions import importable, versions
from tunelab.bench import problems
from tunelab.search._ga_operators import Operators, gene_kinds, make_offspring
from tunelab.search.cmaes import CMAES
from tunelab.search.genetic import GeneticSearch

PROBLEMS = ("rastrigin", "ackley", "rosenbrock")
DIM = 10


GENETIC_EQ = {"population_size": 100, "tournament_size": 3, "crossover": "blend",
              "blend_alpha": 0.5, "crossover_rate": 0.5, "mutation": "gaussian", "sigma": 0.1,
              "mutation_rate": 0.2 / DIM, "elitism": 0}


def run_ours(name: str, method: str, seed: int, budget: int) -> float:
    problem = problems.get(name, dim=DIM)
    if method == "genetic":
        strategy = GeneticSearch(problem.space, seed=seed)
    elif method == "genetic_eq":
        strategy = GeneticSearch(problem.space, seed=seed, **GENETIC_EQ)
    else:
        strategy = CMAES(problem.space, restarts="ipop", seed=seed)
    best = np.inf
    while strategy.n_told < budget:
        size = strategy.lambda_ if method == "cmaes" else strategy.population_size
        X = strategy.ask_array(min(size, budget - strategy.n_told))
        values = problem.evaluate(X)
        strategy.tell_array(X, values)
        best = min(best, float(values.min()))
    return best


def _deap_toolbox(problem, seed: int, clipped: bool = True):
    from deap import base, creator, tools

    if not hasattr(creator, "FitnessMin"):
        creator.create("FitnessMin", base.Fitness, weights=(-1.0,))
        creator.create("Individual", list, fitness=creator.FitnessMin)
    lo, hi = problem.bounds[:, 0], problem.bounds[:, 1]
    random.seed(seed)
    toolbox = base.Toolbox()
    toolbox.register("individual", lambda: creator.Individual(
        (lo + np.array([random.random() for _ in lo]) * (hi - lo)).tolist()))
    toolbox.register("population", tools.initRepeat, list, toolbox.individual)
    toolbox.register("evaluate", lambda ind: (float(problem.evaluate(np.asarray(ind))),))
    toolbox.register("mate", tools.cxBlend, alpha=0.5)
    toolbox.register("mutate", tools.mutGaussian, mu=0.0, sigma=(0.1 * (hi - lo)).tolist(),
                     indpb=1.0 / len(lo))
    toolbox.register("select", tools.selTournament, tournsize=3)

    def clip(func):
        def wrapper(*args, **kwargs):
            children = func(*args, **kwargs)
            for child in children:
                child[:] = np.clip(child, lo, hi).tolist()
            return children
        return wrapper

    if clipped:
        toolbox.decorate("mate", clip)
        toolbox.decorate("mutate", clip)
    return toolbox


def _deap_sbx_toolbox(problem, seed: int):
    """DEAP set as our GeneticSearch defaults: Deb's bounded SBX and polynomial mutation
    (eta 20), tournaments of 3."""
    from deap import tools

    toolbox = _deap_toolbox(problem, seed, clipped=False)
    lo, hi = problem.bounds[:, 0].tolist(), problem.bounds[:, 1].tolist()
    toolbox.register("mate", tools.cxSimulatedBinaryBounded, eta=20.0, low=lo, up=hi)
    toolbox.register("mutate", tools.mutPolynomialBounded, eta=20.0, low=lo, up=hi,
                     indpb=1.0 / len(lo))
    return toolbox


def run_deap(name: str, seed: int, budget: int, sbx: bool = False) -> float:
    """DEAP's eaSimple, stopping at the budget: the tutorial's settings, or (``sbx``) those
    of our defaults (population 20, cxpb 0.9, mutpb 1)."""
    from deap import algorithms

    problem = problems.get(name, dim=DIM)
    toolbox = _deap_sbx_toolbox(problem, seed) if sbx else _deap_toolbox(problem, seed)
    cxpb, mutpb = (0.9, 1.0) if sbx else (0.5, 0.2)
    population = toolbox.population(n=20 if sbx else 100)
    n_evals, best = 0, np.inf
    invalid = population
    while True:  # eaSimple, stopping inside a generation when the budget runs out
        for ind in invalid:
            if n_evals == budget:
                return best
            ind.fitness.values = toolbox.evaluate(ind)
            n_evals += 1
            best = min(best, ind.fitness.values[0])
        offspring = algorithms.varAnd(toolbox.select(population, len(population)), toolbox,
                                      cxpb, mutpb)
        invalid = [ind for ind in offspring if not ind.fitness.valid]
        population[:] = offspring


def run_cma(name: str, seed: int, budget: int) -> float:
    import cma

    problem = problems.get(name, dim=DIM)
    lo, hi = problem.bounds[:, 0], problem.bounds[:, 1]
    rng = np.random.default_rng(seed)
    starts = iter([np.full(DIM, 0.5)])

    def x0():  # the centre first, then uniform random means (as CMAES's IPOP)
        start = next(starts, None)
        return rng.random(DIM) if start is None else start

    def objective(u):
        return float(problem.evaluate(lo + np.asarray(u) * (hi - lo)))

    best = np.inf

    def counted(u):
        nonlocal best
        value = objective(u)
        best = min(best, value)
        return value

    options = {"bounds": [0.0, 1.0], "maxfevals": budget, "seed": seed + 1, "verbose": -9}
    cma.fmin2(counted, x0, 0.3, options, restarts=9, incpopsize=2)
    return best


def _job(args: tuple) -> tuple:
    name, method, seed, budget = args
    with threadpool_limits(1):
        if method in ("genetic", "genetic_eq", "cmaes"):
            return name, method, seed, run_ours(name, method, seed, budget)
        if method == "cma":
            return name, method, seed, run_cma(name, seed, budget)
        return name, method, seed, run_deap(name, seed, budget, sbx=method == "deap_sbx")


# --- overhead per generation ------------------------------------------------------------------
POPULATION = 100


def _protocol_generation(strategy, protocol: str):
    """One generation through the public protocol, with a constant objective: a ``tell``
    per configuration, one ``tell_batch``, or the array protocol (``ask_array`` and
    ``tell_array``)."""

    def generation():
        if protocol == "array":
            X = strategy.ask_array(POPULATION)
            strategy.tell_array(X, np.ones(len(X)))
            return
        configs = strategy.ask_batch(POPULATION)
        if protocol == "batch":
            strategy.tell_batch(configs, [1.0] * len(configs))
            return
        for config in configs:
            strategy.tell(config, 1.0)

    return generation


def _offspring_generation(problem):
    rng = np.random.default_rng(0)
    U, f = rng.random((POPULATION, DIM)), rng.random(POPULATION)
    ops, genes = Operators(mutation_rate=1.0 / DIM), gene_kinds(problem.space)  # the defaults
    return lambda: make_offspring(problem.space, ops, U, f, POPULATION, rng, genes)


def _deap_generation(problem, clipped: bool = True, sbx: bool = False):
    """One eaSimple generation (population 100) with a constant objective, as a closure: the
    tutorial's operators (clipped to the box or not), or (``sbx``) our defaults'."""
    from deap import algorithms

    toolbox = _deap_sbx_toolbox(problem, 0) if sbx else _deap_toolbox(problem, 0, clipped)
    cxpb, mutpb = (0.9, 1.0) if sbx else (0.5, 0.2)
    toolbox.register("evaluate", lambda ind: (1.0,))
    population = toolbox.population(n=POPULATION)
    for ind in population:
        ind.fitness.values = (1.0,)

    def generation():
        offspring = algorithms.varAnd(toolbox.select(population, POPULATION), toolbox, cxpb,
                                      mutpb)
        for ind in offspring:
            if not ind.fitness.valid:
                ind.fitness.values = toolbox.evaluate(ind)
        population[:] = offspring

    return generation


OURS_GA = "ours GA defaults: ask_batch + tell each"
OURS_GA_EQ = "ours GA genetic_eq: ask_batch + tell each"
OURS_CMA = "ours CMA-ES: ask_batch + tell each"
OURS_GA_B = "ours GA: ask_batch + tell_batch"
OURS_GA_EQ_B = "ours GA genetic_eq: ask_batch + tell_batch"
OURS_CMA_B = "ours CMA-ES: ask_batch + tell_batch"
OURS_GA_A = "ours GA: ask_array + tell_array"
OURS_GA_EQ_A = "ours GA genetic_eq: ask_array + tell_array"
OURS_CMA_A = "ours CMA-ES: ask_array + tell_array"
OURS = (OURS_GA, OURS_GA_B, OURS_GA_A, OURS_GA_EQ, OURS_GA_EQ_B, OURS_GA_EQ_A, OURS_CMA,
        OURS_CMA_B, OURS_CMA_A)
OURS_STEP = "ours GA: make_offspring (array step)"
DEAP_CLIPPED, DEAP_UNCLIPPED = "DEAP: select + varAnd + evaluate", "DEAP: the same, unclipped"
DEAP_SBX = "DEAP with our defaults' operators (SBX)"
# each of ours beside the DEAP rows doing the same work: operators alike, children in the box
PEERS = {OURS_GA: DEAP_SBX, OURS_GA_B: DEAP_SBX, OURS_GA_A: DEAP_SBX, OURS_STEP: DEAP_SBX,
         OURS_GA_EQ: DEAP_CLIPPED, OURS_GA_EQ_B: DEAP_CLIPPED, OURS_GA_EQ_A: DEAP_CLIPPED}


def overhead(generations: int = 400, rounds: int = 8) -> dict[str, np.ndarray]:
    """Seconds per generation of each row, ``generations`` of each in interleaved rounds."""
    problem = problems.get("rastrigin", dim=DIM)
    space = problem.space
    steps = {}
    for labels, make in (
        ((OURS_GA, OURS_GA_B, OURS_GA_A),
         lambda: GeneticSearch(space, population_size=POPULATION, seed=0)),
        ((OURS_GA_EQ, OURS_GA_EQ_B, OURS_GA_EQ_A),
         lambda: GeneticSearch(space, seed=0, **GENETIC_EQ)),
        ((OURS_CMA, OURS_CMA_B, OURS_CMA_A),
         lambda: CMAES(space, population_size=POPULATION, seed=0)),
    ):
        for label, protocol in zip(labels, ("each", "batch", "array"), strict=True):
            steps[label] = _protocol_generation(make(), protocol)
    steps[OURS_STEP] = _offspring_generation(problem)
    if importable("deap"):
        steps[DEAP_CLIPPED] = _deap_generation(problem, True)
        steps[DEAP_UNCLIPPED] = _deap_generation(problem, False)
        steps[DEAP_SBX] = _deap_generation(problem, sbx=True)
    for step in steps.values():  # compile the kernels, warm the caches
        for _ in range(3):
            step()
    times: dict[str, list[float]] = {label: [] for label in steps}
    for _ in range(rounds):
        for label, step in steps.items():
            for _ in range(generations // rounds):
                start = time.perf_counter()
                step()
                times[label].append(time.perf_counter() - start)
    return {label: np.asarray(t) for label, t in times.items()}


def _report_overhead(times: dict[str, np.ndarray]) -> None:
    median = {label: float(np.median(t)) for label, t in times.items()}
    for label, t in times.items():
        q1, q3 = np.percentile(t, [25, 75])
        print(f"overhead per generation, {label:42s} {1e3 * median[label]:7.3f} ms "
              f"[IQR {1e3 * q1:.3f}, {1e3 * q3:.3f}]")
    if DEAP_CLIPPED not in median:
        return
    for ours in (*OURS, OURS_STEP):
        ratios = {deap: median[deap] / median[ours]
                  for deap in (DEAP_SBX, DEAP_CLIPPED, DEAP_UNCLIPPED)}
        peer = PEERS.get(ours)
        verdict = ("no equivalent DEAP row" if peer is None else
                   f"target >= 10x the equivalent: {'met' if ratios[peer] >= 10 else 'NOT met'}")
        print(f"  DEAP / {ours:42s} {ratios[DEAP_SBX]:5.1f}x SBX, {ratios[DEAP_CLIPPED]:5.1f}x "
              f"clipped, {ratios[DEAP_UNCLIPPED]:5.1f}x unclipped  ({verdict})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--budget", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--generations", type=int, default=400,
                        help="timed generations per overhead row")
    parser.add_argument("--overhead-only", action="store_true")
    args = parser.parse_args(argv)
    print(versions("numba", "deap", "cma"))
    print(f"machine: {platform.machine()} {platform.processor() or ''}, {os.cpu_count()} CPUs, "
          f"{platform.system()} {platform.release()}; shared with other work: timings noisy")
    with threadpool_limits(1):
        _report_overhead(overhead(args.generations))
    if args.overhead_only:
        return
    methods = ["genetic", "genetic_eq", "cmaes"] + [
        m for m, mod in (("deap_sbx", "deap"), ("deap", "deap"), ("cma", "cma"))
        if importable(mod)]
    jobs = [(p, m, s, args.budget) for p in PROBLEMS for m in methods for s in range(args.seeds)]
    start = time.perf_counter()
    with ProcessPoolExecutor(args.jobs) as pool:
        results = list(pool.map(_job, jobs))
    print(f"{len(jobs)} runs in {time.perf_counter() - start:.0f} s "
          f"({args.budget} evaluations each, {args.seeds} seeds)")
    _table(results, methods)




RATIOS = (("genetic", "deap_sbx", "GA/DEAPsbx"), ("genetic", "deap", "GA/DEAP"),
          ("genetic_eq", "deap", "GAeq/DEAP"), ("cmaes", "cma", "CMA/cma"))


def _table(results: list[tuple], methods: list[str]) -> None:
    best = {}
    for name, method, _, value in results:
        best.setdefault((name, method), []).append(value)
    print("median best value [interquartile range] over the seeds; ratios of medians "
          "(below 1: ours better)")
    print(f"{'problem':12s}" + "".join(f"{m:>32s}" for m in methods)
          + "".join(f"{label:>11s}" for *_, label in RATIOS))
    for name in PROBLEMS:
        row, medians = f"{name:12s}", {}
        for method in methods:
            v = np.asarray(best[name, method])
            q1, med, q3 = np.percentile(v, [25, 50, 75])
            medians[method] = med
            row += f"{med:10.4g} [{q1:9.3g}, {q3:9.3g}]"
        for ours, peer, _ in RATIOS:
            ratio = medians[ours] / medians[peer] if peer in medians and medians[peer] else np.nan
            row += f"{ratio:11.3g}"
        print(row)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
