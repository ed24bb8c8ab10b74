"""SQLite storage: a trial's budget and gradient survive the round trip through the file,
and only trials that have one leave a row behind."""

import json
import sqlite3
from datetime import UTC, datetime, timedelta

from tunelab.study.storage import SQLiteStorage
from tunelab.study.trial import Trial, TrialState

T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def test_budgets_round_trip_and_only_budgeted_trials_have_a_row(tmp_path):
    path = tmp_path / "s.db"
    budgets = [3.5, None, 27, None]
    trials = [Trial(k, {"x": 0.5 * k}, datetime_start=T0, budget=b)
              for k, b in enumerate(budgets)]
    with SQLiteStorage(path) as storage:
        storage.add_trials(trials, [10, 11, 12, 13])
        loaded = [s.trial for s in storage.load_trials()]
    assert [t.budget for t in loaded] == budgets
    assert type(loaded[2].budget) is int and type(loaded[0].budget) is float
    assert loaded == trials
    reader = sqlite3.connect(path)  # the file as any SQLite reader sees it
    rows = reader.execute("SELECT number, budget FROM budgets ORDER BY number").fetchall()
    reader.close()
    assert rows == [(0, "3.5"), (2, "27")]


def test_a_gradient_survives_finish_and_load(tmp_path):
    gradient = {"x": -0.125, "log_c": 2.0**-40}
    with SQLiteStorage(tmp_path / "s.db") as storage:
        storage.add_trials([Trial(0, {"x": 1.0}, datetime_start=T0),
                            Trial(1, {"x": 2.0}, datetime_start=T0)], [0, 1])
        for k, grad in ((0, gradient), (1, None)):
            done = Trial(k, {"x": 1.0 + k}, state=TrialState.COMPLETE, value=0.5 + k,
                         datetime_start=T0, datetime_complete=T0 + timedelta(seconds=1),
                         gradient=grad)
            storage.finish_trial(done, 2 + k)
        first, second = (s.trial for s in storage.load_trials())
        raw = dict(storage._conn.execute("SELECT number, gradient FROM trials").fetchall())
    assert first.gradient == gradient and second.gradient is None
    assert raw[1] is None and json.loads(raw[0]) == gradient  # no gradient: SQL NULL
