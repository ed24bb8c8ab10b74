"""Pruners: rules that stop unpromising trials early from their intermediate values.

A pruner has a method ``prune(trial, history) -> bool``. ``trial`` is the running
:class:`~tunelab.study.Trial` (its ``intermediate_values`` hold what it has reported so far);
``history`` is a :class:`History`: every other trial the pruner may see, with its state and
reports, read from the study's storage, and the study's direction. A plain callable
``pruner(trial) -> bool`` is accepted too and sees only its own trial.

Which trials a pruner sees
--------------------------
In ``mode="sync"`` (and sequential runs) a trial sees the trials that had finished when it was
asked, so each decision is a function of the seed and the trial order, and a resumed study
makes the same decisions again. In ``mode="async"`` it sees every trial's reports as stored at
the moment it asks, running trials included, as Optuna's pruners do.

Successive halving records a trial's value at rung :math:`k` (``Trial.rung_values``, stored)
when the trial first asks ``should_prune`` at a step :math:`\\ge r_k = r_{min}\\,\\eta^{s + k}`,
as Optuna's pruner records it (asynchronous successive halving, [1]_); a trial pruned at
rung :math:`k` records no later rung, even if its last step is past them. Hyperband's
brackets are those of [2]_.

References
----------
.. [1] L. Li, K. Jamieson, A. Rostamizadeh, E. Gonina, J. Ben-tzur, M. Hardt, B. Recht,
   A. Talwalkar, "A System for Massively Parallel Hyperparameter Tuning", MLSys 2020.
.. [2] L. Li, K. Jamieson, G. DeSalvo, A. Rostamizadeh, A. Talwalkar, "Hyperband: A Novel
   Bandit-Based Approach to Hyperparameter Optimization", JMLR 18(185), 2018.
"""

from __future__ import annotations

import abc
import binascii
import math
from typing import Any

import numpy as np

from tunelab._validation import check_scalar
from tunelab.study.trial import History, Trial, ask_pruner

__all__ = ["History", "Median", "Patient", "Percentile", "Pruner", "SuccessiveHalving", "Hyperband"]


class Pruner(abc.ABC):
    """Base class of the pruners: ``prune(trial, history) -> bool``."""

    @abc.abstractmethod
    def prune(self, trial: Trial, history: History) -> bool:
        """Whether ``trial`` should stop now, given the other trials in ``history``."""

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({args})"


def _count(value: Any, name: str, low: int = 0) -> int:
    check_scalar(value, name, kind=int, low=low)
    return int(value)


class Percentile(Pruner):
    """Prune a trial whose best value so far is worse than a percentile of the others' values
    at the same step.

    At step :math:`t` (past ``n_warmup_steps``, the first report in each interval of
    ``interval_steps``), with :math:`b` the trial's best intermediate value over its steps and
    :math:`q` the ``percentile``-th percentile (linear interpolation) of the COMPLETE trials'
    values at step :math:`t`, the trial is pruned when :math:`b > q` (minimizing) or
    :math:`b < q'` with :math:`q'` the :math:`(100-p)`-th percentile (maximizing).

    Parameters
    ----------
    percentile : float
        In [0, 100]; 50 is the median rule.
    n_startup_trials : int, default=5
        No pruning until this many trials are COMPLETE.
    n_warmup_steps : int, default=0
        No pruning before this step.
    interval_steps : int, default=1
        Pruning is checked at most once per interval of this many steps, from
        ``n_warmup_steps``.
    """

    def __init__(
        self,
        percentile: float,
        n_startup_trials: int = 5,
        n_warmup_steps: int = 0,
        interval_steps: int = 1,
    ) -> None:
        check_scalar(percentile, "percentile", kind=float, low=0.0, high=100.0)
        self.percentile = float(percentile)
        self.n_startup_trials = _count(n_startup_trials, "n_startup_trials")
        self.n_warmup_steps = _count(n_warmup_steps, "n_warmup_steps")
        self.interval_steps = _count(interval_steps, "interval_steps", low=1)

    def prune(self, trial: Trial, history: History) -> bool:
        """Whether ``trial`` should stop now, given ``history``."""
        completed = history.completed()
        if not completed or len(completed) < self.n_startup_trials:
            return False
        if not trial.intermediate_values:
            return False
        steps = trial.intermediate_values.keys()
        step = max(steps)
        if step < self.n_warmup_steps:
            return False
        lowest = (step - self.n_warmup_steps) // self.interval_steps * self.interval_steps
        previous = max((s for s in steps if s != step), default=-1)
        if previous >= lowest + self.n_warmup_steps:
            return False
        values = np.fromiter(trial.intermediate_values.values(), float)
        maximize = history.direction == "maximize"
        best = float(np.nanmax(values) if maximize else np.nanmin(values))
        if math.isnan(best):
            return True
        others = [t.intermediate_values[step] for t in completed if step in t.intermediate_values]
        if not others:
            return False
        q = 100.0 - self.percentile if maximize else self.percentile
        threshold = float(np.nanpercentile(np.asarray(others, float), q))
        if math.isnan(threshold):
            return False
        return best < threshold if maximize else best > threshold


