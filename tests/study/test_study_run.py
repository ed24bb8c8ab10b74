"""Study and minimize in one process: results, failures, callbacks, maximize, bad input."""

import math
import warnings

import numpy as np
import pytest
from study_objectives import fails_sometimes, make_space, quadratic, with_reports

import tunelab as tl
from tunelab.search import RandomSearch
from tunelab.study import TrialPruned, TrialState


@pytest.fixture
def space():
    return make_space()


def test_minimize_matches_a_hand_loop(space):
    """The study is ask, evaluate, tell: the same strategy driven by hand gives the same trials."""
    study = tl.minimize(quadratic, space, n_trials=40, seed=3, progress=False)
    strategy = RandomSearch(space, seed=3)
    expected = []
    for _ in range(40):
        config = strategy.ask()
        expected.append((config, quadratic(config)))
        strategy.tell(config, expected[-1][1])
    assert [(t.params, t.value) for t in study.trials] == expected
    assert [t.number for t in study.trials] == list(range(40))
    assert all(t.state is TrialState.COMPLETE for t in study.trials)
    best = min(expected, key=lambda pair: pair[1])
    assert study.best_params == best[0] and study.best_value == best[1]
    assert study.best_trial is study.trials[int(np.argmin([v for _, v in expected]))]
    assert study.strategy.history == expected and study.seed == 3


def test_random_search_finds_the_minimum_region(space):
    study = tl.minimize(quadratic, space, n_trials=300, seed=0, progress=False)
    assert study.best_value < 0.6
    assert abs(study.best_params["x"] - 1.0) < 0.8


def test_maximize_negates_for_the_strategy_only(space):
    study = tl.minimize(lambda c: -quadratic(c), space, n_trials=30, seed=1,
                        direction="maximize", progress=False)
    values = [t.value for t in study.trials]
    assert values == [-quadratic(t.params) for t in study.trials]  # stored as returned
    assert study.best_value == max(values)
    assert [v for _, v in study.strategy.history] == [-v for v in values]
    twin = tl.minimize(quadratic, space, n_trials=30, seed=1, progress=False)
    assert twin.best_params == study.best_params


def test_failures_fail_the_trial_and_the_study_goes_on(space):
    study = tl.minimize(fails_sometimes, space, n_trials=60, seed=0, progress=False)
    assert len(study.trials) == 60
    by_k = {k: [t for t in study.trials if t.params["k"] == k] for k in range(1, 9)}
    assert all(by_k[k] for k in (1, 2, 3, 4))  # each kind of failure happened
    for t in by_k[1]:
        assert t.state is TrialState.FAILED and t.value is None
        assert "Traceback" in t.error and "RuntimeError: k=1 is not allowed" in t.error
    for t in by_k[2]:
        assert t.state is TrialState.FAILED and "returned nan" in t.error
    for t in by_k[3]:
        assert t.state is TrialState.FAILED and t.error.startswith("TypeError")
        assert "'not a number'" in t.error
    ok = [t for t in study.trials if t.params["k"] >= 4]
    assert all(t.state is TrialState.COMPLETE for t in ok)
    told = {n: v for n, (_, v) in enumerate(study.strategy.history)}
    for t in study.trials:
        assert (math.isnan(told[t.number]) if t.params["k"] <= 3 else told[t.number] == t.value)
    assert study.best_trial.params["k"] >= 4


def test_all_failed_has_no_best(space):
    study = tl.Study(space, seed=0)
    with pytest.warns(tl.exceptions.TrialFailedWarning), pytest.raises(
            tl.exceptions.AllTrialsFailedError, match="all 3 trials"):
        study.optimize(lambda c: math.inf, n_trials=3, progress=False)
    assert all(t.state is TrialState.FAILED for t in study.trials)
    with pytest.raises(ValueError, match="no COMPLETE trial"):
        study.best_trial


