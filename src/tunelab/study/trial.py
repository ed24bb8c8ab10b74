"""One evaluation of the objective: its configuration, outcome, timing and reports.

A :class:`Trial` is created RUNNING when the strategy proposes a configuration and becomes
COMPLETE, FAILED or PRUNED when the objective returns. An objective that takes a ``Trial``
(see :func:`tunelab.study.minimize`) may report intermediate values as it goes (learning
curves) and ask whether the trial should stop early.
"""

from __future__ import annotations

import enum
import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tunelab._validation import check_scalar
from tunelab.exceptions import TunelabError


class TrialState(enum.Enum):
    """The life cycle of a trial: RUNNING, then one of COMPLETE, FAILED or PRUNED."""

    RUNNING = "RUNNING"
    COMPLETE = "COMPLETE"
    FAILED = "FAILED"
    PRUNED = "PRUNED"

    @property
    def is_finished(self) -> bool:
        """Whether the trial has ended (any state but RUNNING)."""
        return self is not TrialState.RUNNING


class TrialPruned(TunelabError):
    """Raise inside an objective to end its trial early; the trial becomes PRUNED.

    Examples
    --------
    >>> def objective(trial):
    ...     for step in range(10):
    ...         trial.report(step, 1.0 / (step + 1))
    ...         if trial.should_prune():
    ...             raise TrialPruned(f"pruned at step {step}")
    ...     return 0.1
    """


