r"""Negative log-likelihoods of the linear models, with gradients and Hessians.

Notation
--------
:math:`n`, :math:`p`
    Numbers of samples and features; ``X`` has shape ``(n, p)``.
:math:`\theta`
    The flat parameter vector ``theta``: ``[w_1, ..., w_p, b]`` with an intercept (intercept
    last), ``w`` without. For ``K`` classes it is the row-major flattening of a ``(K, p + 1)``
    (or ``(K, p)``) array, one row per class, intercept in the last column.
:math:`z = Xw + b`
    The linear predictor (``(n, K)`` logits for the softmax).
:math:`\sigma(z) = 1 / (1 + e^{-z})`
    The logistic function.
:math:`\alpha`
    The L2 penalty ``alpha``: every objective is the **mean** loss over samples plus
    :math:`\tfrac{\alpha}{2}\|w\|^2`; intercepts are never penalized.

Every function returns the objective and its gradient with respect to ``theta`` (same layout);
the gradients and Hessians are those of [1]_ (logistic) and [2]_ (softmax).
They are pure and check shapes only: estimators validate their inputs once, at ``fit``, and the
optimizers call these functions many times on the same arrays.

References
----------
.. [1] Hastie, Tibshirani and Friedman (2009), *The Elements of Statistical Learning*, 2nd ed.,
   Sec. 4.4.1, Eqs. (4.20)-(4.24) (logistic log-likelihood, score and Hessian).
.. [2] Bishop (2006), *Pattern Recognition and Machine Learning*, Sec. 4.3.4, Eqs. (4.108)-(4.110)
   (softmax cross-entropy, gradient, Hessian).
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

__all__ = [
    "logistic_hessian",
    "logistic_loss",
    "logistic_loss_numpy",
    "softmax_hessian",
    "softmax_loss",
    "squared_loss",
]


def _split(theta: np.ndarray, p: int, fit_intercept: bool) -> tuple[np.ndarray, float]:
    """Return ``(w, b)`` from a flat ``theta`` of a single-output model."""
    size = p + 1 if fit_intercept else p
    if theta.shape != (size,):
        raise ValueError(
            f"theta must have shape ({size},) for X with {p} features and "
            f"fit_intercept={fit_intercept}; got {theta.shape}"
        )
    return (theta[:p], float(theta[p])) if fit_intercept else (theta, 0.0)


def _split_rows(theta: np.ndarray, p: int, K: int, fit_intercept: bool):
    """Return ``(W, b)`` of shapes ``(K, p)`` and ``(K,)`` from a flat multinomial ``theta``."""
    d = p + 1 if fit_intercept else p
    if theta.shape != (K * d,):
        raise ValueError(
            f"theta must have shape ({K * d},) for {K} classes, {p} features and "
            f"fit_intercept={fit_intercept}; got {theta.shape}"
        )
    Theta = theta.reshape(K, d)
    return (Theta[:, :p], Theta[:, p]) if fit_intercept else (Theta, np.zeros(K))


def _join(grad_w: np.ndarray, grad_b, fit_intercept: bool) -> np.ndarray:
    """Stack weight and intercept gradients into ``theta``'s layout."""
    if not fit_intercept:
        return np.ascontiguousarray(grad_w).ravel()
    if grad_w.ndim == 1:
        return np.append(grad_w, grad_b)
    return np.column_stack([grad_w, grad_b]).ravel()


def squared_loss(
    theta: np.ndarray, X: np.ndarray, y: np.ndarray, alpha: float, fit_intercept: bool = True
) -> tuple[float, np.ndarray]:
    r"""Mean squared error (halved) with an L2 penalty, and its gradient.

    .. math::

        L(\theta) = \frac{1}{2n}\|y - Xw - b\|^2 + \frac{\alpha}{2}\|w\|^2, \qquad
        \nabla_w L = \frac{1}{n} X^\top r + \alpha w, \quad
        \partial_b L = \frac{1}{n}\textstyle\sum_i r_i, \quad r = Xw + b - y.

    Parameters
    ----------
    theta : ndarray of shape (p + 1,) or (p,)
        ``[w, b]`` with an intercept, ``w`` without.
    X : ndarray of shape (n_samples, p)
    y : ndarray of shape (n_samples,)
    alpha : float
        The L2 penalty strength (intercept unpenalized).
    fit_intercept : bool, default=True

    Returns
    -------
    value : float
    grad : ndarray, same shape as ``theta``

    References
    ----------
    Hastie, Tibshirani and Friedman (2009), Sec. 3.4.1, Eq. (3.41) (ridge objective).
    """
    n, p = X.shape
    w, b = _split(theta, p, fit_intercept)
    r = X @ w
    r += b - y
    value = 0.5 * (r @ r) / n + 0.5 * alpha * (w @ w)
    grad_w = X.T @ r
    grad_w /= n
    grad_w += alpha * w
    return float(value), _join(grad_w, r.sum() / n, fit_intercept)


