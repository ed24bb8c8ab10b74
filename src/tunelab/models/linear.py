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

import warnings
from typing import Any

import numpy as np
import scipy.linalg

from tunelab._validation import (
    check_choice,
    check_random_state,
    check_sample_weight,
    check_scalar,
    check_X_y,
)
from tunelab.exceptions import ConvergenceWarning
from tunelab.models._base import BaseEstimator, RegressorMixin

_SOLVERS = ("auto", "normal", "gd", "sgd")


def _center(
    X: np.ndarray, y: np.ndarray, fit_intercept: bool, v: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    r"""Return ``(Xc, yc, x_mean, y_mean)``; the means are zero without an intercept.

    With weights ``v`` (mean 1) the means are weighted and the centred rows are scaled by
    :math:`\sqrt{v_i}`, so that every unweighted solver on ``(Xc, yc)`` minimizes the
    weighted objective :math:`\tfrac{1}{2n}\sum_i v_i (y_i - x_i^\top w - b)^2`.
    """
    if not fit_intercept:
        x_mean, y_mean = np.zeros(X.shape[1]), 0.0
    else:
        x_mean = np.average(X, axis=0, weights=v)
        y_mean = float(np.average(y, weights=v))
    Xc, yc = X - x_mean, y - y_mean
    if v is not None:
        root = np.sqrt(v)
        Xc, yc = Xc * root[:, None], yc * root
    return Xc, yc, x_mean, y_mean


def _rank_tolerance(n: int, p: int) -> float:
    """Relative tolerance on ``|R_kk| / |R_00|`` below which a column counts as dependent.

    ``max(n, p) * eps``, the default of ``numpy.linalg.matrix_rank``: an exactly collinear
    column, built in floating point, leaves a pivot of order ``eps * |R_00|`` (Golub and
    Van Loan 2013, §5.4, on rank detection by QR with column pivoting).
    """
    return max(n, p) * np.finfo(np.float64).eps


def _pivoted_qr(Xc: np.ndarray, yc: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Return ``(qty, R, perm, rank)``: ``Xc[:, perm] = Q @ R``, ``|diag(R)|`` decreasing.

    ``qty = Q.T @ yc`` comes from applying the Householder reflectors to ``yc``, without
    forming the (n, p) matrix ``Q``. The numerical rank counts the pivots with
    ``|R_kk| > tol * |R_00|`` (:func:`_rank_tolerance`).
    """
    qty, R, perm = scipy.linalg.qr_multiply(Xc, yc, mode="right", pivoting=True)
    d = np.abs(np.diag(R))
    tol = _rank_tolerance(*Xc.shape)
    rank = int(np.count_nonzero(d > tol * d[0])) if d.size else 0
    return qty, R, perm, rank


def _rank_error(perm: np.ndarray, rank: int, p: int, fit_intercept: bool) -> ValueError:
    dependent = sorted(int(j) for j in perm[rank:])
    others = "the other columns" + (" or of the intercept" if fit_intercept else "")
    return ValueError(
        f"X is rank-deficient: numerical rank {rank} < {p} columns (pivots of a column-pivoted "
        "QR with |R_kk| <= max(n_samples, n_features) * eps * |R_00| count as zero); "
        f"column(s) {dependent} are (nearly) linear combinations of {others}, so the "
        "least-squares coefficients are not unique at alpha=0. "
        "Use alpha > 0 (ridge) or remove those columns."
    )


def ols_qr(qty: np.ndarray, R: np.ndarray, perm: np.ndarray) -> np.ndarray:
    r"""Least-squares coefficients from a full-rank pivoted QR factorization.

    .. math:: X P = Q R, \qquad R\, z = Q^\top y, \qquad w = P z

    References
    ----------
    Golub, G. H. and Van Loan, C. F. (2013). *Matrix Computations*, 4th ed., §5.3 (the
    full-rank least-squares problem by QR) and §5.4 (QR with column pivoting).
    """
    z = scipy.linalg.solve_triangular(R, qty, lower=False)
    w = np.empty_like(z)
    w[perm] = z
    return w


def ridge_cholesky(Xc: np.ndarray, yc: np.ndarray, alpha: float) -> np.ndarray:
    r"""Ridge coefficients by a Cholesky solve of the primal or the dual normal equations.

    .. math::
        w = (X^\top X + n\alpha I_p)^{-1} X^\top y
          = X^\top (X X^\top + n\alpha I_n)^{-1} y

    The primal (p × p) system is solved when ``p <= n``, the dual (n × n) one otherwise.
    Both matrices are symmetric positive definite for ``alpha > 0``.

    References
    ----------
    Hastie, T., Tibshirani, R. and Friedman, J. (2009). *The Elements of Statistical
    Learning*, 2nd ed., §3.4.1, Eq. (3.44). The dual form: Murphy, K. P. (2012). *Machine
    Learning: A Probabilistic Perspective*, §14.4.3 (kernelized ridge regression).
    """
    n, p = Xc.shape
    try:
        if p <= n:
            A = Xc.T @ Xc
            A[np.diag_indices_from(A)] += n * alpha
            return scipy.linalg.cho_solve(scipy.linalg.cho_factor(A), Xc.T @ yc)
        K = Xc @ Xc.T
        K[np.diag_indices_from(K)] += n * alpha
        return Xc.T @ scipy.linalg.cho_solve(scipy.linalg.cho_factor(K), yc)
    except np.linalg.LinAlgError as exc:
        raise ValueError(
            f"the ridge system is not numerically positive definite at alpha={alpha!r}; "
            "increase alpha"
        ) from exc


def ols_stderr(
    R: np.ndarray, perm: np.ndarray, s2: float, x_mean: np.ndarray, n: int
) -> tuple[np.ndarray, float]:
    r"""Standard errors of the OLS coefficients and of the intercept.

    With :math:`X_c P = QR` and :math:`s^2 = \mathrm{RSS}/(n - p_{\mathrm{eff}})`,

    .. math::
        \operatorname{Cov}(\hat w) = s^2 (X_c^\top X_c)^{-1} = s^2 P R^{-1} R^{-\top} P^\top,
        \qquad
        \operatorname{Var}(\hat b) = s^2 \bigl(1/n + \|R^{-\top} P^\top \bar x\|^2\bigr),

    so the variances are the squared row norms of :math:`R^{-1}` (a triangular solve). The
    intercept's variance follows from :math:`\hat b = \bar y - \bar x^\top \hat w`, with
    :math:`\bar y` uncorrelated with the centred :math:`\hat w`.

    References
    ----------
    Hastie, T., Tibshirani, R. and Friedman, J. (2009). *The Elements of Statistical
    Learning*, 2nd ed., §3.2 (covariance of the least-squares estimate and the unbiased
    :math:`\hat\sigma^2` with :math:`N - p - 1` degrees of freedom).
    """
    p = R.shape[1]
    R_inv = scipy.linalg.solve_triangular(R, np.eye(p), lower=False)
    stderr = np.empty(p)
    stderr[perm] = np.sqrt(s2 * np.sum(R_inv**2, axis=1))
    u = scipy.linalg.solve_triangular(R, x_mean[perm], trans="T", lower=False)
    return stderr, float(np.sqrt(s2 * (1.0 / n + u @ u)))


def gaussian_log_likelihood(rss: float, n: int) -> float:
    r"""Gaussian log-likelihood at the MLE of the coefficients and of the noise variance.

    .. math:: \ell = -\tfrac{n}{2}\left(\log(2\pi\hat\sigma^2) + 1\right),
              \qquad \hat\sigma^2 = \mathrm{RSS}/n

    An exact fit (``rss == 0``) gives ``+inf``.

    References
    ----------
    Bishop, C. M. (2006). *Pattern Recognition and Machine Learning*, §3.1.1, Eqs. (3.11)
    and (3.21).
    """
    with np.errstate(divide="ignore"):
        return float(-0.5 * n * (np.log(2.0 * np.pi * rss / n) + 1.0))


def _check_params(est: LinearRegression) -> np.random.Generator:
    """Validate every hyperparameter (whatever the solver) and return the generator."""
    check_scalar(est.alpha, "alpha", low=0.0)
    check_choice(est.solver, "solver", _SOLVERS)
    if not isinstance(est.fit_intercept, (bool, np.bool_)):
        raise TypeError(f"fit_intercept must be True or False; got {est.fit_intercept!r}")
    check_scalar(est.max_iter, "max_iter", kind=int, low=1)
    check_scalar(est.tol, "tol", low=0.0, low_inclusive=False)
    check_scalar(est.learning_rate, "learning_rate", low=0.0, low_inclusive=False)
    check_scalar(est.batch_size, "batch_size", kind=int, low=1)
    check_scalar(est.epochs, "epochs", kind=int, low=1)
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
        line search. ``"sgd"``: minibatch stochastic gradient descent at a constant
        ``learning_rate``, its epochs run by a Numba kernel.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept ``b``.
    max_iter : int, default=1000
        ``"gd"`` only: the most gradient steps.
    tol : float, default=1e-6
        ``"gd"``: stop once the largest absolute gradient entry is at most ``tol``.
        ``"sgd"``: stop once the epoch's loss has failed to drop by ``tol`` for 5 epochs.
    learning_rate : float, default=0.01
        ``"sgd"``: the constant step size. ``"gd"``: the first trial step of the line search.
    batch_size : int, default=32
        ``"sgd"`` only: samples per minibatch (capped at ``n_samples``).
    epochs : int, default=100
        ``"sgd"`` only: the most passes over the data.
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
        ``"gd"``: the objective at every iterate; ``"sgd"``: the mean loss of every epoch.

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

    When ``"gd"`` or ``"sgd"`` stops short of its tolerance (at ``max_iter`` or ``epochs``,
    or, for ``"gd"``, where no step lowers the objective in floating point) it warns with
    :class:`~tunelab.exceptions.ConvergenceWarning`. An ``"sgd"`` run that ends above twice
    its starting objective (``w = 0``) has diverged and raises ``ValueError``.

    References
    ----------
    Golub, G. H. and Van Loan, C. F. (2013). *Matrix Computations*, 4th ed., §5.3–5.4.
    Hastie, T., Tibshirani, R. and Friedman, J. (2009). *The Elements of Statistical
    Learning*, 2nd ed., §3.2 (least squares) and §3.4.1 (ridge).

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
        learning_rate: float = 0.01,
        batch_size: int = 32,
        epochs: int = 100,
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
        Xc, yc, x_mean, y_mean = _center(X, y, fit_intercept, v)
        qr = self._identifiable_qr(Xc, yc, fit_intercept) if self.alpha == 0 else None
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

    def _identifiable_qr(self, Xc: np.ndarray, yc: np.ndarray, fit_intercept: bool) -> tuple:
        """Pivoted QR of ``Xc`` after checking that the MLE exists, is unique and has a stderr."""
        n, p = Xc.shape
        p_eff = p + fit_intercept
        if n <= p_eff:
            raise ValueError(
                f"n_samples={n} must exceed the number of fitted parameters p_eff={p_eff} "
                f"({p} coefficient(s){' + intercept' if fit_intercept else ''}) at alpha=0: "
                "least squares needs n_samples - p_eff > 0 residual degrees of freedom for "
                "stderr_. Use alpha > 0 or fewer features."
            )
        qty, R, perm, rank = _pivoted_qr(Xc, yc)
        if rank < p:
            raise _rank_error(perm, rank, p, fit_intercept)
        return qty, R, perm

    def _solve(
        self, Xc: np.ndarray, yc: np.ndarray, qr: tuple | None, rng: np.random.Generator
    ) -> np.ndarray:
        """Coefficients of the centred problem by the chosen solver."""
        if self.solver in ("auto", "normal"):
            return ols_qr(*qr) if qr is not None else ridge_cholesky(Xc, yc, self.alpha)
        if self.solver == "gd":
            return self._fit_gd(Xc, yc)
        return self._fit_sgd(Xc, yc, rng)

    def _fit_gd(self, Xc: np.ndarray, yc: np.ndarray) -> np.ndarray:
        # imported here so that the closed form never loads the optimizers (nor Numba)
        from tunelab.losses import squared_loss
        from tunelab.optim.gradient_descent import gradient_descent

        alpha = float(self.alpha)

        def fun(theta: np.ndarray) -> tuple[float, np.ndarray]:
            return squared_loss(theta, Xc, yc, alpha, fit_intercept=False)

        result = gradient_descent(
            fun,
            np.zeros(Xc.shape[1]),
            learning_rate=self.learning_rate,
            max_iter=self.max_iter,
            tol=self.tol,
            line_search=True,
        )
        self.n_iter_, self.loss_curve_ = result.n_iter, result.loss_curve
        self._converged = bool(result.converged)
        if not result.converged:
            why = (
                f"at max_iter={self.max_iter}"
                if result.n_iter >= self.max_iter
                else f"after {result.n_iter} iterations, where no step decreased the objective"
            )
            _warn(
                f"solver='gd' stopped {why} with max|gradient| = {result.grad_norm:.2e} > "
                f"tol={self.tol!r}; increase max_iter or tol"
            )
        return result.x

    def _fit_sgd(self, Xc: np.ndarray, yc: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        from tunelab.optim.sgd import sgd_linear

        result = sgd_linear(
            Xc,
            yc,
            np.zeros(Xc.shape[1]),
            loss="squared",
            alpha=float(self.alpha),
            fit_intercept=False,
            learning_rate=float(self.learning_rate),
            batch_size=self.batch_size,
            epochs=self.epochs,
            schedule="constant",
            random_state=rng,
            tol=self.tol,
        )
        # Unstable steps make the objective grow geometrically, and a rising loss also trips
        # the stall rule; ending above twice the objective at the start (w = 0) marks them.
        start = 0.5 * float(yc @ yc) / len(yc)
        if not (np.all(np.isfinite(result.x)) and result.fun <= 2.0 * start):
            raise ValueError(
                f"solver='sgd' diverged: the objective went from {start:.3g} at w = 0 to "
                f"{result.fun:.3g} after {result.n_iter} epoch(s); lower learning_rate "
                f"(got {self.learning_rate!r}) or standardize the features"
            )
        self.n_iter_, self.loss_curve_ = result.n_iter, result.loss_curve
        self._check_sgd_optimum(Xc, yc, result.x, result.converged)
        return result.x

    def _check_sgd_optimum(self, Xc: np.ndarray, yc: np.ndarray, w: np.ndarray,
                           epoch_rule_met: bool) -> None:
        r"""Warn unless SGD ended at the optimum: the full-batch gradient
        :math:`X_c^\top(X_c w - y_c)/n + \alpha w` within ``tol``; the warning states the
        objective's gap to the exact minimizer (computed by the closed form)."""
        n, alpha = len(yc), float(self.alpha)
        grad = Xc.T @ (Xc @ w - yc) / n + alpha * w
        g = float(np.max(np.abs(grad))) if grad.size else 0.0
        if g <= self.tol:
            return
        self._converged = False
        exact = (np.linalg.lstsq(Xc, yc, rcond=None)[0] if alpha == 0
                 else ridge_cholesky(Xc, yc, alpha))

        def objective(v: np.ndarray) -> float:
            r = yc - Xc @ v
            return 0.5 * float(r @ r) / n + 0.5 * alpha * float(v @ v)

        best = objective(exact)
        gap = objective(w) - best
        why = ("its epoch loss stopped falling by tol" if epoch_rule_met
               else f"it ran all epochs={self.epochs}")
        _warn(
            f"solver='sgd' stopped after {self.n_iter_} epoch(s), where {why}, short of the "
            f"optimum: full-batch max|gradient| = {g:.2e} > tol={self.tol!r}, objective "
            f"{gap:.3g} above the minimum {best:.6g} (relative {gap / max(abs(best), 1e-300):.2e})"
            "; stderr_ and log_likelihood_ are not set. Increase epochs or lower learning_rate",
            stacklevel=6,
        )


def _drop_unweighted(
    X: np.ndarray, y: np.ndarray, weights: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Remove the samples of weight zero, which a weighted fit ignores."""
    if weights is None or np.all(weights > 0):
        return X, y, weights
    keep = weights > 0
    return X[keep], y[keep], weights[keep]


def _warn(message: str, stacklevel: int = 5) -> None:
    warnings.warn(
        f"{message}, or use solver='normal' (the exact closed form).",
        ConvergenceWarning,
        stacklevel=stacklevel,  # 5: _warn < _fit_gd/_fit_sgd < _solve < fit < fit's caller
    )
