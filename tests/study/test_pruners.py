"""Pruners: decisions checked against Optuna's pruners on the same learning curves, the
study integration (storage, process pool, executors), errors, and determinism."""

import math
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import optuna
import pytest
from study_objectives import make_space

import tunelab as tl
from tunelab.pruners import History, Hyperband, Median, Patient, Percentile, SuccessiveHalving
from tunelab.study import Trial, TrialPruned, TrialState

optuna.logging.set_verbosity(optuna.logging.ERROR)


def _curves(rng, n_trials, n_steps, ties):
    """Random learning curves: a level per trial, a noisy decay, some gaps between steps."""
    curves = []
    for _ in range(n_trials):
        steps = np.sort(rng.choice(np.arange(n_steps), size=rng.integers(1, n_steps + 1),
                                   replace=False))
        values = rng.normal() + 1.0 / (1.0 + steps) + 0.3 * rng.normal(size=steps.size)
        if ties:
            values = np.round(values, 0)
        curves.append(dict(zip(steps.tolist(), values.tolist(), strict=True)))
    return curves


def _optuna_decisions(pruner, curves, direction, name="tunelab"):
    """Optuna's decision for each curve: the step it was pruned at, or None."""
    study = optuna.create_study(direction=direction, pruner=pruner, study_name=name)
    decisions = []
    for curve in curves:
        trial = study.ask()
        for step, value in curve.items():
            trial.report(value, step)
            if trial.should_prune():
                study.tell(trial, state=optuna.trial.TrialState.PRUNED)
                decisions.append(step)
                break
        else:
            study.tell(trial, list(curve.values())[-1])
            decisions.append(None)
    return decisions


def _our_decisions(pruner, curves, direction, storage=None, **run):
    def objective(trial):
        curve = curves[trial.number]
        for step, value in curve.items():
            trial.report(step, value)
            if trial.should_prune():
                raise TrialPruned
        return list(curve.values())[-1]

    study = tl.Study(make_space(), seed=0, direction=direction, pruner=pruner, storage=storage)
    study.optimize(objective, len(curves), progress=False, **run)
    return [
        max(t.intermediate_values) if t.state is TrialState.PRUNED else None
        for t in study.trials
    ], study


CASES = range(25)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_median_and_percentile_decide_as_optuna(case, direction):
    rng = np.random.default_rng(case)
    curves = _curves(rng, 14, 12, ties=case % 3 == 0)
    startup, warmup, interval = int(rng.integers(0, 4)), int(rng.integers(0, 4)), \
        int(rng.integers(1, 4))
    q = float(rng.uniform(0, 100)) if case % 2 else 50.0
    ours, _ = _our_decisions(Percentile(q, startup, warmup, interval), curves, direction)
    theirs = _optuna_decisions(optuna.pruners.PercentilePruner(q, startup, warmup, interval),
                               curves, direction)
    assert ours == theirs
    ours, _ = _our_decisions(Median(startup, warmup, interval), curves, direction)
    theirs = _optuna_decisions(optuna.pruners.MedianPruner(startup, warmup, interval), curves,
                               direction)
    assert ours == theirs


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_successive_halving_decides_as_optuna(case, direction):
    rng = np.random.default_rng(100 + case)
    curves = _curves(rng, 20, 30, ties=case % 3 == 0)
    r, eta, s = int(rng.integers(1, 4)), int(rng.integers(2, 5)), int(rng.integers(0, 2))
    ours, _ = _our_decisions(SuccessiveHalving(r, eta, s), curves, direction)
    theirs = _optuna_decisions(
        optuna.pruners.SuccessiveHalvingPruner(r, eta, s), curves, direction
    )
    assert ours == theirs


@pytest.mark.parametrize("case", range(12))
def test_hyperband_brackets_and_decisions_as_optuna(case):
    rng = np.random.default_rng(200 + case)
    curves = _curves(rng, 30, 30, ties=False)
    r, eta = int(rng.integers(1, 3)), int(rng.integers(2, 4))
    big = int(rng.integers(9, 30))
    name = f"hb{case}"
    ours, _ = _our_decisions(Hyperband(r, big, eta, name=name), curves, "minimize")
    oracle = optuna.pruners.HyperbandPruner(r, big, eta)
    theirs = _optuna_decisions(oracle, curves, "minimize", name=name)
    assert ours == theirs
    study = optuna.create_study(study_name=name, pruner=oracle)
    mine = Hyperband(r, big, eta, name=name)
    assert mine.n_brackets == oracle._n_brackets
    assert [mine.bracket(i) for i in range(60)] == [
        oracle._get_bracket_id(study, _numbered(i)) for i in range(60)
    ]
    assert len({mine.bracket(i) for i in range(60)}) > 1


