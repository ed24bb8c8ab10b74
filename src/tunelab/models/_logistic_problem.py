r"""The objective of one logistic fit and the five ways of minimizing it.

:class:`LogisticProblem` holds the data of a :class:`~tunelab.models.LogisticRegression` fit
(labels as class indices, optional sample weights) and minimizes the mean negative
log-likelihood plus :math:`\tfrac{\alpha}{2}\|W\|^2` by Newton, L-BFGS, gradient descent,
SGD or SAGA; with unequal weights the loss and Hessian are :func:`_weighted_loss` and
:func:`_weighted_hessian`.

References
----------
.. [1] R. M. Gower, N. Loizou, X. Qian, A. Sailanbayev, E. Shulgin and P. Richtárik, "SGD:
   general analysis and improved rates", ICML 2019 (the expected smoothness of a minibatch
   drawn without replacement, behind :meth:`LogisticProblem.default_sgd_step`).
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.linalg import LinAlgError, cholesky, solve_triangular
from scipy.optimize import minimize
from scipy.special import expit

from tunelab.losses import (
    _softmax_logits,
    _split,
    _weighted_gram,
    logistic_hessian,
    logistic_loss,
    softmax_hessian,
    softmax_loss,
)
from tunelab.optim.result import OptimizeResult

_SHIFT_RIDGE = 1e-10  # relative ridge removing the softmax's shift null space from Newton's H
_EPS = np.finfo(np.float64).eps

class LogisticProblem:
    """The objective of one fit and the five ways of minimizing it."""

    def __init__(self, X, y_index, K, alpha, fit_intercept, weights=None):
        self.X, self.y_index, self.K = X, y_index, K
        self.alpha, self.fit_intercept = alpha, fit_intercept
        self.d = X.shape[1] + int(fit_intercept)
        self.n_params = self.d if K == 2 else K * self.d
        self.target = y_index.astype(np.float64) if K == 2 else np.eye(K)[y_index]
        # positive weights rescaled to mean one (None: unweighted); the weighted mean loss is
        # then mean_i(v_i l_i), and sum(weights) is the sample size of the information
        equal = weights is None or np.ptp(weights) == 0  # equal weights: the unweighted loss
        self.v = None if equal else weights * (len(weights) / weights.sum())
        self.n_total = len(X) if weights is None else float(weights.sum())

    def loss(self, theta):
        if self.v is not None:
            return _weighted_loss(theta, self.X, self.target, self.v, self.alpha,
                                  self.fit_intercept)
        fun = logistic_loss if self.K == 2 else softmax_loss
        return fun(theta, self.X, self.target, self.alpha, self.fit_intercept)

    def hessian(self, theta, alpha):
        if self.v is not None:
            return _weighted_hessian(theta, self.X, self.K, self.v, alpha, self.fit_intercept)
        fun = logistic_hessian if self.K == 2 else softmax_hessian
        return fun(theta, self.X, self.target, alpha, self.fit_intercept)

    def loss_grad_hess(self, theta):
        f, g = self.loss(theta)
        if self.K == 2:
            return f, g, self.hessian(theta, self.alpha)
        H = self.hessian(theta, self.alpha)
        H[np.diag_indices_from(H)] += _SHIFT_RIDGE * max(1.0, float(np.max(np.diag(H))))
        return f, g, H

    def solve_newton(self, max_iter, tol, _learning_rate):
        from tunelab.optim import newton

        return newton(self.loss_grad_hess, np.zeros(self.n_params), max_iter=max_iter, tol=tol)

    def solve_gd(self, max_iter, tol, learning_rate):
        from tunelab.optim import gradient_descent

        return gradient_descent(
            self.loss, np.zeros(self.n_params), learning_rate=learning_rate,
            max_iter=max_iter, tol=tol, line_search=learning_rate is None,
        )

    def solve_lbfgs(self, max_iter, tol, _learning_rate):
        theta0 = np.zeros(self.n_params)
        curve = [self.loss(theta0)[0]]

        def record(intermediate_result):
            curve.append(intermediate_result.fun)

        # ftol=0: stop on the gradient (``tol``), or where float64 resolves no further
        # decrease of the loss, never earlier on a small relative decrease (with SciPy's
        # default, a tol of 1e-10 stopped with a gradient of 1e-7).
        res = minimize(
            self.loss, theta0, method="L-BFGS-B", jac=True, callback=record,
            options={"maxiter": max_iter, "gtol": tol, "ftol": 0.0, "maxls": 50},
        )
        grad_norm = float(np.max(np.abs(res.jac)))
        # converged on the gradient only: SciPy's status 0 also covers a stop where float64
        # resolves no further decrease of the loss (ftol=0), with the gradient still above tol
        return OptimizeResult(res.x, res.fun, grad_norm, res.nit, grad_norm <= tol, curve)

    def default_sgd_step(self, batch_size: int) -> float:
        r"""The step :math:`1/L_b`, with :math:`L_b` the expected smoothness of a minibatch of
        :math:`b` samples drawn without replacement (Gower et al. 2019, [1]_):

        .. math::

            L_b = \frac{n(b-1)}{b(n-1)} L + \frac{n-b}{b(n-1)} L_{\max}, \quad
            L = c\,\lambda_{\max}(\tilde X^\top\tilde X/n) + \alpha, \quad
            L_{\max} = c\max_i\|\tilde x_i\|^2 + \alpha,

        where :math:`c = 1/4` (logistic) or :math:`1/2` (softmax) bounds the loss's curvature."""
        X, n = self.X, self.X.shape[0]
        c = 0.25 if self.K == 2 else 0.5
        gram = X.T @ X
        if self.fit_intercept:
            column = X.sum(axis=0)
            gram = np.block([[gram, column[:, None]], [column[None, :], np.array([[n]])]])
        L = c * float(np.linalg.eigvalsh(gram / n)[-1]) + self.alpha
        L_max = c * float(np.max(np.einsum("ij,ij->i", X, X) + self.fit_intercept)) + self.alpha
        b = min(batch_size, n)
        if n == 1:
            return 1.0 / L_max
        return 1.0 / (n * (b - 1) / (b * (n - 1)) * L + (n - b) / (b * (n - 1)) * L_max)

    def solve_sgd(self, learning_rate, batch_size, epochs, rng):
        """Plain minibatch SGD with decaying steps, all ``epochs`` (equal weights only)."""
        from tunelab.optim.sgd import sgd_linear

        return sgd_linear(
            self.X, self.y_index.astype(np.float64), np.zeros(self.n_params),
            loss="logistic" if self.K == 2 else "softmax", alpha=self.alpha,
            fit_intercept=self.fit_intercept, learning_rate=float(learning_rate),
            batch_size=batch_size, epochs=epochs, schedule="invscaling", random_state=rng,
        )

    def solve_saga(self, step, batch_size, epochs, tol, rng):
        """SAGA on the (weighted) objective, stopped on the full gradient."""
        from tunelab.optim.saga import saga_linear

        return saga_linear(
            self.X, self.y_index.astype(np.float64), np.zeros(self.n_params),
            loss="logistic" if self.K == 2 else "softmax", alpha=self.alpha,
            fit_intercept=self.fit_intercept, epochs=epochs, tol=tol, step=step,
            batch_size=batch_size, sample_weight=self.v, random_state=rng,
        )

    def unpack(self, theta):
        """``(coef_, intercept_)``; multinomial rows centred (the softmax's shift invariance)."""
        p = self.X.shape[1]
        rows = 1 if self.K == 2 else self.K
        Theta = theta.reshape(rows, self.d)
        coef = Theta[:, :p].copy()
        intercept = Theta[:, p].copy() if self.fit_intercept else np.zeros(rows)
        if rows > 1:
            coef -= coef.mean(axis=0)
            intercept -= intercept.mean()
        return coef, intercept

    def stderr(self, theta):
        r"""Standard errors: :math:`\sqrt{\mathrm{diag}(I^{-1})}` with the observed information
        :math:`I = \tilde X^\top S \tilde X = L L^\top`, so :math:`I^{-1} = L^{-\top} L^{-1}`."""
        n, p = self.X.shape
        info = self.n_total * self.hessian(theta, 0.0)
        try:
            L = cholesky(info, lower=True)
            # a pivot at round-off level: singular in exact arithmetic
            singular = np.min(np.diag(L)) ** 2 <= len(info) * _EPS * np.max(np.diag(info))
        except LinAlgError:
            singular = True
        if singular:
            warnings.warn(
                "The observed Fisher information is singular (collinear features, or classes "
                "separated on a subset of the data); stderr_ is NaN. Use alpha > 0.",
                UserWarning,
                stacklevel=3,
            )
            return np.full((1, p), np.nan)
        L_inv = solve_triangular(L, np.eye(len(info)), lower=True)
        return np.sqrt(np.sum(L_inv**2, axis=0))[:p].reshape(1, p)



