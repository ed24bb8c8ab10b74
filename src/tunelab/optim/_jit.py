"""Numba kernels of the linear models: one epoch of minibatch SGD, and one epoch of SAGA.

Plain array functions compiled with ``@njit(cache=True)``; no validation and no random numbers
(the caller draws the sample order). The SGD epochs return a new ``theta``; the SAGA epochs
update ``theta``, the gradient table and its mean in place. The fast-math flags ``reassoc`` and
``contract`` (no others: NaN and infinity keep their meaning) let the inner products vectorize;
they change the order of summation, at the level of round-off. The kernels' NumPy twins, the
readable specifications that the tests compare them with, are
:func:`tunelab.optim.sgd.linear_sgd_epoch_numpy`, :func:`tunelab.optim.sgd.softmax_sgd_epoch_numpy`,
:func:`tunelab.optim.saga.saga_epoch_numpy` and :func:`tunelab.optim.saga.saga_softmax_epoch_numpy`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["linear_sgd_epoch", "saga_epoch", "saga_softmax_epoch", "softmax_sgd_epoch"]


_FAST = {"reassoc", "contract"}


@njit(cache=True, fastmath=_FAST)
def _score(X, i, theta, row, p, fit_intercept):
    """:math:`x_i^\\top w_c + b_c`, with class ``c``'s parameters at ``theta[row:row + d]``."""
    z = theta[row + p] if fit_intercept else 0.0
    for j in range(p):
        z += X[i, j] * theta[row + j]
    return z


@njit(cache=True, fastmath=_FAST)
def _add_gradient(grad, X, i, r, row, p, fit_intercept):
    """Add sample ``i``'s gradient ``r x_i`` (and ``r`` for the intercept) to class ``row``'s."""
    for j in range(p):
        grad[row + j] += r * X[i, j]
    if fit_intercept:
        grad[row + p] += r


@njit(cache=True, fastmath=_FAST)
def _penalized_step(theta, grad, lr, alpha, m, K, d, p):
    """The step of one minibatch of ``m`` samples, shared by both epochs:
    :math:`\\theta \\leftarrow \\theta - \\eta (g/m + \\alpha w)` (intercepts unpenalized).
    Returns the minibatch's penalty :math:`m \\tfrac{\\alpha}{2}\\|W\\|^2`, taken before the
    step."""
    w_sq = 0.0
    for c in range(K):
        for j in range(p):
            w_sq += theta[c * d + j] * theta[c * d + j]
    for c in range(K):
        for j in range(d):
            penalty = alpha * theta[c * d + j] if j < p else 0.0
            theta[c * d + j] -= lr * (grad[c * d + j] / m + penalty)
    return 0.5 * alpha * w_sq * m


@njit(cache=True, fastmath=_FAST)
def linear_sgd_epoch(X, y, theta, order, lrs, alpha, fit_intercept, batch_size, logistic):
    """One epoch of minibatch SGD on the squared (``logistic=False``) or logistic loss.

    Minibatch ``k`` is ``order[k * batch_size:(k + 1) * batch_size]`` and takes the step
    ``lrs[k]`` along the gradient of its mean loss plus ``(alpha/2)||w||^2``. Returns the new
    ``theta`` (a copy) and the epoch's mean loss, each minibatch's loss (penalty included)
    being taken before its step. ``theta`` is one row of :func:`softmax_sgd_epoch`'s layout.
    """
    n, p = X.shape
    d = theta.shape[0]
    theta = theta.copy()
    grad = np.empty(d)
    total = 0.0
    for k in range(lrs.shape[0]):
        start = k * batch_size
        stop = min(start + batch_size, n)
        grad[:] = 0.0
        for t in range(start, stop):
            i = order[t]
            z = _score(X, i, theta, 0, p, fit_intercept)
            if logistic:
                e = math.exp(-abs(z))  # log(1 + e^z) = log1p(e^-|z|) + max(z, 0)
                total += math.log1p(e) + max(z, 0.0) - y[i] * z
                sig = 1.0 / (1.0 + e) if z >= 0.0 else e / (1.0 + e)
                r = sig - y[i]
            else:
                r = z - y[i]
                total += 0.5 * r * r
            _add_gradient(grad, X, i, r, 0, p, fit_intercept)
        total += _penalized_step(theta, grad, lrs[k], alpha, stop - start, 1, d, p)
    return theta, total / n


