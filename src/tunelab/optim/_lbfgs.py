r"""Limited-memory BFGS: a quasi-Newton method that keeps the last few curvature pairs.

BFGS builds an approximation :math:`H_k` of the inverse Hessian from the steps
:math:`s_i = x_{i+1} - x_i` and gradient changes :math:`y_i = \nabla f_{i+1} - \nabla f_i`,

.. math::

    H_{i+1} = (I - \rho_i s_i y_i^\top)\, H_i\, (I - \rho_i y_i s_i^\top) + \rho_i s_i s_i^\top,
    \qquad \rho_i = 1 / (y_i^\top s_i),

which satisfies the secant equation :math:`H_{i+1} y_i = s_i`. L-BFGS never forms
:math:`H_k`: it applies the last ``m`` updates to :math:`H_k^0 = \gamma_k I`,
:math:`\gamma_k = s_{k-1}^\top y_{k-1} / y_{k-1}^\top y_{k-1}`, by the two-loop recursion, in
:math:`O(m\,n)` per iteration, and steps along :math:`-H_k \nabla f_k` with a strong Wolfe
line search (which keeps :math:`y^\top s > 0`, so every :math:`H_k` stays positive definite).

References
----------
.. [1] Nocedal (1980), "Updating quasi-Newton matrices with limited storage", *Math. Comp.*
   35(151), 773-782.
.. [2] Liu and Nocedal (1989), "On the limited memory BFGS method for large scale
   optimization", *Math. Program.* 45, 503-528.
.. [3] Nocedal and Wright (2006), *Numerical Optimization*, 2nd ed., Eq. (6.17) (the BFGS
   update), Algorithms 7.4 (two-loop recursion) and 7.5 (L-BFGS), Eq. (7.20) (the scaling).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import numpy as np

from tunelab._validation import check_array, check_scalar
from tunelab.optim.result import OptimizeResult, Trace
from tunelab.optim.wolfe import wolfe_line_search

__all__ = ["lbfgs"]

_CURVATURE_FLOOR = 1e-10  # a pair with y's < this * |s| |y| carries no usable curvature


def two_loop(g: np.ndarray, pairs: deque, gamma: float) -> np.ndarray:
    r"""Return :math:`H_k g` for the L-BFGS matrix of ``pairs`` on :math:`H_k^0 = \gamma I`.

    Nocedal and Wright (2006), Algorithm 7.4: the first loop runs from the newest pair to the
    oldest, :math:`a_i = \rho_i s_i^\top q`, :math:`q \leftarrow q - a_i y_i`; then
    :math:`r = \gamma q`; the second runs from the oldest to the newest,
    :math:`r \leftarrow r + s_i (a_i - \rho_i y_i^\top r)`.

    Parameters
    ----------
    g : ndarray of shape (n_params,)
    pairs : deque of (s, y, rho)
        The stored curvature pairs, oldest first.
    gamma : float
        The scale of the initial matrix.
    """
    q = g.copy()
    alphas = []
    for s, y, rho in reversed(pairs):
        a = rho * float(s @ q)
        q -= a * y
        alphas.append(a)
    r = gamma * q
    for (s, y, rho), a in zip(pairs, reversed(alphas), strict=True):
        r += s * (a - rho * float(y @ r))
    return r


def lbfgs(
    fun: Callable[[np.ndarray], tuple[float, np.ndarray]],
    x0: np.ndarray,
    *,
    m: int = 10,
    max_iter: int = 1000,
    tol: float = 1e-6,
    record_path: bool = False,
) -> OptimizeResult:
    r"""Minimize ``fun`` by L-BFGS with a strong Wolfe line search.

    Iteration :math:`k` takes the direction :math:`d_k = -H_k \nabla f(x_k)` from the two-loop
    recursion over the last ``m`` pairs :math:`(s_i, y_i)` (:func:`two_loop`), and a step
    :math:`t_k` from :func:`~tunelab.optim.wolfe_line_search` started at 1 (at
    :math:`1/\|\nabla f(x_0)\|_2` on the first iteration, where :math:`H_0 = I` has no scale
    yet). A pair whose curvature :math:`y^\top s` is not positive (round-off, or a line search
    that ran out of evaluations) is not stored.

    Stops when :math:`\|\nabla f(x_k)\|_\infty \le` ``tol`` (converged), after ``max_iter``
    iterations, or when no step decreases ``fun`` any more (the limit of floating point).

    Parameters
    ----------
    fun : callable
        ``fun(x) -> (f, g)``: value and gradient at a 1-D float array.
    x0 : array-like of shape (n_params,)
        The starting point (copied).
    m : int, default=10
        The number of curvature pairs kept (3 to 20 is usual; Liu and Nocedal 1989).
    max_iter : int, default=1000
    tol : float, default=1e-6
        Tolerance on the infinity norm of the gradient.
    record_path : bool, default=False
        Keep every iterate, its objective and the step :math:`t_k` in
        ``OptimizeResult.path`` (the step multiplies the quasi-Newton direction).

    Returns
    -------
    OptimizeResult
        ``loss_curve`` holds ``f(x0)`` and the value after each iteration.

    Raises
    ------
    ValueError
        For a bad argument, or when ``fun(x0)`` is not finite or its gradient has another
        shape than ``x0``. Later non-finite values are rejected by the line search.

    References
    ----------
    Nocedal (1980); Liu and Nocedal (1989); Nocedal and Wright (2006), Algorithm 7.5.
    """
    check_scalar(m, "m", kind=int, low=1)
    check_scalar(max_iter, "max_iter", kind=int, low=0)
    check_scalar(tol, "tol", low=0.0)
    x = check_array(x0, "x0", ndim=1).copy()
    f, g = fun(x)
    f = float(f)
    g = np.asarray(g, dtype=np.float64)
    if g.shape != x.shape:
        raise ValueError(f"fun(x0) must return a gradient of shape {x.shape}; got {g.shape}")
    if not (np.isfinite(f) and np.all(np.isfinite(g))):
        raise ValueError(f"fun(x0) must be finite, value and gradient; got value {f} and "
                         f"{int(np.sum(~np.isfinite(g)))} non-finite gradient entries")
    trace = Trace(x, f, record_path)
    pairs: deque = deque(maxlen=m)
    gamma = 1.0
    n_iter = 0
    while np.max(np.abs(g)) > tol and n_iter < max_iter:
        d = -two_loop(g, pairs, gamma)
        first = 1.0 if pairs else 1.0 / max(float(np.linalg.norm(g)), 1e-300)
        if not float(g @ d) < 0.0:  # round-off in an ill-conditioned H: restart from -g
            pairs.clear()
            d, first = -g, 1.0 / float(np.linalg.norm(g))
        step, f_new, g_new = wolfe_line_search(fun, x, f, g, d, step=first)
        if step == 0.0:
            break
        s, y = step * d, g_new - g
        x += s
        f, g = f_new, np.asarray(g_new, dtype=np.float64)
        sy = float(s @ y)
        if sy > _CURVATURE_FLOOR * float(np.linalg.norm(s) * np.linalg.norm(y)):
            pairs.append((s, y, 1.0 / sy))
            gamma = sy / float(y @ y)  # Nocedal and Wright Eq. (7.20)
        trace.add(x, f, step)
        n_iter += 1
    grad_norm = float(np.max(np.abs(g)))
    return OptimizeResult(x, f, grad_norm, n_iter, grad_norm <= tol, trace.curve, trace.path())
