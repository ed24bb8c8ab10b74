"""SQLite storage: paths SQLite cannot open are a ValueError naming the path, also when the
connection itself fails; a second writer waits for the first."""

import os
import threading
import time
from datetime import UTC, datetime

import pytest

from tunelab.study.storage import SQLiteStorage
from tunelab.study.trial import Trial

T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def test_path_sqlite_cannot_open_is_a_value_error(tmp_path):
    # A link to a file in a missing folder: sqlite3.connect itself fails.
    link = tmp_path / "link.db"
    os.symlink(tmp_path / "missing" / "target.db", link)
    with pytest.raises(ValueError, match="cannot be used as a study's SQLite database"):
        SQLiteStorage(link)


def test_file_that_is_not_a_database_is_a_value_error_and_is_left_alone(tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"not a database, " * 100)
    with pytest.raises(ValueError, match="notes.db"):
        SQLiteStorage(path)
    assert path.read_bytes() == b"not a database, " * 100
    os.remove(path)  # nothing holds it open
    with SQLiteStorage(path) as storage:
        assert not storage.has_study()


def test_a_second_writer_waits_for_the_first(tmp_path):
    path = tmp_path / "s.db"
    with SQLiteStorage(path) as first, SQLiteStorage(path) as second:
        first._conn.execute("BEGIN IMMEDIATE")  # hold the write lock
        done = []

        def write():
            second.add_trials([Trial(0, {"a": 1}, datetime_start=T0)], [0])
            done.append(time.monotonic())

        worker = threading.Thread(target=write)
        worker.start()
        time.sleep(0.3)
        assert done == []  # waiting, not failed
        released = time.monotonic()
        first._conn.execute("COMMIT")
        worker.join(10)
        assert len(done) == 1 and done[0] >= released
        assert [s.trial.number for s in first.load_trials()] == [0]


def test_has_study_is_false_then_true(tmp_path):
    with SQLiteStorage(tmp_path / "s.db") as storage:
        assert storage.has_study() is False
        storage.create_study({"a": 1})
        assert storage.has_study() is True
