"""The fitting machinery shared by the multi-layer perceptrons of :mod:`tunelab.models.mlp`.

``fit`` and ``partial_fit`` validate at the edge, then hand the flat parameter vector to the
epoch loop of ``_mlp_train``; the weights are exposed as per-layer views (``coefs_``,
``intercepts_``) and packed again at the start of every call, so that edited or unpickled
weights are the ones trained further.
"""

from __future__ import annotations

import abc
import numbers
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from tunelab._validation import (
    check_choice,
    check_is_fitted,
    check_random_state,
    check_scalar,
    check_X_y,
)
from tunelab.exceptions import ConvergenceWarning
from tunelab.models import _mlp_layers as layers
from tunelab.models import _mlp_train as train
from tunelab.models.base import BaseEstimator
from tunelab.optim.early_stopping import EarlyStopping
from tunelab.optim.rules import UpdateRule, make_rule
from tunelab.optim.schedules import SCHEDULES, make_schedule

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam")


class BaseMLP(BaseEstimator, abc.ABC):
    """Shared fitting machinery; subclasses set ``_head`` and encode their targets."""

    _head = "squared"

    def __init__(
        self,
        *,
        hidden_layer_sizes: Any = (100,),
        activation: str = "relu",
        optimizer: str = "adam",
        learning_rate: float = 1e-3,
        learning_rate_schedule: str = "constant",
        batch_size: int | str = 32,
        epochs: int = 200,
        alpha: float = 1e-4,
        momentum: float = 0.9,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        patience: int = 10,
        tol: float = 1e-4,
        random_state: Any = None,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.learning_rate_schedule = learning_rate_schedule
        self.batch_size = batch_size
        self.epochs = epochs
        self.alpha = alpha
        self.momentum = momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.tol = tol
        self.random_state = random_state

    # ------------------------------------------------------------------ validation
    def _hidden_sizes(self) -> tuple[int, ...]:
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, numbers.Integral) and not isinstance(sizes, bool):
            sizes = (sizes,)
        try:
            sizes = tuple(sizes)
        except TypeError:
            sizes = None
        if sizes is None or not all(
            isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 1
            for s in sizes
        ):
            raise ValueError(
                f"hidden_layer_sizes must be a sequence of positive integers; "
                f"got {self.hidden_layer_sizes!r}"
            )
        return tuple(int(s) for s in sizes)

    def _check_params(self) -> None:
        self._hidden_sizes()
        check_choice(self.activation, "activation", layers.ACTIVATIONS)
        check_choice(self.optimizer, "optimizer", OPTIMIZERS)
        check_scalar(self.learning_rate, "learning_rate", low=0.0, low_inclusive=False)
        check_choice(self.learning_rate_schedule, "learning_rate_schedule", SCHEDULES)
        if self.batch_size != "auto":
            check_scalar(self.batch_size, "batch_size", kind=int, low=1)
        check_scalar(self.epochs, "epochs", kind=int, low=1)
        check_scalar(self.alpha, "alpha", low=0.0)
        check_scalar(self.momentum, "momentum", low=0.0, high=1.0, high_inclusive=False)
        if not isinstance(self.early_stopping, (bool, np.bool_)):
            raise TypeError(f"early_stopping must be a bool; got {self.early_stopping!r}")
        check_scalar(self.validation_fraction, "validation_fraction", low=0.0, high=1.0,
                     low_inclusive=False, high_inclusive=False)
        check_scalar(self.patience, "patience", kind=int, low=1)
        check_scalar(self.tol, "tol", low=0.0)

    # ------------------------------------------------------------------ subclass hooks
    @abc.abstractmethod
    def _encode_targets(self, y: np.ndarray, first: bool, classes: Any = None) -> np.ndarray:
        """Return the training targets of ``y``; on the ``first`` call set ``classes_`` or
        the number of outputs."""

    @abc.abstractmethod
    def _n_outputs(self) -> int:
        """The width of the output layer."""

    @abc.abstractmethod
    def _score_validation(self, scores: np.ndarray, targets: np.ndarray) -> float:
        """The validation score (higher is better) of output scores against targets."""

    # ------------------------------------------------------------------ fitting
    def fit(self, X: Any, y: Any) -> BaseMLP:
        """Train a new network on ``(X, y)`` for up to ``epochs`` epochs; return ``self``."""
        self._check_params()
        X, targets = self._check_data(X, y, first=True)
        self._initialize(X.shape[1])
        if self.early_stopping:
            self.validation_scores_ = []
            labels = targets if self._head == "softmax" else None
            tr, va = train.validation_split(len(X), self.validation_fraction, self._rng, labels)
            self._train(X[tr], targets[tr], self.epochs, (X[va], targets[va]))
        else:
            self._train(X, targets, self.epochs, None)
        return self

    def _partial_fit(self, X: Any, y: Any, classes: Any = None) -> BaseMLP:
        self._check_params()
        first = not hasattr(self, "coefs_")
        X, targets = self._check_data(X, y, first=first, classes=classes)
        if first:
            self._initialize(X.shape[1])
        elif X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but {type(self).__name__} is "
                             f"expecting {self.n_features_in_} features as input")
        self._train(X, targets, 1, None, stop=False, stacklevel=4)  # public partial_fit first
        return self

    def _check_data(self, X: Any, y: Any, *, first: bool, classes: Any = None) -> tuple:
        X, y = check_X_y(X, y, y_numeric=self._head == "squared",
                         multi_output=self._head == "squared")
        return X, self._encode_targets(y, first, classes)

    def _initialize(self, n_features: int) -> None:
        """Draw new weights and set up a new update rule and empty training records."""
        self.n_features_in_ = n_features
        self._sizes = (n_features, *self._hidden_sizes(), self._n_outputs())
        self._rng = check_random_state(self.random_state)
        theta = layers.init_params(self._sizes, self.activation, self._rng)
        self._set_theta(theta)
        kwargs = {"momentum": self.momentum} if self.optimizer in ("momentum", "nesterov") else {}
        self._rule: UpdateRule = make_rule(self.optimizer, learning_rate=self.learning_rate,
                                           **kwargs)
        self.n_iter_ = 0
        self.loss_curve_: list[float] = []
        self.validation_scores_: list[float] | None = None
        self.best_validation_score_: float | None = None

    def _set_theta(self, theta: np.ndarray) -> None:
        self.coefs_, self.intercepts_ = layers.unpack(theta, self._sizes)

    def _train(self, X: np.ndarray, targets: np.ndarray, epochs: int,
               validation: tuple | None, stop: bool = True, stacklevel: int = 3) -> None:
        """Run up to ``epochs`` epochs from the current weights; with ``stop``, stop early
        (on the validation score if ``validation`` is given, else on the training loss).
        ``stacklevel`` points the warnings at the caller of ``fit`` or ``partial_fit``."""
        theta = layers.pack(self.coefs_, self.intercepts_)
        run_epoch = self._epoch_runner(X, targets)
        stopper = EarlyStopping(self.patience, self.tol)
        best = None
        for _ in range(epochs):
            loss = run_epoch(theta)
            if not np.isfinite(loss):
                warnings.warn(f"{type(self).__name__}: the training loss diverged at epoch "
                              f"{self.n_iter_}; lower learning_rate", ConvergenceWarning,
                              stacklevel=stacklevel)
                break
            if validation is not None:
                score = self._score_validation(self._scores(theta, validation[0]),
                                               validation[1])
                self.validation_scores_.append(score)
                if stopper.update(score):
                    best = theta.copy()
            else:
                stopper.update(-loss)
            if stop and stopper.should_stop:
                break
        else:
            if stop:
                watched = "validation score" if validation else "training loss"
                warnings.warn(f"{type(self).__name__}: ran all epochs={self.epochs} before the "
                              f"{watched} stopped improving; consider more epochs",
                              ConvergenceWarning, stacklevel=3)
        if best is not None:
            theta = best  # restore the best epoch's weights
            self.best_validation_score_ = stopper.best_score
        self._set_theta(theta)

    def _epoch_runner(self, X: np.ndarray, targets: np.ndarray) -> Callable[[np.ndarray], float]:
        """A function that trains one epoch in place on ``theta`` and records it."""
        net = train.Network(self._sizes, self.activation, self._head, float(self.alpha))
        batch = min(200, len(X)) if self.batch_size == "auto" else self.batch_size
        kwargs = {"n_epochs": self.epochs} if self.learning_rate_schedule == "cosine" else {}
        schedule = make_schedule(self.learning_rate_schedule, self.learning_rate, **kwargs)

        def run_epoch(theta: np.ndarray) -> float:
            self._rule.learning_rate = schedule(self.n_iter_)
            order = self._rng.permutation(len(X))
            with np.errstate(over="ignore", invalid="ignore"):
                loss = train.run_epoch(theta, self._rule, X, targets, order, batch, net)
            self.n_iter_ += 1
            self.loss_curve_.append(loss)
            return loss

        return run_epoch

    def _scores(self, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
        Ws, bs = layers.unpack(theta, self._sizes)
        return layers.predict_scores(Ws, bs, X, self.activation)

    def _decision(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "coefs_")
        X = self._check_n_features(X)
        return layers.predict_scores(self.coefs_, self.intercepts_, X, self.activation)
