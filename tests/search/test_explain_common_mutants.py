"""Behaviours of :mod:`tunelab.search._explain_common` found untested by mutation testing,
against independent references: SciPy's centered discrepancy, the axes of each kind of
dimension, the unit-to-axis map and the coordinates of (conditional) configurations."""

import math

import numpy as np
import pytest
from scipy.stats import qmc

from tunelab.search._explain_common import (
    axes,
    centered_discrepancy,
    configs_to_axis,
    unit_to_axis,
)
from tunelab.space import Categorical, Integer, Real, Space

SPACE = Space({"x": Real(-2.0, 3.0), "lr": Real(1e-4, 1.0, log=True), "k": Integer(1, 4),
               "u": Integer(1, 100, log=True), "c": Categorical(["a", "b", "c"])})


@pytest.mark.parametrize(("n", "d"), [(1, 1), (7, 2), (256, 3), (300, 2), (513, 1)])
def test_centered_discrepancy_is_scipys(n, d):
    U = np.random.default_rng(n + d).random((n, d))
    assert centered_discrepancy(U) == pytest.approx(qmc.discrepancy(U, method="CD"),
                                                    rel=1e-10, abs=1e-15)
    assert math.isnan(centered_discrepancy(np.empty((0, d))))


def test_axes_of_each_kind():
    assert axes(SPACE) == [
        {"name": "x", "kind": "real", "log": False, "low": -2.0, "high": 3.0, "choices": None},
        {"name": "lr", "kind": "real", "log": True, "low": 1e-4, "high": 1.0, "choices": None},
        {"name": "k", "kind": "integer", "log": False, "low": 0.5, "high": 4.5,
         "choices": None},
        {"name": "u", "kind": "integer", "log": True, "low": 0.5, "high": 100.5,
         "choices": None},
        {"name": "c", "kind": "categorical", "log": False, "low": -0.5, "high": 2.5,
         "choices": ["a", "b", "c"]},
    ]


def test_unit_to_axis_by_kind():
    U = np.array([[0.0, 0.0, 0.0, 0.0, 0.0], [0.5, 0.5, 0.5, 0.5, 0.5],
                  [1.0, 1.0, 1.0, 1.0, 1.0], [0.25, 0.75, 0.3, 0.9, 0.7]])
    out = unit_to_axis(SPACE, U)
    expected = [[-2.0 + 5.0 * u, 10 ** (-4 + 4 * v), 0.5 + 4.0 * w,
                 math.exp(math.log(0.5) + z * (math.log(100.5) - math.log(0.5))),
                 min(math.floor(3 * c), 2)] for u, v, w, z, c in U]
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    assert out[2, 4] == 2.0 and out[3, 4] == 2.0 and out[1, 4] == 1.0


def test_configs_to_axis_with_categories_and_an_inactive_parameter():
    space = Space({"model": Categorical(["linear", "mlp"]), "h": Integer(4, 64),
                   "alpha": Real(1e-3, 1.0, log=True)}, conditions={"h": ("model", "mlp")})
    configs = [{"model": "mlp", "h": 8, "alpha": 0.01}, {"model": "linear", "alpha": 0.5}]
    out = configs_to_axis(space, configs)
    np.testing.assert_array_equal(out[0], [1.0, 8.0, 0.01])
    assert out[1, 0] == 0.0 and math.isnan(out[1, 1]) and out[1, 2] == 0.5
    assert configs_to_axis(space, []).shape == (0, 3)
