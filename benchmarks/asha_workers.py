"""Asynchronous successive halving with 1 and 2 workers: wall time to a common target.

A study of random search under ``tl.pruners.SuccessiveHalving(min_resource=1,
reduction_factor=3)`` (ASHA, Li et al. 2020) runs ``--trials`` trials of a learning-curve
objective of ``--steps`` steps, with ``n_jobs`` = 1 (in this process) and 2 (a process pool,
``mode="async"``: a worker that finishes asks for the next trial at once), SQLite storage,
``--seeds`` seeds each. A callback records the wall time at which each trial finishes and the
best value completed at full budget so far. The target is the median over the seeds of the
1-worker runs' final best; each run's time to target is the first time its best reaches it
(a run that never does counts as its total time, and the table says how many did).

Objectives (``--objective``):

* ``sleep`` (default): the crossing learning curves of ``benchmarks/pruned_trials.py`` on
  Branin, ``v(u, t) = f(u) + s(u) (R/t - 1)/(R - 1)``, each step sleeping ``--step-seconds``
  (a training step of fixed cost that does not use the CPU): what is measured is how well the
  study keeps two workers busy, independent of what else the machine runs;
* ``mlp``: the harness's ``mlp_digits`` task trained epoch by epoch (``continuation``), each
  step one real epoch on the CPU: needs 2 idle cores to mean anything.

Run: ``OMP_NUM_THREADS=1 python benchmarks/asha_workers.py [--objective sleep] [--seeds 5]
[--trials 120] [--steps 27] [--step-seconds 0.02]``.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import tempfile
import time
import warnings

import numpy as np

import tunelab as tl
from tunelab.bench import problems, tasks


class SleepCurves:
    """Branin's crossing learning curves, each step sleeping ``seconds`` (picklable)."""

    def __init__(self, steps: int, seconds: float) -> None:
        self.problem = problems.get("branin")
        self.steps, self.seconds = steps, seconds
        rng = np.random.default_rng(12345)
        space = self.problem.space
        sample = [self.problem(space.from_unit(u)) for u in rng.uniform(size=(1000, 2))]
        q25, q75 = np.percentile(sample, [25, 75])
        self.S = float(q75 - q25)

    def __call__(self, trial) -> float:
        u = self.problem.space.to_unit(trial.params)
        f = self.problem(trial.params)
        s = self.S * (1 + math.cos(2 * math.pi * u[0])) / 2 + self.S / 10
        value = math.nan
        for t in range(1, self.steps + 1):
            time.sleep(self.seconds)
            value = f + s * (self.steps / t - 1) / (self.steps - 1)
            trial.report(t, value)
            if trial.should_prune():
                raise tl.TrialPruned()
        return value


class MLPCurves:
    """The ``mlp_digits`` task trained one epoch per step (picklable)."""

    def __init__(self, steps: int) -> None:
        self.steps = steps
        self.task = tasks.get("mlp_digits", max_epochs=steps, continuation=4,
                              metric="log_loss")

    def __call__(self, trial) -> float:
        value = math.nan
        for t in range(1, self.steps + 1):
            value = self.task(trial.params, fidelity=t)
            trial.report(t, value)
            if trial.should_prune():
                raise tl.TrialPruned()
        return value


def run(objective, space, seed: int, n_jobs: int, trials: int) -> list[tuple[float, float]]:
    """``(seconds since start, best complete value)`` after each finished trial."""
    events: list[tuple[float, float]] = []
    best = [math.inf]
    start = time.perf_counter()

    def record(study, trial):
        if trial.state is tl.TrialState.COMPLETE:
            best[0] = min(best[0], trial.value)
        events.append((time.perf_counter() - start, best[0]))

    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tl.minimize(objective, space, "random", n_trials=trials, seed=seed, n_jobs=n_jobs,
                    storage=os.path.join(tmp, "asha.db"), mode="async",
                    pruner=tl.pruners.SuccessiveHalving(min_resource=1, reduction_factor=3),
                    callbacks=[record], progress=False)
    return events


def time_to(events: list[tuple[float, float]], target: float) -> tuple[float, bool]:
    for seconds, best in events:
        if best <= target:
            return seconds, True
    return events[-1][0], False


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objective", default="sleep", choices=["sleep", "mlp"])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--trials", type=int, default=120)
    parser.add_argument("--steps", type=int, default=27)
    parser.add_argument("--step-seconds", type=float, default=0.02)
    args = parser.parse_args(argv)
    if args.objective == "sleep":
        objective = SleepCurves(args.steps, args.step_seconds)
        space = objective.problem.space
    else:
        objective = MLPCurves(args.steps)
        space = objective.task.space
    print(f"python {platform.python_version()}, numpy {np.__version__}, tunelab "
          f"{tl.__version__}, {os.cpu_count()} CPUs; objective {args.objective}, "
          f"{args.trials} trials of {args.steps} steps, seeds 0-{args.seeds - 1}")
    runs = {n: [run(objective, space, seed, n, args.trials) for seed in range(args.seeds)]
            for n in (1, 2)}
    target = float(np.median([events[-1][1] for events in runs[1]]))
    print(f"target (median final best of 1 worker): {target:.6g}\n")
    print("| workers | median seconds to target | reached | median total seconds |")
    print("|---|---:|---:|---:|")
    medians = {}
    for n, all_events in runs.items():
        times = [time_to(events, target) for events in all_events]
        medians[n] = float(np.median([t for t, _ in times]))
        total = float(np.median([events[-1][0] for events in all_events]))
        print(f"| {n} | {medians[n]:.2f} | {sum(ok for _, ok in times)}/{len(times)} | "
              f"{total:.2f} |")
    print(f"\n2 workers / 1 worker, median time to target: {medians[2] / medians[1]:.3f} "
          f"(target <= {1 / 1.8:.3f})")


if __name__ == "__main__":
    main()
