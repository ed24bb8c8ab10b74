"""Turner et al. (2021), "Bayesian optimization is superior to random search for machine
learning hyperparameter tuning: analysis of the black-box optimization challenge 2020",
PMLR 133 (NeurIPS 2020 competition track), arXiv:2104.10201: the bayesmark protocol.

A problem is a scikit-learn model, a data set and a metric. Its objective is bayesmark's: the
data set split 80/20 once (``train_test_split(test_size=0.2, random_state=0)``), and the loss
the mean of the negated scikit-learn score over 5-fold cross-validation of the 80 %. Each
optimizer gets 16 batches of 8 (128 evaluations), by ``ask_batch(8)``/``tell_batch`` for
tunelab's strategies and scikit-optimize (its own ``ask(n_points=8)``, constant liar, as
bayesmark's wrapper does, and one refit a batch), and by 8 asks then 8 tells for the other
peers. The search spaces are bayesmark's (``bayesmark/sklearn_funcs.py``), with the changes
the README lists.

Scoring, bayesmark's ``experiment_analysis`` and ``experiment_baseline`` written out: for
problem :math:`p`, with :math:`S_{pmn}` the best loss of method :math:`m` in run :math:`n`
after all 128 evaluations, :math:`\\mathrm{opt}_p` the best loss any run found and
:math:`\\mathrm{clip}_p` the median loss of a single random-search evaluation,

.. math::

    L_{pmn} = \\mathrm{clip}_{[-1, 1]}\\frac{S_{pmn} - \\mathrm{opt}_p}
              {\\mathrm{clip}_p - \\mathrm{opt}_p}, \\qquad
    \\mathrm{score}_m = 100\\,(1 - \\mathrm{mean}_{p,n} L_{pmn}),

the challenge's leaderboard score; and the normalized loss :math:`\\mathrm{mean}_{p,n}
L_{pmn} / \\mathrm{mean}_p R_p`, where :math:`R_p` is the same loss of random search's
expected best of 128 evaluations, estimated from all random evaluations pooled (the unbiased
order-statistic estimator of ``bayesmark.expected_max.expected_min``), so that random search
scores 1 and smaller is better.

Run ``python papers/2021_turner_bayesmark/reproduce.py`` (5 problems, 8 optimizers, 2 seeds
each but scikit-optimize's 1; the README gives its run time) or ``--quick`` (DT-wine-nll, 1
seed, 8 batches of 8, without scikit-optimize), and ``--json PATH`` to write the checked
figures.
"""

from __future__ import annotations

import sys
import time
import warnings
from typing import Any

import numpy as np
from scipy.special import gammaln
from sklearn import datasets
from sklearn.linear_model import Lasso, LogisticRegression, Ridge
from sklearn.model_selection import cross_val_score, train_test_split
from sklearn.multiclass import OneVsRestClassifier
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.svm import SVC, SVR
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from threadpoolctl import threadpool_limits

import tunelab as tl
from tunelab._papers import script_main
from tunelab.bench import peers

N_BATCHES, BATCH = 16, 8
OURS = ["random", "bayes", "genetic", "cmaes"]
PEERS = ["optuna_tpe", "optuna_gp", "hyperopt_tpe", "skopt_gp"]
METRICS = {"nll": "neg_log_loss", "acc": "accuracy", "mae": "neg_mean_absolute_error",
           "mse": "neg_mean_squared_error"}
DATA = {"iris": datasets.load_iris, "wine": datasets.load_wine,
        "breast": datasets.load_breast_cancer, "digits": datasets.load_digits,
        "diabetes": datasets.load_diabetes}
FULL = [("DT", "wine", "nll"), ("SVM", "iris", "nll"), ("linear", "iris", "acc"),
        ("DT", "diabetes", "mae"), ("lasso", "diabetes", "mse")]
