"""Studies never fail quietly: warnings per failed trial, catch=, all-failed, broken pools,
storage folders, load_if_exists, trials_dataframe and file permissions."""

import math
import os
import stat
import subprocess
import sys
import textwrap
import time
import warnings

import pytest
from study_objectives import fails_sometimes, make_space, quadratic

import tunelab as tl
from tunelab.exceptions import AllTrialsFailedError, TrialFailedWarning, WorkerStartError
from tunelab.study import TrialState


@pytest.fixture
def space():
    return make_space()


def failure_warnings(record):
    return [str(w.message) for w in record if issubclass(w.category, TrialFailedWarning)]


def test_each_failed_trial_warns_with_its_cause_then_a_count(space):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        study = tl.minimize(fails_sometimes, space, n_trials=40, seed=0, progress=False)
    failed = [t for t in study.trials if t.state is TrialState.FAILED]
    assert len(failed) > 3
    messages = failure_warnings(record)
    assert len(messages) == 3 + 1  # the first three in full, then one count
    for message, trial in zip(messages[:3], failed[:3], strict=True):
        assert message.startswith(f"trial {trial.number} failed")
        assert trial.error in message  # the whole traceback or reason
    assert messages[-1].startswith(f"{len(failed)} of the 40 trials of this run failed")
    assert study.best_trial.state is TrialState.COMPLETE


@pytest.mark.parametrize(("returned", "reason"), [
    (None, "must return a real number; got None"),
    ("1.0", "must return a real number; got '1.0'"),
    (math.nan, "returned nan"),
])
def test_a_value_that_is_not_a_number_fails_the_trial_loudly(space, returned, reason):
    def objective(config):
        return returned if config["k"] == 1 else quadratic(config)

    with pytest.warns(TrialFailedWarning, match=reason):
        study = tl.minimize(objective, space, n_trials=30, seed=0, progress=False)
    assert any(t.state is TrialState.FAILED and reason in t.error for t in study.trials)


def test_warning_points_at_the_callers_line(space):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        tl.minimize(fails_sometimes, space, n_trials=20, seed=0, progress=False)
    assert {os.path.basename(w.filename) for w in record
            if issubclass(w.category, TrialFailedWarning)} == {"test_study_failures.py"}


def test_every_trial_failed_is_an_error_showing_the_first_traceback(space, tmp_path):
    def broken(config):
        raise ZeroDivisionError(f"first failure x={config['x']}")

    path = tmp_path / "failed.db"
    study = tl.Study(space, seed=0, storage=path)
    with pytest.warns(TrialFailedWarning), pytest.raises(AllTrialsFailedError) as info:
        study.optimize(broken, n_trials=5, progress=False)
    first = study.trials[0]
    assert "all 5 trials" in str(info.value) and "trial 0" in str(info.value)
    assert first.error in str(info.value) and "ZeroDivisionError" in first.error
    assert [t.state for t in tl.Study.load(path).trials] == [TrialState.FAILED] * 5  # all kept


def test_a_study_with_a_success_is_not_all_failed(space):
    study = tl.Study(space, seed=0)
    study.optimize(quadratic, n_trials=2, progress=False)
    with pytest.warns(TrialFailedWarning):
        study.optimize(lambda c: math.nan, n_trials=2, progress=False)  # no error
    assert [t.state for t in study.trials][-2:] == [TrialState.FAILED] * 2


def test_catch_lets_other_errors_end_the_run_after_storing_the_trial(space, tmp_path):
    def objective(config):
        if config["k"] == 1:
            raise KeyError("not caught")
        if config["k"] == 2:
            raise ValueError("caught")
        return quadratic(config)

    path = tmp_path / "catch.db"
    study = tl.Study(space, seed=0, storage=path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TrialFailedWarning)
        with pytest.raises(KeyError, match="not caught"):
            study.optimize(objective, n_trials=100, progress=False, catch=(ValueError,))
    last = study.trials[-1]
    assert last.params["k"] == 1 and last.state is TrialState.FAILED and "KeyError" in last.error
    assert len(study.trials) < 100
    assert all(t.params["k"] != 1 for t in study.trials[:-1])  # the run ended at the first
    assert tl.Study.load(path).trials == study.trials  # stored before the error propagated


def test_catch_nothing_in_a_process_pool_propagates_the_workers_error(space):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TrialFailedWarning)
        with pytest.raises(RuntimeError, match="k=1 is not allowed"):
            tl.minimize(fails_sometimes, space, n_trials=40, seed=0, n_jobs=2, progress=False,
                        catch=())


@pytest.mark.parametrize("catch", [ValueError, (KeyError, "x"), [BaseException], "ValueError"])
def test_bad_catch_is_refused_before_anything_runs(space, catch):
    if catch is ValueError:  # a single class is accepted
        tl.minimize(quadratic, space, n_trials=1, seed=0, progress=False, catch=catch)
        return
    with pytest.raises(TypeError, match="catch must be an Exception subclass"):
        tl.minimize(quadratic, space, n_trials=1, seed=0, progress=False, catch=catch)


SCRIPT_WITHOUT_GUARD = """
import tunelab as tl

def objective(config):
    return config["x"] ** 2

space = tl.Space({"x": tl.Real(-1.0, 1.0)})
study = tl.minimize(objective, space, n_trials=200, n_jobs=2, seed=0, progress=False)
print("ran", len(study.trials))
"""


