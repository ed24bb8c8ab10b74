"""GridSearch's default resolution by its effect: five evenly spaced values per real
dimension (log-spaced on a log scale), every category, in product order."""

import itertools

import numpy as np

from tunelab.search import GridSearch
from tunelab.space import Categorical, Real, Space


def test_default_resolution_is_five_points_per_numeric_dimension():
    space = Space(
        {"x": Real(0.0, 1.0), "lr": Real(1e-4, 1.0, log=True), "c": Categorical(["a", "b"])}
    )
    search = GridSearch(space)
    assert search.n_points == 5 * 5 * 2
    xs, lrs = np.linspace(0.0, 1.0, 5), np.logspace(-4, 0, 5)
    want = list(itertools.product(xs, lrs, "ab"))
    got = [search.ask() for _ in range(search.n_points)]
    for config, (x, lr, c) in zip(got, want, strict=True):
        assert abs(config["x"] - x) <= 1e-15
        assert abs(config["lr"] - lr) <= 1e-15 * lr
        assert config["c"] == c
