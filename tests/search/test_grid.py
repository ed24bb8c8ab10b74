"""GridSearch: every grid point once, in order; exhaustion; warm starts; the contract."""

import itertools

import numpy as np
import pytest

from tunelab.exceptions import SearchExhausted, TunelabError
from tunelab.search import GridSearch
from tunelab.space import Categorical, Integer, Real, Space
from tunelab.testing import StrategyContract


class TestGridContract(StrategyContract):
    strategy_class = GridSearch


class TestCoarseGridContract(StrategyContract):
    strategy_class = GridSearch
    options = {"resolution": 3}  # 81 points; 30 in the conditional space


@pytest.fixture
def space():
    return Space({"a": Real(0.0, 1.0), "k": Integer(1, 3), "c": Categorical(["u", "v"])})


def oracle(resolution):
    """The grid of ``space`` written out by hand: product, last name fastest."""
    a = np.linspace(0.0, 1.0, resolution).tolist()
    k = {2: [1, 3], 3: [1, 2, 3]}[resolution]  # min(resolution, 3) integers, ends included
    keys = ("a", "k", "c")
    return [dict(zip(keys, v, strict=True)) for v in itertools.product(a, k, ["u", "v"])]


@pytest.mark.parametrize("resolution", [2, 3])
def test_every_point_once_in_order_then_exhausted(space, resolution):
    search = GridSearch(space, resolution, seed=0)
    want = oracle(resolution)
    assert search.n_points == len(want) == resolution * resolution * 2
    assert [search.ask() for _ in range(len(want))] == want
    with pytest.raises(SearchExhausted, match=f"all {len(want)} grid points"):
        search.ask()
    assert isinstance(SearchExhausted(), TunelabError)
    assert search.n_asked == len(want)


def test_ask_batch_at_the_end(space):
    search = GridSearch(space, 2)
    assert len(search.ask_batch(3)) == 3
    assert len(search.ask_batch(3)) == 3
    assert search.ask_batch(5) == oracle(2)[6:]  # two left: fewer than asked
    with pytest.raises(SearchExhausted):
        search.ask_batch(3)
    assert search.n_asked == 8


def test_told_points_are_skipped(space):
    search = GridSearch(space, 2)
    want = oracle(2)
    search.tell(want[1], 0.5)  # warm start: a grid point told before it was asked
    search.tell(want[3], np.nan)  # a failed one counts as done too
    search.tell({"a": 0.25, "k": 1, "c": "u"}, 1.0)  # off the grid: skips nothing
    assert [search.ask() for _ in range(6)] == [p for i, p in enumerate(want) if i not in (1, 3)]
    with pytest.raises(SearchExhausted):
        search.ask()


def test_telling_an_asked_point_changes_nothing(space):
    told, silent = GridSearch(space, 3), GridSearch(space, 3)
    for _ in range(18):
        config = told.ask()
        told.tell(config, 1.0)
        assert silent.ask() == config


def test_seed_is_stored_but_unused(space):
    a, b = GridSearch(space, 3, seed=1), GridSearch(space, 3, seed=2)
    assert (a.seed, b.seed) == (1, 2)
    assert a.ask_batch(18) == b.ask_batch(18)
    assert isinstance(GridSearch(space).seed, int)


def test_categorical_choices_are_not_merged():
    space = Space({"flag": Categorical([0, False, 1, True])})
    search = GridSearch(space)
    search.tell({"flag": True}, 1.0)
    asked = search.ask_batch(4)
    assert [(type(c["flag"]), c["flag"]) for c in asked] == [(int, 0), (bool, False), (int, 1)]


def test_replay_through_exhaustion(space):
    original = GridSearch(space, 2)
    asked = original.ask_batch(8)
    rebuilt = GridSearch(space, 2)
    for config in asked:
        rebuilt.replay_ask(config)
    with pytest.raises(SearchExhausted):
        rebuilt.replay_ask(asked[0])


def test_conditional_grid():
    space = Space({"model": Categorical(["linear", "mlp"]), "alpha": Real(0.0, 1.0),
                   "hidden": Integer(1, 100)}, conditions={"hidden": ("model", "mlp")})
    configs = GridSearch(space, 3).ask_batch(100)
    assert configs == space.grid(3) and len(configs) == 3 + 3 * 3
    assert all("hidden" not in c for c in configs if c["model"] == "linear")


def test_resolution_dict_and_repr(space):
    search = GridSearch(space, {"a": 4, "k": 2}, seed=0)
    assert search.n_points == 4 * 2 * 2
    assert repr(search) == "GridSearch(resolution={'a': 4, 'k': 2}, seed=0)"


@pytest.mark.parametrize(
    ("resolution", "error", "match"),
    [(0, ValueError, "resolution must be in"), (2.5, TypeError, "resolution must be an integer"),
     ({"a": 2}, ValueError, "resolution needs an entry for parameter 'k'")],
)
def test_resolution_errors(space, resolution, error, match):
    with pytest.raises(error, match=match):
        GridSearch(space, resolution)
