"""Stored studies: exact resume, re-running RUNNING trials, replay checks, exports."""

import csv
import json
import math
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from study_objectives import make_space, quadratic, with_reports

import tunelab as tl
from tunelab.study import TrialState

HERE = Path(__file__).parent


def _same_trials(a, b):
    return [(t.number, t.params, t.value, t.state) for t in a] == \
        [(t.number, t.params, t.value, t.state) for t in b]


@pytest.mark.parametrize(
    ("strategy", "options"),
    [("random", None), ("random", {"sampler": "sobol"}), ("sobol", None),
     ("grid", {"resolution": 4}), ("lhs", {"design_size": 16}),
     ("genetic", {"population_size": 8}), ("cmaes", None), ("cmaes", {"restarts": "ipop"}),
     ("bayes", {"n_initial": 5, "n_candidates": 128, "n_restarts": 2})],
)
def test_resume_equals_one_run(tmp_path, strategy, options):
    space = make_space()
    path = tmp_path / "r.db"
    first = tl.minimize(quadratic, space, strategy, n_trials=25, seed=11, storage=path,
                        strategy_options=options, progress=False)
    del first
    study = tl.Study.load(path)
    assert study.strategy.n_asked == study.strategy.n_told == 25
    study.optimize(quadratic, 25, progress=False)
    one = tl.minimize(quadratic, space, strategy, n_trials=50, seed=11,
                      strategy_options=options, progress=False)
    assert _same_trials(study.trials, one.trials)
    assert len({tuple(t.params.items()) for t in one.trials}) == 50  # really 50 configs
    assert _same_trials(tl.Study.load(path).trials, one.trials)
    assert study.strategy.history == one.strategy.history


@settings(max_examples=8, deadline=None)
@given(split=st.integers(1, 11), seed=st.integers(0, 2**32))
def test_resume_at_any_split(split, seed):
    space = make_space()
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "h.db")
        tl.minimize(quadratic, space, n_trials=split, seed=seed, storage=path, progress=False)
        study = tl.Study.load(path)
        study.optimize(quadratic, 12 - split, progress=False)
    one = tl.minimize(quadratic, space, n_trials=12, seed=seed, progress=False)
    assert _same_trials(study.trials, one.trials)


def _crash_trial(path, number):
    """Make the file look as if the process died while ``number`` ran (and after)."""
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE trials SET state = 'RUNNING', value = NULL, tell_seq = NULL, "
                     "datetime_complete = NULL WHERE number >= ?", (number,))
    conn.close()


def test_running_trials_are_rerun_with_the_same_config(tmp_path):
    space = make_space()
    path = tmp_path / "c.db"
    reference = tl.minimize(quadratic, space, n_trials=10, seed=5, storage=path,
                            progress=False)
    _crash_trial(path, 7)  # trials 7, 8, 9 asked and running, none told
    study = tl.Study.load(path)
    assert [t.state for t in study.trials][6:] == [TrialState.COMPLETE] + \
        [TrialState.RUNNING] * 3
    assert study.strategy.n_asked == 10 and study.strategy.n_told == 7
    seen = []
    study.optimize(lambda c: seen.append(c) or quadratic(c), 5, progress=False)
    assert seen[:3] == [t.params for t in reference.trials[7:]]  # re-run first, same configs
    assert len(study.trials) == 12
    assert _same_trials(study.trials[:10], reference.trials)
    one = tl.minimize(quadratic, space, n_trials=12, seed=5, progress=False)
    assert _same_trials(study.trials, one.trials)


def test_fewer_trials_than_running_ones(tmp_path):
    space = make_space()
    path = tmp_path / "c.db"
    tl.minimize(quadratic, space, n_trials=6, seed=5, storage=path, progress=False)
    _crash_trial(path, 2)
    study = tl.Study.load(path)
    study.optimize(quadratic, 1, progress=False)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 3 + \
        [TrialState.RUNNING] * 3
    study.optimize(quadratic, 3, progress=False)
    assert all(t.state is TrialState.COMPLETE for t in study.trials)
    assert len(study.trials) == 6


