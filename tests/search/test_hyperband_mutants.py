"""Behaviours of :mod:`tunelab.search.hyperband` found untested by mutation testing: the
documented defaults (Li et al.'s R = 81 schedule, BOHB's random fraction 1/3)."""

import pytest

from tunelab.search import Hyperband, SuccessiveHalving, make_strategy
from tunelab.space import Real, Space

SPACE = Space({"x": Real(0.0, 1.0)})


def test_hyperband_defaults_are_li_et_al_r_81_and_bohb_fraction():
    hb = Hyperband(SPACE, seed=0)
    # Li et al. (2018), Table 1: R = 81, eta = 3, five brackets from s = 4
    assert hb.budgets == [1, 3, 9, 27, 81] and hb.s_max == 4
    assert [rungs[0] for rungs in hb.brackets()] == [(81, 1), (34, 3), (15, 9), (8, 27), (5, 81)]
    params = hb.get_params()
    assert (params["min_budget"], params["max_budget"], params["eta"]) == (1, 81, 3)
    assert params["random_fraction"] == 1 / 3  # Falkner et al. (2018), Sec. 4
    assert params["sampler"] == "random"


def test_successive_halving_default_random_fraction_is_one_third():
    sh = SuccessiveHalving(SPACE, 1, 27, seed=0)
    assert sh.get_params()["random_fraction"] == 1 / 3
    assert sh.eta == 3 and sh.brackets() == [[(27, 1), (9, 3), (3, 9), (1, 27)]]


@pytest.mark.parametrize("name", ["hyperband", "successive_halving"])
def test_registry_builds_the_same_defaults(name):
    kwargs = {} if name == "hyperband" else {"min_budget": 1, "max_budget": 81}
    strategy = make_strategy(name, SPACE, seed=0, **kwargs)
    assert strategy.random_fraction == 1 / 3 and strategy.budgets == [1, 3, 9, 27, 81]
