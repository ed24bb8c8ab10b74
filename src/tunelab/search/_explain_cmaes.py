"""The snapshot of :meth:`CMAES.explain`: the sampling distribution of the generation in
progress, its samples, the evolution paths and the restarts, in unit and axis coordinates.

Within a generation, mean :math:`m`, step size :math:`\\sigma`, the last eigendecomposition
:math:`B D^2 B^\\top` of :math:`C` and the margin :math:`A` are fixed, and a sample is
:math:`x = m + \\sigma A B D z`, :math:`z \\sim N(0, I)` (Hansen 2016, Eqs. 38-40): its
covariance in unit coordinates is

.. math:: \\Sigma_u = \\sigma^2 A B D^2 B^\\top A

(the unbounded search space; the box is its periodic reflection). In axis coordinates
(:mod:`tunelab.search._explain_common`: values, :math:`\\ln x` on a log axis, a category's
index) the map from :math:`u` is affine per dimension, :math:`a_j + s_j u_j` with :math:`s_j`
``high - low`` (:math:`\\ln(\\text{high}/\\text{low})` on a log axis) of the axis range, so
:math:`\\Sigma = S \\Sigma_u S`, :math:`S = \\mathrm{diag}(s)`.

*Ellipse* of two dimensions :math:`(i, j)`: the marginal :math:`2 \\times 2` block
:math:`\\Sigma_{ij}` of :math:`\\Sigma_u`, with eigenvalues :math:`\\lambda_1 \\le \\lambda_2`
and unit eigenvectors :math:`v_1, v_2`; the :math:`k`-sigma ellipse is
:math:`\\{m + k (\\sqrt{\\lambda_1} \\cos t\\, v_1 + \\sqrt{\\lambda_2} \\sin t\\, v_2)\\}`, the
points of Mahalanobis distance :math:`k` from the mean, holding a fraction
:math:`1 - e^{-k^2/2}` of the samples' marginal. In axis coordinates it is drawn through the
same affine (logarithmic) map, an ellipse on log-scaled plot axes.

References
----------
.. [1] N. Hansen, "The CMA evolution strategy: a tutorial", arXiv:1604.00772, 2016.
.. [2] A. Auger and N. Hansen, "A restart CMA evolution strategy with increasing population
   size", IEEE CEC 2005.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tunelab.search._cma_equations import reflect
from tunelab.search._explain_common import axes, configs_to_axis
from tunelab.search._ga_operators import fitness_order

__all__ = ["axis_scale", "ellipse", "explain_cmaes", "unit_to_axis_continuous"]
_N_BOUNDARY = 101  # points of an ellipse's boundary (closed: the last is the first)


def axis_scale(info: list[dict[str, Any]]) -> np.ndarray:
    """:math:`s_j`: ``high - low`` of each axis, :math:`\\ln(\\text{high}/\\text{low})` on a
    log axis."""
    return np.array([math.log(a["high"] / a["low"]) if a["log"] else a["high"] - a["low"]
                     for a in info])


def unit_to_axis_continuous(info: list[dict[str, Any]], U: np.ndarray) -> np.ndarray:
    """The affine (logarithmic on log axes) map of unit coordinates ``U`` ``(n, d)`` to axis
    coordinates, extended beyond the cube and not binned (a category's coordinate is
    ``-1/2 + n_choices u``)."""
    U = np.atleast_2d(np.asarray(U, dtype=float))
    out = np.empty_like(U)
    for j, a in enumerate(info):
        if a["log"]:
            out[:, j] = np.exp(math.log(a["low"]) + U[:, j] * math.log(a["high"] / a["low"]))
        else:
            out[:, j] = a["low"] + U[:, j] * (a["high"] - a["low"])
    return out


def ellipse(info: list[dict[str, Any]], mean: np.ndarray, cov: np.ndarray,
            dims: tuple[int, int] = (0, 1), k: float = 1.0) -> dict[str, Any]:
    """The ``k``-sigma ellipse of dimensions ``dims`` of a Gaussian of ``mean`` ``(d,)`` and
    covariance ``cov`` ``(d, d)`` in unit coordinates (module docstring): ``dims``, ``k``,
    ``center`` (unit), ``radii`` :math:`k\\sqrt{\\lambda}` (ascending) and ``directions``
    (columns :math:`v_1, v_2`), the closed ``boundary_unit`` and its ``boundary`` in axis
    coordinates, ``center_point``."""
    i, j = dims
    block = np.asarray(cov, dtype=float)[np.ix_([i, j], [i, j])]
    lam, V = np.linalg.eigh(0.5 * (block + block.T))
    radii = k * np.sqrt(np.maximum(lam, 0.0))
    t = np.linspace(0.0, 2.0 * np.pi, _N_BOUNDARY)
    t[-1] = 0.0  # closed exactly
    center = np.asarray(mean, dtype=float)[[i, j]]
    B = center + (radii[0] * np.cos(t))[:, None] * V[:, 0] + (radii[1] * np.sin(t))[:, None] * V[
        :, 1]
    pair = [info[i], info[j]]
    return {"dims": (int(i), int(j)), "k": float(k), "center": center, "radii": radii,
            "directions": V, "boundary_unit": B, "boundary": unit_to_axis_continuous(pair, B),
            "center_point": unit_to_axis_continuous(pair, center)[0]}


def explain_cmaes(es: Any) -> dict[str, Any]:
    """The snapshot documented in :meth:`CMAES.explain`."""
    s, space, gen = es._s, es.space, es._gen
    info = axes(space)
    A = es._A.copy()
    BD2 = s["B"] * s["D"] ** 2
    cov_u = s["sigma"] ** 2 * ((A[:, None] * BD2) @ s["B"].T) * A[None, :]  # sigma^2 A B D^2 B' A
    S = axis_scale(info)
    m = s["m"].copy()
    mean_unit = reflect(m)
    mean_config = space.from_unit(mean_unit)
    samples, pool = _samples(es, gen)
    snap: dict[str, Any] = {
        "kind": "cmaes", "axes": info, "n_asked": es.n_asked, "n_told": es.n_told,
        "generation": es.generation_, "run_generation": int(s["g"]), "lambda": es.lambda_,
        "mu": int(s["mu"]), "weights": s["weights"].copy(),
        "negative_weights": s["negative_weights"].copy(), "mueff": float(s["mueff"]),
        "mean": {"unbounded": m, "unit": mean_unit, "config": mean_config,
                 "point": configs_to_axis(space, [mean_config])[0],
                 "axis": unit_to_axis_continuous(info, m)[0]},
        "sigma": float(s["sigma"]), "sigma0": float(es.sigma0), "C": s["C"].copy(),
        "B": s["B"].copy(), "D": s["D"].copy(), "margin": A,
        "covariance_unit": cov_u, "covariance": S[:, None] * cov_u * S[None, :],
        "ellipse": ellipse(info, m, cov_u) if len(space) >= 2 else None,
        "paths": {"sigma": s["ps"].copy(), "c": s["pc"].copy(),
                  "sigma_norm": float(np.linalg.norm(s["ps"])), "chi_n": float(s["chiN"])},
        "parameters": {k: float(s[k]) for k in ("cs", "ds", "cc", "c1", "cmu")},
        "samples": samples, "pool": pool,
        "due": bool(gen.n_told >= es.lambda_ or (gen.cursor == 0 and len(es._pool)
                                                  >= es.lambda_)),
        "history": {"best": np.array(es._best_history), "median": np.array(
            es._median_history)},
        "restarts": _restarts(es),
    }
    return snap


def _samples(es: Any, gen: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The generation's samples so far (draw order) and the configurations to inject, with
    their ranks among all that the update would recombine now and their weights."""
    space, X = es.space, gen.genomes
    U = reflect(X) if len(X) else np.empty((0, len(space)))
    told = np.asarray(gen.told, dtype=bool).copy()
    values = np.asarray(gen.values, dtype=float).copy()
    pool_u = np.array([u for u, _ in es._pool]).reshape(-1, len(space))
    pool_f = np.array([v for _, v in es._pool], dtype=float)
    idx = np.flatnonzero(told)
    order = fitness_order(np.concatenate([values[idx], pool_f]))  # as CMAES's update
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    w = es._s["weights"]
    weight = np.where(rank < len(w), w[np.minimum(rank, len(w) - 1)], 0.0)
    out = []
    for rows, f, r, wt, is_told in ((U, values, rank[:len(idx)], weight[:len(idx)], told),
                                    (pool_u, pool_f, rank[len(idx):], weight[len(idx):],
                                     np.ones(len(pool_f), dtype=bool))):
        configs = space.from_unit(rows) if len(rows) else []
        full_rank, full_w = np.full(len(rows), -1, dtype=np.int64), np.zeros(len(rows))
        where = np.flatnonzero(is_told)
        full_rank[where], full_w[where] = r, wt
        out.append({"unit": rows, "configs": configs, "points": configs_to_axis(space, configs),
                    "values": f, "told": is_told, "rank": full_rank, "weight": full_w})
    out[0].update(unbounded=X.copy(), steps=es._Y.copy())
    return out[0], out[1]


def _restarts(es: Any) -> dict[str, Any]:
    """Each run's regime, population size, initial step size, starting mean and evaluations
    (:mod:`tunelab.search._cma_restarts`)."""
    runs = [{**r, "mean0": r["mean0"].copy()} for r in es._runs]
    return {"rule": es.restarts, "count": es.n_restarts_, "max": es.max_restarts,
            "runs": runs}