def test_process_exit_mid_trial_leaves_it_running(tmp_path):
    """A real crash: the objective kills its own process while trial 4 runs."""
    path = tmp_path / "exit.db"
    code = (
        "import os, tunelab as tl\n"
        "from study_objectives import make_space, quadratic\n"
        "def objective(trial):\n"
        "    if trial.number == 4:\n"
        "        os._exit(3)\n"
        "    return quadratic(trial.params)\n"
        f"tl.minimize(objective, make_space(), n_trials=9, seed=2, storage={str(path)!r},\n"
        "            progress=False)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=HERE, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(HERE)})
    assert result.returncode == 3
    study = tl.Study.load(path)
    states = [t.state for t in study.trials]
    assert states == [TrialState.COMPLETE] * 4 + [TrialState.RUNNING]
    crashed = study.trials[4].params
    study.optimize(quadratic, 5, progress=False)
    assert study.trials[4].params == crashed and study.trials[4].state is TrialState.COMPLETE
    one = tl.minimize(quadratic, make_space(), n_trials=9, seed=2, progress=False)
    assert _same_trials(study.trials, one.trials)


def test_replay_warns_when_the_file_disagrees(tmp_path):
    path = tmp_path / "t.db"
    tl.minimize(quadratic, make_space(), n_trials=3, seed=0, storage=path, progress=False)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("""UPDATE trials SET params = '{"x": 0.5, "lr": 0.1, "k": 2, "act": "relu"}'
                        WHERE number = 1""")
    conn.close()
    with pytest.warns(UserWarning, match="replay_ask"):
        tl.Study.load(path)


def test_load_and_create_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.db"):
        tl.Study.load(tmp_path / "missing.db")
    path = tmp_path / "s.db"
    tl.minimize(quadratic, make_space(), n_trials=2, seed=0, storage=path, progress=False)
    with pytest.raises(ValueError, match="already holds a study"):
        tl.minimize(quadratic, make_space(), n_trials=2, seed=0, storage=path)
    assert len(tl.Study.load(str(path)).trials) == 2  # untouched


def test_settings_are_stored(tmp_path):
    path = tmp_path / "s.db"
    study = tl.minimize(lambda c: -quadratic(c), make_space(), "sobol", n_trials=3,
                        direction="maximize", storage=path, progress=False)
    loaded = tl.Study.load(path)
    assert loaded.space == make_space() and loaded.direction == "maximize"
    assert loaded.seed == study.seed and loaded.strategy.sampler == "sobol"
    assert loaded.best_trial.number == study.best_trial.number
    assert loaded.strategy.history == study.strategy.history


def test_intermediate_values_survive_storage(tmp_path):
    path = tmp_path / "i.db"
    study = tl.minimize(with_reports, make_space(), n_trials=3, seed=0, storage=path,
                        progress=False)
    assert tl.Study.load(path).trials == study.trials


def test_json_export_round_trip(tmp_path):
    study = tl.minimize(with_reports, make_space(), n_trials=6, seed=0, progress=False)
    study.trials[2].intermediate_values[9] = math.nan
    study.to_json(tmp_path / "s.json")
    document = json.loads((tmp_path / "s.json").read_text())
    assert tl.Space.from_dict(document["space"]) == study.space
    assert document["strategy"] == "random" and document["seed"] == 0
    back = [tl.Trial.from_dict(d) for d in document["trials"]]
    assert back == study.trials


def test_csv_export_round_trip(tmp_path):
    space = make_space()
    study = tl.minimize(lambda c: quadratic(c) if c["k"] > 2 else math.nan, space,
                        n_trials=12, seed=1, progress=False)
    study.to_csv(tmp_path / "s.csv")
    with open(tmp_path / "s.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 12
    for row, trial in zip(rows, study.trials, strict=True):
        assert int(row["number"]) == trial.number and row["state"] == trial.state.value
        assert (row["value"] == "") if trial.value is None else float(row["value"]) == trial.value
        assert float(row["params_x"]) == trial.params["x"]  # exact: repr round trip
        assert float(row["params_lr"]) == trial.params["lr"]
        assert int(row["params_k"]) == trial.params["k"] and row["params_act"] == trial.params[
            "act"]
        assert float(row["duration"]) == trial.duration.total_seconds()
        assert (row["error"] == "") == (trial.error is None)


def test_csv_export_reads_back_in_pandas(tmp_path):
    space = make_space()
    with pytest.warns(tl.exceptions.TrialFailedWarning):
        study = tl.minimize(lambda c: quadratic(c) if c["k"] > 2 else math.nan, space,
                            n_trials=12, seed=1, progress=False)
    assert {t.state for t in study.trials} == {TrialState.COMPLETE, TrialState.FAILED}
    study.to_csv(tmp_path / "s.csv")
    frame = pd.read_csv(tmp_path / "s.csv", keep_default_na=False, na_values=[""],
                        float_precision="round_trip")
    assert list(frame.columns) == ["number", "state", "value", "datetime_start",
                                   "datetime_complete", "duration", "error", "params_x",
                                   "params_lr", "params_k", "params_act"]
    assert frame["number"].tolist() == [t.number for t in study.trials]
    assert frame["state"].tolist() == [t.state.value for t in study.trials]
    for row, trial in zip(frame.itertuples(index=False), study.trials, strict=True):
        assert math.isnan(row.value) if trial.value is None else row.value == trial.value
        assert pd.Timestamp(row.datetime_start) == pd.Timestamp(trial.datetime_start)
        assert pd.Timestamp(row.datetime_complete) == pd.Timestamp(trial.datetime_complete)
        assert row.duration == trial.duration.total_seconds()
        assert (row.params_x, row.params_lr) == (trial.params["x"], trial.params["lr"])
        assert (row.params_k, row.params_act) == (trial.params["k"], trial.params["act"])
        assert (row.error == trial.error) if trial.error else math.isnan(row.error)