def _numbered(number):
    trial = optuna.trial.create_trial(value=0.0)
    trial.number = number
    return trial


def test_patient_as_optuna():
    rng = np.random.default_rng(7)
    for _ in range(20):
        curves = _curves(rng, 8, 15, ties=True)
        patience = int(rng.integers(0, 4))
        ours, _ = _our_decisions(Patient(None, patience, 0.1), curves, "minimize")
        theirs = _optuna_decisions(optuna.pruners.PatientPruner(None, patience, 0.1), curves,
                                   "minimize")
        assert ours == theirs


def test_history_hand_case():
    """Median at step 1 of three completed trials with values 1, 2, 10 there: median 2."""
    done = [Trial(i, {}, state=TrialState.COMPLETE, intermediate_values={1: v})
            for i, v in enumerate([1.0, 2.0, 10.0])]
    history = History(done, "minimize")
    pruner = Median(n_startup_trials=3)
    assert pruner.prune(Trial(3, {}, intermediate_values={0: 5.0, 1: 2.5}), history)
    assert not pruner.prune(Trial(3, {}, intermediate_values={0: 5.0, 1: 2.0}), history)
    assert not pruner.prune(Trial(3, {}, intermediate_values={0: 5.0, 1: 5.0}),
                            History(done, "maximize"))
    assert pruner.prune(Trial(3, {}, intermediate_values={1: 1.5}), History(done, "maximize"))


@pytest.mark.parametrize(
    ("make", "name"),
    [(lambda: Percentile(-1), "percentile"), (lambda: Percentile(100.5), "percentile"),
     (lambda: Median(n_startup_trials=-1), "n_startup_trials"),
     (lambda: Median(n_warmup_steps=-2), "n_warmup_steps"),
     (lambda: Median(interval_steps=0), "interval_steps"),
     (lambda: SuccessiveHalving(min_resource=0), "min_resource"),
     (lambda: SuccessiveHalving(reduction_factor=1), "reduction_factor"),
     (lambda: SuccessiveHalving(min_early_stopping_rate=-1), "min_early_stopping_rate"),
     (lambda: Hyperband(min_resource=10, max_resource=9), "min_resource"),
     (lambda: Hyperband(max_resource=9, reduction_factor=1), "reduction_factor"),
     (lambda: Patient(Median(), -1), "patience")],
)
def test_bad_arguments_name_themselves(make, name):
    with pytest.raises(ValueError, match=name):
        make()


def test_hyperband_needs_max_resource():
    with pytest.raises(TypeError, match="max_resource"):
        Hyperband()


def test_bad_reports_under_a_pruner():
    trial = Trial(0, {})
    trial._pruner = Median()
    trial.report(3, 1.0)
    with pytest.raises(ValueError, match="already reported step 3"):
        trial.report(2, 1.0)
    with pytest.raises(ValueError, match="diverged"):
        trial.report(4, math.inf)


def test_pruner_without_reports_warns_once():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tl.minimize(lambda trial: 1.0, make_space(), n_trials=4, seed=0, pruner=Median(),
                    progress=False)
    messages = [str(w.message) for w in caught if "nothing to judge" in str(w.message)]
    assert len(messages) == 1 and "trial.report" in messages[0]


def test_pruned_trial_keeps_its_reports_in_storage(tmp_path):
    rng = np.random.default_rng(3)
    curves = _curves(rng, 15, 12, ties=False)
    path = tmp_path / "p.db"
    ours, study = _our_decisions(Median(2), curves, "minimize", storage=path)
    assert any(d is not None for d in ours)
    loaded = tl.Study.load(path, pruner=Median(2))
    for t, curve in zip(loaded.trials, curves, strict=True):
        assert t.intermediate_values == {s: v for s, v in curve.items() if s <= max(
            t.intermediate_values)}
        if t.state is TrialState.PRUNED:
            assert t.value == t.intermediate_values[max(t.intermediate_values)]


def test_thread_executor_sync_is_deterministic_and_sees_others():
    """In sync mode a trial sees the trials told before its batch: the same decisions as a
    sequential run of the same batches, whatever the executor."""
    rng = np.random.default_rng(5)
    curves = _curves(rng, 16, 10, ties=False)
    with ThreadPoolExecutor(2) as pool:
        threaded, _ = _our_decisions(Median(2), curves, "minimize", executor=pool, n_jobs=2)
    again, _ = _our_decisions(Median(2), curves, "minimize", executor=ThreadPoolExecutor(2),
                              n_jobs=2)
    assert threaded == again and any(d is not None for d in threaded)
    # a batch of two sees what was told before the batch: emulate with Optuna per batch
    assert threaded == _batched_reference(Median(2), curves, 2)


