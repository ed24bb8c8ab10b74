"""Behaviours of :mod:`tunelab.search._budgeted` found untested by mutation testing: the
seeded streams of new configurations, the default ``min_points``, the model draw itself,
told values, twin jobs of one configuration, and the replay check of the budget."""

import warnings

import numpy as np
import pytest

from tunelab.search import BayesianOptimization, Hyperband, SuccessiveHalving
from tunelab.space import Integer, Real, Space

SPACE = Space({"x": Real(0.0, 1.0), "y": Real(0.0, 1.0)})


def _f(config, budget):
    return float((config["x"] - 0.7) ** 2 + (config["y"] - 0.2) ** 2 + 1.0 / budget)


def test_random_draw_k_comes_from_its_documented_stream():
    # Notes: "draw k is uniform on the unit cube, from default_rng([seed, 1, k])", counted
    # over every new configuration, in the order drawn, across brackets.
    sh = SuccessiveHalving(SPACE, 1, 9, seed=13)
    drawn = []
    for _ in range(2):  # two brackets of 9 + 3 + 1 jobs; rung 0 holds the new draws
        for _ in range(13):
            config, budget = sh.ask_budget()
            if budget == 1:
                drawn.append(config)
            sh.tell(config, _f(config, budget), budget=budget)
    expected = [SPACE.from_unit(np.random.default_rng([13, 1, k]).random(2)) for k in range(18)]
    assert drawn == expected


@pytest.mark.parametrize(("d", "n_min"), [(1, 5), (2, 5), (3, 6), (4, 8), (10, 20), (12, 20)])
def test_default_min_points_is_bo_n_initial_rule(d, n_min):
    # min_points=None: min(max(5, 2d), 20) finite observations make a budget modeled
    space = Space({f"x{i}": Real(0.0, 1.0) for i in range(d)})
    hb = Hyperband(space, 1, 9, sampler="bayes", seed=0)
    rng = np.random.default_rng(d)
    for i in range(n_min):
        assert hb.model_budget() is None, f"modeled after {i} observations"
        hb.tell(space.from_unit(rng.random(d)), float(i), budget=9)
    assert hb.model_budget() == 9


def test_model_draws_are_bo_proposals_with_the_bracket_as_pending_points():
    # A model draw k is BayesianOptimization's next ask, fitted afresh on the observations at
    # the model budget, seeded from SeedSequence([seed, 3, k]), with the kriging believer and
    # the configurations alive in open brackets as its pending points.
    rng = np.random.default_rng(1)
    warm = [SPACE.from_unit(rng.random(2)) for _ in range(6)]
    sh = SuccessiveHalving(SPACE, 1, 9, sampler="bayes", min_points=4, random_fraction=0.0,
                           seed=21)
    for config in warm:
        sh.tell(config, _f(config, 9), budget=9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        draws = [sh.ask_budget()[0] for _ in range(3)]
        for k in range(3):
            seed = int(np.random.SeedSequence([21, 3, k]).generate_state(1, np.uint64)[0] >> 1)
            bo = BayesianOptimization(SPACE, n_initial=4, seed=seed, batch="kb")
            bo.tell_batch(warm, [_f(c, 9) for c in warm])
            for config in draws[:k]:
                bo.replay_ask(config)
            assert bo.ask() == draws[k], f"model draw {k}"
    assert len({(c["x"], c["y"]) for c in draws}) == 3


@pytest.mark.parametrize("value", [True, np.bool_(False), "0.5", None, 1 + 0j])
def test_tell_refuses_a_value_that_is_no_real_number_and_records_nothing(value):
    sh = SuccessiveHalving(SPACE, 1, 9, seed=0)
    config, budget = sh.ask_budget()
    with pytest.raises(TypeError, match="value must be a real number"):
        sh.tell(config, value, budget=budget)
    assert sh.n_told == 0 and sh.history == [] and sh.observations[1] == []
    sh.tell(config, 0.5, budget=budget)  # the job is still pending
    assert sh.explain()["brackets"][0]["rungs"][0]["told"][0]


def test_integer_and_numpy_values_are_told_as_floats():
    sh = SuccessiveHalving(SPACE, 1, 9, seed=0)
    for value in (2, np.float32(0.25), np.int64(3)):
        config, budget = sh.ask_budget()
        sh.tell(config, value, budget=budget)
    values = [v for _, v in sh.history]
    assert values == [2.0, 0.25, 3.0] and all(type(v) is float for v in values)


@pytest.mark.parametrize("plain", [False, True])
def test_twin_jobs_of_one_configuration_are_each_credited(plain):
    # Two values of one integer: nine draws of rung 0 must repeat (pigeonhole), so one
    # configuration has several pending jobs; each tell credits one of them, and once all
    # nine are told the bracket promotes its best three to budget 3.
    space = Space({"k": Integer(1, 2)})
    sh = SuccessiveHalving(space, 1, 9, seed=4)
    batch = sh.ask_budget_batch(9)
    assert [b for _, b in batch] == [1] * 9
    assert len({c["k"] for c, _ in batch}) < 9
    for config, budget in batch:
        if plain:
            sh.tell(config, float(config["k"]))  # the oldest pending job of config
        else:
            sh.tell(config, float(config["k"]), budget=budget)
    rung0 = sh.explain()["brackets"][0]["rungs"][0]
    assert all(rung0["told"]) and sh.explain()["n_pending"] == 0
    assert [sh.ask_budget()[1] for _ in range(3)] == [3, 3, 3]
    assert len(sh.explain()["brackets"]) == 1  # no second bracket opened


def test_replay_with_the_stored_budgets_is_silent_and_another_budget_warns():
    original = Hyperband(SPACE, 1, 9, seed=3)
    jobs = []
    for _ in range(20):
        config, budget = original.ask_budget()
        jobs.append((config, budget))
        original.tell(config, _f(config, budget), budget=budget)
    rebuilt = Hyperband(SPACE, 1, 9, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the own run replays without a warning
        for config, budget in jobs:
            rebuilt.replay_ask(config, budget=budget)
            rebuilt.tell(config, _f(config, budget), budget=budget)
    assert rebuilt.observations == original.observations
    other = Hyperband(SPACE, 1, 9, seed=3)
    config, budget = jobs[0]
    assert budget == 1
    with pytest.warns(UserWarning, match="differs from the stored run"):
        other.replay_ask(config, budget=3)  # the configuration agrees, the budget does not
