r"""Parameter importance of a study by functional ANOVA of a Gaussian process.

The COMPLETE trials are encoded in the unit cube (:meth:`tunelab.Space.to_unit`) and a
:class:`tunelab.gp.GaussianProcess` with an ARD Matérn-5/2 kernel is fitted to their values.
The importance of parameter :math:`j` is the variance of its main effect

.. math::

    f_j(u_j) = \mathbb{E}_{u_{-j}}[\mu(u)] - \mathbb{E}_u[\mu(u)],\qquad
    V_j = \operatorname{Var}_{u_j}[f_j(u_j)],

over the uniform measure on the cube, with :math:`\mu` the posterior mean; the importances
are :math:`V_j / \sum_k V_k` ([H14]_). The expectations are Monte-Carlo averages over a grid
in :math:`u_j` and a seeded sample of the other coordinates.

fANOVA is used instead of the ARD lengthscales: a lengthscale says how fast the function
varies along a direction, not how much of its variance that direction explains (a short
lengthscale with a tiny amplitude of variation is unimportant), and lengthscales are not
comparable across parameters whose effect is nonlinear in different ways. Main-effect
variance fractions have a direct meaning and are exact for additive functions.

References
----------
.. [H14] F. Hutter, H. Hoos and K. Leyton-Brown, "An efficient approach for assessing
   hyperparameter importance", ICML 2014.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["importances"]


def importances(
    study: Any, *, n_grid: int = 32, n_samples: int = 256, seed: int = 0
) -> dict[str, float]:
    """Main-effect variance fraction of each parameter; the values sum to 1.

    Parameters
    ----------
    study : tunelab.Study
        A study with at least 2 COMPLETE trials.
    n_grid : int, default=32
        Grid points along each parameter's unit coordinate (>= 2).
    n_samples : int, default=256
        Monte-Carlo samples of the other coordinates per grid point (>= 1).
    seed : int, default=0
        Seed of the Monte-Carlo sample and of the GP's restarts.

    Returns
    -------
    dict
        Parameter name -> importance in [0, 1], in the order of the space.

    Raises
    ------
    ValueError
        If the study has fewer than 2 COMPLETE trials, or ``n_grid``/``n_samples`` are
        out of range.
    """
    from tunelab.gp import GaussianProcess, Matern

    if not isinstance(n_grid, int) or n_grid < 2:
        raise ValueError(f"n_grid must be an int >= 2, got {n_grid!r}")
    if not isinstance(n_samples, int) or n_samples < 1:
        raise ValueError(f"n_samples must be an int >= 1, got {n_samples!r}")
    trials = getattr(study, "trials", None)
    if trials is None:
        raise TypeError(f"study must be a tunelab Study, got {type(study).__name__}")
    done = [t for t in trials if t.state.value == "COMPLETE" and t.value is not None]
    if len(done) < 2:
        raise ValueError(f"study needs at least 2 COMPLETE trials, it has {len(done)}")
    names = list(study.space.names)
    X = study.space.to_unit([t.params for t in done])
    y = np.array([t.value for t in done], dtype=float)
    d = X.shape[1]
    if np.ptp(y) == 0.0:
        return dict.fromkeys(names, 1.0 / d)
    gp = GaussianProcess(Matern(2.5, np.full(d, 0.3)), normalize_y=True,
                         optimize_noise=True, random_state=seed)
    gp.fit(X, y)
    rng = np.random.default_rng(seed)
    base = rng.random((n_samples, d))
    grid = (np.arange(n_grid) + 0.5) / n_grid
    variances = np.empty(d)
    for j in range(d):
        pts = np.repeat(base[None], n_grid, axis=0)
        pts[:, :, j] = grid[:, None]
        mu = np.asarray(gp.predict(pts.reshape(-1, d))).reshape(n_grid, n_samples)
        variances[j] = mu.mean(axis=1).var()
    total = variances.sum()
    if total <= 0.0:
        return dict.fromkeys(names, 1.0 / d)
    return {n: float(v / total) for n, v in zip(names, variances, strict=True)}