@pytest.mark.slow
def test_a_pool_that_cannot_start_is_an_error_naming_the_fix(tmp_path):
    script = tmp_path / "no_guard.py"
    script.write_text(textwrap.dedent(SCRIPT_WITHOUT_GUARD))
    start = time.monotonic()
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         cwd=tmp_path, timeout=300)
    assert time.monotonic() - start < 120  # promptly, not after 200 failed trials
    assert out.returncode != 0 and "ran" not in out.stdout
    assert "WorkerStartError" in out.stderr
    assert 'if __name__ == "__main__":' in out.stderr


def test_worker_start_error_is_exported():
    assert issubclass(WorkerStartError, tl.TunelabError)
    assert tl.WorkerStartError is WorkerStartError


def test_storage_in_a_missing_folder_is_created(space, tmp_path):
    path = tmp_path / "runs" / "deeper" / "s.db"
    study = tl.minimize(quadratic, space, n_trials=3, seed=0, storage=path, progress=False)
    assert path.exists() and tl.Study.load(path).trials == study.trials


def test_storage_folder_that_cannot_be_made_names_the_path(space, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(OSError, match="cannot create the folder.*file"):
        tl.minimize(quadratic, space, n_trials=1, storage=blocker / "s.db", progress=False)


def test_storage_that_is_a_folder_or_not_a_database_is_a_clear_error(space, tmp_path):
    (tmp_path / "runs").mkdir()
    with pytest.raises(ValueError, match="is a folder.*study.db"):
        tl.minimize(quadratic, space, n_trials=1, storage=tmp_path / "runs", progress=False)
    text = tmp_path / "notes.txt"
    text.write_text("not a database, but long enough to have a header of sixteen bytes\n" * 20)
    for call in (lambda: tl.Study.load(text),
                 lambda: tl.minimize(quadratic, space, n_trials=1, storage=text, progress=False)):
        with pytest.raises(ValueError, match="notes.txt.*cannot be used as a study's SQLite"):
            call()
    assert text.read_text().startswith("not a database")  # left as it was


def test_load_if_exists_resumes_exactly(space, tmp_path):
    path = tmp_path / "s.db"
    tl.minimize(quadratic, space, n_trials=6, seed=4, storage=path, progress=False)
    with pytest.raises(ValueError, match="already holds a study"):
        tl.minimize(quadratic, space, n_trials=6, seed=4, storage=path, progress=False)
    resumed = tl.minimize(quadratic, space, n_trials=6, seed=4, storage=path, progress=False,
                          load_if_exists=True)
    again = tl.minimize(quadratic, space, n_trials=4, storage=path, progress=False,
                        load_if_exists=True)  # seed=None: the stored one
    one_run = tl.minimize(quadratic, space, n_trials=16, seed=4, progress=False)
    assert len(resumed.trials) == 12 and again.seed == 4
    assert [t.params for t in again.trials] == [t.params for t in one_run.trials]


@pytest.mark.parametrize("change", [{"seed": 5}, {"strategy": "grid"},
                                    {"direction": "maximize"}])
def test_load_if_exists_refuses_other_settings(space, tmp_path, change):
    path = tmp_path / "s.db"
    tl.minimize(quadratic, space, n_trials=2, seed=4, storage=path, progress=False)
    args = {"seed": 4, "strategy": "random", "direction": "minimize", **change}
    with pytest.raises(ValueError, match=f"whose {next(iter(change))}[a-z_, ]* differ"):
        tl.Study(space, storage=path, load_if_exists=True, **args)
    assert len(tl.Study.load(path).trials) == 2


def test_trials_dataframe_has_optunas_columns(space):
    import pandas as pd  # a dependency of statsmodels, in the test extras

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TrialFailedWarning)
        study = tl.minimize(fails_sometimes, space, n_trials=12, seed=0, progress=False)
    frame = study.trials_dataframe()
    assert isinstance(frame, pd.DataFrame) and len(frame) == 12
    assert list(frame.columns) == ["number", "value", "datetime_start", "datetime_complete",
                                   "duration", "params_x", "params_lr", "params_k",
                                   "params_act", "state", "error"]
    for row, trial in zip(frame.itertuples(index=False), study.trials, strict=True):
        assert row.number == trial.number and row.state == trial.state.name
        assert (math.isnan(row.value) if trial.value is None else row.value == trial.value)
        assert row.params_x == trial.params["x"] and row.params_k == trial.params["k"]
        assert row.duration == trial.duration
        assert row.datetime_start == pd.Timestamp(trial.datetime_start)
        assert row.datetime_complete == pd.Timestamp(trial.datetime_complete)
        assert row.params_lr == trial.params["lr"] and row.params_act == trial.params["act"]
        assert (row.error == trial.error) if trial.error else pd.isna(row.error)
    assert set(frame["state"]) == {"COMPLETE", "FAILED"}


def test_trials_dataframe_without_pandas_says_how_to_get_it(space, monkeypatch):
    study = tl.minimize(quadratic, space, n_trials=2, seed=0, progress=False)
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="pip install pandas"):
        study.trials_dataframe()


def test_result_files_have_the_usual_permissions(space, tmp_path):
    old = os.umask(0o022)
    try:
        study = tl.minimize(quadratic, space, n_trials=2, seed=0, storage=tmp_path / "s.db",
                            progress=False)
        study.to_csv(tmp_path / "s.csv")
        results = tl.bench.run(problems=["branin"], strategies=["random"], budget=3, seeds=[0])
        results.save(tmp_path / "bench")
    finally:
        os.umask(old)
    saved = [p for p in sorted((tmp_path / "bench").rglob("*")) if p.is_file()]
    assert len(saved) >= 2
    for path in [tmp_path / "s.db", tmp_path / "s.csv", *saved]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path
