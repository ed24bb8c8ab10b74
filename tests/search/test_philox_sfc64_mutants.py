"""Behaviours of :mod:`tunelab.search._philox_sfc64` found untested by mutation testing: a
scalar draw is one draw of the stream, as in NumPy's ``Generator``."""

import numpy as np
import pytest

from tunelab.search._philox_sfc64 import Streams


def _numpy_twin(seed, index):
    """NumPy's Generator over SFC64 at the stream's state (the documented construction)."""
    key = np.random.SeedSequence(seed).generate_state(2, np.uint64)
    words = np.random.Philox(key=key, counter=np.array([0, *index], dtype=np.uint64)
                             ).random_raw(3)
    sfc = np.random.SFC64(0)
    state = sfc.state
    state["state"] = {"state": np.array([*words, 1], dtype=np.uint64)}
    state["has_uint32"], state["uinteger"] = 0, 0
    sfc.state = state
    return np.random.Generator(sfc)


@pytest.mark.parametrize(("seed", "index"), [(0, (1, 2, 3)), (2**40 + 7, (4, 0, 9))])
def test_scalar_uniforms_are_single_draws_of_the_stream(seed, index):
    rng, want = Streams(seed)(*index), _numpy_twin(seed, index)
    got = [rng.random() for _ in range(5)]
    assert all(type(u) is float for u in got)
    assert got == want.random(5).tolist()
    np.testing.assert_array_equal(rng.random(3), want.random(3))  # the stream went on by 5


def test_a_scalar_normal_is_the_first_of_its_box_muller_pair():
    streams = Streams(5)
    z = streams(2, 1, 0).standard_normal()
    pair = streams(2, 1, 0).standard_normal(2)
    assert type(z) is float and z == pair[0]
    rng = streams(2, 1, 0)
    rng.standard_normal()
    u = _numpy_twin(5, (2, 1, 0)).random(3)
    assert rng.random() == u[2]  # the pair used two uniforms, whatever was returned
