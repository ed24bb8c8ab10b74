"""BayesianOptimization beside scikit-optimize's and Optuna's GP optimizers, TPE and random.

Quality: median simple regret (best value found minus the known optimum) over ``--seeds``
seeds on Branin after 50 evaluations and Hartmann-6 after 100 (``tunelab.bench.problems``),
with the interquartile range, our median over each peer's, and the two-sided Wilcoxon
signed-rank p-value of the paired (by seed) regrets. Every method runs with its defaults:

- ``tunelab``: ``BayesianOptimization(space, seed=s)``;
- ``skopt_gp``: ``skopt.Optimizer(dims, base_estimator="GP", random_state=s)``;
- ``optuna_gp``: ``optuna.samplers.GPSampler(seed=s)`` (needs torch);
- ``optuna_tpe``: ``optuna.samplers.TPESampler(seed=s)``;
- ``random``: ``tunelab.search.RandomSearch(space, seed=s)``.

Also the median number of evaluations until the best value is within 1 % of the optimum
(``best <= f* + 0.01 |f*|``; ``inf`` where more than half the runs never get there), and the
median wall time of a run.

Time per iteration: Hartmann-6 with ``n`` = 50, 100, 200, 500 observations already told
(uniform random points), then the median over ``--repeats`` iterations of one ask and one
tell, model refit included wherever each library does it (ours and Optuna's at ask time,
skopt's at tell time). Optuna GPSampler is timed with greenlet (its batched L-BFGS-B) when
installed, and without it in a subprocess that hides the package.

All methods run with one BLAS thread and one torch thread: on this 2-core machine, shared
with other work, more threads only contend (a 200 x 200 ``potri`` takes 0.6 ms on one thread
and up to 0.8 s with two busy ones), and the figures are noisy anyway.

Run: ``python benchmarks/compare_bayes.py [--seeds 20] [--jobs 2] [--repeats 3]
[--skip-quality] [--skip-timing] [--sizes 50 100 200 500]``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import subprocess
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from scipy import stats
from threadpoolctl import threadpool_limits

from _versions import importable, versions
from tunelab.bench import problems
from tunelab.search import BayesianOptimization, RandomSearch

BUDGETS = {"branin": 50, "hartmann6": 100}
METHODS = ("tunelab", "skopt_gp", "optuna_gp", "optuna_tpe", "random")
PEER_MODULES = {"skopt_gp": "skopt", "optuna_gp": "torch", "optuna_tpe": "optuna"}


# --- one method, behind ask/tell ---------------------------------------------------------
class _Ours:
    def __init__(self, problem, seed, cls=BayesianOptimization):
        self.strategy, self.problem = cls(problem.space, seed=seed), problem

    def ask(self):
        return self.strategy.ask()

    def tell(self, point, value):
        self.strategy.tell(point, value)

    def warm(self, X, y):
        for x, v in zip(X, y, strict=True):
            self.strategy.tell(dict(zip(self.problem.space.names, x.tolist(), strict=True)), v)


class _Skopt:
    def __init__(self, problem, seed):
        from skopt import Optimizer

        dims = [(float(lo), float(hi)) for lo, hi in problem.bounds]
        self.opt = Optimizer(dims, base_estimator="GP", random_state=seed)

    def ask(self):
        return self.opt.ask()

    def tell(self, point, value):
        self.opt.tell(point, value)

    def warm(self, X, y):
        self.opt.tell(X.tolist(), list(y))


class _Optuna:
    def __init__(self, problem, seed, kind):
        import optuna

        optuna.logging.set_verbosity(optuna.logging.ERROR)
        sampler = (optuna.samplers.GPSampler(seed=seed) if kind == "gp"
                   else optuna.samplers.TPESampler(seed=seed))
        self.study = optuna.create_study(sampler=sampler)
        self.dists = {f"x{i}": optuna.distributions.FloatDistribution(float(lo), float(hi))
                      for i, (lo, hi) in enumerate(problem.bounds)}
        self.problem = problem

    def ask(self):
        trial = self.study.ask(self.dists)
        return trial, [trial.params[k] for k in self.dists]

    def tell(self, point, value):
        self.study.tell(point[0], value)

    def warm(self, X, y):
        import optuna

        self.study.add_trials([optuna.trial.create_trial(
            params=dict(zip(self.dists, x.tolist(), strict=True)), distributions=self.dists,
            value=float(v)) for x, v in zip(X, y, strict=True)])


def make(method: str, problem, seed: int):
    if method == "tunelab":
        return _Ours(problem, seed)
    if method == "random":
        return _Ours(problem, seed, RandomSearch)
    if method == "skopt_gp":
        return _Skopt(problem, seed)
    return _Optuna(problem, seed, "gp" if method == "optuna_gp" else "tpe")


def value_of(problem, point) -> float:
    x = point[1] if isinstance(point, tuple) else point
    if isinstance(x, dict):
        return float(problem(x))
    return float(problem.evaluate(np.asarray([x], dtype=float))[0])


def _single_threaded():
    """One thread everywhere; the peers are imported first, so that the BLAS libraries they
    load are limited too."""
    for module in ("scipy.linalg", "sklearn", "skopt", "optuna", "torch"):
        try:
            importlib.import_module(module)
        except ImportError:
            continue
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)
    return threadpool_limits(1)


# --- quality ---------------------------------------------------------------------------------
def regret_job(args: tuple) -> tuple:
    name, method, seed = args
    problem = problems.get(name)
    with _single_threaded(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        runner, best, hit = make(method, problem, seed), np.inf, np.inf
        target = problem.optimum + 0.01 * abs(problem.optimum)
        start = time.perf_counter()
        for k in range(1, BUDGETS[name] + 1):
            point = runner.ask()
            value = value_of(problem, point)
            runner.tell(point, value)
            best = min(best, value)
            if best <= target and hit == np.inf:
                hit = k
    return name, method, seed, best - problem.optimum, time.perf_counter() - start, hit


def quality_table(results: list[tuple], methods: list[str], seeds: int) -> None:
    regrets, seconds, hits = {}, {}, {}
    for name, method, _, regret, sec, hit in sorted(results, key=lambda r: r[2]):
        regrets.setdefault((name, method), []).append(regret)
        seconds.setdefault((name, method), []).append(sec)
        hits.setdefault((name, method), []).append(hit)
    print(f"\nsimple regret, {seeds} seeds: median [q25, q75]; ours/peer = ratio of medians, "
          f"p = Wilcoxon signed-rank (paired by seed)")
    for name, budget in BUDGETS.items():
        print(f"{name} after {budget} evaluations")
        ours = np.asarray(regrets[name, "tunelab"])
        for method in methods:
            v = np.asarray(regrets[name, method])
            q1, med, q3 = np.percentile(v, [25, 50, 75])
            line = (f"  {method:11s} {med:10.3g} [{q1:9.3g}, {q3:9.3g}]   "
                    f"{np.median(seconds[name, method]):7.1f} s/run")
            if method != "tunelab":
                ratio = np.median(ours) / med if med > 0 else np.inf
                p = stats.wilcoxon(ours, v).pvalue if np.any(ours != v) and seeds > 1 else 1.0
                line += f"   ours/peer {ratio:8.3g}   p {p:7.2g}"
            print(line)
        print(f"  evaluations until best <= f* + 0.01 |f*| (median; inf: not within "
              f"{budget}): " + ", ".join(f"{m} {np.median(hits[name, m]):g}" for m in methods))
    sys.stdout.flush()


# --- time per iteration ------------------------------------------------------------------
def time_iteration(method: str, n: int, repeats: int) -> float:
    """Median seconds of one ask + tell on Hartmann-6 after ``n`` random observations."""
    problem = problems.get("hartmann6")
    rng = np.random.default_rng(n)
    lo, hi = problem.bounds[:, 0], problem.bounds[:, 1]
    X = lo + (hi - lo) * rng.random((n, problem.dim))
    with _single_threaded(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        runner = make(method, problem, 0)
        runner.warm(X, problem.evaluate(X))
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            point = runner.ask()
            runner.tell(point, value_of(problem, point))
            times.append(time.perf_counter() - start)
    return float(np.median(times))


def timing_table(methods: list[str], sizes: list[int], repeats: int) -> None:
    print(f"\nseconds per iteration (ask + tell, refit included), Hartmann-6, median of "
          f"{repeats}")
    print(f"  {'method':24s}" + "".join(f"{'n=' + str(n):>10s}" for n in sizes))
    rows = {}
    for method in [m for m in methods if m != "random"]:
        rows[method] = [time_iteration(method, n, repeats) for n in sizes]
        print(f"  {method:24s}" + "".join(f"{t:10.3f}" for t in rows[method]), flush=True)
    if "optuna_gp" in methods and importable("greenlet"):
        label = "optuna_gp (no greenlet)"
        rows[label] = _without_greenlet(sizes, repeats)
        print(f"  {label:24s}" + "".join(f"{t:10.3f}" for t in rows[label]), flush=True)
    for peer in [m for m in rows if m != "tunelab"]:
        ratios = "".join(f"{a / b:10.3f}" for a, b in zip(rows["tunelab"], rows[peer],
                                                          strict=True))
        print(f"  {'ours / ' + peer:24s}" + ratios)


def _without_greenlet(sizes: list[int], repeats: int) -> list[float]:
    code = ("import sys; sys.modules['greenlet'] = None\n"
            f"sys.path.insert(0, {os.path.dirname(os.path.abspath(__file__))!r})\n"
            "import compare_bayes as c\n"
            f"print(*[c.time_iteration('optuna_gp', n, {repeats}) for n in {sizes!r}])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return [float(t) for t in out.stdout.split()]


# --- main ------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 100, 200, 500])
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-timing", action="store_true")
    args = parser.parse_args(argv)
    methods = [m for m in args.methods if importable(PEER_MODULES.get(m, "numpy"))]
    print(versions("scipy", "numba", "skopt", "optuna", "torch", "greenlet"))
    print(f"machine: {platform.machine()} {platform.processor() or ''}, {os.cpu_count()} CPUs, "
          f"{platform.system()} {platform.release()}; one thread per run; shared with other "
          f"work: timings noisy")
    print(f"methods: {', '.join(methods)}")
    if not args.skip_quality:
        jobs = [(name, m, s) for name in BUDGETS for m in methods for s in range(args.seeds)]
        start = time.perf_counter()
        with ProcessPoolExecutor(args.jobs) as pool:
            results = list(pool.map(regret_job, jobs))
        print(f"{len(jobs)} runs in {time.perf_counter() - start:.0f} s")
        quality_table(results, methods, args.seeds)
    if not args.skip_timing:
        timing_table(methods, args.sizes, args.repeats)


if __name__ == "__main__":
    main()
