"""Li, Jamieson, DeSalvo, Rostamizadeh & Talwalkar (2018), "Hyperband: a novel bandit-based
approach to hyperparameter optimization", JMLR 18(185): the bracket schedule (Table 1) and
the speed-up over random search, on tunelab's ``mlp_digits`` task with epochs as the budget.

1. **Table 1.** ``tl.search.Hyperband(space, 1, 81, eta=3).brackets()`` against the paper's
   (n_i, r_i) for R = 81, eta = 3.
2. **Speed-up.** Hyperband (random sampling), successive halving alone (its most aggressive
   bracket, repeated) and model-based Hyperband (``sampler="bayes"``, after BOHB) each run
   one Hyperband round of budget (the sum of n_i r_i over its brackets, epochs), driven by
   ``ask_budget``/``tell`` (what a study with ``strategy="hyperband"`` does). Random search
   trains each configuration to R epochs; its statistics come from a pool of random
   configurations trained to R by exact order statistics (the best of n draws without
   replacement), so its budget to reach a loss is estimated well past what one run affords.
   The pool's learning curves (the loss at every rung budget) measure how informative a low
   budget is: the rank correlation of the loss at b epochs with the loss at R.

The loss is the 2-fold cross-validated error (1 - accuracy) of tunelab's ``MLPClassifier``
(Adam, one hidden layer; learning rate, L2, hidden units, activation) on scikit-learn's
digits, trained with warm continuation: a configuration promoted from b to b' epochs trains
b' - b more, and reaches exactly the value of a fresh fit to b' (``continuation=``). Budgets
are reported both as Li et al. count them (each evaluation charged its full budget) and as
epochs actually trained.

Run ``python papers/2018_li_hyperband/reproduce.py`` (R = 81, 5 seeds; about 10 minutes on
2 cores) or ``--quick`` (R = 27, 2 seeds, no model-based run; under a minute), and
``--json PATH`` to write the checked figures.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # threaded BLAS on small matrices: 10x slower on 2 cores

import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
from scipy.stats import spearmanr  # noqa: E402

import tunelab as tl  # noqa: E402
from tunelab._papers import script_main  # noqa: E402

TABLE_1 = [  # Li et al. (2018), Table 1: R = 81, eta = 3; (n_i, r_i) of each bracket s
    [(81, 1), (27, 3), (9, 9), (3, 27), (1, 81)],
    [(34, 3), (11, 9), (3, 27), (1, 81)],
    [(15, 9), (5, 27), (1, 81)],
    [(8, 27), (2, 81)],
    [(5, 81)],
]
SETTINGS = {
    False: {"R": 81, "cv": 2, "seeds": 5, "bayes_seeds": 2},
    True: {"R": 27, "cv": 2, "seeds": 2, "bayes_seeds": 0},
}
POOL_SEED = 1000  # random search run k draws from RandomSearch(seed=POOL_SEED + k)


def table_1() -> dict[str, Any]:
    """The schedule for R = 81, eta = 3, its budget and its number of evaluations."""
    space = tl.Space({"x": tl.Real(0.0, 1.0)})
    brackets = tl.search.Hyperband(space, min_budget=1, max_budget=81, eta=3).brackets()
    return {"brackets": brackets, "matches": brackets == TABLE_1,
            "budget": sum(n * r for b in brackets for n, r in b),
            "evaluations": sum(n for b in brackets for n, _ in b),
            "ceilings": [ceiling(b) for b in brackets]}


def ceiling(bracket: list[tuple[int, int]]) -> float:
    """The speed-up of one bracket over random search if its rankings were exact: it finds
    the best of its n_0 configurations for sum_i n_i r_i epochs, random search for n_0 R."""
    return bracket[0][0] * bracket[-1][1] / sum(n * r for n, r in bracket)


def make_task(R: int, cv: int, seed: int = 0) -> tl.bench.tasks.Task:
    return tl.bench.tasks.get("mlp_digits", max_epochs=R, cv=cv, seed=seed, continuation=400)


def error(value: float) -> float:
    """Validation error from the task's value (minus the accuracy); a failure is nan."""
    return 1.0 + value if math.isfinite(value) else math.nan


def budgeted_run(strategy: Any, task: Any, limit: int) -> dict[str, Any]:
    """Ask and tell until ``limit`` epochs have been charged. Returns the trajectory: after
    each evaluation, the charged budget, the epochs actually trained (continuation) and the
    incumbent (the best error at any budget, Li et al.'s output), and the incumbent's config."""
    charged, start = 0, task.epochs_trained
    curve: list[tuple[int, float, float]] = []
    best, best_config = math.inf, None
    while charged < limit:
        config, budget = strategy.ask_budget()
        value = task(config, fidelity=budget)
        strategy.tell(config, value, budget=budget)
        charged += budget
        e = error(value)
        if e < best:
            best, best_config = e, (config, budget)
        curve.append((charged, (task.epochs_trained - start) / task.cv, best))
    return {"curve": curve, "best": best, "best_config": best_config}


