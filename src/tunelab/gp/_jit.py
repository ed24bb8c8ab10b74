"""Numba kernels of the stationary covariance functions: kernel matrices and gradient traces.

Plain array-in, array-out functions compiled with ``@njit(cache=True)``; no validation. A
kernel is named by an integer ``kind`` (:data:`RBF`, :data:`MATERN12`, :data:`MATERN32`,
:data:`MATERN52`) and evaluated through its profile in the squared scaled distance
:math:`r^2 = \\sum_k (x_k - y_k)^2 / \\ell_k^2`:

.. math::

    k = s\\,\\kappa(r^2), \\qquad
    \\frac{\\partial k}{\\partial \\log \\ell_k}
    = s\\,\\gamma(r^2)\\,\\frac{(x_k - y_k)^2}{\\ell_k^2},
    \\qquad \\gamma(r^2) = -2\\,\\frac{d\\kappa}{d(r^2)}.

Differences are taken coordinate by coordinate, so :math:`r^2` is exact for near-duplicate
inputs. Their NumPy twins, the readable specifications that the tests compare them with, are
:func:`tunelab.gp.kernels.kernel_matrix_numpy` and the contraction of
:meth:`tunelab.gp.kernels.Kernel.gradient` with ``W``.

References
----------
.. [1] C. E. Rasmussen and C. K. I. Williams, "Gaussian Processes for Machine Learning", MIT
   Press, 2006, Sec. 4.2, Eqs. (4.9), (4.14), (4.17) (squared exponential and Matern).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["MATERN12", "MATERN32", "MATERN52", "RBF", "gradient_trace", "kernel_matrix"]

RBF, MATERN12, MATERN32, MATERN52 = 0, 1, 2, 3
_SQRT3 = math.sqrt(3.0)
_SQRT5 = math.sqrt(5.0)


@njit(cache=True)
def _kappa(r2, kind):
    """The unit-variance profile :math:`\\kappa(r^2)` (R&W Eqs. 4.9 and 4.17)."""
    if kind == RBF:
        return math.exp(-0.5 * r2)
    r = math.sqrt(r2)
    if kind == MATERN12:
        return math.exp(-r)
    if kind == MATERN32:
        a = _SQRT3 * r
        return (1.0 + a) * math.exp(-a)
    a = _SQRT5 * r
    return (1.0 + a + a * a / 3.0) * math.exp(-a)


@njit(cache=True)
def _gamma(r2, kind):
    """:math:`\\gamma(r^2) = -2\\,d\\kappa/d(r^2)`; zero at ``r = 0`` for Matern 1/2."""
    if kind == RBF:
        return math.exp(-0.5 * r2)
    r = math.sqrt(r2)
    if kind == MATERN12:
        return math.exp(-r) / r if r > 0.0 else 0.0
    if kind == MATERN32:
        return 3.0 * math.exp(-_SQRT3 * r)
    a = _SQRT5 * r
    return (5.0 / 3.0) * (1.0 + a) * math.exp(-a)


@njit(cache=True)
def kernel_matrix(X, Y, lengthscale, variance, kind, symmetric):
    """The matrix :math:`K_{ij} = s\\,\\kappa(r^2(x_i, y_j))`, shape ``(n, m)``.

    ``lengthscale`` has one entry per column. With ``symmetric`` (``Y`` is ``X``) only the
    lower triangle is computed and mirrored, and the diagonal is exactly ``variance``.
    """
    n, d = X.shape
    m = Y.shape[0]
    Xs = X / lengthscale
    Ys = Y / lengthscale
    K = np.empty((n, m))
    for i in range(n):
        stop = i + 1 if symmetric else m
        for j in range(stop):
            r2 = 0.0
            for k in range(d):
                t = Xs[i, k] - Ys[j, k]
                r2 += t * t
            value = variance * _kappa(r2, kind)
            K[i, j] = value
            if symmetric:
                K[j, i] = value
    return K


@njit(cache=True)
def gradient_trace(X, lengthscale, variance, kind, ard, W):
    """The contraction :math:`\\sum_{ij} W_{ij}\\,\\partial K_{ij}/\\partial\\theta_p`.

    ``theta`` is (log lengthscales, log variance): ``d + 1`` entries when ``ard``, else 2 (one
    shared lengthscale). With ``W = alpha alpha^T - K^{-1}`` this is twice the gradient of the
    log marginal likelihood (R&W Eq. 5.9), without forming the ``(n, n, n_theta)`` tensor.
    """
    n, d = X.shape
    n_theta = d + 1 if ard else 2
    out = np.zeros(n_theta)
    Xs = X / lengthscale
    diff2 = np.empty(d)
    for i in range(n):
        out[n_theta - 1] += W[i, i] * variance  # kappa(0) = 1; lengthscale terms vanish
        for j in range(i):
            r2 = 0.0
            for k in range(d):
                t = Xs[i, k] - Xs[j, k]
                diff2[k] = t * t
                r2 += diff2[k]
            w = W[i, j] + W[j, i]
            sg = w * variance * _gamma(r2, kind)
            if ard:
                for k in range(d):
                    out[k] += sg * diff2[k]
            else:
                out[0] += sg * r2
            out[n_theta - 1] += w * variance * _kappa(r2, kind)
    return out
