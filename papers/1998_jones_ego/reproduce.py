"""Jones, Schonlau & Welch (1998), "Efficient global optimization of expensive black-box
functions", J. Global Optim. 13:455-492: EGO on the paper's eight test functions.

EGO, written with tunelab's Gaussian process and expected improvement: a Latin hypercube of
10 d points; then, until the largest expected improvement falls below 1 % of the best modeled
value, fit the GP's hyperparameters by maximum likelihood, evaluate the point of largest EI,
and repeat. The GP models a transform of the function where the paper did (log for
Goldstein-Price, -log(-y) for Shekel and Hartmann). Beside it, tunelab's default
``BayesianOptimization`` (the ``"bayes"`` strategy) on the same functions and budgets.

Run ``python papers/1998_jones_ego/reproduce.py`` (all eight functions, 10 seeds; about
10 minutes on 2 cores) or ``--quick`` (Branin and the six-hump camel, 3 seeds), and
``--json PATH`` to write the checked figures.
"""

from __future__ import annotations

import sys
import time
import warnings
from typing import Any

import numpy as np
from scipy.optimize import minimize

import tunelab as tl
from tunelab._papers import script_main

FUNCTIONS = {  # name: the transform the GP models
    "branin": "none", "goldstein_price": "log", "six_hump_camel": "none",
    "hartmann3": "neglog", "hartmann6": "neglog",
    "shekel5": "neglog", "shekel7": "neglog", "shekel10": "neglog",
}
DIRECT_1993 = {  # evaluations to 0.01 % error, Jones, Perttunen & Stuckman (1993), Table 2
    "shekel5": 103, "shekel7": 97, "shekel10": 97, "hartmann3": 83, "hartmann6": 213,
    "branin": 63, "goldstein_price": 101, "six_hump_camel": 113,
}
BUDGET_PAST_DESIGN = 150  # evaluations allowed after the initial design


def transform(y: np.ndarray, kind: str) -> np.ndarray:
    if kind == "log":
        return np.log(y)
    if kind == "neglog":
        return -np.log(-y)
    return y


def within(f: float, optimum: float, rel: float = 0.01) -> bool:
    return abs(f - optimum) <= rel * abs(optimum)