def pool_curves(R: int, cv: int, n_runs: int, n_per_run: int) -> dict[str, Any]:
    """Random search: ``n_runs`` runs of ``n_per_run`` configurations, each trained to R with
    its learning curve read at every rung budget (the same cost as one fit to R)."""
    task = make_task(R, cv)
    budgets = tl.search.Hyperband(task.space, 1, R, eta=3).budgets
    configs, curves = [], []
    for k in range(n_runs):
        for config in tl.search.RandomSearch(task.space, seed=POOL_SEED + k).ask_batch(n_per_run):
            configs.append(config)
            curves.append([error(task(config, fidelity=b)) for b in budgets])
    return {"budgets": budgets, "configs": configs, "curves": np.array(curves)}


def rs_hit_budget(final: np.ndarray, target: float, R: int) -> float:
    """The median budget of random search to an error <= ``target``: R times the smallest n
    with P(one of n draws from the pool, without replacement, hits) >= 1/2, where
    P = 1 - C(N - k, n) / C(N, n) with k hits among N; inf when no pool member hits."""
    N, k = len(final), int(np.sum(final <= target))
    if k == 0:
        return math.inf
    for n in range(1, N + 1):
        if 1.0 - math.comb(N - k, n) / math.comb(N, n) >= 0.5:
            return float(n * R)
    return math.inf  # pragma: no cover (n = N always hits)


def rs_expected_best(final: np.ndarray, n: int) -> float:
    """E[min of n draws without replacement from the pool]: the j-th smallest (1-based) is the
    minimum with probability C(N - j, n - 1) / C(N, n)."""
    ranked = np.sort(np.where(np.isfinite(final), final, 1.0))
    N = len(ranked)
    weights = np.array([math.comb(N - j, n - 1) for j in range(1, N + 1)], dtype=float)
    return float(weights @ ranked / math.comb(N, n))


def reached_at(curve: list[tuple[int, float, float]], target: float) -> tuple[float, float]:
    """Charged and trained budget at which a run's incumbent first reaches ``target``."""
    for charged, trained, best in curve:
        if best <= target:
            return float(charged), trained
    return math.inf, math.inf


def strategies(space: tl.Space, R: int, seed: int, bayes: bool) -> dict[str, Any]:
    out = {"hyperband": tl.search.Hyperband(space, 1, R, eta=3, seed=seed),
           "successive_halving": tl.search.SuccessiveHalving(space, 1, R, eta=3, seed=seed)}
    if bayes:
        out["hyperband_bayes"] = tl.search.Hyperband(space, 1, R, eta=3, sampler="bayes",
                                                     seed=seed)
    return out


def figures(quick: bool) -> dict[str, Any]:
    start = time.perf_counter()
    cfg = SETTINGS[quick]
    R, cv, n_seeds = cfg["R"], cfg["cv"], cfg["seeds"]
    space = make_task(R, cv).space
    limit = sum(n * r for b in tl.search.Hyperband(space, 1, R, eta=3).brackets() for n, r in b)
    n_eq = limit // R  # random-search configurations within one Hyperband round
    pool = pool_curves(R, cv, n_seeds, n_eq)
    runs: dict[str, list[dict[str, Any]]] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # failed fits (nan) and the BO's fitting warnings
        for seed in range(n_seeds):
            for name, strategy in strategies(space, R, seed, seed < cfg["bayes_seeds"]).items():
                # a fresh task per run: no run continues another's networks
                runs.setdefault(name, []).append(budgeted_run(strategy, make_task(R, cv), limit))
    result = {"settings": cfg, "limit": limit, "n_eq": n_eq, "table_1": table_1(),
              "pool": pool, "runs": runs}
    result["reevaluated"] = reevaluate(result)
    result["seconds"] = time.perf_counter() - start
    return result


def reevaluate(result: dict[str, Any]) -> dict[str, list[float]]:
    """Each run's incumbent trained afresh on other folds and initializations (task seed 1)
    at its budget: its error without the luck that made it the least of many noisy values.
    Random search: the best configuration of each run of ``n_eq``, at R."""
    R, cv, n_eq = result["settings"]["R"], result["settings"]["cv"], result["n_eq"]
    task = make_task(R, cv, seed=1)
    final = result["pool"]["curves"][:, -1]
    out: dict[str, list[float]] = {"random_search": []}
    for start in range(0, len(final), n_eq):
        run = np.where(np.isfinite(final[start:start + n_eq]), final[start:start + n_eq], np.inf)
        best = result["pool"]["configs"][start + int(run.argmin())]
        out["random_search"].append(error(task(best)))
    for name, runs in result["runs"].items():
        out[name] = [error(task(*run["best_config"])) for run in runs]
    return out


