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
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from tunelab._validation import check_choice
from tunelab.study.trial import History, Trial, TrialState, _from_iso, _iso

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS study (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS trials (
    number INTEGER PRIMARY KEY,
    state TEXT NOT NULL,
    params TEXT NOT NULL,
    value REAL,
    datetime_start TEXT,
    datetime_complete TEXT,
    error TEXT,
    intermediate TEXT NOT NULL DEFAULT '{}',
    ask_seq INTEGER NOT NULL UNIQUE,
    tell_seq INTEGER UNIQUE,
    gradient TEXT
);
CREATE TABLE IF NOT EXISTS budgets (
    number INTEGER PRIMARY KEY,
    budget TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS reports (
    number INTEGER NOT NULL,
    step INTEGER NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (number, step)
);
CREATE TABLE IF NOT EXISTS rungs (
    number INTEGER NOT NULL,
    rung INTEGER NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (number, rung)
);
"""


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


class ReportLink:
    """Where a running trial writes its reports and reads the other trials'.

    Each :meth:`write` is its own short transaction in the ``reports`` table, so that the
    pruners of trials in other processes see it at once. :meth:`history` reads the other
    trials' states and reports: with ``ask_seq`` given (sync mode), only the trials told
    before the trial was asked, which makes a pruner's decisions a function of the seed and
    the trial order; with ``ask_seq=None`` (async mode), every other trial as stored now.
    In sync mode the visible trials had all finished before this one was asked, so their
    reports and rungs can no longer change: the history is read once and kept.

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

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_kept": None}  # a worker reads its own

    def _conn(self) -> sqlite3.Connection:
        key = (os.getpid(), threading.get_ident(), self.path)  # one per thread
        conn = _LINKS.get(key)
        if conn is None:
            conn = _LINKS[key] = _connect(self.path, self.synchronous)
        return conn

    def write(self, number: int, step: int, value: float) -> None:
        """Store one report of trial ``number`` (replacing one at the same step)."""
        conn = self._conn()
        with _Transaction(conn):
            conn.execute("INSERT OR REPLACE INTO reports (number, step, value) VALUES (?, ?, ?)",
                         (number, step, value))

    def write_rung(self, number: int, rung: int, value: float) -> None:
        """Store the value trial ``number`` had when it reached rung ``rung`` of successive
        halving (see :meth:`Trial.record_rung`)."""
        conn = self._conn()
        with _Transaction(conn):
            conn.execute("INSERT OR REPLACE INTO rungs (number, rung, value) VALUES (?, ?, ?)",
                         (number, rung, value))

    def history(self, number: int) -> History:
        """The other trials a pruner of trial ``number`` sees, with their reports."""
        if self._kept is not None:
            return self._kept
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


_LINKS: dict[tuple[int, int, str], sqlite3.Connection] = {}


def _make_folder(path: str) -> None:
    """Create the folder of ``path`` if missing; an error names the path and the cause."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise OSError(
            f"cannot create the folder {folder!r} of storage {path!r}: {exc.strerror}"
        ) from exc


def _connect(path: str, synchronous: str) -> sqlite3.Connection:
    """Open ``path`` with the study's schema; a file SQLite cannot use is a ``ValueError``."""
    if os.path.isdir(path):
        raise ValueError(
            f"storage {path!r} is a folder; give the path of a database file in it, such as "
            f"{os.path.join(path, 'study.db')!r}"
        )
    conn = None
    try:
        conn = sqlite3.connect(  # one writer at a time, from whichever thread
            path, timeout=30.0, isolation_level=None, check_same_thread=False
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={synchronous}")
        conn.executescript(_SCHEMA)
        if "gradient" not in {row[1] for row in conn.execute("PRAGMA table_info(trials)")}:
            conn.execute("ALTER TABLE trials ADD COLUMN gradient TEXT")  # a file of before
    except sqlite3.DatabaseError as exc:
        if conn is not None:
            conn.close()
        raise ValueError(
            f"storage {path!r} cannot be used as a study's SQLite database ({exc}); give the "
            "path of a new file, or of a file written by a tunelab study"
        ) from exc
    return conn


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, or ``ROLLBACK`` on an exception."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __enter__(self) -> None:
        self._conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: type | None, *exc: object) -> None:
        self._conn.execute("COMMIT" if exc_type is None else "ROLLBACK")


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
