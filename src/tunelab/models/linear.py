"""Linear least squares: ordinary (``alpha = 0``) and ridge (``alpha > 0``) regression.

Notation
--------
``X`` (n, p) design, ``y`` (n,) targets, ``w`` (p,) coefficients, ``b`` intercept;
``x_mean``, ``y_mean`` the column and target means, ``Xc = X - x_mean``, ``yc = y - y_mean``
(centred when ``fit_intercept``, the raw data otherwise); ``Xc P = Q R`` the pivoted QR
factorization, ``P`` a column permutation held as the index array ``perm``, and
``qty = Q.T @ yc`` (``Q`` itself is never formed);
``r = y - X w - b`` the residuals and ``rss = r·r``.

The intercept is never penalized, so for any ``w`` the best intercept is
``b = y_mean - x_mean·w``; substituting it leaves the same problem on the centred data
without an intercept. Every solver here works on ``(Xc, yc)`` and recovers ``b`` at the end.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tunelab._validation import (
    check_choice,
    check_random_state,
    check_sample_weight,
    check_scalar,
    check_X_y,
)
from tunelab.models._least_squares import (
    center,
    gaussian_log_likelihood,
    identifiable_qr,
    ols_qr,
    ols_stderr,
    ridge_cholesky,
)
from tunelab.models._linear_iterative import fit_gd, fit_sgd
from tunelab.models.base import BaseEstimator, RegressorMixin

__all__ = ["LinearRegression", "gaussian_log_likelihood", "ols_qr", "ols_stderr",
           "ridge_cholesky"]

_SOLVERS = ("auto", "normal", "gd", "sgd")


def _check_params(est: LinearRegression) -> np.random.Generator:
    """Validate every hyperparameter (whatever the solver) and return the generator."""
    check_scalar(est.alpha, "alpha", low=0.0)
    check_choice(est.solver, "solver", _SOLVERS)
    if not isinstance(est.fit_intercept, (bool, np.bool_)):
        raise TypeError(f"fit_intercept must be True or False; got {est.fit_intercept!r}")
    check_scalar(est.max_iter, "max_iter", kind=int, low=1)
    check_scalar(est.tol, "tol", low=0.0, low_inclusive=False)
    if est.learning_rate is not None:
        check_scalar(est.learning_rate, "learning_rate", low=0.0, low_inclusive=False)
    if est.batch_size is not None:
        check_scalar(est.batch_size, "batch_size", kind=int, low=1)
    check_scalar(est.epochs, "epochs", kind=int, low=1)
    if not isinstance(est.variance_reduction, (bool, np.bool_)):
        raise TypeError(
            f"variance_reduction must be True or False; got {est.variance_reduction!r}")
    return check_random_state(est.random_state)


class LinearRegression(RegressorMixin, BaseEstimator):
    r"""Least-squares linear regression with an optional L2 (ridge) penalty.

    Parameters
    ----------
    alpha : float, default=0.0
        L2 penalty strength, ``alpha >= 0``; ``0`` is ordinary least squares (the MLE).
    solver : {"auto", "normal", "gd", "sgd"}, default="auto"
        ``"normal"`` (also ``"auto"``): the closed form, by column-pivoted QR when
        ``alpha == 0`` and by a Cholesky solve of the ridge normal equations when
        ``alpha > 0``. ``"gd"``: full-batch gradient descent with a backtracking (Armijo)
        line search. ``"sgd"``: stochastic gradient steps, by default SAGA, which converges
        to the exact minimizer (see ``variance_reduction``); its epochs run in Numba.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept ``b``.
    max_iter : int, default=1000
        ``"gd"`` only: the most gradient steps.
    tol : float, default=1e-6
        ``"gd"`` and ``"sgd"``: converged once the largest absolute entry of the full-batch
        gradient is at most ``tol`` (SAGA checks it after every epoch and stops there; plain
        SGD, whose gradient does not vanish at a constant step, runs all ``epochs``).
    learning_rate : float or None, default=None
        ``"sgd"``: a constant step; None means SAGA's step with an estimated smoothness
        (:func:`tunelab.optim.saga.saga_linear`), or 0.01 for plain SGD. ``"gd"``: the first
        trial step of the line search (None: 1).
    batch_size : int or None, default=None
        ``"sgd"`` only: samples per step (capped at ``n_samples``); None means 1 for SAGA and
        32 for plain SGD.
    epochs : int, default=1000
        ``"sgd"`` only: the most passes over the data.
    variance_reduction : bool, default=True
        ``"sgd"`` only. True: SAGA (Defazio, Bach and Lacoste-Julien, 2014), whose steps
        correct each sample's gradient by the one stored at its last visit, so that their
        noise vanishes at the optimum and a constant step converges to the exact minimizer
        (linearly when ``alpha > 0``). False: plain minibatch SGD (Robbins-Monro), which at a
        constant step stalls at a distance of order ``learning_rate`` from it.
    random_state : None, int or numpy.random.Generator, default=None
        ``"sgd"`` only: seeds the shuffling of every epoch.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        The coefficients ``w``.
    intercept_ : float
        The intercept ``b`` (``0.0`` when ``fit_intercept=False``).
    n_features_in_ : int
        Number of features seen in ``fit``.
    sigma2_ : float
        Maximum-likelihood noise variance ``RSS / n_samples`` of the fitted model.
    stderr_ : ndarray of shape (n_features,)
        ``alpha == 0`` only: standard errors of ``coef_`` with the unbiased residual variance
        ``RSS / (n_samples - p_eff)``, ``p_eff`` counting the intercept (statsmodels ``bse``).
    intercept_stderr_ : float
        ``alpha == 0`` and ``fit_intercept`` only: the intercept's standard error.
    log_likelihood_ : float
        ``alpha == 0`` only: the Gaussian log-likelihood at the MLE (statsmodels ``llf``).
    n_iter_ : int
        ``"gd"``: gradient steps; ``"sgd"``: epochs run; 1 for the closed form (one solve).
    loss_curve_ : ndarray
        ``"gd"``: the objective at every iterate; ``"sgd"``: SAGA's full objective at the
        start and after every epoch, plain SGD's mean loss over every epoch.

    Notes
    -----
    The objective is

    .. math::
        \min_{w, b}\; \frac{1}{2n}\lVert y - Xw - b\rVert^2 + \frac{\alpha}{2}\lVert w\rVert^2

    The intercept is unpenalized, so it is profiled out by centring ``X`` and ``y``; every
    solver works on the centred data and sets ``b = y_mean - x_mean·w``.

    At ``alpha == 0`` the pivoted QR of the centred ``X`` is computed whatever the solver: it
    gives ``stderr_`` and checks identifiability. A rank-deficient ``X`` (pivots
    ``|R_kk| <= max(n, p)·eps·|R_00|``) then raises ``ValueError`` naming the dependent
    columns, and so does ``n_samples <= p_eff`` (no residual degrees of freedom); both
    advise ``alpha > 0``. No minimum-norm solution is returned in their place.

    When ``"gd"`` or ``"sgd"`` ends short of its tolerance (at ``max_iter`` or ``epochs``,
    or, for ``"gd"``, where no step lowers the objective in floating point) it warns with
    :class:`~tunelab.exceptions.ConvergenceWarning`, stating the objective's gap to the
    exact minimizer, and sets neither ``stderr_`` nor ``log_likelihood_``. An ``"sgd"`` run
    that ends above twice its starting objective (``w = 0``) has diverged and raises
    ``ValueError``.

    References
    ----------
    Golub, G. H. and Van Loan, C. F. (2013). *Matrix Computations*, 4th ed., §5.3–5.4.
    Hastie, T., Tibshirani, R. and Friedman, J. (2009). *The Elements of Statistical
    Learning*, 2nd ed., §3.2 (least squares) and §3.4.1 (ridge).
    Defazio, A., Bach, F. and Lacoste-Julien, S. (2014). SAGA: a fast incremental gradient
    method with support for non-strongly convex composite objectives. *NeurIPS 27*.

    Examples
    --------
    >>> import numpy as np
    >>> from tunelab.models import LinearRegression
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> model = LinearRegression().fit(X, [1.0, 3.1, 4.9, 7.0])
    >>> print(round(model.coef_[0], 3), round(model.intercept_, 3))
    1.98 1.03
    """

    def __init__(
        self,
        *,
        alpha: float = 0.0,
        solver: str = "auto",
        fit_intercept: bool = True,
        max_iter: int = 1000,
        tol: float = 1e-6,
        learning_rate: float | None = None,
        batch_size: int | None = None,
        epochs: int = 1000,
        variance_reduction: bool = True,
        random_state: Any = None,
    ) -> None:
        self.alpha = alpha
        self.solver = solver
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.variance_reduction = variance_reduction
        self.random_state = random_state

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> LinearRegression:
        r"""Fit to ``X`` of shape (n_samples, n_features) and ``y`` of shape (n_samples,).

        ``sample_weight`` (n_samples,) weighs each sample's squared error in the mean loss,
        :math:`\sum_i s_i r_i^2 / (2\sum_i s_i)`: an integer weight repeats a sample, a zero
        weight removes it (``stderr_`` and ``log_likelihood_`` are then those of weighted
        least squares, as statsmodels' ``WLS`` reports them).
        """
        rng = _check_params(self)
        shape = getattr(y, "shape", None) or np.shape(np.asarray(y, dtype=object))
        if len(shape) == 2 and shape[1] > 1:
            raise ValueError(
                f"y must be 1-D (one target); got shape {shape}. Multi-output regression "
                "is not supported: fit one model per column."
            )
        X, y = check_X_y(X, y, estimator=type(self).__name__)
        X, y, weights = _drop_unweighted(X, y, check_sample_weight(sample_weight, len(X)))
        v = None if weights is None else weights * (len(weights) / weights.sum())
        for name in [k for k in vars(self) if k.endswith("_") and not k.startswith("_")]:
            delattr(self, name)  # a refit with other settings must not keep stale attributes
        n, p = X.shape
        fit_intercept = bool(self.fit_intercept)
        Xc, yc, x_mean, y_mean = center(X, y, fit_intercept, v)
        qr = identifiable_qr(Xc, yc, fit_intercept) if self.alpha == 0 else None
        self.n_iter_ = 1  # the closed form is one direct solve; gd and sgd set their own
        self._converged = True  # gd and sgd say otherwise when they stop short
        w = self._solve(Xc, yc, qr, rng)
        self.coef_ = w
        self.intercept_ = float(y_mean - x_mean @ w) if fit_intercept else 0.0
        self.n_features_in_ = p
        resid = y - X @ w - self.intercept_
        rss = float(resid @ resid) if v is None else float(v @ resid**2)
        self.sigma2_ = rss / n
        if qr is not None and self._converged:  # inference only at the optimum
            s2 = rss / (n - p - fit_intercept)
            self.stderr_, intercept_stderr = ols_stderr(qr[1], qr[2], s2, x_mean, n)
            if fit_intercept:
                self.intercept_stderr_ = intercept_stderr
            self.log_likelihood_ = gaussian_log_likelihood(rss, n)
            if weights is not None:  # WLS: the weights are relative noise precisions
                self.log_likelihood_ = gaussian_log_likelihood(
                    float(weights @ resid**2), n) + 0.5 * float(np.sum(np.log(weights)))
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Return ``X @ coef_ + intercept_`` for ``X`` of shape (n_samples, n_features)."""
        X = self._check_n_features(X)
        return X @ self.coef_ + self.intercept_

    def _solve(
        self, Xc: np.ndarray, yc: np.ndarray, qr: tuple | None, rng: np.random.Generator
    ) -> np.ndarray:
        """Coefficients of the centred problem by the chosen solver."""
        if self.solver in ("auto", "normal"):
            return ols_qr(*qr) if qr is not None else ridge_cholesky(Xc, yc, self.alpha)
        if self.solver == "gd":
            w, self.n_iter_, self.loss_curve_, self._converged = fit_gd(self, Xc, yc)
        else:
            w, self.n_iter_, self.loss_curve_, self._converged = fit_sgd(self, Xc, yc, rng)
        return w


def _drop_unweighted(
    X: np.ndarray, y: np.ndarray, weights: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Remove the samples of weight zero, which a weighted fit ignores."""
    if weights is None or np.all(weights > 0):
        return X, y, weights
    keep = weights > 0
    return X[keep], y[keep], weights[keep]
