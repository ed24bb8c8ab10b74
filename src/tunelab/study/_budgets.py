"""Budgets in a study: what changes when the strategy chooses each evaluation's budget.

A *budgeted* strategy (:class:`~tunelab.search.Hyperband`,
:class:`~tunelab.search.SuccessiveHalving`) has ``ask_budget_batch``. With one, a study asks
``(config, budget)`` pairs, each trial keeps its budget (``trial.budget``, stored in the
``budgets`` table of the SQLite file, next to its row), the objective is called as
``objective(config, budget)`` (an objective that takes a ``Trial`` reads ``trial.budget``),
and the value is told back at that budget, live and in a replay. Trials of other strategies
have ``budget = None`` and nothing changes for them.

The study's best trial is the best value at any budget, the output of Li et al. (2018,
Alg. 1, [1]_): "the configuration with the smallest intermediate loss seen so far".

References
----------
.. [1] L. Li, K. Jamieson, G. DeSalvo, A. Rostamizadeh and A. Talwalkar, "Hyperband: a novel
   bandit-based approach to hyperparameter optimization", Journal of Machine Learning
   Research 18(185), 1-52, 2018.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from tunelab.study.trial import Trial


def is_budgeted(strategy: Any) -> bool:
    """Whether ``strategy`` chooses the budget of each evaluation."""
    return callable(getattr(strategy, "ask_budget_batch", None))


def ask(strategy: Any, n: int) -> list[tuple[dict[str, Any], Any]]:
    """Up to ``n`` ``(config, budget)`` pairs; the budget is ``None`` for a plain strategy."""
    if is_budgeted(strategy):
        return strategy.ask_budget_batch(n)
    return [(config, None) for config in strategy.ask_batch(n)]


def replay_ask(strategy: Any, trial: Trial) -> None:
    """Replay the ask of ``trial``, with its budget when it has one."""
    if trial.budget is None:
        strategy.replay_ask(trial.params)
    else:
        strategy.replay_ask(trial.params, budget=trial.budget)


def arguments(trial: Trial, pass_trial: bool) -> tuple[Any, ...]:
    """The objective's arguments: the trial, the configuration, or both it and the budget."""
    if pass_trial:
        return (trial,)
    if trial.budget is None:
        return (dict(trial.params),)
    return dict(trial.params), trial.budget


def check_objective(strategy: Any, objective: Callable[..., Any], pass_trial: bool) -> None:
    """``TypeError`` when a budgeted strategy meets an objective that cannot take a budget."""
    if not is_budgeted(strategy) or not callable(objective) or pass_trial:
        return
    try:
        parameters = inspect.signature(objective).parameters.values()
    except (TypeError, ValueError):  # no signature to read: let the call decide
        return
    kinds = [p.kind for p in parameters]
    positional = sum(
        k in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        for k in kinds
    )
    if positional < 2 and inspect.Parameter.VAR_POSITIONAL not in kinds:
        raise TypeError(
            f"objective must take (config, budget) with the budgeted strategy "
            f"{strategy.name!r}, which chooses each evaluation's budget (one of "
            f"{strategy.budgets}), or a Trial (trial.budget); got {objective!r} with "
            f"{positional} positional parameter(s)"
        )