def _batched_reference(pruner, curves, n_jobs):
    """Decisions when each trial sees the trials of earlier batches only."""
    done, decisions = [], []
    for start in range(0, len(curves), n_jobs):
        batch = []
        for number in range(start, min(start + n_jobs, len(curves))):
            trial = Trial(number, {})
            history = History(list(done), "minimize")
            decision = None
            for step, value in curves[number].items():
                trial.intermediate_values[step] = value
                if pruner.prune(trial, history):
                    decision = step
                    break
            trial.state = TrialState.COMPLETE if decision is None else TrialState.PRUNED
            batch.append(trial)
            decisions.append(decision)
        done += batch
    return decisions


def _decisions(study):
    return [(t.number, t.state, max(t.intermediate_values, default=None), t.value)
            for t in study.trials]


@pytest.mark.slow
def test_kill_9_during_a_pruned_parallel_study_then_resume_decides_the_same(tmp_path):
    """SIGKILL of the study process while two workers run trials under ASHA; the resumed
    study re-runs the interrupted trials and ends with the uninterrupted run's decisions."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from study_objectives import learning_curve

    here = Path(__file__).parent
    pruner = "tl.pruners.SuccessiveHalving(1, 3)"
    path, marker = tmp_path / "killed.db", tmp_path / "kill_at"
    code = (
        "import os, tunelab as tl\n"
        "from study_objectives import learning_curve, make_space\n"
        f"open({str(marker)!r}, 'w').write(f'11 {{os.getpid()}}')\n"
        f"tl.minimize(learning_curve, make_space(), n_trials=24, seed=3, n_jobs=2,\n"
        f"            storage={str(path)!r}, pruner={pruner}, progress=False)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(here), os.environ.get(
        "PYTHONPATH", "")]), "TUNELAB_KILL_AT": str(marker)}
    result = subprocess.run([sys.executable, "-c", code], cwd=here, env=env, timeout=300)
    assert result.returncode == -signal.SIGKILL
    study = tl.Study.load(path, pruner=SuccessiveHalving(1, 3))
    states = [t.state for t in study.trials]
    assert TrialState.RUNNING in states and TrialState.PRUNED in states
    assert len(study.trials) < 24
    finished = sum(s is not TrialState.RUNNING for s in states)
    study.optimize(learning_curve, 24 - finished, n_jobs=2, progress=False)
    whole = tl.minimize(learning_curve, make_space(), n_trials=24, seed=3, n_jobs=2,
                        storage=tmp_path / "whole.db", pruner=SuccessiveHalving(1, 3),
                        progress=False)
    assert _decisions(study) == _decisions(whole)
    assert sum(t.state is TrialState.PRUNED for t in whole.trials) >= 6


def test_sync_mode_hides_the_running_batch_from_successive_halving():
    """In sync mode the second trial of a batch must not see the rungs the first one records
    while both run (it waits 50 ms so that they are there); async mode does see them."""
    import time

    rng = np.random.default_rng(11)
    curves = _curves(rng, 16, 10, ties=False)

    def objective(trial):
        if trial.number % 2:
            time.sleep(0.05)
        for step, value in curves[trial.number].items():
            trial.report(step, value)
            if trial.should_prune():
                raise TrialPruned
        return list(curves[trial.number].values())[-1]

    def decisions(mode):
        study = tl.Study(make_space(), seed=0, pruner=SuccessiveHalving(1, 2))
        with ThreadPoolExecutor(2) as pool:
            study.optimize(objective, 16, n_jobs=2, executor=pool, mode=mode, progress=False)
        return [max(t.intermediate_values) if t.state is TrialState.PRUNED else None
                for t in study.trials]

    sync = decisions("sync")
    assert sync == _batched_reference(SuccessiveHalving(1, 2), curves, 2)
    assert decisions("async") != sync


@pytest.mark.slow
def test_dask_workers_in_other_processes_see_the_reports(tmp_path):
    """Dask worker processes write and read reports through the study's SQLite file: the
    sync-mode decisions are those of a process pool on the same trials."""
    distributed = pytest.importorskip("distributed")
    from study_objectives import learning_curve

    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    with cluster, distributed.Client(cluster) as client:
        dask = tl.minimize(learning_curve, make_space(), n_trials=16, seed=4, n_jobs=2,
                           executor=client.get_executor(), storage=tmp_path / "dask.db",
                           pruner=SuccessiveHalving(1, 3), progress=False)
    pool = tl.minimize(learning_curve, make_space(), n_trials=16, seed=4, n_jobs=2,
                       pruner=SuccessiveHalving(1, 3), progress=False)
    assert _decisions(dask) == _decisions(pool)
    assert any(t.state is TrialState.PRUNED for t in dask.trials)
