"""GeneticSearch beside DEAP's eaSimple, CMAES beside pycma, on 10-D test functions.

The problems are ``tunelab.bench.problems`` Rastrigin, Ackley and Rosenbrock in 10-D on their
standard boxes, with a budget of 10,000 evaluations and 20 seeds. Every method sees the same
objective; the table reports, per problem, the median (and interquartile range) over the seeds
of the best value found, and the ratio of our median to the peer's.

Settings, side by side:

- ``GeneticSearch`` with its defaults (population 20, tournament 3, SBX, polynomial mutation,
  2 elites), evaluated a generation at a time through ``ask_batch``/``tell``.
- DEAP's ``eaSimple`` loop (select, ``varAnd``, evaluate the changed individuals, replace),
  written out so that it stops at the budget: population 100, ``selTournament(tournsize=3)``,
  ``cxBlend(alpha=0.5)``, ``mutGaussian(sigma=0.1 * range, indpb=1/d)``, ``cxpb=0.5``,
  ``mutpb=0.2`` (DEAP's tutorial values), children clipped to the box.
- ``CMAES(restarts="ipop")`` and ``cma.fmin2`` with IPOP (``restarts=9, incpopsize=2``),
  both on the unit cube (pycma with ``bounds=[0, 1]``, its default ``BoundTransform``), both
  from the cube's centre with ``sigma0=0.3``, both restarting from uniform random means, and
  default population sizes.

Overhead per generation (population 100, 10-D, a constant objective so that objective time is
nil): our GA through the protocol (``ask_batch`` then ``tell``, which validate every
configuration), our GA's array step (selection, crossover, mutation of a whole population:
``make_offspring``), and DEAP's generation (``select``, ``varAnd``, fitness assignment), with
and without the clipping to the box.

Run: ``python benchmarks/compare_evolutionary.py [--seeds 20] [--budget 10000] [--jobs 2]``.
The machine is shared with other work, so timings are noisy.
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

import tunelab
from tunelab.bench import problems
from tunelab.search._ga_operators import Operators, gene_kinds, make_offspring
from tunelab.search.cmaes import CMAES
from tunelab.search.genetic import GeneticSearch

PROBLEMS = ("rastrigin", "ackley", "rosenbrock")
DIM = 10


def _values(problem, configs) -> np.ndarray:
    return problem.evaluate(np.array([list(c.values()) for c in configs]))


def run_ours(name: str, method: str, seed: int, budget: int) -> float:
    problem = problems.get(name, dim=DIM)
    if method == "genetic":
        strategy = GeneticSearch(problem.space, seed=seed)
    else:
        strategy = CMAES(problem.space, restarts="ipop", seed=seed)
    best = np.inf
    while strategy.n_told < budget:
        size = strategy.population_size if method == "genetic" else strategy.lambda_
        configs = strategy.ask_batch(min(size, budget - strategy.n_told))
        values = _values(problem, configs)
        for config, value in zip(configs, values, strict=True):
            strategy.tell(config, float(value))
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


def run_deap(name: str, seed: int, budget: int, cxpb: float = 0.5, mutpb: float = 0.2) -> float:
    from deap import algorithms

    problem = problems.get(name, dim=DIM)
    toolbox = _deap_toolbox(problem, seed)
    population = toolbox.population(n=100)
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
        if method in ("genetic", "cmaes"):
            return name, method, seed, run_ours(name, method, seed, budget)
        runner = run_deap if method == "deap" else run_cma
        return name, method, seed, runner(name, seed, budget)


# --- overhead per generation ------------------------------------------------------------------
def _median_seconds(step, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def overhead(repeats: int = 50) -> dict[str, float]:
    problem = problems.get("rastrigin", dim=DIM)
    out = {}
    strategy = GeneticSearch(problem.space, population_size=100, seed=0)

    def protocol_generation():
        for config in strategy.ask_batch(100):
            strategy.tell(config, 1.0)

    protocol_generation()  # compile the kernels
    out["ours: ask_batch + tell"] = _median_seconds(protocol_generation, repeats)
    rng = np.random.default_rng(0)
    U, f = rng.random((100, DIM)), rng.random(100)
    ops, genes = Operators(mutation_rate=1.0 / DIM), gene_kinds(problem.space)  # the defaults
    out["ours: make_offspring"] = _median_seconds(
        lambda: make_offspring(problem.space, ops, U, f, 100, rng, genes), repeats)
    if not _importable("deap"):
        return out
    for clipped in (True, False):
        label = "DEAP: select + varAnd + evaluate" + ("" if clipped else ", unclipped")
        out[label] = _median_seconds(_deap_generation(problem, clipped), repeats)
    return out


def _deap_generation(problem, clipped: bool):
    """One eaSimple generation (population 100) with a constant objective, as a closure."""
    from deap import algorithms

    toolbox = _deap_toolbox(problem, 0, clipped)
    toolbox.register("evaluate", lambda ind: (1.0,))
    population = toolbox.population(n=100)
    for ind in population:
        ind.fitness.values = (1.0,)

    def generation():
        offspring = algorithms.varAnd(toolbox.select(population, 100), toolbox, 0.5, 0.2)
        for ind in offspring:
            if not ind.fitness.valid:
                ind.fitness.values = toolbox.evaluate(ind)
        population[:] = offspring

    return generation


def _versions() -> str:
    parts = [f"python {platform.python_version()}", f"numpy {np.__version__}",
             f"tunelab {tunelab.__version__}"]
    for module in ("numba", "deap", "cma"):
        try:
            parts.append(f"{module} {__import__(module).__version__}")
        except ImportError:
            parts.append(f"{module} missing")
    return ", ".join(parts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--budget", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    print(_versions())
    print(f"machine: {platform.machine()} {platform.processor() or ''}, {os.cpu_count()} CPUs, "
          f"{platform.system()} {platform.release()}; shared with other work: timings noisy")
    with threadpool_limits(1):
        for label, seconds in overhead().items():
            print(f"overhead per generation, {label:45s} {1e3 * seconds:8.3f} ms")
    methods = ["genetic", "cmaes"] + [m for m, mod in (("deap", "deap"), ("cma", "cma"))
                                      if _importable(mod)]
    jobs = [(p, m, s, args.budget) for p in PROBLEMS for m in methods for s in range(args.seeds)]
    start = time.perf_counter()
    with ProcessPoolExecutor(args.jobs) as pool:
        results = list(pool.map(_job, jobs))
    print(f"{len(jobs)} runs in {time.perf_counter() - start:.0f} s "
          f"({args.budget} evaluations each, {args.seeds} seeds)")
    _table(results, methods)


def _importable(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def _table(results: list[tuple], methods: list[str]) -> None:
    best = {}
    for name, method, _, value in results:
        best.setdefault((name, method), []).append(value)
    print(f"{'problem':12s}" + "".join(f"{m + ' median [IQR]':>34s}" for m in methods)
          + "   GA/DEAP  CMA/cma")
    for name in PROBLEMS:
        row, medians = f"{name:12s}", {}
        for method in methods:
            v = np.asarray(best[name, method])
            q1, med, q3 = np.percentile(v, [25, 50, 75])
            medians[method] = med
            row += f"{med:12.4g} [{q1:9.3g}, {q3:9.3g}]"
        for ours, peer in (("genetic", "deap"), ("cmaes", "cma")):
            ratio = medians[ours] / medians[peer] if peer in medians and medians[peer] else np.nan
            row += f"  {ratio:8.3g}"
        print(row)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
