"""GeneticSearch: the contract, generation bookkeeping, failures, warm starts, steady state,
determinism, optimization against random search, and argument validation."""

import math

import numpy as np
import pytest

from tunelab.search import GeneticSearch, RandomSearch, make_strategy
from tunelab.search._ga_operators import fitness_order
from tunelab.space import Categorical, Integer, Real, Space
from tunelab.testing import StrategyContract


class TestGeneticContract(StrategyContract):
    strategy_class = GeneticSearch
    options = {"population_size": 4}  # several generations within a contract run


class TestGeneticDefaultsContract(StrategyContract):
    strategy_class = GeneticSearch


class TestGeneticVariantsContract(StrategyContract):
    strategy_class = GeneticSearch
    options = {"population_size": 3, "selection": "rank", "crossover": "blend",
               "mutation": "gaussian", "elitism": 0, "mutation_rate": 0.5}


class TestSteadyStateContract(StrategyContract):
    strategy_class = GeneticSearch
    options = {"population_size": 4, "steady_state": True}


def sphere_space(d=3):
    return Space({f"x{i}": Real(-1.0, 1.0) for i in range(d)})


def sphere(config, centre=0.3):
    return float(sum((v - centre) ** 2 for v in config.values()))


def run(strategy, objective, n, batch=1):
    while strategy.n_told < n:
        configs = strategy.ask_batch(min(batch, n - strategy.n_told))
        for config in configs:
            strategy.tell(config, objective(config))
    return strategy


# --- generations ------------------------------------------------------------------------------
def test_generation_closes_after_population_size_tells():
    search = GeneticSearch(sphere_space(), population_size=5, seed=0)
    configs = search.ask_batch(5)
    for config in configs[:4]:
        search.tell(config, sphere(config))
    search.ask()  # 4 of 5 told: one more child of generation 0, no selection yet
    assert search.generation_ == 0 and len(search.population_) == 0
    search.tell(configs[4], sphere(configs[4]))
    search.ask()
    assert search.generation_ == 1
    want = sorted(sphere(c) for c in configs)  # the sixth was asked but not told
    np.testing.assert_allclose(search.fitness_, want)


@pytest.mark.parametrize("batch", [2, 3, 4, 6, 7, 13])
def test_batches_told_in_full_give_the_sequential_run(batch):
    """ask_batch stops at the end of a generation (which hands out fewer than six when a
    child is a clone), so batches of any size, each told in full, give the run of single
    asks and tells."""
    options = {"population_size": 6, "crossover_rate": 0.5, "seed": 1}
    reference = run(GeneticSearch(sphere_space(), **options), sphere, 60)
    search = run(GeneticSearch(sphere_space(), **options), sphere, 60, batch)
    assert search.history == reference.history
    np.testing.assert_array_equal(search.population_, reference.population_)


@pytest.mark.parametrize("batch", [4, 7, 13])
def test_any_batch_size_advances_generations(batch):
    search = run(GeneticSearch(sphere_space(), population_size=6, seed=1), sphere, 60, batch)
    search.ask()
    assert search.generation_ >= 4
    assert search.population_.shape == (6, 3) and search.fitness_.shape == (6,)


def test_elites_survive_and_population_is_best_of_candidates():
    search = GeneticSearch(sphere_space(), population_size=6, elitism=2, seed=2)
    run(search, sphere, 6)
    search.ask()  # closes generation 0
    parents, parent_f = search.population_.copy(), search.fitness_.copy()
    for config in search.ask_batch(5):
        search.tell(config, sphere(config) + 10.0)  # every child worse than every parent
    search.tell(search.ask(), 100.0)  # the sixth child; then the generation may close
    search.ask()
    assert search.generation_ == 2
    elites = fitness_order(parent_f)[:2]
    np.testing.assert_allclose(search.population_[:2], parents[elites])
    np.testing.assert_allclose(search.fitness_[:2], parent_f[elites])
    assert np.all(search.fitness_[2:] >= 10.0)  # the rest are children, best first


