"""The evolutionary strategies' plumbing: random streams that are pure functions of the seed
and their index (SFC64 started by Philox at a set counter), and the values known of decoded
configurations."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from tunelab.search._decoder import Decoder, config_key
from tunelab.search._philox_sfc64 import Streams
from tunelab.search._philox_sfc64_jit import philox, sfc64_random, sfc64_words
from tunelab.search._told_table import (
    KNOWN,
    NEW,
    TWIN,
    KnownValues,
    first_equal,
    first_equal_keys,
    store_untold,
)
from tunelab.space import Categorical, Integer, Real, Space


def reference(seed, counter):
    """The reference: the first three words of NumPy's Philox keyed by SeedSequence(seed),
    at ``counter``, as the state of NumPy's SFC64 (counter word 1)."""
    key = np.random.SeedSequence(seed).generate_state(2, np.uint64)
    words = np.random.Philox(key=key, counter=np.array(counter, dtype=np.uint64)).random_raw(3)
    sfc = np.random.SFC64(0)
    state = sfc.state
    state["state"]["state"] = np.array([*words, 1], dtype=np.uint64)
    sfc.state = state
    return np.random.Generator(sfc)


@settings(max_examples=30, deadline=None)
@given(key=st.tuples(st.integers(0, 2**64 - 1), st.integers(0, 2**64 - 1)),
       counter=st.tuples(st.integers(1, 2**64 - 1), *[st.integers(0, 2**64 - 1)] * 3))
def test_philox_kernel_is_numpys(key, counter):
    key, counter = np.array(key, dtype=np.uint64), np.array(counter, dtype=np.uint64)
    before = counter.copy()
    before[0] -= np.uint64(1)  # NumPy's Philox steps its counter before each block
    want = np.random.Philox(key=key, counter=before).random_raw(4)
    np.testing.assert_array_equal(philox(key, counter), want)


@settings(max_examples=30, deadline=None)
@given(state=st.tuples(*[st.integers(0, 2**64 - 1)] * 4), n=st.integers(0, 50))
def test_sfc64_kernels_are_numpys(state, n):
    state = np.array(state, dtype=np.uint64)
    sfc = np.random.SFC64(0)
    numpy_state = sfc.state
    numpy_state["state"]["state"] = state.copy()
    sfc.state = numpy_state
    ours = state.copy()
    np.testing.assert_array_equal(sfc64_words(ours, n), sfc.random_raw(n))
    np.testing.assert_array_equal(ours, sfc.state["state"]["state"])  # advanced alike
    np.testing.assert_array_equal(sfc64_random(ours, n), np.random.Generator(sfc).random(n))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**63 - 1), index=st.tuples(st.integers(0, 3),
                                                        st.integers(0, 10**6),
                                                        st.integers(0, 50)))
def test_a_stream_is_sfc64_keyed_by_philox_at_its_counter(seed, index):
    streams = Streams(seed)
    want = reference(seed, [0, *index])
    rng = streams(*index)
    np.testing.assert_array_equal(rng.random(7), want.random(7))
    np.testing.assert_array_equal(rng.random((2, 3)), want.random((2, 3)))
    u = want.random(6)  # then Box-Muller normals, a pair from each pair of uniforms
    radius, angle = np.sqrt(-2.0 * np.log(1.0 - u[0::2])), 2.0 * np.pi * u[1::2]
    z = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)]).ravel()
    np.testing.assert_allclose(rng.standard_normal(5), z[:5], rtol=1e-15, atol=1e-15)
    assert rng.random() == want.random()  # the odd normal's partner was drawn
    np.testing.assert_array_equal(streams(*index).random(7), reference(seed, [0, *index]).random(7))


def test_box_muller_normals_are_standard_normal():
    z = Streams(3)(1, 2, 3).standard_normal(20_001)
    assert stats.kstest(z, "norm").pvalue > 1e-3
    assert abs(z.mean()) < 0.03 and abs(z.std() - 1.0) < 0.03


