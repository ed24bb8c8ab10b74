"""Coordinate-wise slice sampling of a density on a box (Neal 2003).

Used to draw GP hyperparameters from their posterior (:mod:`tunelab.search._bo_surrogate`).

References
----------
.. [1] R. M. Neal, "Slice sampling", Ann. Statist. 31(3), 705-767, 2003, Figs. 3 and 5
   (stepping out, shrinkage).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def slice_sample(
    logp: Callable[[np.ndarray], float], theta0: np.ndarray, bounds: np.ndarray,
    n_samples: int, n_burn: int, rng: np.random.Generator, width: float = 1.0,
) -> np.ndarray:
    """Samples ``(n_samples, p)`` of a density on a box by coordinate-wise slice sampling.

    Each sweep updates every coordinate in turn by stepping out an interval of ``width``
    around it, then shrinking it (Neal 2003, Figs. 3 and 5); ``n_burn`` sweeps are dropped.
    ``logp`` is ``-inf`` (or raises nothing) where the density vanishes; outside ``bounds`` it
    is taken as ``-inf``.
    """
    theta = np.clip(np.asarray(theta0, dtype=float), bounds[:, 0], bounds[:, 1])
    current = logp(theta)
    out = []
    for sweep in range(n_burn + n_samples):
        for i in range(len(theta)):
            theta, current = _slice_step(logp, theta, current, i, bounds[i], width, rng)
        if sweep >= n_burn:
            out.append(theta.copy())
    return np.array(out)


def _slice_step(logp, theta, current, i, bound, width, rng, max_steps=8, max_shrink=30):
    """One update of coordinate ``i``: stepping out, then shrinkage (Neal 2003)."""
    level = current + np.log(rng.random())  # the slice: {t : logp(t) > level}
    left = theta[i] - width * rng.random()
    right = left + width
    trial = theta.copy()

    def at(t: float) -> float:
        if not bound[0] <= t <= bound[1]:
            return -np.inf
        trial[i] = t
        return logp(trial)

    for _ in range(max_steps):  # Fig. 3, stepping out (bounded)
        if at(left) <= level:
            break
        left -= width
    for _ in range(max_steps):
        if at(right) <= level:
            break
        right += width
    left, right = max(left, bound[0]), min(right, bound[1])
    for _ in range(max_shrink):  # Fig. 5, shrinkage
        t = left + (right - left) * rng.random()
        value = at(t)
        if value > level:
            trial[i] = t
            return trial.copy(), value
        if t < theta[i]:
            left = t
        else:
            right = t
    return theta, current