def test_failures_rank_last():
    search = GeneticSearch(sphere_space(), population_size=8, elitism=0, seed=3)
    configs = search.ask_batch(12)  # generation 0: the batch stops at its end
    configs += search.ask_batch(4)  # 4 more individuals of generation 0, asked ahead
    assert len(configs) == 12
    values = [math.nan if i % 3 == 0 else (math.inf if i % 3 == 1 else sphere(c))
              for i, c in enumerate(configs)]
    for config, value in zip(configs, values, strict=True):
        search.tell(config, value)
    search.ask()
    finite = sorted(v for v in values if math.isfinite(v))
    np.testing.assert_allclose(search.fitness_[: len(finite)], finite)
    assert not np.any(np.isfinite(search.fitness_[len(finite):]))
    assert fitness_order(search.fitness_)[0] == 0


def test_all_failed_still_proposes_inside_the_space():
    space = sphere_space()
    search = run(GeneticSearch(space, population_size=4, seed=4), lambda c: math.nan, 20)
    assert search.generation_ >= 4
    for config in search.ask_batch(5):
        assert space.validate(config) == config


def test_warm_starts_form_the_first_population():
    space = sphere_space()
    search = GeneticSearch(space, population_size=4, seed=5)
    prior = space.sample(np.random.default_rng(0), 6)
    for config in prior:
        search.tell(config, sphere(config))
    search.ask()
    assert search.generation_ == 1  # no random generation was needed
    best = sorted(prior, key=sphere)[:4]
    np.testing.assert_allclose(search.population_, space.to_unit(best))


def test_late_and_unasked_tells_join_the_next_selection():
    space = sphere_space()
    search = GeneticSearch(space, population_size=4, elitism=0, seed=6)
    first = search.ask_batch(5)  # generation 0: the batch stops at its end
    assert len(first) == 4
    first.append(search.ask())  # an extra individual of generation 0: asks run ahead
    for config in first[:4]:
        search.tell(config, 1.0 + sphere(config))
    child = search.ask()  # generation 0 closes without the fifth
    search.tell(first[4], -5.0)  # told late: waits for the next selection
    search.tell({"x0": 0.3, "x1": 0.3, "x2": 0.3}, -10.0)  # a warm start
    for config in [child, *search.ask_batch(3)]:
        search.tell(config, 50.0)
    search.ask()
    assert search.generation_ == 2
    np.testing.assert_allclose(search.fitness_[:2], [-10.0, -5.0])
    np.testing.assert_allclose(search.population_[0], space.to_unit({"x0": 0.3, "x1": 0.3,
                                                                      "x2": 0.3}))


# --- telling back what was handed out -------------------------------------------------------
def few_configs_space():
    """Six configurations in all: children often repeat one another."""
    return Space({"k": Integer(0, 2), "c": Categorical(["a", "b"])})


def shuffled_run(search, copies, n_generations=8, seed=0):
    """Whole generations told in a random order with noisy values; ``copies`` tells
    ``dict(config)`` (as a study does) instead of the very dicts handed out."""
    rng = np.random.default_rng(seed)
    for _ in range(n_generations):
        batch = search.ask_batch(search.population_size)  # the rest of the generation
        batch += search.ask_batch(2)  # asked ahead: some are left untold
        for i in rng.permutation(len(batch))[: search.population_size]:
            config = dict(batch[i]) if copies else batch[i]
            search.tell(config, config["k"] + rng.random())
    return search


def test_telling_copies_or_the_dicts_handed_out_is_the_same():
    """Equal configurations told in any order land in the same slots either way, so that a
    run rebuilt from stored trials (copies) matches the original."""
    a = shuffled_run(GeneticSearch(few_configs_space(), population_size=6, seed=1), False)
    b = shuffled_run(GeneticSearch(few_configs_space(), population_size=6, seed=1), True)
    assert a.history == b.history
    np.testing.assert_array_equal(a.population_, b.population_)
    np.testing.assert_array_equal(a.fitness_, b.fitness_)
    assert a.ask_batch(8) == b.ask_batch(8)


