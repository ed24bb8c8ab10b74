"""Behaviours of :mod:`tunelab.search._explain_samplers` found untested by mutation testing:
``sampler_points`` of no ask, and of asks past the first block of 256 random points."""

import numpy as np
import pytest

from tunelab.search import RandomSearch
from tunelab.search._explain_samplers import sampler_points
from tunelab.space import Real, Space

SPACE = Space({"x": Real(0.0, 1.0), "y": Real(-1.0, 1.0), "z": Real(2.0, 3.0)})


@pytest.mark.parametrize(("sampler", "options"), [("random", {}), ("sobol", {}),
                                                  ("lhs", {"design_size": 8})])
def test_no_asks_give_no_points(sampler, options):
    search = RandomSearch(SPACE, sampler=sampler, seed=1, **options)
    assert sampler_points(search, 0).shape == (0, 3)


def test_random_points_past_the_first_block_come_from_the_second_block():
    # blocks of 256 points, block b from default_rng([seed, b]); ask k is row k % 256 of
    # block k // 256
    search = RandomSearch(SPACE, seed=4)
    U = sampler_points(search, 300)
    blocks = [np.random.default_rng([4, b]).random((256, 3)) for b in (0, 1)]
    np.testing.assert_array_equal(U, np.vstack(blocks)[:300])
    asked = [search.ask() for _ in range(300)]
    assert asked[256:] == SPACE.from_unit(blocks[1][:44])