def test_streams_do_not_depend_on_the_calls_between():
    streams = Streams(11)
    first = streams(1, 5, 0).random(100)
    streams(1, 5, 1).standard_normal(333)  # an odd number of draws in between
    np.testing.assert_array_equal(streams(1, 5, 0).random(100), first)
    np.testing.assert_array_equal(Streams(11)(1, 5, 0).random(100), first)
    others = [streams(1, 5, 1).random(100), streams(1, 6, 0).random(100),
              streams(2, 5, 0).random(100), Streams(12)(1, 5, 0).random(100)]
    assert not any(np.array_equal(first, other) for other in others)


def spaces():
    return [
        Space({"x": Real(-2.0, 3.0), "lr": Real(1e-5, 1.0, log=True), "k": Integer(-3, 4),
               "units": Integer(1, 1000, log=True), "z": Real(-1.0, 0.0),
               "c": Categorical(["relu", 1, True, 2.5, None])}),
        Space({"model": Categorical(["linear", "mlp"]), "alpha": Real(1e-6, 1.0, log=True),
               "hidden": Integer(4, 128, log=True)}, conditions={"hidden": ("model", "mlp")}),
    ]


def block(space, seed=3, n=300):
    """Decoded unit points with bounds, -0.0 (where z = 0) and repeats."""
    rng = np.random.default_rng(seed)
    U = rng.random((n, len(space)))
    U[rng.random(U.shape) < 0.2] = 0.0
    U[rng.random(U.shape) < 0.2] = 1.0
    U[: n // 3] = U[rng.integers(0, n // 3, n // 3)]
    return Decoder(space)(U)


@pytest.mark.parametrize("space", spaces())
def test_known_values_are_keyed_by_configuration(space):
    """A value is found exactly for the configurations filed (equal values of equal types:
    1 and True stay apart), and the later of equal configurations wins."""
    configs, V = block(space)
    known = KnownValues(Decoder(space))
    half = len(configs) // 2
    known.update(None if V is None else V[:half], configs[:half], np.arange(half) + 0.5)
    reference = {}
    for i, config in enumerate(configs[:half]):
        reference[config_key(config)] = i + 0.5
    found, values = known.lookup(V, configs)
    want = [reference.get(config_key(c)) for c in configs]
    np.testing.assert_array_equal(found, [w is not None for w in want])
    np.testing.assert_array_equal(values[found], [w for w in want if w is not None])
    assert len(known) == len(reference)
    for config in configs[::7]:
        assert known.get(space.validate(dict(config))) == reference.get(config_key(config))


def test_known_values_grow_and_keep_every_value():
    space = Space({"k": Integer(0, 9), "x": Real(0.0, 1.0)})
    decoder = Decoder(space)
    known, reference = KnownValues(decoder), {}
    rng = np.random.default_rng(0)
    for step in range(40):  # 40 blocks of 97: the table doubles several times
        configs, V = decoder(rng.random((97, 2)) ** 3)  # many repeats of x = 0
        values = rng.normal(size=97)
        known.update(V, configs, values)
        for config, value in zip(configs, values, strict=True):
            reference[config_key(config)] = value
        if step % 13 == 0:
            found, got = known.lookup(V, configs)
            assert found.all()
            np.testing.assert_array_equal(got, [reference[config_key(c)] for c in configs])
    assert len(known) == len(reference)


def test_minus_zero_is_zero():
    space = Space({"z": Real(-1.0, 0.0), "w": Real(-1.0, 1.0)})
    known = KnownValues(Decoder(space))
    known[{"z": -0.0, "w": 0.0}] = 1.5
    assert known.get({"z": 0.0, "w": -0.0}) == 1.5
    configs, V = Decoder(space)(np.array([[1.0, 0.5]]))
    assert known.lookup(V, configs)[0].tolist() == [True]


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 80), st.integers(1, 6), st.integers(0, 30))
def test_first_equal_is_the_first_equal_row(seed, n, d, repeats):
    rng = np.random.default_rng(seed)
    V = rng.normal(size=(n, d))
    V[rng.random(V.shape) < 0.3] = 0.0
    rows = rng.integers(0, n, (repeats, 2))
    V[rows[:, 0]] = V[rows[:, 1]]
    V[rng.random(n) < 0.2] *= -0.0  # -0.0 equals 0.0
    V[rng.random(n) < 0.05] = np.finfo(float).max
    brute = [next(k for k in range(n) if np.array_equal(V[i], V[k])) for i in range(n)]
    np.testing.assert_array_equal(first_equal(V), brute)
    keys = [tuple((V[i] + 0.0).tolist()) for i in range(n)]
    np.testing.assert_array_equal(first_equal_keys(keys), brute)


