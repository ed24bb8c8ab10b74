"""Timings of the search space's hot paths: sampling, encoding and decoding, grids, asks.

Run with ``pytest benchmarks/bench_space.py --benchmark-enable`` (benchmarks are disabled by
default in the test configuration).
"""

import numpy as np
import pytest

from tunelab.search import RandomSearch
from tunelab.space import Categorical, Integer, Real, Space

SPACE = Space(
    {
        "alpha": Real(1e-6, 1e2, log=True),
        "l1_ratio": Real(0.0, 1.0),
        "hidden": Integer(8, 256, log=True),
        "layers": Integer(1, 4),
        "activation": Categorical(["relu", "tanh", "sigmoid"]),
        "optimizer": Categorical(["sgd", "momentum", "adam"]),
    }
)
CONDITIONAL = Space(
    {
        "model": Categorical(["linear", "mlp"]),
        "alpha": Real(1e-6, 1e2, log=True),
        "hidden": Integer(8, 256, log=True),
        "activation": Categorical(["relu", "tanh"]),
    },
    conditions={"hidden": ("model", "mlp"), "activation": ("model", "mlp")},
)
N = 1_000


@pytest.mark.parametrize("space", [SPACE, CONDITIONAL], ids=["plain", "conditional"])
def test_sample_1000(benchmark, space):
    benchmark(lambda: space.sample(np.random.default_rng(0), N))


@pytest.mark.parametrize("space", [SPACE, CONDITIONAL], ids=["plain", "conditional"])
def test_to_unit_1000(benchmark, space):
    configs = space.sample(np.random.default_rng(0), N)
    benchmark(space.to_unit, configs)


def test_to_unit_one(benchmark):
    config = SPACE.sample(np.random.default_rng(0))
    benchmark(SPACE.to_unit, config)


def test_from_unit_1000(benchmark):
    u = np.random.default_rng(0).random((N, len(SPACE)))
    benchmark(SPACE.from_unit, u)


def test_validate_one(benchmark):
    config = SPACE.sample(np.random.default_rng(0))
    benchmark(SPACE.validate, config)


def test_grid_resolution_5(benchmark):
    benchmark(SPACE.grid, 5)  # 5 * 5 * 5 * 4 * 3 * 3 = 4500 points


@pytest.mark.parametrize("sampler", ["random", "sobol", "lhs"])
def test_ask_100(benchmark, sampler):
    benchmark(lambda: RandomSearch(SPACE, sampler, seed=0).ask_batch(100))
