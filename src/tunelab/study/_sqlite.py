"""The study's SQLite file at the lowest level: its schema, connections and transactions."""

from __future__ import annotations

import os
import sqlite3

__all__ = ["Transaction", "connect", "make_folder"]

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


def make_folder(path: str) -> None:
    """Create the folder of ``path`` if missing; an error names the path and the cause."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise OSError(
            f"cannot create the folder {folder!r} of storage {path!r}: {exc.strerror}"
        ) from exc


def connect(path: str, synchronous: str) -> sqlite3.Connection:
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


class Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, or ``ROLLBACK`` on an exception."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __enter__(self) -> None:
        self._conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: type | None, *exc: object) -> None:
        self._conn.execute("COMMIT" if exc_type is None else "ROLLBACK")
