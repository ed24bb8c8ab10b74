"""Rebuilding a strategy from stored trials by replaying its asks and tells in order.

A strategy is deterministic given its seed and the sequence of ``ask``/``tell`` calls, so a
fresh strategy fed the same sequence reaches the same state. Every trial stores the position
of its ask and of its tell in that sequence (``ask_seq``, ``tell_seq``); sorting the positions
gives the sequence back.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from tunelab.study import _budgets
from tunelab.study.storage import StoredTrial
from tunelab.study.trial import Trial, TrialState

ASK, TELL = "ask", "tell"


def told_value(trial: Trial, direction: str) -> float:
    """What the strategy is told for a finished trial: the value to minimize, or ``nan``.

    A COMPLETE trial gives its value (negated when maximizing); a FAILED trial, or a PRUNED
    one that :func:`tell` does not tell as pruned, is a failed evaluation, ``nan``.
    """
    if trial.state is not TrialState.COMPLETE:
        return math.nan
    return -trial.value if direction == "maximize" else trial.value


def tell(strategy: Any, trial: Trial, direction: str) -> None:
    """Tell ``strategy`` a finished trial: its told value, at its budget when it has one
    and, to a strategy that uses gradients (``accepts_gradient``), with the trial's gradient
    (negated when maximizing; none for a failed evaluation).

    A PRUNED trial with a finite last intermediate value is told what it is, that value at
    its step, through ``strategy.tell_pruned`` (negated when maximizing; each strategy's
    use of it: :meth:`tunelab.search.Strategy.tell_pruned`); without one it is a failure.
    """
    last = trial.last_intermediate_value() if trial.state is TrialState.PRUNED else None
    if last is not None and math.isfinite(last) and trial.budget is None:
        step = max(trial.intermediate_values)
        strategy.tell_pruned(trial.params, -last if direction == "maximize" else last, step)
        return
    value = told_value(trial, direction)
    extra: dict[str, Any] = {}
    if trial.budget is not None:
        extra["budget"] = trial.budget
    if getattr(strategy, "accepts_gradient", False):
        gradient = None if trial.gradient is None or math.isnan(value) else trial.gradient
        if gradient is not None and direction == "maximize":
            gradient = {
                k: -(v if isinstance(v, float) else np.asarray(v)) for k, v in gradient.items()
            }
        extra["gradient"] = gradient
    strategy.tell(trial.params, value, **extra)


def event_order(stored: list[StoredTrial]) -> list[tuple[str, Trial]]:
    """The stored trials' asks and tells, in the order they happened."""
    events = [(s.ask_seq, ASK, s.trial) for s in stored]
    events += [(s.tell_seq, TELL, s.trial) for s in stored if s.tell_seq is not None]
    events.sort(key=lambda event: event[0])
    return [(kind, trial) for _, kind, trial in events]


def replay(strategy: Any, events: list[tuple[str, Trial]], direction: str) -> None:
    """Feed ``events`` to a fresh ``strategy``: ``replay_ask`` each ask, ``tell`` each tell."""
    for kind, trial in events:
        if kind == ASK:
            _budgets.replay_ask(strategy, trial)
        else:
            tell(strategy, trial, direction)


def strategy_options(strategy: Any) -> dict[str, Any]:
    """The options that rebuild ``strategy`` with ``make_strategy(name, space, seed, **options)``.

    They are the strategy's constructor arguments but ``space`` and ``seed``
    (``Strategy.get_params``), and must be JSON-serializable to be stored.
    """
    options = {k: v for k, v in strategy.get_params().items() if k != "seed"}
    check_json(options, "strategy options")
    return options


def check_json(value: Any, name: str) -> None:
    """Raise ``TypeError`` naming ``name`` unless ``value`` can be written as JSON."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be JSON-serializable to be stored; {exc}") from exc
