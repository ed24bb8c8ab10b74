"""One run of one strategy on one problem: ask, evaluate, tell, and record what it cost.

Cost. Every evaluation records its *budget* (the fidelity it was evaluated at) and its *cost*
in budget units, so that runs can be compared at equal cumulative cost as well as at equal
evaluations:

- a problem with ``fidelity_range = (low, high)`` (a multi-fidelity tuning task, whose budget
  is epochs) is evaluated at the budget a budgeted strategy (one with ``ask_budget``, such as
  :class:`~tunelab.search.Hyperband`) asks for, and at ``high`` for any other strategy. Its
  cost is the epochs actually trained: the increase of the task's ``epochs_trained`` (summed
  over its ``cv`` folds) divided by the folds, so a promoted configuration that continues
  from its lower budget (``Task(continuation=...)``, which the runner sets for the MLP tasks
  it builds by name) costs only the extra epochs; a problem without ``epochs_trained`` costs
  its budget;
- any other problem has no budget (``None``) and costs 1 per evaluation, so its cumulative
  cost is the number of evaluations.

A run stops after ``budget`` evaluations or, with ``max_cost``, at the first evaluation that
brings the cumulative cost to ``max_cost`` or beyond (that evaluation is kept: the cost of the
last evaluation may overshoot, and the records say by how much). A problem with a ``solved``
attribute ends the run as soon as it turns true (status ``"solved"``): a COCO problem whose
final target is reached (:mod:`tunelab.bench._bbob`), where more evaluations change nothing.
"""

from __future__ import annotations

import json
import math
import time
from typing import Any

from tunelab.exceptions import SearchExhausted

__all__ = ["budgeted_options", "drive", "is_budgeted_name"]

#: Strategy names whose evaluations carry a budget chosen by the strategy.
BUDGETED = ("hyperband", "successive_halving")


def is_budgeted_name(name: str) -> bool:
    """Whether the registry name ``name`` is a budgeted strategy (it needs a fidelity)."""
    return name in BUDGETED


def budgeted_options(problem: Any) -> dict[str, Any]:
    """``min_budget`` and ``max_budget`` of a budgeted strategy on ``problem``: its
    ``fidelity_range``."""
    low, high = problem.fidelity_range
    return {"min_budget": low, "max_budget": high}


def drive(
    problem: Any, strategy: Any, budget: int, max_cost: float | None = None
) -> tuple[list[dict[str, Any]], str]:
    """Ask, evaluate and tell up to ``budget`` times; return the rows and the status.

    Parameters
    ----------
    problem : callable
        ``problem(config)``, or ``problem(config, fidelity=b)`` when it has a
        ``fidelity_range``; its ``optimum`` gives the regret.
    strategy : object
        ``ask()`` and ``tell(config, value)``, or ``ask_budget()`` and ``tell(config, value,
        budget=b)`` for a budgeted strategy (which needs a problem with a fidelity).
    budget : int
        The most evaluations.
    max_cost : float or None, default=None
        Stop once the cumulative cost reaches it (see the module's docstring for the cost).

    Returns
    -------
    rows : list of dict
        One per evaluation: ``evaluation``, ``value``, ``best`` (the running minimum over the
        non-NaN values, NaN until one is seen), ``regret`` (``best - optimum``, or ``None``
        when the optimum is ``None``), ``budget``, ``cost``, ``objective_seconds``,
        ``strategy_seconds`` (``ask`` plus ``tell``) and ``config`` (JSON).
    status : str
        ``"complete"``, ``"exhausted"`` when ``ask`` raised ``SearchExhausted``, or
        ``"solved"`` when the problem's ``solved`` attribute turned true.
    """
    optimum = problem.optimum
    fidelity = getattr(problem, "fidelity_range", None)
    budgeted = callable(getattr(strategy, "ask_budget", None))
    if budgeted and fidelity is None:
        raise ValueError(
            f"strategy {type(strategy).__name__} chooses budgets; problem "
            f"{getattr(problem, 'name', problem)!r} has no fidelity_range to evaluate them at"
        )
    best, spent, rows = math.nan, 0.0, []
    for evaluation in range(1, budget + 1):
        if max_cost is not None and spent >= max_cost:
            break
        t0 = time.perf_counter()
        try:
            config, b = strategy.ask_budget() if budgeted else (strategy.ask(), None)
        except SearchExhausted:
            return rows, "exhausted"
        if fidelity is not None and b is None:
            b = fidelity[1]
        t1 = time.perf_counter()
        value, cost = _evaluate(problem, config, b)
        t2 = time.perf_counter()
        if budgeted:
            strategy.tell(config, value, budget=b)
        else:
            strategy.tell(config, value)
        t3 = time.perf_counter()
        spent += cost
        if not math.isnan(value) and not value >= best:
            best = value
        rows.append({
            "evaluation": evaluation, "value": value, "best": best,
            "regret": None if optimum is None else best - optimum,
            "budget": None if b is None else float(b), "cost": cost,
            "objective_seconds": t2 - t1, "strategy_seconds": (t1 - t0) + (t3 - t2),
            "config": json.dumps(config),
        })
        if getattr(problem, "solved", False):
            return rows, "solved"
    return rows, "complete"


def _evaluate(problem: Any, config: dict[str, Any], b: Any) -> tuple[float, float]:
    """The value of ``config`` at budget ``b`` (None: no fidelity) and its cost."""
    if b is None:
        return float(problem(config)), 1.0
    trained = getattr(problem, "epochs_trained", None)
    value = float(problem(config, fidelity=b))
    if trained is None:
        return value, float(b)
    return value, (problem.epochs_trained - trained) / getattr(problem, "cv", 1)
