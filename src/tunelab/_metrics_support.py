"""Validation, label counting and the scorer wrapper behind ``tunelab.metrics``.

Labels are encoded by their position in a label array (``encode``), and every division that may
meet a zero denominator goes through ``divide``, so no floating-point warning is raised.
``Scorer`` turns a metric into ``scorer(estimator, X, y)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tunelab._validation import check_array


def check_lengths(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    if len(a) != len(b):
        raise ValueError(
            f"{name_a} and {name_b} must have the same number of samples; got {len(a)} and {len(b)}"
        )


def check_labels(y_true: Any, y_pred: Any, name: str = "y_pred") -> tuple[np.ndarray, ...]:
    """Validate two 1-D label arrays: non-empty, finite, of one kind (numbers or strings)."""
    y_true = check_array(y_true, "y_true", ndim=1, dtype=None)
    y_pred = check_array(y_pred, name, ndim=1, dtype=None)
    check_lengths(y_true, y_pred, "y_true", name)
    if (y_true.dtype.kind in "US") != (y_pred.dtype.kind in "US"):
        raise ValueError(
            f"y_true and {name} must both hold numbers or both hold strings; got dtypes "
            f"{y_true.dtype} and {y_pred.dtype}"
        )
    return y_true, y_pred


def resolve_labels(labels: Any, *ys: np.ndarray) -> np.ndarray:
    """Return ``labels`` validated (1-D, unique, non-empty), or the sorted union of ``ys``."""
    if labels is None:
        return np.unique(np.concatenate(ys))
    labels = check_array(labels, "labels", ndim=1, dtype=None)
    if len(np.unique(labels)) != len(labels):
        raise ValueError(f"labels must not contain duplicates; got {labels.tolist()}")
    if (labels.dtype.kind in "US") != (ys[0].dtype.kind in "US"):
        raise ValueError(f"labels must be of the same kind as y_true; got {labels.tolist()}")
    return labels


def encode(y: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return each entry's index in ``labels`` and a mask of the entries found there."""
    order = np.argsort(labels, kind="stable")
    pos = np.clip(np.searchsorted(labels[order], y), 0, len(labels) - 1)
    found = labels[order][pos] == y
    return order[pos], found


def class_counts(
    y_true: np.ndarray, y_pred: np.ndarray, labels: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-class ``(TP, TP + FP, TP + FN)`` over all samples, for each of ``labels``."""
    every = np.union1d(labels, np.union1d(y_true, y_pred))
    i, _ = encode(y_true, every)
    j, _ = encode(y_pred, every)
    K = len(every)
    tp = np.bincount(i[i == j], minlength=K)
    at, _ = encode(labels, every)
    return tp[at], np.bincount(j, minlength=K)[at], np.bincount(i, minlength=K)[at]


def divide(num: np.ndarray, den: np.ndarray, zero_division: float) -> np.ndarray:
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    out = np.full(num.shape, float(zero_division))
    return np.divide(num, den, out=out, where=den != 0)


def nanaverage(values: np.ndarray, weights: np.ndarray | None) -> float:
    """Average ignoring NaN; all-zero weights fall back to the plain mean; all NaN gives NaN."""
    keep = ~np.isnan(values)
    if not keep.any():
        return float("nan")
    if weights is None or weights[keep].sum() == 0:
        return float(np.mean(values[keep]))
    return float(np.average(values[keep], weights=weights[keep]))


def check_regression(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    """Validate targets as float arrays of shape (n_samples, n_outputs)."""
    y_true = check_array(y_true, "y_true", ndim=(1, 2))
    y_pred = check_array(y_pred, "y_pred", ndim=(1, 2))
    y_true = y_true.reshape(len(y_true), -1)
    y_pred = y_pred.reshape(len(y_pred), -1)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred must have the same shape; got {y_true.shape} and {y_pred.shape}"
        )
    return y_true, y_pred


def continuous_scores(estimator: Any, X: Any) -> tuple[np.ndarray, Any]:
    """Class scores for ranking: positive-class probability for two classes, else all columns."""
    classes = getattr(estimator, "classes_", None)
    if hasattr(estimator, "predict_proba"):
        S = np.asarray(estimator.predict_proba(X))
        return (S[:, 1] if S.ndim == 2 and S.shape[1] == 2 else S), classes
    return np.asarray(estimator.decision_function(X)), classes


class Scorer:
    """``scorer(estimator, X, y) -> float``, greater is better: ``sign * metric(y, response)``."""

    def __init__(self, name: str, metric: Callable, response: str, sign: float = 1.0) -> None:
        self.name, self.metric, self.response, self.sign = name, metric, response, sign

    def __call__(self, estimator: Any, X: Any, y: Any) -> float:
        if self.response == "predict":
            return self.sign * float(self.metric(y, estimator.predict(X)))
        if self.response == "proba":
            P = estimator.predict_proba(X)
            labels = getattr(estimator, "classes_", None)
        else:
            P, labels = continuous_scores(estimator, X)
        return self.sign * float(self.metric(y, P, labels=labels))

    def __repr__(self) -> str:
        return f"get_scorer({self.name!r})"
