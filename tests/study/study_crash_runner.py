"""Run (or resume) a stored study until it has N finished trials: the crash test's victim.

Usage: python study_crash_runner.py PATH N [N_JOBS]. Prints "ready" once the study is
loaded, so that the test kills it while it works, not while Python starts.
"""

import sys

from study_objectives import make_space, sleepy_quadratic

import tunelab as tl
from tunelab.study.storage import SQLiteStorage


def main(path: str, n: int, n_jobs: int) -> None:
    with SQLiteStorage(path) as storage:
        exists = storage.has_study()
    if exists:
        study = tl.Study.load(path)
    else:
        study = tl.Study(make_space(), "random", seed=123, storage=path)
    finished = sum(t.state.is_finished for t in study.trials)
    print("ready", flush=True)
    if finished < n:
        study.optimize(sleepy_quadratic, n - finished, n_jobs=n_jobs, progress=False)
    print("done", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 1)
