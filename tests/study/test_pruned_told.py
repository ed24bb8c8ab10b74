"""A pruned trial reaches its strategy as what it is: its last intermediate value, at its
step, through ``Strategy.tell_pruned``; a resumed study tells it the same."""

import math
import warnings

import numpy as np
import pytest
from study_objectives import make_space

import tunelab as tl
from tunelab.pruners import Median
from tunelab.study import TrialPruned, TrialState


class Recording(tl.search.RandomSearch):
    """Random search that records what it is told, and how."""

    def __init__(self, space, seed=None):
        super().__init__(space, seed=seed)
        self.calls, self._inner = [], False

    def tell(self, config, value):
        if not self._inner:  # not the default tell_pruned's own call
            self.calls.append(("tell", dict(config), value))
        super().tell(config, value)

    def tell_pruned(self, config, value, step):
        self.calls.append(("pruned", dict(config), value, step))
        self._inner = True
        try:
            super().tell_pruned(config, value, step)
        finally:
            self._inner = False


def curve_objective(trial):
    """Steps 0..7 of a falling curve whose level depends on the configuration."""
    level = sum(abs(v) for v in trial.params.values() if isinstance(v, float))
    for step in range(8):
        trial.report(step, level + 1.0 / (1 + step))
        if trial.should_prune():
            raise TrialPruned
    return level + 1.0 / 8


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_each_pruned_trial_is_told_its_last_value_at_its_step(direction):
    space = make_space()
    strategy = Recording(space, seed=3)
    study = tl.Study(space, strategy, seed=3, direction=direction, pruner=Median(3))
    study.optimize(curve_objective, 30, progress=False)
    sign = -1.0 if direction == "maximize" else 1.0
    pruned = [t for t in study.trials if t.state is TrialState.PRUNED]
    assert pruned, "the pruner pruned nothing: the test checks nothing"
    expected = []
    for t in sorted(study.trials, key=lambda t: t.number):  # sequential: told in order
        if t.state is TrialState.PRUNED:
            step = max(t.intermediate_values)
            expected.append(("pruned", t.params, sign * t.intermediate_values[step], step))
        else:
            expected.append(("tell", t.params, sign * t.value))
    assert strategy.calls == expected
    # The default of Strategy.tell_pruned: a failed evaluation in the history.
    told = dict(zip((t.number for t in study.trials), strategy.history, strict=True))
    for t in pruned:
        assert math.isnan(told[t.number][1])


def test_a_pruned_trial_without_reports_is_a_failure():
    space = make_space()
    strategy = Recording(space, seed=0)

    def objective(trial):
        if trial.number % 2:
            raise TrialPruned  # pruned by the objective itself, before any report
        return 1.0

    tl.minimize(objective, space, strategy=strategy, n_trials=4, progress=False)
    kinds = [c[0] for c in strategy.calls]
    assert kinds == ["tell"] * 4 and math.isnan(strategy.calls[1][2])


@pytest.mark.parametrize(("value", "step", "error"), [
    (math.inf, 3, ValueError), (math.nan, 3, ValueError), ("1", 3, TypeError),
    (1.0, -1, ValueError), (1.0, 2.5, TypeError),
])
def test_tell_pruned_checks_its_arguments(value, step, error):
    strategy = tl.search.RandomSearch(make_space(), seed=0)
    config = strategy.ask()
    with pytest.raises(error, match="value|step"):
        strategy.tell_pruned(config, value, step)
    assert strategy.n_told == 0


@pytest.mark.parametrize("name", ["bayes", "cmaes", "genetic"])
def test_a_resumed_study_tells_its_pruned_trials_the_same(tmp_path, name):
    space = make_space()
    path = tmp_path / "p.db"
    options = {"bayes": {"n_initial": 4, "n_candidates": 64, "n_restarts": 1},
               "genetic": {"population_size": 6}}.get(name)
    first = tl.minimize(curve_objective, space, name, n_trials=14, seed=5, storage=path,
                        strategy_options=options, pruner=Median(2), progress=False)
    assert any(t.state is TrialState.PRUNED for t in first.trials)
    loaded = tl.Study.load(path, pruner=Median(2))
    a, b = first.strategy.history, loaded.strategy.history
    assert [c for c, _ in a] == [c for c, _ in b]
    np.testing.assert_array_equal([v for _, v in a], [v for _, v in b])
    loaded.optimize(curve_objective, 6, progress=False)
    whole = tl.minimize(curve_objective, space, name, n_trials=20, seed=5,
                        strategy_options=options, pruner=Median(2), progress=False)
    assert [t.params for t in loaded.trials] == [t.params for t in whole.trials]
    assert [t.state for t in loaded.trials] == [t.state for t in whole.trials]


def test_loading_a_pruned_study_without_its_pruner_warns(tmp_path):
    path = tmp_path / "w.db"
    tl.minimize(curve_objective, make_space(), n_trials=10, seed=1, storage=path,
                pruner=Median(2), progress=False)
    with pytest.warns(UserWarning, match=r"PRUNED trial\(s\) but no pruner was given"):
        tl.Study.load(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tl.Study.load(path, pruner=Median(2))