class Trial:
    """One configuration of the search space and what its evaluation gave.

    Parameters
    ----------
    number : int
        The trial's index in its study, counting from 0 in the order the configurations
        were proposed.
    params : mapping
        The configuration: parameter name -> value.
    state : TrialState, default=TrialState.RUNNING
    value : float or None, default=None
        The objective's value as it returned it (COMPLETE), the last reported intermediate
        value (PRUNED), or ``None``.
    datetime_start, datetime_complete : datetime or None, default=None
        When the objective started and ended (timezone-aware, UTC).
    error : str or None, default=None
        Why a FAILED trial failed: the traceback of the objective's exception, or the
        ``TypeError``/``ValueError`` text of an invalid return value.
    intermediate_values : mapping of int to float, default=None
        Values reported with :meth:`report`, by step.
    gradient : dict or None, default=None
        ``{name: derivative}`` when the objective returned ``(value, gradient)`` (floats, or
        lists of floats for array-valued derivatives).
    budget : int, float or None, default=None
        The budget a budgeted strategy chose for this evaluation (``None`` for others).

    Attributes
    ----------
    duration : timedelta or None
        ``datetime_complete - datetime_start`` once both are known.

    Notes
    -----
    ``should_prune`` asks the study's pruner attached to the trial before the objective runs
    (see :mod:`tunelab.pruners`); without one it always answers ``False``.
    """

    def __init__(
        self,
        number: int,
        params: Mapping[str, Any],
        *,
        state: TrialState = TrialState.RUNNING,
        value: float | None = None,
        datetime_start: datetime | None = None,
        datetime_complete: datetime | None = None,
        error: str | None = None,
        intermediate_values: Mapping[int, float] | None = None,
        gradient: Mapping[str, Any] | None = None,
        budget: float | None = None,
    ) -> None:
        self.number = number
        self.params = dict(params)
        self.state = state if type(state) is TrialState else TrialState(state)
        self.value = value
        self.datetime_start = datetime_start
        self.datetime_complete = datetime_complete
        self.error = error
        self.intermediate_values = dict(intermediate_values) if intermediate_values else {}
        self.rung_values: dict[int, float] = {}  # successive halving's record, by rung
        self.gradient = None if gradient is None else dict(gradient)
        self.budget = budget
        self._pruner: Callable[[Trial], bool] | None = None
        self._link: Any = None  # where reports are written and the history read (storage)
        self._ask_seq: int | None = None  # the trial's ask in the study's event order
        self._tell_seq: int | None = None  # its tell there (set by the study when told)
        self._raised: BaseException | None = None  # an error outside ``catch``, to re-raise

    @property
    def duration(self) -> timedelta | None:
        """The objective's running time, or ``None`` while it is not known."""
        if self.datetime_start is None or self.datetime_complete is None:
            return None
        return self.datetime_complete - self.datetime_start

    def report(self, step: int, value: float) -> None:
        """Record an intermediate value of the objective (a validation score after ``step``).

        With a storage (or a pruner) the report is written at once, in its own transaction,
        where the pruners of the other trials, in any process, read it.

        Parameters
        ----------
        step : int
            A non-negative step (epoch, budget); reporting a step again replaces its value.
            Under a pruner, which reads the largest step as where the trial stands, it must
            not be below a step already reported.
        value : float
            The value at that step. Under a pruner it must be finite; without one a
            non-finite value is kept as it is.

        Raises
        ------
        ValueError
            Under a pruner: a step below the last one reported, or a non-finite value.
        """
        check_scalar(step, "step", kind=int, low=0)
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"value must be a real number; got {value!r} of type "
                            f"{type(value).__name__}")
        step, value = int(step), float(value)
        pruned = self._pruner is not None
        if pruned and self.intermediate_values and step < max(self.intermediate_values):
            raise ValueError(
                f"step must not go back: trial {self.number} already reported step "
                f"{max(self.intermediate_values)}, got step={step}; steps are the resource "
                "spent so far (epochs), so report them in increasing order"
            )
        if pruned and not math.isfinite(value):
            raise ValueError(
                f"value must be finite under a pruner; trial {self.number} reported {value} at "
                f"step {step}, which usually means training diverged. A pruner cannot rank it "
                "against other trials: raise TrialPruned to stop this trial, or report a "
                "finite value (the loss of a constant prediction, say)"
            )
        self.intermediate_values[step] = value
        if self._link is not None:
            self._link.write(self.number, step, value)

    def record_rung(self, rung: int, value: float) -> None:
        """Record the value this trial had on reaching rung ``rung`` of successive halving.

        Called by :class:`~tunelab.pruners.SuccessiveHalving` when it judges the trial at a
        rung; the other trials' pruners compare against these values (``rung_values``), which
        are written to the study's storage at once.
        """
        self.rung_values[int(rung)] = float(value)
        if self._link is not None:
            self._link.write_rung(self.number, int(rung), float(value))

    def should_prune(self) -> bool:
        """Whether the objective should stop this trial now (``False`` without a pruner).

        A pruner with a ``prune(trial, history)`` method is given the other trials' reports
        and states (:class:`History`) from the study's storage; a plain callable is called
        as ``pruner(trial)``.
        """
        if self._pruner is None:
            return False
        if hasattr(self._pruner, "prune"):
            history = History() if self._link is None else self._link.history(self.number)
            return ask_pruner(self._pruner, self, history)
        return bool(self._pruner(self))

    def last_intermediate_value(self) -> float | None:
        """The value reported at the largest step, or ``None`` if nothing was reported."""
        if not self.intermediate_values:
            return None
        return self.intermediate_values[max(self.intermediate_values)]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the trial (datetimes as ISO 8601 strings; ``budget`` and
        ``gradient`` only when there is one)."""
        data = {
            "number": self.number,
            "state": self.state.value,
            "value": self.value,
            "params": dict(self.params),
            "datetime_start": _iso(self.datetime_start),
            "datetime_complete": _iso(self.datetime_complete),
            "duration": None if self.duration is None else self.duration.total_seconds(),
            "error": self.error,
            "intermediate_values": {str(k): v for k, v in self.intermediate_values.items()},
            **({} if self.budget is None else {"budget": self.budget}),
        }
        if self.gradient is not None:
            data["gradient"] = dict(self.gradient)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Trial:
        """Rebuild a trial from :meth:`to_dict`'s output (``duration`` is recomputed)."""
        return cls(
            int(data["number"]),
            data["params"],
            state=TrialState(data["state"]),
            value=None if data.get("value") is None else float(data["value"]),
            datetime_start=_from_iso(data.get("datetime_start")),
            datetime_complete=_from_iso(data.get("datetime_complete")),
            error=data.get("error"),
            intermediate_values={
                int(k): float(v) for k, v in (data.get("intermediate_values") or {}).items()
            },
            gradient=data.get("gradient"),
            budget=data.get("budget"),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Trial):
            return NotImplemented
        return _same_dict(self.to_dict(), other.to_dict())

    __hash__ = None  # mutable

    def __repr__(self) -> str:
        return (f"Trial(number={self.number}, state={self.state.name}, value={self.value!r}, "
                f"params={self.params!r})")


@dataclass(frozen=True)
class History:
    """What a pruner sees besides its own trial.

    Attributes
    ----------
    trials : list of Trial
        The other visible trials, by number: their numbers, states and intermediate values
        (their ``params`` are left empty).
    direction : {"minimize", "maximize"}
        The study's direction.
    """

    trials: list[Trial] = field(default_factory=list)
    direction: str = "minimize"

    def completed(self) -> list[Trial]:
        """The COMPLETE trials."""
        return [t for t in self.trials if t.state is TrialState.COMPLETE]


def ask_pruner(pruner: Any, trial: Trial, history: History) -> bool:
    """The decision of ``pruner``: ``pruner.prune(trial, history)``, or ``pruner(trial)``."""
    if hasattr(pruner, "prune"):
        return bool(pruner.prune(trial, history))
    return bool(pruner(trial))


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _from_iso(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _same_dict(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Equality of two ``to_dict`` outputs in which NaN equals NaN."""
    if a.keys() != b.keys():
        return False
    return all(_same(a[k], b[k]) for k in a)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return _same_dict(a, b)
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b
