r"""When CMA-ES restarts (:func:`terminated`: the termination criteria of Hansen 2016, App. B)
and the population size and step size of its next run (:func:`next_run`).

``"ipop"`` (Auger & Hansen 2005): run :math:`r` has :math:`\lambda_r = 2^r \lambda_0` and the
initial step size :math:`\sigma_0`.

``"bipop"`` (Hansen 2009): two regimes share the budget. The first run, with
:math:`\lambda_0`, belongs to the *large* regime. At each restart the regime that has spent
fewer evaluations so far runs next (the large one on a tie):

* large: the population doubles again, :math:`\lambda = 2^{k} \lambda_0` for its :math:`k`-th
  restart, with :math:`\sigma_0`;
* small: :math:`\lambda = \lfloor \lambda_0 (\lambda_L / (2\lambda_0))^{U^2} \rfloor` (at least
  2), :math:`\lambda_L` the population of the latest large run, and :math:`\sigma =
  \sigma_0 \cdot 10^{-2U}`, :math:`U \sim \mathcal U[0, 1]`: many short local runs with
  small steps, which pay on functions with a few wide basins, while the large regime's global
  runs pay on regular multimodal ones (Rastrigin).

Every run starts from a uniformly random mean; its draws (the mean, then :math:`U`) come from
the restart's own random stream.

References
----------
.. [1] A. Auger and N. Hansen, "A restart CMA evolution strategy with increasing population
   size", IEEE CEC 2005.
.. [2] N. Hansen, "Benchmarking a BI-population CMA-ES on the BBOB-2009 function testbed",
   GECCO 2009 workshop on black-box optimization benchmarking.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["RULES", "next_run", "stagnated", "terminated"]

RULES = ("none", "ipop", "bipop")


def next_run(rule: str, runs: list[dict[str, Any]], lam0: int, sigma0: float,
             rng: np.random.Generator) -> tuple[str, int, float]:
    """``(regime, lambda, sigma)`` of the next run after ``runs`` (each with ``regime``,
    ``lambda`` and ``evals``), drawing :math:`U` from ``rng`` for a small run."""
    large = [r for r in runs if r["regime"] == "large"]
    if rule == "ipop":
        return "large", lam0 * 2 ** len(large), sigma0
    spent = {k: sum(r["evals"] for r in runs if r["regime"] == k) for k in ("large", "small")}
    if spent["small"] >= spent["large"]:
        return "large", lam0 * 2 ** len(large), sigma0
    u = float(rng.random())
    lam_large = large[-1]["lambda"]
    lam = max(2, math.floor(lam0 * (lam_large / (2 * lam0)) ** (u * u)))
    return "small", lam, sigma0 * 10.0 ** (-2.0 * u)


def terminated(s: dict[str, Any], best_history: list[float], median_history: list[float],
               lam: int, f: np.ndarray) -> bool:
    """Whether a termination criterion of Hansen (2016), App. B, fires for the run in state
    ``s`` after the generation with values ``f``: TolFun, TolX, ConditionCov, TolUpSigma,
    NoEffectAxis, NoEffectCoord or Stagnation."""
    n = len(s["m"])
    sigma, C, m = s["sigma"], s["C"], s["m"]
    std = sigma * np.sqrt(np.diag(C))
    window = 10 + math.ceil(30 * n / lam)
    recent = np.concatenate([best_history[-window:], f])
    recent = recent[np.isfinite(recent)]
    if s["g"] >= window and recent.size and np.ptp(recent) < 1e-12:  # TolFun
        return True
    if np.all(std < 1e-12 * s["sigma0"]) and np.all(sigma * np.abs(s["pc"]) < 1e-12 *
                                                     s["sigma0"]):  # TolX
        return True
    if (s["D"].max() / s["D"].min()) ** 2 > 1e14:  # ConditionCov
        return True
    if sigma / s["sigma0"] > 1e20 * s["D"].max():  # TolUpSigma
        return True
    i = s["g"] % n
    if np.all(m == m + 0.1 * sigma * s["D"][i] * s["B"][:, i]):  # NoEffectAxis
        return True
    if np.any(m == m + 0.2 * std):  # NoEffectCoord
        return True
    return stagnated(best_history, median_history, n, lam)


def stagnated(best_history: list[float], median_history: list[float], n: int,
              lam: int) -> bool:
    """Stagnation: the recent 30% of best and median values no better than the first."""
    g = len(best_history)
    if g < 120 + 30 * n / lam:
        return False
    span = min(max(int(0.2 * g), int(120 + 30 * n / lam)), 20000)
    k = max(1, int(0.3 * span))
    for history in (best_history, median_history):
        h = np.asarray(history[-span:])
        if not np.median(h[-k:]) >= np.median(h[:k]):
            return False
    return True