class Median(Percentile):
    """The median stopping rule: :class:`Percentile` with ``percentile=50``.

    Parameters
    ----------
    n_startup_trials, n_warmup_steps, interval_steps : int
        As for :class:`Percentile`.

    References
    ----------
    .. [1] D. Golovin et al., "Google Vizier: A Service for Black-Box Optimization", KDD 2017.
    """

    def __init__(
        self, n_startup_trials: int = 5, n_warmup_steps: int = 0, interval_steps: int = 1
    ) -> None:
        super().__init__(50.0, n_startup_trials, n_warmup_steps, interval_steps)


class SuccessiveHalving(Pruner):
    """Asynchronous successive halving (ASHA): promote the top :math:`1/\\eta` of each rung.

    Rung :math:`k` is reached at step :math:`r_k = r_{min}\\,\\eta^{s+k}` (:math:`s` the
    ``min_early_stopping_rate``). A trial that reaches :math:`r_k` goes on only if its value
    there is among the best :math:`\\max(1, \\lfloor n/\\eta \\rfloor)` of the :math:`n`
    values recorded at rung :math:`k` so far (its own included); otherwise it is pruned.
    Nothing waits for a rung to fill: this is the asynchronous rule of Li et al. (2020) [1]_.

    Parameters
    ----------
    min_resource : int, default=1
        :math:`r_{min}`, at least 1.
    reduction_factor : int, default=3
        :math:`\\eta`, at least 2.
    min_early_stopping_rate : int, default=0
        :math:`s \\ge 0`.

    References
    ----------
    .. [1] L. Li et al., "A System for Massively Parallel Hyperparameter Tuning", MLSys 2020.
    """

    def __init__(
        self, min_resource: int = 1, reduction_factor: int = 3, min_early_stopping_rate: int = 0
    ) -> None:
        self.min_resource = _count(min_resource, "min_resource", low=1)
        self.reduction_factor = _reduction_factor(reduction_factor)
        self.min_early_stopping_rate = _count(min_early_stopping_rate, "min_early_stopping_rate")

    def rung_step(self, rung: int) -> int:
        """:math:`r_k`, the step at which rung ``rung`` is reached."""
        return self.min_resource * self.reduction_factor ** (self.min_early_stopping_rate + rung)

    def prune(self, trial: Trial, history: History) -> bool:
        """Whether ``trial`` should stop now, given ``history``."""
        if not trial.intermediate_values:
            return False
        step = max(trial.intermediate_values)
        value = trial.intermediate_values[step]
        rung = len(trial.rung_values)  # rungs it has passed
        while step >= self.rung_step(rung):
            if math.isnan(value):
                return True
            competing = [t.rung_values[rung] for t in history.trials if rung in t.rung_values]
            competing.append(value)
            trial.record_rung(rung, value)
            if not _promotable(value, competing, self.reduction_factor, history.direction):
                return True
            rung += 1
        return False


def _reduction_factor(value: Any) -> int:
    check_scalar(value, "reduction_factor", kind=int, low=2)
    return int(value)


