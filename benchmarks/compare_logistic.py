"""LogisticRegression beside scikit-learn, and the Numba kernels beside plain Python and NumPy.

Four measurements on one synthetic binary problem (default 200,000 x 50, standard normal
features, labels drawn from a logistic model with a unit-variance linear predictor):

1. **L-BFGS fit**: ``tunelab.LogisticRegression(solver="lbfgs")`` against scikit-learn's
   ``LogisticRegression(solver="lbfgs")`` on the same objective (``alpha = 1 / n``, i.e.
   scikit-learn's default ``C = 1``) with the same gradient tolerance, plus the same L-BFGS
   driven by the NumPy loss (``X @ w`` then ``X.T @ r``) to show what the one-pass kernel buys.
   Each fit's objective is evaluated afterwards by one function, and the relative differences
   are printed. Fits alternate round by round, so a slow spell of a shared machine hits every
   contender; the table reports medians.
2. **One loss-and-gradient evaluation**, the unit of work inside L-BFGS.
3. **SGD epoch** for the logistic loss: the Numba kernel against the same loop run by the
   Python interpreter (the kernel's ``py_func``, timed on a subsample and scaled per sample) and
   against its NumPy twin; throughput in bytes of ``X`` per second as a fraction of the memory
   bandwidth measured by a large NumPy copy (bytes read plus bytes written per second).
4. **Numba compile cost** of each kernel's first call: cold (a fresh subprocess with
   ``NUMBA_CACHE_DIR`` set to a new empty directory, so it compiles) and warm (a second
   subprocess with the same directory, so it loads the cached machine code).

Run: ``python benchmarks/compare_logistic.py [--n 200000] [--p 50] [--rounds 5]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import warnings

import numpy as np
import scipy
from scipy.optimize import minimize

import tunelab
from tunelab.losses import logistic_loss, logistic_loss_numpy
from tunelab.models import LogisticRegression
from tunelab.optim import _jit
from tunelab.optim.sgd import linear_sgd_epoch_numpy


def make_problem(n: int, p: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    w = rng.normal(size=p) / np.sqrt(p)
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-(X @ w + 0.3)))).astype(np.int64)
    return X, y


def machine_info() -> list[str]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if "model name" in line)
    except (OSError, StopIteration):
        pass
    from threadpoolctl import threadpool_info

    blas = {(i["internal_api"], i.get("num_threads")) for i in threadpool_info()}
    import numba
    import sklearn

    return [
        f"machine : {cpu}, {os.cpu_count()} logical cores, {platform.system()} "
        f"{platform.release()}",
        f"python  : {platform.python_version()}; numpy {np.__version__}, "
        f"scipy {scipy.__version__}, numba {numba.__version__}, "
        f"scikit-learn {sklearn.__version__}, tunelab {tunelab.__version__}",
        f"BLAS    : {', '.join(f'{api} ({t} threads)' for api, t in sorted(blas))}",
        f"load    : {os.getloadavg()[0]:.2f} (1-minute load average at the start)",
    ]


def best_time(fun, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fun()
        times.append(time.perf_counter() - start)
    return min(times)


def memory_bandwidth(megabytes: int = 512, repeat: int = 5) -> float:
    """Bytes per second moved by ``np.copyto`` of a large array (read + write)."""
    src = np.ones(megabytes * 2**20 // 8)
    dst = np.empty_like(src)
    seconds = best_time(lambda: np.copyto(dst, src), repeat)
    return 2 * src.nbytes / seconds


def objective(coef, intercept, X, y01, alpha) -> float:
    return logistic_loss_numpy(np.append(coef, intercept), X, y01, alpha)[0]


def compare_lbfgs(X, y, rounds: int, tol: float) -> list[str]:
    from sklearn.linear_model import LogisticRegression as SkLogistic

    n = len(X)
    alpha, y01 = 1.0 / n, y.astype(np.float64)
    fits = {
        "tunelab lbfgs (one-pass Numba loss)": lambda: _fit_tunelab(X, y, alpha, tol),
        "tunelab lbfgs driven by NumPy loss": lambda: _fit_numpy_loss(X, y01, alpha, tol),
        "scikit-learn lbfgs": lambda: _fit_sklearn(SkLogistic, X, y, tol),
    }
    _fit_tunelab(X[:1000], y[:1000], alpha, tol)  # compile (or load) the kernel first
    times = {name: [] for name in fits}
    results = {}
    for _ in range(rounds):
        for name, fit in fits.items():
            start = time.perf_counter()
            results[name] = fit()
            times[name].append(time.perf_counter() - start)
    ref_name = "scikit-learn lbfgs"
    ref_time = statistics.median(times[ref_name])
    f_ref = objective(*results[ref_name][:2], X, y01, alpha)
    rows = [f"{'fit (median of ' + str(rounds) + ')':40s} {'seconds':>8s} {'ratio':>6s} "
            f"{'iters':>5s} {'objective':>20s} {'rel. diff':>9s}"]
    for name in fits:
        coef, intercept, n_iter = results[name]
        f = objective(coef, intercept, X, y01, alpha)
        seconds = statistics.median(times[name])
        rows.append(f"{name:40s} {seconds:8.3f} {seconds / ref_time:6.2f} {n_iter:5d} "
                    f"{f:20.15f} {abs(f - f_ref) / f_ref:9.1e}")
    return rows


def _fit_tunelab(X, y, alpha, tol):
    model = LogisticRegression(alpha=alpha, solver="lbfgs", tol=tol).fit(X, y)
    return model.coef_[0], model.intercept_[0], model.n_iter_


def _fit_numpy_loss(X, y01, alpha, tol):
    res = minimize(logistic_loss_numpy, np.zeros(X.shape[1] + 1), args=(X, y01, alpha),
                   jac=True, method="L-BFGS-B",
                   options={"gtol": tol, "ftol": 64 * np.finfo(float).eps, "maxls": 50,
                            "maxiter": 1000})
    return res.x[:-1], res.x[-1], res.nit


def _fit_sklearn(SkLogistic, X, y, tol):
    model = SkLogistic(C=1.0, tol=tol, max_iter=1000).fit(X, y)
    return model.coef_[0], model.intercept_[0], int(model.n_iter_[0])


def compare_loss_eval(X, y, repeat: int) -> list[str]:
    y01 = y.astype(np.float64)
    theta = np.zeros(X.shape[1] + 1)
    contenders = {
        "tunelab logistic_loss (one pass, Numba)": lambda: logistic_loss(theta, X, y01, 1e-3),
        "tunelab logistic_loss_numpy (2 BLAS)": lambda: logistic_loss_numpy(theta, X, y01, 1e-3),
    }
    try:
        from sklearn._loss.loss import HalfBinomialLoss
        from sklearn.linear_model._linear_loss import LinearModelLoss

        sk_loss = LinearModelLoss(HalfBinomialLoss(), fit_intercept=True)
        contenders["scikit-learn LinearModelLoss"] = lambda: sk_loss.loss_gradient(
            theta, X, y01, None, 1e-3, 1)
    except ImportError:  # a private API: it may move between versions
        pass
    logistic_loss(theta, X[:10], y01[:10], 1e-3)
    times = {name: best_time(fun, repeat) for name, fun in contenders.items()}
    ref = times.get("scikit-learn LinearModelLoss", times["tunelab logistic_loss_numpy (2 BLAS)"])
    return [f"{'loss + gradient, best of ' + str(repeat):40s} {'ms':>8s} {'ratio':>6s}"] + [
        f"{name:40s} {1e3 * t:8.2f} {t / ref:6.2f}" for name, t in times.items()
    ]


def compare_sgd_epoch(X, y, bandwidth: float, repeat: int, python_rows: int) -> list[str]:
    n, p = X.shape
    y01 = y.astype(np.float64)
    rng = np.random.default_rng(0)
    theta = np.zeros(p + 1)
    order = rng.permutation(n)
    rows = [f"{'SGD epoch, logistic, batch 1':40s} {'s/epoch':>8s} {'speedup':>7s} "
            f"{'GB/s':>6s} {'of bw':>6s}"]
    args = (y01, theta, order, np.full(n, 1e-3), 1e-4, True, 1, True)
    kernel = _jit.linear_sgd_epoch
    kernel(X[:10], y01[:10], theta, order[:10] % 10, np.full(10, 1e-3), 1e-4, True, 1, True)
    t_numba = best_time(lambda: kernel(X, *args), repeat)
    in_order = (y01, theta, np.arange(n), *args[3:])
    t_sequential = best_time(lambda: kernel(X, *in_order), repeat)
    m = min(python_rows, n)
    sub = (y01[:m], theta, np.arange(m), np.full(m, 1e-3), 1e-4, True, 1, True)
    py_func = getattr(kernel, "py_func", kernel)
    t_python = best_time(lambda: py_func(X[:m], *sub), 1) * n / m
    t_numpy = best_time(lambda: linear_sgd_epoch_numpy(X[:m], *sub), 1) * n / m
    contenders = (
        ("Numba kernel", t_numba),
        ("Numba kernel, rows in storage order", t_sequential),
        ("pure Python loop (py_func)", t_python),
        ("NumPy twin (per minibatch)", t_numpy),
    )
    for name, t in contenders:
        rate = X.nbytes / t
        rows.append(f"{name:40s} {t:8.3f} {t_python / t:7.1f} {rate / 1e9:6.2f} "
                    f"{rate / bandwidth:6.1%}")
    rows.append(f"(Python and NumPy timed on {m} rows and scaled to {n}; speedup vs Python;")
    rows.append(" shuffled rows are fetched at random: memory latency, not bandwidth, bounds it)")
    return rows


COMPILE_SCRIPT = textwrap.dedent("""
    import sys, time
    import numpy as np
    start = time.perf_counter()
    from tunelab.optim import _jit
    from tunelab import _jit as losses_jit
    imported = time.perf_counter() - start
    from numba import njit
    start = time.perf_counter()
    njit(lambda a: a + 1.0)(1.0)  # Numba's one-time start-up: LLVM, the JIT engine, typing
    startup = time.perf_counter() - start
    X, y, th = np.ones((4, 2)), np.zeros(4), np.zeros(3)
    o, lr = np.arange(4), np.full(4, 0.1)
    call = {
        "linear_sgd_epoch": lambda: _jit.linear_sgd_epoch(X, y, th, o, lr, 0.1, True, 1, True),
        "softmax_sgd_epoch": lambda: _jit.softmax_sgd_epoch(
            X, y, np.zeros(6), o, lr, 0.1, True, 1, 2),
        "logistic_loss_grad": lambda: losses_jit.logistic_loss_grad(X, y, th[:2], 0.0),
        "saga_epoch": lambda: _jit.saga_epoch(
            X, y, np.ones(4), np.ones(4), th.copy(), o, np.zeros(4), np.zeros(3), 0.0, 1.0,
            0.1, True, 1, True),
        "saga_softmax_epoch": lambda: _jit.saga_softmax_epoch(
            X, y, np.ones(4), np.ones(4), np.zeros(6), o, np.zeros((4, 2)), np.zeros(6), 0.0,
            1.0, 0.1, True, 1, 2),
    }[sys.argv[1]]
    start = time.perf_counter(); call(); first = time.perf_counter() - start
    start = time.perf_counter(); call(); second = time.perf_counter() - start
    print(imported, startup, first, second)
