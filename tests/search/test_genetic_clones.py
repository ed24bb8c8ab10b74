"""GeneticSearch spends no evaluation on clones: children equal to a configuration already
told take its value instead of being asked, twins within a generation are asked once, failed
values are inherited as failures, a converged population on a tiny space still gets answers,
and all of it replays exactly. The screening itself is checked on crafted blocks."""

import math
import warnings

import numpy as np
import pytest

from tunelab.search import GeneticSearch
from tunelab.search._decoder import Decoder, config_key
from tunelab.search._ga_operators import fitness_order
from tunelab.search._pending import Proposals
from tunelab.search._told_table import KnownValues
from tunelab.space import Categorical, Integer, Real, Space
from tunelab.testing import StrategyContract

CLONING = {"crossover_rate": 0.2, "mutation_rate": 0.05}  # most children copy a parent


class TestGeneticClonesContract(StrategyContract):
    strategy_class = GeneticSearch
    options = {"population_size": 4, **CLONING}


def reals():
    return Space({f"x{i}": Real(-1.0, 1.0) for i in range(3)})


def mixed():
    return Space({"x": Real(-2.0, 3.0), "k": Integer(1, 6), "c": Categorical(["a", "b", "c"])})


def sphere(config):
    return float(sum((v - 0.3) ** 2 for v in config.values() if isinstance(v, float)))


def generations(search, objective, n_generations):
    """Whole generations through ask_batch/tell_batch; the batches, in order."""
    batches = []
    for _ in range(n_generations):
        batch = search.ask_batch(search.population_size)
        search.tell_batch(batch, [objective(c) for c in batch])
        batches.append(batch)
    return batches


def latest_values(search):
    """The latest value told for each configuration (by config_key)."""
    return {config_key(config): value for config, value in search.history}


# --- no evaluation spent on clones -------------------------------------------------------------
def test_clones_are_not_asked_again():
    """With these rates about two children in three copy a parent. No asked configuration
    was told before (the degenerate rule, ten blocks in a row with nothing new and the next
    asked whole, would show as a batch made only of told configurations), and a batch asks
    the rest of a generation: far fewer than the population."""
    search = GeneticSearch(reals(), population_size=20, seed=3, **CLONING)
    told, sizes, whole_known = set(), [], 0
    for _ in range(40):
        generation = search.generation_
        batch = search.ask_batch(20)
        assert search.generation_ >= generation + (generation > 0 or search.n_told > 0)
        keys = [config_key(c) for c in batch]
        seen = [k in told for k in keys]
        assert not any(seen) or all(seen)
        whole_known += all(seen)
        if not any(seen):
            assert len(set(keys)) == len(keys)  # twins are asked once
        search.tell_batch(batch, [sphere(c) for c in batch])
        told.update(keys)
        sizes.append(len(batch))
    assert whole_known == 0
    assert sizes[0] == 20  # generation 0: uniform genomes, all new
    assert np.mean(sizes[1:]) < 0.6 * 20
    assert search.n_asked == search.n_told == sum(sizes) == len(told)
    search.ask()
    assert search.generation_ > 40  # some generations were all clones: no evaluation


def test_the_generations_hold_the_inherited_values():
    """At every selection, the population's values are the values told for its
    configurations, failures included and ranked last: nothing was invented for a clone."""
    space = mixed()

    def objective(config):
        return math.nan if config["c"] == "c" else sphere(config) + 0.1 * config["k"]

    search = GeneticSearch(space, population_size=12, elitism=0, seed=4, **CLONING)
    failures = 0
    for _ in range(12):
        batch = search.ask_batch(12)  # closes the previous generation
        search.tell_batch(batch, [objective(c) for c in batch])
        if search.generation_ == 0:
            continue
        known = latest_values(search)
        want = [known[config_key(c)] for c in space.from_unit(search.population_)]
        np.testing.assert_array_equal(search.fitness_, want)
        assert list(fitness_order(search.fitness_)) == list(range(12))  # nan last, sorted
        failures += np.isnan(search.fitness_).any()
    assert failures > 0