def summary(result: dict[str, Any]) -> dict[str, Any]:
    """Low-budget rank correlations; random search at equal budget; and for targets the
    k-th best error of the pool, the median budget of random search and of each strategy."""
    R, n_eq = result["settings"]["R"], result["n_eq"]
    curves = result["pool"]["curves"]
    final = curves[:, -1]
    finite = np.where(np.isfinite(curves), curves, 1.0)
    ranked = np.sort(final[np.isfinite(final)])
    rs_runs = final.reshape(-1, n_eq)  # one row per random-search run at equal budget
    out: dict[str, Any] = {
        "rank_correlation": {b: float(spearmanr(finite[:, i], finite[:, -1]).statistic)
                             for i, b in enumerate(result["pool"]["budgets"][:-1])},
        "random_final": [float(np.nanmin(row)) for row in rs_runs],
        "random_expected_final": rs_expected_best(final, n_eq),
        "pool_size": len(final), "pool_failed": int(np.sum(~np.isfinite(final))),
        "targets": [],
    }
    k = 1
    while k <= len(ranked):
        target = float(ranked[k - 1])
        row = {"k": k, "target": target, "random": rs_hit_budget(final, target, R)}
        for name, runs in result["runs"].items():
            hits = [reached_at(run["curve"], target) for run in runs]
            row[name] = _median([h[0] for h in hits])
            row[name + "_trained"] = _median([h[1] for h in hits])
        out["targets"].append(row)
        k *= 2
    for name, runs in result["runs"].items():
        out[name] = [run["best"] for run in runs]
    return out


def _median(values: list[float]) -> float:
    return float(np.median(values))


def speedup(row: dict[str, Any], name: str) -> float:
    """Random search's median budget over the strategy's; -1 where the strategy did not reach
    the target within its budget (the JSON figures hold no infinities)."""
    return row["random"] / row[name] if math.isfinite(row[name]) else -1.0


def checked(result: dict[str, Any]) -> dict[str, float]:
    t1, s, re = result["table_1"], summary(result), result["reevaluated"]
    flat = {"table1_matches": float(t1["matches"]), "table1_round_budget": float(t1["budget"]),
            "table1_round_evaluations": float(t1["evaluations"]),
            "table1_ceiling_s4": t1["ceilings"][0],
            "rank_corr_budget1": s["rank_correlation"][1],
            "rank_corr_budget9": s["rank_correlation"][9],
            "random_expected_final_error": s["random_expected_final"],
            "random_median_reevaluated_error": _median(re["random_search"])}
    for name in ("hyperband", "successive_halving"):
        flat[f"{name}_median_final_error"] = _median(s[name])
        flat[f"{name}_median_reevaluated_error"] = _median(re[name])
        for row in s["targets"][:3]:
            flat[f"{name}_speedup_top{row['k']}"] = speedup(row, name)
    return flat


def _fmt(x: float) -> str:
    return "-" if not math.isfinite(x) else f"{x:.5g}" if x >= 100 else f"{x:.3g}"


def print_report(result: dict[str, Any]) -> None:
    t1, s, cfg, re = result["table_1"], summary(result), result["settings"], result["reevaluated"]
    print(f"Table 1 (R = 81, eta = 3): {'matches' if t1['matches'] else 'DIFFERS'}; "
          f"one round = {t1['budget']} epochs charged, {t1['evaluations']} evaluations")
    for b in t1["brackets"]:
        print(f"  s = {len(b) - 1}: " + " ".join(f"({n},{r})" for n, r in b)
              + f"   speed-up if its rankings were exact: {ceiling(b):.2f}")
    print(f"mlp_digits, R = {cfg['R']}, {cfg['cv']}-fold CV error; budget of a run "
          f"{result['limit']} epochs charged = {result['n_eq']} configurations trained to R")
    print(f"random-search pool: {s['pool_size']} configurations ({s['pool_failed']} failed)")
    print("rank correlation (Spearman) of the error at b epochs with the error at R: "
          + ", ".join(f"b={b}: {v:.2f}" for b, v in s["rank_correlation"].items()))
    names = list(result["runs"])
    print("equal budget: median [min, max] over seeds of the incumbent's CV error; "
          "the same re-evaluated (task seed 1)")
    for name, values in [("random_search", s["random_final"])] + [(n, s[n]) for n in names]:
        again = re[name]
        print(f"  {name:<20}{_median(values):.4f} [{min(values):.4f}, {max(values):.4f}]   "
              f"{_median(again):.4f} [{min(again):.4f}, {max(again):.4f}]")
    print(f"  random search, expected best of {result['n_eq']} from the pool: "
          f"{s['random_expected_final']:.4f}")
    print("budget (epochs charged; median over seeds, - if not reached) to the k-th best "
          "error of the pool; speed-up = random / strategy")
    print(f"{'k':>4}{'target':>9}{'random':>9}" + "".join(f"{n:>20}{'x':>6}" for n in names))
    for row in s["targets"]:
        print(f"{row['k']:>4}{row['target']:>9.4f}{_fmt(row['random']):>9}" + "".join(
            f"{_fmt(row[n]) + ' (' + _fmt(row[n + '_trained']) + ')':>20}"
            f"{_fmt(speedup(row, n)) if math.isfinite(row[n]) else '-':>6}" for n in names))
    print(f"{result['seconds']:.0f} s")


def main(argv: list[str] | None = None) -> dict[str, float]:
    return script_main(__doc__, figures, print_report, checked, argv)


if __name__ == "__main__":
    main(sys.argv[1:])
