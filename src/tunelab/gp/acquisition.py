"""Acquisition functions for minimization, vectorized over posterior means and deviations.

For an objective to be **minimized**, with posterior mean :math:`\\mu`, standard deviation
:math:`\\sigma \\ge 0`, incumbent ``best`` :math:`f^*` and margin :math:`\\xi`, let

.. math::

    z = \\frac{f^* - \\mu - \\xi}{\\sigma}, \\qquad h(z) = \\varphi(z) + z\\,\\Phi(z).

Expected improvement (EI), probability of improvement (PI) and their logarithms are to be
**maximized**; the lower confidence bound (LCB) is an optimistic value of the objective and is
to be **minimized**. Every function ``f(mean, std, ...)`` has a twin ``f_grad`` returning
``(value, d value / d mean, d value / d std)``, so that a caller chains them with
:meth:`tunelab.gp.GaussianProcess.predict_gradient`. Where :math:`\\sigma = 0` the values are
the limits :math:`\\sigma \\to 0^+` (``z = +inf`` if there is an improvement, else ``-inf``).
Thompson sampling draws from :meth:`tunelab.gp.GaussianProcess.sample_y`.

References
----------
.. [1] D. R. Jones, M. Schonlau and W. J. Welch, "Efficient global optimization of expensive
   black-box functions", J. Global Optim. 13, 1998, Eq. (15) (EI).
.. [2] H. J. Kushner, "A new method of locating the maximum point of an arbitrary multipeak
   curve in the presence of noise", J. Basic Eng. 86, 1964 (PI).
.. [3] S. Ament, S. Daulton, D. Eriksson, M. Balandat and E. Bakshy, "Unexpected improvements
   to expected improvement for Bayesian optimization", NeurIPS 2023, Eq. (9) (log EI).
.. [4] N. Srinivas, A. Krause, S. Kakade and M. Seeger, "Gaussian process optimization in the
   bandit setting: no regret and experimental design", ICML 2010, Eq. (6) (GP-UCB).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import erfcx, log_ndtr, ndtr

from tunelab._validation import check_scalar

__all__ = [
    "ACQUISITIONS",
    "Acquisition",
    "expected_improvement",
    "expected_improvement_grad",
    "log_expected_improvement",
    "log_expected_improvement_grad",
    "log_probability_of_improvement",
    "log_probability_of_improvement_grad",
    "lower_confidence_bound",
    "lower_confidence_bound_grad",
    "probability_of_improvement",
    "probability_of_improvement_grad",
    "register",
]

Array = np.ndarray
_C1 = 0.5 * np.log(2.0 * np.pi)
_SQRT_HALF_PI = np.sqrt(0.5 * np.pi)
_TAIL = 50.0  # below z = -_TAIL, log h(z) by its asymptotic series
_SERIES = np.array([1.0, -3.0, 15.0, -105.0, 945.0, -10395.0, 135135.0, -2027025.0])


def _check(mean: Any, std: Any, **scalars: float) -> tuple[Array, Array]:
    mean = np.asarray(mean, dtype=float)
    std = np.asarray(std, dtype=float)
    if not np.all(np.isfinite(mean)):
        raise ValueError("mean contains NaN or infinity; all values must be finite")
    if not np.all(np.isfinite(std)) or np.any(std < 0):
        raise ValueError("std must be finite and non-negative (std >= 0)")
    for name, value in scalars.items():
        check_scalar(value, name, kind=float, low=0.0 if name == "beta" else None)
    return np.broadcast_arrays(mean, std)


def _z(mean: Array, std: Array, best: float, xi: float) -> tuple[Array, Array, Array]:
    """``(z, improvement, positive std mask)``; z is +-inf where ``std == 0``."""
    improvement = best - mean - xi
    pos = std > 0
    z = np.where(improvement > 0, np.inf, -np.inf)
    np.divide(improvement, std, out=z, where=pos)
    return z, improvement, pos


def _log_phi(z: Array) -> Array:
    with np.errstate(over="ignore"):
        return -0.5 * z * z - _C1


def _log_h(z: Array) -> tuple[Array, Array, Array]:
    """``(log h, d log h / dz, phi / h)`` at finite ``z``, accurate far in the lower tail.

    :math:`z > -1`: direct. :math:`-50 < z \\le -1`: with :math:`t = -z` and the scaled
    complementary error function, :math:`h = \\varphi(z)\\,q`,
    :math:`q = 1 - t\\,\\mathrm{erfcx}(t/\\sqrt2)\\sqrt{\\pi/2}` (Ament et al. 2023, Eq. 9).
    :math:`z \\le -50`: :math:`q = \\sum_k (-1)^{k+1} (2k-1)!!\\,t^{-2k}` (Mills ratio series).
    In both tails :math:`d\\log h/dz = \\Phi/h = (1 - q)/(t q)` and :math:`\\varphi/h = 1/q`.
    """
    log_h, dlog_h, phi_over_h = (np.empty_like(z) for _ in range(3))
    upper = z > -1.0
    zu = z[upper]
    phi = np.exp(_log_phi(zu))
    h = phi + zu * ndtr(zu)
    log_h[upper], dlog_h[upper], phi_over_h[upper] = np.log(h), ndtr(zu) / h, phi / h
    lower = ~upper
    t = -z[lower]
    mid = t < _TAIL
    q = np.empty_like(t)
    q[mid] = 1.0 - t[mid] * erfcx(t[mid] / np.sqrt(2.0)) * _SQRT_HALF_PI
    with np.errstate(over="ignore", divide="ignore"):  # t > 1e154: log h = -inf
        inv_t2 = 1.0 / (t[~mid] * t[~mid])
        q[~mid] = inv_t2 * np.polyval(_SERIES[::-1], inv_t2)
        log_h[lower] = _log_phi(z[lower]) + np.log(q)
        dlog_h[lower] = (1.0 - q) / (t * q)
        phi_over_h[lower] = 1.0 / q
    return log_h, dlog_h, phi_over_h


def expected_improvement(mean: Any, std: Any, best: float, xi: float = 0.0) -> Array:
    """Expected improvement :math:`\\mathrm{EI} = \\sigma\\,h(z)` (Jones et al. 1998, Eq. 15).

    Parameters
    ----------
    mean, std : array-like
        Posterior mean and standard deviation (broadcast together; ``std >= 0``).
    best : float
        The incumbent (lowest observed) value.
    xi : float, default=0.0
        Margin: only improvements beyond ``best - xi`` count.
    """
    return expected_improvement_grad(mean, std, best, xi)[0]


def expected_improvement_grad(
    mean: Any, std: Any, best: float, xi: float = 0.0
) -> tuple[Array, Array, Array]:
    """``(EI, dEI/dmean, dEI/dstd)`` with :math:`\\partial_\\mu = -\\Phi(z)`,
    :math:`\\partial_\\sigma = \\varphi(z)`."""
    mean, std = _check(mean, std, best=best, xi=xi)
    z, improvement, pos = _z(mean, std, best, xi)
    cdf = ndtr(z)
    pdf = np.exp(_log_phi(z))
    with np.errstate(invalid="ignore"):
        value = np.where(pos, std * (pdf + z * cdf), np.maximum(improvement, 0.0))
    return value[()], (-cdf)[()], pdf[()]


def log_expected_improvement(mean: Any, std: Any, best: float, xi: float = 0.0) -> Array:
    """Logarithm of EI, finite and accurate where EI underflows (Ament et al. 2023, Eq. 9).

    .. math::

        \\log\\mathrm{EI} = \\log\\sigma + \\log h(z), \\qquad
        h(z) = \\varphi(z) + z\\,\\Phi(z).

    :math:`\\log h` is computed without forming :math:`h`: directly for :math:`z > -1`, by
    ``erfcx`` (the scaled complementary error function) for :math:`-50 < z \\le -1`, and by
    the asymptotic series :math:`\\log h(z) = \\log\\varphi(z) - 2\\log|z| +
    \\log\\sum_{k \\ge 0} (-1)^k (2k+1)!!\\, z^{-2k}` (eight terms) below, so it stays finite where
    :math:`\\mathrm{EI}` underflows to 0 (:math:`z \\lesssim -38`) and its maximizer can still
    be found by gradients.

    Parameters
    ----------
    mean, std : array-like
        Posterior mean and standard deviation (broadcast together; ``std >= 0``).
    best : float
        The incumbent (lowest observed) value.
    xi : float, default=0.0
        The margin :math:`\\xi`, ``>= 0``.

    Returns
    -------
    ndarray or float
        :math:`\\log\\mathrm{EI}`; where ``std == 0`` the limit: the log of the improvement
        ``best - mean - xi`` when it is positive, else ``-inf``.

    References
    ----------
    .. [1] S. Ament, S. Daulton, D. Eriksson, M. Balandat and E. Bakshy, "Unexpected
       improvements to expected improvement for Bayesian optimization", NeurIPS 2023, Eq. (9).

    Examples
    --------
    >>> from tunelab.gp import log_expected_improvement
    >>> float(log_expected_improvement(50.0, 1.0, best=0.0)) > -1300  # EI itself is 0.0
    True
    """
    return log_expected_improvement_grad(mean, std, best, xi)[0]


def log_expected_improvement_grad(
    mean: Any, std: Any, best: float, xi: float = 0.0
) -> tuple[Array, Array, Array]:
    """``(log EI, d/dmean, d/dstd)``: :math:`-(\\log h)'(z)/\\sigma` and
    :math:`\\varphi(z)/(h(z)\\,\\sigma)`. Where ``std == 0``: ``-1/improvement`` and 0."""
    mean, std = _check(mean, std, best=best, xi=xi)
    z, improvement, pos = _z(mean, std, best, xi)
    value = np.full(z.shape, -np.inf)
    dmean = np.zeros(z.shape)
    dstd = np.zeros(z.shape)
    s = std[pos]
    log_h, dlog_h, phi_over_h = _log_h(z[pos])
    value[pos] = np.log(s) + log_h
    dmean[pos] = -dlog_h / s
    dstd[pos] = phi_over_h / s
    gain = ~pos & (improvement > 0)
    value[gain] = np.log(improvement[gain])
    dmean[gain] = -1.0 / improvement[gain]
    return value[()], dmean[()], dstd[()]


def probability_of_improvement(mean: Any, std: Any, best: float, xi: float = 0.0) -> Array:
    """Probability of improvement :math:`\\mathrm{PI} = \\Phi(z)` (Kushner 1964).

    Parameters as :func:`expected_improvement`.
    """
    return probability_of_improvement_grad(mean, std, best, xi)[0]


def probability_of_improvement_grad(
    mean: Any, std: Any, best: float, xi: float = 0.0
) -> tuple[Array, Array, Array]:
    """``(PI, dPI/dmean, dPI/dstd)``: :math:`-\\varphi(z)/\\sigma` and
    :math:`-z\\varphi(z)/\\sigma` (zero where ``std == 0``)."""
    mean, std = _check(mean, std, best=best, xi=xi)
    z, _, pos = _z(mean, std, best, xi)
    pdf = np.where(pos, np.exp(_log_phi(z)), 0.0)
    safe = np.where(pos, std, 1.0)
    zf = np.where(pos, z, 0.0)
    return ndtr(z)[()], (-pdf / safe)[()], (-zf * pdf / safe)[()]


def log_probability_of_improvement(
    mean: Any, std: Any, best: float, xi: float = 0.0
) -> Array:
    """:math:`\\log\\Phi(z)` by ``scipy.special.log_ndtr``, accurate in the lower tail."""
    return log_probability_of_improvement_grad(mean, std, best, xi)[0]


def log_probability_of_improvement_grad(
    mean: Any, std: Any, best: float, xi: float = 0.0
) -> tuple[Array, Array, Array]:
    """``(log PI, d/dmean, d/dstd)`` with the inverse Mills ratio
    :math:`m = \\varphi(z)/\\Phi(z)`: :math:`-m/\\sigma` and :math:`-z m/\\sigma`."""
    mean, std = _check(mean, std, best=best, xi=xi)
    z, _, pos = _z(mean, std, best, xi)
    zf = np.where(pos, z, 0.0)
    ratio = np.where(pos, np.exp(_log_phi(zf) - log_ndtr(zf)), 0.0)
    safe = np.where(pos, std, 1.0)
    return log_ndtr(z)[()], (-ratio / safe)[()], (-zf * ratio / safe)[()]


def lower_confidence_bound(mean: Any, std: Any, beta: float = 2.0) -> Array:
    """Lower confidence bound :math:`\\mathrm{LCB} = \\mu - \\beta\\sigma`, to be **minimized**.

    An optimistic value of the objective: for a Gaussian posterior, the objective lies below
    it with probability :math:`\\Phi(-\\beta)` (2.3 % for :math:`\\beta = 2`). ``beta``
    multiplies the standard deviation directly: it is :math:`\\sqrt{\\beta_t}` in the notation
    of Srinivas et al. (2010, Eq. 6), whose UCB for maximization this mirrors; larger values
    explore more. Bayesian optimization maximizes :math:`-\\mathrm{LCB}`.

    Parameters
    ----------
    mean, std : array-like
        Posterior mean and standard deviation (broadcast together; ``std >= 0``).
    beta : float, default=2.0
        The weight :math:`\\beta \\ge 0` of the standard deviation.

    Returns
    -------
    ndarray or float
        :math:`\\mu - \\beta\\sigma`, of the broadcast shape.

    References
    ----------
    .. [1] N. Srinivas, A. Krause, S. Kakade and M. Seeger, "Gaussian process optimization in
       the bandit setting: no regret and experimental design", ICML 2010, Eq. (6).

    Examples
    --------
    >>> from tunelab.gp import lower_confidence_bound
    >>> lower_confidence_bound([0.0, 1.0], [1.0, 0.0], beta=2.0).tolist()
    [-2.0, 1.0]
    """
    return lower_confidence_bound_grad(mean, std, beta)[0]


def lower_confidence_bound_grad(
    mean: Any, std: Any, beta: float = 2.0
) -> tuple[Array, Array, Array]:
    """``(LCB, 1, -beta)`` broadcast to the shape of the inputs."""
    mean, std = _check(mean, std, beta=beta)
    ones = np.ones(mean.shape)
    return (mean - beta * std)[()], ones[()], (-beta * ones)[()]


# --- acquisitions as objects: what a maximizer reads, defined once -------------------------
Terms = Callable[[Array, Array, float, float, float], tuple[Array, Array, Array]]


@dataclass(frozen=True)
class Acquisition:
    """One acquisition as a maximizer reads it: value and gradient, scale, defaults.

    Attributes
    ----------
    name : str
        The name that selects it (``BayesianOptimization(acquisition=name)``).
    value_grad : callable or None
        ``(mean, std, best, xi, beta) -> (a, da/dmean, da/dstd)``, the acquisition
        :math:`a` to be **maximized**; ``None`` for an acquisition that ranks candidates by a
        posterior draw instead (``draws``).
    log_value_grad : callable or None
        The same for :math:`\\log a^+`, the logarithm of a positive acquisition with the same
        maximizers: what is averaged over GPs as :math:`\\log \\frac1M \\sum_m e^{a_m}` and
        penalized (local penalization multiplies a positive acquisition).
    log_scale : bool
        Whether ``value_grad`` is already that logarithm (it is then ``log_value_grad``).
    xi : float
        The default margin :math:`\\xi` of ``best - mean - xi``.
    draws : bool
        Thompson sampling: candidates ranked by one joint posterior draw
        (:meth:`tunelab.gp.GaussianProcess.sample_y`), lowest first.
    """

    name: str
    value_grad: Terms | None
    log_value_grad: Terms | None
    log_scale: bool = False
    xi: float = 0.0
    draws: bool = False

    def terms(self, log_scale: bool, mean: Array, std: Array, best: float, xi: float,
              beta: float) -> tuple[Array, Array, Array]:
        """``(a, da/dmean, da/dstd)`` on the natural scale, or of :math:`\\log a^+` with
        ``log_scale``."""
        f = self.log_value_grad if log_scale else self.value_grad
        return f(mean, std, best, xi, beta)


ACQUISITIONS: dict[str, Acquisition] = {}


def register(acquisition: Acquisition) -> Acquisition:
    """Make ``acquisition`` selectable by its name; returns it."""
    if not isinstance(acquisition, Acquisition):
        raise TypeError(f"acquisition must be an Acquisition; got {acquisition!r}")
    ACQUISITIONS[acquisition.name] = acquisition
    return acquisition


def _ei(mean, std, best, xi, beta):
    return expected_improvement_grad(mean, std, best, xi)


def _log_ei(mean, std, best, xi, beta):
    return log_expected_improvement_grad(mean, std, best, xi)


def _log_pi(mean, std, best, xi, beta):
    return log_probability_of_improvement_grad(mean, std, best, xi)


def _neg_lcb(mean, std, best, xi, beta):
    lcb, dm, ds = lower_confidence_bound_grad(mean, std, beta)
    return -lcb, -dm, -ds


def _log_softplus_neg_lcb(mean, std, best, xi, beta):
    """:math:`\\log\\operatorname{softplus}(u)`, :math:`u = -\\mathrm{LCB}`, and its
    derivatives by the chain rule with :math:`(\\log\\operatorname{softplus})'(u) =
    \\operatorname{sigmoid}(u)/\\operatorname{softplus}(u)`."""
    lcb, dm, ds = lower_confidence_bound_grad(mean, std, beta)
    u = -np.asarray(lcb)
    softplus = np.logaddexp(0.0, u)
    ratio = np.exp(-np.logaddexp(0.0, -u)) / softplus
    return np.log(softplus), -dm * ratio, -ds * ratio


register(Acquisition("ei", _ei, _log_ei))
register(Acquisition("logei", _log_ei, _log_ei, log_scale=True))
register(Acquisition("pi", _log_pi, _log_pi, log_scale=True, xi=0.01))  # log PI: same argmax
register(Acquisition("ucb", _neg_lcb, _log_softplus_neg_lcb))
register(Acquisition("thompson", None, None, draws=True))
