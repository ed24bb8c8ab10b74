"""The snapshot of :meth:`BayesianOptimization.explain`: the model and the acquisition that
decide the next ask, in the objective's and the space's units.

The GP works on kernel inputs :math:`x = T(z)` of relaxed unit points and on standardized values
:math:`\\tilde y = (y - \\bar y)/s_y` (:mod:`tunelab.search.bayes`). This module undoes both:
posterior means are :math:`\\bar y + s_y \\mu`, standard deviations :math:`s_y \\sigma`, and
points are given in the space's axis coordinates (:mod:`tunelab.search._explain_common`). The
next ask's candidates are rebuilt from the very generator that ask will use (it is seeded by
``(seed, n_asked)``), so the snapshot's candidates and chosen point are those of the next ask.

Acquisition parts, with :math:`z = (f^* - \\xi - \\mu)/\\sigma` (standardized units, then
multiplied by :math:`s_y`):

- EI and log EI: :math:`\\mathrm{EI} = (f^* - \\xi - \\mu)\\Phi(z) + \\sigma\\varphi(z)`, the
  exploitation and exploration terms (Jones et al. 1998, Eq. 15);
- PI: :math:`\\Phi(z)` (a probability, no units);
- LCB: :math:`\\mathrm{LCB} = \\mu - \\beta\\sigma`, the mean and the exploration bonus
  :math:`-\\beta\\sigma` (Srinivas et al. 2010);
- Thompson sampling: one joint posterior draw at the candidates.

With several GPs (slice-sampled hyperparameters) parts are averaged over them, and the
posterior is their equal mixture: mean :math:`\\frac1M\\sum_m \\mu_m`, variance
:math:`\\frac1M\\sum_m (\\sigma_m^2 + \\mu_m^2) - \\bar\\mu^2`.

References
----------
.. [1] D. R. Jones, M. Schonlau and W. J. Welch, "Efficient global optimization of expensive
   black-box functions", J. Global Optim. 13, 455-492, 1998.
.. [2] N. Srinivas, A. Krause, S. Kakade and M. Seeger, "Gaussian process optimization in the
   bandit setting", ICML 2010.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import norm

from tunelab.gp import acquisition as A
from tunelab.search import _bo_acquisition as acq_
from tunelab.search import _bo_batch
from tunelab.search import _bo_encoding as enc_
from tunelab.search._explain_common import axes, configs_to_axis, unit_to_axis

__all__ = ["explain_bayes"]
_N_GRID = {1: 200, 2: 40}  # grid points per axis: 1-D curves, 2-D contours
_N_SLICE = 100  # points of a slice through the next point
_DRAW = 23  # spawn-key tag of the illustrative Thompson draw on the grid


def explain_bayes(bo: Any, n_centres: int) -> dict[str, Any]:
    """The snapshot documented in :meth:`BayesianOptimization.explain`."""
    space = bo.space
    configs = [c for c, _ in bo.history]
    values = np.array([v for _, v in bo.history], dtype=float)
    snap: dict[str, Any] = {
        "kind": "bayes", "acquisition": bo.acquisition, "axes": axes(space),
        "n_asked": bo.n_asked, "n_told": bo.n_told,
        "observations": {"configs": configs, "points": configs_to_axis(space, configs),
                         "values": values},
        "pending": {"rule": bo.batch, "configs": list(bo._pending.configs),
                    "points": configs_to_axis(space, list(bo._pending.configs))},
    }
    rng = bo._rng()
    if bo._in_design():
        u = enc_.design_point(bo.initial_design, len(space), bo.n_initial_, bo.seed, bo.n_asked)
        snap.update(phase="initial_design", design=bo.initial_design,
                    chosen=_chosen(space, space.from_unit(u), u, None))
        return snap
    fit = bo._fitted()
    sur = bo._surrogate(fit)
    finite = values[np.isfinite(values)]
    scale = (float(finite.mean()), float(finite.std()) if finite.std() > 0 else 1.0)
    name, acq = bo.acquisition, A.ACQUISITIONS[bo.acquisition]
    xi = bo.xi if bo.xi is not None else acq.xi
    centres = fit.Z[np.argsort(fit.y, kind="stable")[:n_centres]]
    model = _Model(bo, sur, scale, xi)
    if acq.draws:
        gp_index = int(rng.integers(len(sur.gps)))
        Z, draw = acq_.thompson_draw(sur.gps[gp_index], bo._enc, rng, bo.n_candidates, centres)
        score, starts = -draw, np.zeros(0, dtype=np.int64)
        cand = {"draw": scale[0] + scale[1] * draw, "gp_index": gp_index}
    else:
        Z, score, starts = acq_.maximize_steps(name, sur, bo._enc, rng, bo.n_candidates,
                                               bo.n_restarts, centres, xi, bo.ucb_beta)
        cand = {"acquisition": score}
    order = np.argsort(-score, kind="stable")
    best = _first_new(bo, Z, order)
    U = enc_.to_unit(bo._enc, Z)
    n_ends = len(starts)
    source = np.full(len(Z), "local", dtype=object)
    source[:min(bo.n_candidates, len(Z))] = "sobol"
    source[len(Z) - n_ends:] = "refined"
    cand.update(unit=U, points=unit_to_axis(space, U), source=source.astype(str),
                starts=starts, ends=np.arange(len(Z) - n_ends, len(Z)))
    z_next = Z[order[0]] if best is None else None
    if best is not None:
        config = space.from_unit(cand["unit"][best])
        snap["chosen"] = _chosen(space, config, cand["unit"][best], best)
        z_next = enc_.to_relaxed(bo._enc, cand["unit"][best])[0]
    else:  # every ranked point repeats: the ask falls back to a random configuration
        snap["chosen"] = None
    snap.update(
        phase="model", xi=xi, beta=bo.ucb_beta, incumbent=scale[0] + scale[1] * sur.best,
        standardization={"mean": scale[0], "std": scale[1]}, candidates=cand,
        hyperparameters=_hyperparameters(bo, sur, scale),
        **_views(bo, model, z_next),
    )
    snap["pending"].update(_pending_terms(bo, fit, sur, scale))
    return snap


def _first_new(bo: Any, Z: np.ndarray, order: np.ndarray) -> int | None:
    """Position of the first ranked point of the 64 best whose configuration is new (as
    ``BayesianOptimization._first_new``), or ``None``."""
    taken = bo._taken()
    top = order[:64]
    for i, config in zip(top, bo.space.from_unit(enc_.to_unit(bo._enc, Z[top])), strict=True):
        if _bo_batch.config_key(config) not in taken:
            return int(i)
    return None


def _chosen(space: Any, config: dict, u: np.ndarray, index: int | None) -> dict[str, Any]:
    return {"config": config, "unit": np.asarray(u, dtype=float),
            "point": configs_to_axis(space, [config])[0], "index": index}


class _Model:
    """Posterior and acquisition at relaxed points, in the objective's units."""

    def __init__(self, bo: Any, sur: Any, scale: tuple[float, float], xi: float) -> None:
        self.bo, self.sur, self.scale, self.xi = bo, sur, scale, xi

    def __call__(self, Z: np.ndarray) -> dict[str, Any]:
        bo, sur, (ybar, sy) = self.bo, self.sur, self.scale
        X = enc_.kernel_input(bo._enc, Z)
        M = np.array([gp.predict(X, return_std=True) for gp in sur.gps])  # (M, 2, n)
        mu, sd = M[:, 0], M[:, 1]
        mean = mu.mean(axis=0)
        std = np.sqrt(np.maximum((sd**2 + mu**2).mean(axis=0) - mean**2, 0.0))
        U = enc_.to_unit(bo._enc, Z)
        out: dict[str, Any] = {"unit": U, "points": unit_to_axis(bo.space, U),
                               "mean": ybar + sy * mean, "std": sy * std}
        out.update(self._parts(mu, sd, X))
        return out

    def _parts(self, mu: np.ndarray, sd: np.ndarray, X: np.ndarray) -> dict[str, Any]:
        bo, sur, (ybar, sy) = self.bo, self.sur, self.scale
        name = bo.acquisition
        out: dict[str, Any] = {}
        if A.ACQUISITIONS[name].draws:
            # an illustrative draw, from its own stream: the asks' streams are left alone
            rng = np.random.default_rng(np.random.SeedSequence(bo.seed,
                                                               spawn_key=(_DRAW, bo.n_asked)))
            draw = sur.gps[0].sample_y(X, 1, random_state=rng)[:, 0]
            out["parts"] = {"draw": ybar + sy * draw}
            out["total"] = out["parts"]["draw"]
            return out
        out["acquisition"] = acq_.acquisition(name, sur, X, self.xi, bo.ucb_beta)
        gap = sur.best - self.xi - mu
        z = np.divide(gap, sd, out=np.where(gap > 0, np.inf, -np.inf), where=sd > 0)
        if name in ("ei", "logei"):
            exploit = np.where(sd > 0, gap * norm.cdf(z), np.maximum(gap, 0.0))
            explore = np.where(sd > 0, sd * norm.pdf(np.where(np.isfinite(z), z, 0.0)), 0.0)
            parts = {"exploitation": sy * exploit.mean(axis=0),
                     "exploration": sy * explore.mean(axis=0)}
        elif name == "pi":
            parts = {"probability": norm.cdf(z).mean(axis=0)}
        else:  # ucb
            parts = {"mean": ybar + sy * mu.mean(axis=0),
                     "exploration": -bo.ucb_beta * sy * sd.mean(axis=0)}
        out["parts"] = parts
        out["total"] = sum(parts.values())
        if sur.penalty is not None:
            out["penalty"] = np.exp(_bo_batch.log_penalty(X, *sur.penalty))
        return out