def logistic_loss(
    theta: np.ndarray, X: np.ndarray, y: np.ndarray, alpha: float, fit_intercept: bool = True
) -> tuple[float, np.ndarray]:
    r"""Mean binary negative log-likelihood with an L2 penalty, and its gradient.

    With :math:`y_i \in \{0, 1\}` and :math:`z = Xw + b`,

    .. math::

        L(\theta) = \frac{1}{n}\sum_i \left[\log(1 + e^{z_i}) - y_i z_i\right]
                    + \frac{\alpha}{2}\|w\|^2, \qquad
        \nabla_w L = \frac{1}{n} X^\top(\sigma(z) - y) + \alpha w, \quad
        \partial_b L = \frac{1}{n}\textstyle\sum_i (\sigma(z_i) - y_i).

    :math:`\log(1 + e^{z})` is evaluated as :math:`\log(1 + e^{-|z|}) + \max(z, 0)` and
    :math:`\sigma(z)` from the same :math:`e^{-|z|}`, both exact for any finite ``z``. For a
    C-contiguous float64 ``X`` a Numba kernel computes the sums in a single pass over the rows
    (each row is read once for its dot product and its gradient term), half the memory traffic
    of ``X @ w`` followed by ``X.T @ r``; :func:`logistic_loss_numpy` is the same function in
    NumPy (used for other layouts and when Numba's JIT is disabled).

    Parameters
    ----------
    theta : ndarray of shape (p + 1,) or (p,)
    X : ndarray of shape (n_samples, p)
    y : ndarray of shape (n_samples,)
        Targets in {0, 1}.
    alpha : float
    fit_intercept : bool, default=True

    Returns
    -------
    value : float
    grad : ndarray, same shape as ``theta``

    References
    ----------
    Hastie, Tibshirani and Friedman (2009), Sec. 4.4.1, Eqs. (4.20) and (4.21).
    """
    if not (X.flags.c_contiguous and X.dtype == np.float64) or _jit_disabled():
        return logistic_loss_numpy(theta, X, y, alpha, fit_intercept)
    from tunelab._jit import logistic_loss_grad

    n, p = X.shape
    w, b = _split(theta, p, fit_intercept)
    w = np.ascontiguousarray(w)
    total, grad_w, grad_b = logistic_loss_grad(X, np.asarray(y, dtype=np.float64), w, b)
    grad_w /= n
    grad_w += alpha * w
    value = total / n + 0.5 * alpha * (w @ w)
    return float(value), _join(grad_w, grad_b / n, fit_intercept)


def _jit_disabled() -> bool:
    from numba import config

    return bool(config.DISABLE_JIT)


def logistic_loss_numpy(
    theta: np.ndarray, X: np.ndarray, y: np.ndarray, alpha: float, fit_intercept: bool = True
) -> tuple[float, np.ndarray]:
    """:func:`logistic_loss` in NumPy: one ``X @ w``, one ``X.T @ r``, work arrays reused."""
    n, p = X.shape
    w, b = _split(theta, p, fit_intercept)
    z = X @ w
    if fit_intercept:
        z += b
    work = np.logaddexp(0.0, z)
    value = (work.sum() - y @ z) / n + 0.5 * alpha * (w @ w)
    r = expit(z, out=work)
    r -= y
    grad_w = X.T @ r
    grad_w /= n
    grad_w += alpha * w
    return float(value), _join(grad_w, r.sum() / n, fit_intercept)


def logistic_hessian(
    theta: np.ndarray, X: np.ndarray, y: np.ndarray, alpha: float, fit_intercept: bool = True
) -> np.ndarray:
    r"""Hessian of :func:`logistic_loss` (the mean observed Fisher information plus the penalty).

    .. math::

        H = \frac{1}{n}\tilde X^\top S \tilde X + \alpha\,\mathrm{diag}(1, \dots, 1, 0), \qquad
        S = \mathrm{diag}\big(\sigma(z_i)(1 - \sigma(z_i))\big),

    where :math:`\tilde X = [X, 1]` with an intercept (whose penalty entry is 0). ``y`` does
    not enter (canonical link) and is accepted for a uniform signature.

    Returns
    -------
    H : ndarray of shape (len(theta), len(theta))

    References
    ----------
    Hastie, Tibshirani and Friedman (2009), Sec. 4.4.1, Eq. (4.22).
    """
    n, p = X.shape
    w, b = _split(theta, p, fit_intercept)
    mu = expit(X @ w + b)
    s = mu * (1.0 - mu)
    H = _weighted_gram(X, s, fit_intercept) / n
    H[np.arange(p), np.arange(p)] += alpha
    return H


