r"""SAGA: stochastic gradient steps whose noise vanishes at the optimum (Defazio et al., 2014).

Plain SGD (:mod:`tunelab.optim.sgd`) steps along a minibatch's gradient, whose variance around
the full gradient does not vanish at the minimum; at a constant step it stalls in a
neighbourhood of size :math:`O(\eta)`, and with decaying steps it converges only sublinearly.
SAGA keeps the last gradient :math:`\nabla f_i(\phi_i)` seen for every sample and steps along

.. math::

    g = \frac{1}{|\mathcal B|}\sum_{i\in\mathcal B}\big(\nabla f_i(\theta)
        - \nabla f_i(\phi_i)\big) + \frac1n\sum_{j=1}^n \nabla f_j(\phi_j) + \alpha\,(w, 0),

an unbiased estimate of the full gradient whose variance goes to zero as every
:math:`\phi_i \to \theta^\star`. At a constant step it converges to the exact minimizer:
linearly when the objective is strongly convex (``alpha > 0``), at rate :math:`O(1/k)` in
the objective otherwise. For the linear models the gradient of sample ``i`` is a scalar
residual times its row, :math:`\nabla f_i = v_i\,\ell'(z_i)\,(x_i, 1)` (one residual per
class for the softmax), so the table stores ``n`` (or ``n x K``) numbers, not gradients.

The epochs run in the Numba kernels :func:`tunelab.optim._jit.saga_epoch` and
:func:`tunelab.optim._jit.saga_softmax_epoch`; :func:`saga_epoch_numpy` and
:func:`saga_softmax_epoch_numpy` below state what they compute.

References
----------
.. [1] Defazio, Bach and Lacoste-Julien (2014), "SAGA: A fast incremental gradient method with
   support for non-strongly convex composite objectives", *NeurIPS 27*.
.. [2] Gazagnadou, Gower and Salmon (2019), "Optimal mini-batch and step sizes for SAGA",
   *ICML*, Eq. (12) and Theorem 3.2 (the step for minibatches of ``b`` samples).
"""

from __future__ import annotations

import functools

import numpy as np
from scipy.special import expit, logsumexp

from tunelab._validation import check_array, check_choice, check_random_state, check_scalar
from tunelab.optim import _jit
from tunelab.optim.result import OptimizeResult

__all__ = ["saga_epoch_numpy", "saga_linear", "saga_softmax_epoch_numpy", "saga_step"]

_CURVATURE = {"squared": 1.0, "logistic": 0.25, "softmax": 0.5}  # bounds on the loss's l''


def _lipschitz_search(loss_at, f, g2, lipschitz):
    r"""Double ``lipschitz`` until :math:`f(\theta - \nabla f/\hat L) \le f - g^2/(2\hat L)`,
    where ``loss_at(t)`` is the sample's loss after the step ``t`` along its gradient."""
    if g2 > 1e-8:
        while loss_at(1.0 / lipschitz) > f - 0.5 * g2 / lipschitz:
            lipschitz *= 2.0
    return lipschitz


def _half_squared(z, y):
    return 0.5 * (z - y) ** 2


def _logistic(z, y):
    return np.logaddexp(0.0, z) - y * z


def saga_epoch_numpy(X, y, v, norms, theta, order, table, mean, step, lipschitz, alpha,
                     fit_intercept, batch_size, logistic):
    """NumPy twin of :func:`tunelab.optim._jit.saga_epoch` (same arguments, same updates)."""
    n, p = X.shape
    loss = _logistic if logistic else _half_squared
    for start in range(0, n, batch_size):
        batch = order[start:start + batch_size]
        Xb = X[batch]
        z = Xb @ theta[:p] + (theta[p] if fit_intercept else 0.0)
        r = expit(z) - y[batch] if logistic else z - y[batch]
        if step == 0.0:
            for zi, yi, ri, vi, ni in zip(z, y[batch], r, v[batch], norms[batch], strict=True):
                lipschitz = _lipschitz_search(
                    lambda t, zi=zi, yi=yi, ri=ri, vi=vi, ni=ni: loss(zi - t * vi * ri * ni, yi),
                    loss(zi, yi), vi * ri**2 * ni, lipschitz)
        delta = v[batch] * r - table[batch]
        table[batch] += delta
        change = Xb.T @ delta
        if fit_intercept:
            change = np.append(change, delta.sum())
        penalty = np.zeros_like(theta)
        penalty[:p] = alpha * theta[:p]
        gamma = step if step > 0.0 else 1.0 / (3.0 * (lipschitz + alpha))
        theta -= gamma * (change / len(batch) + mean + penalty)
        mean += change / n
        lipschitz *= 2.0 ** (-len(batch) / n)
    return lipschitz


