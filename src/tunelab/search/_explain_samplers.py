"""The snapshots of :meth:`RandomSearch.explain` and :meth:`GridSearch.explain`: the points
proposed so far, the next one, and their centered :math:`L_2` discrepancy
(:func:`tunelab.search._explain_common.centered_discrepancy`)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from scipy.stats import qmc

from tunelab.search._explain_common import axes, centered_discrepancy, unit_to_axis

__all__ = ["explain_points", "sampler_points"]


def sampler_points(search: Any, n: int) -> np.ndarray:
    """Unit points ``(n, d)`` of asks ``0..n-1`` of a :class:`RandomSearch`, rebuilt from the
    seed with fresh generators (the search's own engines are not touched)."""
    d = len(search.space)
    if search.sampler == "sobol":
        engine = qmc.Sobol(d, scramble=True, seed=np.random.default_rng(search.seed))
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "The balance properties", UserWarning)
            return engine.random(n) if n else np.empty((0, d))
    size = 256 if search.sampler == "random" else search.design_size
    blocks = []
    for b in range(-(-n // size)):
        if search.sampler == "random":
            blocks.append(np.random.default_rng([search.seed, b]).random((size, d)))
        else:
            ss = np.random.SeedSequence(search.seed, spawn_key=(b,))
            engine = qmc.LatinHypercube(d, scramble=True, seed=np.random.default_rng(ss))
            blocks.append(engine.random(size))
    return np.vstack(blocks)[:n] if blocks else np.empty((0, d))


def explain_points(search: Any, kind: str, U: np.ndarray, next_unit: np.ndarray | None,
                   next_config: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """The snapshot of a search that proposes the unit points ``U`` (asked so far, in order)
    and ``next_unit`` next (``None``: none left)."""
    space = search.space
    values = np.full(len(U), np.nan)
    for i, (_, v) in enumerate(search.history[: len(U)]):
        values[i] = v
    nxt = None
    if next_unit is not None:
        config = space.from_unit(next_unit) if next_config is None else dict(next_config)
        nxt = {"config": config, "unit": np.asarray(next_unit, float),
               "point": unit_to_axis(space, next_unit)[0]}
    return {"kind": kind, "axes": axes(space), "n_asked": search.n_asked,
            "n_told": search.n_told, "unit": U, "points": unit_to_axis(space, U),
            "values": values, "discrepancy": centered_discrepancy(U) if len(U) else np.nan,
            "chosen": nxt, **extra}
