"""CMA-ES restarts side by side: tunelab's none / IPOP / BIPOP against pycma's IPOP / BIPOP.

Each run minimizes a multimodal test function of the harness in ``--dim`` dimensions on the
unit cube of its box, from the cube's centre with sigma0 = 0.3, for ``--budget-factor`` x d
evaluations; its score is the best value found minus the optimum (the final regret). Ours:
``CMAES(restarts=...)`` through the array protocol; pycma: ``cma.fmin2`` with
``restarts=9, incpopsize=2`` and ``bipop=False`` / ``True``, bounds [0, 1] (its
``BoundTransform``), later runs from uniform random means as ours. Medians [IQR] over
``--seeds`` seeds; the rows of each function are the same seeds; Wilcoxon signed-rank of our
BIPOP against pycma's BIPOP and against our IPOP.

Run: ``python benchmarks/compare_cma_restarts.py [--dim 5] [--budget-factor 2000] [--seeds 10]``.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
from scipy.stats import wilcoxon
from threadpoolctl import threadpool_limits

from tunelab.bench import problems
from tunelab.search import CMAES

FUNCTIONS = ("rastrigin", "griewank", "levy", "styblinski_tang", "ackley")


def ours(name: str, rule: str, seed: int, dim: int, budget: int) -> float:
    problem = problems.get(name, dim=dim)
    es = CMAES(problem.space, restarts=rule, max_restarts=50, seed=seed)
    best = np.inf
    while es.n_told < budget:
        X = es.ask_array(min(es.lambda_, budget - es.n_told))
        values = problem.evaluate(X)
        es.tell_array(X, values)
        best = min(best, float(values.min()))
    return best - problem.optimum


def pycma(name: str, bipop: bool, seed: int, dim: int, budget: int) -> float:
    import cma

    problem = problems.get(name, dim=dim)
    lo, hi = problem.bounds[:, 0], problem.bounds[:, 1]
    rng = np.random.default_rng(seed)
    starts = iter([np.full(dim, 0.5)])
    best = np.inf

    def x0():
        start = next(starts, None)
        return rng.random(dim) if start is None else start

    def counted(u):
        nonlocal best
        value = float(problem.evaluate(lo + np.asarray(u) * (hi - lo)))
        best = min(best, value)
        return value

    options = {"bounds": [0.0, 1.0], "maxfevals": budget, "seed": seed + 1, "verbose": -9}
    cma.fmin2(counted, x0, 0.3, options, restarts=9, incpopsize=2, bipop=bipop)
    return best - problem.optimum


METHODS = {
    "ours none": lambda n, s, d, b: ours(n, "none", s, d, b),
    "ours IPOP": lambda n, s, d, b: ours(n, "ipop", s, d, b),
    "ours BIPOP": lambda n, s, d, b: ours(n, "bipop", s, d, b),
    "pycma IPOP": lambda n, s, d, b: pycma(n, False, s, d, b),
    "pycma BIPOP": lambda n, s, d, b: pycma(n, True, s, d, b),
}


def main(argv: list[str] | None = None) -> None:
    import cma

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dim", type=int, default=5)
    parser.add_argument("--budget-factor", type=int, default=2000)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--functions", nargs="+", default=list(FUNCTIONS))
    args = parser.parse_args(argv)
    budget = args.budget_factor * args.dim
    print(f"# {platform.processor() or platform.machine()}, Python {platform.python_version()}"
          f", NumPy {np.__version__}, cma {cma.__version__}; d = {args.dim}, {budget} "
          f"evaluations, {args.seeds} seeds")
    print("| function | " + " | ".join(METHODS) + " | BIPOP: ours vs pycma p | ours BIPOP vs "
          "IPOP p |")
    print("|---|" + "---|" * (len(METHODS) + 2))
    with threadpool_limits(1):
        for name in args.functions:
            scores, seconds = {}, {}
            for method, run in METHODS.items():
                start = time.perf_counter()
                scores[method] = np.array([run(name, s, args.dim, budget)
                                           for s in range(args.seeds)])
                seconds[method] = time.perf_counter() - start
            cells = [_cell(scores[m]) for m in METHODS]
            print(f"| {name} | " + " | ".join(cells) + f" | "
                  f"{_p(scores['ours BIPOP'], scores['pycma BIPOP'])} | "
                  f"{_p(scores['ours BIPOP'], scores['ours IPOP'])} |", flush=True)


def _cell(x: np.ndarray) -> str:
    q25, q50, q75 = np.percentile(x, [25, 50, 75])
    return f"{q50:.3g} [{q25:.2g}, {q75:.2g}]"


def _p(a: np.ndarray, b: np.ndarray) -> str:
    d = a - b
    if np.all(d == 0):
        return "1 (equal)"
    return f"{wilcoxon(a, b).pvalue:.2g} ({'ours' if np.median(d) < 0 else 'other'})"


if __name__ == "__main__":
    main()
