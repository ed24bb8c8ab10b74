"""Numba kernel of :mod:`tunelab.losses`: the logistic loss and its gradient in one pass.

Compiled with ``@njit(cache=True)`` and the fast-math flags ``reassoc`` and ``contract`` only
(NaN and infinity keep their meaning), which let the inner products vectorize at the cost of a
summation-order change of the size of round-off. Its NumPy twin, the readable specification the
tests compare it with, is :func:`tunelab.losses.logistic_loss_numpy`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["logistic_loss_grad"]


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
