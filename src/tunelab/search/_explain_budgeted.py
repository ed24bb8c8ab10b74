"""The snapshot of :meth:`SuccessiveHalving.explain` and :meth:`Hyperband.explain`: the
schedule, and every bracket opened so far with all of its rungs, past and current.

Bracket :math:`s` runs rungs :math:`i = 0, \\dots, s` of :math:`n_i = \\lfloor n
\\eta^{-i} \\rfloor` configurations at budget :math:`r_i = r \\eta^i` (Li et al. 2018, Alg.
1; :mod:`tunelab.search._rungs`); the best :math:`n_{i+1}` finite values of rung :math:`i`
(ties by position, failures never) are *promoted* to rung :math:`i + 1`. A rung's jobs are
listed by position: the draw order in rung 0, the rank at the promotion afterwards. Past
rungs are kept as they ended, so a promotion can be read from any rung to the next.

References
----------
.. [1] L. Li, K. Jamieson, G. DeSalvo, A. Rostamizadeh and A. Talwalkar, "Hyperband: a novel
   bandit-based approach to hyperparameter optimization", JMLR 18(185), 2018.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tunelab.search._explain_common import axes, configs_to_axis

__all__ = ["explain_budgeted"]


def explain_budgeted(search: Any) -> dict[str, Any]:
    """The snapshot documented in :meth:`SuccessiveHalving.explain`."""
    brackets = sorted([*search._closed, *search._open], key=lambda b: b.number)
    return {
        "kind": search.name, "axes": axes(search.space), "n_asked": search.n_asked,
        "n_told": search.n_told, "eta": search.eta, "s_max": search.s_max,
        "budgets": list(search.budgets), "schedule": search.brackets(),
        "sampler": search.sampler, "model_budget": search.model_budget(),
        "n_pending": sum(len(jobs) for jobs in search._pending.values()),
        "n_observations": {b: len(pairs) for b, pairs in search._observations.items()},
        "brackets": [_bracket(search.space, b) for b in brackets],
    }


def _bracket(space: Any, bracket: Any) -> dict[str, Any]:
    rungs = [*bracket.past, bracket.jobs]
    out = []
    for i, (n_planned, budget) in enumerate(bracket.rungs):
        jobs = rungs[i] if i < len(rungs) else []
        nxt = rungs[i + 1] if i + 1 < len(rungs) else None
        ids = {id(j.config) for j in nxt} if nxt is not None else set()
        configs = [dict(j.config) for j in jobs]
        out.append({
            "index": i, "budget": budget, "planned": n_planned,
            "reached": i <= bracket.rung, "configs": configs,
            "points": configs_to_axis(space, configs),
            "values": np.array([np.nan if j.value is None else j.value for j in jobs], float),
            "asked": np.array([j.asked for j in jobs], dtype=bool),
            "told": np.array([j.value is not None for j in jobs], dtype=bool),
            "promoted": np.array([id(j.config) in ids for j in jobs], dtype=bool),
            "promoted_to": [next(k for k, q in enumerate(nxt) if q.config is j.config)
                            if id(j.config) in ids else None for j in jobs],
        })
    return {"number": bracket.number, "s": bracket.s, "schedule": list(bracket.rungs),
            "rung": bracket.rung, "done": bracket.done, "rungs": out}
