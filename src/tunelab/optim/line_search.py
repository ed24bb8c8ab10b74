r"""Backtracking line search with the Armijo sufficient-decrease condition.

References
----------
.. [1] Nocedal and Wright (2006), *Numerical Optimization*, 2nd ed., Sec. 3.1, Eq. (3.4)
   (Armijo condition) and Algorithm 3.1 (backtracking line search).
.. [2] Hager and Zhang (2005), "A new conjugate gradient method with guaranteed descent and an
   efficient line search", *SIAM J. Optim.* 16(1), 170-192 (approximate Wolfe conditions:
   comparing values below their round-off).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tunelab._validation import check_scalar

__all__ = ["backtracking_line_search"]

_ROUND_OFF = 4 * np.finfo(np.float64).eps  # values closer than this (relative) are tied


def backtracking_line_search(
    fun: Callable[[np.ndarray], tuple[float, np.ndarray]],
    x: np.ndarray,
    f: float,
    g: np.ndarray,
    direction: np.ndarray,
    *,
    step: float = 1.0,
    shrink: float = 0.5,
    c: float = 1e-4,
    max_steps: int = 50,
) -> tuple[float, float, np.ndarray]:
    r"""Shrink a step along ``direction`` until the objective decreases enough.

    Tries :math:`t = t_0, \rho t_0, \rho^2 t_0, \dots` and accepts the first :math:`t` with

    .. math::

        f(x + t d) \le f(x) + c\, t\, \nabla f(x)^\top d

    (and a finite value), as in Nocedal and Wright (2006), Algorithm 3.1. Close to a minimum
    the decrease :math:`c\,t\,\nabla f^\top d` falls below the round-off of :math:`f` and
    the values can no longer rank the points; a trial whose value ties with :math:`f` to
    within :math:`4\epsilon|f|` is then accepted when it lowers :math:`\|\nabla f\|_1`
    (an approximate Armijo condition in the spirit of Hager and Zhang (2005)), so a solver
    can reach gradient tolerances near :math:`\sqrt{\epsilon}`.

    Parameters
    ----------
    fun : callable
        ``fun(x) -> (f, g)``.
    x : ndarray of shape (n_params,)
        The current point.
    f : float
        ``fun(x)[0]``.
    g : ndarray of shape (n_params,)
        ``fun(x)[1]``.
    direction : ndarray of shape (n_params,)
        A descent direction: :math:`g^\top d < 0`.
    step : float, default=1.0
        The first trial step :math:`t_0 > 0`.
    shrink : float, default=0.5
        The factor :math:`\rho \in (0, 1)` applied after each rejected step.
    c : float, default=1e-4
        The sufficient-decrease constant, in (0, 1).
    max_steps : int, default=50
        The most trial steps.

    Returns
    -------
    step : float
        The accepted step, or ``0.0`` when no trial step satisfied the condition.
    f_new : float
        The objective at ``x + step * direction`` (``f`` when ``step == 0``).
    g_new : ndarray
        The gradient there (``g`` when ``step == 0``).

    Raises
    ------
    ValueError
        If ``direction`` is not a descent direction.

    References
    ----------
    Nocedal and Wright (2006), Sec. 3.1, Eq. (3.4) and Algorithm 3.1; Hager and Zhang (2005).
    """
    check_scalar(step, "step", low=0.0, low_inclusive=False)
    check_scalar(shrink, "shrink", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
    check_scalar(c, "c", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
    check_scalar(max_steps, "max_steps", kind=int, low=1)
    slope = float(np.dot(g, direction))
    if not slope < 0.0:
        raise ValueError(
            "direction must be a descent direction (g @ direction < 0); "
            f"got g @ direction = {slope}"
        )
    tie = _ROUND_OFF * abs(f)
    g_size = np.sum(np.abs(g))
    for _ in range(max_steps):
        with np.errstate(over="ignore", invalid="ignore"):  # a non-finite trial is rejected
            f_new, g_new = fun(x + step * direction)
        if np.isfinite(f_new) and (
            f_new <= f + c * step * slope  # Eq. (3.4)
            or (abs(f_new - f) <= tie and np.sum(np.abs(g_new)) < g_size)
        ):
            return step, float(f_new), g_new
        step *= shrink
    return 0.0, float(f), g
