r"""Training objectives, their exact inner solutions and the derivatives the IFT needs.

Notation: ``X`` (n, p) training design, ``lam`` (p,) one L2 penalty per feature (a scalar
alpha is broadcast), ``theta`` the fitted parameters, ``H`` the Hessian of the training
objective :math:`h` in ``theta``, ``B`` the matrix :math:`\partial^2 h/\partial\theta\,
\partial\lambda` of shape (len(theta), p).

Ridge: :math:`h(w) = \frac{1}{2n}\|y_c - X_c w\|^2 + \frac12 w^\top \mathrm{diag}(\lambda)w`
on data centred by the training means (the unpenalized intercept eliminated,
:math:`b = \bar y - \bar x^\top w`), so :math:`w = (X_c^\top X_c/n + \mathrm{diag}\lambda)^{-1}
X_c^\top y_c / n` in closed form and :math:`B = \mathrm{diag}(w)`.

Logistic: :math:`h(\Theta) = \frac1n\sum_i \ell_i(\Theta) + \frac12\sum_{k,j}\lambda_j
W_{kj}^2`, :math:`\Theta = [W, b]` with one row (binary, sigmoid) or one row per class
(multinomial, softmax), intercepts unpenalized; solved by Newton's method with a line search.
The softmax is invariant under adding a constant to every intercept; that direction is
flat for :math:`h` and for any validation loss, so it is given unit curvature in ``H``
(:math:`H + \frac1K \mathbf 1\mathbf 1^\top` on the intercepts), which leaves the
solution for right-hand sides orthogonal to it unchanged.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, log_softmax, softmax


class Ridge:
    """Ridge regression with per-feature penalties; validation mean squared error."""

    def __init__(self, X, y, fit_intercept):
        self.x_mean = X.mean(axis=0) if fit_intercept else np.zeros(X.shape[1])
        self.y_mean = float(y.mean()) if fit_intercept else 0.0
        self.Xc, self.yc = X - self.x_mean, y - self.y_mean
        self.n = len(y)
        self.gram = self.Xc.T @ self.Xc / self.n

    def fit(self, lam, theta0=None, max_iter=None, tol=None, min_iter=0):
        """Closed form; returns ``(theta, gradient norm, iterations)``."""
        w = np.linalg.solve(self.gram + np.diag(lam), self.Xc.T @ self.yc / self.n)
        return w, 0.0, 0

    def hessian(self, theta, lam):
        return self.gram + np.diag(lam)

    def hvp(self, theta, lam, v):
        return self.Xc.T @ (self.Xc @ v) / self.n + lam * v

    def mixed(self, theta):
        return np.diag(theta)

    def coef(self, theta):
        return theta, self.y_mean - self.x_mean @ theta

    def validation(self, theta, X_val, y_val):
        """Mean squared error and its gradient in ``theta``."""
        Xv = X_val - self.x_mean
        r = y_val - self.y_mean - Xv @ theta
        return float(np.mean(r**2)), -2.0 * Xv.T @ r / len(r)


class Logistic:
    """L2 logistic regression (binary or multinomial) with per-feature penalties."""

    def __init__(self, X, y_index, n_classes, fit_intercept):
        self.X1 = np.hstack([X, np.ones((len(X), 1))]) if fit_intercept else X
        self.p, self.n, self.K = X.shape[1], len(X), n_classes
        self.rows = 1 if n_classes == 2 else n_classes
        self.fit_intercept = fit_intercept
        self.Y = self._targets(y_index)

    def _targets(self, y_index):
        if self.rows == 1:
            return y_index.astype(float)[:, None]
        return np.eye(self.K)[y_index]

    def _probs(self, Theta, X1):
        Z = X1 @ Theta.T
        return expit(Z) if self.rows == 1 else softmax(Z, axis=1)

    def _mean_loss(self, Theta, X1, Y):
        Z = X1 @ Theta.T
        if self.rows == 1:
            return float(np.mean(np.logaddexp(0.0, Z[:, 0]) - Y[:, 0] * Z[:, 0]))
        return float(-np.mean(np.sum(Y * log_softmax(Z, axis=1), axis=1)))

    def _penalty_vec(self, lam):
        pen = np.append(lam, 0.0) if self.fit_intercept else lam
        return np.tile(pen, self.rows)

    def objective(self, theta, lam):
        Theta = theta.reshape(self.rows, -1)
        W = Theta[:, : self.p]
        return self._mean_loss(Theta, self.X1, self.Y) + 0.5 * float(np.sum(lam * W**2))

    def gradient(self, theta, lam):
        Theta = theta.reshape(self.rows, -1)
        G = (self._probs(Theta, self.X1) - self.Y).T @ self.X1 / self.n
        return G.ravel() + self._penalty_vec(lam) * theta

    def _data_hessian(self, theta, X1):
        P = self._probs(theta.reshape(self.rows, -1), X1)
        m, d = X1.shape
        if self.rows == 1:
            return X1.T @ (X1 * (P * (1 - P))) / m
        H = np.empty((self.rows, d, self.rows, d))
        for k in range(self.rows):
            for l in range(k, self.rows):
                c = P[:, k] * ((k == l) - P[:, l])
                H[k, :, l, :] = H[l, :, k, :] = X1.T @ (X1 * c[:, None]) / m
        return H.reshape(self.rows * d, self.rows * d)

    def hessian(self, theta, lam):
        H = self._data_hessian(theta, self.X1) + np.diag(self._penalty_vec(lam))
        if self.rows > 1 and self.fit_intercept:
            idx = np.arange(self.rows) * (self.p + 1) + self.p
            H[np.ix_(idx, idx)] += 1.0 / self.rows  # the softmax's flat direction
        return H

    def hvp(self, theta, lam, v):
        Theta, V = theta.reshape(self.rows, -1), v.reshape(self.rows, -1)
        P, D = self._probs(Theta, self.X1), self.X1 @ V.T
        if self.rows == 1:
            S = P * (1 - P) * D
        else:
            S = P * (D - np.sum(P * D, axis=1, keepdims=True))
        out = (S.T @ self.X1 / self.n).ravel() + self._penalty_vec(lam) * v
        if self.rows > 1 and self.fit_intercept:
            out[self.p :: self.p + 1] += V[:, self.p].mean()
        return out

    def fit(self, lam, theta0=None, max_iter=100, tol=1e-10, min_iter=0):
        """Newton's method with backtracking, at least ``min_iter`` steps; returns ``(theta,
        max |gradient|, iterations)``."""
        d = self.X1.shape[1] * self.rows
        theta = np.zeros(d) if theta0 is None else theta0.copy()
        f = self.objective(theta, lam)
        n_iter = 0
        for n_iter in range(max_iter + 1):  # noqa: B007 (the count is returned)
            g = self.gradient(theta, lam)
            if (np.max(np.abs(g)) <= tol and n_iter >= min_iter) or n_iter == max_iter:
                break
            step = np.linalg.solve(self.hessian(theta, lam), g)
            t, f_new = 1.0, self.objective(theta - step, lam)
            slack = 1e-14 * max(1.0, abs(f))  # rounding of f near the optimum
            while f_new > f - 1e-4 * t * (g @ step) + slack and t > 1e-10:
                t *= 0.5
                f_new = self.objective(theta - t * step, lam)
            if t <= 1e-10:  # no decrease beyond rounding: the full Newton step, if it helps
                g_full = self.gradient(theta - step, lam)
                if np.max(np.abs(g_full)) >= np.max(np.abs(g)):
                    break
                t, f_new = 1.0, self.objective(theta - step, lam)
            theta, f = theta - t * step, f_new
        theta = self._centre(theta)
        return theta, float(np.max(np.abs(self.gradient(theta, lam)))), n_iter

    def _centre(self, theta):
        if self.rows == 1 or not self.fit_intercept:
            return theta
        Theta = theta.reshape(self.rows, -1).copy()
        Theta[:, self.p] -= Theta[:, self.p].mean()
        return Theta.ravel()

    def mixed(self, theta):
        Theta = theta.reshape(self.rows, -1)
        B = np.zeros((self.rows, Theta.shape[1], self.p))
        for k in range(self.rows):
            B[k, np.arange(self.p), np.arange(self.p)] = Theta[k, : self.p]
        return B.reshape(-1, self.p)

    def coef(self, theta):
        Theta = theta.reshape(self.rows, -1)
        b = Theta[:, self.p] if self.fit_intercept else np.zeros(self.rows)
        return Theta[:, : self.p], b

    def validation(self, theta, X_val, y_val_index):
        """Mean log loss on the validation set and its gradient in ``theta``."""
        X1 = np.hstack([X_val, np.ones((len(X_val), 1))]) if self.fit_intercept else X_val
        Theta, Y = theta.reshape(self.rows, -1), self._targets(y_val_index)
        G = (self._probs(Theta, X1) - Y).T @ X1 / len(X1)
        return self._mean_loss(Theta, X1, Y), G.ravel()
