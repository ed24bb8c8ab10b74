"""The evolutionary strategies' plumbing: random streams that are pure functions of the seed and
their index (Philox with a set counter), and the identities of decoded configurations."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tunelab.search._decoder import Decoder, config_key
from tunelab.search._proposals import Streams
from tunelab.space import Categorical, Integer, Real, Space


def philox(seed, counter):
    """The reference: a fresh Philox keyed by SeedSequence(seed), at ``counter``."""
    key = np.random.SeedSequence(seed).generate_state(2, np.uint64)
    return np.random.Generator(np.random.Philox(key=key, counter=np.array(counter,
                                                                           dtype=np.uint64)))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**63 - 1), index=st.tuples(st.integers(0, 3),
                                                        st.integers(0, 10**6),
                                                        st.integers(0, 50)))
def test_a_stream_is_philox_at_its_counter(seed, index):
    streams = Streams(seed)
    want = philox(seed, [0, *index])
    rng = streams(*index)
    np.testing.assert_array_equal(rng.random(7), want.random(7))
    np.testing.assert_array_equal(rng.standard_normal(5), want.standard_normal(5))
    np.testing.assert_array_equal(streams(*index).random(7), philox(seed, [0, *index]).random(7))


def test_streams_do_not_depend_on_the_calls_between():
    streams = Streams(11)
    first = streams(1, 5, 0).random(100)
    streams(1, 5, 1).standard_normal(333)  # an odd number of draws in between
    streams(2, 0, 0).integers(0, 10, 7)  # and 32-bit ones
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


@pytest.mark.parametrize("space", spaces())
def test_keys_are_the_identities_of_configurations(space):
    """keys of a decoded block and key of each validated configuration agree, and equal
    keys are exactly equal configurations (values and types: 1 and True stay apart)."""
    rng = np.random.default_rng(3)
    U = rng.random((300, len(space)))
    U[rng.random(U.shape) < 0.2] = 0.0  # bounds, and -0.0 where z = 0
    U[rng.random(U.shape) < 0.2] = 1.0
    U[:100] = U[rng.integers(0, 100, 100)]  # repeats
    decoder = Decoder(space)
    configs, V = decoder(U)
    keys = decoder.keys(configs, V)
    assert keys == [decoder.key(space.validate(dict(c))) for c in configs]
    identities = [config_key(c) for c in configs]
    for i in range(0, 300, 3):
        for j in range(300):
            assert (keys[i] == keys[j]) == (identities[i] == identities[j])


def test_minus_zero_is_zero():
    space = Space({"z": Real(-1.0, 0.0), "w": Real(-1.0, 1.0)})
    decoder = Decoder(space)
    assert decoder.key({"z": -0.0, "w": 0.0}) == decoder.key({"z": 0.0, "w": -0.0})
    configs, V = decoder(np.array([[1.0, 0.5]]))
    assert decoder.keys(configs, V)[0] == decoder.key({"z": -0.0, "w": 0.0})
