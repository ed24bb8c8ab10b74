"""Acquisition for Bayesian optimization: the surrogate it reads, and its maximization.

The surrogate: GPs fitted on standardized values, their hyperparameters by maximum likelihood,
maximum a posteriori (:func:`log_prior`) or slice sampling (:func:`slice_sample`), from a
subset of at most 200 observations (the 100 best, 100 others at random) when there are more.

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
   learning algorithms", NeurIPS 2012, Sec. 3.2, Eq. 4 (integrated acquisition, slice sampling
   of GP hyperparameters).
.. [3] R. M. Neal, "Slice sampling", Ann. Statist. 31(3), 705-767, 2003, Figs. 3 and 5
   (stepping out, shrinkage).
.. [4] C. Hvarfner, E. O. Hellsten and L. Nardi, "Vanilla Bayesian optimization performs great
   in high dimensions", ICML 2024, Sec. 4 (the log-normal lengthscale prior, scaled with
   :math:`\\sqrt{D}`).
.. [5] N. Srinivas, A. Krause, S. Kakade and M. Seeger, "Gaussian process optimization in the
   bandit setting", ICML 2010.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.linalg import cho_solve
from scipy.optimize import minimize
from scipy.special import logsumexp

from tunelab.gp import GaussianProcess
from tunelab.gp import acquisition as A
from tunelab.search import _bo_batch
from tunelab.search._bo_encoding import Encoding, gradient_mask, kernel_input, sobol_points

ACQUISITIONS = ("ei", "logei", "pi", "ucb", "thompson")
_SUBSET = 200  # hyperparameters are fitted on at most this many observations
_SLICE = (8, 8)  # slice sampling: kept samples, burn-in sweeps
_LOCAL_SCALES = (0.01, 0.05, 0.2)  # standard deviations of the points around incumbents


@dataclass
class Surrogate:
    """What an acquisition reads: fitted GPs, the incumbent, an optional penalty.

    Attributes
    ----------
    gps : list of GaussianProcess
        One GP, or one per hyperparameter sample (the acquisition averages over them).
    best : float
        The incumbent :math:`f^*`, standardized.
    penalty : tuple or None
        ``(Xp, mu_p, sigma_p, L, M)`` of local penalization (:mod:`._bo_batch`).
    """

    gps: list[Any]
    best: float
    penalty: tuple | None = None


def _per_gp(name: str, log_scale: bool, mean, std, best: float, xi: float, beta: float):
    """``(a, da/dmu, da/dsigma)`` of one GP's posterior."""
    if name == "pi":
        return A.log_probability_of_improvement_grad(mean, std, best, xi)
    if name == "logei" or (name == "ei" and log_scale):
        return A.log_expected_improvement_grad(mean, std, best, xi)
    if name == "ei":
        return A.expected_improvement_grad(mean, std, best, xi)
    lcb, dm, ds = A.lower_confidence_bound_grad(mean, std, beta)
    if not log_scale:
        return -lcb, -dm, -ds
    u = -np.asarray(lcb)  # log softplus(u) and its derivative sigmoid(u) / softplus(u)
    softplus = np.logaddexp(0.0, u)
    ratio = np.exp(-np.logaddexp(0.0, -u)) / softplus
    return np.log(softplus), -dm * ratio, -ds * ratio


def _log_scale(name: str, sur: Surrogate) -> bool:
    return name in ("logei", "pi") or sur.penalty is not None


def acquisition(name: str, sur: Surrogate, X: np.ndarray, xi: float, beta: float) -> np.ndarray:
    """Acquisition values ``(n,)`` at kernel inputs ``X`` ``(n, D)`` (to be maximized)."""
    log_scale = _log_scale(name, sur)
    values = []
    for gp in sur.gps:
        mean, std = gp.predict(X, return_std=True)
        values.append(np.atleast_1d(_per_gp(name, log_scale, mean, std, sur.best, xi, beta)[0]))
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


def posterior_grad(gp: Any, X: np.ndarray) -> tuple[np.ndarray, ...]:
    """``(mean, std, dmean_dx, dstd_dx)`` at the rows of ``X`` ``(r, D)``, all at once.

    The batched twin of ``gp.predict_gradient`` (the tests assert that they agree): with
    :math:`k_* = k(x, X)`, :math:`J = \\partial k_*/\\partial x` and
    :math:`v = K_y^{-1} k_*`, :math:`\\nabla\\mu = J^T\\alpha` and
    :math:`\\nabla\\sigma = -J^T v/\\sigma` (zero where :math:`\\sigma = 0`).
    """
    Ks = gp.kernel_(X, gp.X_train_)
    V = cho_solve((gp.L_, True), Ks.T, check_finite=False)
    var = gp.kernel_.diag(X) - np.einsum("in,ni->i", Ks, V)
    std = np.sqrt(np.maximum(var, 0.0))
    Xt, weighted = gp.X_train_, gp.kernel_._gradient_x_weighted
    JV = weighted(X, Xt, V.T)  # sum_n J[i, n] V[n, i]
    dstd = np.divide(-JV, std[:, None], out=np.zeros_like(JV), where=std[:, None] > 0)
    mean = gp.y_mean_ + gp.y_std_ * (Ks @ gp.alpha_)
    dmean = weighted(X, Xt, np.broadcast_to(gp.alpha_, Ks.shape))
    return mean, std * gp.y_std_, gp.y_std_ * dmean, gp.y_std_ * dstd


