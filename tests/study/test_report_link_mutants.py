"""ReportLink: a pickled async link reads every stored row again; the rows it skips are
counted by row id, not by trial number; a sync link gives the rung values of exactly the
trials it shows."""

import pickle

from tunelab.study.storage import SQLiteStorage
from tunelab.study.trial import Trial, TrialState


def _view(history):
    return {t.number: (t.intermediate_values, t.rung_values) for t in history.trials}


def test_a_pickled_async_link_sees_the_first_report_and_rung(tmp_path):
    with SQLiteStorage(tmp_path / "s.db") as storage:
        storage.add_trials([Trial(0, {}), Trial(1, {})], [0, 1])
        link = storage.link(None, "minimize")
        link.write(0, 1, 0.5)  # the first row of reports
        link.write_rung(0, 0, 0.5)  # the first row of rungs
        link.write(0, 2, 0.25)
        link.write_rung(0, 1, 0.25)
        expected = {0: ({1: 0.5, 2: 0.25}, {0: 0.5, 1: 0.25})}
        assert _view(link.history(1)) == expected
        worker = pickle.loads(pickle.dumps(link))  # a fresh reader in another process
        assert _view(worker.history(1)) == expected
        fresh = pickle.loads(pickle.dumps(storage.link(None, "minimize")))  # never read
        assert _view(fresh.history(1)) == expected


def test_rows_are_skipped_by_row_id_whatever_the_trial_numbers(tmp_path):
    with SQLiteStorage(tmp_path / "s.db") as storage:
        storage.add_trials([Trial(0, {}), Trial(1, {}), Trial(100, {})], [0, 1, 2])
        link = storage.link(None, "minimize")
        link.write(100, 1, 4.0)  # row 1, by trial 100
        link.write_rung(100, 0, 4.0)
        assert _view(link.history(1)) == {0: ({}, {}), 100: ({1: 4.0}, {0: 4.0})}
        link.write(0, 1, 3.0)  # row 2, by trial 0
        link.write_rung(0, 0, 3.0)
        link.write(0, 2, 2.0)
        assert _view(link.history(1)) == {0: ({1: 3.0, 2: 2.0}, {0: 3.0}),
                                          100: ({1: 4.0}, {0: 4.0})}


def test_a_sync_link_gives_rungs_only_of_the_trials_told_before_its_ask(tmp_path):
    with SQLiteStorage(tmp_path / "s.db") as storage:
        storage.add_trials([Trial(k, {}) for k in range(3)], [0, 1, 2])
        writer = storage.link(None, "minimize")
        for k in range(3):
            writer.write(k, 1, float(k))
            writer.write_rung(k, 0, float(k))
        done = Trial(0, {}, state=TrialState.COMPLETE, value=0.0)
        storage.finish_trial(done, 3)
        storage.add_trials([Trial(3, {})], [4])
        history = storage.link(4, "minimize").history(3)  # trial 3 asked at 4: sees trial 0
        assert _view(history) == {0: ({1: 0.0}, {0: 0.0})}
        assert [t.state for t in history.trials] == [TrialState.COMPLETE]
