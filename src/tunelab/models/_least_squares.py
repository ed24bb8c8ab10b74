"""The least-squares algebra of :class:`~tunelab.models.LinearRegression`.

Centring (the intercept profiled out), the pivoted QR that decides identifiability, the ridge
Cholesky solve, and the standard errors and log-likelihood of ordinary least squares. Notation
as in :mod:`tunelab.models.linear`.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

__all__ = ["center", "gaussian_log_likelihood", "identifiable_qr", "ols_qr", "ols_stderr",
           "ridge_cholesky"]


def center(
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


def identifiable_qr(Xc: np.ndarray, yc: np.ndarray, fit_intercept: bool) -> tuple:
    """Pivoted QR ``(qty, R, perm)`` of ``Xc`` after checking that the least-squares estimate
    exists, is unique and has a standard error; ``ValueError`` naming the cause otherwise."""
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