def test_known_values_filed_one_by_one_keep_the_latest():
    """Single filings wait in a dict and join the table in bulk: lookups, large filings and
    ``len`` see them, in the order filed."""
    space = Space({"k": Integer(0, 3), "x": Categorical(["a", "b"])})
    decoder = Decoder(space)
    known, reference = KnownValues(decoder), {}
    rng = np.random.default_rng(1)
    for step in range(3000):  # more than the dict holds: it files itself
        configs, V = decoder(rng.random((1 if step % 50 else 20, 2)))
        values = rng.normal(size=len(configs))
        known.update(V, configs, values)
        reference.update(zip(map(config_key, configs), values.tolist(), strict=True))
        if step % 97 == 0:
            probe, W = decoder(rng.random((8, 2)))
            found, got = known.lookup(W, probe)
            want = [reference.get(config_key(c)) for c in probe]
            assert found.tolist() == [w is not None for w in want]
            assert got[found].tolist() == [w for w in want if w is not None]
    assert len(known) == len(reference) == 8
    assert all(known.get(c) == v for c, v in zip(space.grid(4), map(
        reference.get, map(config_key, space.grid(4))), strict=True))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 60), st.integers(0, 20), st.integers(1, 4))
def test_screen_rows_against_brute_force(seed, n, m, d):
    """Each row is known (an equal row stored: its latest value), new (the first of its
    kind among the pending rows and the block) or a twin of the first equal one."""
    rng = np.random.default_rng(seed)
    pool = rng.integers(-2, 3, (12, d)).astype(float)  # few distinct rows: many repeats
    pool[rng.random(pool.shape) < 0.3] = -0.0
    stored = pool[rng.integers(0, 12, 15)]
    V, pending = pool[rng.integers(0, 12, n)], pool[rng.integers(0, 12, m)]
    space = Space({f"x{j}": Real(-2.0, 2.0) for j in range(d)})
    known = KnownValues(Decoder(space))
    known.update(stored, None, np.arange(15.0))
    new, known_rows, hits, twins, leads = known.screen(V, None, pending if m else None, None)
    verdict, hit, lead = {}, dict(zip(known_rows.tolist(), hits.tolist(), strict=True)), {}
    verdict.update(dict.fromkeys(new.tolist(), NEW))
    verdict.update(dict.fromkeys(known_rows.tolist(), KNOWN))
    verdict.update(dict.fromkeys(twins.tolist(), TWIN))
    lead.update(zip(twins.tolist(), leads.tolist(), strict=True))
    assert sorted(verdict) == list(range(n))
    both = np.vstack([pending, V])
    for i in range(n):
        latest = [k for k in range(15) if np.array_equal(stored[k], V[i])]
        first = next(k for k in range(m + n) if np.array_equal(both[k], V[i]))
        if latest:
            assert (verdict[i], hit[i]) == (KNOWN, latest[-1])
        elif first == m + i:
            assert verdict[i] == NEW
        else:
            assert (verdict[i], lead[i]) == (TWIN, first)


def test_store_untold_stores_all_or_nothing():
    values, told = np.full(5, np.nan), np.array([False, True, False, False, False])
    assert store_untold(values, told, np.array([0, 3]), np.array([1.5, 2.5]))
    np.testing.assert_array_equal(values, [1.5, np.nan, np.nan, 2.5, np.nan])
    assert told.tolist() == [True, True, False, True, False]
    before = values.copy()
    assert not store_untold(values, told, np.array([4, 1]), np.array([7.0, 8.0]))  # 1 is told
    np.testing.assert_array_equal(values, before)
    assert told.tolist() == [True, True, False, True, False]