""")
KERNELS = ("linear_sgd_epoch", "softmax_sgd_epoch", "logistic_loss_grad", "saga_epoch",
           "saga_softmax_epoch")


def compile_costs() -> list[str]:
    """Each kernel in its own process, after Numba's start-up (timed apart)."""

    def run(kernel: str, cache_dir: str) -> list[float]:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
        out = subprocess.run([sys.executable, "-c", COMPILE_SCRIPT, kernel], env=env,
                             check=True, capture_output=True, text=True).stdout
        return [float(v) for v in out.split()]

    rows = [f"{'Numba first call (own process)':40s} {'cold s':>8s} {'warm s':>8s} "
            f"{'2nd call':>9s}"]
    imports, startups = [], []
    for kernel in KERNELS:
        with tempfile.TemporaryDirectory() as cache_dir:
            cold, warm = run(kernel, cache_dir), run(kernel, cache_dir)
        imports.append(warm[0])
        startups += [cold[1], warm[1]]
        rows.append(f"{kernel:40s} {cold[2]:8.3f} {warm[2]:8.3f} {1e6 * warm[3]:7.1f}us")
    rows.append(f"{'import tunelab.optim._jit (numba)':40s} {'':8s} {min(imports):8.3f}")
    rows.append(f"{'Numba start-up, once per process':40s} {'':8s} {min(startups):8.3f}")
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--p", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tol", type=float, default=1e-6)
    parser.add_argument("--python-rows", type=int, default=2000)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", FutureWarning)
    print("\n".join(machine_info()))
    X, y = make_problem(args.n, args.p)
    bandwidth = memory_bandwidth()
    print(f"memory  : {bandwidth / 1e9:.1f} GB/s (np.copyto of 512 MiB, read + write)")
    print(f"problem : {args.n} x {args.p}, alpha = 1/n (sklearn C = 1), tol = {args.tol}\n")
    for section in (
        compare_lbfgs(X, y, args.rounds, args.tol),
        compare_loss_eval(X, y, repeat=10),
        compare_sgd_epoch(X, y, bandwidth, repeat=3, python_rows=args.python_rows),
        compile_costs(),
    ):
        print("\n".join(section), end="\n\n")


if __name__ == "__main__":
    main()
