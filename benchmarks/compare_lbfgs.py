"""L-BFGS: ``tunelab.optim.lbfgs`` beside SciPy's L-BFGS-B, on the same objectives and starts.

Objectives: the extended Rosenbrock function in 2, 20 and 100 dimensions (SciPy's ``rosen``,
from the standard start -1.2, 1, -1.2, ...), and the mean L2-penalized logistic loss of
standardized breast_cancer (30 features and an intercept, alpha = 1e-3; our
:func:`tunelab.losses.logistic_loss`). Both solvers keep 10 pairs and stop at
``max |gradient| <= 1e-8``; SciPy with ``ftol=0`` so that only the gradient stops it. Reported:
iterations, evaluations of the objective, the final gradient and distance to the minimum, and
the median wall time of ``--repeats`` solves (one BLAS thread).

Run: ``python benchmarks/compare_lbfgs.py [--repeats 20]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import scipy.optimize as so
from threadpoolctl import threadpool_limits

from _versions import versions
from tunelab.losses import logistic_loss
from tunelab.optim import lbfgs


class Counted:
    def __init__(self, fun):
        self.fun, self.n = fun, 0

    def __call__(self, x):
        self.n += 1
        return self.fun(x)


def objectives():
    from sklearn.datasets import load_breast_cancer

    for n in (2, 20, 100):
        x0 = np.full(n, -1.2)
        x0[1::2] = 1.0
        yield f"Rosenbrock {n}-D", lambda x: (so.rosen(x), so.rosen_der(x)), x0, np.ones(n)
    X, y = load_breast_cancer(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    fun = lambda theta: logistic_loss(theta, X, y.astype(float), 1e-3)  # noqa: E731
    ref = so.minimize(fun, np.zeros(31), jac=True, method="L-BFGS-B",
                      options={"gtol": 1e-12, "ftol": 0, "maxiter": 100_000}).x
    yield "logistic, breast_cancer", fun, np.zeros(31), ref


def solve(which: str, fun, x0):
    counted = Counted(fun)
    if which == "ours":
        r = lbfgs(counted, x0, m=10, tol=1e-8, max_iter=100_000)
        return r.x, r.n_iter, counted.n, r.grad_norm
    r = so.minimize(counted, x0, jac=True, method="L-BFGS-B",
                    options={"gtol": 1e-8, "ftol": 0.0, "maxiter": 100_000, "maxcor": 10})
    return r.x, r.nit, counted.n, float(np.max(np.abs(r.jac)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args(argv)
    print(versions("scipy"))
    print("| objective | solver | iterations | evaluations | max abs gradient | "
          "distance to minimum | ms per solve | ours / SciPy |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    with threadpool_limits(1):
        for name, fun, x0, x_star in objectives():
            times = {}
            for which in ("ours", "SciPy"):
                x, nit, nfev, g = solve(which, fun, x0)
                runs = []
                for _ in range(args.repeats):
                    start = time.perf_counter()
                    solve(which, fun, x0)
                    runs.append(time.perf_counter() - start)
                times[which] = float(np.median(runs))
                ratio = f"{times['ours'] / times['SciPy']:.2f}" if which == "SciPy" else ""
                print(f"| {name} | {which} | {nit} | {nfev} | {g:.1e} | "
                      f"{np.max(np.abs(x - x_star)):.1e} | {1e3 * times[which]:.2f} | {ratio} |")


if __name__ == "__main__":
    main()
