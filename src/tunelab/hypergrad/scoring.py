r"""The objective of ``SearchCV(strategy="hypergradient")``: a cross-validated score and its
hypergradient.

The score is the negated mean validation loss of :class:`CrossValidationLoss` on the
search's folds, so that greater is better as for every ``scoring``; its gradient is the
negated mean of the folds' hypergradients. A ``scoring`` is mapped to the model's one
differentiable loss:

============================  =======================  =====================================
estimator                     scoring                  loss differentiated
============================  =======================  =====================================
``LogisticRegression``        ``None``,                ``log_loss``
                              ``"neg_log_loss"``
``LogisticRegression``        ``"accuracy"``           ``log_loss``, the stated surrogate
                                                       (see :class:`ValidationLoss`)
``LinearRegression``          ``None``,                ``mse``
                              ``"neg_mean_squared_
                              error"``
``BayesianLinearRegression``  ``None``                 ``nlpd``
============================  =======================  =====================================

Any other scoring (``"f1"``, ``"roc_auc"``, ``"r2"``, ``"neg_mean_absolute_error"``, a
callable) is a ``ValueError``: it has no stated differentiable surrogate here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tunelab.hypergrad.implicit import _SUPPORTED, CrossValidationLoss

_SCORINGS = {
    "LogisticRegression": {None: "log_loss", "neg_log_loss": "log_loss",
                           "accuracy": "log_loss"},
    "LinearRegression": {None: "mse", "neg_mean_squared_error": "mse"},
    "BayesianLinearRegression": {None: "nlpd"},
}


def check_hypergradient(estimator: Any, names: list[str], scoring: Any) -> str:
    """The metric differentiated for ``scoring``; ``ValueError`` naming what cannot be."""
    kind = type(estimator).__name__
    if kind not in _SUPPORTED:
        raise ValueError(
            f"strategy='hypergradient' cannot differentiate {kind}; it differentiates "
            f"{', '.join(f'{k} {list(v)}' for k, v in sorted(_SUPPORTED.items()))}"
        )
    bad = [n for n in names if n not in _SUPPORTED[kind]]
    if bad or "alpha" not in names:
        raise ValueError(
            f"strategy='hypergradient' can differentiate {list(_SUPPORTED[kind])} of {kind} "
            f"only (alpha required); space has {bad if bad else names}"
        )
    table = _SCORINGS[kind]
    if isinstance(scoring, str | type(None)) and scoring in table:
        return table[scoring]
    valid = ", ".join(repr(k) for k in table)
    raise ValueError(
        f"scoring={scoring!r} has no differentiable surrogate for {kind} with "
        f"strategy='hypergradient'; valid: {valid}"
    )


class HypergradientCVObjective:
    """``trial -> (mean score, gradient)`` on fixed folds; folds' scores as intermediate values.

    One :class:`CrossValidationLoss` serves every trial, so each inner fit starts from the
    previous trial's solution (``warm_start``).
    """

    def __init__(self, estimator: Any, X: Any, y: Any, folds: list, metric: str) -> None:
        self.loss = CrossValidationLoss(estimator, X, y, cv=folds, metric=metric)

    def __call__(self, trial: Any) -> tuple[float, dict[str, float]]:
        params = {k: float(v) for k, v in trial.params.items()}
        results = [fold(params) for fold in self.loss.folds]
        for i, (value, _) in enumerate(results):
            trial.report(i, -float(value))
        score = -float(np.mean([r[0] for r in results]))
        grad = {k: -float(np.mean([r[1][k] for r in results])) for k in params}
        return score, grad
