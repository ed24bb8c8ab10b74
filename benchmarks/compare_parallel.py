"""Parallel throughput of a study: speed-up at 2 and 4 workers on a 0.2 s objective.

The objective sleeps 0.2 s and returns a number, so the ideal speed-up with ``n`` workers is
``n`` and the gap to it is the study's own cost: dispatching trials to the workers, pickling,
collecting and storing results, and (for a fresh pool) starting the workers. Each run does
``--per-worker`` trials per worker (random search), so every run lasts about the same time;
speed-up is throughput (trials per second) relative to the serial run.

Rows:

* ``sync, own pool``: ``minimize(n_jobs=n)``: a forkserver pool started by the call, whose
  start-up is timed; batches of ``n`` told in trial order.
* ``sync, warm pool``: the same with ``executor=`` a ``ProcessPoolExecutor`` already started
  (steady-state throughput).
* ``async, warm pool``: ``mode="async"``: a new trial starts as soon as one finishes.
* ``async, SQLite, warm pool``: the same with every trial stored.

Runs interleave round by round; each cell is the median over the rounds. Target: speed-up
>= 0.85 x n workers.

Run: ``python benchmarks/compare_parallel.py [--per-worker 10] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

import tunelab as tl

SPACE = tl.Space({"x": tl.Real(-5.0, 5.0), "k": tl.Integer(1, 8)})
SLEEP = 0.2


def objective(config):
    time.sleep(SLEEP)
    return config["x"] ** 2 + config["k"]


def _warm_pool(n: int) -> ProcessPoolExecutor:
    pool = ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("forkserver"))
    list(pool.map(time.sleep, [0.05] * n))  # start every worker
    return pool


def run(n_workers: int, per_worker: int, kind: str, folder: str, seed: int) -> float:
    """Seconds per trial (wall clock) of one run."""
    n_trials = per_worker * n_workers
    options = {"n_trials": n_trials, "seed": seed, "n_jobs": n_workers, "progress": False}
    pool = None
    if n_workers > 1 and kind != "sync, own pool":
        pool = _warm_pool(n_workers)
        options["executor"] = pool
    if kind.startswith("async"):
        options["mode"] = "async"
    if "SQLite" in kind:
        options["storage"] = os.path.join(folder, f"{kind[:5]}-{n_workers}-{seed}.db")
    try:
        start = time.perf_counter()
        study = tl.minimize(objective, SPACE, "random", **options)
        seconds = time.perf_counter() - start
    finally:
        if pool is not None:
            pool.shutdown()
    assert len(study.trials) == n_trials
    return seconds / n_trials


KINDS = ("sync, own pool", "sync, warm pool", "async, warm pool", "async, SQLite, warm pool")


def measure(workers: list[int], per_worker: int, rounds: int) -> dict[tuple[str, int], list]:
    times: dict[tuple[str, int], list[float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for r in range(rounds):
            times.setdefault(("serial", 1), []).append(run(1, per_worker, "serial", folder, r))
            for n in workers:
                for kind in KINDS:
                    times.setdefault((kind, n), []).append(run(n, per_worker, kind, folder, r))
    return times


def report(times: dict, workers: list[int], per_worker: int, rounds: int) -> None:
    serial = statistics.median(times[("serial", 1)])
    print(f"Parallel throughput: objective sleeps {SLEEP} s, {per_worker} trials per worker, "
          f"median of {rounds} rounds")
    print(f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs")
    print(f"python {platform.python_version()}, numpy {np.__version__}, tunelab "
          f"{tl.__version__}, start method forkserver")
    print()
    print(f"serial (n_jobs=1): {serial:.4f} s/trial ({1 / serial:.2f} trials/s)")
    print()
    print(f"{'run':<28}{'workers':>8}{'s/trial':>10}{'speed-up':>10}{'/ n':>8}{'target':>8}")
    for kind in KINDS:
        for n in workers:
            per_trial = statistics.median(times[(kind, n)])
            speedup = serial / per_trial
            ok = "ok" if speedup >= 0.85 * n else "MISS"
            print(f"{kind:<28}{n:>8}{per_trial:>10.4f}{speedup:>10.2f}{speedup / n:>8.2f}"
                  f"{ok:>8}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 4])
    parser.add_argument("--per-worker", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    times = measure(args.workers, args.per_worker, args.rounds)
    report(times, args.workers, args.per_worker, args.rounds)


if __name__ == "__main__":
    main()