def test_twins_are_asked_once_and_share_the_value():
    """Sixteen uniform draws among forty configurations repeat some: each is asked once,
    and generation 0 closes on its sixteen individuals, twins holding the value told."""
    space = Space({"k": Integer(0, 9), "c": Categorical(list("abcd"))})
    search = GeneticSearch(space, population_size=16, elitism=0, seed=5)
    batch = search.ask_batch(16)
    keys = [config_key(c) for c in batch]
    assert len(set(keys)) == len(keys) < 16
    search.tell_batch(batch, [c["k"] + "abcd".index(c["c"]) for c in batch])
    search.ask()
    assert search.generation_ == 1 and len(search.population_) == 16
    population = space.from_unit(search.population_)
    assert len({config_key(c) for c in population}) == len(batch)
    np.testing.assert_array_equal(search.fitness_,
                                  [c["k"] + "abcd".index(c["c"]) for c in population])


@pytest.mark.parametrize("steady_state", [False, True])
def test_a_converged_population_on_a_tiny_space_still_gets_answers(steady_state):
    """Three configurations in all: soon every child is known. After ten blocks in a row
    with nothing new one is asked whole (generational), after ten population sizes of
    known draws the next is asked (steady state): asks never hang."""
    space = Space({"k": Integer(0, 2)})
    search = GeneticSearch(space, population_size=6, steady_state=steady_state, seed=6)
    asked = []
    for _ in range(30):
        config = search.ask()
        search.tell(config, float(config["k"]))
        asked.append(config["k"])
    assert set(asked) == {0, 1, 2}  # known configurations asked again: the degenerate rule


def test_a_known_value_is_inherited_in_steady_state(monkeypatch):
    """Draws with a known value join the population without being asked: more children
    are drawn than asked, and no asked configuration was told before."""
    from tunelab.search import genetic

    drawn = []
    make_offspring = genetic.make_offspring
    monkeypatch.setattr(genetic, "make_offspring",
                        lambda *args, **kwargs: drawn.append(1) or make_offspring(*args,
                                                                                   **kwargs))
    space = mixed()
    search = GeneticSearch(space, population_size=6, steady_state=True, seed=7,
                           crossover_rate=0.5, mutation_rate=0.1)
    told = set()
    for _ in range(60):
        config = search.ask()
        assert config_key(config) not in told
        told.add(config_key(config))
        search.tell(config, sphere(config))
    assert len(drawn) > 60 - 6 + 5  # asks after the six random ones, and inherited draws
    search.ask()
    known = latest_values(search)
    want = [known[config_key(c)] for c in space.from_unit(search.population_)]
    np.testing.assert_array_equal(search.fitness_, want)


# --- determinism and replay --------------------------------------------------------------------
def test_replay_with_clones_is_exact():
    space = mixed()
    original = GeneticSearch(space, population_size=10, seed=8, **CLONING)
    batches = generations(original, sphere, 12)
    rebuilt = GeneticSearch(space, population_size=10, seed=8, **CLONING)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for batch in batches:
            for config in batch:
                rebuilt.replay_ask(dict(config))
            for config in batch:
                rebuilt.tell(dict(config), sphere(config))
    assert rebuilt.history == original.history
    assert (rebuilt.n_asked, rebuilt.generation_) == (original.n_asked, original.generation_)
    assert rebuilt.ask_batch(10) == original.ask_batch(10)
    np.testing.assert_array_equal(rebuilt.population_, original.population_)
    np.testing.assert_array_equal(rebuilt.fitness_, original.fitness_)


# --- the screening of a block ------------------------------------------------------------------
def tiny():
    return Space({"k": Integer(0, 9), "c": Categorical(["a", "b"])})


def genomes(space, configs):
    return space.to_unit(configs)


