"""GridSearch.explain against a brute-force grid (itertools.product, last name fastest):
``unit`` holds the points asked so far, ``chosen`` is the point the next ask returns, a point
told before it is asked (warm start) is skipped, and nothing is chosen after the last one."""

import itertools

import numpy as np
import pytest

from tunelab.search import GridSearch
from tunelab.space import Categorical, Integer, Space


@pytest.fixture
def space():
    return Space({"k": Integer(1, 3), "c": Categorical(["a", "b"])})


def brute_grid():
    return [{"k": k, "c": c} for k, c in itertools.product([1, 2, 3], ["a", "b"])]


def test_explain_before_any_ask_has_no_points_and_chooses_the_first(space):
    search = GridSearch(space)
    snap = search.explain()
    assert snap["unit"].shape == (0, 2)
    assert snap["values"].shape == (0,)
    assert snap["chosen"]["config"] == brute_grid()[0]
    np.testing.assert_array_equal(snap["chosen"]["unit"], space.to_unit(brute_grid()[0]))
    assert snap["chosen"]["config"] == search.ask()


def test_explain_skips_a_warm_started_point_as_the_next_ask_does(space):
    grid = brute_grid()
    search = GridSearch(space)
    search.tell(grid[1], 0.0)  # told before asked: done
    assert search.ask() == grid[0]
    snap = search.explain()
    np.testing.assert_array_equal(snap["unit"], space.to_unit([grid[0]]))
    assert snap["chosen"]["config"] == grid[2]
    np.testing.assert_array_equal(snap["chosen"]["unit"], space.to_unit(grid[2]))
    assert search.ask() == grid[2]


def test_explain_walks_the_whole_grid_then_chooses_nothing(space):
    grid = brute_grid()
    search = GridSearch(space)
    for i, point in enumerate(grid):
        snap = search.explain()
        assert snap["chosen"]["config"] == point
        np.testing.assert_array_equal(snap["chosen"]["unit"], space.to_unit(point))
        np.testing.assert_array_equal(snap["unit"], space.to_unit(grid[:i]).reshape(i, 2))
        assert search.ask() == point
    snap = search.explain()
    assert snap["chosen"] is None
    np.testing.assert_array_equal(snap["unit"], space.to_unit(grid))
