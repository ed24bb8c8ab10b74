"""Pruners at equal epochs spent: tunelab's against Optuna's of the same name and settings.

Each study tunes one learning-curve objective under one pruner until ``--epochs`` steps are
spent (a callback stops it; a trial's cost is the steps it ran), and scores the best value of
its completed trials at the full budget ``R``. Pruners, the same settings on both sides:

* ``Median()`` / ``MedianPruner()`` (5 startup trials, no warm-up);
* ``SuccessiveHalving()`` / ``SuccessiveHalvingPruner()`` (ASHA: min resource 1, eta 3);
* ``Hyperband(1, R, 3)`` / ``HyperbandPruner(1, R, 3)``.

Samplers: random search on both sides (``RandomSearch`` / ``RandomSampler``: the pruner's
effect alone), and each library's model-based default beside its pruner (our
``BayesianOptimization`` / Optuna's ``TPESampler``); ``none``: no pruner, every trial to
``R``. Objectives:

* ``curves_<problem>`` (``branin``, ``hartmann6``): the crossing learning curves of
  ``benchmarks/pruned_trials.py``, ``v(u, t) = f(u) + s(u) (R/t - 1)/(R - 1)``; the score is
  the final regret;
* ``mlp_<dataset>`` (``wine``, ``breast_cancer``, ``digits``, ``diabetes``): the harness's MLP
  tuning task (3-fold CV loss, Adam, ``max_epochs = R``), trained epoch by epoch with
  ``continuation`` so that step ``t`` costs one epoch; the score is the validation loss (minus
  accuracy, or MSE).

Paired by seed, Wilcoxon's signed-rank test (two-sided) of ours against Optuna's.

Run: ``python benchmarks/compare_pruner_quality.py [--objective curves_branin] [--seeds 20]
[--epochs 540] [--steps 27] [--samplers random model]``.
"""

from __future__ import annotations

import argparse
import math
import platform
import time
import warnings

import numpy as np
import optuna
from scipy.stats import wilcoxon

import tunelab as tl
from pruned_trials import curves
from tunelab.bench import problems, tasks
from tunelab.bench._peer_adapters import _seed32, _suggest

optuna.logging.set_verbosity(optuna.logging.ERROR)
PRUNERS = ("none", "Median", "SuccessiveHalving", "Hyperband")


def objective_of(name: str, steps: int):
    """``(space, value(config, t), offset)``: the space, the value after ``t`` steps, and
    what the score subtracts (the optimum, or 0)."""
    if name.startswith("curves_"):
        problem = problems.get(name.removeprefix("curves_"))
        v = curves(problem, steps)
        return problem.space, lambda config, t: v(problem.space.to_unit(config), t), \
            problem.optimum
    task = tasks.Task("mlp", name.removeprefix("mlp_"), max_epochs=steps, continuation=4)
    if task.metric == "accuracy":
        task = tasks.Task("mlp", name.removeprefix("mlp_"), metric="log_loss",
                          max_epochs=steps, continuation=4)
    return task.space, lambda config, t: task(config, fidelity=t), 0.0


def ours(pruner: str, sampler: str, space, value, seed, epochs, steps) -> float:
    spent = [0]

    def objective(trial):
        for t in range(1, steps + 1):
            spent[0] += 1
            v = value(trial.params, t)
            trial.report(t, v)
            if trial.should_prune():
                raise tl.TrialPruned()
        return v

    def stop(study, trial):
        if spent[0] >= epochs:
            study.stop()

    made = {"none": None, "Median": tl.pruners.Median(),
            "SuccessiveHalving": tl.pruners.SuccessiveHalving(min_resource=1,
                                                              reduction_factor=3),
            "Hyperband": tl.pruners.Hyperband(min_resource=1, max_resource=steps,
                                              reduction_factor=3)}[pruner]
    strategy = "random" if sampler == "random" else "bayes"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = tl.minimize(objective, space, strategy, n_trials=10 * epochs, seed=seed,
                            pruner=made, callbacks=[stop], progress=False)
    done = [t.value for t in study.trials if t.state is tl.TrialState.COMPLETE]
    return min(done) if done else math.inf


def theirs(pruner: str, sampler: str, space, value, seed, epochs, steps) -> float:
    spent = [0]

    def objective(trial):
        config = {name: _suggest(trial, name, dim) for name, dim in space.items()}
        for t in range(1, steps + 1):
            spent[0] += 1
            v = value(config, t)
            trial.report(v, t)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return v

    def stop(study, trial):
        if spent[0] >= epochs:
            study.stop()

    made = {"none": optuna.pruners.NopPruner(), "Median": optuna.pruners.MedianPruner(),
            "SuccessiveHalving": optuna.pruners.SuccessiveHalvingPruner(
                min_resource=1, reduction_factor=3),
            "Hyperband": optuna.pruners.HyperbandPruner(min_resource=1, max_resource=steps,
                                                        reduction_factor=3)}[pruner]
    cls = optuna.samplers.RandomSampler if sampler == "random" else optuna.samplers.TPESampler
    study = optuna.create_study(sampler=cls(seed=_seed32(seed)), pruner=made)
    study.optimize(objective, n_trials=10 * epochs, callbacks=[stop])
    done = [t.value for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    return min(done) if done else math.inf


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objective", default="curves_branin")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=540)
    parser.add_argument("--steps", type=int, default=27)
    parser.add_argument("--samplers", nargs="+", default=["random", "model"])
    parser.add_argument("--pruners", nargs="+", default=list(PRUNERS))
    args = parser.parse_args(argv)
    space, value, offset = objective_of(args.objective, args.steps)
    print(f"# {args.objective}: {platform.processor() or platform.machine()}, Python "
          f"{platform.python_version()}, NumPy {np.__version__}, Optuna {optuna.__version__}; "
          f"{args.seeds} seeds, {args.epochs} steps per study, R = {args.steps}")
    print("| sampler | pruner | tunelab: median [IQR] | Optuna: median [IQR] | Wilcoxon p | "
          "better | seconds (ours / Optuna) |")
    print("|---|---|---|---|---|---|---|")
    for sampler in args.samplers:
        for pruner in args.pruners:
            scores, seconds = {}, {}
            for side, run in (("ours", ours), ("theirs", theirs)):
                start = time.perf_counter()
                scores[side] = np.array([
                    run(pruner, sampler, space, value, seed, args.epochs, args.steps) - offset
                    for seed in range(args.seeds)])
                seconds[side] = time.perf_counter() - start
            a, b = scores["ours"], scores["theirs"]
            p = 1.0 if np.all(a == b) else wilcoxon(a, b).pvalue
            better = "tunelab" if np.median(a - b) < 0 else "Optuna" if np.median(a - b) > 0 \
                else "tie"
            print(f"| {sampler} | {pruner} | {_cell(a)} | {_cell(b)} | {p:.3g} | {better} | "
                  f"{seconds['ours']:.0f} / {seconds['theirs']:.0f} |", flush=True)


def _cell(x: np.ndarray) -> str:
    q25, q50, q75 = np.percentile(x, [25, 50, 75])
    return f"{q50:.4g} [{q25:.4g}, {q75:.4g}]"


if __name__ == "__main__":
    main()
