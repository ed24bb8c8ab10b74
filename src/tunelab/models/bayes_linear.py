"""Bayesian linear regression with a Gaussian prior, and type-II maximum likelihood.

Notation (Bishop, PRML, Sec. 3.3 and 3.5):

====================  =============================================================
``X``, ``y``          design (n, p) and targets (n,), centred when fitting an intercept
``alpha``             prior precision of the weights, :math:`w \\sim N(0, \\alpha^{-1} I)`
``beta``              noise precision, :math:`y \\mid w \\sim N(Xw, \\beta^{-1} I)`
``A``                 posterior precision :math:`S_N^{-1} = \\alpha I + \\beta X^T X`
``L``                 lower Cholesky factor of ``A``
``m``                 posterior mean :math:`m_N = \\beta A^{-1} X^T y`
``N``                 effective number of samples: n, or n - 1 with an intercept
``s``                 eigenvalues of :math:`X^T X`; :math:`\\lambda_i = \\beta s_i`
``gamma``             effective number of parameters :math:`\\sum_i \\lambda_i/(\\alpha+\\lambda_i)`
====================  =============================================================
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from scipy.linalg import cho_solve, solve_triangular

from tunelab._validation import check_sample_weight, check_scalar, check_X_y
from tunelab.exceptions import ConvergenceWarning
from tunelab.models.base import BaseEstimator, RegressorMixin

__all__ = ["BayesianLinearRegression"]


def _posterior(
    XtX: np.ndarray, Xty: np.ndarray, alpha: float, beta: float
) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mean ``m`` and the Cholesky factor ``L`` of the posterior precision ``A``."""
    A = alpha * np.eye(len(XtX)) + beta * XtX  # PRML Eq. (3.54)
    try:
        L = np.linalg.cholesky(A)
    except np.linalg.LinAlgError as exc:
        raise ValueError(
            f"the posterior precision alpha*I + beta*X^T X is not positive definite at "
            f"alpha={alpha:.3g}, beta={beta:.3g}; increase alpha or rescale X"
        ) from exc
    m = beta * cho_solve((L, True), Xty)  # PRML Eq. (3.53)
    return m, L


def _log_evidence(
    alpha: float, beta: float, m: np.ndarray, L: np.ndarray, rss: float, N: int
) -> float:
    """PRML Eq. (3.86): :math:`\\ln p(y \\mid \\alpha, \\beta)` with ``N`` samples."""
    E = 0.5 * beta * rss + 0.5 * alpha * (m @ m)  # PRML Eq. (3.82)
    half_logdet_A = np.sum(np.log(np.diag(L)))
    return float(
        0.5 * len(m) * np.log(alpha) + 0.5 * N * np.log(beta) - E - half_logdet_A
        - 0.5 * N * np.log(2 * np.pi)
    )


def _mackay(
    X: np.ndarray, y: np.ndarray, N: int, alpha: float, beta: float, max_iter: int, tol: float
) -> tuple[float, float, int, bool]:
    """MacKay's fixed-point iteration for the evidence maximum, in the eigenbasis of X^T X.

    Returns ``(alpha, beta, n_iter, converged)``; converged means that neither
    :math:`\\ln\\alpha` nor :math:`\\ln\\beta` moved by more than ``tol`` in the last update.
    It stops early, with a ``ConvergenceWarning``, where the evidence has no finite maximum:
    zero weights, a perfect fit, or :math:`\\alpha / (\\beta s_{max})` leaving
    :math:`[10^{-12}, 10^{12}]` on its way to 0 (a noise-free fit, where :math:`S_N^{-1}`
    turns singular in floating point) or to infinity (the features do not explain ``y``).
    """
    s, V = np.linalg.eigh(X.T @ X)
    s = np.clip(s, 0.0, None)  # X^T X is positive semidefinite; drop rounding below zero
    c = V.T @ (X.T @ y)
    for it in range(1, max_iter + 1):
        m = V @ (beta * c / (alpha + beta * s))  # PRML Eq. (3.53) in the eigenbasis
        mm, rss = m @ m, np.sum((y - X @ m) ** 2)
        gamma = np.sum(beta * s / (alpha + beta * s))  # PRML Eq. (3.91)
        unbounded = mm <= 0 or rss <= 0 or N - gamma <= 0
        if not unbounded:
            alpha_new = gamma / mm  # PRML Eq. (3.92)
            beta_new = (N - gamma) / rss  # PRML Eq. (3.95)
            unbounded = not 1e-12 <= alpha_new / (beta_new * s[-1]) <= 1e12  # s[-1] > 0 here
        if unbounded:
            warnings.warn(
                "The evidence has no finite maximum for these data (alpha or beta heads to 0 "
                f"or infinity); stopping at alpha={alpha:.3g}, beta={beta:.3g}",
                ConvergenceWarning, stacklevel=3,
            )
            return alpha, beta, it, False
        step = max(abs(np.log(alpha_new / alpha)), abs(np.log(beta_new / beta)))
        alpha, beta = float(alpha_new), float(beta_new)
        if step < tol:
            return alpha, beta, it, True
    return alpha, beta, max_iter, False


