"""Budgeted strategies in a study: objective(config, budget), stored budgets, exact resume."""

import json
import math
import sqlite3
from concurrent.futures import ThreadPoolExecutor

import pytest

import tunelab as tl
from tunelab.search import Hyperband, SuccessiveHalving
from tunelab.study import TrialState

pytestmark = pytest.mark.filterwarnings("ignore::tunelab.exceptions.TrialFailedWarning")

SPACE = tl.Space({"x": tl.Real(-2.0, 2.0), "k": tl.Integer(1, 4)})


def objective(config, budget):
    """Converges to (x - 0.5)^2 + k/10 as the budget grows; fails for x > 1.8."""
    if config["x"] > 1.8:
        raise ValueError("diverged")
    return (config["x"] - 0.5) ** 2 + config["k"] / 10 + 1.0 / budget


def _direct(strategy, n):
    """The same run driven by hand: (config, budget, value) of each evaluation."""
    out = []
    for _ in range(n):
        config, budget = strategy.ask_budget()
        try:
            value = objective(config, budget)
        except ValueError:
            value = math.nan
        strategy.tell(config, value, budget=budget)
        out.append((config, budget, value))
    return out


def _trials(study):
    return [(t.params, t.budget, math.nan if t.value is None else t.value) for t in study.trials]


def _same(a, b):
    return len(a) == len(b) and all(
        ca == cb and ba == bb and (va == vb or (math.isnan(va) and math.isnan(vb)))
        for (ca, ba, va), (cb, bb, vb) in zip(a, b, strict=True)
    )


@pytest.mark.parametrize(
    ("name", "options", "cls"),
    [
        ("hyperband", {"max_budget": 27}, Hyperband),
        ("successive_halving", {"min_budget": 1, "max_budget": 9}, SuccessiveHalving),
        ("hyperband", {"max_budget": 9, "sampler": "bayes", "min_points": 3}, Hyperband),
    ],
)
def test_minimize_runs_the_strategy_with_budgets(name, options, cls):
    study = tl.minimize(
        objective,
        SPACE,
        strategy=name,
        strategy_options=options,
        n_trials=60,
        seed=3,
        progress=False,
    )
    assert _same(_trials(study), _direct(cls(SPACE, **options, seed=3), 60))
    assert {t.budget for t in study.trials} <= set(study.strategy.budgets)
    assert any(t.state is TrialState.FAILED for t in study.trials)
    assert study.best_value == min(t.value for t in study.trials if t.value is not None)


def test_objective_taking_a_trial_reads_its_budget():
    seen = []

    def take(trial):
        seen.append(trial.budget)
        return objective(trial.params, trial.budget)

    study = tl.minimize(
        take,
        SPACE,
        strategy="hyperband",
        strategy_options={"max_budget": 9},
        n_trials=20,
        seed=0,
        progress=False,
    )
    assert seen == [t.budget for t in study.trials] and seen[:9] == [1] * 9


def test_objective_without_budget_is_refused():
    with pytest.raises(
        TypeError,
        match=r"objective must take \(config, budget\) with the "
        r"budgeted strategy 'hyperband'.*\[1, 3, 9\]",
    ):
        tl.minimize(
            lambda config: 0.0,
            SPACE,
            strategy="hyperband",
            strategy_options={"max_budget": 9},
            n_trials=5,
            progress=False,
        )
    tl.minimize(
        lambda config, *rest: 0.0, SPACE, strategy="hyperband", n_trials=2, progress=False
    )  # *args can take the budget


@pytest.mark.parametrize(
    "options",
    [
        {"max_budget": 27},
        {"max_budget": 9.0, "min_budget": 0.5, "eta": 2},
        {"max_budget": 9, "sampler": "bayes", "min_points": 3},
    ],
)
def test_stored_budgets_and_resume_equals_one_run(tmp_path, options):
    path = tmp_path / "hb.db"
    tl.minimize(
        objective,
        SPACE,
        "hyperband",
        n_trials=37,
        seed=5,
        storage=path,
        strategy_options=options,
        progress=False,
    )
    study = tl.Study.load(path)
    assert study.strategy.n_asked == study.strategy.n_told == 37
    study.optimize(objective, 40, progress=False)
    one = tl.minimize(
        objective, SPACE, "hyperband", n_trials=77, seed=5, strategy_options=options, progress=False
    )
    assert _same(_trials(study), _trials(one))
    assert _same(_trials(tl.Study.load(path)), _trials(one))
    budgets = [t.budget for t in tl.Study.load(path).trials]
    assert [type(b) for b in budgets] == [type(t.budget) for t in one.trials]


class _Stop(Exception):
    pass


def test_resume_after_a_crash_reruns_running_trials_at_their_budget(tmp_path):
    """A callback error in a batch of 4 leaves trials RUNNING, with their budgets stored."""
    path = tmp_path / "crash.db"

    def stop_at_trial_22(study, trial):
        if trial.number == 22:
            raise _Stop

    with ThreadPoolExecutor(4) as pool, pytest.raises(_Stop):
        tl.minimize(
            objective,
            SPACE,
            "hyperband",
            n_trials=60,
            seed=8,
            storage=path,
            n_jobs=4,
            executor=pool,
            strategy_options={"max_budget": 27},
            callbacks=[stop_at_trial_22],
            progress=False,
        )
    study = tl.Study.load(path)
    running = [t for t in study.trials if t.state is TrialState.RUNNING]
    assert [t.number for t in running] == [23] and running[0].budget == 1
    with ThreadPoolExecutor(4) as pool:
        study.optimize(objective, 60 - 23, n_jobs=4, executor=pool, progress=False)
    with ThreadPoolExecutor(4) as pool:
        one = tl.minimize(
            objective,
            SPACE,
            "hyperband",
            n_trials=60,
            seed=8,
            n_jobs=4,
            executor=pool,
            strategy_options={"max_budget": 27},
            progress=False,
        )
    assert _same(_trials(study), _trials(one))


def test_async_workers_never_wait_and_every_budget_is_a_rung():
    with ThreadPoolExecutor(3) as pool:
        study = tl.minimize(
            objective,
            SPACE,
            "successive_halving",
            n_trials=50,
            seed=1,
            n_jobs=3,
            executor=pool,
            mode="async",
            progress=False,
            strategy_options={"min_budget": 1, "max_budget": 9},
        )
    assert len(study.trials) == 50
    assert all(t.state.is_finished and t.budget in (1, 3, 9) for t in study.trials)


def test_old_database_without_budgets_table_opens(tmp_path):
    path = tmp_path / "old.db"
    tl.minimize(
        lambda c: c["x"] ** 2, SPACE, "random", n_trials=5, seed=0, storage=path, progress=False
    )
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE budgets")
    study = tl.Study.load(path)
    assert [t.budget for t in study.trials] == [None] * 5
    study.optimize(lambda c: c["x"] ** 2, 3, progress=False)
    assert len(tl.Study.load(path).trials) == 8


def test_trial_dict_keeps_the_budget_only_when_it_has_one():
    study = tl.minimize(
        objective,
        SPACE,
        "hyperband",
        n_trials=3,
        seed=0,
        progress=False,
        strategy_options={"max_budget": 9},
    )
    data = study.trials[0].to_dict()
    assert data["budget"] == 1
    assert tl.study.Trial.from_dict(json.loads(json.dumps(data))) == study.trials[0]
    plain = tl.minimize(lambda c: 0.0, SPACE, n_trials=1, progress=False).trials[0]
    assert "budget" not in plain.to_dict()
