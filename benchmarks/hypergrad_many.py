"""Many hyperparameters: one L2 penalty per feature, by hypergradient, beside one alpha, random
search and Bayesian optimization at equal wall time (``python benchmarks/hypergrad.py --many``).

Problems: ``make_classification(n_samples=500, n_features=200, n_informative=10,
random_state=0)`` ("sparse"; scikit-learn's defaults otherwise: 2 redundant features, 188 of
noise, and two Gaussian clusters per class, which no linear model separates well: its best
single-alpha test accuracy is 0.615), the same with ``n_redundant=0, n_clusters_per_class=1``
("sparse-linear:K", ``random_state=K``: one cluster per class, so that the 10 informative
features carry a linear signal and the 190 others are pure noise, the case a per-feature
penalty is meant for), and ``load_digits`` (64 features, 10 classes). Each is split once,
stratified, 60% train and 40% test (``train_test_split(random_state=0)``), standardized by the
training means and standard deviations (constant columns left at zero). The objective of every
method is the 5-fold stratified cross-validated mean log loss on the training part
(``tunelab.hypergrad.CrossValidationLoss`` of ``LogisticRegression``, exact Newton fits); the
TEST loss is the log loss on the test part of the model fitted on the whole training part with
the configuration a method found best by that objective. Methods:

* ``one alpha (grid)``: a scalar alpha on a 100-point log grid over ``[1e-4, 1e2]``.
* ``hypergradient``: ``HypergradientSearch`` (Adam, learning rate 0.1 in log coordinates)
  over ``alpha_j in Real(1e-4, 1e2, log=True)``, one per feature, from the centre of the box
  (alpha = 0.1), ``--many-trials`` steps. Its wall time is the budget of random and bayes.
* ``hypergradient, held-out stop``: the training part split once more, stratified, 75 % (A)
  and 25 % (B). Adam (learning rate 0.03) on the 5-fold CV loss of A over the per-feature
  alphas, from the best single alpha of the grid everywhere; after each step the log loss on B
  of the model fitted on A at the current alphas; the alphas of the lowest B loss (step 0, the
  single alpha, included) are the result. B is the data the CV loss does not see, so it
  can tell when the per-feature steps start to fit the folds rather than the problem.
* ``random`` and ``bayes``: ``strategy="random"`` and ``strategy="bayes"`` over the same
  per-feature space, ``timeout`` = the hypergradient run's seconds, told the value only (the
  objective also solves the hypergradient system, one Cholesky solve per fold, which a
  value-only objective would save; the Newton fits dominate).

One BLAS thread, seed 0 for every method.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

import tunelab as tl
from tunelab.hypergrad import CrossValidationLoss, ValidationLoss

LOW, HIGH = 1e-4, 1e2


def problem(name: str):
    from sklearn.datasets import load_digits, make_classification
    from sklearn.model_selection import train_test_split

    if name == "sparse":
        X, y = make_classification(n_samples=500, n_features=200, n_informative=10,
                                   random_state=0)
    elif name.startswith("sparse-linear:"):
        X, y = make_classification(n_samples=500, n_features=200, n_informative=10,
                                   n_redundant=0, n_clusters_per_class=1,
                                   random_state=int(name.split(":")[1]))
    else:
        X, y = load_digits(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.4, stratify=y, random_state=0)
    mu, sd = Xtr.mean(axis=0), Xtr.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    return (Xtr - mu) / sd, ytr, (Xte - mu) / sd, yte


def test_scores(Xtr, ytr, Xte, yte, alpha):
    """Test log loss and accuracy of the model fitted on the whole training part."""
    f = ValidationLoss(tl.LogisticRegression(), Xtr, ytr, Xte, yte)
    loss, _ = f({"alpha": alpha})
    coef, b = f.fitted({"alpha": alpha})
    z = Xte @ np.atleast_2d(coef).T + b
    pred = (z[:, 0] > 0).astype(int) if z.shape[1] == 1 else np.argmax(z, axis=1)
    return loss, float(np.mean(f.classes_[pred] == yte))


def held_out_stop(Xtr, ytr, Xte, yte, alpha0: float, names, space, n_trials: int) -> tuple:
    """Per-feature Adam steps on A's CV loss from ``alpha0``, stopped by the loss on B."""
    from sklearn.model_selection import train_test_split

    XA, XB, yA, yB = train_test_split(Xtr, ytr, test_size=0.25, stratify=ytr, random_state=1)
    f = CrossValidationLoss(tl.LogisticRegression(), XA, yA, cv=5)
    held = ValidationLoss(tl.LogisticRegression(), XA, yA, XB, yB)
    search = tl.search.HypergradientSearch(space, optimizer="adam", learning_rate=0.03,
                                           x0=dict.fromkeys(names, alpha0), seed=0)
    start = time.perf_counter()
    best_b, best_alpha, best_cv, steps = np.inf, None, None, 0
    while search.stopped is None and steps < n_trials:
        config = search.ask()
        alpha = np.array([config[n] for n in names])
        value, grad = f({"alpha": alpha})
        search.tell(config, value, gradient=dict(zip(names, grad["alpha"].tolist(),
                                                     strict=True)))
        b_loss, _ = held({"alpha": alpha})
        if b_loss < best_b:
            best_b, best_alpha, best_cv = b_loss, alpha, value
        steps += 1
    seconds = time.perf_counter() - start
    return ("hypergradient, held-out stop", steps, seconds, best_cv,
            *test_scores(Xtr, ytr, Xte, yte, best_alpha))


