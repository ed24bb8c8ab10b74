"""Behaviours of the Bayesian-optimization encoding that the mutation run found untested."""

import dataclasses

import numpy as np
import pytest
from scipy.stats import qmc

from tunelab.search import _bo_encoding as E
from tunelab.space import Categorical, Real, Space


def test_encoding_is_immutable():
    enc = E.make_encoding(Space({"x": Real(0.0, 1.0)}))
    with pytest.raises(dataclasses.FrozenInstanceError):
        enc.n_columns = 3


def test_unit_code_one_relaxes_to_the_last_choice_as_space_decodes_it():
    """u = 1 is the closed end of the last bin: the relaxed one-hot agrees with Space."""
    space = Space({"c": Categorical(["a", "b", "c"]), "d": Categorical(["p", "q"])})
    enc = E.make_encoding(space)
    U = np.array([[1.0, 1.0], [0.0, 0.99], [0.5, 0.0]])
    Z = E.to_relaxed(enc, U)
    np.testing.assert_array_equal(Z, [[0, 0, 1, 0, 1], [1, 0, 0, 0, 1], [0, 1, 0, 1, 0]])
    assert space.from_unit(E.to_unit(enc, Z)) == space.from_unit(U)


def test_lhs_points_are_spread_inside_their_cells():
    """McKay et al. (1979): uniform positions inside the cells, not the cell centres."""
    n = 8
    points = np.array([E.design_point("lhs", 3, n, 5, k) for k in range(n)])
    offsets = (points * n) % 1.0
    assert np.abs(offsets - 0.5).max() > 0.1
    # the positions of many designs are uniform on [0, 1): mean 1/2, variance 1/12
    many = np.concatenate([(np.array([E.design_point("lhs", 2, n, s, k) for k in range(n)])
                            * n % 1.0).ravel() for s in range(40)])
    assert abs(many.mean() - 0.5) < 0.05 and abs(many.var() - 1 / 12) < 0.02


def test_sobol_candidates_are_scrambled_by_the_generator():
    """Owen-scrambled points depend on the generator; the plain sequence starts at 0."""
    a = E.sobol_points(16, 3, np.random.default_rng(0))
    b = E.sobol_points(16, 3, np.random.default_rng(1))
    assert not np.allclose(a, b)
    plain = qmc.Sobol(3, scramble=False).random(16)
    assert not np.any(np.all(a == 0.0, axis=1)) and np.array_equal(plain[0], [0, 0, 0])
    # still a (t, m, s)-net: each of the 16 boxes of width 1/16 in every column holds one point
    for j in range(3):
        assert sorted(np.floor(a[:, j] * 16).astype(int)) == list(range(16))
