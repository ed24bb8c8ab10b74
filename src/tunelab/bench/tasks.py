"""Tuning tasks on real data: the cross-validated loss of one of our models, as an objective.

A task is a benchmark problem like those of :mod:`tunelab.bench.problems` (``name``,
``space``, ``task(config) -> float``, ``optimum``) whose optimum is unknown
(``optimum = None``, so the runner records no regret). ``names()`` lists them and
``get(name, **options)`` builds one; :func:`tunelab.bench.run` accepts their names.

The data sets are those bundled with scikit-learn (``sklearn.datasets.load_*``, read from
the installed package, never downloaded): ``breast_cancer`` (569 samples, 30 features, 2
classes), ``digits`` (1797, 64, 10 classes), ``wine`` (178, 13, 3 classes) and ``diabetes``
(442, 10, a real target).

Evaluation of a configuration :math:`\\lambda` with :math:`k` folds :math:`(T_i, V_i)`
(stratified for classifiers, shuffled with ``seed``): standardize the features with the mean
and standard deviation of :math:`T_i` (and the target, for the regressor), fit the model with
``random_state = seed + i`` on :math:`T_i`, and average the fold losses

.. math:: f(\\lambda) = \\frac1k \\sum_{i=1}^k L\\big(\\hat y_{\\lambda, T_i}, V_i\\big),

with :math:`L` minus the accuracy (``metric="accuracy"``) or the log loss
(``metric="log_loss"``) for classifiers and the mean squared error of the standardized target
(``metric="mse"``, about :math:`1 - R^2`) for the regressor. A configuration whose fit
diverges (non-finite predictions) gets ``nan``, a failed evaluation.

Models and spaces:

- ``logreg_*``: :class:`~tunelab.models.LogisticRegression` trained by plain minibatch SGD
  (``solver="sgd", variance_reduction=False``: decaying steps, batches of 8), over
  ``alpha`` (L2 penalty, log-uniform in :math:`[10^{-6}, 10]`) and ``learning_rate`` (the
  initial step, log-uniform in :math:`[10^{-3}, 10]`). What they measure is the validation
  loss of SGD stopped after the epoch budget, not of the penalized optimum: the fits mostly
  end short of it (each says so with a ``ConvergenceWarning``, silenced here), which is why
  ``learning_rate`` matters at all.
- ``mlp_*``: :class:`~tunelab.models.MLPClassifier` (``MLPRegressor`` for ``diabetes``) with
  Adam and one hidden layer, over ``alpha`` (log in :math:`[10^{-6}, 10^{-1}]`),
  ``learning_rate`` (log in :math:`[10^{-4}, 10^{-1}]`), ``hidden`` units (log-integer in
  :math:`[8, 256]`) and ``activation`` (``"relu"`` or ``"tanh"``).

Multi-fidelity: the budget of a fit is its number of epochs. ``task(config, fidelity=e)``
trains ``e`` epochs (``1 <= e <= max_epochs``); the default, ``max_epochs``, is the full
fidelity. ``fidelity_range`` is ``(1, max_epochs)``.

Continuation (``continuation=n > 0``, MLP tasks only): every fold's network is trained one
epoch at a time with ``partial_fit`` (no early stop on the training loss, the learning-rate
schedule laid over ``max_epochs``), and the task keeps, for the ``n`` configurations used
last, each fold's network and its epoch count. ``task(config, fidelity=E)`` after
``task(config, fidelity=e)`` with ``e <= E`` then trains only the ``E - e`` extra epochs, and
gives exactly the value of a fresh ``task(config, fidelity=E)``: the network, the Adam state
and the random generator that shuffles each epoch all carry over, so the epochs are the same
ones. A request below the cached epochs trains afresh. ``epochs_trained`` counts the epochs
actually run (summed over folds): the cost the accounting counts is these extra epochs, not
the budget retrained from scratch. Without continuation ``fit`` trains ``e`` epochs and may
stop earlier when the training loss stalls (``patience`` epochs), so the two can differ.

References
----------
.. [1] M. Feurer and F. Hutter, "Hyperparameter optimization", in *Automated Machine
   Learning*, Springer, 2019, Sec. 1.2 (the cross-validated objective, Eq. 1.1) and Sec. 1.4
   (multi-fidelity: epochs as the budget).
.. [2] M. Stone, "Cross-validatory choice and assessment of statistical predictions", J. R.
   Stat. Soc. B 36(2), 111-147, 1974.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import warnings
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import numpy as np

from tunelab._validation import check_choice, check_scalar
from tunelab.space import Categorical, Integer, Real, Space

__all__ = ["DATASETS", "Task", "get", "names"]

DATASETS = {"breast_cancer": "classification", "digits": "classification",
            "wine": "classification", "diabetes": "regression"}
_METRICS = {"classification": ("accuracy", "log_loss"), "regression": ("mse",)}
_MODELS = ("logreg", "mlp")
_REGISTRY = {
    **{f"logreg_{d}": ("logreg", d) for d in ("breast_cancer", "digits", "wine")},
    **{f"mlp_{d}": ("mlp", d) for d in ("breast_cancer", "digits", "wine", "diabetes")},
}
DEFAULT_EPOCHS = {"logreg": 20, "mlp": 20}


def _space(model: str) -> Space:
    if model == "logreg":
        return Space({"alpha": Real(1e-6, 10.0, log=True),
                      "learning_rate": Real(1e-3, 10.0, log=True)})
    return Space({"alpha": Real(1e-6, 1e-1, log=True),
                  "learning_rate": Real(1e-4, 1e-1, log=True),
                  "hidden": Integer(8, 256, log=True),
                  "activation": Categorical(["relu", "tanh"])})


class Task:
    """The k-fold cross-validated loss of a model on a data set, as a function of its config.

    Parameters
    ----------
    model : {"logreg", "mlp"}
        The model family and its space (see the module's docstring).
    dataset : {"breast_cancer", "digits", "wine", "diabetes"}
        The data set (``diabetes``, a regression, only with ``"mlp"``).
    metric : str or None, default=None
        ``"accuracy"`` (the default) or ``"log_loss"`` for classification, ``"mse"`` for
        regression.
    cv : int, default=3
        Folds, >= 2.
    max_epochs : int or None, default=None
        Epochs of a full-fidelity fit, >= 1; None means 20.
    seed : int, default=0
        Seeds the folds and the models' random states.
    continuation : int, default=0
        MLP tasks: how many configurations' networks to keep for continuing training (see
        the module's docstring); 0 trains every call from scratch with ``fit``.

    Attributes
    ----------
    name : str
        ``"<model>_<dataset>"``.
    space : Space
    optimum : None
        Unknown.
    fidelity_range : tuple of int
        ``(1, max_epochs)``.
    epochs_trained : int
        Epochs run by this task object so far, summed over folds.

    Examples
    --------
    >>> from tunelab.bench import tasks
    >>> task = tasks.get("logreg_wine", max_epochs=5)
    >>> value = task({"alpha": 1e-3, "learning_rate": 0.1})
    >>> -1.0 <= value <= 0.0
    True
    """

    optimum = None

    def __init__(self, model: str, dataset: str, *, metric: str | None = None, cv: int = 3,
                 max_epochs: int | None = None, seed: int = 0, continuation: int = 0) -> None:
        self.model = check_choice(model, "model", _MODELS)
        self.dataset = check_choice(dataset, "dataset", DATASETS)
        kind = DATASETS[dataset]
        if kind == "regression" and model != "mlp":
            raise ValueError(f"dataset {dataset!r} is a regression: model must be 'mlp'")
        self.metric = check_choice(_METRICS[kind][0] if metric is None else metric, "metric",
                                   _METRICS[kind])
        self.cv = int(check_scalar(cv, "cv", kind=int, low=2))
        self.max_epochs = int(check_scalar(DEFAULT_EPOCHS[model] if max_epochs is None
                                           else max_epochs, "max_epochs", kind=int, low=1))
        self.seed = int(check_scalar(seed, "seed", kind=int, low=0))
        self.name = f"{model}_{dataset}"
        self.space = _space(model)
        self.fidelity_range = (1, self.max_epochs)
        self.continuation = int(check_scalar(continuation, "continuation", kind=int, low=0))
        if self.continuation and model != "mlp":
            raise ValueError(f"continuation needs an MLP task (partial_fit); got model {model!r}")
        self.epochs_trained = 0
        self._cache: OrderedDict[tuple, list] = OrderedDict()  # config -> [(epochs, net)]
        _require_sklearn(f"task {self.name!r}", dataset)

    def __call__(self, config: Mapping[str, Any], fidelity: int | None = None) -> float:
        """The mean fold loss of ``config`` trained ``fidelity`` epochs (default: all)."""
        config = self.space.validate(config)
        epochs = self.max_epochs if fidelity is None else int(
            check_scalar(fidelity, "fidelity", kind=int, low=1, high=self.max_epochs))
        X, y = load_dataset(self.dataset)
        key = tuple(sorted(config.items()))
        kept = self._cache.pop(key, None) if self.continuation else None
        nets: list = []
        losses = [self._fold_loss(config, epochs, X, y, train, test, i,
                                  None if kept is None else kept[i], nets)
                  for i, (train, test) in enumerate(self._splits(X, y))]
        if self.continuation:
            self._cache[key] = nets
            while len(self._cache) > self.continuation:
                self._cache.popitem(last=False)  # the configuration used longest ago
        return float(np.mean(losses))

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_cache"] = OrderedDict()  # a copy sent to another process starts empty
        return state

    def regret(self, value: Any) -> None:
        """``None``: the optimum of a tuning task is unknown."""
        return None

    def _splits(self, X: np.ndarray, y: np.ndarray) -> Any:
        from tunelab.model_selection import KFold, StratifiedKFold

        splitter = KFold if DATASETS[self.dataset] == "regression" else StratifiedKFold
        return splitter(self.cv, shuffle=True, random_state=self.seed).split(X, y)

    def _fold_loss(self, config: dict[str, Any], epochs: int, X: np.ndarray, y: np.ndarray,
                   train: np.ndarray, test: np.ndarray, fold: int, kept: Any = None,
                   nets: list | None = None) -> float:
        mu, sd = X[train].mean(axis=0), X[train].std(axis=0)
        sd[sd == 0] = 1.0
        X_train, X_test = (X[train] - mu) / sd, (X[test] - mu) / sd
        y_train, y_test = y[train], y[test]
        if DATASETS[self.dataset] == "regression":
            y_mu, y_sd = y_train.mean(), y_train.std()
            y_train, y_test = (y_train - y_mu) / y_sd, (y_test - y_mu) / y_sd
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")  # convergence and overflow warnings of bad configs
            try:
                if not self.continuation:
                    estimator = self._estimator(config, epochs, self.seed + fold)
                    estimator.fit(X_train, y_train)
                    self.epochs_trained += epochs
                    return self._loss(estimator, X_test, y_test)
                done, estimator = (0, None) if kept is None or kept[0] > epochs else kept
                if estimator is None:
                    estimator = self._estimator(config, self.max_epochs, self.seed + fold)
                extra = ({"classes": np.unique(y)}
                         if DATASETS[self.dataset] != "regression" else {})
                for _ in range(epochs - done):
                    estimator.partial_fit(X_train, y_train, **extra)
                    self.epochs_trained += 1
                nets.append((epochs, estimator))
                return self._loss(estimator, X_test, y_test)
            except (ValueError, FloatingPointError, np.linalg.LinAlgError):
                if nets is not None:
                    nets.append(None)  # nothing to continue from
                return math.nan  # a diverged fit: non-finite weights or probabilities

    def _estimator(self, config: dict[str, Any], epochs: int, random_state: int) -> Any:
        from tunelab.models import LogisticRegression, MLPClassifier, MLPRegressor

        if self.model == "logreg":
            return LogisticRegression(alpha=config["alpha"], solver="sgd", max_iter=epochs,
                                      variance_reduction=False,
                                      learning_rate=config["learning_rate"],
                                      random_state=random_state)
        cls = MLPRegressor if DATASETS[self.dataset] == "regression" else MLPClassifier
        return cls(hidden_layer_sizes=(config["hidden"],), activation=config["activation"],
                   learning_rate=config["learning_rate"], alpha=config["alpha"],
                   epochs=epochs, random_state=random_state)

    def _loss(self, estimator: Any, X: np.ndarray, y: np.ndarray) -> float:
        from tunelab import metrics

        if self.metric == "mse":
            loss = metrics.mean_squared_error(y, estimator.predict(X))
        elif self.metric == "log_loss":
            loss = metrics.log_loss(y, estimator.predict_proba(X), labels=estimator.classes_)
        else:
            loss = -metrics.accuracy_score(y, estimator.predict(X))
        return loss if math.isfinite(loss) else math.nan

    def __repr__(self) -> str:
        return (f"Task({self.name!r}, metric={self.metric!r}, cv={self.cv}, "
                f"max_epochs={self.max_epochs}, seed={self.seed})")


def names() -> list[str]:
    """The registered task names, sorted."""
    return sorted(_REGISTRY)


def get(name: str, **options: Any) -> Task:
    """Build task ``name`` with ``options`` (``metric``, ``cv``, ``max_epochs``, ``seed``,
    ``continuation``).

    Raises ``ValueError`` for an unknown name (listing the known ones), ``TypeError`` for an
    unknown option and ``ImportError`` naming the package when scikit-learn is missing.
    """
    if name not in _REGISTRY:
        raise ValueError(f"name must be one of {', '.join(map(repr, names()))}; got {name!r}")
    allowed = ("metric", "cv", "max_epochs", "seed", "continuation")
    unknown = [k for k in options if k not in allowed]
    if unknown:
        raise TypeError(f"unknown option(s) {', '.join(map(repr, unknown))} for task "
                        f"{name!r}; allowed: {', '.join(allowed)}")
    model, dataset = _REGISTRY[name]
    return Task(model, dataset, **options)


def _require_sklearn(what: str, dataset: str) -> None:
    if importlib.util.find_spec("sklearn") is None:
        raise ImportError(
            f"{what} reads the {dataset!r} data set bundled with scikit-learn, which is "
            "not installed: pip install scikit-learn (or pip install 'tunelab[test]')"
        )


@functools.cache
def load_dataset(dataset: str) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` of a bundled scikit-learn data set, as float64 features (read once)."""
    check_choice(dataset, "dataset", DATASETS)
    _require_sklearn("load_dataset", dataset)
    from sklearn import datasets

    X, y = getattr(datasets, f"load_{dataset}")(return_X_y=True)
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64 if DATASETS[dataset] == "regression" else np.int64)
    X.flags.writeable = y.flags.writeable = False
    return X, y