def saga_softmax_epoch_numpy(X, y, v, norms, theta, order, table, mean, step, lipschitz, alpha,
                             fit_intercept, batch_size, n_classes):
    """NumPy twin of :func:`tunelab.optim._jit.saga_softmax_epoch`."""
    n, p = X.shape
    d = p + 1 if fit_intercept else p
    Theta, Mean = theta.reshape(n_classes, d), mean.reshape(n_classes, d)  # views: in place
    for start in range(0, n, batch_size):
        batch = order[start:start + batch_size]
        Xb = X[batch]
        labels = y[batch].astype(np.intp)
        Z = Xb @ Theta[:, :p].T + (Theta[:, p] if fit_intercept else 0.0)
        R = np.exp(Z - logsumexp(Z, axis=1, keepdims=True)) - np.eye(n_classes)[labels]
        if step == 0.0:
            for zi, li, ri, vi, ni in zip(Z, labels, R, v[batch], norms[batch], strict=True):
                def loss_at(t, zi=zi, li=li, ri=ri, vi=vi, ni=ni):
                    shifted = zi - t * vi * ni * ri
                    return logsumexp(shifted) - shifted[li]
                lipschitz = _lipschitz_search(loss_at, loss_at(0.0), vi * (ri @ ri) * ni,
                                              lipschitz)
        delta = v[batch, None] * R - table[batch]
        table[batch] += delta
        change = delta.T @ Xb
        if fit_intercept:
            change = np.column_stack([change, delta.sum(axis=0)])
        penalty = np.zeros_like(Theta)
        penalty[:, :p] = alpha * Theta[:, :p]
        gamma = step if step > 0.0 else 1.0 / (3.0 * (lipschitz + alpha))
        Theta -= gamma * (change / len(batch) + Mean + penalty)
        Mean += change / n
        lipschitz *= 2.0 ** (-len(batch) / n)
    return lipschitz


def saga_step(X: np.ndarray, loss: str, alpha: float, fit_intercept: bool, batch_size: int,
              sample_weight: np.ndarray | None = None) -> float:
    r"""The step of Gazagnadou, Gower and Salmon (2019) for SAGA with minibatches of ``b``.

    .. math::

        \gamma = \frac{1}{4\max\{\mathcal L(b),\; \rho(b) + \frac{n\mu}{4b}\}},\quad
        \mathcal L(b) = \frac{n(b-1)}{b(n-1)} L + \frac{n-b}{b(n-1)} L_{\max},\quad
        \rho(b) = \frac{n-b}{b(n-1)} L_{\max},

    with :math:`L = c\,\lambda_{\max}(\tilde X^\top V\tilde X/n) + \alpha` the smoothness of the
    objective, :math:`L_{\max} = c\max_i v_i\|\tilde x_i\|^2 + \alpha` that of the worst sample,
    :math:`\mu = \alpha` the strong convexity the penalty guarantees, :math:`\tilde x_i` the row
    with a 1 appended for the intercept, and :math:`c` the loss's largest curvature (1 squared,
    1/4 logistic, 1/2 softmax). For ``b = 1`` it is :math:`1/(4L_{\max} + n\mu)`.
    """
    n = X.shape[0]
    v = np.ones(n) if sample_weight is None else sample_weight
    c = _CURVATURE[loss]
    norms = np.einsum("ij,ij->i", X, X) + float(fit_intercept)
    L_max = c * float(np.max(v * norms)) + alpha
    b = min(int(batch_size), n)
    if n == 1 or b == 1:
        return 1.0 / (4.0 * L_max + n * alpha)
    Xv = X * np.sqrt(v)[:, None]
    gram = Xv.T @ Xv
    if fit_intercept:
        column = Xv.T @ np.sqrt(v)
        gram = np.block([[gram, column[:, None]], [column[None, :], np.array([[v.sum()]])]])
    L = c * float(np.linalg.eigvalsh(gram / n)[-1]) + alpha
    expected = n * (b - 1) / (b * (n - 1)) * L + (n - b) / (b * (n - 1)) * L_max
    rho = (n - b) / (b * (n - 1)) * L_max
    return 1.0 / (4.0 * max(expected, rho + n * alpha / (4.0 * b)))


