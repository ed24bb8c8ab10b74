"""The log marginal likelihood of a GP, its gradient, and its maximization (ML-II).

Notation of :mod:`tunelab.gp.regression` (Rasmussen and Williams 2006):

.. math::

    \\log p(y \\mid X, \\theta)
    = -\\tfrac12 y^T \\alpha - \\sum_i \\log L_{ii} - \\tfrac n2 \\log 2\\pi,
    \\qquad
    \\frac{\\partial}{\\partial \\theta_p} \\log p = \\tfrac12 \\operatorname{tr}\\Big(
    (\\alpha\\alpha^T - K_y^{-1}) \\frac{\\partial K_y}{\\partial\\theta_p}\\Big),

with :math:`K_y = K + \\sigma_n^2 I = L L^T` and :math:`\\alpha = K_y^{-1} y`. The trace is
contracted pair by pair (:func:`tunelab.gp._jit.gradient_trace`), so the ``(n, n, n_theta)``
tensor of kernel derivatives is never formed; :math:`K_y^{-1}` comes from ``L`` by LAPACK
``potri``. The noise enters through
:math:`\\partial K_y/\\partial \\log\\sigma_n^2 = \\sigma_n^2 I`.

References
----------
.. [1] C. E. Rasmussen and C. K. I. Williams, "Gaussian Processes for Machine Learning", MIT
   Press, 2006, Alg. 2.1 (line 8) and Eq. (5.9); Sec. 5.4.1 (ML-II).
.. [2] R. H. Byrd, P. Lu, J. Nocedal and C. Zhu, "A limited memory algorithm for bound
   constrained optimization", SIAM J. Sci. Comput. 16(5), 1995 (L-BFGS-B).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.linalg import cho_solve, lapack
from scipy.optimize import minimize

from tunelab.gp._linalg import cholesky_jitter
from tunelab.gp.kernels import Kernel

__all__ = ["inverse_from_cholesky", "log_marginal_likelihood", "maximize"]

Objective = Callable[[np.ndarray], tuple[float, np.ndarray]]


def inverse_from_cholesky(L: np.ndarray) -> np.ndarray:
    """:math:`(L L^T)^{-1}` from the lower factor ``L`` (LAPACK ``dpotri``), symmetric."""
    C, info = lapack.dpotri(L, lower=1)
    if info != 0:
        raise np.linalg.LinAlgError(f"potri failed with info={info}")
    return np.tril(C) + np.tril(C, -1).T


def log_marginal_likelihood(
    kernel: Kernel,
    X: np.ndarray,
    y: np.ndarray,
    noise: float,
    *,
    eval_gradient: bool = False,
    noise_gradient: bool = False,
) -> tuple[float, np.ndarray | None]:
    """``(lml, grad)``: R&W Alg. 2.1 and Eq. (5.9); ``grad`` is ``None`` unless asked.

    ``grad`` is with respect to ``kernel.theta``, followed by ``log noise`` when
    ``noise_gradient``. Raises ``LinAlgError`` when :math:`K_y` cannot be factored.
    """
    K = kernel._matrix(X)
    K[np.diag_indices_from(K)] += noise
    L, _ = cholesky_jitter(K, warn=False)  # Alg. 2.1, line 2
    alpha = cho_solve((L, True), y, check_finite=False)  # line 3
    value = float(
        -0.5 * (y @ alpha) - np.log(np.diag(L)).sum() - 0.5 * len(y) * np.log(2.0 * np.pi)
    )  # line 8
    if not eval_gradient:
        return value, None
    W = np.outer(alpha, alpha) - inverse_from_cholesky(L)  # Eq. (5.9)
    grad = 0.5 * kernel._gradient_trace(X, W)
    if noise_gradient:
        grad = np.append(grad, 0.5 * noise * np.trace(W))
    return value, grad


def maximize(
    objective: Objective, x0: np.ndarray, bounds: np.ndarray, n_restarts: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, float]:
    """Minimize ``objective`` (value and gradient) by L-BFGS-B from ``x0`` and random starts.

    The ``n_restarts`` extra starts are uniform in ``bounds``, drawn from ``rng``. A start that
    fails (an exception, a non-finite optimum) is skipped; the best point found is returned,
    never worse than ``x0`` (clipped into ``bounds``). Returns ``(x, value)``; ``value`` is
    ``inf`` when every evaluation failed.
    """
    x0 = np.clip(x0, bounds[:, 0], bounds[:, 1])
    starts = [x0, *rng.uniform(bounds[:, 0], bounds[:, 1], size=(n_restarts, len(x0)))]
    best_x, best_f = x0, _safe_value(objective, x0)
    for start in starts:
        try:
            result = minimize(objective, start, jac=True, method="L-BFGS-B", bounds=bounds)
        except (np.linalg.LinAlgError, ValueError, FloatingPointError):
            continue
        if np.isfinite(result.fun) and result.fun < best_f:
            best_x, best_f = np.clip(result.x, bounds[:, 0], bounds[:, 1]), float(result.fun)
    return best_x, best_f


def _safe_value(objective: Objective, x: np.ndarray) -> float:
    try:
        value = float(objective(x)[0])
    except (np.linalg.LinAlgError, ValueError, FloatingPointError):
        return np.inf
    return value if np.isfinite(value) else np.inf
