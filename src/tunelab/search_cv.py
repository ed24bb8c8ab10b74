"""SearchCV: a study whose objective is an estimator's cross-validated score.

Each trial sets a configuration on a fresh copy of the estimator and scores it by K-fold
cross-validation on the same splits; the study maximizes the mean score, and the best
configuration is refitted on all the data.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from tunelab._clone import clone
from tunelab._validation import check_is_fitted, check_scalar
from tunelab.metrics import get_scorer
from tunelab.model_selection import cross_val_score
from tunelab.models.base import BaseEstimator
from tunelab.space import Space
from tunelab.study import Study, Trial, TrialState


class SearchCV(BaseEstimator):
    """Search an estimator's hyperparameters by cross-validated score.

    Parameters
    ----------
    estimator : estimator
        Any estimator with ``get_params``, ``set_params`` and ``fit`` (tunelab's or
        scikit-learn's); it is cloned, never fitted itself.
    space : Space
        Hyperparameters to search; every name must be a parameter of ``estimator``
        (``step__param`` names reach into pipelines).
    strategy : str or Strategy, default="random"
        A strategy name (``tunelab.search.names()``) or instance.
    n_trials : int, default=20
        Configurations to evaluate.
    cv : int, splitter or iterable of (train, test) pairs, default=5
        As in :func:`tunelab.cross_val_score`; splits are drawn once, so every trial is
        scored on the same folds.
    scoring : None, str or callable, default=None
        ``None`` uses ``estimator.score``; a name of :func:`tunelab.metrics.get_scorer`, or
        ``scoring(estimator, X, y) -> float``. Greater is better.
        With ``strategy="hypergradient"`` (or a ``HypergradientSearch``), the scores and
        their gradients in the hyperparameters come from :mod:`tunelab.hypergrad`: for
        ``LinearRegression``, ``LogisticRegression`` and ``BayesianLinearRegression``, with
        ``alpha`` (and ``beta``) as the space; ``None`` and ``"neg_log_loss"`` are the
        negated log loss, ``"accuracy"`` its stated surrogate the negated log loss,
        ``None`` and ``"neg_mean_squared_error"`` the negated mean squared error of ridge,
        ``None`` the negated NLPD of Bayesian regression; other scorings raise
        ``ValueError`` (see :mod:`tunelab.hypergrad.scoring`).
    seed : int or None, default=None
        The strategy's seed.
    n_jobs : int, default=1
        Trials evaluated at once in a process pool (the estimator, the data and the scorer
        are pickled to each worker).
    refit : bool, default=True
        Fit the best configuration on all the data as ``best_estimator_``.

    Attributes
    ----------
    best_params_ : dict
        The configuration of greatest mean score.
    best_score_ : float
        Its mean cross-validated score.
    best_index_ : int
        Its trial number, the index into ``cv_results_``.
    best_estimator_ : estimator
        The estimator refitted on ``(X, y)`` with ``best_params_`` (``refit=True`` only).
    cv_results_ : dict of arrays
        One entry per trial: ``params`` (list of dicts), ``param_<name>`` (object arrays,
        ``None`` where inactive), ``mean_test_score``, ``std_test_score`` (population
        standard deviation over folds), ``split{i}_test_score`` and ``rank_test_score``
        (1 is best; ties share the least rank; failed trials, whose scores are ``nan``,
        rank last).
    n_splits_ : int
        Folds per trial.
    study_ : Study
        The study: its trials hold the fold scores as intermediate values (step ``i`` is
        fold ``i``).

    Notes
    -----
    Trial :math:`t` with configuration :math:`\\lambda_t` scores

    .. math:: \\bar s(\\lambda_t) = \\frac1k \\sum_{i=1}^k s\\big(f_{\\lambda_t}^{(-i)},
              V_i\\big),

    where :math:`f^{(-i)}_{\\lambda}` is fitted on all folds but :math:`V_i`; the search
    returns :math:`\\arg\\max_t \\bar s(\\lambda_t)`. A configuration whose fit raises
    fails its trial (scores ``nan``, with a warning) and the search goes on.

    References
    ----------
    .. [1] T. Hastie, R. Tibshirani and J. Friedman, *The Elements of Statistical Learning*,
       2nd ed., Springer, 2009, Sec. 7.10 (cross-validation for model selection, Eq. 7.49).
    .. [2] J. Bergstra and Y. Bengio, "Random search for hyper-parameter optimization",
       JMLR 13, 2012.

    Examples
    --------
    >>> import numpy as np
    >>> import tunelab as tl
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 3)); y = X @ [1.0, 2.0, 0.0] + 0.1 * rng.normal(size=60)
    >>> space = tl.Space({"alpha": tl.Real(1e-4, 1e2, log=True)})
    >>> search = tl.SearchCV(tl.LinearRegression(), space, n_trials=10, seed=0).fit(X, y)
    >>> search.best_score_ > 0.95
    True
    """

    def __init__(
        self,
        estimator: Any,
        space: Space,
        *,
        strategy: Any = "random",
        n_trials: int = 20,
        cv: Any = 5,
        scoring: str | Callable | None = None,
        seed: int | None = None,
        n_jobs: int = 1,
        refit: bool = True,
    ) -> None:
        self.estimator = estimator
        self.space = space
        self.strategy = strategy
        self.n_trials = n_trials
        self.cv = cv
        self.scoring = scoring
        self.seed = seed
        self.n_jobs = n_jobs
        self.refit = refit

    def fit(self, X: Any, y: Any = None) -> SearchCV:
        """Run the search on ``(X, y)``, then refit the best configuration if ``refit``."""
        self._check_params()
        cv = self.cv
        if not isinstance(cv, numbers.Integral):  # the same folds for every trial
            cv = list(cv.split(X, y)) if hasattr(cv, "split") else list(cv)
        if _is_hypergradient(self.strategy):
            objective = _hypergradient_objective(self.estimator, self.space, X, y, cv,
                                                 self.scoring)
        else:
            objective = _CVObjective(self.estimator, X, y, cv, self.scoring)
        study = Study(self.space, self.strategy, seed=self.seed, direction="maximize")
        study.optimize(objective, self.n_trials, n_jobs=self.n_jobs)
        self.study_ = study
        _warn_failures(study)
        self.cv_results_, self.n_splits_ = _cv_results(study)
        self.best_index_ = study.best_trial.number
        self.best_params_ = study.best_params
        self.best_score_ = study.best_value
        if self.refit:
            best = clone(self.estimator).set_params(**self.best_params_)
            self.best_estimator_ = best.fit(X) if y is None else best.fit(X, y)
        return self

    def _check_params(self) -> None:
        for method in ("get_params", "set_params", "fit"):
            if not callable(getattr(self.estimator, method, None)):
                raise TypeError(f"estimator must have {method}(); got {self.estimator!r}")
        if not isinstance(self.space, Space):
            raise TypeError(f"space must be a tunelab Space; got {type(self.space).__name__}")
        params = self.estimator.get_params(deep=True)
        unknown = [name for name in self.space.names if name not in params]
        if unknown:
            raise ValueError(
                f"space has parameter(s) {unknown} that {type(self.estimator).__name__} does "
                f"not have; valid names are {sorted(params)}"
            )
        check_scalar(self.n_trials, "n_trials", kind=int, low=1)
        check_scalar(self.n_jobs, "n_jobs", kind=int, low=1)
        if isinstance(self.cv, numbers.Integral):
            check_scalar(self.cv, "cv", kind=int, low=2)
        if self.scoring is not None:
            get_scorer(self.scoring)
        if not isinstance(self.refit, bool):
            raise TypeError(f"refit must be True or False; got {self.refit!r}")

    def _best(self) -> Any:
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_

    def predict(self, X: Any) -> np.ndarray:
        """``best_estimator_.predict(X)``."""
        return self._best().predict(X)

    def predict_proba(self, X: Any) -> np.ndarray:
        """``best_estimator_.predict_proba(X)``."""
        return self._best().predict_proba(X)

    def score(self, X: Any, y: Any = None) -> float:
        """The search's score of ``best_estimator_`` on ``(X, y)`` (``scoring`` or ``score``)."""
        best = self._best()
        if self.scoring is None:
            return best.score(X) if y is None else best.score(X, y)
        return float(get_scorer(self.scoring)(best, X, y))