def test_a_config_changed_after_ask_is_validated():
    space = Space({"a": Integer(1, 2), "b": Categorical([True, "x"]), "x": Real(0.0, 1.0)})
    search = GeneticSearch(space, population_size=20, seed=2)
    batch = search.ask_batch(20)
    config = batch[0]
    config["x"] = 2.0
    with pytest.raises(ValueError, match="'x'"):
        search.tell(config, 1.0)
    config["x"] = True  # equal to 1.0, but no real number
    with pytest.raises(ValueError, match="'x'"):
        search.tell(config, 1.0)
    # keys reordered with the same objects: {b: 1, a: True} == {a: 1, b: True}, yet invalid
    config = next(c for c in batch[1:] if c["a"] == 1 and c["b"] is True)
    a, b = config.pop("a"), config.pop("b")
    config["b"], config["a"] = a, b
    with pytest.raises(ValueError, match="'a'"):
        search.tell(config, 1.0)
    assert search.n_told == 0 and search.history == []


def test_a_changed_or_repeated_tell_is_recorded_as_told():
    search = GeneticSearch(sphere_space(), population_size=4, elitism=0, seed=3)
    batch = search.ask_batch(4)
    batch[0]["x0"] = 0.25  # another configuration: joins the next selection
    search.tell(batch[0], -1.0)
    assert search.history[-1] == ({"x0": 0.25, "x1": batch[0]["x1"], "x2": batch[0]["x2"]},
                                  -1.0)
    for config in batch[1:]:
        search.tell(config, 5.0)
    search.tell(batch[1], 7.0)  # told twice: the second is a configuration not asked
    batch[1]["x0"] = 0.5
    assert search.history[1][0]["x0"] != 0.5  # history holds its own copies
    search.ask()  # 3 of generation 0 told, and 2 others waiting: one more child
    assert search.generation_ == 0 and search.n_told == 5
    search.tell(search.ask(), 9.0)  # the fourth of generation 0
    search.ask()
    assert search.generation_ == 1
    np.testing.assert_allclose(search.fitness_, [-1.0, 5.0, 5.0, 5.0])
    np.testing.assert_allclose(search.population_[0, 0], (0.25 + 1.0) / 2.0)


# --- steady state -----------------------------------------------------------------------------
def test_steady_state_replaces_the_worst():
    space = sphere_space()  # every gene mutates: no child is a clone with a known value
    search = GeneticSearch(space, population_size=4, steady_state=True, mutation_rate=1.0,
                           seed=7)
    for value in [4.0, 2.0, math.nan, 3.0]:
        search.tell(search.ask(), value)
    child = search.ask()  # absorbs the four told
    assert sorted(search.fitness_[np.isfinite(search.fitness_)]) == [2.0, 3.0, 4.0]
    search.tell(child, 3.5)  # replaces the failure
    search.tell(search.ask(), 10.0)  # worse than all: dropped
    search.tell(search.ask(), 1.0)  # replaces 4.0
    search.ask()
    assert sorted(search.fitness_) == [1.0, 2.0, 3.0, 3.5]
    assert len(search.population_) == 4


def test_steady_state_optimizes_asynchronously():
    space = sphere_space(4)
    search = GeneticSearch(space, population_size=12, steady_state=True, seed=8)
    pending = search.ask_batch(4)  # four workers
    for _ in range(600):
        config = pending.pop(0)
        search.tell(config, sphere(config))
        pending.append(search.ask())
    assert min(v for _, v in search.history) < 1e-2


# --- determinism ------------------------------------------------------------------------------
def test_same_seed_same_populations():
    a = run(GeneticSearch(sphere_space(), population_size=6, seed=9), sphere, 60, batch=6)
    b = run(GeneticSearch(sphere_space(), population_size=6, seed=9), sphere, 60, batch=6)
    c = run(GeneticSearch(sphere_space(), population_size=6, seed=10), sphere, 60, batch=6)
    np.testing.assert_array_equal(a.population_, b.population_)
    assert a.history == b.history
    assert not np.array_equal(a.population_, c.population_)


# --- optimization -----------------------------------------------------------------------------
def rosenbrock5(config):
    x = np.array(list(config.values()))
    return float(np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))


