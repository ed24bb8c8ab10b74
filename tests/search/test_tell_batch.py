"""Strategy.tell_batch: the same result as telling each pair in order, for every strategy;
the evolutionary strategies' whole-batch path taken for their own configurations and left for
anything else (a foreign or changed configuration, a value that is not a float); argument
validation."""

import math

import numpy as np
import pytest

from tunelab.search import CMAES, GeneticSearch, make_strategy
from tunelab.space import Categorical, Integer, Real, Space


def mixed():
    return Space({"x": Real(-2.0, 3.0), "lr": Real(1e-4, 1.0, log=True),
                  "k": Integer(1, 8), "act": Categorical(["relu", "tanh", "sigmoid"])})


def objective(config):
    return (config["x"] - 1.0) ** 2 + math.log10(config["lr"]) ** 2 + 0.1 * config["k"]


CASES = [
    ("random", {}), ("sobol", {}), ("grid", {"resolution": 3}),
    ("lhs", {"design_size": 8}),
    ("bayes", {"n_initial": 4, "n_candidates": 64, "n_restarts": 1}),
    ("genetic", {"population_size": 6}),
    ("genetic", {"population_size": 6, "crossover_rate": 0.2, "mutation_rate": 0.05}),
    ("genetic", {"population_size": 6, "steady_state": True}),
    ("cmaes", {"population_size": 6}),
    ("cmaes", {"population_size": 4, "restarts": "ipop", "sigma0": 0.05}),
]


def state(strategy):
    """What a strategy's future depends on and what it shows."""
    out = {"history": strategy.history, "n_asked": strategy.n_asked,
           "n_told": strategy.n_told}
    for name in ("population_", "fitness_", "generation_", "mean_", "cov_", "sigma_",
                 "lambda_", "n_restarts_"):
        if hasattr(strategy, name):
            out[name] = np.asarray(getattr(strategy, name)).tolist()
    return out


def drive(strategy, batched, rounds=6):
    """Rounds of ask_batch, then tells of the batch with extras: a warm start, a nan, a
    config changed after its ask and one told twice, every other round."""
    rng = np.random.default_rng(0)
    space = strategy.space
    for r in range(rounds):
        batch = strategy.ask_batch(5)
        configs = list(batch)
        values = [objective(c) for c in batch]
        if r % 2:
            configs.append(space.sample(rng, 1)[0])  # foreign
            values.append(objective(configs[-1]))
            values[0] = math.nan
            configs.append(configs[0])  # told twice
            values.append(1.0)
            if len(batch) > 1:
                configs[1] = dict(configs[1], x=0.5)  # changed after its ask
                values[1] = objective(configs[1])
        if batched:
            strategy.tell_batch(configs, values)
        else:
            for config, value in zip(configs, values, strict=True):
                strategy.tell(config, value)
    return strategy


@pytest.mark.parametrize(("name", "options"), CASES)
def test_tell_batch_is_a_loop_of_tell(name, options):
    space = mixed()
    looped = drive(make_strategy(name, space, seed=3, **options), batched=False)
    batched = drive(make_strategy(name, space, seed=3, **options), batched=True)
    assert state(batched) == state(looped)
    assert batched.ask_batch(4) == looped.ask_batch(4)


class CountingTells:
    """Counts the calls of a strategy's ``tell``."""

    def __init__(self, strategy):
        self.calls = 0
        self.tell = strategy.tell

    def __call__(self, config, value):
        self.calls += 1
        self.tell(config, value)


@pytest.mark.parametrize("cls", [GeneticSearch, CMAES])
def test_own_configurations_are_recorded_at_once(cls):
    strategy = cls(mixed(), population_size=8, seed=4)
    counter = CountingTells(strategy)
    strategy.tell = counter
    batch = strategy.ask_batch(8)
    strategy.tell_batch(batch, np.array([objective(c) for c in batch]))
    assert counter.calls == 0 and strategy.n_told == 8
    assert strategy.history == [(c, objective(c)) for c in batch]
    assert strategy.history[0][0] is not batch[0]  # its own copy
    batch = strategy.ask_batch(8)
    strategy.tell_batch(batch[:3], [1.0, 2, 3.0])  # an int: told one by one
    assert counter.calls == 3
    strategy.tell_batch([dict(c) for c in batch[3:]], [1.0] * len(batch[3:]))  # copies
    assert counter.calls == 3 + len(batch[3:])


def test_invalid_pairs_fail_as_the_loop_would():
    space = mixed()
    strategy = GeneticSearch(space, population_size=6, seed=5)
    batch = strategy.ask_batch(6)
    with pytest.raises(TypeError, match="value"):
        strategy.tell_batch(batch, [1.0, 2.0, "3.0", 4.0, 5.0, 6.0])
    assert strategy.n_told == 2  # the pairs before the bad one were told
    bad = dict(batch[3], k=99)
    with pytest.raises(ValueError, match="'k'"):
        strategy.tell_batch([batch[2], bad], [3.0, 4.0])
    assert strategy.n_told == 3


@pytest.mark.parametrize(
    ("configs", "values", "error", "match"),
    [
        ([{}], [1.0, 2.0], ValueError, "same length"),
        ({"x": 1.0}, [1.0], TypeError, "configs"),
        (5, [1.0], TypeError, "configs"),
        ([{}], 1.0, TypeError, "values"),
        ([{}], "1", TypeError, "values"),
        ([{}], np.ones((1, 1)), ValueError, "values"),
    ],
)
def test_arguments_are_validated(configs, values, error, match):
    strategy = CMAES(mixed(), seed=6)
    with pytest.raises(error, match=match):
        strategy.tell_batch(configs, values)
    assert strategy.n_told == 0


def test_an_empty_batch_tells_nothing():
    strategy = GeneticSearch(mixed(), seed=7)
    strategy.tell_batch([], [])
    strategy.tell_batch([], np.empty(0))
    assert strategy.n_told == 0 and strategy.history == []