def test_keyboard_interrupt_keeps_finished_trials(space, tmp_path):
    def objective(trial):
        if trial.number == 5:
            raise KeyboardInterrupt
        return quadratic(trial.params)

    path = tmp_path / "ki.db"
    study = tl.Study(space, seed=0, storage=path)
    with pytest.warns(UserWarning, match="interrupted.*6 trials kept"):
        study.optimize(objective, n_trials=20, progress=False)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 5 + [TrialState.FAILED]
    assert study.trials[5].error.startswith("KeyboardInterrupt")
    loaded = tl.Study.load(path)
    assert loaded.trials == study.trials
    loaded.optimize(quadratic, n_trials=4, progress=False)  # goes on with new trials
    assert [t.number for t in loaded.trials] == list(range(10))
    reference = tl.minimize(quadratic, space, n_trials=10, seed=0, progress=False)
    assert [t.params for t in loaded.trials] == [t.params for t in reference.trials]


def test_callbacks_see_each_stored_trial_in_order(space):
    seen = []

    def callback(study, trial):
        seen.append((trial.number, trial.state, len(study.trials)))
        assert study.strategy.n_told == trial.number + 1  # told before the callback

    tl.minimize(quadratic, space, n_trials=7, seed=0, progress=False, callbacks=[callback])
    assert seen == [(i, TrialState.COMPLETE, i + 1) for i in range(7)]


def test_stop_from_a_callback_and_timeout(space):
    study = tl.Study(space, seed=0)
    study.optimize(quadratic, 50, progress=False,
                   callbacks=[lambda s, t: s.stop() if t.number == 2 else None])
    assert len(study.trials) == 3
    study.optimize(quadratic, 2, progress=False)  # a new call starts again
    assert len(study.trials) == 5

    def slow(config):
        import time
        time.sleep(0.02)
        return 0.0

    timed = tl.minimize(slow, space, n_trials=10_000, timeout=0.1, seed=0, progress=False)
    # Trial i starts at least 0.02 i seconds in; none starts after 0.1 s, so at most 5 start
    # (one more for clock granularity); and the run did not stop before the deadline.
    assert 1 <= len(timed.trials) <= 6
    last = timed.trials[-1]
    assert (last.datetime_complete - timed.trials[0].datetime_start).total_seconds() >= 0.08


def test_grid_exhaustion_ends_the_study():
    space = tl.Space({"k": tl.Integer(1, 3), "c": tl.Categorical(["a", "b"])})
    study = tl.minimize(lambda c: c["k"], space, strategy="grid", n_trials=50, progress=False)
    assert len(study.trials) == 6
    assert [t.params for t in study.trials] == space.grid(3)


def test_trial_objective_reports_and_prunes(space, tmp_path):
    study = tl.minimize(with_reports, space, n_trials=4, seed=0, progress=False)
    for t in study.trials:
        assert list(t.intermediate_values) == [0, 1, 2]
        assert t.intermediate_values[2] == pytest.approx(t.value)

    def objective(trial):
        for step in range(5):
            trial.report(step, float(step))
            if trial.should_prune():
                raise TrialPruned
        return 10.0

    path = tmp_path / "p.db"
    study = tl.Study(space, seed=0, storage=path, pruner=lambda t: t.number % 2 == 1)
    study.optimize(objective, 4, progress=False)
    states = [t.state for t in study.trials]
    assert states == [TrialState.COMPLETE, TrialState.PRUNED] * 2
    assert study.trials[1].value == 0.0 and study.trials[1].intermediate_values == {0: 0.0}
    assert math.isnan(study.strategy.history[1][1])  # a pruned trial is told nan
    assert tl.Study.load(path).trials == study.trials


def test_progress_bar(space, capsys):
    tl.minimize(quadratic, space, n_trials=5, seed=0)  # stderr is not a terminal here
    assert capsys.readouterr().err == ""
    tl.minimize(quadratic, space, n_trials=5, seed=0, progress=True)
    assert "5/5" in capsys.readouterr().err


