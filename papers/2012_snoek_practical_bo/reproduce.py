"""Snoek, Larochelle & Adams (2012), "Practical Bayesian optimization of machine learning
algorithms", NIPS 25: covariance functions and integrated expected improvement on Branin.

Variants of tunelab's ``BayesianOptimization`` with expected improvement, all with one
lengthscale per input (ARD): Matérn-5/2 with the hyperparameters at their maximum likelihood
("GP EI Opt") and integrated over 8 slice samples of their posterior ("GP EI MCMC"),
squared-exponential and Matérn-3/2 with maximum likelihood; beside them hyperopt's TPE and
random search, in tunelab's benchmark runner. Each run starts from the strategy's own
initial design and has the same budget.

Run ``python papers/2012_snoek_practical_bo/reproduce.py`` (20 repeats of 50 evaluations,
then TPE alone to 200; about 3 minutes on 2 cores) or ``--quick`` (5 repeats of 30
evaluations, without the slice sampler), and ``--json PATH`` to write the checked figures.
"""

from __future__ import annotations

import sys
import time
import warnings
from typing import Any

import numpy as np

import tunelab as tl
from tunelab._papers import script_main

LONG = 200  # TPE's budget in the full run's second pass, to see when it gets there
TARGET = 1e-2  # regret that counts as "found the minimum" (Branin's minimum is 0.397887)


def _bo(space: tl.Space, seed: int, **options: Any) -> tl.search.BayesianOptimization:
    return tl.search.BayesianOptimization(space, acquisition="ei", seed=seed, **options)


def matern52_opt(space, seed):
    return _bo(space, seed, kernel="matern52", hyperparameters="ml2")


def matern52_mcmc(space, seed):
    return _bo(space, seed, kernel="matern52", hyperparameters="slice")


def se_opt(space, seed):
    return _bo(space, seed, kernel="rbf", hyperparameters="ml2")


def matern32_opt(space, seed):
    return _bo(space, seed, kernel="matern32", hyperparameters="ml2")


def strategies(quick: bool) -> list[Any]:
    rows = [("GP EI Opt, Matérn-5/2 ARD", matern52_opt)]
    if not quick:
        rows.append(("GP EI MCMC, Matérn-5/2 ARD", matern52_mcmc))
    rows += [("GP EI Opt, SE ARD", se_opt), ("GP EI Opt, Matérn-3/2 ARD", matern32_opt)]
    if "hyperopt_tpe" in tl.bench.peers.names():
        rows.append("hyperopt_tpe")
    return [*rows, "random"]


def figures(quick: bool) -> dict[str, Any]:
    start = time.perf_counter()
    budget, repeats = (30, 5) if quick else (50, 20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # BO's lengthscale advice, TPE's deprecations
        results = tl.bench.run(["branin"], strategies(quick), budget=budget, seeds=repeats)
    regret: dict[str, np.ndarray] = {}
    for record in results.to_records():
        regret.setdefault(record["strategy"], []).append(record["regret"])
    table = {}
    for name, values in regret.items():
        curves = np.asarray(values).reshape(repeats, budget)  # seed-major, evaluation order
        hit = curves <= TARGET
        first = np.where(hit.any(axis=1), hit.argmax(axis=1) + 1, np.inf)
        table[name] = {
            "mean": curves.mean(axis=0).tolist(),
            "se": (curves.std(axis=0, ddof=1) / np.sqrt(repeats)).tolist(),
            "median_to_target": float(np.median(first)),
            "reached": int(np.isfinite(first).sum()),
        }
    long = {}
    if not quick and "hyperopt_tpe" in tl.bench.peers.names():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            runs = tl.bench.run(["branin"], ["hyperopt_tpe"], budget=LONG, seeds=repeats)
        curves = np.array([r["regret"] for r in runs.to_records()]).reshape(repeats, LONG)
        hit = curves <= TARGET
        first = np.where(hit.any(axis=1), hit.argmax(axis=1) + 1, np.inf)
        long = {"median_to_target": float(np.median(first)),
                "reached": int(np.isfinite(first).sum())}
    return {"table": table, "budget": budget, "repeats": repeats, "tpe_long": long,
            "seconds": time.perf_counter() - start}


KEYS = {  # row label: the short name of its checked figures
    "GP EI Opt, Matérn-5/2 ARD": "matern52_opt", "GP EI MCMC, Matérn-5/2 ARD": "matern52_mcmc",
    "GP EI Opt, SE ARD": "se_opt", "GP EI Opt, Matérn-3/2 ARD": "matern32_opt",
    "hyperopt_tpe": "tpe", "random": "random",
}


def checked(result: dict[str, Any]) -> dict[str, float]:
    flat = {}
    for name, row in result["table"].items():
        key = KEYS[name]
        m = row["median_to_target"]
        flat[f"{key}_median_to_target"] = m if np.isfinite(m) else result["budget"] + 1.0
        flat[f"{key}_reached"] = row["reached"]
    return flat


def print_report(result: dict[str, Any]) -> None:
    budget, repeats = result["budget"], result["repeats"]
    marks = [m for m in (10, 20, 30, 50) if m <= budget]
    print(f"Branin, {repeats} repeats of {budget} evaluations: mean regret (s.e.) after")
    print(f"{'':<28}" + "".join(f"{m:>20}" for m in marks)
          + f"{'to regret 1e-2: median':>26}{'reached':>9}")
    for name, row in result["table"].items():
        cells = "".join(f"{row['mean'][m - 1]:>11.2e} ({row['se'][m - 1]:.1e})" for m in marks)
        m = row["median_to_target"]
        print(f"{name:<28}{cells}{m if np.isfinite(m) else '-':>26}"
              f"{row['reached']:>6}/{repeats}")
    if result["tpe_long"]:
        t = result["tpe_long"]
        print(f"hyperopt_tpe with {LONG} evaluations: median to regret 1e-2 "
              f"{t['median_to_target']}, reached {t['reached']}/{repeats}")
    print(f"{result['seconds']:.0f} s")


def main(argv: list[str] | None = None) -> dict[str, float]:
    return script_main(__doc__, figures, print_report, checked, argv)


if __name__ == "__main__":
    main(sys.argv[1:])
