"""Behaviours of :mod:`tunelab.search._base` found untested by mutation testing: the default
``tell_pruned``, a drawn seed's 63 bits, ``ask_batch`` at exhaustion, an empty
``tell_array``, and where the replay warning points."""

import math
import warnings

import numpy as np
import pytest

from tunelab.exceptions import SearchExhausted
from tunelab.search import GeneticSearch, GridSearch, Hyperband, RandomSearch
from tunelab.space import Categorical, Real, Space

SPACE = Space({"x": Real(0.0, 1.0), "c": Categorical(["a", "b"])})


def test_default_tell_pruned_tells_a_failure_and_accepts_step_zero():
    search = RandomSearch(SPACE, seed=0)
    config = search.ask()
    search.tell_pruned(config, 0.25, step=0)
    search.tell_pruned(config, 0.5, step=3)
    assert [c for c, _ in search.history] == [config, config]
    assert all(math.isnan(v) for _, v in search.history)


@pytest.mark.parametrize(("value", "step", "error"), [(math.inf, 1, ValueError),
                                                      (math.nan, 1, ValueError),
                                                      (0.5, -1, ValueError),
                                                      ("0.5", 1, TypeError)])
def test_tell_pruned_refuses_a_non_finite_value_or_a_negative_step(value, step, error):
    search = RandomSearch(SPACE, seed=0)
    with pytest.raises(error):
        search.tell_pruned(search.ask(), value, step=step)
    assert search.n_told == 0


def test_a_drawn_seed_has_63_bits():
    # seed=None draws 128 bits of entropy and keeps the top 63: below 2^63 (an SQLite
    # INTEGER), and at least 2^62 half the time (all 64 below: probability 2^-64)
    seeds = [RandomSearch(SPACE).seed for _ in range(64)]
    assert all(0 <= s < 2**63 for s in seeds)
    assert max(seeds) >= 2**62


def test_ask_batch_returns_what_is_left_then_raises():
    grid = GridSearch(Space({"c": Categorical(["a", "b", "c"])}))
    assert grid.ask_batch(5) == [{"c": "a"}, {"c": "b"}, {"c": "c"}]
    with pytest.raises(SearchExhausted):
        grid.ask_batch(2)


@pytest.mark.parametrize("make", [lambda: RandomSearch(SPACE, seed=1),
                                  lambda: GeneticSearch(SPACE, population_size=4, seed=1)])
def test_an_empty_tell_array_tells_nothing(make):
    search = make()
    X = search.ask_array(4)
    search.tell_array(np.empty((0, 2)), np.empty(0))
    assert search.n_told == 0 and search.history == []
    search.tell_array(X, np.arange(4.0))
    assert [v for _, v in search.history] == [0.0, 1.0, 2.0, 3.0]


@pytest.mark.parametrize("make", [lambda: RandomSearch(SPACE, seed=2),
                                  lambda: Hyperband(SPACE, 1, 9, seed=2)])
def test_the_replay_warning_points_at_the_callers_line(make):
    search = make()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search.replay_ask({"x": 0.123, "c": "b"})
    assert [w.filename for w in caught] == [__file__]
    assert "differs from the stored run" in str(caught[0].message)
