r"""Full-batch gradient descent, with a fixed step or a backtracking line search.

References
----------
.. [1] Nocedal and Wright (2006), *Numerical Optimization*, 2nd ed., Sec. 3.1 (steepest descent
   with Armijo backtracking, Algorithm 3.1).
.. [2] Barzilai and Borwein (1988), "Two-point step size gradient methods", *IMA J. Numer.
   Anal.* 8(1), 141-148.
.. [3] Boyd and Vandenberghe (2004), *Convex Optimization*, Sec. 9.3, Algorithm 9.3.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tunelab._validation import check_array, check_scalar
from tunelab.optim.line_search import backtracking_line_search
from tunelab.optim.result import OptimizeResult, Trace

__all__ = ["gradient_descent"]


def gradient_descent(
    fun: Callable[[np.ndarray], tuple[float, np.ndarray]],
    x0: np.ndarray,
    *,
    learning_rate: float | None = None,
    max_iter: int = 1000,
    tol: float = 1e-6,
    line_search: bool = True,
    record_path: bool = False,
) -> OptimizeResult:
    r"""Minimize ``fun`` by steepest descent :math:`x_{k+1} = x_k - t_k \nabla f(x_k)`.

    With ``line_search=True`` each step :math:`t_k` comes from Armijo backtracking
    (:func:`~tunelab.optim.backtracking_line_search`) started at the Barzilai-Borwein step

    .. math::

        t_k^{(0)} = \frac{s^\top s}{s^\top y}, \qquad s = x_k - x_{k-1}, \quad
        y = \nabla f(x_k) - \nabla f(x_{k-1}),

    the inverse of a secant estimate of the curvature along the last step (twice the last step
    when :math:`s^\top y \le 0`; ``learning_rate``, or 1, on the first iteration). The
    backtracking keeps every step a descent step. With ``line_search=False`` the step is the
    constant ``learning_rate``; it converges for an :math:`L`-smooth convex ``fun`` when
    ``learning_rate`` :math:`< 2/L`.

    Stops when :math:`\|\nabla f(x_k)\|_\infty \le` ``tol`` (converged), after ``max_iter``
    iterations, when no step decreases ``fun`` any more (the line search returns 0: the
    limit of floating point), or when a fixed step produces a non-finite value (divergence:
    the result then holds that point and its non-finite value, and ``converged`` is False).

    Parameters
    ----------
    fun : callable
        ``fun(x) -> (f, g)``: value and gradient at a 1-D float array.
    x0 : array-like of shape (n_params,)
        The starting point (copied).
    learning_rate : float or None, default=None
        The constant step (``line_search=False``, then required) or the first trial step.
    max_iter : int, default=1000
    tol : float, default=1e-6
        Tolerance on the infinity norm of the gradient.
    line_search : bool, default=True

    record_path : bool, default=False
        Keep every iterate, its objective and the step taken in ``OptimizeResult.path``.
    Returns
    -------
    OptimizeResult
        ``loss_curve`` holds ``f(x0)`` and the value after each iteration.

    References
    ----------
    Nocedal and Wright (2006), Algorithm 3.1; Barzilai and Borwein (1988);
    Boyd and Vandenberghe (2004), Algorithm 9.3.
    """
    if learning_rate is not None:
        check_scalar(learning_rate, "learning_rate", low=0.0, low_inclusive=False)
    elif not line_search:
        raise ValueError("learning_rate must be a positive number when line_search=False; got None")
    check_scalar(max_iter, "max_iter", kind=int, low=0)
    check_scalar(tol, "tol", low=0.0)
    x = check_array(x0, "x0", ndim=1).copy()
    f, g = fun(x)
    trace = Trace(x, f, record_path)
    step = 1.0 if learning_rate is None else float(learning_rate)
    n_iter = 0
    while np.max(np.abs(g)) > tol and n_iter < max_iter:
        if line_search:
            step, f_new, g_new = backtracking_line_search(fun, x, f, g, -g, step=step)
            if step == 0.0:
                break
        else:
            with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported
                f_new, g_new = fun(x - step * g)
        s, y = -step * g, g_new - g
        x += s
        f, g = f_new, g_new
        trace.add(x, f, step)
        n_iter += 1
        if not np.isfinite(f):
            break
        if line_search:
            sy = float(s @ y)
            step = float(s @ s) / sy if sy > 0 else 2.0 * step  # Barzilai-Borwein
    with np.errstate(invalid="ignore"):
        grad_norm = float(np.max(np.abs(g)))
    converged = bool(np.isfinite(f) and grad_norm <= tol)
    return OptimizeResult(x, f, grad_norm, n_iter, converged, trace.curve, trace.path())
