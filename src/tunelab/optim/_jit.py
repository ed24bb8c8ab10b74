"""Numba kernels of the linear models: one epoch of minibatch SGD, and a one-pass logistic loss.

Plain array-in, array-out functions compiled with ``@njit(cache=True)``; no validation and no
random numbers (the caller draws the sample order). The fast-math flags ``reassoc`` and
``contract`` (no others: NaN and infinity keep their meaning) let the inner products vectorize;
they change the order of summation, at the level of round-off. The kernels' NumPy twins, the
readable specifications that the tests compare them with, are
:func:`tunelab.optim.sgd.linear_sgd_epoch_numpy`, :func:`tunelab.optim.sgd.softmax_sgd_epoch_numpy`
and :func:`tunelab.losses.logistic_loss_numpy`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["linear_sgd_epoch", "logistic_loss_grad", "softmax_sgd_epoch"]


@njit(cache=True, fastmath={"reassoc", "contract"})
def logistic_loss_grad(X, y, w, b):
    """Summed logistic loss and its gradient in one pass over the rows of ``X``.

    Returns ``(sum_i l_i, sum_i r_i x_i, sum_i r_i)`` with ``z_i = x_i @ w + b``,
    ``l_i = log(1 + e^{z_i}) - y_i z_i`` and ``r_i = sigmoid(z_i) - y_i``. Each row is read
    once: its dot product and its gradient term use it while it is in cache, so the kernel
    streams ``X`` once where ``X @ w`` then ``X.T @ r`` stream it twice. ``reassoc`` lets the
    dot products vectorize (a summation-order change, of the size of round-off).
    """
    n, p = X.shape
    grad = np.zeros(p)
    grad_b = 0.0
    total = 0.0
    for i in range(n):
        z = b
        for j in range(p):
            z += X[i, j] * w[j]
        e = math.exp(-abs(z))  # log(1 + e^z) = log1p(e^-|z|) + max(z, 0)
        total += math.log1p(e) + max(z, 0.0) - y[i] * z
        r = (1.0 / (1.0 + e) if z >= 0.0 else e / (1.0 + e)) - y[i]
        grad_b += r
        for j in range(p):
            grad[j] += r * X[i, j]
    return total, grad, grad_b


@njit(cache=True, fastmath={"reassoc", "contract"})
def linear_sgd_epoch(X, y, theta, order, lrs, alpha, fit_intercept, batch_size, logistic):
    """One epoch of minibatch SGD on the squared (``logistic=False``) or logistic loss.

    Minibatch ``k`` is ``order[k * batch_size:(k + 1) * batch_size]`` and takes the step
    ``lrs[k]`` along the gradient of its mean loss plus ``(alpha/2)||w||^2``. Returns the new
    ``theta`` (a copy) and the epoch's mean loss, each minibatch's loss (penalty included)
    being taken before its step.
    """
    n, p = X.shape
    theta = theta.copy()
    grad = np.empty(p)
    total = 0.0
    for k in range(lrs.shape[0]):
        start = k * batch_size
        stop = min(start + batch_size, n)
        grad[:] = 0.0
        grad_b = 0.0
        batch_loss = 0.0
        for t in range(start, stop):
            i = order[t]
            z = theta[p] if fit_intercept else 0.0
            for j in range(p):
                z += X[i, j] * theta[j]
            if logistic:
                e = math.exp(-abs(z))  # log(1 + e^z) = log1p(e^-|z|) + max(z, 0)
                batch_loss += math.log1p(e) + max(z, 0.0) - y[i] * z
                sig = 1.0 / (1.0 + e) if z >= 0.0 else e / (1.0 + e)
                r = sig - y[i]
            else:
                r = z - y[i]
                batch_loss += 0.5 * r * r
            for j in range(p):
                grad[j] += r * X[i, j]
            grad_b += r
        m = stop - start
        w_sq = 0.0
        for j in range(p):
            w_sq += theta[j] * theta[j]
        total += batch_loss + 0.5 * alpha * w_sq * m
        lr = lrs[k]
        for j in range(p):
            theta[j] -= lr * (grad[j] / m + alpha * theta[j])
        if fit_intercept:
            theta[p] -= lr * grad_b / m
    return theta, total / n


@njit(cache=True, fastmath={"reassoc", "contract"})
def softmax_sgd_epoch(X, y, theta, order, lrs, alpha, fit_intercept, batch_size, n_classes):
    """One epoch of minibatch SGD on the softmax cross-entropy.

    ``y`` holds class indices (as floats) and ``theta`` the row-major ``(K, d)`` parameters,
    one row per class, intercept last. Same conventions as :func:`linear_sgd_epoch`.
    """
    n, p = X.shape
    K = n_classes
    d = p + 1 if fit_intercept else p
    theta = theta.copy()
    grad = np.empty(K * d)
    z = np.empty(K)
    total = 0.0
    for k in range(lrs.shape[0]):
        start = k * batch_size
        stop = min(start + batch_size, n)
        grad[:] = 0.0
        batch_loss = 0.0
        for t in range(start, stop):
            i = order[t]
            z_max = -np.inf
            for c in range(K):
                zc = theta[c * d + p] if fit_intercept else 0.0
                for j in range(p):
                    zc += X[i, j] * theta[c * d + j]
                z[c] = zc
                z_max = max(z_max, zc)
            label = int(y[i])
            batch_loss += z_max - z[label]  # log-sum-exp(z) - z_label, shifted by z_max
            norm = 0.0
            for c in range(K):
                z[c] = math.exp(z[c] - z_max)
                norm += z[c]
            batch_loss += math.log(norm)
            for c in range(K):
                r = z[c] / norm - (1.0 if c == label else 0.0)
                for j in range(p):
                    grad[c * d + j] += r * X[i, j]
                if fit_intercept:
                    grad[c * d + p] += r
        m = stop - start
        w_sq = 0.0
        for c in range(K):
            for j in range(p):
                w_sq += theta[c * d + j] * theta[c * d + j]
        total += batch_loss + 0.5 * alpha * w_sq * m
        lr = lrs[k]
        for c in range(K):
            for j in range(d):
                penalty = alpha * theta[c * d + j] if j < p else 0.0
                theta[c * d + j] -= lr * (grad[c * d + j] / m + penalty)
    return theta, total / n