def _promotable(value: float, competing: list[float], eta: int, direction: str) -> bool:
    index = max(len(competing) // eta - 1, 0)
    competing.sort()
    if direction == "maximize":
        return value >= competing[-(index + 1)]
    return value <= competing[index]


class Hyperband(Pruner):
    """Hyperband as a pruner: each trial joins one bracket of successive halving.

    With :math:`S = \\lfloor \\log_\\eta(R / r_{min}) \\rfloor + 1` brackets, bracket
    :math:`s` is :class:`SuccessiveHalving` with ``min_early_stopping_rate=s`` over the trials
    of that bracket only. Trial :math:`i` joins bracket :math:`s` with weight
    :math:`w_s = \\lceil S\\,\\eta^{S-1-s} / (S-s) \\rceil` (Li et al. 2018's :math:`n_i`, up to
    a constant), by a hash: :math:`\\mathrm{crc32}(\\text{"name\\_i"}) \\bmod \\sum_s w_s`, as
    Optuna's HyperbandPruner does, so the assignment depends on the trial number alone.

    Parameters
    ----------
    min_resource : int, default=1
        :math:`r_{min} \\ge 1`.
    max_resource : int
        Required: :math:`R \\ge r_{min}`.
    reduction_factor : int, default=3
        :math:`\\eta \\ge 2`.
    name : str, default="tunelab"
        The hash key of the bracket assignment (Optuna's study name).

    References
    ----------
    .. [1] L. Li et al., "Hyperband: A Novel Bandit-Based Approach to Hyperparameter
       Optimization", JMLR 18(185), 2018.
    """

    def __init__(
        self,
        min_resource: int = 1,
        max_resource: int | None = None,
        reduction_factor: int = 3,
        *,
        name: str = "tunelab",
    ) -> None:
        if max_resource is None:
            raise TypeError("max_resource is required: the largest step a trial reports (R)")
        self.min_resource = _count(min_resource, "min_resource", low=1)
        self.max_resource = _count(max_resource, "max_resource", low=1)
        if self.min_resource > self.max_resource:
            raise ValueError(
                f"min_resource must be at most max_resource; got min_resource={min_resource} "
                f"> max_resource={max_resource}"
            )
        self.reduction_factor = _reduction_factor(reduction_factor)
        if not isinstance(name, str):
            raise TypeError(f"name must be a str; got {name!r}")
        self.name = name
        eta = self.reduction_factor
        n = math.floor(math.log(self.max_resource / self.min_resource, eta)) + 1
        self._weights = [math.ceil(n * eta ** (n - 1 - s) / (n - s)) for s in range(n)]
        self._brackets = [SuccessiveHalving(self.min_resource, eta, s) for s in range(n)]

    @property
    def n_brackets(self) -> int:
        """:math:`S`, the number of brackets."""
        return len(self._brackets)

    def bracket(self, number: int) -> int:
        """The bracket :math:`s` of trial ``number``."""
        n = binascii.crc32(f"{self.name}_{number}".encode()) % sum(self._weights)
        for s, weight in enumerate(self._weights):
            n -= weight
            if n < 0:
                return s
        raise AssertionError("unreachable")  # pragma: no cover

    def prune(self, trial: Trial, history: History) -> bool:
        """Whether ``trial`` should stop now: successive halving within its bracket."""
        s = self.bracket(trial.number)
        mine = [t for t in history.trials if self.bracket(t.number) == s]
        return self._brackets[s].prune(trial, History(mine, history.direction))


class Patient(Pruner):
    """Ask ``pruner`` only after ``patience`` steps without improvement.

    With the steps sorted, the trial has stalled when the best of the values before the last
    ``patience + 1`` steps, improved by ``min_delta``, is still better than the best of those
    last ``patience + 1`` values; only then is ``pruner`` asked (``None``: prune).

    Parameters
    ----------
    pruner : Pruner, callable or None
    patience : int
        At least 0.
    min_delta : float, default=0.0
        At least 0.
    """

    def __init__(self, pruner: Any, patience: int, min_delta: float = 0.0) -> None:
        if pruner is not None and not (isinstance(pruner, Pruner) or callable(pruner)):
            raise TypeError(f"pruner must be a Pruner, a callable or None; got {pruner!r}")
        self.pruner = pruner
        self.patience = _count(patience, "patience")
        check_scalar(min_delta, "min_delta", kind=float, low=0.0)
        self.min_delta = float(min_delta)

    def prune(self, trial: Trial, history: History) -> bool:
        """Whether ``trial`` has stalled and the wrapped pruner says stop."""
        steps = sorted(trial.intermediate_values)
        if len(steps) <= self.patience + 1:
            return False
        split = len(steps) - self.patience - 1
        before = np.array([trial.intermediate_values[s] for s in steps[:split]])
        after = np.array([trial.intermediate_values[s] for s in steps[split:]])
        if history.direction == "maximize":
            stalled = np.nanmax(before) - self.min_delta > np.nanmax(after)
        else:
            stalled = np.nanmin(before) + self.min_delta < np.nanmin(after)
        if not stalled:
            return False
        return True if self.pruner is None else ask_pruner(self.pruner, trial, history)
