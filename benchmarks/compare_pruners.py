"""Cost of one ``report`` + ``should_prune`` with SQLite storage, tunelab beside Optuna.

Each library runs a study on an SQLite file with one pruner. The first ``--trials`` trials
report ``--steps`` steps each and are all kept (trial ``k`` reports ``1 + 1/step - k/1000``,
so every new trial is the best so far at every step and no pruner stops it); then one more
trial reports the same way, and each of its ``report(step, value)`` + ``should_prune()``
pairs is timed: the row is the median over its steps, with ``trials x steps`` reports
already stored. Pruners of the same name and settings side by side:

* ``Median()`` / ``MedianPruner()``; ``Percentile(25)`` / ``PercentilePruner(25)``;
* ``SuccessiveHalving()`` / ``SuccessiveHalvingPruner()`` (min resource 1, eta 3);
* ``Hyperband(1, 81, 3)`` / ``HyperbandPruner(1, 81, 3)``;
* ``Patient(Median(), 3)`` / ``PatientPruner(MedianPruner(), 3)``.

Rounds interleave the libraries, so a slow spell of a shared machine hits both alike; each
row reports the median over rounds. Target: tunelab at most 1/10 of Optuna per call.

Run: ``python benchmarks/compare_pruners.py [--trials 50] [--steps 81] [--rounds 3]
[--mode sync|async]`` (``async``: tunelab's trials run in a worker thread, ``mode="async"``,
so each ``should_prune`` reads what the other trials stored since its last call).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sqlite3
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import tunelab as tl
from tunelab import pruners

SPACE = tl.Space({"x": tl.Real(-5.0, 5.0)})
NAMES = ["Median", "Percentile(25)", "SuccessiveHalving", "Hyperband(1, 81, 3)",
         "Patient(Median, 3)"]


def ours(name: str):
    return {
        "Median": lambda: pruners.Median(),
        "Percentile(25)": lambda: pruners.Percentile(25.0),
        "SuccessiveHalving": lambda: pruners.SuccessiveHalving(),
        "Hyperband(1, 81, 3)": lambda: pruners.Hyperband(min_resource=1, max_resource=81,
                                                         reduction_factor=3),
        "Patient(Median, 3)": lambda: pruners.Patient(pruners.Median(), 3),
    }[name]()


def theirs(name: str):
    import warnings

    import optuna.pruners as op

    warnings.filterwarnings("ignore", message="PatientPruner is experimental")
    return {
        "Median": lambda: op.MedianPruner(),
        "Percentile(25)": lambda: op.PercentilePruner(25.0),
        "SuccessiveHalving": lambda: op.SuccessiveHalvingPruner(),
        "Hyperband(1, 81, 3)": lambda: op.HyperbandPruner(min_resource=1, max_resource=81,
                                                           reduction_factor=3),
        "Patient(Median, 3)": lambda: op.PatientPruner(op.MedianPruner(), 3),
    }[name]()


def curve(k: int, step: int) -> float:
    return 1.0 + 1.0 / step - k / 1000.0


def make_objective(trials: int, steps: int, times: list[float], number, optuna: bool):
    def run(trial):
        k = number(trial)
        report = (lambda s, v: trial.report(v, s)) if optuna else trial.report
        timed = k == trials
        for step in range(1, steps + 1):
            start = time.perf_counter()
            report(step, curve(k, step))  # Optuna's order is report(value, step)
            pruned = trial.should_prune()
            if timed:
                times.append(time.perf_counter() - start)
            if pruned:
                raise RuntimeError(f"trial {k} pruned at step {step}: the setup keeps all")
        return curve(k, steps)
    return run


MODE = {"mode": "sync"}  # --mode: tunelab's sync (in this process) or async (a worker thread)


def run_tunelab(name: str, trials: int, steps: int, folder: str, seed: int) -> float:
    times: list[float] = []
    path = os.path.join(folder, f"tunelab-{seed}-{len(os.listdir(folder))}.db")
    objective = make_objective(trials, steps, times, lambda t: t.number, False)
    if MODE["mode"] == "async":  # every should_prune reads what other trials stored since
        with ThreadPoolExecutor(1) as pool:
            tl.minimize(objective, SPACE, "random", n_trials=trials + 1, seed=seed,
                        storage=path, pruner=ours(name), progress=False, catch=(),
                        executor=pool, mode="async")
    else:
        tl.minimize(objective, SPACE, "random", n_trials=trials + 1, seed=seed, storage=path,
                    pruner=ours(name), progress=False, catch=())
    return statistics.median(times)


def run_optuna(name: str, trials: int, steps: int, folder: str, seed: int) -> float:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    times: list[float] = []
    path = os.path.join(folder, f"optuna-{seed}-{len(os.listdir(folder))}.db")
    storage = optuna.storages.RDBStorage(f"sqlite:///{path}")
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed),
                                storage=storage, pruner=theirs(name))

    def number(trial):
        trial.suggest_float("x", -5.0, 5.0)
        return trial.number

    study.optimize(make_objective(trials, steps, times, number, True), n_trials=trials + 1,
                   catch=())
    return statistics.median(times)


def measure(trials: int, steps: int, rounds: int) -> dict[str, dict[str, list[float]]]:
    out: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory() as folder:
        run_tunelab("Median", 3, 3, folder, 99)  # warm-up: imports, caches
        run_optuna("Median", 3, 3, folder, 99)
        for r in range(rounds):
            for name in NAMES:
                for lib, run in (("tunelab", run_tunelab), ("optuna", run_optuna)):
                    gc.collect()
                    out.setdefault(name, {}).setdefault(lib, []).append(
                        run(name, trials, steps, folder, r))
    return out


def report(times: dict[str, dict[str, list[float]]], trials: int, steps: int,
           rounds: int) -> None:
    import optuna

    print(f"One report + should_prune, SQLite storage, {trials} trials x {steps} steps "
          f"stored, median over the timed trial's {steps} steps, median of {rounds} rounds")
    print(f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs")
    print(f"python {platform.python_version()}, numpy {np.__version__}, tunelab "
          f"{tl.__version__}, optuna {optuna.__version__}, sqlite {sqlite3.sqlite_version}")
    print()
    print(f"{'pruner':<22}{'tunelab us':>12}{'optuna us':>12}{'ratio':>9}{'<= 1/10':>9}")
    for name, libs in times.items():
        a, b = statistics.median(libs["tunelab"]), statistics.median(libs["optuna"])
        print(f"{name:<22}{1e6 * a:>12.1f}{1e6 * b:>12.1f}{a / b:>9.3f}"
              f"{'yes' if a <= b / 10 else 'no':>9}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--steps", type=int, default=81)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--mode", choices=["sync", "async"], default="sync",
                        help="tunelab's study mode (async: trials run in a worker thread)")
    args = parser.parse_args()
    MODE["mode"] = args.mode
    print(f"tunelab mode: {args.mode}")
    report(measure(args.trials, args.steps, args.rounds), args.trials, args.steps, args.rounds)


if __name__ == "__main__":
    main()