def test_improves_over_random_search_on_a_smooth_function():
    space = Space({f"x{i}": Real(-2.0, 2.0) for i in range(5)})
    ga, rs = [], []
    for seed in range(5):
        g = run(GeneticSearch(space, seed=seed), rosenbrock5, 1500, batch=50)
        r = run(RandomSearch(space, seed=seed), rosenbrock5, 1500, batch=50)
        ga.append(min(v for _, v in g.history))
        rs.append(min(v for _, v in r.history))
    assert np.median(ga) < 0.2 * np.median(rs)
    assert np.mean(np.array(ga) < np.array(rs)) >= 0.8


def test_finds_integer_and_categorical_optimum():
    space = Space({"x": Real(-1.0, 1.0), "k": Integer(1, 50), "c": Categorical(list("abcde"))})

    def objective(config):
        return (config["x"] - 0.2) ** 2 + 0.01 * (config["k"] - 17) ** 2 + (config["c"] != "d")

    search = run(GeneticSearch(space, population_size=20, seed=11), objective, 1000, batch=20)
    best = min(search.history, key=lambda trial: trial[1])[0]
    assert best["k"] == 17 and best["c"] == "d" and abs(best["x"] - 0.2) < 0.05


def test_log_integer_genes_stay_valid_and_find_the_optimum():
    """Objective :math:`|\\ln u - 5| + |\\log_{10} r + 3|`: a uniform draw of the log box
    (:math:`\\ln 10^5 \\times 6 = 69.1`) lands below ``t`` with chance about
    :math:`2 t^2 / 69.1`; for ``t = 0.05`` that is 7e-5, so 300 random draws get there with
    chance 0.02 on one seed and 1e-5 on all three."""
    space = Space({"units": Integer(1, 100_000, log=True), "lr": Real(1e-6, 1.0, log=True)})
    for seed in (12, 13, 14):
        search = run(GeneticSearch(space, population_size=6, seed=seed),
                     lambda c: abs(math.log(c["units"]) - 5.0) + abs(math.log10(c["lr"]) + 3),
                     300)
        for config, _ in search.history:
            assert space.validate(config) == config and type(config["units"]) is int
        assert min(value for _, value in search.history) < 0.05


# --- validation -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"population_size": 1}, ValueError, "population_size"),
        ({"population_size": 2.5}, TypeError, "population_size"),
        ({"selection": "roulette"}, ValueError, "selection"),
        ({"tournament_size": 0}, ValueError, "tournament_size"),
        ({"crossover": "onepoint"}, ValueError, "crossover"),
        ({"crossover_rate": 1.5}, ValueError, "crossover_rate"),
        ({"eta_c": -1.0}, ValueError, "eta_c"),
        ({"blend_alpha": -0.1}, ValueError, "blend_alpha"),
        ({"mutation": "uniform"}, ValueError, "mutation"),
        ({"mutation_rate": -0.1}, ValueError, "mutation_rate"),
        ({"eta_m": math.inf}, ValueError, "eta_m"),
        ({"sigma": 0.0}, ValueError, "sigma"),
        ({"elitism": 11, "population_size": 10}, ValueError, "elitism"),
        ({"steady_state": "yes"}, TypeError, "steady_state"),
    ],
)
def test_invalid_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        GeneticSearch(sphere_space(), **kwargs)


def test_registered_and_params_round_trip():
    from tunelab.search import make_strategy, names

    assert "genetic" in names()
    search = make_strategy("genetic", sphere_space(), seed=3, population_size=7)
    assert isinstance(search, GeneticSearch)
    assert search.get_params()["population_size"] == 7
    assert search.get_params()["mutation_rate"] is None
    assert repr(search).startswith("GeneticSearch(population_size=7")


@pytest.mark.parametrize("strategy", ["genetic", "cmaes"])
def test_the_array_protocol_builds_no_dict(strategy):
    """Rows handed out and told back unchanged are recorded as rows: no configuration dict
    is built until ``history`` is read."""
    space = sphere_space()
    search = make_strategy(strategy, space, seed=1, population_size=12)
    for _ in range(5):
        X = search.ask_array(12)
        search.tell_array(X, (X**2).sum(axis=1))
        assert all(config is None for config in search._gen.configs)
    assert len(search._unrecorded) == 5 and len(search._history) == 0
    assert len(search.history) == search.n_told and not search._unrecorded
