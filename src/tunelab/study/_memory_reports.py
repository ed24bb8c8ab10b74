"""Reports of a study without storage, kept in memory while its trials run in this process.

A pruner with ``prune(trial, history)`` reads the other trials' reports. With storage they
are in its SQLite file; a study without storage whose trials all run in this process, one
at a time (``n_jobs=1``, no executor), has them already, in its own :class:`Trial` objects,
so :class:`MemoryLink` reads them there and writes nothing. Only when a run hands trials to
workers (an executor, ``n_jobs > 1``) does the study need a file the workers can read:
:func:`share_reports` then makes a temporary one and copies every trial so far into it, and
from then on every trial writes there. The pruner sees the same history either way: the
trials told before this one was asked (``tell_seq < ask_seq``), by number, with their states,
reports and rung values (a float's round trip through SQLite is exact).
"""

from __future__ import annotations

from typing import Any

from tunelab.study.trial import History, Trial

__all__ = ["MemoryLink", "share_reports"]


class MemoryLink:
    """The :class:`~tunelab.study.storage.ReportLink` of a trial run in this process, in a
    study without storage: ``write`` and ``write_rung`` keep nothing (the trial holds its
    reports), ``history`` reads the study's trials told before this one was asked."""

    def __init__(self, study: Any, ask_seq: int) -> None:
        self.study, self.ask_seq = study, ask_seq
        self._kept: History | None = None  # the visible trials have finished: read once

    def write(self, number: int, step: int, value: float) -> None:
        """Nothing to store: the trial keeps its own reports."""

    def write_rung(self, number: int, rung: int, value: float) -> None:
        """Nothing to store: the trial keeps its own rung values."""

    def history(self, number: int) -> History:
        """The other trials a pruner of trial ``number`` sees, as copies of their states,
        reports and rung values."""
        if self._kept is None:
            visible = []
            for t in sorted(self.study._trials, key=lambda t: t.number):
                told = getattr(t, "_tell_seq", None)
                if t.number != number and told is not None and told < self.ask_seq:
                    seen = Trial(t.number, {}, state=t.state,
                                 intermediate_values=t.intermediate_values)
                    seen.rung_values = dict(t.rung_values)
                    visible.append(seen)
            self._kept = History(visible, self.study.direction)
        return self._kept


def share_reports(study: Any, scratch_store: Any) -> None:
    """Before a run that hands trials to workers: give a study without storage, whose pruner
    reads other trials, a temporary SQLite file (``scratch_store(study)``) holding every
    trial so far, their reports, rung values and outcomes."""
    if study._storage is not None or study._scratch is not None:
        return
    if not hasattr(study.pruner, "prune"):
        return
    store = study._scratch = scratch_store(study)
    trials = sorted(study._trials, key=lambda t: t.number)
    if not trials:
        return
    store.add_trials(trials, [t._ask_seq for t in trials])
    link = store.link(None, study.direction)
    for t in trials:
        for step, value in t.intermediate_values.items():
            link.write(t.number, step, value)
        for rung, value in t.rung_values.items():
            link.write_rung(t.number, rung, value)
        if getattr(t, "_tell_seq", None) is not None:
            store.finish_trial(t, t._tell_seq)
