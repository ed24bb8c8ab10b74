"""Batches for Bayesian optimization: pending evaluations, liars and local penalization.

A configuration that was asked and not yet told is *pending*. Each ask accounts for the
pending ones, so that ``ask_batch(q)`` (or ``q`` asks in a row) spreads its points:

- *constant liar* (``"cl_min"``, ``"cl_mean"``, ``"cl_max"``): each pending point is told to a
  copy of the GP with a fake value, the minimum, mean or maximum of the observed values
  (Ginsbourger et al. 2010, Sec. 4.2; the minimum is the optimistic lie, the maximum the
  pessimistic one, which pushes the batch apart hardest);
- *kriging believer* (``"kb"``): the fake value is the posterior mean at the point (Sec. 4.1);
  told jointly or one after the other, the result is the same, since a value equal to the
  mean leaves the posterior mean unchanged;
- *local penalization* (``"lp"``): the GP is left as it is and the log-acquisition gets a
  penalty around each pending point :math:`x_j` (González et al. 2016, Eq. 4, written for
  minimization):

  .. math::

     \\log \\varphi(x; x_j) = \\log \\Phi\\!\\left(\\frac{L \\lVert x - x_j \\rVert - \\mu(x_j) + M}
                                              {\\sigma(x_j)}\\right),

  with :math:`M` the best observed value and :math:`L` an estimate of the Lipschitz constant of
  the objective, :math:`\\max \\lVert \\nabla \\mu \\rVert` over a set of points (Sec. 3.2):
  :math:`\\varphi` is the probability that :math:`x` lies outside the ball around :math:`x_j`
  in which the minimum cannot be, given :math:`f(x_j) \\sim N(\\mu(x_j), \\sigma^2(x_j))`.

References
----------
.. [1] D. Ginsbourger, R. Le Riche and L. Carraro, "Kriging is well-suited to parallelize
   optimization", in *Computational Intelligence in Expensive Optimization Problems*,
   Springer, 2010, pp. 131-162.
.. [2] J. González, Z. Dai, P. Hennig and N. Lawrence, "Batch Bayesian optimization via local
   penalization", AISTATS 2016, Eq. 4 (the penalizer) and Sec. 3.2 (the Lipschitz constant).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from scipy.special import log_ndtr

from tunelab.gp import GaussianProcess
from tunelab.search._bo_encoding import Encoding, kernel_input, sobol_points
from tunelab.search._bo_surrogate import Surrogate, posterior_grad

BATCH_RULES = ("cl_min", "cl_mean", "cl_max", "kb", "lp")


def config_key(config: Mapping[str, Any]) -> tuple:
    """Hashable identity of a validated configuration (``True`` and ``1`` stay apart)."""
    return tuple((name, type(value), value) for name, value in config.items())


class Pending:
    """Asked configurations whose values have not been told, in the order asked.

    The same configuration may be pending twice; a tell removes its oldest entry.
    """

    def __init__(self) -> None:
        self.configs: list[dict[str, Any]] = []
        self._keys: list[tuple] = []

    def add(self, config: dict[str, Any]) -> None:
        """Record an asked configuration."""
        self.configs.append(config)
        self._keys.append(config_key(config))

    def remove(self, config: Mapping[str, Any]) -> bool:
        """Forget the oldest entry of ``config``; ``False`` when it was not pending."""
        key = config_key(config)
        if key not in self._keys:
            return False
        i = self._keys.index(key)
        del self.configs[i], self._keys[i]
        return True

    def keys(self) -> set[tuple]:
        """The keys of the pending configurations."""
        return set(self._keys)

    def __len__(self) -> int:
        return len(self.configs)

    def __repr__(self) -> str:
        return f"Pending({self.configs!r})"


def liar_values(rule: str, y: np.ndarray, mu_pending: np.ndarray) -> np.ndarray:
    """Fake values of the pending points under ``rule`` (``"cl_*"`` or ``"kb"``).

    Parameters
    ----------
    rule : {"cl_min", "cl_mean", "cl_max", "kb"}
        The heuristic (module docstring).
    y : ndarray of shape (n,)
        Observed values (finite).
    mu_pending : ndarray of shape (p,)
        Posterior mean at the pending points (used by ``"kb"``).
    """
    p = len(mu_pending)
    if rule == "kb":
        return np.asarray(mu_pending, dtype=np.float64).copy()
    lie = {"cl_min": np.min, "cl_mean": np.mean, "cl_max": np.max}[rule](y)
    return np.full(p, float(lie))


def log_penalty(
    X: np.ndarray, Xp: np.ndarray, mu_p: np.ndarray, sigma_p: np.ndarray, L: float, M: float
) -> np.ndarray:
    """:math:`\\sum_j \\log \\varphi(x; x_j)` at the rows of ``X`` ``(n, D)``; shape ``(n,)``.

    ``Xp`` ``(p, D)`` are the pending kernel inputs, ``mu_p`` and ``sigma_p`` the posterior
    mean and standard deviation there (González et al. 2016, Eq. 4; module docstring).
    """
    dist = np.sqrt(np.maximum(((X[:, None, :] - Xp[None, :, :]) ** 2).sum(axis=2), 0.0))
    z = (L * dist - mu_p[None, :] + M) / sigma_p[None, :]
    return log_ndtr(z).sum(axis=1)


def log_penalty_grad(
    X: np.ndarray, Xp: np.ndarray, mu_p: np.ndarray, sigma_p: np.ndarray, L: float, M: float
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`log_penalty` at the rows of ``X`` ``(n, D)``, and its gradients ``(n, D)``.

    .. math:: \\nabla \\log\\Phi(z_j) = \\frac{\\phi(z_j)}{\\Phi(z_j)} \\frac{L}{\\sigma_j}
              \\frac{x - x_j}{\\lVert x - x_j \\rVert}
    """
    diff = X[:, None, :] - Xp[None, :, :]
    dist = np.sqrt((diff**2).sum(axis=2))
    z = (L * dist - mu_p[None, :] + M) / sigma_p[None, :]
    logcdf = log_ndtr(z)
    ratio = np.exp(-0.5 * z**2 - 0.5 * np.log(2 * np.pi) - logcdf)  # phi(z) / Phi(z)
    unit = np.divide(diff, dist[:, :, None], out=np.zeros_like(diff),
                     where=dist[:, :, None] > 0)
    grad = ((ratio * L / sigma_p[None, :])[:, :, None] * unit).sum(axis=1)
    return logcdf.sum(axis=1), grad



