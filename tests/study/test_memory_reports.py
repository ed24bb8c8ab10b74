"""A study without storage keeps its reports in memory while its trials run in this
process, and its pruners decide exactly as they would reading a SQLite file; a later run
that hands trials to workers copies everything into a file first."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from study_objectives import make_space

import tunelab as tl
from tunelab.pruners import Hyperband, Median, Patient, Percentile, SuccessiveHalving
from tunelab.study import TrialPruned
from tunelab.study._memory_reports import MemoryLink
from tunelab.study.storage import ReportLink

PRUNERS = {
    "median": lambda: Median(2),
    "percentile": lambda: Percentile(30.0, 1, 1),
    "asha": lambda: SuccessiveHalving(1, 3),
    "hyperband": lambda: Hyperband(1, 9, 3),
    "patient": lambda: Patient(Median(2), 2),
}


def objective(trial):
    """Crossing, wiggling learning curves of the configuration; steps 1..9."""
    x = trial.params["x"]
    for step in range(1, 10):
        trial.report(step, (x - 1.0) ** 2 + abs(x + 2.0) / step + 0.3 * np.sin(step * (x + 3)))
        if trial.should_prune():
            raise TrialPruned
    return (x - 1.0) ** 2 + abs(x + 2.0) / 9 + 0.3 * np.sin(9 * (x + 3))


def _outcome(study):
    return [(t.number, t.params, t.state, t.value, t.intermediate_values, t.rung_values)
            for t in study.trials]


@pytest.mark.parametrize("name", sorted(PRUNERS))
def test_in_memory_decisions_equal_those_read_from_a_file(tmp_path, name):
    memory = tl.Study(make_space(), seed=4, pruner=PRUNERS[name]())
    memory.optimize(objective, 30, progress=False)
    assert memory._scratch is None  # nothing was written to a file
    stored = tl.Study(make_space(), seed=4, pruner=PRUNERS[name](), storage=tmp_path / "s.db")
    stored.optimize(objective, 30, progress=False)
    assert _outcome(memory) == _outcome(stored)
    assert any(t.state is tl.TrialState.PRUNED for t in memory.trials)


def test_an_inline_trial_gets_a_memory_link():
    study = tl.Study(make_space(), seed=0, pruner=Median(1))
    seen = []

    def look(trial):
        seen.append(type(trial._link))
        return objective(trial)

    study.optimize(look, 3, progress=False)
    assert seen == [MemoryLink] * 3
    plain = tl.Study(make_space(), seed=0, pruner=lambda trial: False)  # reads no history
    plain.optimize(lambda trial: seen.append(trial._link) or 1.0, 1, pass_trial=True,
                   progress=False)
    assert seen[-1] is None


@pytest.mark.parametrize("name", ["median", "asha"])
def test_a_threaded_run_after_inline_ones_sees_every_earlier_trial(tmp_path, name):
    def run(study):
        study.optimize(objective, 12, progress=False)
        with ThreadPoolExecutor(2) as pool:
            study.optimize(objective, 12, n_jobs=2, executor=pool, progress=False)
        study.optimize(objective, 6, progress=False)
        return study

    memory = run(tl.Study(make_space(), seed=9, pruner=PRUNERS[name]()))
    assert memory._scratch is not None  # made for the threaded run, with the 12 before it
    stored = run(tl.Study(make_space(), seed=9, pruner=PRUNERS[name](),
                          storage=tmp_path / "s.db"))
    assert _outcome(memory) == _outcome(stored)


def test_the_memory_history_is_the_file_history(tmp_path):
    stored = tl.Study(make_space(), seed=2, pruner=SuccessiveHalving(1, 3),
                      storage=tmp_path / "h.db")
    stored.optimize(objective, 15, progress=False)
    for trial in stored.trials[3:]:
        a = MemoryLink(stored, trial._ask_seq).history(trial.number)
        b = ReportLink(str(tmp_path / "h.db"), trial._ask_seq, "minimize").history(
            trial.number)
        assert [(t.number, t.state, t.intermediate_values, t.rung_values) for t in a.trials] \
            == [(t.number, t.state, t.intermediate_values, t.rung_values) for t in b.trials]
        assert len(a.trials) == trial.number  # sequential: every earlier trial, told first
    assert np.isfinite([t.value for t in stored.trials]).all()