def test_screening_inherits_files_twins_and_queues_the_rest():
    space = tiny()
    decoder = Decoder(space)
    A, B, C = {"k": 1, "c": "a"}, {"k": 2, "c": "b"}, {"k": 3, "c": "a"}
    known = KnownValues(decoder)
    known[A] = math.nan  # a failure
    gen = Proposals(decoder, 2, known)
    gen.extend(genomes(space, [A, B, B, C, A]))
    assert gen.queue == [1, 3]  # B and C; the second B waits for the first
    assert gen.n_done == 2 and gen.told.tolist() == [True, False, False, False, True]
    assert all(math.isnan(gen.values[s]) for s in (0, 4))
    handed = gen.hand_out(5, lambda: pytest.fail("no refill"), ahead=False)
    assert handed == [B, C]
    assert gen.record_batch(handed[:1], [4.0]) == [B]
    assert gen.told.tolist() == [True, True, True, False, True] and gen.values[2] == 4.0
    assert gen.n_done == 4 and gen.n_told == 1
    assert known.get(B) == 4.0
    G, f = gen.told_arrays()
    np.testing.assert_array_equal(G, genomes(space, [A, B, B, A]))
    np.testing.assert_array_equal(f, [np.nan, 4.0, 4.0, np.nan])


def test_a_block_with_nothing_new_queues_nothing_or_goes_out_whole():
    space = tiny()
    decoder = Decoder(space)
    A, B = {"k": 1, "c": "a"}, {"k": 2, "c": "b"}
    known = KnownValues(decoder)
    known[A], known[B] = 1.0, 2.0
    gen = Proposals(decoder, 2, known)
    assert not gen.extend(genomes(space, [A, B, A]))
    assert gen.queue == [] and gen.n_done == 3 and gen.values.tolist() == [1.0, 2.0, 1.0]
    assert gen.hand_out(2, lambda: None) == []
    gen = Proposals(decoder, 2, known)
    assert gen.extend(genomes(space, [A, B, A]), whole=True)
    assert gen.queue == [0, 1, 2] and gen.n_done == 0
    handed = gen.hand_out(3, lambda: pytest.fail("no refill"))
    assert handed == [A, B, A]
    assert gen.record_batch(handed, [1.5, 2.5, 3.5]) is None  # twins: one by one
    for config, value in zip(handed, [1.5, 2.5, 3.5], strict=True):
        assert gen.record(gen.recall(config), value)
    assert gen.values.tolist() == [1.5, 2.5, 3.5] and gen.n_done == 3
    assert (known.get(A), known.get(B), len(known)) == (3.5, 2.5, 2)  # the latest value


def test_record_batch_refuses_what_tell_would_treat_otherwise():
    space = tiny()
    gen = Proposals(Decoder(space), 2, KnownValues(Decoder(space)))
    gen.extend(genomes(space, [{"k": k, "c": "a"} for k in range(4)]))
    batch = gen.hand_out(4, lambda: None)
    assert gen.record_batch([dict(batch[0]), *batch[1:]], [1.0] * 4) is None  # a copy
    reordered = {"c": batch[1]["c"], "k": batch[1]["k"]}
    batch[1].clear()
    batch[1].update(reordered)
    assert gen.record_batch(batch[1:2], [1.0]) is None  # keys reordered
    assert gen.record_batch([batch[2], batch[2]], [1.0, 2.0]) is None  # told twice
    batch[3]["k"] = float(batch[3]["k"])  # equal, yet no integer
    assert gen.record_batch(batch[3:], [1.0]) is None
    assert gen.n_told == 0 and not gen.told.any()
    assert gen.record_batch([batch[2], batch[0]], [5.0, 6.0]) == [gen.configs[2],
                                                                   gen.configs[0]]
    assert gen.told.tolist() == [True, False, True, False] and gen.n_told == 2
    assert (gen.values[0], gen.values[2]) == (6.0, 5.0)
    assert gen.record_batch(batch[:1], [7.0]) is None  # told already