def _views(bo: Any, model: _Model, z_next: np.ndarray) -> dict[str, Any]:
    """``grid`` (1-D, 2-D spaces of numeric dimensions) or ``slices`` through ``z_next``."""
    enc = bo._enc
    numeric = [c for c, dim in zip(enc.columns, enc.dims, strict=True) if len(c) == 1
               and not hasattr(dim, "choices")]
    d = len(enc.dims)
    if d in (1, 2) and len(numeric) == d and not bo.space.conditions:
        n = _N_GRID[d]
        t = np.linspace(0.0, 1.0, n)
        if d == 1:
            Z = t[:, None]
        else:
            G0, G1 = np.meshgrid(t, t, indexing="ij")
            Z = np.column_stack([G0.ravel(), G1.ravel()])
        grid = model(Z)
        grid["shape"] = (n,) * d
        return {"grid": grid, "slices": None}
    slices = []
    for j, (dim, cols) in enumerate(zip(enc.dims, enc.columns, strict=True)):
        if hasattr(dim, "choices"):
            Z = np.repeat(z_next[None], len(cols), axis=0)
            Z[:, cols] = np.eye(len(cols))
        else:
            Z = np.repeat(z_next[None], _N_SLICE, axis=0)
            Z[:, cols[0]] = np.linspace(0.0, 1.0, _N_SLICE)
        view = model(Z)
        view.update(dimension=j, name=bo.space.names[j])
        slices.append(view)
    return {"grid": None, "slices": slices}