QUICK = [("DT", "wine", "nll")]
METHODS = OURS + PEERS
SEEDS = (0, 1)
#: fewer seeds for the peers that cost minutes a run here (README)
REDUCED_SEEDS = {"skopt_gp": (0,)}
#: left out of --quick: about a minute for 8 batches on 2 cores
NOT_QUICK = ("skopt_gp",)
PUBLISHED = {"JetBrains Research (3rd)": 92.509, "Optuna (5th)": 91.806}  # HEBO won

_KNN = {"n_neighbors": tl.Integer(1, 25), "p": tl.Integer(1, 4)}
_SVM = {"C": tl.Real(1.0, 1e3, log=True), "gamma": tl.Real(1e-4, 1e-3, log=True),
        "tol": tl.Real(1e-5, 1e-1, log=True)}
_DT = {"max_depth": tl.Integer(1, 15), "min_samples_split": tl.Real(0.01, 0.99),
       "min_samples_leaf": tl.Real(0.01, 0.49), "min_weight_fraction_leaf": tl.Real(0.01, 0.49),
       "max_features": tl.Real(0.01, 0.99), "min_impurity_decrease": tl.Real(0.0, 0.5)}
_LOGISTIC = {"C": tl.Real(1e-2, 1e2, log=True), "intercept_scaling": tl.Real(1e-2, 1e2, log=True)}
_BOOL = tl.Categorical([False, True])
SPACES = {  # bayesmark's ranges; "logit" warps become linear, "normalize" is gone (README)
    ("kNN", "clf"): _KNN, ("kNN", "reg"): _KNN, ("SVM", "clf"): _SVM, ("SVM", "reg"): _SVM,
    ("DT", "clf"): _DT, ("DT", "reg"): _DT,
    ("lasso", "clf"): _LOGISTIC, ("linear", "clf"): _LOGISTIC,
    ("lasso", "reg"): {"alpha": tl.Real(1e-2, 1e2, log=True), "fit_intercept": _BOOL,
                       "max_iter": tl.Integer(10, 5000, log=True),
                       "tol": tl.Real(1e-5, 1e-1, log=True), "positive": _BOOL},
    ("linear", "reg"): {"alpha": tl.Real(1e-2, 1e2, log=True), "fit_intercept": _BOOL,
                        "max_iter": tl.Integer(10, 5000, log=True),
                        "tol": tl.Real(1e-4, 1e-1, log=True)},
}


def estimator(model: str, kind: str, params: dict[str, Any]) -> Any:
    """The scikit-learn model with bayesmark's fixed parameters and ``params``."""
    if model == "kNN":
        return (KNeighborsClassifier if kind == "clf" else KNeighborsRegressor)(**params)
    if model == "SVM":
        return SVC(kernel="rbf", probability=True, random_state=0, **params) \
            if kind == "clf" else SVR(kernel="rbf", **params)
    if model == "DT":
        return (DecisionTreeClassifier if kind == "clf" else DecisionTreeRegressor)(
            max_leaf_nodes=None, random_state=0, **params)
    if kind == "clf":  # bayesmark: liblinear, one-vs-rest, L1 (lasso) or L2 (linear)
        penalty = "l1" if model == "lasso" else "l2"
        return OneVsRestClassifier(LogisticRegression(penalty=penalty, solver="liblinear",
                                                      fit_intercept=True, **params))
    return Lasso(random_state=0, **params) if model == "lasso" else Ridge(solver="auto", **params)


class Problem:
    """One bayesmark problem: ``problem(config)`` is the 5-fold CV loss (``nan`` on failure)."""

    def __init__(self, model: str, data: str, metric: str) -> None:
        X, y = DATA[data](return_X_y=True)
        self.kind = "reg" if data == "diabetes" else "clf"
        if (metric in ("nll", "acc")) != (self.kind == "clf"):
            raise ValueError(f"metric {metric!r} does not fit data set {data!r}")
        self.model, self.name = model, f"{model}-{data}-{metric}"
        self.X, _, self.y, _ = train_test_split(X, y, test_size=0.2, random_state=0,
                                                shuffle=True)
        self.scoring = METRICS[metric]
        self.space = tl.Space(dict(SPACES[(model, self.kind)]))

    def __call__(self, config: dict[str, Any]) -> float:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence, deprecations: the loss tells
            try:
                scores = cross_val_score(estimator(self.model, self.kind, config), self.X,
                                         self.y, scoring=self.scoring, cv=5, error_score="raise")
            except (ValueError, ArithmeticError):
                return float("nan")
        loss = -float(np.mean(scores))
        return loss if np.isfinite(loss) else float("nan")


