"""Trial, TrialState and run_trial: outcomes, reports, the objective calling rule."""

import functools
import math
import pickle
import re
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tunelab.study.executors import check_picklable, run_trial, takes_trial
from tunelab.study.trial import Trial, TrialPruned, TrialState


def _run(objective, params=None, pass_trial=None):
    trial = Trial(0, params or {"x": 2.0})
    if pass_trial is None:
        pass_trial = takes_trial(objective)
    return run_trial(objective, trial, pass_trial)


def test_complete_trial_records_value_and_times():
    trial = _run(lambda config: config["x"] ** 2)
    assert trial.state is TrialState.COMPLETE and trial.value == 4.0 and trial.error is None
    assert trial.datetime_start.tzinfo is UTC
    assert trial.datetime_start <= trial.datetime_complete <= datetime.now(UTC)
    assert trial.duration == trial.datetime_complete - trial.datetime_start


@pytest.mark.parametrize("result", [np.float32(1.25), np.int64(3), np.array(0.5), 7, 1e308])
def test_numeric_results_are_accepted(result):
    trial = _run(lambda config: result)
    assert trial.state is TrialState.COMPLETE
    assert trial.value == float(result) and type(trial.value) is float


@pytest.mark.parametrize(
    ("result", "text"),
    [("abc", "TypeError: .*'abc' of type str"), (None, "TypeError: .*None"),
     (True, "TypeError: .*bool"), (np.ones(2), "TypeError: .*ndarray"),
     (math.nan, "ValueError: the objective returned nan"),
     (-math.inf, "ValueError: the objective returned -inf"), (1 + 2j, "TypeError: .*complex")],
)
def test_bad_results_fail_the_trial(result, text):
    trial = _run(lambda config: result)
    assert trial.state is TrialState.FAILED and trial.value is None
    assert re.match(text, trial.error)