def _check_bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False; got {value!r}")
    return bool(value)


class BayesianLinearRegression(RegressorMixin, BaseEstimator):
    """Bayesian linear regression: Gaussian prior and noise, exact Gaussian posterior.

    The weights have prior :math:`w \\sim N(0, \\alpha^{-1} I)` and the targets
    :math:`y \\mid w \\sim N(Xw + b, \\beta^{-1} I)`. The posterior is Gaussian,

    .. math::

        S_N^{-1} = \\alpha I + \\beta X^T X, \\qquad m_N = \\beta S_N X^T y,

    computed from the Cholesky factor :math:`L L^T = S_N^{-1}` (``coef_cov_`` is
    :math:`L^{-T} L^{-1}`). With ``fit_evidence=True`` the hyperparameters maximize the log
    marginal likelihood (the evidence, type-II maximum likelihood)

    .. math::

        \\ln p(y \\mid \\alpha, \\beta) = \\frac{p}{2}\\ln\\alpha + \\frac{N}{2}\\ln\\beta
        - \\frac{\\beta}{2}\\lVert y - X m_N \\rVert^2 - \\frac{\\alpha}{2} m_N^T m_N
        - \\frac12 \\ln\\lvert S_N^{-1}\\rvert - \\frac{N}{2}\\ln 2\\pi

    by MacKay's fixed point :math:`\\alpha \\leftarrow \\gamma / m_N^T m_N`,
    :math:`\\beta \\leftarrow (N - \\gamma) / \\lVert y - X m_N \\rVert^2` with
    :math:`\\gamma = \\sum_i \\beta s_i / (\\alpha + \\beta s_i)` over the eigenvalues
    :math:`s_i` of :math:`X^T X`, starting from ``alpha`` and ``beta``.

    **Intercept.** With ``fit_intercept=True`` the intercept :math:`b` has a flat prior
    :math:`p(b) = 1` and is integrated out exactly. This is the same as fitting the model
    above, without intercept, to the centred :math:`X - \\bar x` and :math:`y - \\bar y` with
    :math:`N = n - 1` samples (the centred targets live in :math:`n - 1` dimensions), and
    ``log_evidence_`` is :math:`\\ln \\iint p(y \\mid w, b) p(w) \\, dw \\, db`, the formula
    above minus :math:`\\frac12 \\ln n`. The intercept's posterior is Gaussian with mean
    ``intercept_`` :math:`= \\bar y - \\bar x^T m_N` and, given :math:`w`, variance
    :math:`1/(n\\beta)`; predictions include that variance. With ``fit_intercept=False``,
    :math:`N = n` and nothing is centred.

    Parameters
    ----------
    alpha : float, default=1.0
        Prior precision of the weights (> 0): the fixed value, or the starting point of the
        evidence maximization.
    beta : float, default=1.0
        Noise precision (> 0): fixed, or the starting point.
    fit_evidence : bool, default=True
        Maximize the evidence over ``alpha`` and ``beta``.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept (flat prior, integrated out).
    max_iter : int, default=300
        Most fixed-point updates; reaching it raises a ``ConvergenceWarning``.
    tol : float, default=1e-6
        Stop when an update changes neither :math:`\\ln\\alpha` nor :math:`\\ln\\beta` by more.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Posterior mean :math:`m_N` of the weights.
    intercept_ : float
        Posterior mean of the intercept; 0.0 when ``fit_intercept=False``.
    coef_cov_ : ndarray of shape (n_features, n_features)
        Posterior covariance :math:`S_N` of the weights.
    alpha_, beta_ : float
        The hyperparameters used for the posterior (fitted or fixed).
    log_evidence_ : float
        Log marginal likelihood at ``alpha_``, ``beta_`` (PRML Eq. 3.86, see the intercept note).
    n_iter_ : int
        Fixed-point updates done; 1 when ``fit_evidence=False`` (the one posterior solve).
    n_features_in_ : int

    References
    ----------
    .. [1] Bishop (2006). *Pattern Recognition and Machine Learning*, Springer, Eqs. (3.53),
       (3.54) (posterior), (3.58)-(3.59) (predictive distribution), (3.86) (evidence),
       (3.91), (3.92), (3.95) (re-estimation of alpha and beta).
    .. [2] MacKay (1992). Bayesian interpolation. *Neural Computation* 4(3), 415-447.
    .. [3] Harville (1974). Bayesian inference for variance components using only error
       contrasts. *Biometrika* 61(2), 383-385 (a flat prior on fixed effects, integrated out).

    Examples
    --------
    >>> import numpy as np
    >>> from tunelab.models import BayesianLinearRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(100, 2))
    >>> y = X @ np.array([1.0, -2.0]) + 0.5 + 0.1 * rng.normal(size=100)
    >>> model = BayesianLinearRegression().fit(X, y)
    >>> np.round(model.coef_, 1), round(model.intercept_, 1)
    (array([ 1., -2.]), 0.5)
    >>> mean, std = model.predict(X[:2], return_std=True)
    """

    def __init__(
        self, *, alpha: float = 1.0, beta: float = 1.0, fit_evidence: bool = True,
        fit_intercept: bool = True, max_iter: int = 300, tol: float = 1e-6,
    ) -> None:
        self.alpha = alpha
        self.beta = beta
        self.fit_evidence = fit_evidence
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol

    def _validate_params(self) -> None:
        check_scalar(self.alpha, "alpha", low=0, low_inclusive=False)
        check_scalar(self.beta, "beta", low=0, low_inclusive=False)
        _check_bool(self.fit_evidence, "fit_evidence")
        _check_bool(self.fit_intercept, "fit_intercept")
        check_scalar(self.max_iter, "max_iter", kind=int, low=1)
        check_scalar(self.tol, "tol", low=0)

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> BayesianLinearRegression:
        r"""Compute the posterior (and, with ``fit_evidence``, alpha and beta) from ``X, y``.

        ``sample_weight`` :math:`s_i` multiplies sample ``i``'s noise precision, so that
        :math:`y_i \sim N(x_i^\top w + b, 1/(\beta s_i))`, and they count as samples in the
        evidence (:math:`n = \sum_i s_i`), so that an integer weight is the same as repeating
        the sample (scikit-learn's ``BayesianRidge`` keeps ``n`` the number of rows instead).
        """
        self._validate_params()
        X, y = check_X_y(X, y, estimator=type(self).__name__)
        weights = check_sample_weight(sample_weight, len(X))
        n = len(X)
        if self.fit_intercept and n < 2:
            raise ValueError(f"X needs at least 2 samples to fit an intercept; got n_samples={n}")
        x_mean = np.average(X, axis=0, weights=weights) if self.fit_intercept else np.zeros(
            X.shape[1])
        y_mean = np.average(y, weights=weights) if self.fit_intercept else 0.0
        Xc, yc = X - x_mean, y - y_mean
        if weights is not None:  # rows scaled by sqrt(s_i): unit-precision noise again
            Xc, yc = Xc * np.sqrt(weights)[:, None], yc * np.sqrt(weights)
        if weights is not None:  # weights count as repeated samples: n is their total
            n = float(weights.sum())
        N = n - 1 if self.fit_intercept else n
        alpha, beta, n_iter = float(self.alpha), float(self.beta), 1  # one posterior solve
        if self.fit_evidence:
            alpha, beta, n_iter, converged = _mackay(
                Xc, yc, N, alpha, beta, self.max_iter, self.tol
            )
            if n_iter == self.max_iter and not converged:
                warnings.warn(
                    f"The evidence maximization did not converge in max_iter={self.max_iter} "
                    f"updates (tol={self.tol}); increase max_iter",
                    ConvergenceWarning, stacklevel=2,
                )
        m, L = _posterior(Xc.T @ Xc, Xc.T @ yc, alpha, beta)
        rss = float(np.sum((yc - Xc @ m) ** 2))
        log_ev = _log_evidence(alpha, beta, m, L, rss, N)
        self.coef_ = m
        self.intercept_ = float(y_mean - x_mean @ m)
        L_inv = solve_triangular(L, np.eye(len(L)), lower=True)
        self.coef_cov_ = L_inv.T @ L_inv  # S_N = A^{-1} = L^{-T} L^{-1}
        self.alpha_, self.beta_, self.n_iter_ = alpha, beta, n_iter
        self.log_evidence_ = log_ev - (0.5 * np.log(n) if self.fit_intercept else 0.0)
        self.n_features_in_ = X.shape[1]
        self._x_mean, self._chol = x_mean, L
        self._intercept_var = 1.0 / (n * beta) if self.fit_intercept else 0.0  # given w
        return self

    def predict(
        self, X: Any, return_std: bool = False
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """Predictive mean, and with ``return_std`` its standard deviation.

        .. math::

            \\sigma^2(x) = \\frac{1}{\\beta} + (x - \\bar x)^T S_N (x - \\bar x)
            + \\frac{1}{n\\beta}

        (PRML Eq. 3.59; the last term is the intercept's variance, present only with
        ``fit_intercept=True``, where :math:`\\bar x` is the training mean; otherwise
        :math:`\\bar x = 0`). The std is that of a new noisy target, not of the mean function.
        """
        X = self._check_n_features(X)
        mean = X @ self.coef_ + self.intercept_
        if not return_std:
            return mean
        Z = solve_triangular(self._chol, (X - self._x_mean).T, lower=True)
        var = 1.0 / self.beta_ + np.sum(Z**2, axis=0) + self._intercept_var  # |L^{-1} x|^2
        return mean, np.sqrt(var)