def run(problem: Problem, method: str, seed: int, n_batches: int = N_BATCHES) -> np.ndarray:
    """The ``n_batches * 8`` losses of ``method`` on ``problem`` with ``seed``, in order."""
    budget = n_batches * BATCH
    if method in OURS:
        opt = tl.search.make_strategy(method, problem.space, seed=seed)
    else:
        opt = peers.make(method, problem.space, seed=seed)
    if method == "optuna_gp":
        import torch

        torch.set_num_threads(1)  # as threadpool_limits does for BLAS in figures()
    losses: list[float] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # optimizers' notes on failed trials, fallbacks
        while len(losses) < budget:
            k = min(BATCH, budget - len(losses))
            if method in OURS or method == "skopt_gp":
                configs = opt.ask_batch(k)  # the GA may end a generation with fewer
            else:
                configs = [opt.ask() for _ in range(k)]
            values = [problem(c) for c in configs]
            if method in OURS or method == "skopt_gp":  # skopt: one refit a batch
                opt.tell_batch(configs, values)
            else:
                for c, v in zip(configs, values, strict=True):
                    opt.tell(c, v)
            losses += values
    return np.asarray(losses)


def expected_min(values: np.ndarray, m: int) -> float:
    """The unbiased estimate of the expected minimum of ``m`` draws without replacement from
    the pool ``values`` (bayesmark's ``expected_min``): :math:`\\sum_i x_{(i)}
    \\binom{N - i}{m - 1} / \\binom{N}{m}` over the sorted pool."""
    x = np.sort(values)
    n = len(x)
    if not 1 <= m <= n:
        raise ValueError(f"m must be in [1, {n}]; got {m}")
    i = np.arange(1, n - m + 2)  # ranks that can be the minimum

    def log_comb(a: np.ndarray | int, b: int) -> np.ndarray:
        return gammaln(np.asarray(a) + 1) - gammaln(b + 1) - gammaln(np.asarray(a) - b + 1)

    weights = np.exp(log_comb(n - i, m - 1) - log_comb(n, m))
    return float(weights @ x[: n - m + 1])


def score(losses: dict[str, list[np.ndarray]], methods: list[str],
          budget: int) -> dict[str, Any]:
    """Per method, the leaderboard score and the loss normalized by random search's."""
    fails = {m: sum(int(np.isnan(r).sum()) for r in losses[m]) for m in methods}
    finite = {m: [r[np.isfinite(r)] for r in losses[m]] for m in methods}
    opt = min(float(r.min()) for m in methods for r in finite[m])
    pool = np.concatenate(finite["random"])
    clip = float(np.median(pool))
    if not clip > opt:
        raise ValueError("random search's median loss is the best loss: no scale")

    def normed(best: float) -> float:
        return float(np.clip((best - opt) / (clip - opt), -1.0, 1.0))

    per_run = {m: [normed(float(r.min())) for r in finite[m]] for m in methods}
    rand = normed(min(clip, expected_min(pool, budget)))
    return {"opt": opt, "clip": clip, "random_expected": rand, "per_run": per_run,
            "fails": fails}


