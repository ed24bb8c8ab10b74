r"""Minibatch stochastic gradient descent for the linear models, one Numba epoch at a time.

Each epoch visits the samples in a fresh random order drawn here with a NumPy ``Generator`` and
hands it to the jitted epoch loop of :mod:`tunelab.optim._jit`. The NumPy twins below
(:func:`linear_sgd_epoch_numpy`, :func:`softmax_sgd_epoch_numpy`) state what those loops
compute, minibatch by minibatch.

References
----------
.. [1] Robbins and Monro (1951), "A stochastic approximation method", *Ann. Math. Statist.*
   22(3), 400-407 (steps with :math:`\sum_t \eta_t = \infty`,
   :math:`\sum_t \eta_t^2 < \infty`).
.. [2] Bottou, Curtis and Nocedal (2018), "Optimization methods for large-scale machine
   learning", *SIAM Review* 60(2), Sec. 4, Algorithm 4.1 and Theorem 4.7 (diminishing steps).
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from tunelab._validation import check_array, check_choice, check_random_state, check_scalar
from tunelab.losses import logistic_loss, softmax_loss, squared_loss
from tunelab.optim import _jit
from tunelab.optim.result import OptimizeResult

__all__ = ["linear_sgd_epoch_numpy", "sgd_linear", "softmax_sgd_epoch_numpy"]


def linear_sgd_epoch_numpy(X, y, theta, order, lrs, alpha, fit_intercept, batch_size, logistic):
    """NumPy twin of :func:`tunelab.optim._jit.linear_sgd_epoch` (same arguments and result)."""
    p = X.shape[1]
    theta = theta.copy()
    total = 0.0
    for k, lr in enumerate(lrs):
        batch = order[k * batch_size:(k + 1) * batch_size]
        Xb, yb = X[batch], y[batch]
        w = theta[:p]
        z = Xb @ w + (theta[p] if fit_intercept else 0.0)
        if logistic:
            losses, r = np.logaddexp(0.0, z) - yb * z, expit(z) - yb
        else:
            r = z - yb
            losses = 0.5 * r**2
        total += losses.sum() + 0.5 * alpha * (w @ w) * len(batch)
        step_w = Xb.T @ r / len(batch) + alpha * w
        if fit_intercept:
            theta[p] -= lr * r.mean()
        theta[:p] -= lr * step_w
    return theta, total / X.shape[0]


def softmax_sgd_epoch_numpy(X, y, theta, order, lrs, alpha, fit_intercept, batch_size, n_classes):
    """NumPy twin of :func:`tunelab.optim._jit.softmax_sgd_epoch` (same arguments and result)."""
    n, p = X.shape
    d = p + 1 if fit_intercept else p
    Theta = theta.reshape(n_classes, d).copy()
    total = 0.0
    for k, lr in enumerate(lrs):
        batch = order[k * batch_size:(k + 1) * batch_size]
        Xb, labels = X[batch], y[batch].astype(np.intp)
        Y = np.eye(n_classes)[labels]
        W = Theta[:, :p]
        Z = Xb @ W.T + (Theta[:, p] if fit_intercept else 0.0)
        log_norm = np.logaddexp.reduce(Z, axis=1)
        total += (log_norm - Z[np.arange(len(batch)), labels]).sum()
        total += 0.5 * alpha * np.sum(W**2) * len(batch)
        R = np.exp(Z - log_norm[:, None]) - Y
        step_W = R.T @ Xb / len(batch) + alpha * W
        if fit_intercept:
            Theta[:, p] -= lr * R.mean(axis=0)
        Theta[:, :p] -= lr * step_W
    return Theta.ravel(), total / n


def _learning_rates(schedule: str, eta0: float, start: int, n_batches: int) -> np.ndarray:
    r"""Steps of minibatches ``start, ..., start + n_batches - 1``.

    ``"constant"``: :math:`\eta_t = \eta_0`; ``"invscaling"``:
    :math:`\eta_t = \eta_0 / \sqrt{1 + t / B}`, with :math:`B` minibatches per epoch, so the step
    decays with the number of epochs seen, whatever the batch size (Bottou et al. (2018), Sec. 4).
    """
    if schedule == "constant":
        return np.full(n_batches, eta0)
    t = np.arange(start, start + n_batches, dtype=np.float64)
    return eta0 / np.sqrt(1.0 + t / n_batches)


def _check_targets(y: np.ndarray, loss: str, n_params: int, d: int) -> int:
    """Check ``y`` against ``loss`` and return the number of classes (1 for one output)."""
    if loss == "logistic" and not np.all((y == 0) | (y == 1)):
        raise ValueError("y must hold 0 and 1 only for loss='logistic'")
    if loss != "softmax":
        if n_params != d:
            raise ValueError(f"theta0 must have length {d}; got {n_params}")
        return 1
    K = n_params // d
    if n_params % d or K < 2:
        raise ValueError(
            f"theta0 must have length K * {d} (K >= 2 classes) for loss='softmax'; got {n_params}"
        )
    if not np.all((y == np.round(y)) & (y >= 0) & (y < K)):
        raise ValueError(f"y must hold class indices 0..{K - 1} for loss='softmax'")
    return K


def _objective(theta, X, y, loss, alpha, fit_intercept, K):
    """Full-batch objective and gradient at ``theta``."""
    if loss == "softmax":
        Y = np.eye(K)[y.astype(np.intp)]
        return softmax_loss(theta, X, Y, alpha, fit_intercept)
    fun = logistic_loss if loss == "logistic" else squared_loss
    return fun(theta, X, y, alpha, fit_intercept)


def sgd_linear(
    X: np.ndarray,
    y: np.ndarray,
    theta0: np.ndarray,
    *,
    loss: str,
    alpha: float,
    fit_intercept: bool,
    learning_rate: float,
    batch_size: int = 1,
    epochs: int,
    schedule: str = "constant",
    random_state: int | np.random.Generator | None = None,
    tol: float | None = None,
    n_iter_no_change: int = 5,
) -> OptimizeResult:
    r"""Minimize a linear model's penalized mean loss by minibatch SGD.

    Each epoch shuffles the samples, splits them into minibatches :math:`\mathcal B` of
    ``batch_size`` and updates

    .. math::

        \theta \leftarrow \theta - \eta_t \Big(\frac{1}{|\mathcal B|}\sum_{i\in\mathcal B}
        \nabla \ell_i(\theta) + \alpha\,(w, 0)\Big)

    with the squared, logistic or softmax loss :math:`\ell_i` of :mod:`tunelab.losses`.
    ``schedule="invscaling"`` uses :math:`\eta_t = \eta_0/\sqrt{1 + t/B}` (``t`` counts
    minibatches, ``B`` per epoch), a Robbins-Monro schedule under which SGD converges to the
    minimum; ``"constant"`` keeps :math:`\eta_0` and stalls in a neighbourhood of size
    :math:`O(\eta_0)`.

    With ``tol`` set, training stops (``converged=True``) once the epoch's mean loss has failed
    to fall below the best so far minus ``tol`` for ``n_iter_no_change`` epochs in a row; with
    ``tol=None`` all ``epochs`` run and ``converged`` is True unless the loss became non-finite.

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
    learning_rate : float
        The initial step :math:`\eta_0 > 0`.
    batch_size : int, default=1
        Minibatch size (a larger value is clipped to ``n_samples``).
    epochs : int
        The most passes over the data.
    schedule : {"constant", "invscaling"}, default="constant"
    random_state : int, Generator or None, default=None
        Seeds the per-epoch shuffles.
    tol : float or None, default=None
    n_iter_no_change : int, default=5

    Returns
    -------
    OptimizeResult
        ``n_iter`` counts epochs; ``fun`` and ``grad_norm`` are the full-batch objective and
        gradient at the end; ``loss_curve`` the mean loss of each epoch.

    References
    ----------
    Bottou, Curtis and Nocedal (2018), Algorithm 4.1; Robbins and Monro (1951).
    """
    loss = check_choice(loss, "loss", ("squared", "logistic", "softmax"))
    schedule = check_choice(schedule, "schedule", ("constant", "invscaling"))
    if not isinstance(fit_intercept, (bool, np.bool_)):
        raise TypeError(f"fit_intercept must be a bool; got {fit_intercept!r}")
    fit_intercept = bool(fit_intercept)
    alpha = float(check_scalar(alpha, "alpha", low=0.0))
    eta0 = float(check_scalar(learning_rate, "learning_rate", low=0.0, low_inclusive=False))
    check_scalar(batch_size, "batch_size", kind=int, low=1)
    check_scalar(epochs, "epochs", kind=int, low=1)
    check_scalar(n_iter_no_change, "n_iter_no_change", kind=int, low=1)
    if tol is not None:
        check_scalar(tol, "tol", low=0.0)
    X = np.ascontiguousarray(check_array(X, "X"))
    y = check_array(y, "y", ndim=1)
    if len(y) != len(X):
        raise ValueError(f"X and y must have the same number of samples; got {len(X)} and {len(y)}")
    theta = check_array(theta0, "theta0", ndim=1).copy()
    n, p = X.shape
    K = _check_targets(y, loss, len(theta), p + 1 if fit_intercept else p)
    rng = check_random_state(random_state)
    batch_size = min(int(batch_size), n)
    n_batches = -(-n // batch_size)
    curve, best, stalled, converged = [], np.inf, 0, tol is None
    for epoch in range(epochs):
        order = rng.permutation(n)
        lrs = _learning_rates(schedule, eta0, epoch * n_batches, n_batches)
        with np.errstate(over="ignore", invalid="ignore"):  # without JIT: divergence reported
            if loss == "softmax":
                theta, mean_loss = _jit.softmax_sgd_epoch(
                    X, y, theta, order, lrs, alpha, fit_intercept, batch_size, K
                )
            else:
                theta, mean_loss = _jit.linear_sgd_epoch(
                    X, y, theta, order, lrs, alpha, fit_intercept, batch_size, loss == "logistic"
                )
        curve.append(mean_loss)
        if not np.isfinite(mean_loss):
            converged = False
            break
        if tol is not None:
            stalled = stalled + 1 if mean_loss > best - tol else 0
            best = min(best, mean_loss)
            if stalled >= n_iter_no_change:
                converged = True
                break
    with np.errstate(over="ignore", invalid="ignore"):  # a diverged run reports inf, not warns
        f, g = _objective(theta, X, y, loss, alpha, fit_intercept, K)
    return OptimizeResult(theta, f, float(np.max(np.abs(g))), len(curve), converged, curve)
