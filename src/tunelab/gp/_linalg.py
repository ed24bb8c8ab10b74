"""Cholesky factorization with adaptive jitter, the one matrix decomposition of the GP.

A kernel matrix that is positive definite in exact arithmetic can fail to factor in floating
point (duplicate inputs, long lengthscales, no noise). Jitter :math:`\\epsilon I` is then added,
starting at ``1e-10`` times the mean diagonal and growing tenfold up to ``1e-4`` times it;
past that the matrix is not a usable covariance and a ``LinAlgError`` says how to fix it.

On small matrices the threads of the BLAS library cost more in synchronization than they
save, badly so on a loaded machine (LAPACK ``potri`` of a 30 x 30 matrix can take milliseconds
instead of microseconds); :func:`blas_threads` pins them to one around the GP's small
factorizations and solves.

References
----------
.. [1] C. E. Rasmussen and C. K. I. Williams, "Gaussian Processes for Machine Learning", MIT
   Press, 2006, Sec. A.4 (Cholesky decomposition) and Alg. 2.1.
"""

from __future__ import annotations

import contextlib
import functools
import warnings
from collections.abc import Iterator

import numpy as np
from scipy.linalg import cholesky

__all__ = ["JitterWarning", "blas_threads", "cholesky_jitter"]

JITTER_START = 1e-10
JITTER_MAX = 1e-4
SMALL = 500  # matrices up to this size are factored with one BLAS thread


@functools.cache
def _controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


@contextlib.contextmanager
def blas_threads(n: int) -> Iterator[None]:
    """Within the block, one BLAS thread when matrices are ``n x n`` with ``n <= SMALL``.

    The limit is process-wide while the block runs, as all of threadpoolctl's limits are.
    """
    if n > SMALL:
        yield
        return
    with _controller().limit(limits=1, user_api="blas"):
        yield


class JitterWarning(UserWarning):
    """A covariance matrix needed jitter on its diagonal to be factored."""


def cholesky_jitter(A: np.ndarray, *, warn: bool = True) -> tuple[np.ndarray, float]:
    """Lower Cholesky factor of ``A + jitter * I`` with the smallest jitter that works.

    Parameters
    ----------
    A : ndarray of shape (n, n)
        A symmetric matrix, positive definite up to round-off.
    warn : bool, default=True
        Emit a :class:`JitterWarning` when jitter was needed.

    Returns
    -------
    L : ndarray of shape (n, n)
        Lower triangular, :math:`L L^T = A + \\epsilon I`.
    jitter : float
        The :math:`\\epsilon` used, ``0.0`` when ``A`` factored as is.
    """
    if not np.all(np.isfinite(A)):
        raise np.linalg.LinAlgError("the covariance matrix contains NaN or infinity")
    try:
        return cholesky(A, lower=True, check_finite=False), 0.0
    except np.linalg.LinAlgError:
        pass
    scale = float(np.mean(np.diag(A)))
    scale = scale if scale > 0.0 else 1.0
    eye = np.eye(len(A))
    jitter = JITTER_START * scale
    while jitter <= JITTER_MAX * scale * (1.0 + 1e-9):
        try:
            L = cholesky(A + jitter * eye, lower=True, check_finite=False)
        except np.linalg.LinAlgError:
            jitter *= 10.0
            continue
        if warn:
            warnings.warn(
                f"the covariance matrix was not numerically positive definite; added jitter "
                f"{jitter:.1e} to its diagonal (increase noise to avoid this)",
                JitterWarning,
                stacklevel=3,
            )
        return L, jitter
    raise np.linalg.LinAlgError(
        f"the covariance matrix is not positive definite even with jitter "
        f"{JITTER_MAX * scale:.1e} on its diagonal; increase noise, remove duplicate inputs "
        f"or shorten the lengthscales"
    )