def _weighted_gram(X: np.ndarray, s: np.ndarray, fit_intercept: bool) -> np.ndarray:
    r""":math:`\tilde X^\top \mathrm{diag}(s) \tilde X` without forming :math:`\tilde X`,
    symmetrized so that round-off leaves it exactly symmetric."""
    p = X.shape[1]
    Xs = X * s[:, None]
    G = np.empty((p + 1, p + 1)) if fit_intercept else np.empty((p, p))
    G[:p, :p] = X.T @ Xs
    G[:p, :p] += G[:p, :p].T.copy()
    G[:p, :p] *= 0.5
    if fit_intercept:
        G[:p, p] = G[p, :p] = Xs.sum(axis=0)
        G[p, p] = s.sum()
    return G


def _softmax_logits(theta, X, K, fit_intercept):
    """Return ``(W, Z, log_norm)``: weights, logits ``(n, K)`` and their row log-sum-exp."""
    W, b = _split_rows(theta, X.shape[1], K, fit_intercept)
    Z = X @ W.T
    Z += b
    m = Z.max(axis=1)
    log_norm = m + np.log(np.exp(Z - m[:, None]).sum(axis=1))
    return W, Z, log_norm


def softmax_loss(
    theta: np.ndarray, X: np.ndarray, Y: np.ndarray, alpha: float, fit_intercept: bool = True
) -> tuple[float, np.ndarray]:
    r"""Mean multinomial negative log-likelihood (cross-entropy) with an L2 penalty.

    With one row :math:`(w_k, b_k)` per class, logits :math:`Z = XW^\top + b` and one-hot
    targets :math:`Y`,

    .. math::

        L(\theta) = \frac{1}{n}\sum_i \Big[\log\sum_k e^{Z_{ik}} - \sum_k Y_{ik} Z_{ik}\Big]
                    + \frac{\alpha}{2}\|W\|_F^2, \qquad
        \nabla_W L = \frac{1}{n}(P - Y)^\top X + \alpha W, \quad
        \nabla_b L = \frac{1}{n}(P - Y)^\top 1,

    with :math:`P = \mathrm{softmax}(Z)` row-wise. The log-sum-exp subtracts the row maximum.

    Parameters
    ----------
    theta : ndarray of shape (K * (p + 1),) or (K * p,)
        Row-major ``(K, p + 1)`` (or ``(K, p)``), intercept in the last column.
    X : ndarray of shape (n_samples, p)
    Y : ndarray of shape (n_samples, K)
        One-hot targets (any rows of probabilities summing to one are accepted).
    alpha : float
    fit_intercept : bool, default=True

    Returns
    -------
    value : float
    grad : ndarray, same shape as ``theta``

    References
    ----------
    Bishop (2006), Sec. 4.3.4, Eqs. (4.108) and (4.109).
    """
    n, K = Y.shape
    W, Z, log_norm = _softmax_logits(theta, X, K, fit_intercept)
    value = (log_norm.sum() - np.vdot(Y, Z)) / n + 0.5 * alpha * np.vdot(W, W)
    R = np.exp(Z - log_norm[:, None])
    R -= Y
    grad_W = R.T @ X
    grad_W /= n
    grad_W += alpha * W
    return float(value), _join(grad_W, R.sum(axis=0) / n, fit_intercept)


def softmax_hessian(
    theta: np.ndarray, X: np.ndarray, Y: np.ndarray, alpha: float, fit_intercept: bool = True
) -> np.ndarray:
    r"""Dense Hessian of :func:`softmax_loss`, of shape ``(K d, K d)`` with ``d = len(row)``.

    .. math::

        H_{(k,\cdot),(l,\cdot)} = \frac{1}{n}\tilde X^\top
            \mathrm{diag}\big(P_{\cdot k}(\delta_{kl} - P_{\cdot l})\big)\tilde X
            + \alpha\,\delta_{kl}\,\mathrm{diag}(1, \dots, 1, 0).

    The blocks are built one pair of classes at a time, so the memory is :math:`O(nd + K^2d^2)`.
    The matrix is positive semi-definite and singular: adding one vector to every class row
    leaves the probabilities unchanged (the intercept directions stay singular for any alpha).

    References
    ----------
    Bishop (2006), Sec. 4.3.4, Eq. (4.110).
    """
    n, K = Y.shape
    p = X.shape[1]
    d = p + 1 if fit_intercept else p
    _, Z, log_norm = _softmax_logits(theta, X, K, fit_intercept)
    P = np.exp(Z - log_norm[:, None])
    H = np.empty((K * d, K * d))
    for k in range(K):
        for l in range(k, K):
            s = P[:, k] * ((k == l) - P[:, l])
            block = _weighted_gram(X, s, fit_intercept) / n
            H[k * d:(k + 1) * d, l * d:(l + 1) * d] = block
            H[l * d:(l + 1) * d, k * d:(k + 1) * d] = block.T
    penalized = np.flatnonzero(np.arange(K * d) % d < p)
    H[penalized, penalized] += alpha
    return H