def fit_gp(X: np.ndarray, t: np.ndarray, seed: int) -> tl.gp.GaussianProcess:
    """An interpolating GP (noise 1e-6 in standardized units) with a squared-exponential
    kernel, one lengthscale per input, fitted by maximum likelihood with restarts."""
    kernel = tl.gp.RBF(np.full(X.shape[1], 0.3), lengthscale_bounds=(1e-2, 1e2))
    gp = tl.gp.GaussianProcess(kernel, noise=1e-6, normalize_y=True, n_restarts=3,
                               random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lengthscales at a bound, jitter: EGO goes on
        return gp.fit(X, t, optimize=True)


def argmax_ei(gp: tl.gp.GaussianProcess, best: float, dim: int,
              rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """The point of largest EI in the unit cube: 2,000 uniform candidates, the five best
    polished by L-BFGS-B (the paper used branch and bound)."""

    def ei(U: np.ndarray) -> np.ndarray:
        mean, std = gp.predict(np.atleast_2d(U), return_std=True)
        return np.asarray(tl.gp.expected_improvement(mean, std, best))

    U = rng.uniform(size=(2000, dim))
    values = ei(U)
    x_best, v_best = U[values.argmax()], float(values.max())
    for start in U[np.argsort(values)[-5:]]:
        res = minimize(lambda u: -ei(u)[0], start, method="L-BFGS-B", bounds=[(0, 1)] * dim)
        if -res.fun > v_best:
            x_best, v_best = res.x, float(-res.fun)
    return x_best, v_best


def ego(name: str, seed: int) -> dict[str, Any]:
    """One EGO run: evaluations to within 1 % of the optimum, at the stop, and the best."""
    problem = tl.bench.problems.get(name)
    low, high = problem.bounds[:, 0], problem.bounds[:, 1]
    dim, kind = problem.dim, FUNCTIONS[name]
    unit_space = tl.Space({f"x{i}": tl.Real(0.0, 1.0) for i in range(dim)})
    design = tl.search.RandomSearch(unit_space, sampler="lhs", design_size=10 * dim, seed=seed)
    U = unit_space.to_unit(design.ask_batch(10 * dim))
    f = problem.function(low + U * (high - low))
    rng = np.random.default_rng(seed)
    stopped_by = "budget"
    while len(f) < 10 * dim + BUDGET_PAST_DESIGN:
        t = transform(f, kind)
        gp = fit_gp(U, t, seed)
        u, ei = argmax_ei(gp, float(t.min()), dim, rng)
        if ei < 0.01 * abs(float(t.min())):
            stopped_by = "EI"
            break
        U = np.vstack([U, u])
        f = np.append(f, problem.function((low + u * (high - low))[None])[0])
    hits = [i + 1 for i, v in enumerate(np.minimum.accumulate(f)) if within(v, problem.optimum)]
    return {"to_1pct": hits[0] if hits else None, "at_stop": len(f), "stopped_by": stopped_by,
            "best": float(f.min()), "rel_error": float(abs(f.min() - problem.optimum)
                                                       / abs(problem.optimum))}


def bayes(name: str, seed: int, budget: int) -> int | None:
    """Evaluations tunelab's default BayesianOptimization needs to within 1 %."""
    problem = tl.bench.problems.get(name)
    bo = tl.search.BayesianOptimization(problem.space, seed=seed)
    for n in range(1, budget + 1):
        config = bo.ask()
        value = problem(config)
        bo.tell(config, value)
        if within(value, problem.optimum):
            return n
    return None


def figures(quick: bool) -> dict[str, Any]:
    start = time.perf_counter()
    names = ["branin", "six_hump_camel"] if quick else list(FUNCTIONS)
    seeds = range(3 if quick else 10)
    rows = {}
    for name in names:
        runs = [ego(name, s) for s in seeds]
        dim = tl.bench.problems.get(name).dim
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bo = [bayes(name, s, 10 * dim + BUDGET_PAST_DESIGN) for s in seeds]
        rows[name] = {"ego": runs, "bayes": bo}
    return {"rows": rows, "seconds": time.perf_counter() - start}


def _median(values: list[int | None]) -> float | None:
    """The median, counting a run that never got there as larger than any that did."""
    ranked = sorted(v if v is not None else np.inf for v in values)
    m = float(np.median(ranked))
    return None if not np.isfinite(m) else m


def checked(result: dict[str, Any]) -> dict[str, float]:
    flat = {}
    for name, row in result["rows"].items():
        flat[f"{name}_ego_median_to_1pct"] = _median([r["to_1pct"] for r in row["ego"]])
        flat[f"{name}_ego_median_at_stop"] = _median([r["at_stop"] for r in row["ego"]])
        flat[f"{name}_ego_reached"] = sum(r["to_1pct"] is not None for r in row["ego"])
        flat[f"{name}_bayes_median_to_1pct"] = _median(row["bayes"])
    return flat


def print_report(result: dict[str, Any]) -> None:
    print(f"{'function':<16}{'EGO to 1 %':>22}{'EGO at stop':>24}{'stopped by EI':>15}"
          f"{'best rel. error':>17}{'bayes to 1 %':>24}{'DIRECT 0.01 %':>15}")
    for name, row in result["rows"].items():
        runs = row["ego"]

        def cell(values: list[int | None]) -> str:
            m = _median(values)
            got = [v for v in values if v is not None]
            span = f"[{min(got)}, {max(got)}]" if got else "[-]"
            return f"{'-' if m is None else f'{m:g}'} {span} {len(got)}/{len(values)}"

        errors = [r["rel_error"] for r in runs]
        print(f"{name:<16}{cell([r['to_1pct'] for r in runs]):>22}"
              f"{cell([r['at_stop'] for r in runs]):>24}"
              f"{sum(r['stopped_by'] == 'EI' for r in runs):>12}/{len(runs)}"
              f"{np.median(errors):>17.1e}{cell(row['bayes']):>24}{DIRECT_1993[name]:>15}")
    print(f"{result['seconds']:.0f} s")


def main(argv: list[str] | None = None) -> dict[str, float]:
    return script_main(__doc__, figures, print_report, checked, argv)


if __name__ == "__main__":
    main(sys.argv[1:])
