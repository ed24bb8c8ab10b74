"""The metrics of :mod:`tunelab.metrics` that score probabilities and rankings: log loss and
ROC AUC (re-exported there, where they are documented with the others).

Notation: ``y`` are the true labels, :math:`n` the number of samples, :math:`p_{i,k}` the
predicted probability of class :math:`k` for sample :math:`i`, :math:`s_i` a score.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import rankdata

from tunelab._metrics_support import check_lengths, encode, resolve_labels
from tunelab._validation import check_array, check_choice

__all__ = ["log_loss", "roc_auc_score"]


def log_loss(y_true: Any, y_prob: Any, *, labels: Any = None) -> float:
    """Mean negative log-likelihood of the true labels under predicted probabilities.

    .. math:: \\mathrm{LL} = -\\frac{1}{n} \\sum_i \\log \\max(\\epsilon,
              \\min(1 - \\epsilon, p_{i, y_i}))

    Probabilities are clipped to :math:`[\\epsilon, 1 - \\epsilon]` with
    :math:`\\epsilon` = ``np.finfo(float).eps`` (about 2.2e-16), so a confident wrong prediction
    costs about 36 instead of infinity; scikit-learn does the same.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
    y_prob : array-like of shape (n_samples,) or (n_samples, n_classes)
        Probabilities in [0, 1]. 1-D: of the positive class, the greater of two labels. 2-D:
        one column per class in the order of ``labels``; each row must sum to 1 (to 1e-6).
    labels : array-like of shape (n_classes,), default=None
        The classes; by default the sorted labels of ``y_true``, which must then hold at
        least two. Pass ``estimator.classes_`` when ``y_true`` may miss a class.

    References
    ----------
    .. [1] Bishop (2006). *Pattern Recognition and Machine Learning*, Springer, Eq. (4.108)
       (cross-entropy error for K classes) and Eq. (4.90) (two classes).
    """
    y_true = check_array(y_true, "y_true", ndim=1, dtype=None)
    P = check_array(y_prob, "y_prob", ndim=(1, 2))
    check_lengths(y_true, P, "y_true", "y_prob")
    if P.min() < 0 or P.max() > 1:
        raise ValueError(f"y_prob must hold probabilities in [0, 1]; got [{P.min()}, {P.max()}]")
    classes = np.unique(y_true) if labels is None else resolve_labels(labels, y_true)
    if len(classes) < 2:
        raise ValueError(
            f"log_loss needs at least two classes; y_true holds only {classes.tolist()}: "
            "pass them through labels"
        )
    P = np.column_stack([1 - P, P]) if P.ndim == 1 else P
    if P.shape[1] != len(classes):
        raise ValueError(
            f"y_prob has {P.shape[1]} columns but there are {len(classes)} classes "
            f"{classes.tolist()}; pass the classes through labels"
        )
    if not np.allclose(P.sum(axis=1), 1.0, rtol=0.0, atol=1e-6):
        raise ValueError("y_prob rows must sum to 1 (to 1e-6); pass probabilities")
    k, found = encode(y_true, classes)
    if not found.all():
        raise ValueError(f"y_true holds labels outside labels {classes.tolist()}")
    eps = np.finfo(float).eps
    p_true = np.clip(P[np.arange(len(P)), k], eps, 1 - eps)
    return float(-np.mean(np.log(p_true)))


def _binary_auc(positive: np.ndarray, score: np.ndarray) -> float:
    """Mann-Whitney U of the positives' scores over the negatives', divided by its maximum."""
    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError("roc_auc_score needs both classes in y_true; only one is present")
    ranks = rankdata(score, method="average")  # ties share their mean rank
    U = ranks[positive].sum() - n_pos * (n_pos + 1) / 2
    return float(U / (n_pos * n_neg))


def roc_auc_score(
    y_true: Any, y_score: Any, *, average: str = "macro", labels: Any = None
) -> float:
    """Area under the ROC curve, exactly, from the Mann-Whitney statistic.

    .. math:: \\mathrm{AUC} = \\frac{1}{n_+ n_-} \\sum_{i: y_i = +} \\sum_{j: y_j = -}
              \\left([s_i > s_j] + \\tfrac12 [s_i = s_j]\\right)
              = \\frac{R_+ - n_+(n_+ + 1)/2}{n_+ n_-}

    where :math:`R_+` is the sum of the positives' ranks among all scores, ties given their
    mean rank: the probability that a random positive outscores a random negative, ties
    counting one half. This is the area under the ROC curve with linear interpolation
    between tied scores.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
    y_score : array-like of shape (n_samples,) or (n_samples, n_classes)
        1-D: scores of the positive class, the greater of the two labels (binary). 2-D: one
        column per class in the order of ``labels``; each class is scored one-vs-rest.
    average : {"macro", "weighted"}, default="macro"
        How one-vs-rest scores are averaged: plainly, or weighted by class prevalence.
    labels : array-like, default=None
        The classes; by default the sorted labels of ``y_true``. Every class must occur in
        ``y_true`` and not be the only one.

    References
    ----------
    .. [1] Hanley and McNeil (1982). The meaning and use of the area under a receiver operating
       characteristic (ROC) curve. *Radiology* 143(1), 29-36, Eq. (1)-(2).
    .. [2] Fawcett (2006). An introduction to ROC analysis. *Pattern Recognition Letters*
       27(8), 861-874, Sec. 4.3 (AUC as the Wilcoxon statistic) and Sec. 9.2 (one-vs-rest).

    Examples
    --------
    >>> roc_auc_score([0, 0, 1, 1], [0.1, 0.5, 0.5, 0.9])  # one tie between classes
    0.875
    """
    y_true = check_array(y_true, "y_true", ndim=1, dtype=None)
    S = check_array(y_score, "y_score", ndim=(1, 2))
    check_lengths(y_true, S, "y_true", "y_score")
    check_choice(average, "average", ("macro", "weighted"))
    classes = np.unique(y_true) if labels is None else resolve_labels(labels, y_true)
    if not encode(y_true, classes)[1].all():
        raise ValueError(f"y_true holds labels outside labels {classes.tolist()}")
    if S.ndim == 1:
        if len(classes) != 2:
            raise ValueError(
                f"roc_auc_score with 1-D y_score needs exactly two classes in y_true; got "
                f"{classes.tolist()}"
            )
        return _binary_auc(y_true == classes[1], S)
    if S.shape[1] != len(classes):
        raise ValueError(
            f"y_score has {S.shape[1]} columns but there are {len(classes)} classes "
            f"{classes.tolist()}; pass the classes through labels"
        )
    aucs = np.array([_binary_auc(y_true == c, S[:, k]) for k, c in enumerate(classes)])
    prevalence = np.array([np.sum(y_true == c) for c in classes])
    return float(np.average(aucs, weights=prevalence if average == "weighted" else None))
