"""Acquisition for Bayesian optimization: its value and gradient over GPs, and its maximization.

The acquisitions themselves are :class:`tunelab.gp.acquisition.Acquisition` objects, each
defined and registered once in :mod:`tunelab.gp.acquisition` (adding one is one object and one
``register`` there); this module averages one over the GPs of a :class:`Surrogate`, adds the
local penalty of :mod:`tunelab.search._bo_batch`, and maximizes it. The GPs are fitted in
:mod:`tunelab.search._bo_surrogate`.

Notation (standardized units, minimization): GP posterior mean :math:`\\mu(x)` and standard
deviation :math:`\\sigma(x)` at a kernel input :math:`x = T(z)` of a relaxed point :math:`z`
(:mod:`tunelab.search._bo_encoding`), incumbent :math:`f^*`, hyperparameters :math:`\\theta`
(log lengthscales, log variance). Acquisitions :math:`a(x)` are **maximized**:

- ``"ei"``: :math:`\\mathrm{EI}(x)`; ``"logei"``: :math:`\\log \\mathrm{EI}(x)` (Ament et al.
  2023); ``"pi"``: :math:`\\log \\mathrm{PI}(x)` (the same argmax as PI, finite far in the
  tail); ``"ucb"``: :math:`-\\mathrm{LCB}(x) = -\\mu(x) + \\beta\\sigma(x)` (Srinivas et al.
  2010, :math:`\\beta` multiplying :math:`\\sigma` directly);
- with several GPs (hyperparameter samples), the average over them: arithmetic for EI and
  LCB, :math:`\\log \\frac1M \\sum_m e^{a_m}` for the log acquisitions, which is the integrated
  acquisition of Snoek et al. (2012), Eq. 4;
- under local penalization the log of a positive acquisition is penalized:
  :math:`\\log \\mathrm{EI}`, :math:`\\log \\mathrm{PI}`, or
  :math:`\\log \\operatorname{softplus}(-\\mathrm{LCB})`.

Maximization: ``n_candidates`` scrambled Sobol' points of the relaxed cube plus points drawn
around the best observed ones are scored in one vectorized call; the ``n_restarts`` best distinct
ones are refined by L-BFGS-B over their active real columns, with the analytic gradient
:math:`\\nabla_z a = \\left(\\partial_\\mu a\\,\\nabla\\mu + \\partial_\\sigma a\\,\\nabla\\sigma
\\right) \\odot \\partial T/\\partial z` (the GP's ``predict_gradient``); discrete columns stay
where their candidate put them.

References
----------
.. [1] S. Ament, S. Daulton, D. Eriksson, M. Balandat and E. Bakshy, "Unexpected improvements
   to expected improvement for Bayesian optimization", NeurIPS 2023 (log EI; its Sec. 4 on
   optimizing acquisitions from many quasi-random starts).
.. [2] J. Snoek, H. Larochelle and R. P. Adams, "Practical Bayesian optimization of machine
   learning algorithms", NeurIPS 2012, Sec. 3.2, Eq. 4 (integrated acquisition).
.. [3] N. Srinivas, A. Krause, S. Kakade and M. Seeger, "Gaussian process optimization in the
   bandit setting", ICML 2010.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.optimize import minimize
from scipy.special import logsumexp

from tunelab.gp import acquisition as A
from tunelab.search import _bo_batch
from tunelab.search._bo_encoding import Encoding, gradient_mask, kernel_input, sobol_points
from tunelab.search._bo_surrogate import Surrogate, posterior_grad

ACQUISITIONS = A.ACQUISITIONS  # name -> Acquisition, registered in tunelab.gp.acquisition
__all__ = ["ACQUISITIONS", "Surrogate", "acquisition", "acquisition_grad", "candidates",
           "maximize", "maximize_steps", "refine", "thompson",
           "thompson_draw"]
_LOCAL_SCALES = (0.01, 0.05, 0.2)  # standard deviations of the points around incumbents


def _log_scale(acq: A.Acquisition, sur: Surrogate) -> bool:
    """Whether to work with the log of the acquisition: it is one, or a penalty multiplies it."""
    return acq.log_scale or sur.penalty is not None


def acquisition(name: str, sur: Surrogate, X: np.ndarray, xi: float, beta: float) -> np.ndarray:
    """Acquisition values ``(n,)`` at kernel inputs ``X`` ``(n, D)`` (to be maximized)."""
    acq = A.ACQUISITIONS[name]
    log_scale = _log_scale(acq, sur)
    values = []
    for gp in sur.gps:
        mean, std = gp.predict(X, return_std=True)
        values.append(np.atleast_1d(acq.terms(log_scale, mean, std, sur.best, xi, beta)[0]))
    V = np.array(values)
    if len(V) == 1:
        out = V[0]
    elif log_scale:
        out = logsumexp(V, axis=0) - np.log(len(V))  # Snoek et al. (2012), Eq. 4
    else:
        out = V.mean(axis=0)
    if sur.penalty is not None:
        out = out + _bo_batch.log_penalty(X, *sur.penalty)
    return out


def acquisition_grad(
    name: str, sur: Surrogate, X: np.ndarray, xi: float, beta: float
) -> tuple[np.ndarray, np.ndarray]:
    """Acquisition values ``(r,)`` at kernel inputs ``X`` ``(r, D)``, and gradients ``(r, D)``."""
    acq = A.ACQUISITIONS[name]
    log_scale = _log_scale(acq, sur)
    values, grads = [], []
    for gp in sur.gps:
        mean, std, dmean, dstd = posterior_grad(gp, X)
        a, da_dm, da_ds = (np.atleast_1d(t) for t in
                           acq.terms(log_scale, mean, std, sur.best, xi, beta))
        values.append(a)
        grads.append(da_dm[:, None] * dmean + da_ds[:, None] * dstd)  # the chain rule
    V, G = np.array(values), np.array(grads)  # (M, r), (M, r, D)
    if len(V) == 1:
        value, grad = V[0], G[0]
    elif log_scale:
        value = logsumexp(V, axis=0) - np.log(len(V))
        w = np.exp(V - value - np.log(len(V)))
        w = np.where(np.isfinite(value), w, 0.0)
        grad = np.einsum("mr,mrd->rd", w, G)
    else:
        value, grad = V.mean(axis=0), G.mean(axis=0)
    if sur.penalty is not None:
        p, dp = _bo_batch.log_penalty_grad(X, *sur.penalty)
        value, grad = value + p, grad + dp
    return value, grad


def candidates(
    enc: Encoding, rng: np.random.Generator, n_candidates: int, centres: np.ndarray
) -> np.ndarray:
    """Relaxed candidates: Sobol' points, and Gaussian steps around ``centres`` ``(c, D)``.

    ``n_candidates // 4`` local points cycle over the centres and the scales 0.01, 0.05, 0.2.
    """
    Z = sobol_points(n_candidates, enc.n_columns, rng)
    if len(centres) == 0:
        return Z
    n_local = max(n_candidates // 4, 1)
    which = np.arange(n_local) % len(centres)
    scale = np.array(_LOCAL_SCALES)[(np.arange(n_local) // len(centres)) % len(_LOCAL_SCALES)]
    steps = rng.standard_normal((n_local, enc.n_columns)) * scale[:, None]
    return np.vstack([Z, np.clip(centres[which] + steps, 0.0, 1.0)])


def refine(
    name: str, sur: Surrogate, enc: Encoding, Z0: np.ndarray, xi: float, beta: float
) -> tuple[np.ndarray, np.ndarray]:
    """L-BFGS-B from each row of ``Z0`` over its active real columns; ``(Z, values)``.

    The starts are refined jointly, as one problem whose objective is the sum of their
    (independent) acquisitions, so that one optimizer step and one batched gradient serve
    them all.
    """
    masks = gradient_mask(enc, Z0)
    X0 = kernel_input(enc, Z0)
    rows, cols = np.nonzero(masks)  # the free variables, start by start

    def objective(v: np.ndarray) -> tuple[float, np.ndarray]:
        X = X0.copy()
        X[rows, cols] = v
        values, grads = acquisition_grad(name, sur, X, xi, beta)
        ok = np.isfinite(values)
        total = -float(values[ok].sum()) + 1e100 * float((~ok).sum())
        return total, -np.where(ok[:, None], grads, 0.0)[rows, cols]

    if len(rows):
        result = minimize(objective, X0[rows, cols], jac=True, method="L-BFGS-B",
                          bounds=[(0.0, 1.0)] * len(rows), options={"maxiter": 200})
        X0[rows, cols] = np.clip(result.x, 0.0, 1.0)
    Z = Z0.copy()
    Z[rows, cols] = X0[rows, cols]
    return Z, acquisition(name, sur, X0, xi, beta)


def maximize(
    name: str, sur: Surrogate, enc: Encoding, rng: np.random.Generator, n_candidates: int,
    n_restarts: int, centres: np.ndarray, xi: float, beta: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Relaxed points ``(m, D)`` ranked by acquisition, best first, and their values.

    The ``n_restarts`` best candidates with distinct kernel inputs are refined
    (:func:`refine`); a refined point is kept next to its start, not instead of it.
    """
    Z, values, _ = maximize_steps(name, sur, enc, rng, n_candidates, n_restarts, centres, xi,
                                  beta)
    order = np.argsort(-values, kind="stable")
    return Z[order], values[order]


