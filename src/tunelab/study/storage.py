"""SQLite storage of a study: one row per trial, each change in its own transaction.

The file holds everything :meth:`tunelab.study.Study.load` needs: the search space (JSON),
the strategy's registry name, options and seed, the direction, and every trial (with, in
the table ``budgets``, the budget a budgeted strategy chose for it, as JSON). Each trial
row carries two positions in the study's event order, ``ask_seq`` (when the strategy
proposed its configuration) and ``tell_seq`` (when the strategy was told its value), so a
load can replay the asks and tells in their original order and rebuild the strategy exactly.

A trial is written twice: as RUNNING before its objective starts (one transaction per batch
of asks), and with its outcome when it ends (one transaction per trial). A process killed
between the two leaves the row RUNNING; the study re-runs that configuration when it resumes.

Durability
----------
The journal is a write-ahead log (``journal_mode=WAL``) with ``synchronous=NORMAL``. A
committed transaction is in the operating system's hands before ``COMMIT`` returns, so a
crash of the Python process (an exception, ``kill -9``, an out-of-memory kill) loses nothing.
A power loss or kernel crash may lose the last transactions since the WAL's last sync, but
never corrupts the file: SQLite guarantees the database stays consistent, and the lost tail
rolls the study back to an earlier state of the same deterministic run, which a resume
re-computes. ``synchronous=FULL`` would add an ``fsync`` to every trial (milliseconds on most
disks) to protect against a loss that costs only recomputation; pass ``synchronous="FULL"``
where even that matters.

References
----------
.. [1] SQLite, "Write-Ahead Logging", https://www.sqlite.org/wal.html
.. [2] SQLite, "PRAGMA synchronous", https://www.sqlite.org/pragma.html#pragma_synchronous
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from tunelab._validation import check_choice
from tunelab.study._report_link import ReportLink
from tunelab.study._sqlite import Transaction as _Transaction
from tunelab.study._sqlite import connect as _connect
from tunelab.study._sqlite import make_folder as _make_folder
from tunelab.study.trial import Trial, TrialState, _from_iso, _iso

__all__ = ["SCHEMA_VERSION", "ReportLink", "SQLiteStorage", "StoredTrial"]

SCHEMA_VERSION = 1


class StoredTrial(NamedTuple):
    """A trial as stored, with its positions in the event order (``tell_seq`` None: untold)."""

    trial: Trial
    ask_seq: int
    tell_seq: int | None


class SQLiteStorage:
    """A study's trials and settings in one SQLite file.

    Parameters
    ----------
    path : str or os.PathLike
        The database file; created if missing, with its folder (a folder that cannot be
        made is an ``OSError`` naming it). A folder, or a file that is not an SQLite
        database, is a ``ValueError``.
    synchronous : {"NORMAL", "FULL"}, default="NORMAL"
        SQLite's sync level in WAL mode; see the module's notes on durability.

    Notes
    -----
    One process writes a study at a time; other processes may read the file while it runs.
    """

    def __init__(self, path: str | os.PathLike, *, synchronous: str = "NORMAL") -> None:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a str or os.PathLike; got {type(path).__name__}")
        check_choice(synchronous, "synchronous", ("NORMAL", "FULL"))
        self.path = os.fspath(path)
        self.synchronous = synchronous
        _make_folder(self.path)
        self._conn = _connect(self.path, synchronous)

    def _transaction(self) -> _Transaction:
        return _Transaction(self._conn)

    def has_study(self) -> bool:
        """Whether the file already holds a study's settings."""
        return self._conn.execute("SELECT COUNT(*) FROM study").fetchone()[0] > 0

    def create_study(self, settings: Mapping[str, Any]) -> None:
        """Write the study's settings (JSON-ready values); the file must hold no study yet."""
        if self.has_study():
            raise ValueError(
                f"storage {self.path!r} already holds a study; resume it with "
                "Study.load(path) or choose a new path"
            )
        rows = [(key, json.dumps(value)) for key, value in settings.items()]
        rows.append(("schema_version", json.dumps(SCHEMA_VERSION)))
        with self._transaction():
            self._conn.executemany("INSERT INTO study (key, value) VALUES (?, ?)", rows)

    def settings(self) -> dict[str, Any]:
        """The study's settings as written by :meth:`create_study`."""
        rows = self._conn.execute("SELECT key, value FROM study").fetchall()
        if not rows:
            raise ValueError(f"storage {self.path!r} holds no study")
        settings = {key: json.loads(value) for key, value in rows}
        version = settings.pop("schema_version", None)
        if version != SCHEMA_VERSION:
            raise ValueError(
                f"storage {self.path!r} has schema version {version}; this tunelab reads "
                f"version {SCHEMA_VERSION}"
            )
        return settings

    def add_trials(self, trials: Iterable[Trial], ask_seqs: Iterable[int]) -> None:
        """Insert new RUNNING trials (and the budgets they have), all in one transaction."""
        trials = list(trials)
        budgets = [(t.number, json.dumps(t.budget)) for t in trials if t.budget is not None]
        rows = [
            (t.number, t.state.value, json.dumps(t.params), _iso(t.datetime_start), seq)
            for t, seq in zip(trials, ask_seqs, strict=True)
        ]
        with self._transaction():
            self._conn.executemany(
                "INSERT INTO trials (number, state, params, datetime_start, ask_seq) "
                "VALUES (?, ?, ?, ?, ?)",
                rows,
            )
            self._conn.executemany("INSERT INTO budgets (number, budget) VALUES (?, ?)", budgets)

    def finish_trial(self, trial: Trial, tell_seq: int) -> None:
        """Write a finished trial's outcome in its own transaction."""
        value = trial.value
        row = (
            trial.state.value,
            None if value is None or math.isnan(value) else value,
            _iso(trial.datetime_start),
            _iso(trial.datetime_complete),
            trial.error,
            json.dumps({str(k): v for k, v in trial.intermediate_values.items()}),
            tell_seq,
            None if trial.gradient is None else json.dumps(trial.gradient),
            trial.number,
        )
        with self._transaction():
            cursor = self._conn.execute(
                "UPDATE trials SET state = ?, value = ?, datetime_start = ?, "
                "datetime_complete = ?, error = ?, intermediate = ?, tell_seq = ?, "
                "gradient = ? WHERE number = ?",
                row,
            )
            if cursor.rowcount != 1:
                raise ValueError(f"trial {trial.number} is not in storage {self.path!r}")

    def clear_reports(self, number: int) -> None:
        """Delete the reports and rung values of trial ``number`` (before it runs again after
        a crash)."""
        with self._transaction():
            self._conn.execute("DELETE FROM reports WHERE number = ?", (number,))
            self._conn.execute("DELETE FROM rungs WHERE number = ?", (number,))

    def link(self, ask_seq: int | None, direction: str) -> ReportLink:
        """A picklable handle through which a trial, in any process, writes its reports and
        reads the others' (see :class:`ReportLink`)."""
        return ReportLink(self.path, ask_seq, direction, self.synchronous)

    def load_trials(self) -> list[StoredTrial]:
        """Every stored trial, by number."""
        rows = self._conn.execute(
            "SELECT number, state, params, value, datetime_start, datetime_complete, error, "
            "intermediate, ask_seq, tell_seq, gradient FROM trials ORDER BY number"
        ).fetchall()
        stored = [_stored(row) for row in rows]
        budgets = dict(self._conn.execute("SELECT number, budget FROM budgets").fetchall())
        for s in stored if budgets else ():
            s.trial.budget = json.loads(budgets.get(s.trial.number, "null"))
        return stored

    def close(self) -> None:
        """Close the connection (idempotent)."""
        self._conn.close()

    def __enter__(self) -> SQLiteStorage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SQLiteStorage({self.path!r}, synchronous={self.synchronous!r})"


def _stored(row: tuple) -> StoredTrial:
    number, state, params, value, start, complete, error, intermediate, ask, tell, grad = row
    trial = Trial(
        number,
        json.loads(params),
        state=TrialState(state),
        value=value,
        datetime_start=_from_iso(start),
        datetime_complete=_from_iso(complete),
        error=error,
        intermediate_values={int(k): float(v) for k, v in json.loads(intermediate).items()},
        gradient=None if grad is None else json.loads(grad),
    )
    return StoredTrial(trial, ask, tell)
