"""GeneticSearch: rates outside [0, 1] are refused at the boundary, naming the argument."""

import pytest

from tunelab.search import GeneticSearch
from tunelab.space import Integer, Real, Space


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


def _counting(monkeypatch, module, name):
    """Wrap ``module.name`` so that its calls are counted; the list of calls."""
    calls = []
    original = getattr(module, name)

    def wrapper(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return calls


def test_a_block_goes_out_whole_after_exactly_ten_idle_blocks(monkeypatch):
    """Both configurations of the space are told: every child is known, so each block of
    ``N`` children closes its generation without an evaluation; ten such blocks in a row
    queue nothing and the eleventh is handed out whole (no more, no fewer)."""
    from tunelab.search import genetic

    space = Space({"k": Integer(0, 1)})
    search = GeneticSearch(space, population_size=2, seed=3)
    search.tell({"k": 0}, 0.0)
    search.tell({"k": 1}, 1.0)  # two warm starts: the first population
    blocks = _counting(monkeypatch, genetic, "make_offspring")
    config = search.ask()
    assert config["k"] in (0, 1)
    assert len(blocks) == 10 + 1
    assert search.generation_ == 1 + 10  # the warm starts', then ten without an evaluation


def test_steady_state_hands_out_the_last_known_draw_without_joining_it(monkeypatch):
    """Every child is known: an ask draws ``10 N`` children, the first ``10 N - 1`` join the
    population as if told and the last is handed out instead. So each draw either joins or
    goes out, never both: joins into the full population = draws - asks + tells."""
    from tunelab.search import genetic

    space = Space({"k": Integer(0, 2)})
    n = 3
    search = GeneticSearch(space, population_size=n, steady_state=True, seed=4,
                           mutation_rate=0.5)
    for k in range(n):
        search.tell({"k": k}, float(k))  # the whole space told: the first population
    draws = _counting(monkeypatch, genetic, "make_offspring")
    joins = _counting(monkeypatch, genetic, "fitness_order")  # one per join when full
    n_asks = 6
    for i in range(n_asks):
        config = search.ask()
        if i < n_asks - 1:
            search.tell(config, float(config["k"]))
    assert len(draws) == 10 * n * n_asks  # nothing new: every ask uses all its draws
    assert len(joins) == len(draws) - n_asks + (n_asks - 1)
