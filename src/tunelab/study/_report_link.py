"""Where a running trial writes its reports and reads the other trials': :class:`ReportLink`."""

from __future__ import annotations

import os
import sqlite3
import threading

from tunelab.study._sqlite import Transaction, connect
from tunelab.study.trial import History, Trial, TrialState

__all__ = ["ReportLink"]


class ReportLink:
    """Where a running trial writes its reports and reads the other trials'.

    Each :meth:`write` is its own short transaction in the ``reports`` table, so that the
    pruners of trials in other processes see it at once. :meth:`history` reads the other
    trials' states and reports: with ``ask_seq`` given (sync mode), only the trials told
    before the trial was asked, which makes a pruner's decisions a function of the seed and
    the trial order; with ``ask_seq=None`` (async mode), every other trial as stored now.
    In sync mode the visible trials had all finished before this one was asked, so their
    reports and rungs can no longer change: the history is read once and kept. In async mode
    each call reads only what changed: the trials' states, and the reports and rung values
    stored since the last call (rows past the last ``rowid`` seen; a replaced report is a new
    row). Reports are deleted only before a run (:meth:`SQLiteStorage.clear_reports`), never
    during a link's life.

    Parameters
    ----------
    path : str
        The study's SQLite file, reachable from the process that runs the trial.
    ask_seq : int or None
        The trial's position in the study's event order, or ``None``.
    direction : {"minimize", "maximize"}
    synchronous : {"NORMAL", "FULL"}
    """

    def __init__(self, path: str, ask_seq: int | None, direction: str,
                 synchronous: str = "NORMAL") -> None:
        self.path, self.ask_seq, self.direction = path, ask_seq, direction
        self.synchronous = synchronous
        self._kept: History | None = None  # sync mode: the history, read once
        self._seen: dict[int, Trial] = {}  # async mode: the trials read so far, by number
        self._rowids = (0, 0)  # async mode: the last reports and rungs rows read

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_kept": None, "_seen": {}, "_rowids": (0, 0)}  # read anew

    def _conn(self) -> sqlite3.Connection:
        key = (os.getpid(), threading.get_ident(), self.path)  # one per thread
        conn = _LINKS.get(key)
        if conn is None:
            conn = _LINKS[key] = connect(self.path, self.synchronous)
        return conn

    def write(self, number: int, step: int, value: float) -> None:
        """Store one report of trial ``number`` (replacing one at the same step)."""
        conn = self._conn()
        with Transaction(conn):
            conn.execute("INSERT OR REPLACE INTO reports (number, step, value) VALUES (?, ?, ?)",
                         (number, step, value))

    def write_rung(self, number: int, rung: int, value: float) -> None:
        """Store the value trial ``number`` had when it reached rung ``rung`` of successive
        halving (see :meth:`Trial.record_rung`)."""
        conn = self._conn()
        with Transaction(conn):
            conn.execute("INSERT OR REPLACE INTO rungs (number, rung, value) VALUES (?, ?, ?)",
                         (number, rung, value))

    def history(self, number: int) -> History:
        """The other trials a pruner of trial ``number`` sees, with their reports."""
        if self._kept is not None:
            return self._kept
        if self.ask_seq is None:
            return self._history_since(number)
        query = ("SELECT t.number, t.state, r.step, r.value FROM trials t LEFT JOIN reports r "
                 "ON r.number = t.number WHERE t.number != ?")
        args: tuple = (number,)
        if self.ask_seq is not None:
            query += " AND t.tell_seq IS NOT NULL AND t.tell_seq < ?"
            args += (self.ask_seq,)
        trials: dict[int, Trial] = {}
        conn = self._conn()
        for n, state, step, value in conn.execute(query + " ORDER BY t.number", args):
            trial = trials.get(n)
            if trial is None:
                trial = trials[n] = Trial(n, {}, state=TrialState(state))
            if step is not None:
                trial.intermediate_values[step] = value
        for n, rung, value in conn.execute("SELECT number, rung, value FROM rungs"):
            if n in trials:
                trials[n].rung_values[rung] = value
        history = History(list(trials.values()), self.direction)
        if self.ask_seq is not None:
            self._kept = history
        return history

    def _history_since(self, number: int) -> History:
        """Async mode: the history of the last call updated with what was stored since."""
        conn, seen = self._conn(), self._seen
        last_report, last_rung = self._rowids
        reports = conn.execute("SELECT rowid, number, step, value FROM reports WHERE rowid > ? "
                               "AND number != ? ORDER BY rowid", (last_report, number)).fetchall()
        rungs = conn.execute("SELECT rowid, number, rung, value FROM rungs WHERE rowid > ? "
                             "AND number != ? ORDER BY rowid", (last_rung, number)).fetchall()
        # after the reports: every trial they name is already in the trials table
        for n, state in conn.execute("SELECT number, state FROM trials WHERE number != ?",
                                     (number,)):
            trial = seen.get(n)
            if trial is None:
                seen[n] = Trial(n, {}, state=TrialState(state))
            else:
                trial.state = TrialState(state)
        for _, n, step, value in reports:
            seen[n].intermediate_values[step] = value
        for _, n, rung, value in rungs:
            seen[n].rung_values[rung] = value
        self._rowids = (reports[-1][0] if reports else last_report,
                        rungs[-1][0] if rungs else last_rung)
        return History([seen[n] for n in sorted(seen)], self.direction)


_LINKS: dict[tuple[int, int, str], sqlite3.Connection] = {}