def _hyperparameters(bo: Any, sur: Any, scale: tuple[float, float]) -> dict[str, Any]:
    """Kernel hyperparameters of each GP (one, or one per slice sample)."""
    enc, info = bo._enc, axes(bo.space)
    labels, span = [], []
    for axis, cols in zip(info, enc.columns, strict=True):
        if axis["kind"] == "categorical":
            labels += [f"{axis['name']}={c}" for c in axis["choices"]]
            span += [1.0] * len(cols)
        else:
            labels.append(axis["name"])
            lo, hi = axis["low"], axis["high"]
            span.append(np.log(hi) - np.log(lo) if axis["log"] else hi - lo)
    ls = np.array([np.broadcast_to(gp.kernel_.lengthscale, (enc.n_columns,)) for gp in sur.gps])
    return {
        "kernel": bo.kernel, "method": bo.hyperparameters, "columns": labels,
        "lengthscale_unit": ls, "lengthscale": ls * np.array(span),
        "variance": np.array([gp.kernel_.variance for gp in sur.gps]) * scale[1] ** 2,
        "noise": np.array([gp.noise_ for gp in sur.gps]) * scale[1] ** 2,
    }


def _pending_terms(bo: Any, fit: Any, sur: Any, scale: tuple[float, float]) -> dict[str, Any]:
    """The lies (fantasized values) or the local penalty of the pending configurations."""
    p = len(bo._pending)
    if not p:
        return {"lies": None, "penalty": None}
    if sur.penalty is not None:
        _, mu_p, sigma_p, L, M = sur.penalty
        return {"lies": None, "penalty": {"mean": scale[0] + scale[1] * mu_p,
                                          "std": scale[1] * sigma_p, "lipschitz": L,
                                          "best": scale[0] + scale[1] * M}}
    lies = np.array([gp.y_train_[-p:] for gp in sur.gps]).mean(axis=0)
    return {"lies": scale[0] + scale[1] * lies, "penalty": None}
