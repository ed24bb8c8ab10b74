"""The update equations of the (mu/mu_w, lambda)-CMA-ES with active covariance adaptation, and
the box as a periodic reflection.

Pure functions of arrays, used by :class:`tunelab.search.CMAES`. Notation (Hansen 2016):
:math:`n` dimensions, :math:`\\lambda` samples per generation, the :math:`\\mu` best
recombined with weights :math:`w_i`; mean :math:`m`, step size :math:`\\sigma`, covariance
:math:`C = B D^2 B^\\top`, evolution paths :math:`p_\\sigma` and :math:`p_c`; steps
:math:`y = B D z`, :math:`z \\sim N(0, I)`, scaled by the diagonal margin :math:`A`.

References
----------
.. [1] N. Hansen, "The CMA evolution strategy: a tutorial", arXiv:1604.00772, 2016 (equation
   numbers below; default parameters of Table 1).
.. [2] N. Hansen, pycma, ``cma.transformations.BoundTransform``: the box as a periodic
   reflection of the unbounded search space.
.. [3] G. A. Jastrebski and D. V. Arnold, "Improving evolution strategies through active
   covariance matrix adaptation", IEEE CEC 2006, 2814-2821.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["MAX_STD", "cma_parameters", "cma_update", "keep_finite", "nearest_image", "reflect"]

_SAFE = (2.0**-300, 2.0**300)  # the range of max D kept by rescaling C and sigma
MAX_STD = 1e3  # largest sigma * max D, in unit-cube widths


def cma_parameters(n: int, lam: int, active: bool = True) -> dict[str, Any]:
    r"""Default strategy parameters: Hansen (2016), Table 1, with pycma's learning rates.

    Two rates follow pycma 4 (Hansen's own implementation) rather than the tutorial: the
    rank-:math:`\mu` rate has pycma's offset :math:`1/4`,
    :math:`c_\mu = \min(1 - c_1, 2(\tfrac14 + \mu_\mathrm{eff} - 2 + 1/\mu_\mathrm{eff})
    / ((n + 2)^2 + \mu_\mathrm{eff}))`, and the step-size path decays faster,
    :math:`c_\sigma = \min(\tfrac12, (\mu_\mathrm{eff} + 2)/(n + \mu_\mathrm{eff} + 3))`,
    with :math:`d_\sigma` of Eq. (55) around it. Measured on COCO's BBOB suite (d = 2 and 5,
    24 functions, 3 instances, 2000 d evaluations; benchmarks/RESULTS.md): the area under
    the runtime ECDF of the defaults rises from 0.310 to 0.337 at d = 2 and from 0.228 to
    0.234 at d = 5.

    ``weights`` are the :math:`\mu` positive recombination weights, summing to 1;
    ``negative_weights`` the :math:`\lambda - \mu` others of the active covariance update
    (Jastrebski and Arnold 2006), Eq. (53): the raw weights
    :math:`w'_i = \ln\frac{\lambda+1}{2} - \ln i` of ranks :math:`i > \mu`, scaled to sum
    to :math:`-\min(\alpha_\mu^-, \alpha_{\mu_\mathrm{eff}}^-, \alpha_\mathrm{posdef}^-)`,
    with :math:`\alpha_\mu^- = 1 + c_1/c_\mu`,
    :math:`\alpha_{\mu_\mathrm{eff}}^- = 1 + 2\mu_\mathrm{eff}^-/(\mu_\mathrm{eff} + 2)`
    and :math:`\alpha_\mathrm{posdef}^- = (1 - c_1 - c_\mu)/(n c_\mu)`; all zero with
    ``active=False``.
    """
    mu = lam // 2  # Eq. (48)
    raw = np.log((lam + 1) / 2) - np.log(np.arange(1, lam + 1))  # Eq. (49)
    w = raw[:mu] / raw[:mu].sum()
    mueff = 1.0 / np.sum(w**2)
    c1 = 2.0 / ((n + 1.3) ** 2 + mueff)  # Eq. (57)
    cmu = min(1 - c1, 2 * (0.25 + mueff - 2 + 1 / mueff) / ((n + 2) ** 2 + mueff))  # (58)
    cs = min(0.5, (mueff + 2) / (n + mueff + 3))  # pycma's; Eq. (55) has n + mueff + 5
    negative = np.zeros(lam - mu)
    if active and cmu > 0 and np.any(raw[mu:] < 0):  # cmu = 0: no rank-mu update at all
        neg = raw[mu:]
        mueff_neg = neg.sum() ** 2 / np.sum(neg**2)
        scale = min(1 + c1 / cmu, 1 + 2 * mueff_neg / (mueff + 2),
                    (1 - c1 - cmu) / (n * cmu))  # Eqs. (50)-(52)
        negative = scale * neg / np.abs(neg).sum()  # Eq. (53)
    return {
        "mu": mu, "weights": w, "negative_weights": negative, "mueff": mueff,
        "cs": cs,
        "ds": 1 + 2 * max(0.0, math.sqrt((mueff - 1) / (n + 1)) - 1) + cs,  # Eq. (55)
        "cc": (4 + mueff / n) / (n + 4 + 2 * mueff / n),  # Eq. (56)
        "c1": c1,
        "cmu": cmu,
        "chiN": math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n**2)),  # E||N(0, I)||
    }


def cma_update(state: dict[str, Any], Y: np.ndarray, A: np.ndarray,
               n_ranked: int | None = None) -> None:
    r"""One generation's update of ``state`` from the steps ``Y`` (rows, best first).

    ``state`` holds ``m, sigma, C, ps, pc, B, D, g`` and the parameters of
    :func:`cma_parameters`; the first ``mu`` rows of ``Y`` are recombined. The worst rows,
    as many as there are ``negative_weights`` (fewer when ``Y`` has fewer than
    :math:`\lambda` rows; the most negative weight always to the worst row), enter the
    rank-:math:`\mu` update with weights
    :math:`w_i^\circ = w_i\, n / \|C^{-1/2} y_i\|^2` (Eq. (46)); only the first
    ``n_ranked`` rows (default: all) are eligible, so that failed evaluations, which rank
    last without a value, do not shrink the covariance.
    """
    s, n = state, len(state["m"])
    w = s["weights"]
    yw = w @ Y[: s["mu"]]  # Eq. (41)
    s["m"] = s["m"] + s["sigma"] * A * yw  # Eq. (42), c_m = 1
    inv_sqrt_C_yw = s["B"] @ ((s["B"].T @ yw) / s["D"])
    cs, cc, c1, cmu = s["cs"], s["cc"], s["c1"], s["cmu"]
    s["ps"] = (1 - cs) * s["ps"] + math.sqrt(cs * (2 - cs) * s["mueff"]) * inv_sqrt_C_yw  # (43)
    norm_ps = math.sqrt(s["ps"] @ s["ps"])
    hsig = norm_ps / math.sqrt(1 - (1 - cs) ** (2 * (s["g"] + 1))) < (
        1.4 + 2 / (n + 1)) * s["chiN"]
    s["pc"] = (1 - cc) * s["pc"] + hsig * math.sqrt(cc * (2 - cc) * s["mueff"]) * yw  # (45)
    dh = (1 - hsig) * cc * (2 - cc)
    Ymu = Y[: s["mu"]]
    negative = s["negative_weights"]
    ranked = len(Y) if n_ranked is None else min(n_ranked, len(Y))
    k = min(ranked - s["mu"], len(negative))
    rank_mu = (Ymu.T * w) @ Ymu
    weight_sum = w.sum()
    if k > 0 and negative[-1] < 0:
        Yneg, wneg = Y[ranked - k:ranked], negative[len(negative) - k:]
        scaled = (s["B"].T @ Yneg.T) / s["D"][:, None]  # columns C^(-1/2) y_i, in B's frame
        wneg_circ = wneg * n / np.sum(scaled**2, axis=0)  # Eq. (46)
        rank_mu = rank_mu + (Yneg.T * wneg_circ) @ Yneg
        weight_sum += wneg.sum()
    s["C"] = ((1 + c1 * dh - c1 - cmu * weight_sum) * s["C"]
              + c1 * (s["pc"][:, None] * s["pc"]) + cmu * rank_mu)  # Eq. (47)
    s["sigma"] *= math.exp(min(1.0, cs / s["ds"] * (norm_ps / s["chiN"] - 1)))  # Eq. (44)
    s["g"] += 1


def reflect(x: np.ndarray) -> np.ndarray:
    """The box as a periodic reflection: fold ``x`` into ``[0, 1]`` (period 2)."""
    t = x - 2.0 * np.floor(x / 2.0)
    return np.where(t <= 1.0, t, 2.0 - t)


def nearest_image(u: np.ndarray, m: np.ndarray) -> np.ndarray:
    """The point reflecting to ``u`` that is nearest to ``m``, coordinate by coordinate."""
    up = u + 2.0 * np.round((m - u) / 2.0)
    down = -u + 2.0 * np.round((m + u) / 2.0)
    return np.where(np.abs(up - m) <= np.abs(down - m), up, down)


def keep_finite(s: dict[str, Any]) -> None:
    """Keep a run that goes on past convergence (no restart left) in floating point.

    Once the values no longer rank the samples (round-off at the optimum), the active update
    shrinks :math:`C` and cumulative step-size adaptation grows :math:`\\sigma` without
    bound. Only :math:`\\sigma^2 C` matters, so :math:`C` (with :math:`D` and
    :math:`p_c`) is rescaled by powers of 2 into a safe range and :math:`\\sigma` by the
    inverse, which leaves every sample and every later update unchanged; and the largest
    standard deviation :math:`\\sigma \\max D` is capped at ``MAX_STD`` unit-cube widths,
    where the reflected distribution is already uniform on the box.
    """
    top = float(s["D"].max())
    if not _SAFE[0] < top < _SAFE[1]:
        c = 2.0 ** round(math.log2(top))  # an exact power of 2: no rounding
        s["C"] = s["C"] / (c * c)
        s["D"] = s["D"] / c
        s["pc"] = s["pc"] / c
        s["sigma"] *= c
        top /= c
    s["sigma"] = min(s["sigma"], MAX_STD / top)
