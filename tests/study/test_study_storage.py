"""SQLite storage: round trips, transactions, settings, pragmas."""

import math
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from tunelab.study.storage import SCHEMA_VERSION, SQLiteStorage
from tunelab.study.trial import Trial, TrialState

T0 = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)


def _finished(number, state=TrialState.COMPLETE, value=1.5, **kwargs):
    trial = Trial(number, {"a": 0.1 * number, "n": number, "c": "x", "b": True, "z": None},
                  datetime_start=T0)
    trial.state, trial.value = state, value
    trial.datetime_complete = T0 + timedelta(seconds=number + 0.25)
    for key, val in kwargs.items():
        setattr(trial, key, val)
    return trial


def test_settings_round_trip(tmp_path):
    settings = {"space": {"x": [1, 2.5, "a", None]}, "strategy": "random", "seed": 2**63 + 5,
                "options": {"sampler": "sobol"}, "direction": "maximize"}
    with SQLiteStorage(tmp_path / "s.db") as storage:
        assert not storage.has_study()
        storage.create_study(settings)
        assert storage.has_study()
    with SQLiteStorage(tmp_path / "s.db") as storage:
        assert storage.settings() == settings


def test_create_twice_is_refused(tmp_path):
    with SQLiteStorage(tmp_path / "s.db") as storage:
        storage.create_study({"a": 1})
        with pytest.raises(ValueError, match="already holds a study"):
            storage.create_study({"a": 2})
        assert storage.settings() == {"a": 1}


def test_empty_file_has_no_settings(tmp_path):
    with SQLiteStorage(tmp_path / "s.db") as storage, pytest.raises(ValueError, match="no study"):
        storage.settings()


def test_schema_version_is_checked(tmp_path):
    path = tmp_path / "s.db"
    with SQLiteStorage(path) as storage:
        storage.create_study({"a": 1})
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE study SET value = '99' WHERE key = 'schema_version'")
    conn.close()
    with SQLiteStorage(path) as storage, pytest.raises(ValueError, match="schema version 99"):
        storage.settings()
    assert SCHEMA_VERSION == 1


def test_running_then_finished_round_trip(tmp_path):
    path = tmp_path / "s.db"
    trials = [Trial(i, {"a": 0.1 * i, "n": i, "c": "x", "b": True, "z": None},
                    datetime_start=T0) for i in range(3)]
    with SQLiteStorage(path) as storage:
        storage.add_trials(trials, [0, 1, 2])
        stored = storage.load_trials()
        assert [s.trial for s in stored] == trials
        assert [(s.ask_seq, s.tell_seq) for s in stored] == [(0, None), (1, None), (2, None)]
        done = [
            _finished(0, intermediate_values={0: 3.0, 5: math.nan, 7: math.inf}),
            _finished(1, TrialState.FAILED, None, error="Traceback ...\nValueError: boom"),
        ]
        storage.finish_trial(done[1], 3)
        storage.finish_trial(done[0], 4)
    with SQLiteStorage(path) as storage:
        stored = storage.load_trials()
    assert [s.trial for s in stored] == [*done, trials[2]]
    assert [(s.ask_seq, s.tell_seq) for s in stored] == [(0, 4), (1, 3), (2, None)]
    assert stored[0].trial.params["a"] == 0.0 and type(stored[1].trial.params["a"]) is float
    assert stored[0].trial.duration == timedelta(seconds=0.25)
    assert math.isnan(stored[0].trial.intermediate_values[5])
    assert stored[2].trial.state is TrialState.RUNNING


def test_values_are_kept_bit_for_bit(tmp_path):
    values = [0.1 + 0.2, 1e-300, -1.7976931348623157e308, 2.0**-1074, math.inf]
    with SQLiteStorage(tmp_path / "s.db") as storage:
        storage.add_trials([Trial(i, {"x": v}) for i, v in enumerate(values)], range(5))
        for i, v in enumerate(values):
            storage.finish_trial(_finished(i, value=v), 10 + i)
        stored = storage.load_trials()
    assert [s.trial.value for s in stored] == values
    assert [s.trial.params["x"] for s in stored] == values


def test_nan_value_is_stored_as_null(tmp_path):
    with SQLiteStorage(tmp_path / "s.db") as storage:
        storage.add_trials([Trial(0, {})], [0])
        storage.finish_trial(_finished(0, TrialState.PRUNED, math.nan), 1)
        assert storage.load_trials()[0].trial.value is None


def test_failed_write_rolls_back(tmp_path):
    with SQLiteStorage(tmp_path / "s.db") as storage:
        storage.add_trials([Trial(0, {})], [0])
        with pytest.raises(ValueError, match="trial 7 is not in storage"):
            storage.finish_trial(_finished(7), 1)
        with pytest.raises(sqlite3.IntegrityError):  # duplicate number: the batch is refused
            storage.add_trials([Trial(1, {}), Trial(0, {})], [1, 2])
        assert [s.trial.number for s in storage.load_trials()] == [0]


def test_commits_are_visible_to_another_connection(tmp_path):
    path = tmp_path / "s.db"
    with SQLiteStorage(path) as storage:
        storage.add_trials([Trial(0, {"x": 1})], [0])
        storage.finish_trial(_finished(0), 1)
        reader = sqlite3.connect(path)
        row = reader.execute("SELECT state, value, tell_seq FROM trials").fetchone()
        reader.close()
    assert row == ("COMPLETE", 1.5, 1)


def test_pragmas(tmp_path):
    with SQLiteStorage(tmp_path / "s.db") as storage:
        assert storage._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert storage._conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    with SQLiteStorage(tmp_path / "f.db", synchronous="FULL") as storage:
        assert storage._conn.execute("PRAGMA synchronous").fetchone()[0] == 2
        assert repr(storage).endswith("synchronous='FULL')")


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="synchronous"):
        SQLiteStorage(tmp_path / "s.db", synchronous="OFF")
    with pytest.raises(TypeError, match="path"):
        SQLiteStorage(3)


def test_study_with_empty_settings_is_a_study(tmp_path):
    with SQLiteStorage(tmp_path / "s.db") as storage:
        storage.create_study({})  # a single row, the schema version
        assert storage.has_study()
        with pytest.raises(ValueError, match="already holds a study"):
            storage.create_study({})
        assert storage.settings() == {}


def test_add_trials_refuses_mismatched_lengths(tmp_path):
    with SQLiteStorage(tmp_path / "s.db") as storage:
        trials = [Trial(k, {"a": k}, datetime_start=T0) for k in range(3)]
        with pytest.raises(ValueError, match="shorter|longer"):
            storage.add_trials(trials, [0, 1])
        assert storage.load_trials() == []  # nothing half-written


def test_storage_is_usable_from_another_thread(tmp_path):
    import threading

    errors = []
    with SQLiteStorage(tmp_path / "s.db") as storage:
        def write():
            try:
                storage.add_trials([Trial(0, {"a": 1}, datetime_start=T0)], [0])
                storage.finish_trial(_finished(0), 1)
            except Exception as exc:  # reported below, in the test's thread
                errors.append(exc)

        worker = threading.Thread(target=write)
        worker.start()
        worker.join()
        assert errors == []
        (stored,) = storage.load_trials()
        assert stored.trial.value == 1.5 and (stored.ask_seq, stored.tell_seq) == (0, 1)
