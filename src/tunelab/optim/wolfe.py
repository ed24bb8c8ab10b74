r"""A line search that satisfies the strong Wolfe conditions, for quasi-Newton methods.

A quasi-Newton update needs the curvature :math:`s^\top y > 0` along each step; the Armijo
backtracking of :mod:`tunelab.optim.line_search` does not promise it, the strong Wolfe
conditions do. The search brackets an acceptable step by growing the trial step, then
narrows the bracket by safeguarded cubic interpolation ("zoom").

References
----------
.. [1] Nocedal and Wright (2006), *Numerical Optimization*, 2nd ed., Sec. 3.1, Eqs. (3.7)
   (strong Wolfe conditions), Algorithms 3.5 (line search) and 3.6 (zoom), Eq. (3.59)
   (cubic interpolation).
.. [2] Hager and Zhang (2005), "A new conjugate gradient method with guaranteed descent and an
   efficient line search", *SIAM J. Optim.* 16(1), 170-192 (approximate Wolfe conditions).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tunelab._validation import check_scalar

__all__ = ["wolfe_line_search"]

_ROUND_OFF = 4 * np.finfo(np.float64).eps  # values closer than this (relative) are tied
_GROWTH = 2.0  # the bracketing phase doubles the trial step
_SAFEGUARD = 0.1  # an interpolated step keeps this fraction of the bracket from its ends


def _cubic_minimizer(a: float, fa: float, da: float, b: float, fb: float, db: float) -> float:
    """The minimizer of the cubic through (a, fa, da) and (b, fb, db), Nocedal and Wright
    Eq. (3.59), kept inside the bracket's middle; the bracket's midpoint when it does not
    exist."""
    lo, hi = min(a, b), max(a, b)
    width = hi - lo
    d1 = da + db - 3.0 * (fa - fb) / (a - b)
    radicand = d1 * d1 - da * db
    mid = 0.5 * (a + b)
    if not (np.isfinite(radicand) and radicand >= 0.0):
        return mid
    d2 = np.copysign(np.sqrt(radicand), b - a)
    denominator = db - da + 2.0 * d2
    if denominator == 0.0:
        return mid
    t = b - (b - a) * (db + d2 - d1) / denominator
    if not np.isfinite(t):
        return mid
    return float(np.clip(t, lo + _SAFEGUARD * width, hi - _SAFEGUARD * width))


def wolfe_line_search(
    fun: Callable[[np.ndarray], tuple[float, np.ndarray]],
    x: np.ndarray,
    f: float,
    g: np.ndarray,
    direction: np.ndarray,
    *,
    step: float = 1.0,
    c1: float = 1e-4,
    c2: float = 0.9,
    max_evals: int = 40,
) -> tuple[float, float, np.ndarray]:
    r"""Find a step :math:`t` along ``direction`` that satisfies the strong Wolfe conditions.

    With :math:`\phi(t) = f(x + t d)`, the conditions are

    .. math::

        \phi(t) \le \phi(0) + c_1 t\, \phi'(0), \qquad |\phi'(t)| \le c_2\, |\phi'(0)|,

    sufficient decrease and a slope flattened to a fraction :math:`c_2` of the first
    (Nocedal and Wright (2006), Eq. (3.7)). Algorithm 3.5 doubles the trial step until it
    brackets an acceptable one; Algorithm 3.6 then shrinks the bracket by the cubic
    interpolant of the two ends' values and slopes, safeguarded to stay 10 % inside it.
    Close to a minimum the decrease falls below the round-off of :math:`f`; a trial whose
    value ties with :math:`f` to within :math:`4\epsilon|f|` then counts as decreasing when
    its slope satisfies Hager and Zhang's approximate Wolfe condition
    :math:`\phi'(t) \le (2c_1 - 1)\phi'(0)`.

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
        The first trial step :math:`t_0 > 0` (1 for a quasi-Newton direction).
    c1 : float, default=1e-4
        The sufficient-decrease constant, in (0, 1).
    c2 : float, default=0.9
        The curvature constant, in (``c1``, 1): 0.9 for quasi-Newton methods, 0.1 for
        nonlinear conjugate gradients.
    max_evals : int, default=40
        The most evaluations of ``fun``.

    Returns
    -------
    step : float
        The accepted step. When the evaluations run out, the best step found that decreases
        ``fun`` sufficiently (it may miss the curvature condition), or ``0.0`` if none did.
    f_new : float
        The objective at ``x + step * direction`` (``f`` when ``step == 0``).
    g_new : ndarray
        The gradient there (``g`` when ``step == 0``).

    Raises
    ------
    ValueError
        If ``direction`` is not a descent direction, or a constant is out of its range.

    References
    ----------
    Nocedal and Wright (2006), Eq. (3.7), Algorithms 3.5 and 3.6, Eq. (3.59); Hager and
    Zhang (2005).
    """
    check_scalar(step, "step", low=0.0, low_inclusive=False)
    check_scalar(c1, "c1", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
    check_scalar(c2, "c2", low=c1, high=1.0, low_inclusive=False, high_inclusive=False)
    check_scalar(max_evals, "max_evals", kind=int, low=1)
    slope0 = float(np.dot(g, direction))
    if not slope0 < 0.0:
        raise ValueError(
            "direction must be a descent direction (g @ direction < 0); "
            f"got g @ direction = {slope0}"
        )
    tie = _ROUND_OFF * abs(f)
    evals = 0

    def phi(t: float) -> tuple[float, float, np.ndarray]:
        nonlocal evals
        evals += 1
        with np.errstate(over="ignore", invalid="ignore"):  # a non-finite trial is too long
            f_t, g_t = fun(x + t * direction)
        slope = float(np.dot(g_t, direction)) if np.isfinite(f_t) else np.nan
        return float(f_t), slope, g_t

    def decreases(t: float, f_t: float, slope: float) -> bool:
        if not np.isfinite(f_t):
            return False
        return bool(f_t <= f + c1 * t * slope0
                    or (abs(f_t - f) <= tie and slope <= (2.0 * c1 - 1.0) * slope0))

    def flat(slope: float) -> bool:
        return abs(slope) <= -c2 * slope0

    # Algorithm 3.5: the bracketing phase. lo is the best sufficiently decreasing step so far.
    lo, f_lo, d_lo, g_lo = 0.0, float(f), slope0, g
    t = float(step)
    while evals < max_evals:
        f_t, d_t, g_t = phi(t)
        if not decreases(t, f_t, d_t) or (lo > 0.0 and f_t >= f_lo):
            hi, f_hi, d_hi = t, f_t, d_t
            break
        if flat(d_t):
            return t, f_t, g_t
        if d_t >= 0.0:  # past a minimum of phi: the bracket is [t, lo]
            hi, f_hi, d_hi = lo, f_lo, d_lo
            lo, f_lo, d_lo, g_lo = t, f_t, d_t, g_t
            break
        lo, f_lo, d_lo, g_lo = t, f_t, d_t, g_t
        t *= _GROWTH
    else:
        return (lo, f_lo, g_lo) if lo > 0.0 else (0.0, float(f), g)

    # Algorithm 3.6: zoom into [lo, hi] (either order); lo always decreases sufficiently.
    while evals < max_evals:
        if np.isfinite(f_hi) and np.isfinite(d_hi):
            t = _cubic_minimizer(lo, f_lo, d_lo, hi, f_hi, d_hi)
        else:
            t = 0.5 * (lo + hi)
        if t == lo or t == hi:  # the bracket has shrunk to floating-point resolution
            break
        f_t, d_t, g_t = phi(t)
        if not decreases(t, f_t, d_t) or f_t >= f_lo:
            hi, f_hi, d_hi = t, f_t, d_t
            continue
        if flat(d_t):
            return t, f_t, g_t
        if d_t * (hi - lo) >= 0.0:
            hi, f_hi, d_hi = lo, f_lo, d_lo
        lo, f_lo, d_lo, g_lo = t, f_t, d_t, g_t
    return (lo, f_lo, g_lo) if lo > 0.0 else (0.0, float(f), g)