def pending_surrogate(rule: str, gps: list[Any], X: np.ndarray, y: np.ndarray, Xp: np.ndarray,
                      enc: Encoding, probe_rng: np.random.Generator,
                      watch: Callable[..., Any]) -> Surrogate:
    """The surrogate of GPs ``gps`` fitted on ``(X, y)`` (standardized, finite ``y``) with
    the pending kernel inputs ``Xp`` (``len(Xp) >= 1``) accounted for by ``rule``.

    ``"lp"``: the GPs unchanged, with the penalty of :func:`penalty_terms`; else each GP
    conditioned on the lies of :func:`liar_values` too, and the incumbent the smaller of the
    best value and the lies. ``watch(fn, *args)`` calls ``fn`` (the caller's warning filter).
    """
    best = float(y.min())
    if rule == "lp":
        return Surrogate(gps, best, penalty_terms(gps[0], X, y, Xp, best, enc, probe_rng))
    fantasies, lies = [], []
    for gp in gps:
        lie = liar_values(rule, y, gp.predict(Xp))
        fantasy = GaussianProcess(gp.kernel_, noise=gp.noise_, n_restarts=0)
        fantasies.append(watch(fantasy.fit, np.vstack([gp.X_train_, Xp]),
                               np.concatenate([gp.y_train_, lie])))
        lies.append(lie.min())
    return Surrogate(fantasies, min(best, float(np.min(lies))))


def penalty_terms(gp: Any, X: np.ndarray, y: np.ndarray, Xp: np.ndarray, best: float,
                  enc: Encoding, probe_rng: np.random.Generator) -> tuple:
    """Local penalization's ``(Xp, mu_p, sigma_p, L, M)`` from ``gp``; ``L`` is the largest
    :math:`\\lVert\\nabla\\mu\\rVert` at the 64 best observed points and 64 Sobol' ones
    drawn from ``probe_rng`` (González et al. 2016, Sec. 3.2; 10 for a flat mean)."""
    mu_p, sigma_p = gp.predict(Xp, return_std=True)
    probe = np.vstack([X[np.argsort(y, kind="stable")[:64]],
                       kernel_input(enc, sobol_points(64, enc.n_columns, probe_rng))])
    L = float(np.linalg.norm(posterior_grad(gp, probe)[2], axis=1).max())
    L = L if L > 1e-7 else 10.0  # a flat mean: González et al. (2016), Sec. 3.2
    return Xp, mu_p, np.maximum(sigma_p, 1e-6), L, best
