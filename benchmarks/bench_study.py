"""Timings of a study's hot paths: the loop in memory and on SQLite, a load, one trial.

``benchmarks/compare_study_overhead.py`` puts the per-trial figures beside Optuna's and
``benchmarks/compare_parallel.py`` measures parallel throughput.

Run with ``pytest benchmarks/bench_study.py --benchmark-enable`` (benchmarks are disabled by
default in the test configuration).
"""

import itertools

import pytest

import tunelab as tl
from tunelab.study.executors import run_trial
from tunelab.study.storage import SQLiteStorage
from tunelab.study.trial import Trial, TrialState

SPACE = tl.Space({
    "x": tl.Real(-5.0, 5.0),
    "lr": tl.Real(1e-4, 1.0, log=True),
    "act": tl.Categorical(["relu", "tanh", "sigmoid"]),
})


def objective(config):
    return config["x"] ** 2 + config["lr"]


def test_minimize_in_memory_100_trials(benchmark):
    benchmark(tl.minimize, objective, SPACE, n_trials=100, seed=0, progress=False)


def test_minimize_sqlite_100_trials(benchmark, tmp_path):
    paths = (tmp_path / f"s{i}.db" for i in itertools.count())

    def setup():
        return (objective, SPACE), {"n_trials": 100, "seed": 0, "progress": False,
                                    "storage": next(paths)}

    benchmark.pedantic(tl.minimize, setup=setup, rounds=10)


def test_load_and_replay_1000_trials(benchmark, tmp_path):
    path = tmp_path / "big.db"
    tl.minimize(objective, SPACE, n_trials=1000, seed=0, storage=path, progress=False)
    study = benchmark(tl.Study.load, path)
    assert len(study.trials) == 1000


def test_run_trial(benchmark):
    trial = Trial(0, {"x": 1.0, "lr": 0.1, "act": "relu"})
    done = benchmark(run_trial, objective, trial, False)
    assert done.state is TrialState.COMPLETE


def test_storage_finish_trial(benchmark, tmp_path):
    storage = SQLiteStorage(tmp_path / "f.db")
    trial = Trial(0, {"x": 1.0, "lr": 0.1, "act": "relu"})
    storage.add_trials([trial], [0])
    trial.state, trial.value = TrialState.COMPLETE, 1.0
    seqs = itertools.count(1)
    benchmark(lambda: storage.finish_trial(trial, next(seqs)))
    storage.close()


@pytest.mark.parametrize("n_jobs", [2])
def test_process_pool_start_and_8_trivial_trials(benchmark, n_jobs):
    benchmark.pedantic(tl.minimize, args=(objective, SPACE),
                       kwargs={"n_trials": 8, "seed": 0, "n_jobs": n_jobs, "progress": False},
                       rounds=3)
