"""The surrogate of Bayesian optimization: GPs fitted on standardized values, and their
posterior gradients.

Hyperparameters by maximum likelihood, maximum a posteriori (:func:`log_prior`) or slice
sampling of their posterior (:func:`tunelab.search._slice_sampling.slice_sample`), from a
subset of at most 200 observations (the 100 best, 100 others at random) when there are more;
the GPs are then conditioned on all the data. Notation: hyperparameters :math:`\\theta` (log
lengthscales, log variance, log noise when it is fitted).

References
----------
.. [1] J. Snoek, H. Larochelle and R. P. Adams, "Practical Bayesian optimization of machine
   learning algorithms", NeurIPS 2012, Sec. 3.2 (slice sampling of GP hyperparameters).
.. [2] C. Hvarfner, E. O. Hellsten and L. Nardi, "Vanilla Bayesian optimization performs great
   in high dimensions", ICML 2024, Sec. 4 (the log-normal lengthscale prior, scaled with
   :math:`\\sqrt{D}`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.linalg import cho_solve

from tunelab.gp import RBF, GaussianProcess, Matern
from tunelab.search._slice_sampling import slice_sample

_SUBSET = 200  # hyperparameters are fitted on at most this many observations
_SLICE = (8, 8)  # slice sampling: kept samples, burn-in sweeps
KERNELS = {"matern52": 2.5, "matern32": 1.5, "matern12": 0.5, "rbf": None}  # name -> nu
HYPERPARAMETERS = ("ml2", "map", "fixed", "slice")


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


def gp_options(kernel: str, noise: float | str, hyperparameters: str, D: int) -> dict[str, Any]:
    """What :func:`fit_gps` reads: the kernel named ``kernel`` (one of :data:`KERNELS`), with
    ARD lengthscales :math:`\\tfrac14\\sqrt D` to start, the noise (``"fit"``: estimated in
    ``[1e-6, 0.1]`` from 1e-4) and how hyperparameters are chosen (:data:`HYPERPARAMETERS`)."""
    nu = KERNELS[kernel]
    ls = np.full(D, 0.25 * np.sqrt(D))
    k = RBF(lengthscale=ls) if nu is None else Matern(nu=nu, lengthscale=ls)
    fit_noise = noise == "fit"
    return {"kernel": k, "noise": 1e-4 if fit_noise else float(noise),
            "optimize_noise": fit_noise, "noise_bounds": (1e-6, 0.1),
            "hyperparameters": hyperparameters}


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