@njit(cache=True, fastmath=_FAST)
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
        for t in range(start, stop):
            i = order[t]
            z_max = -np.inf
            for c in range(K):
                z[c] = _score(X, i, theta, c * d, p, fit_intercept)
                z_max = max(z_max, z[c])
            label = int(y[i])
            total += z_max - z[label]  # log-sum-exp(z) - z_label, shifted by z_max
            norm = 0.0
            for c in range(K):
                z[c] = math.exp(z[c] - z_max)
                norm += z[c]
            total += math.log(norm)
            for c in range(K):
                r = z[c] / norm - (1.0 if c == label else 0.0)
                _add_gradient(grad, X, i, r, c * d, p, fit_intercept)
        total += _penalized_step(theta, grad, lrs[k], alpha, stop - start, K, d, p)
    return theta, total / n


@njit(cache=True)
def _glm_loss(z, y, logistic):
    """The loss of one sample at the linear predictor ``z``: logistic or half squared."""
    if logistic:
        return math.log1p(math.exp(-abs(z))) + max(z, 0.0) - y * z
    return 0.5 * (z - y) * (z - y)


@njit(cache=True, fastmath=_FAST)
def saga_epoch(X, y, v, norms, theta, order, table, mean, step, lipschitz, alpha,
               fit_intercept, batch_size, logistic):
    r"""One epoch of minibatch SAGA on the squared (``logistic=False``) or logistic loss.

    ``table[i]`` holds sample ``i``'s stored residual :math:`v_i\,\ell'(z_i)` (its stored
    gradient is ``table[i] * (x_i, 1)``) and ``mean`` the average of the stored gradients over
    all ``n`` samples. Minibatch ``B = order[k * batch_size:(k + 1) * batch_size]`` computes its
    new residuals at the current ``theta``, steps along
    ``sum_{i in B} (new_i - table[i]) (x_i, 1) / |B| + mean + alpha (w, 0)``, then writes the new
    residuals into ``table`` and their change into ``mean``. Updates ``theta``, ``table`` and
    ``mean`` in place.

    ``step > 0`` is a constant step. ``step == 0`` takes the step :math:`1/(3(\hat L+\alpha))`
    with :math:`\hat L` (starting at ``lipschitz``) estimated as in Schmidt, Le Roux and Bach
    (2017, Sec. 4.6): doubled until each visited sample's loss satisfies
    :math:`f_i(\theta - \nabla f_i/\hat L) \le f_i(\theta) - \|\nabla f_i\|^2/(2\hat L)`, and
    multiplied by :math:`2^{-1/n}` after every step. ``norms[i]`` is :math:`\|(x_i, 1)\|^2`, so
    the test costs O(1) per sample. Returns the final :math:`\hat L`.
    """
    n, p = X.shape
    d = theta.shape[0]
    change = np.empty(d)
    decay = 2.0 ** (-1.0 / n)
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        change[:] = 0.0
        for t in range(start, stop):
            i = order[t]
            z = theta[p] if fit_intercept else 0.0
            for j in range(p):
                z += X[i, j] * theta[j]
            if logistic:
                e = math.exp(-abs(z))
                r = (1.0 / (1.0 + e) if z >= 0.0 else e / (1.0 + e)) - y[i]
            else:
                r = z - y[i]
            if step == 0.0:
                g2 = v[i] * r * r * norms[i]  # ||grad f_i||^2 / v_i
                if g2 > 1e-8:
                    f = _glm_loss(z, y[i], logistic)
                    while _glm_loss(z - v[i] * r * norms[i] / lipschitz, y[i], logistic) > (
                        f - 0.5 * g2 / lipschitz
                    ):
                        lipschitz *= 2.0
            delta = v[i] * r - table[i]
            table[i] += delta
            for j in range(p):
                change[j] += delta * X[i, j]
            if fit_intercept:
                change[p] += delta
        m = stop - start
        gamma = step if step > 0.0 else 1.0 / (3.0 * (lipschitz + alpha))
        for j in range(d):
            penalty = alpha * theta[j] if j < p else 0.0
            theta[j] -= gamma * (change[j] / m + mean[j] + penalty)
            mean[j] += change[j] / n
        lipschitz *= decay ** m
    return lipschitz



