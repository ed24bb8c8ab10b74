"""RandomSearch's "random" fast path against the generic Strategy protocol: the same asks one
at a time, in batches and through ``_ask``; one draw per block of 256; tells of unchanged
copies recognized without a second validation, any other tell validated; design_size's
lower end."""

import numpy as np
import pytest

from tunelab.search import RandomSearch, Strategy
from tunelab.space import Categorical, Integer, Real, Space


@pytest.fixture
def mixed():
    return Space(
        {
            "x": Real(-1.0, 2.0),
            "lr": Real(1e-5, 1.0, log=True),
            "k": Integer(1, 100, log=True),
            "c": Categorical(["a", "b", "c"]),
        }
    )


def reference(space, seed, n):
    """Ask i is row i % 256 of default_rng([seed, i // 256]).random((256, d)), decoded."""
    blocks = {}
    out = []
    for i in range(n):
        b = i // 256
        if b not in blocks:
            blocks[b] = np.random.default_rng([seed, b]).random((256, len(space)))
        out.append(space.from_unit(blocks[b][i % 256]))
    return out


def test_generic_protocol_path_gives_the_same_asks(mixed):
    # Strategy.ask calls the documented _ask protocol; it must agree with the fast path.
    generic = RandomSearch(mixed, seed=3)
    asks = [Strategy.ask(generic) for _ in range(260)]
    assert asks == reference(mixed, 3, 260)
    assert generic.n_asked == 260


@pytest.mark.parametrize("sizes", [[1] * 5 + [300, 2], [255, 1, 1, 256, 10], [513], [256, 256]])
def test_batches_of_any_size_cross_blocks_exactly(mixed, sizes):
    search = RandomSearch(mixed, seed=11)
    got = []
    for n in sizes:
        batch = search.ask_batch(n)
        assert len(batch) == n
        got += batch
    assert got == reference(mixed, 11, sum(sizes))
    assert search.n_asked == sum(sizes)


def test_asks_are_fresh_dicts(mixed):
    search = RandomSearch(mixed, seed=0)
    a = search.ask()
    a["x"] = 99.0
    assert RandomSearch(mixed, seed=0).ask() != a
    b = search.ask_batch(2)
    b[0]["x"] = 99.0
    assert search._decoded(0)[1]["x"] != 99.0


def test_one_decode_per_block_of_256(mixed, monkeypatch):
    calls = []
    real = mixed.from_unit

    def counting(u):
        calls.append(np.shape(u))
        return real(u)

    monkeypatch.setattr(mixed, "from_unit", counting)
    search = RandomSearch(mixed, seed=1)
    for _ in range(300):
        search.ask()
    assert calls == [(256, 4), (256, 4)]
    calls.clear()
    RandomSearch(mixed, seed=1).ask_batch(300)
    assert calls == [(256, 4), (256, 4)]


class Spy:
    def __init__(self, space, monkeypatch):
        self.calls = 0
        real = space.validate

        def validate(config):
            self.calls += 1
            return real(config)

        monkeypatch.setattr(space, "validate", validate)


def test_in_order_tells_of_unchanged_copies_are_not_validated_again(mixed, monkeypatch):
    search = RandomSearch(mixed, seed=4)
    spy = Spy(mixed, monkeypatch)
    for _ in range(5):
        config = search.ask()
        search.tell(dict(config), 1.0)
    assert spy.calls == 0
    assert [c for c, _ in search.history] == reference(mixed, 4, 5)


def test_other_tells_are_validated(mixed, monkeypatch):
    search = RandomSearch(mixed, seed=4)
    asks = search.ask_batch(3)
    spy = Spy(mixed, monkeypatch)
    search.tell(asks[1], 1.0)  # out of order: ask 1 told as the first
    assert spy.calls == 1
    changed = dict(asks[1])
    changed["k"] = float(changed["k"])  # equal, but of another type
    search.tell(changed, 2.0)
    assert spy.calls == 2
    assert type(search.history[-1][0]["k"]) is int
    search.tell(asks[2], 3.0)  # in order again
    assert spy.calls == 2
    with pytest.raises(ValueError):
        search.tell({**asks[0], "x": 5.0}, 1.0)


def test_tell_after_the_block_moved_on_is_validated(mixed, monkeypatch):
    search = RandomSearch(mixed, seed=6)
    first = search.ask()
    search.ask_batch(300)  # the cached block is now block 1
    spy = Spy(mixed, monkeypatch)
    search.tell(first, 0.5)
    assert spy.calls == 1
    assert search.history == [(first, 0.5)]


@pytest.mark.parametrize("sampler", ["sobol", "lhs"])
def test_other_samplers_always_validate_tells(mixed, monkeypatch, sampler):
    search = RandomSearch(mixed, sampler, seed=0)
    config = search.ask()
    spy = Spy(mixed, monkeypatch)
    search.tell(config, 1.0)
    assert spy.calls == 1


def test_tell_of_a_mapping_that_is_not_a_dict_is_validated(mixed, monkeypatch):
    from types import MappingProxyType

    search = RandomSearch(mixed, seed=0)
    config = search.ask()
    spy = Spy(mixed, monkeypatch)
    search.tell(MappingProxyType(config), 1.0)
    assert spy.calls == 1
    assert type(search.history[0][0]) is dict


def test_design_size_one_gives_one_point_designs():
    from scipy.stats import qmc

    space = Space({"a": Real(0.0, 1.0), "b": Real(0.0, 1.0)})
    search = RandomSearch(space, "lhs", seed=9, design_size=1)
    for b in range(3):
        ss = np.random.SeedSequence(9, spawn_key=(b,))
        want = qmc.LatinHypercube(2, scramble=True, seed=np.random.default_rng(ss)).random(1)
        assert search.ask() == space.from_unit(want[0])
    with pytest.raises(ValueError, match="design_size"):
        RandomSearch(space, "lhs", design_size=0)
