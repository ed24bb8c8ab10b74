"""GeneticSearch.explain: every field against the search's own state or a brute-force replay."""

import pickle

import numpy as np
import pytest

from tunelab.search import GeneticSearch
from tunelab.search._ga_operators import draw, make_offspring
from tunelab.search._jit import split_draws
from tunelab.search._philox_sfc64 import Streams
from tunelab.space import Categorical, Integer, Real, Space

SPACE = Space({"x": Real(1e-3, 10.0, log=True), "y": Real(-2.0, 2.0)})
MIXED = Space({"x": Real(1e-3, 10.0, log=True), "k": Integer(1, 9),
               "c": Categorical(["a", "b", "c"])})


def _f(c):
    v = np.log10(c["x"]) ** 2 + c.get("y", 0.0) ** 2
    return float(v + (c["k"] - 3) ** 2 + (c["c"] == "b") if "k" in c else v)


def _run(ga, n, explain=False):
    asks = []
    for _ in range(n):
        if explain:
            ga.explain()
        c = ga.ask()
        asks.append(c)
        ga.tell(c, _f(c))
    return asks


@pytest.mark.parametrize("space", [SPACE, MIXED])
def test_explain_changes_no_ask(space):
    a = _run(GeneticSearch(space, population_size=6, seed=2), 40)
    b = _run(GeneticSearch(space, population_size=6, seed=2), 40, explain=True)
    assert a == b


def test_population_and_units():
    ga = GeneticSearch(SPACE, population_size=6, seed=0)
    _run(ga, 30)
    snap = ga.explain()
    pickle.dumps(snap)
    pop = snap["population"]
    np.testing.assert_array_equal(pop["unit"], ga.population_)
    np.testing.assert_array_equal(pop["values"], ga.fitness_)
    assert np.all(np.diff(pop["values"]) >= 0)  # best first
    # axis coordinates are the values themselves: x on its log axis, in its own units
    xs = np.array([c["x"] for c in pop["configs"]])
    np.testing.assert_allclose(pop["points"][:, 0], xs)
    np.testing.assert_allclose(xs, 1e-3 * 1e4 ** ga.population_[:, 0], rtol=1e-12)
    assert snap["axes"][0]["log"] and not snap["axes"][1]["log"]
    assert [_f(c) for c in pop["configs"]] == pytest.approx(list(pop["values"]), rel=1e-12)


def test_diversity_by_hand():
    ga = GeneticSearch(MIXED, population_size=7, seed=4)
    _run(ga, 50)
    snap = ga.explain()
    U = ga.population_
    n = len(U)
    total = sum(np.sqrt(sum((U[i, k] - U[j, k]) ** 2 for k in range(U.shape[1])))
                for i in range(n) for j in range(i + 1, n))
    div = snap["diversity"]
    assert div["mean_distance"] == pytest.approx(total / (n * (n - 1) / 2), rel=1e-12)
    means = [sum(U[:, k]) / n for k in range(U.shape[1])]
    std = [np.sqrt(sum((U[i, k] - means[k]) ** 2 for i in range(n)) / n)
           for k in range(U.shape[1])]
    np.testing.assert_allclose(div["gene_std"], std, rtol=1e-12, atol=1e-15)
    distinct = {tuple(sorted(c.items())) for c in MIXED.from_unit(U)}
    assert div["n_unique"] == len(distinct)


@pytest.mark.parametrize("kw", [{"crossover_rate": 0.5},
                                {"selection": "rank", "crossover": "blend", "crossover_rate": 0.5,
                                 "mutation": "gaussian"}])
