"""Acquisition maximization of Bayesian optimization: gradients, refinement, hyperparameters."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.optimize import approx_fprime
from threadpoolctl import threadpool_limits

from tunelab.gp import GaussianProcess, Matern
from tunelab.search import _bo_acquisition as Q
from tunelab.search import _bo_batch
from tunelab.search import _bo_encoding as E
from tunelab.search import _bo_surrogate as S
from tunelab.search._slice_sampling import slice_sample
from tunelab.space import Categorical, Integer, Real, Space


@pytest.fixture(autouse=True)
def _one_blas_thread():
    with threadpool_limits(1):  # small matrices: threads only contend on a shared machine
        yield


def fitted_gp(seed=0, n=12, D=3, noise=1e-6):
    rng = np.random.default_rng(seed)
    X = rng.random((n, D))
    y = np.sin(5 * X[:, 0]) + X[:, 1] ** 2 - X[:, 2 % D]
    y = (y - y.mean()) / y.std()
    kernel = Matern(nu=2.5, lengthscale=rng.uniform(0.3, 0.8, D), variance=1.3)
    return GaussianProcess(kernel, noise=noise).fit(X, y)


def test_posterior_grad_matches_predict_gradient():
    gp = fitted_gp()
    X = np.random.default_rng(1).random((6, 3))
    mean, std, dmean, dstd = S.posterior_grad(gp, X)
    for i, x in enumerate(X):
        m, s, dm, ds = gp.predict_gradient(x)
        assert mean[i] == pytest.approx(m, rel=1e-10)
        assert std[i] == pytest.approx(s, rel=1e-8)
        np.testing.assert_allclose(dmean[i], dm, rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(dstd[i], ds, rtol=1e-7, atol=1e-10)
    m2, s2 = gp.predict(X, return_std=True)
    np.testing.assert_allclose(mean, m2, rtol=1e-10)
    np.testing.assert_allclose(std, s2, rtol=1e-8)


def central_differences(f, x, h):
    """:math:`(f(x + h e_i) - f(x - h e_i)) / 2h`: error :math:`O(h^2)`, for steep tails."""
    eye = np.eye(len(x))
    return np.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in eye])


def penalty_for(gp, rng):
    Xp = rng.random((2, 3))
    mu, sigma = gp.predict(Xp, return_std=True)
    return Xp, mu, np.maximum(sigma, 1e-3), 3.0, -0.5


@settings(max_examples=25, deadline=None)
@given(name=st.sampled_from(["ei", "logei", "pi", "ucb"]), n_gps=st.sampled_from([1, 3]),
       penalized=st.booleans(), seed=st.integers(0, 1000))
def test_acquisition_gradient_matches_finite_differences(name, n_gps, penalized, seed):
    rng = np.random.default_rng(seed)
    gps = [fitted_gp(seed=s) for s in range(n_gps)]
    sur = Q.Surrogate(gps, best=-1.0, penalty=penalty_for(gps[0], rng) if penalized else None)
    X = rng.uniform(0.05, 0.95, (3, 3))
    values, grads = Q.acquisition_grad(name, sur, X, xi=0.01, beta=1.5)
    np.testing.assert_allclose(values, Q.acquisition(name, sur, X, 0.01, 1.5), rtol=1e-10)
    for x, g in zip(X, grads, strict=True):
        def f(t, name=name, sur=sur):
            return Q.acquisition(name, sur, t[None, :], 0.01, 1.5)[0]

        fd = central_differences(f, x, 1e-6)
        np.testing.assert_allclose(g, fd, rtol=2e-4, atol=1e-5 * max(1.0, np.abs(fd).max()))


@pytest.mark.parametrize("name", ["ei", "logei", "pi", "ucb"])
def test_acquisition_values_against_formulas(name):
    gp = fitted_gp()
    X = np.random.default_rng(2).random((50, 3))
    mean, std = gp.predict(X, return_std=True)
    best, xi, beta = -0.7, 0.05, 2.0
    z = (best - mean - xi) / std
    want = {"ei": std * (z * stats.norm.cdf(z) + stats.norm.pdf(z)),
            "logei": np.log(std * (z * stats.norm.cdf(z) + stats.norm.pdf(z))),
            "pi": stats.norm.logcdf(z), "ucb": -(mean - beta * std)}[name]
    got = Q.acquisition(name, Q.Surrogate([gp], best), X, xi, beta)
    np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-300)


def test_ensemble_averages_the_acquisitions():
    gps = [fitted_gp(seed=s) for s in range(3)]
    X = np.random.default_rng(3).random((20, 3))
    each = np.array([Q.acquisition("ei", Q.Surrogate([g], -0.5), X, 0.0, 2.0) for g in gps])
    np.testing.assert_allclose(Q.acquisition("ei", Q.Surrogate(gps, -0.5), X, 0.0, 2.0),
                               each.mean(axis=0), rtol=1e-12)
    log_ei = Q.acquisition("logei", Q.Surrogate(gps, -0.5), X, 0.0, 2.0)
    np.testing.assert_allclose(log_ei, np.log(each.mean(axis=0)), rtol=1e-8)


def test_ucb_under_penalty_is_log_softplus():
    gp = fitted_gp()
    rng = np.random.default_rng(4)
    X = rng.random((10, 3))
    penalty = penalty_for(gp, rng)
    mean, std = gp.predict(X, return_std=True)
    want = np.log(np.log1p(np.exp(-(mean - 2.0 * std))))
    want += _bo_batch.log_penalty(X, *penalty)
    got = Q.acquisition("ucb", Q.Surrogate([gp], 0.0, penalty), X, 0.0, 2.0)
    np.testing.assert_allclose(got, want, rtol=1e-10)


def mixed_encoding():
    space = Space({"x": Real(0.0, 1.0), "k": Integer(0, 9), "c": Categorical(["a", "b"]),
                   "y": Real(0.0, 1.0)})
    return E.make_encoding(space)


def test_refine_improves_and_keeps_discrete_columns():
    enc = mixed_encoding()
    rng = np.random.default_rng(5)
    Zt = rng.random((15, enc.n_columns))
    Xt = E.kernel_input(enc, Zt)
    y = (Xt[:, 0] - 0.3) ** 2 + (Xt[:, 4] - 0.6) ** 2 + 0.2 * Xt[:, 2]
    gp = GaussianProcess(Matern(lengthscale=np.full(enc.n_columns, 0.5)), noise=1e-6)
    sur = Q.Surrogate([gp.fit(Xt, (y - y.mean()) / y.std())], best=-1.0)
    Z0 = rng.random((4, enc.n_columns))
    before = Q.acquisition("logei", sur, E.kernel_input(enc, Z0), 0.0, 2.0)
    Z, after = Q.refine("logei", sur, enc, Z0, 0.0, 2.0)
    assert np.all(after >= before - 1e-12) and np.any(after > before + 1e-6)
    np.testing.assert_array_equal(Z[:, [1, 2, 3]], Z0[:, [1, 2, 3]])  # k and c untouched
    np.testing.assert_allclose(after, Q.acquisition("logei", sur, E.kernel_input(enc, Z), 0, 2))
    assert np.all((Z >= 0) & (Z <= 1))


def test_maximize_finds_the_grid_argmax():
    """On a 1-D problem the refined maximum is at least the best of a fine grid."""
    space = Space({"x": Real(0.0, 1.0)})
    enc = E.make_encoding(space)
    X = np.array([[0.05], [0.3], [0.5], [0.8], [0.95]])
    y = np.array([1.0, -0.5, 0.2, -0.4, 1.2])
    sur = Q.Surrogate([GaussianProcess(Matern(lengthscale=0.2), noise=1e-6).fit(X, y)], -0.5)
    Z, values = Q.maximize("ei", sur, enc, np.random.default_rng(0), 64, 3, X[[1]], 0.0, 2.0)
    grid = np.linspace(0, 1, 20001)[:, None]
    assert values[0] >= Q.acquisition("ei", sur, grid, 0.0, 2.0).max() - 1e-9
    assert np.all(np.diff(values) <= 0)  # ranked, best first
    np.testing.assert_allclose(Q.acquisition("ei", sur, E.kernel_input(enc, Z[:1]), 0, 2),
                               values[:1])


def test_candidates_include_local_points_inside_the_cube():
    enc = mixed_encoding()
    centres = np.full((2, enc.n_columns), 0.5)
    Z = Q.candidates(enc, np.random.default_rng(0), 64, centres)
    assert Z.shape == (64 + 16, enc.n_columns)
    assert np.all((Z >= 0) & (Z <= 1))
    assert np.abs(Z[64:] - 0.5).max(axis=1).min() < 0.1  # some very near a centre


def test_thompson_ranks_by_a_posterior_draw():
    space = Space({"x": Real(0.0, 1.0)})
    enc = E.make_encoding(space)
    X = np.linspace(0, 1, 30)[:, None]
    gp = GaussianProcess(Matern(lengthscale=0.3), noise=1e-8).fit(X, (X[:, 0] - 0.7) ** 2)
    Z = Q.thompson(gp, enc, np.random.default_rng(1), 256, np.empty((0, 1)))
    assert len(Z) == len(np.unique(Z, axis=0))
    assert abs(Z[0, 0] - 0.7) < 0.05  # the posterior is nearly exact: the draw's argmin


def test_log_prior_against_scipy_and_finite_differences():
    prior = S.log_prior(D=4, n_theta=6)
    theta = np.random.default_rng(6).normal(size=6)
    lp, dlp = prior(theta)
    mu = np.sqrt(2) + 0.5 * np.log(4)
    want = (stats.norm.logpdf(theta[:4], mu, np.sqrt(3)).sum()
            + stats.norm.logpdf(theta[4], 0, 1) + stats.norm.logpdf(theta[5], np.log(1e-4), 2))
    assert lp == pytest.approx(want, rel=1e-12)
    np.testing.assert_allclose(dlp, approx_fprime(theta, lambda t: prior(t)[0], 1e-7),
                               rtol=1e-5, atol=1e-6)


def test_slice_sampler_draws_from_a_known_density():
    mean, sd = np.array([0.5, -0.3]), np.array([1.0, 0.5])

    def logp(t):
        return float(stats.norm.logpdf(t, mean, sd).sum())

    bounds = np.array([[-6.0, 6.0], [-6.0, 6.0]])
    samples = slice_sample(logp, np.zeros(2), bounds, 3000, 50, np.random.default_rng(0))
    assert samples.shape == (3000, 2)
    np.testing.assert_allclose(samples.mean(axis=0), mean, atol=0.1)
    np.testing.assert_allclose(samples.std(axis=0), sd, rtol=0.08)
    # a truncated density: the samples respect the bounds and match scipy's truncnorm mean
    tight = np.array([[0.0, 6.0], [-6.0, 6.0]])
    s2 = slice_sample(logp, np.ones(2), tight, 3000, 50, np.random.default_rng(1))
    assert s2[:, 0].min() >= 0.0
    want = stats.truncnorm.mean(-0.5, np.inf, loc=0.5, scale=1.0)
    assert s2[:, 0].mean() == pytest.approx(want, abs=0.08)