def _residuals(theta, X, y, v, loss, fit_intercept, K):
    """Per-sample weighted residuals :math:`v_i\\ell'(z_i)` ((n,) or (n, K)) and losses."""
    n, p = X.shape
    if loss == "softmax":
        d = p + int(fit_intercept)
        Theta = theta.reshape(K, d)
        Z = X @ Theta[:, :p].T + (Theta[:, p] if fit_intercept else 0.0)
        log_norm = logsumexp(Z, axis=1)
        labels = y.astype(np.intp)
        losses = log_norm - Z[np.arange(n), labels]
        R = np.exp(Z - log_norm[:, None]) - np.eye(K)[labels]
        return v[:, None] * R, v * losses
    z = X @ theta[:p] + (theta[p] if fit_intercept else 0.0)
    if loss == "logistic":
        return v * (expit(z) - y), v * (np.logaddexp(0.0, z) - y * z)
    return v * (z - y), v * 0.5 * (z - y) ** 2


def _objective(theta, X, y, v, loss, alpha, fit_intercept, K):
    """Full objective, its gradient and the residuals at ``theta``."""
    n, p = X.shape
    R, losses = _residuals(theta, X, y, v, loss, fit_intercept, K)
    if loss == "softmax":
        d = p + int(fit_intercept)
        W = theta.reshape(K, d)[:, :p]
        grad = R.T @ X / n + alpha * W
        if fit_intercept:
            grad = np.column_stack([grad, R.sum(axis=0) / n])
        return float(losses.mean() + 0.5 * alpha * np.vdot(W, W)), grad.ravel(), R
    w = theta[:p]
    grad = X.T @ R / n + alpha * w
    if fit_intercept:
        grad = np.append(grad, R.sum() / n)
    return float(losses.mean() + 0.5 * alpha * (w @ w)), grad, R


