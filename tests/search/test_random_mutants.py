"""RandomSearch.explain against the asks themselves: on the unit square with identity axes,
the ``unit`` rows are exactly the configurations asked so far, in order, and ``chosen`` is
the configuration the next ask returns; the discrepancy is scipy's centered one."""

import numpy as np
import pytest
from scipy.stats import qmc

from tunelab.search import RandomSearch
from tunelab.space import Real, Space


@pytest.fixture
def square():
    return Space({"x": Real(0.0, 1.0), "y": Real(0.0, 1.0)})


@pytest.mark.parametrize("sampler", ["random", "sobol", "lhs"])
@pytest.mark.parametrize("k", [1, 2, 5])
def test_explain_lists_exactly_the_asks_so_far_and_the_next_one(square, sampler, k):
    search = RandomSearch(square, sampler, seed=11, design_size=4)
    asked = []
    for _ in range(k):
        config = search.ask()
        asked.append([config["x"], config["y"]])
        search.tell(config, config["x"] + config["y"])
    snap = search.explain()
    assert snap["unit"].shape == (k, 2)
    np.testing.assert_allclose(snap["unit"], np.array(asked), rtol=0, atol=1e-15)
    np.testing.assert_allclose(snap["values"], np.array(asked).sum(axis=1))
    assert snap["discrepancy"] == pytest.approx(qmc.discrepancy(np.array(asked), method="CD"))
    nxt = search.ask()  # explain changed nothing: this is ask k
    assert snap["chosen"]["config"] == pytest.approx(nxt, abs=1e-15)
    np.testing.assert_allclose(snap["chosen"]["unit"], [nxt["x"], nxt["y"]], atol=1e-15)


@pytest.mark.parametrize("sampler", ["random", "sobol", "lhs"])
def test_explain_before_any_ask_has_no_points_and_chosen_is_ask_zero(square, sampler):
    search = RandomSearch(square, sampler, seed=5, design_size=3)
    snap = search.explain()
    assert snap["unit"].shape == (0, 2)
    assert np.isnan(snap["discrepancy"])
    assert snap["chosen"]["config"] == pytest.approx(search.ask(), abs=1e-15)