def acquisition_grad(
    name: str, sur: Surrogate, X: np.ndarray, xi: float, beta: float
) -> tuple[np.ndarray, np.ndarray]:
    """Acquisition values ``(r,)`` at kernel inputs ``X`` ``(r, D)``, and gradients ``(r, D)``."""
    log_scale = _log_scale(name, sur)
    values, grads = [], []
    for gp in sur.gps:
        mean, std, dmean, dstd = posterior_grad(gp, X)
        a, da_dm, da_ds = (np.atleast_1d(t) for t in
                           _per_gp(name, log_scale, mean, std, sur.best, xi, beta))
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
    Z = candidates(enc, rng, n_candidates, centres)
    values = acquisition(name, sur, kernel_input(enc, Z), xi, beta)
    values = np.where(np.isnan(values), -np.inf, values)
    order = np.argsort(-values, kind="stable")
    starts = order[_distinct(kernel_input(enc, Z[order]), n_restarts)]
    if len(starts):
        Zr, vr = refine(name, sur, enc, Z[starts], xi, beta)
        Z = np.vstack([Z, Zr])
        values = np.concatenate([values, np.where(np.isnan(vr), -np.inf, vr)])
    order = np.argsort(-values, kind="stable")
    return Z[order], values[order]


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
    Z = candidates(enc, rng, n_candidates, centres)
    X = kernel_input(enc, Z)
    X, first = np.unique(X, axis=0, return_index=True)  # equal inputs: one draw each
    draw = gp.sample_y(X, 1, random_state=rng)[:, 0]
    return Z[first[np.argsort(draw, kind="stable")]]


# --- hyperparameters: prior, and slice sampling from the posterior ------------------------
def log_prior(D: int, n_theta: int) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    """Log density of independent normals on :math:`\\theta` and its gradient.

    :math:`\\log \\ell_k \\sim N(\\sqrt2 + \\tfrac12\\log D,\\, 3)` (Hvarfner et al. 2024),
    :math:`\\log s \\sim N(0, 1)` (the targets are standardized), and, when present (the last
    entry, ``n_theta = D + 2``), :math:`\\log \\sigma_n^2 \\sim N(\\log 10^{-4}, 4)`.
    """
    mu = np.full(n_theta, np.sqrt(2.0) + 0.5 * np.log(D))
    var = np.full(n_theta, 3.0)
    mu[D], var[D] = 0.0, 1.0
    if n_theta == D + 2:
        mu[-1], var[-1] = np.log(1e-4), 4.0

    def prior(theta: np.ndarray) -> tuple[float, np.ndarray]:
        r = theta - mu
        return float(-0.5 * np.sum(r * r / var + np.log(2 * np.pi * var))), -r / var

    return prior


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


def standardize(y: np.ndarray) -> np.ndarray:
    """:math:`(y - \\bar y)/s_y`; a constant ``y`` gives zeros."""
    std = y.std()
    return (y - y.mean()) / (std if std > 0 else 1.0)


def fit_gps(
    X: np.ndarray, y: np.ndarray, options: dict[str, Any], rng: np.random.Generator,
    start: tuple[Any, float] | None = None,
) -> list[GaussianProcess]:
    """One GP (``map``, ``ml2``, ``fixed``) or one per slice sample, conditioned on all data.

    Hyperparameters start from ``start = (kernel, noise)`` alone, or else from the initial
    kernel and one random restart.
    """
    how = options["hyperparameters"]
    kernel, noise = start if start is not None else (options["kernel"], options["noise"])
    gp = GaussianProcess(kernel, noise=noise, optimize_noise=options["optimize_noise"],
                         noise_bounds=options["noise_bounds"], n_restarts=int(start is None),
                         random_state=rng)
    if how == "fixed":
        return [gp.fit(X, y)]
    prior = log_prior(X.shape[1], options["kernel"].n_dims + options["optimize_noise"])
    sub = _subset(y, rng)
    gp.fit(X[sub], y[sub], optimize=True, log_prior=prior if how != "ml2" else None)
    if how != "slice":
        return [_condition(gp.kernel_, gp.noise_, X, y)] if len(sub) < len(y) else [gp]
    theta0 = gp._theta_vector(gp.kernel_, gp.noise_)
    bounds = gp.kernel_.bounds
    if options["optimize_noise"]:
        bounds = np.vstack([bounds, np.log(options["noise_bounds"])])

    def logp(theta: np.ndarray) -> float:
        try:
            return float(gp.log_marginal_likelihood(theta)) + prior(theta)[0]
        except np.linalg.LinAlgError:
            return -np.inf

    samples = slice_sample(logp, theta0, bounds, _SLICE[0], _SLICE[1], rng)
    n_kernel = gp.kernel_.n_dims
    return [_condition(gp.kernel_.clone_with_theta(t[:n_kernel]),
                       float(np.exp(t[-1])) if options["optimize_noise"] else gp.noise_, X, y)
            for t in samples]


def _subset(y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """All indices, or the ``_SUBSET // 2`` best and as many others drawn at random."""
    if len(y) <= _SUBSET:
        return np.arange(len(y))
    order = np.argsort(y, kind="stable")
    best, rest = order[: _SUBSET // 2], order[_SUBSET // 2 :]
    return np.sort(np.concatenate([best, rng.choice(rest, _SUBSET - len(best), replace=False)]))


def _condition(kernel: Any, noise: float, X: np.ndarray, y: np.ndarray) -> GaussianProcess:
    """A GP with fixed hyperparameters conditioned on ``(X, y)``."""
    return GaussianProcess(kernel, noise=noise, n_restarts=0).fit(X, y)
