r"""Damped Newton's method: Cholesky-solved Newton steps with a backtracking line search.

References
----------
.. [1] Nocedal and Wright (2006), *Numerical Optimization*, 2nd ed., Sec. 3.4, Algorithm 3.2
   (line search Newton with modification) and Algorithm 3.3 (Cholesky with added multiple of
   the identity).
.. [2] Boyd and Vandenberghe (2004), *Convex Optimization*, Sec. 9.5, Algorithm 9.5.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.linalg import LinAlgError, cho_factor, cho_solve

from tunelab._validation import check_array, check_scalar
from tunelab.optim.line_search import backtracking_line_search
from tunelab.optim.result import OptimizeResult, Trace

__all__ = ["newton"]

_BETA = 1e-3  # Algorithm 3.3's heuristic beta (Nocedal and Wright, 2006), relative to max |H_ii|


def _newton_direction(H: np.ndarray, g: np.ndarray) -> np.ndarray:
    r"""Solve :math:`(H + \tau I) d = -g` with the smallest tried :math:`\tau \ge 0` that makes
    the matrix positive definite (Nocedal and Wright (2006), Algorithm 3.3)."""
    diag = np.diag(H)
    beta = _BETA * max(1.0, float(np.max(np.abs(diag))))
    tau = 0.0 if np.min(diag) > 0 else beta - float(np.min(diag))
    eye = np.eye(len(g))
    for _ in range(100):
        try:
            factor = cho_factor(H + tau * eye if tau else H, lower=True, check_finite=False)
        except LinAlgError:
            tau = max(2.0 * tau, beta)
            continue
        return -cho_solve(factor, g, check_finite=False)
    return -g


def newton(
    fun: Callable[[np.ndarray], tuple[float, np.ndarray, np.ndarray]],
    x0: np.ndarray,
    *,
    max_iter: int = 100,
    tol: float = 1e-8,
    record_path: bool = False,
) -> OptimizeResult:
    r"""Minimize a twice-differentiable ``fun`` by damped Newton's method.

    Each iteration solves :math:`(H_k + \tau_k I)\,d_k = -\nabla f(x_k)` by Cholesky, with
    :math:`\tau_k = 0` whenever :math:`H_k` is positive definite (Algorithm 3.3 of Nocedal and
    Wright adds a growing multiple of the identity otherwise), then takes the Armijo step
    :math:`x_{k+1} = x_k + t_k d_k` found by backtracking from :math:`t = 1`. Near a minimum
    with positive definite Hessian the unit step is accepted and convergence is quadratic.

    Stops when :math:`\|\nabla f(x_k)\|_\infty \le` ``tol``, after ``max_iter`` iterations,
    or when no step decreases ``fun`` (the limit of floating point).

    Parameters
    ----------
    fun : callable
        ``fun(x) -> (f, g, H)``: value, gradient and dense Hessian at a 1-D float array.
    x0 : array-like of shape (n_params,)
        The starting point (copied).
    max_iter : int, default=100
    tol : float, default=1e-8
        Tolerance on the infinity norm of the gradient.

    record_path : bool, default=False
        Keep every iterate, its objective and the step :math:`t_k` in
        ``OptimizeResult.path`` (the step multiplies the Newton direction, not the gradient).
    Returns
    -------
    OptimizeResult
        ``loss_curve`` holds ``f(x0)`` and the value after each iteration.

    References
    ----------
    Nocedal and Wright (2006), Algorithms 3.2 and 3.3; Boyd and Vandenberghe (2004), Alg. 9.5.
    """
    check_scalar(max_iter, "max_iter", kind=int, low=0)
    check_scalar(tol, "tol", low=0.0)
    x = check_array(x0, "x0", ndim=1).copy()
    f, g, H = fun(x)
    trace = Trace(x, f, record_path)
    last_hessian = [H]

    def value_and_grad(point: np.ndarray) -> tuple[float, np.ndarray]:
        f_new, g_new, H_new = fun(point)
        last_hessian[0] = H_new  # the accepted point is the last one evaluated
        return f_new, g_new

    n_iter = 0
    while np.max(np.abs(g)) > tol and n_iter < max_iter:
        d = _newton_direction(H, g)
        if not np.dot(g, d) < 0.0:  # round-off on a nearly singular H: fall back to -g
            d = -g
        step, f, g = backtracking_line_search(value_and_grad, x, f, g, d)
        if step == 0.0:
            break
        x += step * d
        H = last_hessian[0]
        trace.add(x, f, step)
        n_iter += 1
    grad_norm = float(np.max(np.abs(g)))
    return OptimizeResult(x, f, grad_norm, n_iter, grad_norm <= tol, trace.curve, trace.path())