def figures(quick: bool) -> dict[str, Any]:
    """Every method's runs on every problem, scored; one BLAS (and torch) thread throughout,
    since more threads than the 2 shared cores slow the GP fits several-fold."""
    start = time.perf_counter()
    problems = QUICK if quick else FULL
    methods = [m for m in METHODS if not (quick and m in NOT_QUICK)]
    n_batches = 8 if quick else N_BATCHES
    seeds = {m: SEEDS[:1] if quick else REDUCED_SEEDS.get(m, SEEDS) for m in methods}
    rows, seconds = {}, dict.fromkeys(methods, 0.0)
    with threadpool_limits(1):
        for spec in problems:
            problem = Problem(*spec)
            losses: dict[str, list[np.ndarray]] = {}
            for m in methods:
                t0 = time.perf_counter()
                losses[m] = [run(problem, m, s, n_batches) for s in seeds[m]]
                seconds[m] += time.perf_counter() - t0
            rows[problem.name] = score(losses, methods, n_batches * BATCH)
    return {"rows": rows, "methods": methods, "seeds": seeds, "n_batches": n_batches,
            "seconds_by_method": seconds, "seconds": time.perf_counter() - start}


def summary(result: dict[str, Any], first: int | None = None) -> dict[str, dict[str, float]]:
    """Per method: leaderboard score, normalized loss (random = 1), rank by score; over the
    ``first`` seeds of each method only if given (the runs every method has)."""
    rows = result["rows"].values()
    base = float(np.mean([r["random_expected"] for r in rows]))
    out = {}
    for m in result["methods"]:
        loss = float(np.mean([np.mean(r["per_run"][m][:first]) for r in rows]))
        out[m] = {"score": 100 * (1 - loss), "normalized": loss / base}
    order = sorted(out, key=lambda m: -out[m]["score"])
    for rank, m in enumerate(order, 1):
        out[m]["rank"] = rank
    return out


def checked(result: dict[str, Any]) -> dict[str, float]:
    flat = {}
    for m, s in summary(result).items():
        flat[f"{m}_score"] = round(s["score"], 2)
        flat[f"{m}_normalized"] = round(s["normalized"], 3)
    return flat


def print_report(result: dict[str, Any]) -> None:
    methods, seeds = result["methods"], result["seeds"]
    print(f"seeds {seeds}, {result['n_batches']} batches of {BATCH}; "
          "per problem: 100 (1 - normalized loss), mean over seeds")
    print(f"{'problem':<22}" + "".join(f"{m:>13}" for m in methods) + f"{'E[random]':>11}")
    for name, row in result["rows"].items():
        cells = "".join(f"{100 * (1 - np.mean(row['per_run'][m])):>13.1f}" for m in methods)
        print(f"{name:<22}{cells}{100 * (1 - row['random_expected']):>11.1f}")
    s = summary(result)
    print(f"{'score':<22}" + "".join(f"{s[m]['score']:>13.2f}" for m in methods))
    print(f"{'normalized (rand=1)':<22}" + "".join(f"{s[m]['normalized']:>13.3f}"
                                                   for m in methods))
    print(f"{'rank':<22}" + "".join(f"{s[m]['rank']:>13d}" for m in methods))
    common = min(len(v) for v in seeds.values())
    if common < max(len(v) for v in seeds.values()):
        c = summary(result, first=common)
        print(f"{f'score, {common} seed(s)':<22}" + "".join(f"{c[m]['score']:>13.2f}"
                                                           for m in methods))
        print(f"{f'normalized, {common}':<22}" + "".join(f"{c[m]['normalized']:>13.3f}"
                                                       for m in methods))
        print(f"{f'rank, {common}':<22}" + "".join(f"{c[m]['rank']:>13d}" for m in methods))
    fails = {m: sum(r["fails"][m] for r in result["rows"].values()) for m in methods}
    print(f"{'failed evaluations':<22}" + "".join(f"{fails[m]:>13d}" for m in methods))
    print(f"{'seconds':<22}" + "".join(f"{result['seconds_by_method'][m]:>13.0f}"
                                       for m in methods))
    print(f"published (hidden problems): {PUBLISHED}")
    print(f"{result['seconds']:.0f} s")


def main(argv: list[str] | None = None) -> dict[str, float]:
    return script_main(__doc__, figures, print_report, checked, argv)


if __name__ == "__main__":
    main(sys.argv[1:])