def saga_linear(
    X: np.ndarray,
    y: np.ndarray,
    theta0: np.ndarray,
    *,
    loss: str,
    alpha: float,
    fit_intercept: bool,
    epochs: int,
    tol: float,
    step: float | None = None,
    batch_size: int = 1,
    sample_weight: np.ndarray | None = None,
    random_state: int | np.random.Generator | None = None,
) -> OptimizeResult:
    r"""Minimize a linear model's penalized (weighted) mean loss by minibatch SAGA.

    The objective is :math:`\frac1n\sum_i v_i\,\ell(y_i, z_i) + \frac{\alpha}{2}\|w\|^2` with
    the squared, logistic or softmax loss and weights :math:`v_i` (ones by default). The table
    starts at ``theta0`` (one full pass), then every epoch visits the samples in a fresh random
    order; after each epoch the full gradient is computed, and training stops, converged, once
    its largest entry is at most ``tol``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        Real targets (``"squared"``), 0/1 (``"logistic"``) or class indices (``"softmax"``).
    theta0 : ndarray
        Starting parameters in the layout of :mod:`tunelab.losses` (copied).
    loss : {"squared", "logistic", "softmax"}
    alpha : float
        L2 penalty (>= 0), intercepts unpenalized.
    fit_intercept : bool
    epochs : int
        The most passes over the data (the initial pass not counted).
    tol : float
        Stop once :math:`\|\nabla F(\theta)\|_\infty \le` ``tol`` (full batch, > 0).
    step : float or None, default=None
        A constant step (:func:`saga_step` gives the largest with a convergence proof). None:
        the step :math:`1/(3(\hat L + \alpha))` (Defazio et al.'s :math:`1/(3L)`) with the
        smoothness :math:`\hat L` estimated along the way by the line search of Schmidt, Le
        Roux and Bach (2017, Sec. 4.6), started at the worst sample's :math:`L_{\max}`: on
        the logistic loss the curvature near the optimum is far below its bound, and the
        estimated step is up to ten times longer than the proven one.
    batch_size : int, default=1
        Samples per step (a larger value is clipped to ``n_samples``).
    sample_weight : ndarray of shape (n_samples,) or None, default=None
        Positive weights :math:`v_i`, used as given (rescale them to mean 1 for a weighted mean).
    random_state : int, Generator or None, default=None
        Seeds the per-epoch orders.

    Returns
    -------
    OptimizeResult
        ``n_iter`` counts epochs; ``fun`` and ``grad_norm`` are the full objective and the
        largest gradient entry at the end; ``loss_curve`` the full objective at ``theta0`` and
        after every epoch.

    References
    ----------
    Defazio, Bach and Lacoste-Julien (2014); Gazagnadou, Gower and Salmon (2019).
    """
    loss = check_choice(loss, "loss", ("squared", "logistic", "softmax"))
    if not isinstance(fit_intercept, (bool, np.bool_)):
        raise TypeError(f"fit_intercept must be a bool; got {fit_intercept!r}")
    fit_intercept = bool(fit_intercept)
    alpha = float(check_scalar(alpha, "alpha", low=0.0))
    check_scalar(epochs, "epochs", kind=int, low=1)
    tol = float(check_scalar(tol, "tol", low=0.0, low_inclusive=False))
    check_scalar(batch_size, "batch_size", kind=int, low=1)
    X = np.ascontiguousarray(check_array(X, "X"))
    y = check_array(y, "y", ndim=1)
    n, p = X.shape
    if len(y) != n:
        raise ValueError(f"X and y must have the same number of samples; got {n} and {len(y)}")
    v = np.ones(n) if sample_weight is None else check_array(sample_weight, "sample_weight", ndim=1)
    if len(v) != n or np.any(v <= 0):
        raise ValueError("sample_weight must hold one positive weight per sample")
    from tunelab.optim.sgd import _check_targets  # the target checks of plain SGD, shared

    theta = check_array(theta0, "theta0", ndim=1).copy()
    K = _check_targets(y, loss, len(theta), p + int(fit_intercept))
    if step is not None:
        step = float(check_scalar(step, "step", low=0.0, low_inclusive=False))
    rng = check_random_state(random_state)
    batch_size = min(int(batch_size), n)
    norms = np.einsum("ij,ij->i", X, X) + float(fit_intercept)
    lipschitz = _CURVATURE[loss] * float(np.max(v * norms))  # L_max: the safe start
    f, g, table = _objective(theta, X, y, v, loss, alpha, fit_intercept, K)
    table = np.ascontiguousarray(table)
    mean = g - _penalty_gradient(theta, alpha, p, fit_intercept, K)
    curve, converged, epoch = [f], bool(np.max(np.abs(g)) <= tol), 0
    kernel = _jit.saga_softmax_epoch if loss == "softmax" else _jit.saga_epoch
    last = K if loss == "softmax" else loss == "logistic"
    with _one_blas_thread():
        while not converged and epoch < epochs and np.isfinite(f):
            order = rng.permutation(n)
            with np.errstate(over="ignore", invalid="ignore"):  # divergence reported below
                lipschitz = kernel(X, y, v, norms, theta, order, table, mean, step or 0.0,
                                   lipschitz, alpha, fit_intercept, batch_size, last)
                f, g, _ = _objective(theta, X, y, v, loss, alpha, fit_intercept, K)
            epoch += 1
            curve.append(f)
            converged = bool(np.max(np.abs(g)) <= tol)
    grad_norm = float(np.max(np.abs(g))) if np.all(np.isfinite(g)) else np.inf
    return OptimizeResult(theta, f if np.isfinite(f) else np.inf, grad_norm, epoch,
                          converged and np.isfinite(f), curve)


def _penalty_gradient(theta, alpha, p, fit_intercept, K):
    """:math:`\\alpha\\,(w, 0)` in the layout of ``theta``."""
    d = p + int(fit_intercept)
    mask = (np.arange(len(theta)) % d) < p
    return alpha * theta * mask


@functools.cache
def _controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _one_blas_thread():
    """One BLAS thread while SAGA runs (process-wide while the block runs).

    The full gradient after each epoch is two small matrix products beside a single-threaded
    Numba epoch of the same cost; with the BLAS threads of several busy processes competing
    for few cores, they took 80 % of the time (digits: 3.3 s against 0.8 s for 100 epochs).
    """
    return _controller().limit(limits=1, user_api="blas")
