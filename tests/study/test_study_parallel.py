"""Parallel studies: process pools, thread pools, Dask; sync determinism and async."""

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from study_objectives import (
    dies_when_k_is_1,
    fails_sometimes,
    make_space,
    prune_odd,
    quadratic,
    reports_and_prunes,
    sleepy_quadratic,
)

import tunelab as tl
from tunelab.study import TrialState


def _key(trials):
    return [(t.number, t.params, t.value, t.state) for t in trials]


@pytest.fixture(scope="module")
def serial():
    return tl.minimize(quadratic, make_space(), n_trials=24, seed=9, progress=False)


def test_process_pool_sync_gives_the_serial_trials(serial):
    study = tl.minimize(sleepy_quadratic, make_space(), n_trials=24, seed=9, n_jobs=4,
                        progress=False)
    assert _key(study.trials) == _key(serial.trials)
    assert study.strategy.history == serial.strategy.history  # told in trial order
    assert all(t.duration.total_seconds() >= 0.002 for t in study.trials)  # ran in workers


def test_process_pool_async_gives_the_same_configs(serial, tmp_path):
    path = tmp_path / "a.db"
    study = tl.minimize(sleepy_quadratic, make_space(), n_trials=24, seed=9, n_jobs=4,
                        mode="async", storage=path, progress=False)
    assert sorted(_key(study.trials)) == sorted(_key(serial.trials))
    assert sorted(map(str, study.strategy.history)) == sorted(map(str, serial.strategy.history))
    loaded = tl.Study.load(path)  # async tells interleave asks; the replay follows them
    assert _key(loaded.trials) == _key(study.trials)
    assert loaded.strategy.history == study.strategy.history


def test_thread_pool_executor_sync_and_async(serial):
    with ThreadPoolExecutor(3) as pool:
        sync = tl.minimize(quadratic, make_space(), n_trials=24, seed=9, n_jobs=3,
                           executor=pool, progress=False)
        asyn = tl.minimize(lambda c: quadratic(c), make_space(), n_trials=24, seed=9,
                           n_jobs=3, executor=pool, mode="async", progress=False)
        assert pool.submit(int, "7").result() == 7  # a given executor is left running
    assert _key(sync.trials) == _key(serial.trials)
    assert sorted(_key(asyn.trials)) == sorted(_key(serial.trials))


def test_failures_in_workers():
    study = tl.minimize(fails_sometimes, make_space(), n_trials=30, seed=0, n_jobs=2,
                        progress=False)
    serial = tl.minimize(fails_sometimes, make_space(), n_trials=30, seed=0, progress=False)
    assert _key(study.trials) == _key(serial.trials)
    raised = [t for t in study.trials if t.params["k"] == 1]
    assert raised and all("RuntimeError: k=1" in t.error for t in raised)


def test_a_dead_worker_fails_its_trials_and_the_study_goes_on():
    study = tl.minimize(dies_when_k_is_1, make_space(), n_trials=16, seed=0, n_jobs=2,
                        progress=False)
    assert len(study.trials) == 16
    for t in study.trials:
        if t.params["k"] == 1:
            assert t.state is TrialState.FAILED and "BrokenProcessPool" in t.error
        if t.state is TrialState.COMPLETE:
            assert t.value == quadratic(t.params)
    assert any(t.params["k"] == 1 for t in study.trials)
    assert sum(t.state is TrialState.COMPLETE for t in study.trials) >= 8


def test_pruner_runs_in_workers():
    study = tl.Study(make_space(), seed=0, pruner=prune_odd)
    study.optimize(reports_and_prunes, 6, n_jobs=2, progress=False)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE, TrialState.PRUNED] * 3
    assert [t.value for t in study.trials[0::2]] == [
        quadratic(t.params) for t in study.trials[0::2]]
    pids = {t.intermediate_values[1] for t in study.trials}
    assert os.getpid() not in pids  # the objective and its pruner ran in the workers
    for t in study.trials[1::2]:  # a pruned trial keeps its reports; its value is the last
        assert t.intermediate_values[0] == quadratic(t.params)
        assert t.value == t.intermediate_values[1]


def test_unpicklable_objective_is_refused_clearly():
    with pytest.raises(TypeError, match="objective must be picklable.*n_jobs=1"):
        tl.minimize(lambda c: 0.0, make_space(), n_trials=2, n_jobs=2, progress=False)


def test_interrupt_with_an_executor_keeps_the_batch(tmp_path):
    def stop_at_2(study, trial):
        if trial.number == 2:
            raise KeyboardInterrupt

    path = tmp_path / "k.db"
    with ThreadPoolExecutor(2) as pool, pytest.warns(UserWarning, match="interrupted"):
        study = tl.minimize(quadratic, make_space(), n_trials=10, seed=0, n_jobs=2,
                            executor=pool, storage=path, callbacks=[stop_at_2],
                            progress=False)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 4  # 3 finished too
    assert tl.Study.load(path).trials == study.trials


def test_interrupt_in_async_mode_marks_the_running_trial(tmp_path):
    release = threading.Event()

    def objective(trial):
        if trial.number == 1:  # still running when trial 2 ends the study
            release.wait(30)
        return quadratic(trial.params)

    def stop_at_2(study, trial):
        if trial.number == 2:
            raise KeyboardInterrupt

    path = tmp_path / "k.db"
    with ThreadPoolExecutor(2) as pool:
        with pytest.warns(UserWarning, match="interrupted"):
            study = tl.minimize(objective, make_space(), n_trials=10, seed=0, n_jobs=2,
                                executor=pool, storage=path, callbacks=[stop_at_2],
                                mode="async", progress=False)
        release.set()
    states = [t.state for t in study.trials]
    assert states == [TrialState.COMPLETE, TrialState.FAILED, TrialState.COMPLETE]
    assert "KeyboardInterrupt: the study was interrupted" in study.trials[1].error
    assert tl.Study.load(path).trials == study.trials


def test_dask_executor_in_process():
    distributed = pytest.importorskip("distributed")
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2,
                            dashboard_address=None) as client:
        study = tl.minimize(quadratic, make_space(), n_trials=8, seed=9, n_jobs=2,
                            executor=client.get_executor(), progress=False)
    serial = tl.minimize(quadratic, make_space(), n_trials=8, seed=9, progress=False)
    assert _key(study.trials) == _key(serial.trials)


@pytest.mark.slow
def test_dask_local_cluster_with_two_worker_processes(tmp_path):
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    with cluster, distributed.Client(cluster) as client:
        study = tl.minimize(sleepy_quadratic, make_space(), n_trials=10, seed=9, n_jobs=2,
                            executor=client.get_executor(), storage=tmp_path / "d.db",
                            mode="async", progress=False)
        pids = client.run(lambda: __import__("os").getpid())
    serial = tl.minimize(quadratic, make_space(), n_trials=10, seed=9, progress=False)
    assert sorted(_key(study.trials)) == sorted(_key(serial.trials))
    assert len(set(pids.values())) == 2


def test_pool_workers_exit_when_the_pool_is_abandoned():
    import os

    from tunelab.study.executors import process_pool

    pool = process_pool(1)
    pid = pool.submit(os.getpid).result()
    pool.submit(time.sleep, 60)  # a long task in flight
    time.sleep(0.2)
    pool.shutdown(wait=False, cancel_futures=True)  # what an interrupted study does
    deadline = time.monotonic() + 20
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)


def _alive(pid):
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, not yet reaped by its parent) counts as gone
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True