@pytest.mark.parametrize("space", [SPACE, MIXED])
def test_offspring_provenance_matches_brute_force_replay(space, kw):
    N = 7
    ga = GeneticSearch(space, population_size=N, seed=5, **kw)
    _run(ga, 3 * N + 2)  # generation 2 or 3 under way (clones are not asked)
    ga.ask()  # at least one block of this generation drawn
    snap = ga.explain()
    off, g = snap["offspring"], ga.generation_
    assert g >= 1 and len(off["unit"]) >= N
    streams = Streams(ga.seed)
    ops = ga._ops
    for c in range(len(off["unit"]) // N):
        rows = slice(c * N, (c + 1) * N)
        # the children, and their parents, as the search makes them
        kids, parents = make_offspring(space, ops, ga.population_, ga.fitness_, N,
                                       streams(1, g, c), return_parents=True,
                                       order=np.arange(N))
        np.testing.assert_array_equal(off["unit"][rows], kids)
        np.testing.assert_array_equal(off["parents"][rows, 0], parents[:N])
        np.testing.assert_array_equal(off["parents"][rows, 1],
                                      parents[np.arange(N) ^ 1])
        # the mating and mutation draws, cut from a fresh copy of the stream
        n_pairs = -(-N // 2)
        d = len(space)
        t = ops.tournament_size if ops.selection == "tournament" else 1
        draws, _ = draw(ops, n_pairs, d, streams(1, g, c), ga._genes[0])
        _, p_pair, _, _, _, R, _ = split_draws(draws, 2 * n_pairs * t, n_pairs, d)
        for i in range(N):
            k = c * N + i
            assert off["mated"][k] == (p_pair[i // 2] < ops.crossover_rate)
            for j in range(d):
                assert off["mutated"][k, j] == (R[i, j] < ops.mutation_rate)
            first = ga.population_[off["parents"][k, 0]]
            before = off["before_mutation"][k]
            if not off["mated"][k]:
                np.testing.assert_array_equal(before, first)  # a copy of its first parent
            np.testing.assert_array_equal(before[~off["crossed"][k]],
                                          first[~off["crossed"][k]])
            real = np.array([type(dim) is Real for dim in space.values()])
            keep = real & ~off["mutated"][k]
            np.testing.assert_array_equal(off["unit"][k][keep], before[keep])
            if ops.selection == "tournament":  # the best (lowest row: sorted) contestant
                for p in range(2):
                    assert off["parents"][k, p] == min(off["contestants"][k, p])
            label = "+".join([s for s, on in (("crossover", off["mated"][k]),
                                              ("mutation", off["mutated"][k].any())) if on])
            assert off["operation"][k] == (label or "copy")
    # parents: the population rows selected, counted
    assert off["mated"].any() and not off["mated"].all()  # both kinds of pairs checked
    counts = np.bincount(off["parents"].ravel(), minlength=N)
    np.testing.assert_array_equal(snap["parents"]["index"], np.flatnonzero(counts))
    np.testing.assert_array_equal(snap["parents"]["count"], counts[counts > 0])


def test_offspring_status_and_values_match_history():
    N = 6
    ga = GeneticSearch(MIXED, population_size=N, seed=1)
    _run(ga, 2 * N)
    asked = [ga.ask() for _ in range(2)]
    ga.tell(asked[0], _f(asked[0]))
    off = ga.explain()["offspring"]
    gen = ga._gen
    for slot, status in enumerate(off["status"]):
        if status in ("told", "asked"):
            assert gen._out[slot]
        assert (status in ("told", "inherited")) == bool(off["told"][slot])
    handed = [off["configs"][s] for s in gen.queue[:gen.cursor]]
    assert handed[-2:] == asked
    told = [s for s, st in enumerate(off["status"]) if st == "told"]
    assert [off["values"][s] for s in told] == pytest.approx(
        [_f(off["configs"][s]) for s in told])


def test_generation_zero_is_random():
    ga = GeneticSearch(SPACE, population_size=5, seed=0)
    c = ga.ask()
    snap = ga.explain()
    assert snap["generation"] == 0 and snap["offspring"]["operation"] == ["random"] * 5
    assert snap["offspring"]["configs"][0] == c
    assert (snap["offspring"]["parents"] == -1).all()
    assert len(snap["population"]["unit"]) == 0


def test_survivors_are_the_next_population():
    N = 6
    for seed in range(3):
        ga = GeneticSearch(MIXED, population_size=N, seed=seed, elitism=2)
        _run(ga, 2 * N)
        while not ga.explain()["survivors"]["complete"]:
            _run(ga, 1)
        snap = ga.explain()
        gen = ga.generation_
        ga.ask()  # closes the generation
        assert ga.generation_ == gen + 1
        sv = snap["survivors"]
        np.testing.assert_array_equal(sv["unit"], ga.population_)
        np.testing.assert_array_equal(sv["values"], ga.fitness_)
        elites = [i for i, s in enumerate(sv["source"]) if s == "elite"]
        assert len(elites) <= 2
        old = snap["population"]["unit"][:2]
        for i in elites:
            assert any(np.array_equal(sv["unit"][i], u) for u in old)


def test_survivors_include_told_outsiders():
    N = 4
    ga = GeneticSearch(SPACE, population_size=N, seed=0)
    ga.tell({"x": 1.0, "y": 0.0}, -5.0)  # a warm start, best of all
    _run(ga, N)
    sv = ga.explain()["survivors"]
    assert sv["source"][0] == "told" and sv["values"][0] == -5.0
    assert sv["configs"][0] == {"x": 1.0, "y": 0.0}


def test_steady_state_snapshot():
    ga = GeneticSearch(SPACE, population_size=4, seed=0, steady_state=True)
    _run(ga, 10)
    snap = ga.explain()
    assert snap["mode"] == "steady_state" and snap["offspring"] is None
    np.testing.assert_array_equal(snap["population"]["unit"], ga.population_)


@pytest.mark.parametrize("steady", [False, True])
def test_snapshot_does_not_change_with_the_search(steady):
    import copy

    ga = GeneticSearch(MIXED, population_size=5, seed=0, steady_state=steady)
    _run(ga, 12)
    snap = ga.explain()
    kept = copy.deepcopy(snap)
    _run(ga, 20)  # steady state replaces individuals of the population in place
    for key in ("population", "offspring", "survivors", "pool"):
        if kept[key] is None:
            assert snap[key] is None
            continue
        for field, value in kept[key].items():
            if isinstance(value, np.ndarray):
                np.testing.assert_array_equal(snap[key][field], value)
            else:
                assert snap[key][field] == value
