"""Model-based Hyperband (sampler="bayes"): which budget is modeled, what the model adds."""

import re
import warnings

import numpy as np
import pytest

from tunelab.search import Hyperband, SuccessiveHalving, _budgeted
from tunelab.search.bayes import DegradedWarning
from tunelab.space import Integer, Real, Space

SPACE = Space({"x": Real(0.0, 1.0), "y": Real(0.0, 1.0)})
OPTIMUM = np.array([0.7, 0.2])


def _f(config, budget):
    """A bowl whose low-budget values carry a budget-dependent offset and tilt."""
    x = np.array([config["x"], config["y"]])
    return float(np.sum((x - OPTIMUM) ** 2) + (1.0 / budget) * (1.0 + 0.3 * x[0]))


def _run(strategy, n):
    out = []
    for _ in range(n):
        config, budget = strategy.ask_budget()
        out.append((config, budget))
        strategy.tell(config, _f(config, budget), budget=budget)
    return out


def test_without_enough_observations_bayes_draws_are_the_random_ones():
    # min_points=30: no budget of this short run reaches it
    bayes = Hyperband(SPACE, 1, 9, sampler="bayes", min_points=30, seed=4)
    random = Hyperband(SPACE, 1, 9, sampler="random", seed=4)
    assert _run(bayes, 40) == _run(random, 40)
    assert bayes.model_budget() is None


def test_random_fraction_one_is_random_search():
    bayes = Hyperband(SPACE, 1, 9, sampler="bayes", min_points=2, random_fraction=1.0, seed=1)
    assert _run(bayes, 30) == _run(Hyperband(SPACE, 1, 9, seed=1), 30)
    assert bayes.model_budget() == 9


def test_model_budget_is_the_largest_with_enough_finite_observations():
    hb = Hyperband(SPACE, 1, 9, sampler="bayes", min_points=3, seed=0)
    rng = np.random.default_rng(0)
    assert hb.model_budget() is None
    for budget, n, value in [(1, 5, 1.0), (3, 3, 1.0), (9, 2, 1.0), (9, 4, np.nan)]:
        for _ in range(n):
            hb.tell({"x": rng.random(), "y": rng.random()}, value, budget=budget)
        if budget == 3:
            assert hb.model_budget() == 3
    assert hb.model_budget() == 3  # 9 has two finite values only, with four failures
    hb.tell({"x": 0.5, "y": 0.5}, 2.0, budget=9)
    assert hb.model_budget() == 9


def test_model_draws_concentrate_near_the_optimum_and_spread_out():
    rng = np.random.default_rng(3)
    warm = [{"x": float(a), "y": float(b)} for a, b in rng.random((12, 2))]
    distances = {}
    for sampler in ("random", "bayes"):
        sh = SuccessiveHalving(
            SPACE, 1, 9, sampler=sampler, min_points=8, random_fraction=0.0, seed=5
        )
        for config in warm:
            sh.tell(config, _f(config, 9), budget=9)
        draws = [sh.ask_budget()[0] for _ in range(9)]  # rung 0 of one bracket
        points = np.array([[c["x"], c["y"]] for c in draws])
        distances[sampler] = np.linalg.norm(points - OPTIMUM, axis=1)
        assert len({tuple(p) for p in points}) == 9  # pending points keep the draws apart
    assert np.median(distances["bayes"]) < 0.5 * np.median(distances["random"])


def test_bayes_run_is_deterministic_and_replays_without_refitting(monkeypatch):
    kwargs = {"sampler": "bayes", "min_points": 3, "seed": 9}
    a = SuccessiveHalving(SPACE, 1, 3, **kwargs)
    b = SuccessiveHalving(SPACE, 1, 3, **kwargs)
    jobs = _run(a, 24)
    assert jobs == _run(b, 24)
    assert a.model_budget() == 3
    assert jobs != _run(SuccessiveHalving(SPACE, 1, 3, seed=9), 24)  # model draws were made
    rebuilt = SuccessiveHalving(SPACE, 1, 3, **kwargs)

    def no_fit(*args):
        raise AssertionError("replay_ask fitted a model")

    monkeypatch.setattr(_budgeted.BudgetedSearch, "_model_config", no_fit)
    for config, budget in jobs:
        rebuilt.replay_ask(config, budget=budget)
        rebuilt.tell(config, _f(config, budget), budget=budget)
    monkeypatch.undo()
    assert rebuilt.observations == a.observations
    assert _run(rebuilt, 5) == _run(a, 5)


@pytest.mark.parametrize("options", [{"acquisition": "ei"}, {"kernel": "rbf"}])
def test_bo_options_reach_the_model(options):
    sh = SuccessiveHalving(
        SPACE, 1, 3, sampler="bayes", min_points=3, random_fraction=0.0, bo_options=options, seed=2
    )
    for config in [{"x": 0.1, "y": 0.1}, {"x": 0.9, "y": 0.5}, {"x": 0.6, "y": 0.3}]:
        sh.tell(config, _f(config, 3), budget=3)
    plain = SuccessiveHalving(
        SPACE, 1, 3, sampler="bayes", min_points=3, random_fraction=0.0, seed=2
    )
    for config, value in sh.observations[3]:
        plain.tell(config, value, budget=3)
    assert sh.ask_budget() != plain.ask_budget()


def test_model_warnings_are_relayed_once_per_kind():
    # three configurations only: the models soon propose repeats and warn each time
    hb = Hyperband(
        Space({"k": Integer(1, 3)}),
        1,
        9,
        sampler="bayes",
        min_points=2,
        random_fraction=0.0,
        seed=0,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(60):
            config, budget = hb.ask_budget()
            hb.tell(config, (config["k"] - 2) ** 2 + 1 / budget, budget=budget)
    messages = [str(w.message) for w in caught if w.category is DegradedWarning]
    assert any("repeat" in m for m in messages)
    kinds = [re.sub(r"[0-9.e+-]+", "#", m.split(" [model")[0]) for m in messages]
    assert len(kinds) == len(set(kinds))
    assert all("later warnings of this kind" in m for m in messages)
    assert {w.filename for w in caught} == {__file__}
