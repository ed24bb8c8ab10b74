"""Mixed-space encoding of Bayesian optimization: relaxed points, kernel inputs, designs."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import qmc

from tunelab.search import _bo_encoding as E
from tunelab.space import Categorical, Integer, Real, Space


@pytest.fixture
def mixed():
    return Space({"x": Real(-2.0, 3.0), "lr": Real(1e-4, 1.0, log=True),
                  "units": Integer(1, 64, log=True), "k": Integer(0, 4),
                  "act": Categorical(["relu", "tanh", "sigmoid"])})


@pytest.fixture
def conditional():
    dims = {"model": Categorical(["linear", "mlp", "tree"]), "alpha": Real(1e-6, 1.0, log=True),
            "hidden": Integer(4, 128, log=True), "act": Categorical(["relu", "tanh"]),
            "depth": Integer(1, 10)}
    return Space(dims, conditions={"hidden": ("model", "mlp"), "act": ("model", "mlp"),
                                   "depth": ("model", ["tree"])})


def decode(space, enc, Z):
    return space.from_unit(E.to_unit(enc, Z))


def test_layout(mixed):
    enc = E.make_encoding(mixed)
    assert enc.n_columns == 4 + 3
    assert [list(c) for c in enc.columns] == [[0], [1], [2], [3], [4, 5, 6]]
    np.testing.assert_array_equal(enc.real_columns, [1, 1, 0, 0, 0, 0, 0])
    assert enc.parents == (None,) * 5


def test_layout_conditional(conditional):
    enc = E.make_encoding(conditional)
    assert enc.n_columns == 3 + 1 + 1 + 2 + 1
    assert enc.parents[0] is None and enc.parents[1] is None
    assert enc.parents[2][0] == 0 and list(enc.parents[2][1]) == [1]
    assert enc.parents[4][0] == 0 and list(enc.parents[4][1]) == [2]


def test_relaxed_round_trip_of_configs(mixed):
    enc = E.make_encoding(mixed)
    configs = mixed.sample(np.random.default_rng(0), 200)
    Z = E.to_relaxed(enc, mixed.to_unit(configs))
    assert Z.shape == (200, enc.n_columns)
    np.testing.assert_array_equal(Z[:, 4:].sum(axis=1), 1.0)  # one-hot blocks
    assert decode(mixed, enc, Z) == configs


def test_categorical_decodes_to_argmax(mixed):
    enc = E.make_encoding(mixed)
    Z = np.array([[0.5, 0.5, 0.5, 0.5, 0.2, 0.9, 0.3], [0.5, 0.5, 0.5, 0.5, 0.7, 0.1, 0.69]])
    assert [c["act"] for c in decode(mixed, enc, Z)] == ["tanh", "relu"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=7, max_size=7),
       st.lists(st.floats(0.0, 1.0), min_size=7, max_size=7))
def test_kernel_input_depends_only_on_the_config(z1, z2):
    space = Space({"x": Real(-2.0, 3.0), "lr": Real(1e-4, 1.0, log=True),
                   "units": Integer(1, 64, log=True), "k": Integer(0, 4),
                   "act": Categorical(["relu", "tanh", "sigmoid"])})
    enc = E.make_encoding(space)
    Z = np.array([z1, z2])
    X = E.kernel_input(enc, Z)
    configs = decode(space, enc, Z)
    # T(z) equals the kernel input of the configuration's own encoding ...
    Zc = E.to_relaxed(enc, space.to_unit(configs))
    np.testing.assert_allclose(X, E.kernel_input(enc, Zc), rtol=0, atol=1e-12)
    # ... T is idempotent, equal configurations share one input, and configurations that
    # differ in a discrete parameter get inputs apart (reals may differ by any amount)
    np.testing.assert_array_equal(E.kernel_input(enc, X), X)
    close = bool(np.allclose(X[0], X[1], rtol=0, atol=1e-12))
    if configs[0] == configs[1]:
        assert close
    if any(configs[0][k] != configs[1][k] for k in ("units", "k", "act")):
        assert not close


def test_equivalent_relaxed_points_share_one_kernel_input(mixed):
    """Moving discrete columns inside their bin or below the argmax changes nothing."""
    enc = E.make_encoding(mixed)
    rng = np.random.default_rng(1)
    Z = rng.random((50, enc.n_columns))
    moved = Z.copy()
    for i in range(len(Z)):
        for j, dim in ((2, mixed["units"]), (3, mixed["k"])):
            k = dim.from_unit(Z[i, j : j + 1])
            lo, hi = Z[i, j], Z[i, j]
            for t in np.linspace(0, 1, 2001):  # the bin of k, by brute force
                if dim.from_unit(np.array([t])) == k:
                    lo, hi = min(lo, t), max(hi, t)
            moved[i, j] = rng.uniform(lo, hi)
        block = Z[i, 4:]
        top = np.argmax(block)
        moved[i, 4:] = rng.random(3) * block[top]  # all below the old maximum ...
        moved[i, 4 + top] = block[top]  # ... which stays the argmax
    assert decode(mixed, enc, moved) == decode(mixed, enc, Z)
    np.testing.assert_array_equal(E.kernel_input(enc, moved), E.kernel_input(enc, Z))
    assert not np.array_equal(moved, Z)


def test_integer_kernel_input_is_the_bin_centre(mixed):
    enc = E.make_encoding(mixed)
    Z = np.full((5, enc.n_columns), 0.5)
    Z[:, 3] = [0.0, 0.19, 0.21, 0.5, 1.0]  # Integer(0, 4): bins of width 0.2
    np.testing.assert_allclose(E.kernel_input(enc, Z)[:, 3], [0.1, 0.1, 0.3, 0.5, 0.9])


def test_inactive_dimensions_get_constants(conditional):
    enc = E.make_encoding(conditional)
    rng = np.random.default_rng(2)
    Z = rng.random((300, enc.n_columns))
    X = E.kernel_input(enc, Z)
    model = np.argmax(Z[:, :3], axis=1)
    active = E.active_mask(enc, Z)
    np.testing.assert_array_equal(active[:, 2], model == 1)
    np.testing.assert_array_equal(active[:, 3], model == 1)
    np.testing.assert_array_equal(active[:, 4], model == 2)
    np.testing.assert_array_equal(X[model != 1, 4], 0.5)  # hidden
    np.testing.assert_array_equal(X[model != 1, 5:7], 0.0)  # act one-hot
    np.testing.assert_array_equal(X[model != 2, 7], 0.5)  # depth
    np.testing.assert_array_equal(X[model == 1, 5:7].sum(axis=1), 1.0)
    for x, config in zip(X, decode(conditional, enc, Z), strict=True):  # one input per config
        Zc = E.to_relaxed(enc, conditional.to_unit(config))
        np.testing.assert_allclose(E.kernel_input(enc, Zc)[0], x, atol=1e-12)


def test_gradient_mask_matches_finite_differences(conditional):
    """dT_j/dz_j is 1 exactly on the masked columns and 0 elsewhere (away from bin edges)."""
    enc = E.make_encoding(conditional)
    rng = np.random.default_rng(3)
    Z = rng.uniform(0.05, 0.95, (40, enc.n_columns))
    mask = E.gradient_mask(enc, Z)
    h = 1e-7
    for i in range(len(Z)):
        for j in range(enc.n_columns):
            up = Z[i].copy()
            up[j] += h
            jac = (E.kernel_input(enc, up)[0] - E.kernel_input(enc, Z[i])[0]) / h
            if mask[i, j]:
                np.testing.assert_allclose(jac, np.eye(enc.n_columns)[j], atol=1e-6)
            elif np.any(jac != 0):  # a bin edge or a tie crossed by the step: rare
                pytest.fail(f"column {j} of point {i} is masked but moves T")
    assert mask[:, 3].all() and not mask[:, [0, 1, 2, 4, 5, 6, 7]].any()  # alpha only


def test_sobol_design_is_a_function_of_seed_and_k():
    points = np.array([E.design_point("sobol", 3, 5, 7, k) for k in range(8)])
    ss = np.random.SeedSequence(7, spawn_key=(E._SOBOL,))
    want = qmc.Sobol(3, scramble=True, rng=np.random.default_rng(ss)).random(8)
    np.testing.assert_array_equal(points, want)
    np.testing.assert_array_equal(E.design_point("sobol", 3, 5, 7, 5), points[5])
    assert not np.array_equal(E.design_point("sobol", 3, 5, 8, 5), points[5])


def test_lhs_design_is_latin():
    n = 6
    points = np.array([E.design_point("lhs", 2, n, 3, k) for k in range(2 * n)])
    for block in (points[:n], points[n:]):
        for j in range(2):
            assert sorted(np.floor(block[:, j] * n).astype(int)) == list(range(n))
    assert not np.allclose(points[:n], points[n:])


def test_random_design_draws_fresh_points():
    a = [E.design_point("random", 4, 5, 1, k) for k in range(3)]
    assert len({tuple(p) for p in a}) == 3
    np.testing.assert_array_equal(a[2], E.design_point("random", 4, 5, 1, 2))
    assert all(((p >= 0) & (p < 1)).all() for p in a)
