"""Per-trial overhead of a study (ask, tell, bookkeeping) beside Optuna's, in memory and SQLite.

The objective is trivial (a few float operations), so the time per trial is the study's own
cost: proposing a configuration, recording the trial, telling the value, storing it. Both
libraries search the same space, random search, 1,000 trials:

* ``x`` uniform in [-5, 5], ``lr`` log-uniform in [1e-4, 1], ``act`` one of three choices;
* tunelab ``minimize(strategy="random")`` against Optuna's ``RandomSampler`` (its in-memory
  storage, then its RDB storage on an SQLite file), each with its own seed.

To split the in-memory figure, the table also times tunelab's strategy alone (the same
1,000 ``ask_batch(1)``/``tell`` calls of ``RandomSearch`` with no study around them) and the
study's bookkeeping alone (the same study driven by a strategy that hands out pre-drawn
configurations and ignores tells). Each library runs once untimed first (imports, caches).
Runs interleave round by round, so a slow spell of a shared machine hits every row alike,
and each starts after a full garbage collection (not amid the last run's garbage);
each row reports the median over the rounds.

Targets: tunelab in memory at most 1/20 of Optuna in memory; tunelab SQLite at most 1/5 of
Optuna RDB SQLite.

Run: ``python benchmarks/compare_study_overhead.py [--trials 1000] [--rounds 3]``.
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

import numpy as np

import tunelab as tl
from tunelab.search import Strategy, make_strategy

SPACE = tl.Space({
    "x": tl.Real(-5.0, 5.0),
    "lr": tl.Real(1e-4, 1.0, log=True),
    "act": tl.Categorical(["relu", "tanh", "sigmoid"]),
})


def objective(config):
    return config["x"] ** 2 + config["lr"] + (config["act"] == "tanh")


def optuna_objective(trial):
    return objective({
        "x": trial.suggest_float("x", -5.0, 5.0),
        "lr": trial.suggest_float("lr", 1e-4, 1.0, log=True),
        "act": trial.suggest_categorical("act", ["relu", "tanh", "sigmoid"]),
    })


def run_tunelab(n: int, seed: int, folder: str, sqlite: bool) -> float:
    path = os.path.join(folder, f"tunelab-{seed}.db") if sqlite else None
    start = time.perf_counter()
    study = tl.minimize(objective, SPACE, "random", n_trials=n, seed=seed, storage=path,
                        progress=False)
    seconds = time.perf_counter() - start
    assert len(study.trials) == n
    return seconds / n


class PreDrawn(Strategy):
    """Hands out configurations drawn in advance; tells cost nothing: the study alone."""

    name = "predrawn"

    def __init__(self, space, *, seed=None, n=1000):
        super().__init__(space, seed=seed)
        self.n = n
        self._configs = space.sample(np.random.default_rng(self.seed), n)

    def _ask(self):
        return self._configs[self.n_asked]

    def ask_batch(self, n):
        configs = self._configs[self.n_asked:self.n_asked + n]
        self.n_asked += n
        return configs

    def tell(self, config, value):
        self.n_told += 1


def run_bookkeeping_alone(n: int, seed: int) -> float:
    study = tl.Study(SPACE, PreDrawn(SPACE, seed=seed, n=n))
    start = time.perf_counter()
    study.optimize(objective, n, progress=False)
    seconds = time.perf_counter() - start
    assert len(study.trials) == n
    return seconds / n


def run_strategy_alone(n: int, seed: int) -> float:
    strategy = make_strategy("random", SPACE, seed=seed)
    start = time.perf_counter()
    for _ in range(n):
        config = strategy.ask_batch(1)[0]
        strategy.tell(config, objective(config))
    return (time.perf_counter() - start) / n


def run_optuna(n: int, seed: int, folder: str, sqlite: bool) -> float:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = f"sqlite:///{os.path.join(folder, f'optuna-{seed}.db')}" if sqlite else None
    start = time.perf_counter()
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed),
                                storage=storage)
    study.optimize(optuna_objective, n_trials=n)
    seconds = time.perf_counter() - start
    assert len(study.trials) == n
    return seconds / n


def measure(n: int, rounds: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        run_tunelab(n, 99, folder, sqlite=True)  # warm-up: imports, caches
        run_optuna(n // 10, 99, folder, sqlite=True)
        for r in range(rounds):
            runs = {
                "tunelab, in memory": lambda r=r: run_tunelab(n, r, folder, sqlite=False),
                "  RandomSearch ask+tell alone": lambda r=r: run_strategy_alone(n, r),
                "  study bookkeeping alone": lambda r=r: run_bookkeeping_alone(n, r),
                "optuna, in memory": lambda r=r: run_optuna(n, r, folder, sqlite=False),
                "tunelab, SQLite": lambda r=r: run_tunelab(n, r, folder, sqlite=True),
                "optuna, RDB SQLite": lambda r=r: run_optuna(n, r, folder, sqlite=True),
            }
            for name, run in runs.items():
                gc.collect()  # every run starts from a clean heap, not the last one's garbage
                times.setdefault(name, []).append(run())
    return times


def report(times: dict[str, list[float]], n: int, rounds: int) -> None:
    import optuna

    med = {name: statistics.median(values) for name, values in times.items()}
    print(f"Per-trial overhead, random search, {n} trials, trivial objective, median of "
          f"{rounds} rounds")
    print(f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs")
    print(f"python {platform.python_version()}, numpy {np.__version__}, tunelab "
          f"{tl.__version__}, optuna {optuna.__version__}, sqlite {sqlite3.sqlite_version}")
    print()
    print(f"{'run':<36}{'us/trial':>12}{'min':>10}{'max':>10}")
    for name, values in times.items():
        print(f"{name:<36}{1e6 * med[name]:>12.1f}{1e6 * min(values):>10.1f}"
              f"{1e6 * max(values):>10.1f}")
    bookkeeping = med["  study bookkeeping alone"]
    print()
    memory = med["tunelab, in memory"] / med["optuna, in memory"]
    disk = med["tunelab, SQLite"] / med["optuna, RDB SQLite"]
    own = bookkeeping / med["optuna, in memory"]
    print(f"in memory: tunelab / optuna = {memory:.3f} (1/{1 / memory:.1f}); target <= 1/20")
    print(f"  study bookkeeping alone / optuna = {own:.3f} (1/{1 / own:.1f})")
    print(f"SQLite:    tunelab / optuna = {disk:.4f} (1/{1 / disk:.1f}); target <= 1/5")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    report(measure(args.trials, args.rounds), args.trials, args.rounds)


if __name__ == "__main__":
    main()