def maximize_steps(
    name: str, sur: Surrogate, enc: Encoding, rng: np.random.Generator, n_candidates: int,
    n_restarts: int, centres: np.ndarray, xi: float, beta: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The steps of :func:`maximize`, unranked: every point scored ``(m, D)`` (the candidates,
    then the refined ends of the starts), their values (``nan`` as ``-inf``), and the
    positions of the starts among the candidates (end ``i`` is row ``m - len(starts) + i``)."""
    Z = candidates(enc, rng, n_candidates, centres)
    values = acquisition(name, sur, kernel_input(enc, Z), xi, beta)
    values = np.where(np.isnan(values), -np.inf, values)
    order = np.argsort(-values, kind="stable")
    starts = order[_distinct(kernel_input(enc, Z[order]), n_restarts)]
    if len(starts):
        Zr, vr = refine(name, sur, enc, Z[starts], xi, beta)
        Z = np.vstack([Z, Zr])
        values = np.concatenate([values, np.where(np.isnan(vr), -np.inf, vr)])
    return Z, values, np.asarray(starts, dtype=np.int64)


def _distinct(X: np.ndarray, k: int) -> list[int]:
    """Positions of the first ``k`` rows of ``X`` that differ from every earlier pick."""
    picks: list[int] = []
    for i in range(len(X)):
        if len(picks) == k:
            break
        if not picks or np.min(np.abs(X[picks] - X[i]).max(axis=1)) > 1e-9:
            picks.append(i)
    return picks


def thompson(
    gp: Any, enc: Encoding, rng: np.random.Generator, n_candidates: int, centres: np.ndarray
) -> np.ndarray:
    """Candidates ranked by one joint posterior draw, lowest first (Thompson sampling)."""
    Z, draw = thompson_draw(gp, enc, rng, n_candidates, centres)
    return Z[np.argsort(draw, kind="stable")]


def thompson_draw(
    gp: Any, enc: Encoding, rng: np.random.Generator, n_candidates: int, centres: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The candidates with distinct kernel inputs ``(m, D)`` and one joint posterior draw at
    them ``(m,)`` (standardized units): what :func:`thompson` ranks."""
    Z = candidates(enc, rng, n_candidates, centres)
    X = kernel_input(enc, Z)
    X, first = np.unique(X, axis=0, return_index=True)  # equal inputs: one draw each
    draw = gp.sample_y(X, 1, random_state=rng)[:, 0]
    return Z[first], draw
