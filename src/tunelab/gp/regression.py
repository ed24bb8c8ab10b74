"""Exact Gaussian process regression with a zero prior mean, and ML-II hyperparameters.

Notation (Rasmussen and Williams 2006, Ch. 2 and 5):

=====================  ===================================================================
``X``, ``y``           training inputs (n, d) and targets (n,), normalized when asked
``Xs``                 test inputs (m, d); ``x`` a single test point (d,)
``k``, ``theta``       kernel and its log hyperparameters (log lengthscales, log variance)
``noise``              :math:`\\sigma_n^2`, variance added to the diagonal of ``K``
``K``, ``Ks``, ``Kss`` :math:`k(X, X)`, :math:`k(Xs, X)` (m, n), :math:`k(Xs, Xs)`
``L``                  lower Cholesky factor of :math:`K_y = K + \\sigma_n^2 I`
``alpha``              :math:`K_y^{-1} y`
``V``                  :math:`L^{-1} K_s^T`, so that :math:`\\Sigma = K_{ss} - V^T V`
``mu``, ``sigma``      posterior mean and standard deviation of the latent function
=====================  ===================================================================

.. math::

    \\mu(x_*) = k_*^T \\alpha, \\qquad
    \\sigma^2(x_*) = k(x_*, x_*) - k_*^T K_y^{-1} k_* \\qquad \\text{(R\\&W Eqs. 2.25-2.26)}.

References
----------
.. [1] C. E. Rasmussen and C. K. I. Williams, "Gaussian Processes for Machine Learning", MIT
   Press, 2006, Alg. 2.1, Eqs. (2.25)-(2.26), Eq. (5.9), Sec. 5.4.1.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.linalg import cho_solve, solve_triangular

from tunelab._validation import (
    check_array,
    check_is_fitted,
    check_random_state,
    check_scalar,
    check_X_y,
)
from tunelab.exceptions import ConvergenceWarning
from tunelab.gp import _mll
from tunelab.gp._linalg import JitterWarning, blas_threads, cholesky_jitter
from tunelab.gp.kernels import Kernel
from tunelab.models.base import BaseEstimator, RegressorMixin

__all__ = ["GaussianProcess", "JitterWarning"]

LogPrior = Callable[[np.ndarray], tuple[float, np.ndarray]]


class GaussianProcess(RegressorMixin, BaseEstimator):
    """Gaussian process regression: exact posterior, ML-II (or MAP) hyperparameters.

    Parameters
    ----------
    kernel : Kernel
        The prior covariance (``RBF`` or ``Matern``); its hyperparameters are the starting
        point of ML-II. It is never modified: the fitted copy is ``kernel_``.
    noise : float, default=1e-6
        Variance :math:`\\sigma_n^2 \\ge 0` added to the diagonal of ``K``, in the units of the
        normalized targets when ``normalize_y``.
    normalize_y : bool, default=False
        Standardize the targets (mean 0, standard deviation 1) before fitting; predictions are
        returned in the original units.
    optimize_noise : bool, default=False
        Also fit ``log noise`` by ML-II, within ``noise_bounds``.
    noise_bounds : tuple of float, default=(1e-10, 1e-1)
        Bounds on ``noise`` when it is optimized.
    n_restarts : int, default=3
        Random starts of L-BFGS-B, drawn in the log bounds, beyond the kernel's own ``theta``.
    random_state : int, Generator or None, default=None
        Seed of the random starts and the default of :meth:`sample_y`.

    Attributes
    ----------
    kernel_ : Kernel
        The kernel with the fitted hyperparameters.
    noise_ : float
        The fitted noise variance (normalized units).
    X_train_, y_train_ : ndarray
        The training data; ``y_train_`` in the original units.
    y_mean_, y_std_ : float
        The target normalization (``0.0`` and ``1.0`` without ``normalize_y``).
    L_ : ndarray of shape (n, n)
        Lower Cholesky factor of :math:`K + (\\sigma_n^2 + \\epsilon) I`.
    alpha_ : ndarray of shape (n,)
        :math:`K_y^{-1} y` on the normalized targets.
    jitter_ : float
        Jitter :math:`\\epsilon` that the factorization needed (``0.0`` when none).
    log_marginal_likelihood_value_ : float
        The log marginal likelihood of the normalized targets at the fitted hyperparameters.
    n_features_in_ : int
        Number of input columns.

    Notes
    -----
    ML-II maximizes :math:`\\log p(y \\mid X, \\theta)` (plus ``log_prior``, MAP) over the log
    hyperparameters by L-BFGS-B with the analytic gradient of R&W Eq. (5.9). A start that
    fails is skipped and the best one kept; a lengthscale that ends at its bound is reported
    with a :class:`~tunelab.exceptions.ConvergenceWarning`. When :math:`K_y` does not factor,
    jitter is added and a :class:`JitterWarning` is emitted. With at most 500 training points
    the BLAS library runs on one thread inside ``fit``, ``predict`` and ``sample_y``: for such
    small matrices its threads cost more than they save.

    References
    ----------
    .. [1] Rasmussen and Williams (2006), Alg. 2.1; Eq. (5.9); Sec. 5.4.1.

    Examples
    --------
    >>> import numpy as np
    >>> from tunelab.gp import GaussianProcess, RBF
    >>> X = np.linspace(0, 1, 5)[:, None]
    >>> gp = GaussianProcess(RBF(lengthscale=0.3), noise=1e-8).fit(X, np.sin(6 * X[:, 0]))
    >>> mean, std = gp.predict(X[:2], return_std=True)
    >>> np.allclose(mean, np.sin(6 * X[:2, 0]), atol=1e-6), bool(np.all(std < 1e-3))
    (True, True)
    """

    def __init__(
        self,
        kernel: Kernel,
        *,
        noise: float = 1e-6,
        normalize_y: bool = False,
        optimize_noise: bool = False,
        noise_bounds: tuple[float, float] = (1e-10, 1e-1),
        n_restarts: int = 3,
        random_state: Any = None,
    ) -> None:
        self.kernel = kernel
        self.noise = noise
        self.normalize_y = normalize_y
        self.optimize_noise = optimize_noise
        self.noise_bounds = noise_bounds
        self.n_restarts = n_restarts
        self.random_state = random_state

    def fit(
        self, X: Any, y: Any, optimize: bool = False, log_prior: LogPrior | None = None
    ) -> GaussianProcess:
        """Condition on ``(X, y)``; with ``optimize``, first fit the hyperparameters by ML-II.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        optimize : bool, default=False
            Maximize the log marginal likelihood (plus ``log_prior``) over ``theta``.
        log_prior : callable or None, default=None
            ``log_prior(theta) -> (lp, dlp)``, the log prior density and its gradient at the
            log hyperparameters (``kernel.theta``, then ``log noise`` if ``optimize_noise``);
            turns ML-II into MAP estimation.
        """
        X, y = check_X_y(X, y)
        self._check_params(X.shape[1])
        if log_prior is not None and not callable(log_prior):
            raise TypeError(f"log_prior must be callable or None; got {log_prior!r}")
        self.y_mean_, self.y_std_ = _normalization(y) if self.normalize_y else (0.0, 1.0)
        y_n = (y - self.y_mean_) / self.y_std_
        kernel = self.kernel.clone_with_theta(self.kernel.theta)
        noise = float(self.noise)
        if optimize:
            kernel, noise = self._maximize_lml(kernel, noise, X, y_n, log_prior)
        K = kernel._matrix(X)
        K[np.diag_indices_from(K)] += noise
        with blas_threads(len(y)):
            self.L_, self.jitter_ = cholesky_jitter(K)  # R&W Alg. 2.1, line 2
            self.alpha_ = cho_solve((self.L_, True), y_n, check_finite=False)  # line 3
        self.kernel_, self.noise_ = kernel, noise
        self.X_train_, self.y_train_, self.n_features_in_ = X, y, X.shape[1]
        self.log_marginal_likelihood_value_ = float(
            -0.5 * (y_n @ self.alpha_) - np.log(np.diag(self.L_)).sum()
            - 0.5 * len(y) * np.log(2.0 * np.pi)
        )  # line 8
        return self

    def predict(
        self, Xs: Any, return_std: bool = False, return_cov: bool = False
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """Posterior mean at ``Xs`` (m, d), with its standard deviation or covariance.

        The predictive distribution is that of the latent function (noise not included), in
        the original units of ``y``. ``return_std`` and ``return_cov`` exclude each other.
        """
        Xs = self._check_Xs(Xs, "Xs", ndim=2)
        if return_std and return_cov:
            raise ValueError("return_std and return_cov cannot both be True")
        Ks = self.kernel_._matrix(Xs, self.X_train_)
        mean = self.y_mean_ + self.y_std_ * (Ks @ self.alpha_)  # R&W Eq. (2.25)
        if not (return_std or return_cov):
            return mean
        with blas_threads(len(self.alpha_)):
            V = solve_triangular(self.L_, Ks.T, lower=True, check_finite=False)  # Alg. 2.1, l. 5
        if return_cov:
            cov = self.kernel_._matrix(Xs) - V.T @ V  # R&W Eq. (2.26)
            return mean, cov * self.y_std_**2
        var = self.kernel_.variance - np.einsum("ij,ij->j", V, V)  # Alg. 2.1, line 6
        return mean, np.sqrt(np.maximum(var, 0.0)) * self.y_std_

    def predict_gradient(self, x: Any) -> tuple[float, float, np.ndarray, np.ndarray]:
        """``(mean, std, dmean_dx, dstd_dx)`` of the posterior at one point ``x`` (d,).

        Notes
        -----
        With :math:`k_* = k(x, X)` and :math:`J = \\partial k_*/\\partial x` (n, d):

        .. math::

            \\nabla\\mu = J^T\\alpha, \\qquad
            \\nabla\\sigma = -\\frac{J^T K_y^{-1} k_*}{\\sigma},

        and :math:`\\nabla\\sigma = 0` where :math:`\\sigma = 0`.
        """
        x = self._check_Xs(x, "x", ndim=1)
        ks = self.kernel_._matrix(x[None, :], self.X_train_)[0]
        J = self.kernel_._gradient_x(x, self.X_train_)
        v = cho_solve((self.L_, True), ks, check_finite=False)
        var = self.kernel_.variance - ks @ v
        std = np.sqrt(max(var, 0.0))
        dstd = -(J.T @ v) / std if std > 0.0 else np.zeros_like(x)
        mean = self.y_mean_ + self.y_std_ * (ks @ self.alpha_)
        return float(mean), float(std * self.y_std_), self.y_std_ * (J.T @ self.alpha_), \
            self.y_std_ * dstd

    def sample_y(self, Xs: Any, n_samples: int = 1, random_state: Any = None) -> np.ndarray:
        """Joint draws of the latent function at ``Xs``: shape ``(m, n_samples)``.

        ``random_state=None`` uses the estimator's ``random_state``. The posterior covariance
        is factored with jitter (no warning), or by eigendecomposition if that fails.
        """
        check_scalar(n_samples, "n_samples", kind=int, low=1)
        mean, cov = self.predict(Xs, return_cov=True)
        seed = self.random_state if random_state is None else random_state
        rng = check_random_state(seed)
        with blas_threads(len(mean)):
            try:
                factor, _ = cholesky_jitter(cov, warn=False)
            except np.linalg.LinAlgError:
                eigval, eigvec = np.linalg.eigh(cov)
                factor = eigvec * np.sqrt(np.maximum(eigval, 0.0))
        z = rng.standard_normal((len(mean), n_samples))
        return mean[:, None] + factor @ z

    def log_marginal_likelihood(
        self, theta: Any = None, eval_gradient: bool = False
    ) -> float | tuple[float, np.ndarray]:
        """Log marginal likelihood of the (normalized) training targets.

        Parameters
        ----------
        theta : array-like or None, default=None
            Log hyperparameters: ``kernel_.theta``, then ``log noise`` when
            ``optimize_noise``. ``None``: the fitted ones.
        eval_gradient : bool, default=False
            Also return the gradient with respect to ``theta`` (R&W Eq. 5.9).
        """
        check_is_fitted(self, "alpha_")
        n_kernel = self.kernel_.n_dims
        if theta is None:
            if not eval_gradient:
                return self.log_marginal_likelihood_value_
            theta = self._theta_vector(self.kernel_, self.noise_)
        theta = check_array(theta, "theta", ndim=1)
        size = n_kernel + bool(self.optimize_noise)
        if theta.shape != (size,):
            raise ValueError(f"theta must have shape ({size},); got {theta.shape}")
        kernel = self.kernel_.clone_with_theta(theta[:n_kernel])
        noise = float(np.exp(theta[-1])) if self.optimize_noise else self.noise_
        y_n = (self.y_train_ - self.y_mean_) / self.y_std_
        with blas_threads(len(y_n)):
            value, grad = _mll.log_marginal_likelihood(
                kernel, self.X_train_, y_n, noise, eval_gradient=eval_gradient,
                noise_gradient=bool(self.optimize_noise),
            )
        return (value, grad) if eval_gradient else value

    def _theta_vector(self, kernel: Kernel, noise: float) -> np.ndarray:
        if not self.optimize_noise:
            return kernel.theta
        return np.append(kernel.theta, np.log(max(noise, self.noise_bounds[0])))

    def _maximize_lml(
        self, kernel: Kernel, noise: float, X: np.ndarray, y: np.ndarray,
        log_prior: LogPrior | None,
    ) -> tuple[Kernel, float]:
        """ML-II (MAP with ``log_prior``) by L-BFGS-B with restarts (R&W Sec. 5.4.1)."""
        n_kernel = kernel.n_dims
        work = kernel.clone_with_theta(kernel.theta)
        bounds = kernel.bounds
        if self.optimize_noise:
            bounds = np.vstack([bounds, np.log(np.asarray(self.noise_bounds, dtype=float))])

        def objective(t: np.ndarray) -> tuple[float, np.ndarray]:
            work.theta = t[:n_kernel]
            noise_t = float(np.exp(t[-1])) if self.optimize_noise else noise
            try:
                value, grad = _mll.log_marginal_likelihood(
                    work, X, y, noise_t, eval_gradient=True,
                    noise_gradient=bool(self.optimize_noise),
                )
            except np.linalg.LinAlgError:
                return np.inf, np.zeros_like(t)
            if log_prior is not None:
                lp, dlp = log_prior(t)
                value, grad = value + float(lp), grad + np.asarray(dlp, dtype=float)
            return -value, -grad

        rng = check_random_state(self.random_state)
        with blas_threads(len(y)):
            t, value = _mll.maximize(
                objective, self._theta_vector(kernel, noise), bounds, self.n_restarts, rng
            )
        if not np.isfinite(value):
            warnings.warn(
                "every ML-II start failed; keeping the initial hyperparameters",
                ConvergenceWarning, stacklevel=3,
            )
            return kernel, noise
        _warn_at_bounds(t[: n_kernel - 1], bounds[: n_kernel - 1])
        noise = float(np.exp(t[-1])) if self.optimize_noise else noise
        return kernel.clone_with_theta(t[:n_kernel]), noise

    def _check_params(self, n_features: int) -> None:
        if not isinstance(self.kernel, Kernel):
            raise TypeError(f"kernel must be a tunelab.gp Kernel; got {self.kernel!r}")
        if self.kernel.ard and np.size(self.kernel.lengthscale) != n_features:
            raise ValueError(
                f"X has {n_features} features, but the kernel has "
                f"{np.size(self.kernel.lengthscale)} lengthscales"
            )
        check_scalar(self.noise, "noise", kind=float, low=0.0)
        check_scalar(self.n_restarts, "n_restarts", kind=int, low=0)
        for name in ("normalize_y", "optimize_noise"):
            if not isinstance(getattr(self, name), bool | np.bool_):
                raise TypeError(f"{name} must be a bool; got {getattr(self, name)!r}")
        nb = self.noise_bounds
        if not (isinstance(nb, tuple | list) and len(nb) == 2 and all(
            isinstance(b, int | float) and np.isfinite(b) and b > 0 for b in nb) and nb[0] < nb[1]):
            raise ValueError(
                f"noise_bounds must be a pair (low, high) with 0 < low < high; got {nb!r}"
            )
        check_random_state(self.random_state)

    def _check_Xs(self, Xs: Any, name: str, *, ndim: int) -> np.ndarray:
        check_is_fitted(self, "alpha_")
        Xs = check_array(Xs, name, ndim=ndim)
        if Xs.shape[-1] != self.n_features_in_:
            raise ValueError(
                f"{name} has {Xs.shape[-1]} features, but the GaussianProcess was fitted with "
                f"{self.n_features_in_}"
            )
        return Xs


def _normalization(y: np.ndarray) -> tuple[float, float]:
    """Mean and standard deviation of ``y``; a zero standard deviation counts as 1."""
    std = float(np.std(y))
    return float(np.mean(y)), std if std > 0.0 else 1.0


def _warn_at_bounds(log_lengthscales: np.ndarray, bounds: np.ndarray, tol: float = 1e-4) -> None:
    for i, (t, (low, high)) in enumerate(zip(log_lengthscales, bounds, strict=True)):
        for side, end in (("lower", low), ("upper", high)):
            if abs(t - end) < tol:
                advice = ("the data are explained as noise (with few points ML-II cannot tell "
                          "noise from a function that varies faster than the points are spaced)"
                          if side == "lower" else "the input barely matters")
                warnings.warn(
                    f"lengthscale {i} sits at its {side} bound {np.exp(end):.3g}: {advice}; "
                    "widen the kernel's lengthscale_bounds (an argument of Matern and RBF), "
                    "rescale the inputs, or fix the lengthscale (fit with optimize=False)",
                    ConvergenceWarning, stacklevel=4,
                )