def _is_hypergradient(strategy: Any) -> bool:
    from tunelab.search.hypergradient import HypergradientSearch

    return strategy == "hypergradient" or isinstance(strategy, HypergradientSearch)


def _hypergradient_objective(estimator: Any, space: Space, X: Any, y: Any, cv: Any,
                             scoring: Any) -> Any:
    """The score and its gradient by :mod:`tunelab.hypergrad` on the search's folds."""
    from tunelab.hypergrad.scoring import HypergradientCVObjective, check_hypergradient
    from tunelab.model_selection import _check_cv, _is_classifier

    metric = check_hypergradient(estimator, list(space.names), scoring)
    folds = list(_check_cv(cv, y, _is_classifier(estimator)).split(X, y)) if isinstance(
        cv, numbers.Integral) else cv
    return HypergradientCVObjective(estimator, X, y, folds, metric)


class _CVObjective:
    """``trial -> mean CV score`` for one estimator and data set; picklable for pools.

    Each fold's score is reported as the trial's intermediate value at step ``i``.
    """

    def __init__(self, estimator: Any, X: Any, y: Any, cv: Any, scoring: Any) -> None:
        self.estimator, self.X, self.y, self.cv, self.scoring = estimator, X, y, cv, scoring

    def __call__(self, trial: Trial) -> float:
        model = clone(self.estimator).set_params(**trial.params)
        scores = cross_val_score(model, self.X, self.y, cv=self.cv, scoring=self.scoring)
        for i, score in enumerate(scores):
            trial.report(i, float(score))
        return float(np.mean(scores))