def test_strategy_by_instance_and_options(space, tmp_path):
    study = tl.minimize(quadratic, space, strategy=RandomSearch(space, "sobol", seed=4),
                        n_trials=8, storage=tmp_path / "a.db", progress=False)
    named = tl.minimize(quadratic, space, strategy="random", seed=4, n_trials=8,
                        strategy_options={"sampler": "sobol"}, progress=False)
    assert [t.params for t in study.trials] == [t.params for t in named.trials]
    used = RandomSearch(space, seed=0)
    used.ask()
    with pytest.raises(ValueError, match="fresh strategy"):
        tl.Study(space, used, storage=tmp_path / "b.db")
    tl.Study(space, used)  # in memory, a used strategy is fine
    with pytest.raises(ValueError, match="seed"):
        tl.Study(space, RandomSearch(space, seed=1), seed=2)


def test_seed_none_is_drawn_and_kept(space):
    a = tl.minimize(quadratic, space, n_trials=3, progress=False)
    b = tl.minimize(quadratic, space, n_trials=3, seed=a.seed, progress=False)
    assert isinstance(a.seed, int) and a.seed >= 0
    assert [t.params for t in a.trials] == [t.params for t in b.trials]


def test_repr(space):
    study = tl.minimize(quadratic, space, n_trials=2, seed=0, progress=False)
    assert repr(study).startswith("Study(strategy='random', direction='minimize', n_trials=2")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"space": {"x": (0, 1)}}, TypeError, "space"),
        ({"n_trials": 0}, ValueError, "n_trials"),
        ({"n_trials": 2.5}, TypeError, "n_trials"),
        ({"strategy": "annealing"}, ValueError, "strategy must be one of .*'random'"),
        ({"strategy": 3}, TypeError, "strategy"),
        ({"direction": "up"}, ValueError, "direction"),
        ({"mode": "eager"}, ValueError, "mode"),
        ({"n_jobs": 0}, ValueError, "n_jobs"),
        ({"timeout": -1.0}, ValueError, "timeout"),
        ({"callbacks": print}, TypeError, "callbacks"),
        ({"executor": "dask"}, TypeError, "executor"),
        ({"progress": "yes"}, TypeError, "progress"),
        ({"storage": 3}, TypeError, "storage"),
        ({"objective": 3}, TypeError, "objective"),
        ({"strategy_options": {"sampler": "halton"}}, ValueError, "sampler"),
        ({"strategy_options": [1]}, TypeError, "strategy_options"),
        ({"pruner": 1}, TypeError, "pruner"),
    ],
)
def test_bad_input(space, tmp_path, kwargs, error, match):
    args = {"objective": quadratic, "space": space, "n_trials": 2, "progress": False,
            "storage": tmp_path / "bad.db", **kwargs}
    with pytest.raises(error, match=match):
        tl.minimize(**args)
    if kwargs.keys() & {"n_trials", "mode", "n_jobs", "timeout", "callbacks", "executor",
                        "progress", "objective"}:
        assert not (tmp_path / "bad.db").exists()  # checked before anything is written


def test_no_runtime_warnings(space):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tl.minimize(quadratic, space, n_trials=5, seed=0, progress=False)


def test_unregistered_strategy_cannot_be_stored(space, tmp_path):
    class Mine(RandomSearch):
        name = "mine"

    with pytest.raises(ValueError, match="registered strategy"):
        tl.Study(space, Mine(space, seed=0), storage=tmp_path / "m.db")
    study = tl.Study(space, Mine(space, seed=0))  # in memory it is fine
    study.optimize(quadratic, 3, progress=False)
    assert len(study.trials) == 3


def test_callback_error_propagates_and_trials_resume(space, tmp_path):
    def broken(study, trial):
        if trial.number == 2:
            raise RuntimeError("callback bug")

    path = tmp_path / "cb.db"
    study = tl.Study(space, seed=0, storage=path)
    with pytest.raises(RuntimeError, match="callback bug"):
        study.optimize(quadratic, 10, progress=False, callbacks=[broken])
    assert len(study.trials) == 3 and study.trials[2].state is TrialState.COMPLETE
    study.optimize(quadratic, 2, progress=False)
    reference = tl.minimize(quadratic, space, n_trials=5, seed=0, progress=False)
    assert [t.params for t in tl.Study.load(path).trials] == [
        t.params for t in reference.trials]
