"""GeneticSearch: rates outside [0, 1] are refused at the boundary, naming the argument."""

import pytest

from tunelab.search import GeneticSearch
from tunelab.space import Real, Space


@pytest.mark.parametrize("name", ["mutation_rate", "crossover_rate"])
@pytest.mark.parametrize("value", [-0.1, 1.5])
def test_a_rate_outside_the_unit_interval_is_refused(name, value):
    space = Space({"x": Real(0.0, 1.0)})
    with pytest.raises(ValueError, match=name):
        GeneticSearch(space, seed=0, **{name: value})
    GeneticSearch(space, seed=0, **{name: 1.0})  # the bound itself is a valid rate


def test_population_size_warm_starts_make_the_first_generation():
    space = Space({"x": Real(0.0, 1.0)})
    search = GeneticSearch(space, population_size=4, seed=0)
    for x in (0.1, 0.2, 0.3, 0.4):
        search.tell({"x": x}, (x - 0.3) ** 2)
    search.ask()
    assert search.generation_ == 1
    assert sorted(search.population_[:, 0].round(12).tolist()) == [0.1, 0.2, 0.3, 0.4]


def test_steady_state_replaces_the_worst_by_an_equal_value():
    """'Not worse' replaces: a tie with the worst individual takes its place."""
    space = Space({"x": Real(0.0, 1.0)})
    search = GeneticSearch(space, population_size=2, steady_state=True, seed=0)
    for x in (0.1, 0.2, 0.7):
        search.tell({"x": x}, 1.0)
    search.ask()  # absorbs the told individuals
    assert 0.7 in search.population_[:, 0].round(12).tolist()
