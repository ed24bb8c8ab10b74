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


def _study_with_one_told_trial(tmp_path):
    import tunelab as tl

    space = tl.Space({"x": tl.Real(0.0, 1.0)})

    def objective(trial):
        trial.report(1, 0.5)
        return 0.5

    path = tmp_path / "s.db"
    tl.minimize(objective, space, n_trials=1, seed=0, storage=path, progress=False)
    storage = SQLiteStorage(path)
    late = Trial(5, {"x": 0.1})
    storage.add_trials([late], [10])
    return storage


def test_sync_history_is_read_once_and_async_history_every_time(tmp_path):
    """Sync mode sees only trials told before the ask, which cannot change, so its history is
    kept; async mode sees every trial as stored now, so a later report shows up."""
    import pickle

    storage = _study_with_one_told_trial(tmp_path)
    sync, live = storage.link(ask_seq=11, direction="minimize"), storage.link(None, "minimize")
    first = sync.history(99)
    assert [t.intermediate_values for t in first.trials] == [{1: 0.5}]
    assert [t.number for t in live.history(99).trials] == [0, 5]
    live.write(5, 1, 0.25)  # the running trial 5 reports
    assert sync.history(99) is first  # kept
    assert live.history(99).trials[1].intermediate_values == {1: 0.25}
    copy = pickle.loads(pickle.dumps(sync))  # a worker reads its own copy
    assert copy._kept is None and copy.history(99).trials[0].intermediate_values == {1: 0.5}
    storage.close()