def _cv_results(study: Study) -> tuple[dict[str, Any], int]:
    """``cv_results_`` from the trials' fold scores (``nan`` rows for failed trials)."""
    trials = study.trials
    n_splits = max((len(t.intermediate_values) for t in trials), default=0)
    ok = [t.state is TrialState.COMPLETE for t in trials]
    splits = np.full((len(trials), n_splits), np.nan)
    for row, (trial, good) in enumerate(zip(trials, ok, strict=True)):
        if good:
            splits[row] = [trial.intermediate_values[i] for i in range(n_splits)]
    mean = np.array([t.value if good else np.nan for t, good in zip(trials, ok, strict=True)])
    results: dict[str, Any] = {"params": [dict(t.params) for t in trials]}
    for name in study.space.names:
        results[f"param_{name}"] = np.array([t.params.get(name) for t in trials], dtype=object)
    results["mean_test_score"] = mean
    results["std_test_score"] = splits.std(axis=1)
    for i in range(n_splits):
        results[f"split{i}_test_score"] = splits[:, i]
    results["rank_test_score"] = _rank_descending(mean)
    return results, n_splits


def _rank_descending(scores: np.ndarray) -> np.ndarray:
    """Rank 1 for the greatest score; ties share the least rank; ``nan`` ranks last."""
    finite = ~np.isnan(scores)
    ranks = np.full(scores.shape, int(finite.sum()) + 1, dtype=np.int64)
    good = np.sort(scores[finite])
    greater = len(good) - np.searchsorted(good, scores[finite], side="right")
    ranks[finite] = 1 + greater
    return ranks


def _warn_failures(study: Study) -> None:
    failed = [t for t in study.trials if t.state is not TrialState.COMPLETE]
    if not failed:  # all failed: the study has raised AllTrialsFailedError
        return
    warnings.warn(
        f"{len(failed)} of {len(study.trials)} trials failed and score nan; the first "
        f"error was:\n{failed[0].error}",
        UserWarning,
        stacklevel=3,
    )