def bench(name: str, n_trials: int) -> list[tuple]:
    Xtr, ytr, Xte, yte = problem(name)
    p = Xtr.shape[1]
    names = [f"alpha_{j:03d}" for j in range(p)]
    space = tl.Space({n: tl.Real(LOW, HIGH, log=True) for n in names})
    rows = []

    f = CrossValidationLoss(tl.LogisticRegression(), Xtr, ytr, cv=5)
    start = time.perf_counter()
    grid = np.geomspace(LOW, HIGH, 100)
    values = [f({"alpha": a})[0] for a in grid]
    seconds = time.perf_counter() - start
    best = float(grid[int(np.argmin(values))])
    rows.append(("one alpha (grid, 100)", len(grid), seconds, min(values),
                 *test_scores(Xtr, ytr, Xte, yte, best)))

    f = CrossValidationLoss(tl.LogisticRegression(), Xtr, ytr, cv=5)

    def per_feature(config):
        value, grad = f({"alpha": np.array([config[n] for n in names])})
        return value, dict(zip(names, grad["alpha"].tolist(), strict=True))

    start = time.perf_counter()
    study = tl.minimize(per_feature, space, strategy="hypergradient", n_trials=n_trials,
                        seed=0, progress=False,
                        strategy_options={"optimizer": "adam", "learning_rate": 0.1})
    budget = time.perf_counter() - start
    alpha = np.array([study.best_params[n] for n in names])
    rows.append(("hypergradient (adam)", len(study.trials), budget, study.best_value,
                 *test_scores(Xtr, ytr, Xte, yte, alpha)))

    rows.append(held_out_stop(Xtr, ytr, Xte, yte, best, names, space, n_trials))

    for strategy in ("random", "bayes"):
        f = CrossValidationLoss(tl.LogisticRegression(), Xtr, ytr, cv=5)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            study = tl.minimize(lambda c: per_feature(c)[0], space, strategy=strategy,
                                n_trials=100000, timeout=budget, seed=0, progress=False)
        seconds = time.perf_counter() - start
        alpha = np.array([study.best_params[n] for n in names])
        rows.append((strategy, len(study.trials), seconds, study.best_value,
                     *test_scores(Xtr, ytr, Xte, yte, alpha)))
    print(f"\n#### {name} (train {Xtr.shape[0]} x {p}, test {Xte.shape[0]}, "
          f"{len(np.unique(ytr))} classes): one alpha per feature\n")
    print("| method | trials | seconds | CV log loss | TEST log loss | TEST accuracy |")
    print("|---|---|---|---|---|---|")
    for method, n, s, cv, loss, acc in rows:
        print(f"| {method} | {n} | {s:.1f} | {cv:.4f} | {loss:.4f} | {acc:.3f} |")
    return rows


def summary(results: dict[str, list[tuple]]) -> None:
    """TEST log loss of each method on each problem, and how often each is the lowest."""
    methods = [row[0] for row in next(iter(results.values()))]
    print("\n| problem | " + " | ".join(methods) + " |")
    print("|---" * (len(methods) + 1) + "|")
    wins = dict.fromkeys(methods, 0)
    for name, rows in results.items():
        losses = [row[4] for row in rows]
        wins[methods[int(np.argmin(losses))]] += 1
        print(f"| {name} | " + " | ".join(f"{v:.4f}" for v in losses) + " |")
    print("| lowest TEST loss (count) | " + " | ".join(str(wins[m]) for m in methods) + " |")
