"""Crash safety: a study killed with SIGKILL at random moments loses and repeats nothing."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from study_objectives import make_space, quadratic

import tunelab as tl
from tunelab.study import TrialState

HERE = Path(__file__).parent
RUNNER = HERE / "study_crash_runner.py"


def _start(path, n, n_jobs):
    return subprocess.Popen(
        [sys.executable, str(RUNNER), str(path), str(n), str(n_jobs)],
        stdout=subprocess.PIPE, text=True, cwd=HERE,
        env={**os.environ, "PYTHONPATH": str(HERE), "TUNELAB_CRASH_TEST": str(path)},
    )


def _survivors(path):
    """Processes (pool workers, forkservers) left over from the runners of ``path``."""
    mark = f"TUNELAB_CRASH_TEST={path}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and mark in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _kill_repeatedly(path, n, n_jobs, kills, seed):
    """Start the runner, let it work a random while, SIGKILL it; ``kills`` times."""
    rng = np.random.default_rng(seed)
    done_kills = 0
    while done_kills < kills:
        proc = _start(path, n, n_jobs)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.08))
        if proc.poll() is not None:  # it finished first: the study is complete
            break
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        done_kills += 1
    return done_kills


def _finish(path, n, n_jobs):
    for _ in range(3):
        proc = _start(path, n, n_jobs)
        out, _ = proc.communicate(timeout=300)
        assert proc.returncode == 0 and out.split() == ["ready", "done"]
        if all(t.state.is_finished for t in tl.Study.load(path).trials):
            return
    raise AssertionError("the study did not finish")


def _check_complete(path, n):
    study = tl.Study.load(path)
    trials = study.trials
    assert [t.number for t in trials] == list(range(n))  # unique, contiguous, none extra
    assert all(t.state is TrialState.COMPLETE for t in trials)
    assert all(t.value == quadratic(t.params) for t in trials)
    assert len({tuple(t.params.items()) for t in trials}) == n  # no configuration twice
    assert study.strategy.n_asked == study.strategy.n_told == n
    return study


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_nothing(tmp_path):
    path, n = tmp_path / "crash.db", 80
    kills = _kill_repeatedly(path, n, 1, kills=15, seed=0)
    assert kills >= 10  # the test really crashed the study, many times
    _finish(path, n, 1)
    study = _check_complete(path, n)
    one = tl.minimize(quadratic, make_space(), n_trials=n, seed=123, progress=False)
    assert [(t.params, t.value) for t in study.trials] == \
        [(t.params, t.value) for t in one.trials]  # the very run that was never killed


@pytest.mark.slow
def test_sigkill_with_a_process_pool(tmp_path):
    path, n = tmp_path / "crash_pool.db", 60
    kills = _kill_repeatedly(path, n, 3, kills=5, seed=1)
    assert kills >= 3
    _finish(path, n, 3)
    _check_complete(path, n)
    if Path("/proc/self/environ").exists():  # killed runners leave no workers behind
        deadline = time.monotonic() + 30
        while _survivors(path) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _survivors(path) == []
