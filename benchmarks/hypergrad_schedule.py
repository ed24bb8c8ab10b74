"""Through training: a per-epoch learning-rate schedule of an MLP on digits by hypergradient,
beside the best constant learning rate Bayesian optimization finds in the same wall time
(``python benchmarks/hypergrad.py --schedule``).

Digits, split once, stratified (``train_test_split(random_state=0)``): 1000 train, 400
validation, 397 test rows, standardized by the training statistics. The network and loop of
``UnrolledValidationLoss``: 64-32-10 tanh, SGD with momentum 0.9 (fixed), batch 64,
``--epochs`` epochs, initial weights and batches from seed 0. The objective is the validation
log loss after training.

* ``hypergradient``: one learning rate per epoch, ``Real(1e-3, 3.0, log=True)`` each,
  reverse-mode hypergradients, ``HypergradientSearch`` (Adam, learning rate 0.1 in log
  coordinates) from the centre of the box, ``--schedule-trials`` steps.
* ``bayes``: one constant learning rate in ``Real(1e-3, 3.0, log=True)``, ``strategy="bayes"``,
  value only (``UnrolledValidationLoss.value``, no reverse pass), ``timeout`` = the
  hypergradient run's seconds.

Held-out: the test accuracy and log loss of the network trained with each method's best
configuration (the same initial weights and batches).
"""

from __future__ import annotations

import time
import warnings

import numpy as np

import tunelab as tl
from tunelab.hypergrad import UnrolledValidationLoss

LOW, HIGH = 1e-3, 3.0


def bench(epochs: int, n_trials: int) -> None:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    Xa, Xte, ya, yte = train_test_split(X, y, test_size=397, stratify=y, random_state=0)
    Xtr, Xva, ytr, yva = train_test_split(Xa, ya, test_size=400, stratify=ya, random_state=0)
    mu, sd = Xtr.mean(axis=0), Xtr.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    Xtr, Xva, Xte = ((Z - mu) / sd for Z in (Xtr, Xva, Xte))
    kw = {"hidden": 32, "epochs": epochs, "batch_size": 64, "seed": 0}
    f = UnrolledValidationLoss(Xtr, ytr, Xva, yva, **kw)
    held = UnrolledValidationLoss(Xtr, ytr, Xte, yte, **kw)
    names = [f"lr_{e:02d}" for e in range(epochs)]

    def schedule(config):
        value, grad = f({"learning_rate": np.array([config[n] for n in names]),
                         "momentum": 0.9})
        return value, dict(zip(names, grad["learning_rate"].tolist(), strict=True))

    start = time.perf_counter()
    hs = tl.minimize(schedule, tl.Space({n: tl.Real(LOW, HIGH, log=True) for n in names}),
                     strategy="hypergradient", n_trials=n_trials, seed=0, progress=False,
                     strategy_options={"optimizer": "adam", "learning_rate": 0.1})
    budget = time.perf_counter() - start
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bo = tl.minimize(lambda c: f.value({"learning_rate": c["lr"], "momentum": 0.9}),
                         tl.Space({"lr": tl.Real(LOW, HIGH, log=True)}), strategy="bayes",
                         n_trials=100000, timeout=budget, seed=0, progress=False)
    bo_seconds = time.perf_counter() - start
    rows = [("hypergradient, per-epoch schedule", hs, budget,
             np.array([hs.best_params[n] for n in names])),
            ("bayes, constant rate", bo, bo_seconds, bo.best_params["lr"])]
    print(f"\n### MLP on digits, {epochs} epochs ({f.n_steps} SGD steps, {f.n_params} weights)\n")
    print("| method | trials | seconds | validation log loss | TEST log loss | TEST accuracy |"
          " learning rate(s) |")
    print("|---|---|---|---|---|---|---|")
    for method, study, seconds, lr in rows:
        params = {"learning_rate": lr, "momentum": 0.9}
        w = held.train(params)
        acc = float(np.mean(held.predict(w, Xte) == yte))
        shown = " ".join(f"{v:.3g}" for v in np.atleast_1d(lr))
        print(f"| {method} | {len(study.trials)} | {seconds:.1f} | {study.best_value:.4f} | "
              f"{held.value(params):.4f} | {acc:.3f} | {shown} |")
