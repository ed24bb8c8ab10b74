"""fANOVA importances against the closed form of an additive function on the unit cube.

f = sin(2 pi x1) + 2 x2 + 0 x3 with x uniform: Var[sin(2 pi x1)] = 1/2, Var[2 x2] = 4/12,
so the main-effect fractions are 0.6, 0.4 and 0.
"""

import numpy as np
import pytest

import tunelab as tl


def _study(n):
    space = tl.Space({"x1": tl.Real(0.0, 1.0), "x2": tl.Real(0.0, 1.0),
                      "x3": tl.Real(0.0, 1.0)})
    study = tl.Study(space, "random", seed=3)
    study.optimize(lambda p: float(np.sin(2 * np.pi * p["x1"]) + 2 * p["x2"]), n_trials=n)
    return study


def test_additive_function_matches_closed_form():
    imp = tl.study.importances(_study(60), seed=0)
    assert list(imp) == ["x1", "x2", "x3"]
    assert sum(imp.values()) == pytest.approx(1.0)
    np.testing.assert_allclose([imp["x1"], imp["x2"], imp["x3"]], [0.6, 0.4, 0.0], atol=0.04)


def test_deterministic_given_seed():
    study = _study(20)
    assert tl.study.importances(study, seed=1) == tl.study.importances(study, seed=1)


def test_too_few_trials_rejected():
    with pytest.raises(ValueError, match="COMPLETE trials"):
        tl.study.importances(_study(1))
    with pytest.raises(ValueError, match="n_grid"):
        tl.study.importances(_study(3), n_grid=1)