@njit(cache=True)
def _softmax_sample_loss(z, label, r, scale):
    """Cross-entropy of one sample at the logits ``z - scale * r`` (``r`` the residuals)."""
    z_max = -np.inf
    for c in range(z.shape[0]):
        z_max = max(z_max, z[c] - scale * r[c])
    norm = 0.0
    for c in range(z.shape[0]):
        norm += math.exp(z[c] - scale * r[c] - z_max)
    return z_max + math.log(norm) - (z[label] - scale * r[label])


@njit(cache=True, fastmath=_FAST)
def saga_softmax_epoch(X, y, v, norms, theta, order, table, mean, step, lipschitz, alpha,
                       fit_intercept, batch_size, n_classes):
    """One epoch of minibatch SAGA on the softmax cross-entropy.

    As :func:`saga_epoch` with ``K = n_classes`` residuals per sample: ``table`` is (n, K),
    ``table[i, c] = v_i (softmax(z_i)_c - [y_i = c])``, and ``theta`` and ``mean`` are the
    row-major (K, d) parameters and stored-gradient mean, one row per class, intercept last.
    Returns the final Lipschitz estimate (``step == 0``: the adaptive step of
    :func:`saga_epoch`).
    """
    n, p = X.shape
    K = n_classes
    d = p + 1 if fit_intercept else p
    change = np.empty(K * d)
    z = np.empty(K)
    r = np.empty(K)
    decay = 2.0 ** (-1.0 / n)
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        change[:] = 0.0
        for t in range(start, stop):
            i = order[t]
            z_max = -np.inf
            for c in range(K):
                zc = theta[c * d + p] if fit_intercept else 0.0
                for j in range(p):
                    zc += X[i, j] * theta[c * d + j]
                z[c] = zc
                z_max = max(z_max, zc)
            norm = 0.0
            for c in range(K):
                norm += math.exp(z[c] - z_max)
            label = int(y[i])
            r_sq = 0.0
            for c in range(K):
                r[c] = math.exp(z[c] - z_max) / norm - (1.0 if c == label else 0.0)
                r_sq += r[c] * r[c]
            if step == 0.0:
                g2 = v[i] * r_sq * norms[i]
                if g2 > 1e-8:
                    f = z_max + math.log(norm) - z[label]
                    while _softmax_sample_loss(z, label, r, v[i] * norms[i] / lipschitz) > (
                        f - 0.5 * g2 / lipschitz
                    ):
                        lipschitz *= 2.0
            for c in range(K):
                delta = v[i] * r[c] - table[i, c]
                table[i, c] += delta
                for j in range(p):
                    change[c * d + j] += delta * X[i, j]
                if fit_intercept:
                    change[c * d + p] += delta
        m = stop - start
        gamma = step if step > 0.0 else 1.0 / (3.0 * (lipschitz + alpha))
        for c in range(K):
            for j in range(d):
                k = c * d + j
                penalty = alpha * theta[k] if j < p else 0.0
                theta[k] -= gamma * (change[k] / m + mean[k] + penalty)
                mean[k] += change[k] / n
        lipschitz *= decay ** m
    return lipschitz
