"""Reports in memory: a temporary report file is made once, only for a study without storage
whose run hands trials to workers, and never for a study that has a storage file."""

import tempfile
from concurrent.futures import ThreadPoolExecutor

import pytest
from study_objectives import make_space

import tunelab as tl
from tunelab.pruners import Median


def objective(trial):
    x = trial.params["x"]
    for step in range(1, 4):
        trial.report(step, (x - 1.0) ** 2 + 1.0 / step)
        if trial.should_prune():
            raise tl.TrialPruned
    return (x - 1.0) ** 2


@pytest.fixture
def temp_root(tmp_path, monkeypatch):
    """Every temporary folder tunelab makes lands in a fresh folder of this test."""
    root = tmp_path / "temp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


def _threaded_run(study, n=6):
    with ThreadPoolExecutor(2) as pool:
        study.optimize(objective, n, n_jobs=2, executor=pool, progress=False)


def test_a_study_with_storage_makes_no_temporary_report_file(tmp_path, temp_root):
    study = tl.Study(make_space(), seed=1, pruner=Median(1), storage=tmp_path / "s.db")
    study.optimize(objective, 4, progress=False)
    _threaded_run(study)
    assert list(temp_root.iterdir()) == []
    assert len(study.trials) == 10


def test_a_study_without_storage_makes_one_report_file_for_all_its_threaded_runs(temp_root):
    study = tl.Study(make_space(), seed=1, pruner=Median(1))
    study.optimize(objective, 4, progress=False)
    assert list(temp_root.iterdir()) == []  # inline trials: reports stay in memory
    _threaded_run(study)
    (folder,) = temp_root.iterdir()
    assert folder.name.startswith("tunelab-reports-")
    _threaded_run(study)
    assert list(temp_root.iterdir()) == [folder]  # the same file, reused
    assert len(study.trials) == 16
