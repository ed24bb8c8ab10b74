"""Hypergradient search beside a log grid and Bayesian optimization, side by side in one run.

One L2 penalty ``alpha`` of ``tunelab.LogisticRegression`` (binary on breast_cancer,
multinomial on digits; features standardized, constant columns left at zero), the 5-fold
cross-validated mean log loss (``tunelab.hypergrad.CrossValidationLoss``, stratified folds,
inner Newton fits to a max-norm gradient of 1e-12), ``alpha`` in ``Real(1e-6, 1e2,
log=True)``. Every method runs through ``tunelab.minimize`` on a fresh objective (so each one
starts without warm-start state), with one BLAS thread:

* ``grid``: the 200-point log grid (``strategy="grid"``, ascending alpha, so its inner fits
  are warm-started along the path). Its best value is the reference, ``target = best + 1e-4``;
  its time to the target is the whole grid's time, since a grid knows its best only at the
  end (the time at which its ascending sweep first passes the target is printed too).
  It runs once (it is deterministic).
* ``bayes``: ``strategy="bayes"``, up to ``--bo-trials`` trials, seeds ``0 .. repeats-1``.
* ``hypergradient``: ``strategy="hypergradient"``, up to 50 trials, with ``"lbfgsb"``
  (learning rate 1) and ``"adam"`` (learning rate 0.3), exact, and Adam with HOAG's inexact
  solves (``tol_schedule=(0.01, 0.9)``; its values are re-evaluated exactly, untimed, to
  decide when it reached the target). Run ``r`` starts at the centre of the box (alpha =
  0.01) for ``r = 0`` and at a log-uniform point drawn from ``default_rng(r)`` otherwise, so
  the median is not that of one lucky start.

Time to target: seconds from the start of ``minimize`` to the end of the first trial whose
(exact) value is at most the target (the study is stopped there); medians over
``--repeats`` runs, the range in brackets. The grid and BO are
told only the value (the objective computes the gradient anyway: about one Cholesky solve
per fold on top of the Newton fit's). Also measured: the inner Newton iterations with and
without warm starts along the L-BFGS path and the grid, and HOAG's inner iterations to the
target against the exact Adam run's.

Run: ``python benchmarks/hypergrad.py [--repeats 3] [--bo-trials 40] [--datasets ...]``;
``--many [--many-trials 60] [--many-problems ...]`` runs the per-feature benchmark of
``hypergrad_many.py`` instead,
``--schedule [--epochs 10] [--schedule-trials 100]`` the MLP schedule one of
``hypergrad_schedule.py``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

import tunelab as tl
from _versions import versions
from tunelab.hypergrad import CrossValidationLoss

SPACE = tl.Space({"alpha": tl.Real(1e-6, 1e2, log=True)})
METHODS = {
    "grid (200 points)": ("grid", {"resolution": 200}, {}),
    "bayes": ("bayes", {}, {}),
    "hypergradient lbfgsb": ("hypergradient", {"optimizer": "lbfgsb", "learning_rate": 1.0}, {}),
    "hypergradient adam": ("hypergradient", {"optimizer": "adam", "learning_rate": 0.3}, {}),
    "hypergradient adam, HOAG": (
        "hypergradient",
        {"optimizer": "adam", "learning_rate": 0.3},
        {"tol_schedule": (0.01, 0.9)},
    ),
}


def load(name: str) -> tuple[np.ndarray, np.ndarray]:
    from sklearn import datasets

    X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    sd = X.std(axis=0)
    return (X - X.mean(axis=0)) / np.where(sd > 0, sd, 1.0), y


def run(X, y, method: str, seed: int, n_trials: int, stop=None) -> dict:
    """One ``minimize``: per trial, its seconds since the start, alpha, value, inner
    iterations; ``stop(alpha, value)`` true ends the study after that trial."""
    strategy, options, loss_options = METHODS[method]
    f = CrossValidationLoss(tl.LogisticRegression(), X, y, cv=5, **loss_options)
    objective = f if strategy == "hypergradient" else (lambda c: f(c)[0])
    if strategy == "hypergradient" and seed > 0:
        u = np.random.default_rng(seed).random()
        options = {**options, "x0": SPACE.from_unit(np.array([u]))}
    trace, paused = [], [0.0]  # the stopping test's own seconds are not counted
    start = time.perf_counter()

    def record(study, trial):
        now = time.perf_counter()
        trace.append((now - start - paused[0], trial.params["alpha"], trial.value, f.n_inner_iter))
        if stop is not None and stop(trial.params["alpha"], trial.value):
            study.stop()
        paused[0] += time.perf_counter() - now

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # BO's GP fit warnings; the HOAG fits are inexact
        tl.minimize(
            objective,
            SPACE,
            strategy=strategy,
            n_trials=n_trials,
            seed=seed,
            strategy_options=options,
            callbacks=[record],
            progress=False,
        )
    return {"trace": trace, "seconds": time.perf_counter() - start - paused[0]}


def first_within(trace, values, target) -> int | None:
    return next((i for i, v in enumerate(values) if v <= target), None)


def warm_up() -> None:
    """Compile or load the Numba kernels of BO and the study once, before any timing."""
    space = tl.Space({"x": tl.Real(-1.0, 1.0)})
    tl.minimize(lambda c: c["x"] ** 2, space, strategy="bayes", n_trials=8, seed=0, progress=False)
    tl.minimize(
        lambda c: (c["x"] ** 2, {"x": 2 * c["x"]}),
        space,
        strategy="hypergradient",
        n_trials=3,
        seed=0,
        progress=False,
    )


def bench_dataset(name: str, repeats: int, bo_trials: int) -> None:
    X, y = load(name)
    exact = CrossValidationLoss(tl.LogisticRegression(), X, y, cv=5)
    print(f"\n### {name} ({X.shape[0]} x {X.shape[1]}, {len(np.unique(y))} classes)\n")
    rows, target, grid_time = [], None, None
    for method in METHODS:
        strategy = METHODS[method][0]
        trials = {"grid": 200, "bayes": bo_trials}.get(strategy, 50)
        if strategy == "grid":  # it runs first, to the end, and sets the target
            runs = [run(X, y, method, 0, trials)]
            target = min(v for _, _, v, _ in runs[0]["trace"]) + 1e-4
            best_alpha = min(runs[0]["trace"], key=lambda r: r[2])[1]
        else:
            hoag = bool(METHODS[method][2])

            def stop(alpha, value, hoag=hoag, target=target):
                return (exact({"alpha": alpha})[0] if hoag else value) <= target

            runs = [run(X, y, method, seed, trials, stop) for seed in range(repeats)]
        hits, evals, iters, best = [], [], [], []
        for r in runs:
            tr = r["trace"]
            values = [v for _, _, v, _ in tr]
            if METHODS[method][2]:  # HOAG: its values are inexact; judge by exact ones
                values = [exact({"alpha": a})[0] for _, a, _, _ in tr]
            i = first_within(tr, values, target)
            best.append(min(values))
            if method.startswith("grid"):
                hits.append(r["seconds"])
                evals.append(len(tr))
                first_pass = tr[i][0]
            elif i is not None:
                hits.append(tr[i][0])
                evals.append(i + 1)
                iters.append(tr[i][3])
        grid_time = grid_time or statistics.median(hits)
        t = statistics.median(hits) if len(hits) == len(runs) else None
        rows.append((method, t, hits, evals, iters, statistics.median(best), len(runs)))
    print(
        f"grid's best CV log loss {target - 1e-4:.6f} at alpha = {best_alpha:.4g}; "
        f"target {target:.6f}; the ascending grid first passes it after {first_pass:.2f} s\n"
    )
    print(
        "| method | time to target (s) | share of grid | evaluations | inner Newton "
        "iterations | CV loss reached | runs reaching it |"
    )
    print("|---|---|---|---|---|---|---|")
    bo_time = next(r[1] for r in rows if r[0] == "bayes")
    for method, t, hits, evals, iters, best, n_runs in rows:
        share = "-" if t is None else f"{t / grid_time:.3f}"
        shown = "not reached" if t is None else _spread(hits, "{:.3f}")
        print(
            f"| {method} | {shown} | {share} | {_spread(evals)} | {_spread(iters)} | "
            f"{best:.6f} | {len(hits)}/{n_runs} |"
        )
    for method, t, *_ in rows:
        if method.startswith("hypergradient") and t is not None and bo_time:
            print(
                f"\n{method}: {t / grid_time:.3f} of the grid's time (target <= 0.1), "
                f"{t / bo_time:.3f} of BO's (target <= 0.333)"
            )
    warm_start_saving(X, y)


def _spread(xs, fmt="{:g}") -> str:
    if not xs:
        return "-"
    if min(xs) == max(xs):
        return fmt.format(xs[0])
    lo, mid, hi = (fmt.format(v) for v in (min(xs), statistics.median(xs), max(xs)))
    return f"{mid} [{lo}, {hi}]"


def warm_start_saving(X, y) -> None:
    """Inner Newton iterations and seconds of the same paths with and without warm starts."""
    grid = SPACE.grid(50)
    path = [a for _, a, _, _ in run(X, y, "hypergradient lbfgsb", 0, 50)["trace"]]
    print("\n| path | warm-started iterations (s) | cold iterations (s) | saving |")
    print("|---|---|---|---|")
    for label, alphas in (("L-BFGS path", path), ("50-point grid", [c["alpha"] for c in grid])):
        out = []
        for warm in (True, False):
            f = CrossValidationLoss(tl.LogisticRegression(), X, y, cv=5, warm_start=warm)
            start = time.perf_counter()
            for a in alphas:
                f({"alpha": a})
            out.append((f.n_inner_iter, time.perf_counter() - start))
        print(
            f"| {label} ({len(alphas)} points) | {out[0][0]} ({out[0][1]:.2f}) | {out[1][0]} "
            f"({out[1][1]:.2f}) | {1 - out[0][0] / out[1][0]:.0%} |"
        )


def torch_unrolled(f, X, y, Xv, yv, params, hidden):
    """The same training loop in PyTorch, differentiated by autograd: (value, gradients)."""
    import torch

    classes = np.unique(y)
    X, Xv = torch.tensor(X), torch.tensor(Xv)
    Y, Yv = (torch.tensor(np.searchsorted(classes, t)) for t in (y, yv))
    lr = torch.tensor(params["learning_rate"], requires_grad=True)
    mu = torch.tensor(params["momentum"], dtype=torch.float64, requires_grad=True)
    p, k = X.shape[1], len(classes)
    sizes = [p * hidden, hidden, hidden * k, k]

    def loss(w, X, Y):
        W1, b1, W2, b2 = torch.split(w, sizes)
        z = torch.tanh(X @ W1.reshape(p, hidden) + b1) @ W2.reshape(hidden, k) + b2
        return torch.nn.functional.cross_entropy(z, Y)

    w = torch.tensor(f._w0).requires_grad_()
    v = torch.zeros_like(w)
    for epoch, rows in f._batches:
        rows = torch.tensor(rows)
        g = torch.autograd.grad(loss(w, X[rows], Y[rows]), w, create_graph=True)[0]
        v = mu * v + g
        w = w - lr[epoch] * v
    value = loss(w, Xv, Yv)
    value.backward()
    return value.item(), lr.grad.numpy(), mu.grad.item()


def unrolled_timing(repeats: int) -> None:
    """Seconds per hypergradient through 5 epochs of SGD on digits: ours and PyTorch's."""
    import torch

    from tunelab.hypergrad import UnrolledValidationLoss

    torch.set_num_threads(1)
    X, y = load("digits")
    perm = np.random.default_rng(0).permutation(len(X))
    tr, va = perm[:1200], perm[1200:]
    hidden, epochs = 32, 5
    f = UnrolledValidationLoss(
        X[tr], y[tr], X[va], y[va], hidden=hidden, epochs=epochs, batch_size=64
    )
    params = {"learning_rate": np.full(epochs, 0.1), "momentum": 0.9}
    ours, theirs = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        value, grad = f(params)
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        ref = torch_unrolled(f, X[tr], y[tr], X[va], y[va], params, hidden)
        theirs.append(time.perf_counter() - start)
    err = np.max(np.abs(grad["learning_rate"] - ref[1]) / np.abs(ref[1]))
    print(
        f"\n### Unrolled hypergradient, MLP on digits ({f.n_steps} SGD steps, {f.n_params} "
        f"weights, checkpoints every {f.checkpoint_every} steps, torch "
        f"{torch.__version__}, one thread)\n"
    )
    print("| | seconds per hypergradient (median) |\n|---|---|")
    print(f"| tunelab reverse mode, checkpointed | {statistics.median(ours):.3f} |")
    print(f"| PyTorch autograd through the loop | {statistics.median(theirs):.3f} |")
    print(
        f"\nratio {statistics.median(ours) / statistics.median(theirs):.2f}; largest relative "
        f"difference of the per-epoch learning-rate gradients {err:.1e}, momentum "
        f"{abs(grad['momentum'] - ref[2]) / abs(ref[2]):.1e}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--bo-trials", type=int, default=40)
    parser.add_argument("--datasets", nargs="+", default=["breast_cancer", "digits"])
    parser.add_argument(
        "--unrolled",
        action="store_true",
        help="only time the unrolled MLP hypergradient against PyTorch",
    )
    parser.add_argument(
        "--many",
        action="store_true",
        help="only the per-feature alphas benchmark (benchmarks/hypergrad_many.py)",
    )
    parser.add_argument("--many-trials", type=int, default=60)
    parser.add_argument("--many-problems", nargs="+",
                        default=["sparse", "sparse-linear:0", "sparse-linear:1",
                                 "sparse-linear:2", "sparse-linear:3", "sparse-linear:4",
                                 "digits"],
                        help="problems of hypergrad_many.py (sparse, sparse-linear:K, digits)")
    parser.add_argument(
        "--schedule",
        action="store_true",
        help="only the MLP learning-rate schedule benchmark (benchmarks/hypergrad_schedule.py)",
    )
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--schedule-trials", type=int, default=100)
    args = parser.parse_args(argv)
    if args.schedule:
        from hypergrad_schedule import bench as bench_schedule

        print(versions("scipy", "sklearn"))
        with threadpool_limits(1):
            warm_up()
            bench_schedule(args.epochs, args.schedule_trials)
        return
    if args.many:
        from hypergrad_many import bench as bench_many
        from hypergrad_many import summary

        print(versions("scipy", "sklearn"))
        print(subprocess.run("lscpu | head -20", shell=True, capture_output=True, text=True).stdout)
        with threadpool_limits(1):
            warm_up()
            summary({name: bench_many(name, args.many_trials) for name in args.many_problems})
        return
    if args.unrolled:
        with threadpool_limits(1):
            unrolled_timing(args.repeats)
        return
    print(versions("scipy", "sklearn"))
    print(subprocess.run("lscpu | head -20", shell=True, capture_output=True, text=True).stdout)
    with threadpool_limits(1):
        warm_up()
        for name in args.datasets:
            bench_dataset(name, args.repeats, args.bo_trials)


if __name__ == "__main__":
    main()
