"""A short tour: fit every model on synthetic data, then tune one hyperparameter.

``tunelab demo`` prints the table this module computes. The data are synthetic so the demo needs
nothing beyond tunelab's own dependencies.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np


def _regression_data(rng: np.random.Generator, n: int = 2000, p: int = 10):
    X = rng.normal(size=(n, p))
    w = rng.normal(size=p)
    y = X @ w + 0.5 + 0.5 * rng.normal(size=n)
    return X, y


def _classification_data(rng: np.random.Generator, n: int = 2000, p: int = 10, k: int = 3):
    centers = 1.5 * rng.normal(size=(k, p))
    y = rng.integers(0, k, size=n)
    X = centers[y] + rng.normal(size=(n, p)) * 1.5
    return X, y


def _timed(fit: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fit()
    return time.perf_counter() - start


def run_demo(seed: int = 0) -> list[dict[str, Any]]:
    """Fit each model and return one row per fit: model, data, metric, score, seconds."""
    import tunelab as tl
    from tunelab.metrics import accuracy_score, r2_score

    rng = np.random.default_rng(seed)
    rows: list[dict[str, Any]] = []

    X, y = _regression_data(rng)
    Xtr, Xte, ytr, yte = tl.train_test_split(X, y, test_size=0.25, random_state=seed)
    regressors = {
        "LinearRegression(solver='normal')": tl.LinearRegression(),
        "LinearRegression(solver='gd')": tl.LinearRegression(solver="gd"),
        "LinearRegression(solver='sgd')": tl.LinearRegression(solver="sgd", random_state=seed),
        "LinearRegression(alpha=0.1)": tl.LinearRegression(alpha=0.1),
        "BayesianLinearRegression()": tl.BayesianLinearRegression(),
        "MLPRegressor((32,))": tl.MLPRegressor(
            hidden_layer_sizes=(32,), epochs=200, early_stopping=True, random_state=seed
        ),
    }
    for name, model in regressors.items():
        seconds = _timed(lambda m=model: m.fit(Xtr, ytr))
        rows.append(_row(name, "regression", "R2", r2_score(yte, model.predict(Xte)), seconds))

    X, y = _classification_data(rng)
    binary = y < 2
    Xb, yb = X[binary], y[binary]
    Xtr, Xte, ytr, yte = tl.train_test_split(Xb, yb, test_size=0.25, random_state=seed, stratify=yb)
    for solver in ("newton", "lbfgs", "gd", "sgd"):
        model = tl.LogisticRegression(alpha=1e-3, solver=solver, random_state=seed)
        seconds = _timed(lambda m=model: m.fit(Xtr, ytr))
        name = f"LogisticRegression(solver={solver!r})"
        score = accuracy_score(yte, model.predict(Xte))
        rows.append(_row(name, "binary", "accuracy", score, seconds))

    Xtr, Xte, ytr, yte = tl.train_test_split(X, y, test_size=0.25, random_state=seed, stratify=y)
    classifiers = {
        "LogisticRegression(multinomial)": tl.LogisticRegression(alpha=1e-3, solver="lbfgs"),
        "MLPClassifier((64,))": tl.MLPClassifier(
            hidden_layer_sizes=(64,), epochs=200, early_stopping=True, random_state=seed
        ),
    }
    for name, model in classifiers.items():
        seconds = _timed(lambda m=model: m.fit(Xtr, ytr))
        score = accuracy_score(yte, model.predict(Xte))
        rows.append(_row(name, "3 classes", "accuracy", score, seconds))

    space = tl.Space({"alpha": tl.Real(1e-6, 10.0, log=True)})

    def objective(config: dict[str, Any]) -> float:
        model = tl.LogisticRegression(alpha=config["alpha"], solver="lbfgs")
        return -tl.cross_val_score(model, Xtr, ytr, cv=3).mean()

    study = None

    def tune() -> None:
        nonlocal study
        study = tl.minimize(objective, space, strategy="random", n_trials=12, seed=seed,
                            progress=False)

    seconds = _timed(tune)
    name = f"random search, 12 trials: alpha={study.best_params['alpha']:.2g}"
    rows.append(_row(name, "3 classes", "CV accuracy", -study.best_value, seconds))
    return rows


def _row(model: str, data: str, metric: str, score: float, seconds: float) -> dict[str, Any]:
    return {"model": model, "data": data, "metric": metric, "score": score, "seconds": seconds}


def format_table(rows: list[dict[str, Any]]) -> str:
    """Render the demo's rows as an aligned text table."""
    width = max(len(r["model"]) for r in rows)
    lines = [f"{'model':<{width}}  {'data':<10}  {'metric':<11}  {'score':>7}  {'seconds':>8}"]
    for r in rows:
        lines.append(
            f"{r['model']:<{width}}  {r['data']:<10}  {r['metric']:<11}  "
            f"{r['score']:>7.4f}  {r['seconds']:>8.3f}"
        )
    return "\n".join(lines)