def _weighted_loss(theta, X, target, v, alpha, fit_intercept):
    r"""Weighted mean loss :math:`\frac1n\sum_i v_i\ell_i + \frac{\alpha}{2}\|W\|^2` and
    its gradient, binary (``target`` of shape (n,)) or multinomial (one-hot (n, K))."""
    n, p = X.shape
    if target.ndim == 1:
        w, b = _split(theta, p, fit_intercept)
        z = X @ w + b
        value = v @ (np.logaddexp(0.0, z) - target * z) / n + 0.5 * alpha * (w @ w)
        r = v * (expit(z) - target) / n
        grad = np.append(X.T @ r + alpha * w, r.sum()) if fit_intercept else X.T @ r + alpha * w
        return float(value), grad
    W, Z, log_norm = _softmax_logits(theta, X, target.shape[1], fit_intercept)
    value = v @ (log_norm - np.sum(target * Z, axis=1)) / n + 0.5 * alpha * np.vdot(W, W)
    R = (np.exp(Z - log_norm[:, None]) - target) * (v / n)[:, None]
    grad_W = R.T @ X + alpha * W
    grad = np.column_stack([grad_W, R.sum(axis=0)]) if fit_intercept else grad_W
    return float(value), grad.ravel()


def _weighted_hessian(theta, X, K, v, alpha, fit_intercept):
    r"""Hessian of :func:`_weighted_loss`: the blocks of :func:`tunelab.losses.logistic_hessian`
    and :func:`tunelab.losses.softmax_hessian` with each sample's curvature times :math:`v_i`."""
    n, p = X.shape
    d = p + int(fit_intercept)
    if K == 2:
        w, b = _split(theta, p, fit_intercept)
        mu = expit(X @ w + b)
        H = _weighted_gram(X, v * mu * (1.0 - mu), fit_intercept) / n
        H[np.arange(p), np.arange(p)] += alpha
        return H
    _, Z, log_norm = _softmax_logits(theta, X, K, fit_intercept)
    P = np.exp(Z - log_norm[:, None])
    H = np.empty((K * d, K * d))
    for k in range(K):
        for m in range(k, K):
            block = _weighted_gram(X, v * P[:, k] * ((k == m) - P[:, m]), fit_intercept) / n
            H[k * d:(k + 1) * d, m * d:(m + 1) * d] = block
            H[m * d:(m + 1) * d, k * d:(k + 1) * d] = block.T
    penalized = np.flatnonzero(np.arange(K * d) % d < p)
    H[penalized, penalized] += alpha
    return H
