"""Minibatch training of a network: epochs, validation splits and validation scores.

One epoch draws a permutation of the training rows, gathers the rows once in that order and
walks through them in contiguous minibatches; each minibatch is one forward/backward pass and
one step of the update rule on the flat parameter vector, all in preallocated buffers.

References
----------
Bottou, L. (2012). Stochastic gradient descent tricks. In *Neural Networks: Tricks of the
Trade*, 2nd ed., LNCS 7700, 421-436 (shuffling every epoch, Sec. 4).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tunelab.models import _mlp_layers as layers
from tunelab.optim.rules import UpdateRule


@dataclass
class Network:
    """What a pass needs besides the data: layer widths, activation, head and penalty."""

    sizes: tuple[int, ...]
    activation: str
    head: str
    alpha: float


def run_epoch(theta: np.ndarray, rule: UpdateRule, X: np.ndarray, y: np.ndarray,
              order: np.ndarray, batch_size: int, net: Network) -> float:
    """Train one epoch in place on ``theta``; return the mean minibatch objective.

    Parameters
    ----------
    theta : ndarray of shape (n_params,)
        The flat parameters, updated in place.
    rule : UpdateRule
        Applied once per minibatch to ``[theta]``.
    X : ndarray of shape (n_samples, n_features)
    y : ndarray
        Class indices (softmax head) or targets of shape (n_samples, n_outputs).
    order : ndarray of shape (n_samples,)
        The permutation of the rows for this epoch.
    batch_size : int
        The minibatch size; the last minibatch holds the remainder.
    net : Network

    Returns
    -------
    float
        :math:`\\frac{1}{n}\\sum_B |B|\\, J_B(\\theta_B)`: the objective of each minibatch at the
        parameters it was evaluated at, weighted by its size.
    """
    n = len(X)
    batch_size = min(batch_size, n)
    X_order = np.take(X, order, axis=0)  # one gather per epoch; minibatches are then slices
    y_order = np.take(y, order, axis=0)
    work = layers.workspace(theta, net.sizes, batch_size)
    params, grads = [theta], [work.grad]
    total = 0.0
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        value = layers.loss_grad_into(work, X_order[start:stop], y_order[start:stop],
                                      net.activation, net.head, net.alpha)
        rule.step(params, grads)
        total += value * (stop - start)
    return total / n


def validation_split(n: int, fraction: float, rng: np.random.Generator,
                     labels: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Split ``range(n)`` into ``(train, validation)`` row indices, at random.

    With ``labels`` (class indices) the split is stratified: each class with at least two
    rows sends ``round(fraction * count)`` of them (and at most all but one) to validation.
    Raises ``ValueError`` when either part would be empty.
    """
    if labels is None:
        perm = rng.permutation(n)
        n_val = int(round(fraction * n))
        val, train = perm[:n_val], perm[n_val:]
    else:
        val_parts, train_parts = [], []
        for c in range(int(labels.max()) + 1):
            idx = rng.permutation(np.flatnonzero(labels == c))
            k = min(int(round(fraction * len(idx))), max(len(idx) - 1, 0))
            val_parts.append(idx[:k])
            train_parts.append(idx[k:])
        val, train = np.concatenate(val_parts), np.concatenate(train_parts)
    if len(val) == 0 or len(train) == 0:
        raise ValueError(
            f"validation_fraction={fraction} leaves {len(train)} training and {len(val)} "
            f"validation samples out of {n}; both must be at least 1"
        )
    return train, val


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """The fraction of equal entries."""
    return float(np.mean(y_true == y_pred))


def r2(Y_true: np.ndarray, Y_pred: np.ndarray) -> float:
    """The coefficient of determination, averaged over outputs (columns).

    .. math:: R^2 = 1 - \\frac{\\sum_i (y_i - \\hat y_i)^2}{\\sum_i (y_i - \\bar y)^2};

    a constant target column scores 1 if predicted exactly, else 0.
    """
    ss_res = np.sum((Y_true - Y_pred) ** 2, axis=0)
    ss_tot = np.sum((Y_true - Y_true.mean(axis=0)) ** 2, axis=0)
    safe = ss_tot > 0
    scores = np.where(ss_res == 0, 1.0, 0.0)
    scores[safe] = 1.0 - ss_res[safe] / ss_tot[safe]
    return float(np.mean(scores))
