"""Multi-fidelity: epochs to reach random search's median final best, on an MLP tuning task.

Three methods tune the MLP of ``tunelab.bench.tasks`` (one hidden layer, Adam; ``alpha``,
``learning_rate``, ``hidden``, ``activation``) with the budget = epochs, ``max_budget = 81``:

* ``random``: random search, every configuration trained 81 epochs;
* ``hyperband``: ``Hyperband(min_budget=1, max_budget=81, eta=3)``, random draws;
* ``hyperband-bayes``: the same with ``sampler="bayes"`` (model-based Hyperband).

The *target* is the median over the seeds of random search's best value after
``--random-evals`` full evaluations. For each run the cost to reach it is the cumulative
number of epochs spent up to the first evaluation whose value is at most the target; each
evaluation costs its whole budget (a promoted configuration is trained again from scratch,
so the count is the upper one; continuing from the lower budget would cost less). Two
criteria: ``any``, the first evaluation at any budget (Li et al.'s output, the smallest
intermediate loss seen), and ``full``, the first at 81 epochs. A run stops at the target or
at ``--cap-factor`` times random search's budget; a run that does not reach the target
counts as the cap, and the table says how many did. The objective is deterministic (fixed
folds and initialization, ``seed=0`` of the task), so the seeds vary the strategies only.

Run: ``python benchmarks/multifidelity.py [--seeds 5] [--random-evals 30] [--cap-factor 2]``.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_limits

import tunelab as tl
from tunelab.bench import tasks

MAX_BUDGET = 81


def run(
    method: str, seed: int, task: tasks.Task, cap: float, target: float | None, min_evals: int = 0
) -> list[tuple[float, float, int]]:
    """``(cumulative epochs, value, budget)`` of each evaluation, until the target (both
    criteria, and ``min_evals`` evaluations) or the cap in epochs."""
    if method == "random":
        strategy = tl.search.RandomSearch(task.space, seed=seed)
    else:
        sampler = "bayes" if method == "hyperband-bayes" else "random"
        strategy = tl.search.Hyperband(task.space, 1, MAX_BUDGET, 3, sampler=sampler, seed=seed)
    spent, rows = 0.0, []
    while spent < cap:
        if method == "random":
            config, budget = strategy.ask(), MAX_BUDGET
        else:
            config, budget = strategy.ask_budget()
        value = task(config, fidelity=budget)
        spent += budget
        if method == "random":
            strategy.tell(config, value)
        else:
            strategy.tell(config, value, budget=budget)
        rows.append((spent, value, budget))
        if target is not None and len(rows) >= min_evals and _first(rows, target, True):
            break
    return rows


def _first(rows, target: float, full: bool) -> float | None:
    """Epochs spent when a value (at 81 epochs, with ``full``) first reached ``target``."""
    for spent, value, budget in rows:
        if not math.isnan(value) and value <= target and (budget == MAX_BUDGET or not full):
            return spent
    return None


def _best_at(rows, epochs: float) -> float:
    values = [v for spent, v, _ in rows if spent <= epochs and not math.isnan(v)]
    return min(values) if values else math.nan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="digits")
    parser.add_argument("--metric", default="log_loss")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--random-evals", type=int, default=30)
    parser.add_argument("--cap-factor", type=float, default=2.0)
    args = parser.parse_args()
    task = tasks.Task("mlp", args.task, metric=args.metric, max_epochs=MAX_BUDGET)
    budget = args.random_evals * MAX_BUDGET
    cap = args.cap_factor * budget
    start = time.perf_counter()
    runs, seconds = {}, {}
    with threadpool_limits(1):
        for seed in range(args.seeds):  # random search first: it sets the target
            t0 = time.perf_counter()
            runs["random", seed] = run("random", seed, task, budget, None)
            seconds["random", seed] = time.perf_counter() - t0
        finals = [_best_at(runs["random", s], budget) for s in range(args.seeds)]
        target = statistics.median(finals)
        for seed in range(args.seeds):  # random search on to the cap, for its own cost
            t0 = time.perf_counter()
            rows = runs["random", seed]
            if _first(rows, target, True) is None:
                rest = run("random", seed + 10**6, task, cap - budget, target)
                rows += [(budget + spent, v, b) for spent, v, b in rest]
            seconds["random", seed] += time.perf_counter() - t0
        for method in ("hyperband", "hyperband-bayes"):
            for seed in range(args.seeds):
                t0 = time.perf_counter()
                runs[method, seed] = run(method, seed, task, cap, target)
                seconds[method, seed] = time.perf_counter() - t0
    print(
        f"task mlp_{args.task} ({args.metric}), {args.seeds} seeds, random search "
        f"{args.random_evals} x 81 epochs = {budget} epochs; target (median final best of "
        f"random search) {target:.4f}; cap {cap:.0f} epochs"
    )
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, NumPy {np.__version__}, one BLAS thread; "
        f"{time.perf_counter() - start:.0f} s in all\n"
    )
    print(
        "| method | epochs to target, any budget: median [per seed] | reached | "
        "full budget only: median | reached | best at " + f"{budget} epochs: median | "
        "seconds per run |"
    )
    print("|---|---|---|---|---|---|---|")
    for method in ("random", "hyperband", "hyperband-bayes"):
        rows = [runs[method, s] for s in range(args.seeds)]
        anyb = [_first(r, target, False) for r in rows]
        full = [_first(r, target, True) for r in rows]
        med_any = statistics.median(cap if e is None else e for e in anyb)
        med_full = statistics.median(cap if e is None else e for e in full)
        per_seed = ", ".join("-" if e is None else f"{e:.0f}" for e in anyb)
        best = statistics.median(_best_at(r, budget) for r in rows)
        secs = statistics.median(seconds[method, s] for s in range(args.seeds))
        reached_any = sum(e is not None for e in anyb)
        reached_full = sum(e is not None for e in full)
        print(
            f"| {method} | {med_any:.0f} [{per_seed}] | {reached_any}/{args.seeds} | "
            f"{med_full:.0f} | {reached_full}/{args.seeds} | {best:.4f} | {secs:.0f} |"
        )


if __name__ == "__main__":
    main()