@settings(max_examples=60, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_any_float_result(value):
    trial = _run(lambda config: value, pass_trial=False)
    if math.isfinite(value):
        assert trial.state is TrialState.COMPLETE and trial.value == value
    else:
        assert trial.state is TrialState.FAILED and trial.value is None
        assert trial.error == f"ValueError: the objective returned {value}; values must be finite"


def _raises(config):
    raise ZeroDivisionError("deliberate")


def test_exception_fails_the_trial_with_its_traceback():
    trial = _run(_raises)
    assert trial.state is TrialState.FAILED and trial.value is None
    assert trial.error.startswith("Traceback (most recent call last)")
    assert "_raises" in trial.error and trial.error.rstrip().endswith(
        "ZeroDivisionError: deliberate")
    assert trial.datetime_complete is not None


def test_keyboard_interrupt_propagates():
    def objective(config):
        raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        _run(objective)


def test_objective_gets_a_copy_of_the_config():
    def objective(config):
        config["x"] = 99.0
        return 1.0
    trial = _run(objective)
    assert trial.params == {"x": 2.0}


def test_pruned_trial_keeps_last_reported_value():
    def objective(trial):
        for step in (0, 3, 1):
            trial.report(step, 10.0 - step)
        raise TrialPruned("enough")
    trial = _run(objective)
    assert trial.state is TrialState.PRUNED and trial.value == 7.0  # step 3 is the largest
    assert trial.intermediate_values == {0: 10.0, 3: 7.0, 1: 9.0}
    assert _run(lambda trial: (_ for _ in ()).throw(TrialPruned())).value is None


def test_should_prune_asks_the_pruner():
    seen = []

    def pruner(trial):
        seen.append(dict(trial.intermediate_values))
        return trial.last_intermediate_value() > 5

    def objective(trial):
        for step in range(10):
            trial.report(step, float(step))
            if trial.should_prune():
                raise TrialPruned
        return 0.0

    trial = Trial(0, {})
    assert not trial.should_prune()  # no pruner: never
    trial._pruner = pruner
    run_trial(objective, trial, True)
    assert trial.state is TrialState.PRUNED and trial.value == 6.0 and len(seen) == 7
    assert trial._pruner is None


class _Callable:
    def __call__(self, trial):
        return 0.0


def _annotated(t: Trial) -> float:
    return 0.0


def test_takes_trial_rule():
    assert takes_trial(lambda trial: 0.0)
    assert takes_trial(_annotated)
    assert takes_trial(_Callable())
    assert takes_trial(functools.partial(lambda trial, k: 0.0, k=1))
    assert not takes_trial(lambda config: 0.0)
    assert not takes_trial(lambda params, trial=None: 0.0)
    assert not takes_trial(lambda **kw: 0.0)
    assert not takes_trial(print)


def test_trial_receives_trial_object():
    trial = _run(lambda trial: trial.params["x"] + trial.number)
    assert trial.value == 2.0


def test_report_validates():
    trial = Trial(0, {})
    with pytest.raises(ValueError, match="step"):
        trial.report(-1, 1.0)
    with pytest.raises(TypeError, match="step"):
        trial.report(1.5, 1.0)
    with pytest.raises(TypeError, match="value"):
        trial.report(1, "1.0")
    trial.report(2, 1.0)
    trial.report(2, math.nan)
    assert math.isnan(trial.intermediate_values[2])


def test_dict_round_trip_and_equality():
    trial = _run(lambda trial: trial.report(0, math.nan) or 3.5, {"a": 1, "b": "s", "c": None})
    data = trial.to_dict()
    assert data["state"] == "COMPLETE" and data["duration"] == trial.duration.total_seconds()
    again = Trial.from_dict(data)
    assert again == trial and again is not trial
    assert again != Trial.from_dict({**data, "value": 3.0})
    assert again != Trial.from_dict({**data, "params": {"a": 1.0, "b": "s", "c": None}})
    assert "Trial(number=0, state=COMPLETE, value=3.5" in repr(trial)
    assert pickle.loads(pickle.dumps(trial)) == trial


def test_state_is_finished():
    assert not TrialState.RUNNING.is_finished
    assert all(s.is_finished for s in TrialState if s is not TrialState.RUNNING)


def test_check_picklable():
    check_picklable(_raises)
    with pytest.raises(TypeError, match="objective must be picklable.*top level"):
        check_picklable(lambda config: 0.0)


def test_pass_trial_overrides_the_signature():
    import tunelab as tl

    space = tl.Space({"x": tl.Real(0.0, 1.0)})
    seen = []

    def by_name(trial):  # named trial, told to take the config
        seen.append(type(trial))
        return 0.0

    def other(t):  # any name, told to take the trial
        seen.append(type(t))
        if isinstance(t, Trial):
            t.report(1, 0.5)
        return 0.0

    tl.minimize(by_name, space, n_trials=1, seed=0, progress=False, pass_trial=False)
    study = tl.minimize(other, space, n_trials=1, seed=0, progress=False, pass_trial=True)
    tl.minimize(other, space, n_trials=1, seed=0, progress=False)  # the rule: a config
    assert seen == [dict, Trial, dict]
    assert study.trials[0].intermediate_values == {1: 0.5}


@pytest.mark.parametrize("bad", [1, "yes", 0.0])
def test_pass_trial_must_be_bool_or_none(bad):
    import tunelab as tl

    space = tl.Space({"x": tl.Real(0.0, 1.0)})
    with pytest.raises(TypeError, match="pass_trial must be True, False or None"):
        tl.minimize(lambda c: 0.0, space, n_trials=1, pass_trial=bad)
    with pytest.raises(TypeError, match="pass_trial"):
        tl.Study(space).optimize(lambda c: 0.0, n_trials=1, pass_trial=bad)


def test_pass_trial_lets_a_budgeted_objective_take_the_trial():
    import tunelab as tl

    space = tl.Space({"x": tl.Real(0.0, 1.0)})
    budgets = []

    def objective(t):  # one parameter: refused unless it takes the trial
        budgets.append(t.budget)
        return t.params["x"]

    with pytest.raises(TypeError, match="objective must take"):
        tl.minimize(objective, space, strategy="hyperband", n_trials=3, seed=0,
                    strategy_options={"min_budget": 1, "max_budget": 9}, progress=False)
    tl.minimize(objective, space, strategy="hyperband", n_trials=3, seed=0, pass_trial=True,
                strategy_options={"min_budget": 1, "max_budget": 9}, progress=False)
    assert len(budgets) == 3 and all(b in (1, 3, 9) for b in budgets)
