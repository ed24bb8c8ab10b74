"""How close the stochastic solvers get to the exact optimum, per epoch, on three data sets.

For standardized diabetes (least squares, alpha=0), breast_cancer (logistic, alpha=1e-4, the
default, and 1e-2) and digits (softmax, alpha=1e-4 and 1e-3), prints the relative objective gap
(F - F*) / F* after 10, 100 and 1000 epochs of

- plain SGD, the estimators' ``variance_reduction=False`` (linear: constant step 0.01,
  batches of 32; logistic: step 1/L_b decaying as 1/sqrt(1 + epoch), batches of 8);
- SAGA with the step of Gazagnadou et al. (2019), the largest with a convergence proof;
- SAGA with the estimated smoothness (the default, ``step=None``);

then the estimators' default ``solver="sgd"`` fit: its epochs, its gap, whether it warned, and
its time, and scikit-learn's SAGA given as many epochs. F* comes from L-BFGS (logistic) or the
closed form (least squares) to a gradient of 1e-12. Run: ``python benchmarks/sgd_convergence.py``.
"""

from __future__ import annotations

import platform
import time
import warnings

import numpy as np
from scipy.optimize import minimize
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits

import tunelab as tl
from tunelab.models._logistic_problem import LogisticProblem
from tunelab.optim.saga import _objective, saga_linear, saga_step
from tunelab.optim.sgd import sgd_linear

EPOCHS = (10, 100, 1000)


def standardized(loader):
    X, y = loader(return_X_y=True)
    scale = X.std(axis=0)
    return (X - X.mean(axis=0)) / np.where(scale > 0, scale, 1.0), y.astype(float)


def optimum(X, y, loss, alpha, K):
    theta0 = np.zeros((X.shape[1] + 1) * (K if loss == "softmax" else 1))
    v = np.ones(len(y))
    res = minimize(lambda t: _objective(t, X, y, v, loss, alpha, True, K)[:2], theta0, jac=True,
                   method="L-BFGS-B", options={"gtol": 1e-12, "ftol": 0.0, "maxiter": 100_000,
                                               "maxls": 50})
    return res.fun


def gaps_after(curve, best, offset):
    """Relative gaps after EPOCHS epochs; ``offset`` 1 when curve[0] is the start."""
    return [(curve[min(e - 1 + offset, len(curve) - 1)] - best) / best for e in EPOCHS]


def main() -> None:
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"NumPy {np.__version__}, tunelab {tl.__version__}")
    cases = [("diabetes", load_diabetes, "squared", 0.0),
             ("breast_cancer", load_breast_cancer, "logistic", 1e-4),
             ("breast_cancer", load_breast_cancer, "logistic", 1e-2),
             ("digits", load_digits, "softmax", 1e-4),
             ("digits", load_digits, "softmax", 1e-3)]
    print(f"{'data, alpha':24s} {'method':22s} " + " ".join(f"{e:>9d}" for e in EPOCHS))
    for name, loader, loss, alpha in cases:
        X, y = standardized(loader)
        if loss == "squared":
            y = (y - y.mean()) / y.std()
        K = 10 if loss == "softmax" else 1
        best = optimum(X, y, loss, alpha, K)
        theta0 = np.zeros((X.shape[1] + 1) * K)
        common = {"loss": loss, "alpha": alpha, "fit_intercept": True, "random_state": 0}
        if loss == "squared":
            plain = {"learning_rate": 0.01, "batch_size": 32}
        else:
            step = LogisticProblem(X, y.astype(np.intp), max(K, 2), alpha, True).default_sgd_step(8)
            plain = {"learning_rate": step, "batch_size": 8, "schedule": "invscaling"}
        # the same seed replays the same first epochs, so each budget is its own run
        rows = {"plain SGD": [(sgd_linear(X, y, theta0, epochs=e, **plain, **common).fun - best)
                              / best for e in EPOCHS]}
        proven = saga_step(X, loss, alpha, True, 1)
        for label, step in (("SAGA, proven step", proven), ("SAGA, estimated step", None)):
            run = saga_linear(X, y, theta0, epochs=EPOCHS[-1], tol=1e-300, step=step, **common)
            rows[label] = gaps_after(run.loss_curve, best, 1)
        for label, gaps in rows.items():
            print(f"{name + ', ' + format(alpha, 'g'):24s} {label:22s} "
                  + " ".join(f"{g:9.1e}" for g in gaps))
        estimator = (tl.LinearRegression(solver="sgd", random_state=0) if loss == "squared"
                     else tl.LogisticRegression(alpha=alpha, solver="sgd", random_state=0))
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            estimator.fit(X, y if loss == "squared" else y.astype(int))
        seconds = time.perf_counter() - start
        coef = np.atleast_2d(estimator.coef_)
        intercept = np.atleast_1d(estimator.intercept_)
        theta = np.column_stack([coef, intercept]).ravel()
        f = _objective(theta, X, y, np.ones(len(y)), loss, alpha, True, K)[0]
        warned = any(issubclass(w.category, tl.exceptions.ConvergenceWarning) for w in caught)
        print(f"{'':24s} default fit: {estimator.n_iter_} epochs, gap {(f - best) / best:.1e}, "
              f"{'warned' if warned else 'no warning'}, {seconds:.2f} s")
        if loss != "squared":
            print(f"{'':24s} {peer_saga(X, y, loss, alpha, K, best, estimator.n_iter_)}")


def peer_saga(X, y, loss, alpha, K, best, epochs):
    """scikit-learn's SAGA on the same objective (C = 1 / (n alpha)), as many epochs."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    peer = LogisticRegression(solver="saga", C=1.0 / (len(y) * alpha), tol=1e-12,
                              max_iter=epochs)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        peer.fit(X, y.astype(int))
    seconds = time.perf_counter() - start
    theta = np.column_stack([peer.coef_, peer.intercept_]).ravel()
    f = _objective(theta, X, y, np.ones(len(y)), loss, alpha, True, K)[0]
    return (f"scikit-learn saga, {int(np.max(peer.n_iter_))} epochs: gap {(f - best) / best:.1e}"
            f", {seconds:.2f} s")


if __name__ == "__main__":
    main()
