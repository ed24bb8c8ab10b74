"""Acquisition maximization (``tunelab.search._bo_acquisition``): the spread of the local
candidates, distinct restarts, and acquisitions that are not finite everywhere.

References: the documented step scales (robust scale estimates of the steps), brute-force
counts of distinct kernel inputs, and acquisitions registered here whose finite region is
known in closed form."""

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from tunelab.gp import GaussianProcess, Matern
from tunelab.gp import acquisition as A
from tunelab.search import _bo_acquisition as Q
from tunelab.search import _bo_encoding as E
from tunelab.space import Categorical, Integer, Real, Space

MAD = 0.6744897501960817  # median |N(0, 1)|, scipy.stats.norm.ppf(0.75)


@pytest.fixture(autouse=True)
def _one_blas_thread():
    with threadpool_limits(1):
        yield


def real_encoding(d):
    return E.make_encoding(Space({f"x{i}": Real(0.0, 1.0) for i in range(d)}))


def test_local_candidates_have_the_documented_step_scales():
    """Local point ``i`` steps around its centre with standard deviation 0.01, 0.05, 0.2 for
    ``i % 3 = 0, 1, 2`` (one centre). The median absolute step over 0.675 estimates each
    scale; the clip at the cube's faces (2.5 sd for 0.2) leaves the median unchanged."""
    enc = real_encoding(3)
    centre = np.full((1, 3), 0.5)
    n = 4 * 3 * 1000
    Z = Q.candidates(enc, np.random.default_rng(0), n, centre)
    local = Z[n:] - 0.5
    assert local.shape == (n // 4, 3)
    for k, scale in enumerate([0.01, 0.05, 0.2]):
        estimate = np.median(np.abs(local[k::3])) / MAD
        assert estimate == pytest.approx(scale, rel=0.1)


def test_local_candidates_are_clipped_onto_the_cube():
    """Around a centre near a corner, steps past the faces are clipped onto them: every
    candidate lies in [0, 1] and some sit exactly on the face 1."""
    enc = real_encoding(2)
    centre = np.full((1, 2), 0.98)
    Z = Q.candidates(enc, np.random.default_rng(1), 400, centre)
    assert np.all((Z >= 0.0) & (Z <= 1.0))
    assert np.sum(Z[400:] == 1.0) > 20  # about half of the steps cross the face


def discrete_setup():
    space = Space({"k": Integer(0, 2), "c": Categorical(["a", "b"])})
    enc = E.make_encoding(space)
    rng = np.random.default_rng(2)
    Zt = rng.random((10, enc.n_columns))
    Xt = E.kernel_input(enc, Zt)
    y = Xt[:, 0] + 0.5 * Xt[:, 1]
    gp = GaussianProcess(Matern(lengthscale=np.full(enc.n_columns, 0.5)), noise=1e-4)
    return enc, Q.Surrogate([gp.fit(Xt, y)], best=float(y.min()))


def test_restarts_have_distinct_kernel_inputs():
    """Three integers times two choices give six kernel inputs; asked for ten restarts,
    ``maximize_steps`` starts from six candidates, one per distinct input (brute force:
    ``np.unique`` of the candidates' kernel inputs)."""
    enc, sur = discrete_setup()
    Z, values, starts = Q.maximize_steps("ei", sur, enc, np.random.default_rng(3), 64, 10,
                                         np.empty((0, enc.n_columns)), 0.0, 2.0)
    X = E.kernel_input(enc, Z[:64])
    n_distinct = len(np.unique(X, axis=0))
    assert n_distinct == 6
    assert len(starts) == n_distinct
    assert len(np.unique(X[starts], axis=0)) == n_distinct
    assert len(Z) == 64 + n_distinct


def test_restarts_are_the_best_candidates_when_inputs_are_distinct():
    """With real inputs every candidate is distinct: the starts are the ``n_restarts`` best
    values, in order (a full sort as the reference)."""
    enc = real_encoding(2)
    rng = np.random.default_rng(4)
    Xt = rng.random((8, 2))
    gp = GaussianProcess(Matern(lengthscale=[0.3, 0.3]), noise=1e-4).fit(Xt, Xt.sum(axis=1))
    sur = Q.Surrogate([gp], best=float(Xt.sum(axis=1).min()))
    Z, values, starts = Q.maximize_steps("ei", sur, enc, np.random.default_rng(5), 32, 4,
                                         np.empty((0, 2)), 0.0, 2.0)
    want = np.argsort(-values[:32], kind="stable")[:4]
    np.testing.assert_array_equal(starts, want)


def one_d_gp():
    X = np.linspace(0.0, 1.0, 8)[:, None]
    return GaussianProcess(Matern(lengthscale=0.5), noise=1e-6).fit(X, X[:, 0])


def register_cliff(monkeypatch, fill):
    """``a = -mean`` where ``mean > 0.4`` (x > 0.4 for the GP of ``one_d_gp``), else
    ``fill`` (``-inf`` or ``nan``); its gradient points toward the cliff."""

    def value_grad(mean, std, best, xi, beta):
        mean = np.asarray(mean, dtype=float)
        a = np.where(mean > 0.4, -mean, fill)
        return a, -np.ones_like(mean), np.zeros_like(mean)

    acq = A.Acquisition("cliff", value_grad, None)
    monkeypatch.setitem(A.ACQUISITIONS, "cliff", acq)


@pytest.mark.parametrize("fill", [-np.inf, np.nan])
def test_refine_does_not_step_off_a_cliff(monkeypatch, fill):
    """The gradient ascends toward x = 0.4, past which the acquisition is not finite;
    refinement ends at a finite value no worse than its start, on the finite side."""
    register_cliff(monkeypatch, fill)
    sur = Q.Surrogate([one_d_gp()], best=0.0)
    enc = real_encoding(1)
    Z0 = np.array([[0.8]])
    start = Q.acquisition("cliff", sur, Z0, 0.0, 2.0)[0]
    Z, after = Q.refine("cliff", sur, enc, Z0, 0.0, 2.0)
    assert np.isfinite(after[0])
    assert after[0] >= start
    assert 0.4 - 1e-3 < Z[0, 0] <= 0.8


def test_nan_acquisition_values_rank_as_minus_infinity(monkeypatch):
    """``maximize_steps`` reports ``nan`` as ``-inf``: candidates past the cliff score
    ``-inf``, the refined ends are finite, and ``maximize`` ranks a finite point first."""
    register_cliff(monkeypatch, np.nan)
    sur = Q.Surrogate([one_d_gp()], best=0.0)
    enc = real_encoding(1)
    centres = np.empty((0, 1))
    Z, values, starts = Q.maximize_steps("cliff", sur, enc, np.random.default_rng(6), 64, 3,
                                         centres, 0.0, 2.0)
    assert not np.any(np.isnan(values)) and not np.any(values == np.inf)
    mean = sur.gps[0].predict(Z)
    np.testing.assert_array_equal(values[mean <= 0.4], -np.inf)
    assert np.all(np.isfinite(values[mean > 0.4]))
    Zm, vm = Q.maximize("cliff", sur, enc, np.random.default_rng(6), 64, 3, centres, 0.0, 2.0)
    assert np.isfinite(vm[0]) and vm[0] == values.max()


def test_an_acquisition_nan_everywhere_gives_minus_infinity_everywhere(monkeypatch):
    """No finite value anywhere: every candidate and every refined end scores ``-inf``."""

    def value_grad(mean, std, best, xi, beta):
        mean = np.asarray(mean, dtype=float)
        return np.full_like(mean, np.nan), np.zeros_like(mean), np.zeros_like(mean)

    monkeypatch.setitem(A.ACQUISITIONS, "void", A.Acquisition("void", value_grad, None))
    sur = Q.Surrogate([one_d_gp()], best=0.0)
    Z, values, starts = Q.maximize_steps("void", sur, real_encoding(1),
                                         np.random.default_rng(7), 16, 2, np.empty((0, 1)),
                                         0.0, 2.0)
    assert len(starts) == 2 and len(values) == 18
    np.testing.assert_array_equal(values, -np.inf)
