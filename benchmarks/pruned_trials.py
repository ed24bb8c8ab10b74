"""What a strategy should learn from a pruned trial: measured at equal epochs spent.

A pruned trial is a value at a lower budget. ``Strategy.tell_pruned(config, value, step)``
receives it; this script compares, for Bayesian optimization and CMA-ES, two answers:

* ``failure``: told as a failed evaluation (``nan``): BO conditions its GP on the largest
  value seen at that point, CMA-ES ranks it last;
* ``value``: told its last intermediate value as if it were the final one.

Problems with learning curves whose ranking changes with the budget, built on the harness's
test functions: for configuration ``u`` (in the unit cube) and step ``t = 1..T``,

    v(u, t) = f(u) + s(u) (T / t - 1) / (T - 1),   s(u) = S (1 + cos(2 pi u_0)) / 2 + S / 10,

so ``v(u, T) = f(u)``, and the early values add a slope that depends on the configuration:
the curves cross. ``S`` is the interquartile range of ``f`` over 1,000 uniform points. The
objective reports every step and asks the pruner (``Median(n_startup_trials=5,
n_warmup_steps=2)``); its cost is the steps it ran. A study runs until ``--epochs`` steps are
spent (a callback stops it), and its score is the final value ``f`` of its best completed
trial. Each variant runs the same seeds; the paired difference is tested with Wilcoxon's
signed-rank test (two-sided).

Run: ``python benchmarks/pruned_trials.py [--seeds 20] [--epochs 540] [--steps 27]``.
"""

from __future__ import annotations

import argparse
import math
import platform
import statistics
import time
import warnings

import numpy as np
from scipy.stats import wilcoxon

import tunelab as tl
from tunelab.bench import problems

VARIANTS = ("failure", "value")


class ToldValue:
    """Mixin: a pruned trial is told its last intermediate value, as if final."""

    def tell_pruned(self, config, value, step):
        self.tell(config, value)


class ToldFailure:
    """Mixin: a pruned trial is told as a failed evaluation."""

    def tell_pruned(self, config, value, step):
        self.tell(config, math.nan)


def make_strategy(kind: str, variant: str, space, seed: int):
    base = {"bayes": tl.search.BayesianOptimization, "cmaes": tl.search.CMAES}[kind]
    mixin = ToldValue if variant == "value" else ToldFailure
    cls = type(f"{base.__name__}_{variant}", (mixin, base), {})
    return cls(space, seed=seed)


def curves(problem, steps: int):
    space = problem.space
    rng = np.random.default_rng(12345)
    sample = [problem(space.from_unit(u)) for u in rng.uniform(size=(1000, len(space)))]
    q25, q75 = np.percentile(sample, [25, 75])
    S = float(q75 - q25)

    def value(u: np.ndarray, t: int) -> float:
        f = problem(space.from_unit(u))
        s = S * (1 + math.cos(2 * math.pi * u[0])) / 2 + S / 10
        return f + s * (steps / t - 1) / (steps - 1)

    return value


def run(problem, kind: str, variant: str, seed: int, epochs: int, steps: int) -> dict:
    value = curves(problem, steps)
    space = problem.space
    spent = [0]

    def objective(trial):
        u = space.to_unit(trial.params)
        for t in range(1, steps + 1):
            spent[0] += 1
            v = value(u, t)
            trial.report(t, v)
            if trial.should_prune():
                raise tl.TrialPruned()
        return v

    def budget_spent(study, trial):
        if spent[0] >= epochs:
            study.stop()

    strategy = make_strategy(kind, variant, space, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = tl.minimize(objective, space, strategy=strategy, n_trials=10 * epochs,
                            seed=seed, pruner=tl.pruners.Median(n_startup_trials=5,
                                                                n_warmup_steps=2),
                            callbacks=[budget_spent], progress=False)
    complete = [t for t in study.trials if t.state is tl.TrialState.COMPLETE]
    pruned = sum(t.state is tl.TrialState.PRUNED for t in study.trials)
    best = min(t.value for t in complete) if complete else math.inf
    return {"best": best - problem.optimum, "trials": len(study.trials), "pruned": pruned}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=540)
    parser.add_argument("--steps", type=int, default=27)
    parser.add_argument("--problems", nargs="+", default=["branin", "hartmann6"])
    parser.add_argument("--kinds", nargs="+", default=["bayes", "cmaes"])
    args = parser.parse_args(argv)
    print(f"# {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"NumPy {np.__version__}, tunelab {tl.__version__}; {args.seeds} seeds, "
          f"{args.epochs} steps per study, T = {args.steps}")
    print("| problem | strategy | pruned trial told | final regret: median [IQR] | trials "
          "(pruned) | Wilcoxon p vs failure | seconds |")
    print("|---|---|---|---|---|---|---|")
    for name in args.problems:
        problem = problems.get(name)
        for kind in args.kinds:
            scores = {}
            for variant in VARIANTS:
                start = time.perf_counter()
                rows = [run(problem, kind, variant, seed, args.epochs, args.steps)
                        for seed in range(args.seeds)]
                seconds = time.perf_counter() - start
                best = np.array([r["best"] for r in rows])
                scores[variant] = best
                q25, q50, q75 = np.percentile(best, [25, 50, 75])
                p = "" if variant == "failure" else _p(scores["failure"], best)
                trials = statistics.median(r["trials"] for r in rows)
                pruned = statistics.median(r["pruned"] for r in rows)
                print(f"| {name} | {kind} | {variant} | {q50:.3g} [{q25:.3g}, {q75:.3g}] | "
                      f"{trials:g} ({pruned:g}) | {p} | {seconds:.0f} |", flush=True)


def _p(a: np.ndarray, b: np.ndarray) -> str:
    if np.all(a == b):
        return "1 (identical)"
    return f"{wilcoxon(a, b).pvalue:.3g} ({'value' if np.median(b - a) < 0 else 'failure'} better)"


if __name__ == "__main__":
    main()
