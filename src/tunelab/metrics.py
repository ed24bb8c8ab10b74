"""Scores of predictions against the truth, with scikit-learn's names and argument order.

Notation: ``y`` are the true targets or labels, :math:`\\hat y` the predictions, :math:`n` the
number of samples; for a class :math:`k`, :math:`TP_k`, :math:`FP_k` and :math:`FN_k` count the
true positives, false positives and false negatives of the one-vs-rest problem "class k or not".

Every function takes ``(y_true, y_pred)`` (or ``y_prob``, ``y_score``) and returns a float, or
an array of per-class values for ``average=None``. ``get_scorer(name)`` wraps a metric as
``scorer(estimator, X, y)`` where greater is better, the form that model selection uses.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from tunelab._metrics_probability import log_loss, roc_auc_score
from tunelab._metrics_support import (
    Scorer,
    check_labels,
    check_regression,
    class_counts,
    divide,
    encode,
    nanaverage,
    resolve_labels,
)
from tunelab._validation import check_choice

__all__ = [
    "accuracy_score", "confusion_matrix", "f1_score", "get_scorer", "log_loss",
    "mean_absolute_error", "mean_squared_error", "precision_score", "r2_score",
    "recall_score", "roc_auc_score",
]

_AVERAGES = ("binary", "micro", "macro", "weighted", None)


def accuracy_score(y_true: Any, y_pred: Any) -> float:
    """Fraction of correct predictions.

    .. math:: \\mathrm{accuracy} = \\frac{1}{n} \\sum_i [\\hat y_i = y_i]

    References
    ----------
    .. [1] Hastie, Tibshirani and Friedman (2009). *The Elements of Statistical Learning*,
       2nd ed., Springer, Sec. 7.2 (0-1 loss).
    """
    y_true, y_pred = check_labels(y_true, y_pred)
    return float(np.mean(y_true == y_pred))


def confusion_matrix(y_true: Any, y_pred: Any, labels: Any = None) -> np.ndarray:
    """Counts ``C[i, j]`` of samples of true class ``labels[i]`` predicted as ``labels[j]``.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
    labels : array-like of shape (n_classes,), default=None
        The classes, in the order of the rows and columns; by default the sorted union of the
        labels in ``y_true`` and ``y_pred``. Samples whose true or predicted label is not in
        ``labels`` are left out; at least one of ``labels`` must occur in ``y_true``.

    Returns
    -------
    C : ndarray of shape (n_classes, n_classes), int

    References
    ----------
    .. [1] Fawcett (2006). An introduction to ROC analysis. *Pattern Recognition Letters*
       27(8), 861-874, Sec. 2 (Fig. 1).
    """
    y_true, y_pred = check_labels(y_true, y_pred)
    labels = resolve_labels(labels, y_true, y_pred)
    i, found_true = encode(y_true, labels)
    j, found_pred = encode(y_pred, labels)
    if not found_true.any():
        raise ValueError(f"at least one of labels must occur in y_true; got {labels.tolist()}")
    keep = found_true & found_pred
    K = len(labels)
    return np.bincount(K * i[keep] + j[keep], minlength=K * K).reshape(K, K)


def _prf(
    y_true: Any, y_pred: Any, average: str | None, pos_label: Any, labels: Any,
    zero_division: float, which: str,
) -> float | np.ndarray:
    """Precision (``which="p"``), recall (``"r"``) or F1 (``"f"``), averaged as asked."""
    y_true, y_pred = check_labels(y_true, y_pred)
    check_choice(average, "average", _AVERAGES)
    if not isinstance(zero_division, numbers.Real) or zero_division not in (0, 1) and not (
        np.isnan(zero_division)
    ):
        raise ValueError(f"zero_division must be 0, 1 or nan; got {zero_division!r}")
    present = np.union1d(y_true, y_pred)
    if average == "binary":
        if len(present) > 2:
            raise ValueError(
                f"average='binary' needs at most two classes; got {present.tolist()}: choose "
                "average='micro', 'macro', 'weighted' or None"
            )
        if pos_label not in present.tolist():
            if len(present) == 2:
                raise ValueError(f"pos_label must be one of {present.tolist()}; got {pos_label!r}")
            return float(zero_division)  # the positive class is neither true nor predicted
        labels = present[present == pos_label]
    labels = resolve_labels(labels, y_true, y_pred)
    counts = class_counts(y_true, y_pred, labels)
    if average == "micro":
        counts = [c.sum(keepdims=True) for c in counts]
    tp, n_pred, n_true = counts
    if which == "p":
        score = divide(tp, n_pred, zero_division)
    elif which == "r":
        score = divide(tp, n_true, zero_division)
    else:
        score = divide(2 * tp, n_pred + n_true, zero_division)
    if average is None:
        return score
    return nanaverage(score, n_true if average == "weighted" else None)


def precision_score(
    y_true: Any, y_pred: Any, *, labels: Any = None, pos_label: Any = 1,
    average: str | None = "binary", zero_division: float = 0.0,
) -> float | np.ndarray:
    """Precision: the fraction of predicted positives that are true positives.

    .. math:: P_k = \\frac{TP_k}{TP_k + FP_k}, \\qquad
              P_{\\mathrm{micro}} = \\frac{\\sum_k TP_k}{\\sum_k (TP_k + FP_k)}

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels.
    average : {"binary", "micro", "macro", "weighted"} or None, default="binary"
        ``"binary"``: the score of class ``pos_label`` alone (at most two classes present);
        ``"micro"``: from the counts summed over classes; ``"macro"``: the unweighted mean of
        the per-class scores; ``"weighted"``: their mean weighted by each class's number of true
        samples; ``None``: the per-class scores.
    pos_label : int or str, default=1
        The positive class; used only when ``average="binary"``.
    labels : array-like, default=None
        The classes to score and average over (not used when ``average="binary"``); by default
        the sorted union of the labels in ``y_true`` and ``y_pred``.
    zero_division : {0, 1, nan}, default=0
        The value of a score whose denominator is zero (a class never predicted, never true, or
        both). ``nan`` scores are left out of the averages, as scikit-learn does; if every score
        is ``nan`` the average is ``nan``. No warning is raised.

    Returns
    -------
    score : float, or ndarray of shape (n_classes,) when ``average=None``

    References
    ----------
    .. [1] Manning, Raghavan and Schütze (2008). *Introduction to Information Retrieval*,
       Cambridge University Press, Eq. (8.1), and Sec. 13.6 (micro- and macro-averaging).
    """
    return _prf(y_true, y_pred, average, pos_label, labels, zero_division, "p")


def recall_score(
    y_true: Any, y_pred: Any, *, labels: Any = None, pos_label: Any = 1,
    average: str | None = "binary", zero_division: float = 0.0,
) -> float | np.ndarray:
    """Recall: the fraction of true positives that are predicted positive.

    .. math:: R_k = \\frac{TP_k}{TP_k + FN_k}

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels.
    average : {"binary", "micro", "macro", "weighted"} or None, default="binary"
        ``"binary"``: the score of class ``pos_label`` alone (at most two classes present);
        ``"micro"``: from the counts summed over classes; ``"macro"``: the unweighted mean of
        the per-class scores; ``"weighted"``: their mean weighted by each class's number of true
        samples; ``None``: the per-class scores.
    pos_label : int or str, default=1
        The positive class; used only when ``average="binary"``.
    labels : array-like, default=None
        The classes to score and average over (not used when ``average="binary"``); by default
        the sorted union of the labels in ``y_true`` and ``y_pred``.
    zero_division : {0, 1, nan}, default=0
        The value of a score whose denominator is zero (a class never predicted, never true, or
        both). ``nan`` scores are left out of the averages, as scikit-learn does; if every score
        is ``nan`` the average is ``nan``. No warning is raised.

    Returns
    -------
    score : float, or ndarray of shape (n_classes,) when ``average=None``

    References
    ----------
    .. [1] Manning, Raghavan and Schütze (2008). *Introduction to Information Retrieval*,
       Cambridge University Press, Eq. (8.2), and Sec. 13.6 (micro- and macro-averaging).
    """
    return _prf(y_true, y_pred, average, pos_label, labels, zero_division, "r")


def f1_score(
    y_true: Any, y_pred: Any, *, labels: Any = None, pos_label: Any = 1,
    average: str | None = "binary", zero_division: float = 0.0,
) -> float | np.ndarray:
    """F1: the harmonic mean of precision and recall, from the counts.

    .. math:: F_k = \\frac{2 P_k R_k}{P_k + R_k} = \\frac{2\\,TP_k}{2\\,TP_k + FP_k + FN_k}

    The right-hand form is used, so F1 is defined whenever a class is predicted or true, even
    if its precision or recall is zero by zero division.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels.
    average : {"binary", "micro", "macro", "weighted"} or None, default="binary"
        ``"binary"``: the score of class ``pos_label`` alone (at most two classes present);
        ``"micro"``: from the counts summed over classes; ``"macro"``: the unweighted mean of
        the per-class scores; ``"weighted"``: their mean weighted by each class's number of true
        samples; ``None``: the per-class scores.
    pos_label : int or str, default=1
        The positive class; used only when ``average="binary"``.
    labels : array-like, default=None
        The classes to score and average over (not used when ``average="binary"``); by default
        the sorted union of the labels in ``y_true`` and ``y_pred``.
    zero_division : {0, 1, nan}, default=0
        The value of a score whose denominator is zero (a class never predicted, never true, or
        both). ``nan`` scores are left out of the averages, as scikit-learn does; if every score
        is ``nan`` the average is ``nan``. No warning is raised.

    Returns
    -------
    score : float, or ndarray of shape (n_classes,) when ``average=None``

    References
    ----------
    .. [1] van Rijsbergen (1979). *Information Retrieval*, 2nd ed., Butterworths, Ch. 7.
    .. [2] Manning, Raghavan and Schütze (2008). *Introduction to Information Retrieval*,
       Cambridge University Press, Eq. (8.5) with :math:`\\beta = 1`.
    """
    return _prf(y_true, y_pred, average, pos_label, labels, zero_division, "f")


def mean_squared_error(y_true: Any, y_pred: Any) -> float:
    """Mean squared error, averaged uniformly over outputs when 2-D.

    .. math:: \\mathrm{MSE} = \\frac{1}{n} \\sum_i (y_i - \\hat y_i)^2

    References
    ----------
    .. [1] Hastie, Tibshirani and Friedman (2009). *The Elements of Statistical Learning*,
       2nd ed., Springer, Eq. (7.1) (squared-error loss).
    """
    y_true, y_pred = check_regression(y_true, y_pred)
    return float(np.mean((y_true - y_pred) ** 2))


def mean_absolute_error(y_true: Any, y_pred: Any) -> float:
    """Mean absolute error, averaged uniformly over outputs when 2-D.

    .. math:: \\mathrm{MAE} = \\frac{1}{n} \\sum_i |y_i - \\hat y_i|

    References
    ----------
    .. [1] Hastie, Tibshirani and Friedman (2009). *The Elements of Statistical Learning*,
       2nd ed., Springer, Sec. 7.2 (absolute-error loss).
    """
    y_true, y_pred = check_regression(y_true, y_pred)
    return float(np.mean(np.abs(y_true - y_pred)))


def r2_score(y_true: Any, y_pred: Any) -> float:
    """Coefficient of determination, averaged uniformly over outputs when 2-D.

    .. math:: R^2 = 1 - \\frac{\\sum_i (y_i - \\hat y_i)^2}{\\sum_i (y_i - \\bar y)^2}

    A constant ``y_true`` makes the ratio undefined: R² is then 1 for a perfect prediction and
    0 otherwise, as scikit-learn's ``force_finite=True`` does. Needs at least two samples.

    References
    ----------
    .. [1] Draper and Smith (1998). *Applied Regression Analysis*, 3rd ed., Wiley, Eq. (1.4.8).
    """
    y_true, y_pred = check_regression(y_true, y_pred)
    if len(y_true) < 2:
        raise ValueError(f"y_true must have at least 2 samples for r2_score; got {len(y_true)}")
    ss_res = np.sum((y_true - y_pred) ** 2, axis=0)
    ss_tot = np.sum((y_true - y_true.mean(axis=0)) ** 2, axis=0)
    constant = np.where(ss_res == 0, 1.0, 0.0)
    r2 = 1 - divide(ss_res, ss_tot, 0.0)
    return float(np.mean(np.where(ss_tot == 0, constant, r2)))


_SCORERS = {
    "accuracy": (accuracy_score, "predict", 1.0),
    "f1": (f1_score, "predict", 1.0),
    "f1_macro": (partial(f1_score, average="macro"), "predict", 1.0),
    "precision": (precision_score, "predict", 1.0),
    "recall": (recall_score, "predict", 1.0),
    "roc_auc": (roc_auc_score, "score", 1.0),
    "neg_log_loss": (log_loss, "proba", -1.0),
    "r2": (r2_score, "predict", 1.0),
    "neg_mean_squared_error": (mean_squared_error, "predict", -1.0),
    "neg_mean_absolute_error": (mean_absolute_error, "predict", -1.0),
}


def get_scorer(name: str | Callable) -> Callable[[Any, Any, Any], float]:
    """Return the scorer ``scorer(estimator, X, y) -> float`` named ``name``; greater is better.

    Losses are negated (``"neg_log_loss"``, ``"neg_mean_squared_error"``,
    ``"neg_mean_absolute_error"``). ``"f1"``, ``"precision"`` and ``"recall"`` score the class
    ``1`` of a binary problem; ``"f1_macro"`` averages over classes. ``"roc_auc"`` and
    ``"neg_log_loss"`` use ``predict_proba`` (``roc_auc`` falls back to ``decision_function``)
    and the estimator's ``classes_``; ``"roc_auc"`` is one-vs-rest macro for more than two
    classes. A callable is returned unchanged.

    Parameters
    ----------
    name : str or callable
        One of ``"accuracy"``, ``"f1"``, ``"f1_macro"``, ``"precision"``, ``"recall"``,
        ``"roc_auc"``, ``"neg_log_loss"``, ``"r2"``, ``"neg_mean_squared_error"``,
        ``"neg_mean_absolute_error"``.
    """
    if callable(name):
        return name
    if not isinstance(name, str) or name not in _SCORERS:
        raise ValueError(f"scoring must be one of {', '.join(_SCORERS)}; got {name!r}")
    return Scorer(name, *_SCORERS[name])
