"""The surrogate of Bayesian optimization (``tunelab.search._bo_surrogate``): fixed
hyperparameters against scikit-learn, posterior gradients of a normalized GP against finite
differences, the noise bounds, the subset of the hyperparameter fit, the restarts, MAP with a
fitted noise, and slice sampling where the likelihood fails."""

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import tunelab.gp._mll as mll_module
from tunelab.gp import GaussianProcess, Matern
from tunelab.search import _bo_surrogate as S

sk_gp = pytest.importorskip("sklearn.gaussian_process")
sk_kernels = pytest.importorskip("sklearn.gaussian_process.kernels")


@pytest.fixture(autouse=True)
def _one_blas_thread():
    with threadpool_limits(1):
        yield


def data(seed, n=15, D=3):
    rng = np.random.default_rng(seed)
    X = rng.random((n, D))
    y = np.sin(4 * X[:, 0]) + X[:, -1] - 0.5 * X[:, D // 2] ** 2
    return X, S.standardize(y)


@pytest.mark.parametrize("kernel, nu", [("matern52", 2.5), ("matern32", 1.5),
                                        ("matern12", 0.5), ("rbf", None)])
def test_fixed_hyperparameters_are_the_documented_start(kernel, nu):
    """``fixed``: unit variance, ARD lengthscales sqrt(D) / 4 and the given noise; the
    posterior equals scikit-learn's with that kernel and ``alpha = noise``."""
    X, y = data(0)
    D = X.shape[1]
    options = S.gp_options(kernel, 1e-2, "fixed", D)
    gps = S.fit_gps(X, y, options, np.random.default_rng(0))
    assert len(gps) == 1
    ls = np.full(D, 0.25 * np.sqrt(D))
    base = (sk_kernels.RBF(ls, "fixed") if nu is None
            else sk_kernels.Matern(ls, "fixed", nu=nu))
    ref = sk_gp.GaussianProcessRegressor(sk_kernels.ConstantKernel(1.0, "fixed") * base,
                                         alpha=1e-2, optimizer=None).fit(X, y)
    Xs = np.random.default_rng(1).random((9, D))
    mean, std = gps[0].predict(Xs, return_std=True)
    want_mean, want_std = ref.predict(Xs, return_std=True)
    np.testing.assert_allclose(mean, want_mean, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(std, want_std, rtol=1e-7, atol=1e-10)


def test_standardize_has_zero_mean_and_unit_deviation():
    y = np.array([3.0, 7.0, -2.0, 10.0, 4.5])
    z = S.standardize(y)
    np.testing.assert_allclose(z, (y - 4.5) / np.std(y), rtol=1e-12)
    assert z.mean() == pytest.approx(0.0, abs=1e-12) and z.std() == pytest.approx(1.0)
    np.testing.assert_array_equal(S.standardize(np.full(4, 2.5)), np.zeros(4))


def test_posterior_grad_of_a_normalized_gp_against_finite_differences():
    """With ``normalize_y`` the mean and standard deviation scale by the targets' spread;
    ``posterior_grad`` equals ``predict`` and central differences of it."""
    rng = np.random.default_rng(2)
    X = rng.random((12, 2))
    y = 5.0 + 3.0 * (np.sin(5 * X[:, 0]) + X[:, 1])
    gp = GaussianProcess(Matern(lengthscale=[0.4, 0.6]), noise=1e-4, normalize_y=True).fit(X, y)
    assert abs(gp.y_std_ - 1.0) > 0.5
    Xq = rng.uniform(0.1, 0.9, (4, 2))
    mean, std, dmean, dstd = S.posterior_grad(gp, Xq)
    want_mean, want_std = gp.predict(Xq, return_std=True)
    np.testing.assert_allclose(mean, want_mean, rtol=1e-10)
    np.testing.assert_allclose(std, want_std, rtol=1e-8)
    h = 1e-6
    for j in range(2):
        e = np.zeros(2)
        e[j] = h
        mp, sp = gp.predict(Xq + e, return_std=True)
        mm, sm = gp.predict(Xq - e, return_std=True)
        np.testing.assert_allclose(dmean[:, j], (mp - mm) / (2 * h), rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(dstd[:, j], (sp - sm) / (2 * h), rtol=1e-5, atol=1e-7)


@pytest.mark.filterwarnings("ignore:lengthscale 0 sits at its lower bound")  # five inputs only
def test_fitted_noise_is_bounded_by_one_tenth():
    """Replicates whose spread only noise explains (within-group variance near 1 in
    standardized units) push the noise estimate to the upper bound 0.1 of [1e-6, 0.1]."""
    rng = np.random.default_rng(3)
    X = np.repeat(np.linspace(0.1, 0.9, 5)[:, None], 8, axis=0)
    y = S.standardize(np.repeat([0.0, 0.5, -0.3, 0.2, 0.1], 8) + rng.normal(size=40))
    within = y.reshape(5, 8).var(axis=1).mean()  # the replicates of each input, brute force
    assert within > 0.5
    options = S.gp_options("matern52", "fit", "ml2", 1)
    (gp,) = S.fit_gps(X, y, options, np.random.default_rng(0))
    assert gp.noise_ == pytest.approx(0.1, rel=1e-6)


def test_subset_holds_the_best_half_and_random_others():
    """More than 200 observations: 200 sorted distinct indices, the 100 lowest values among
    them (brute force: a full sort); at most 200: all of them."""
    rng = np.random.default_rng(4)
    y = rng.normal(size=700)
    sub = S._subset(y, np.random.default_rng(5))
    assert len(sub) == 200 and len(np.unique(sub)) == 200
    assert np.all(np.diff(sub) > 0)
    assert set(np.argsort(y)[:100]) <= set(sub)
    others = np.setdiff1d(sub, np.argsort(y)[:100])
    assert len(others) == 100
    np.testing.assert_array_equal(S._subset(y[:200], np.random.default_rng(5)), np.arange(200))


def test_hyperparameter_fit_starts_once_more_without_a_start(monkeypatch):
    """Without ``start``: the initial kernel and one random restart (two L-BFGS-B runs); from
    a given ``start``: that point alone."""
    calls = []
    real = mll_module.minimize

    def counting(fun, x0, **kwargs):
        calls.append(1)
        return real(fun, x0, **kwargs)

    monkeypatch.setattr(mll_module, "minimize", counting)
    X, y = data(6)
    options = S.gp_options("matern52", 1e-4, "ml2", 3)
    (gp,) = S.fit_gps(X, y, options, np.random.default_rng(0))
    assert len(calls) == 2
    calls.clear()
    S.fit_gps(X, y, options, np.random.default_rng(0), start=(gp.kernel_, gp.noise_))
    assert len(calls) == 1


def test_map_with_a_fitted_noise_improves_the_log_posterior():
    """``map`` with ``noise="fit"``: the prior covers the noise too (``D + 2`` entries); the
    fitted point has a log posterior no lower than the start's."""
    X, y = data(7)
    D = X.shape[1]
    options = S.gp_options("matern52", "fit", "map", D)
    (gp,) = S.fit_gps(X, y, options, np.random.default_rng(0))
    prior = S.log_prior(D, D + 2)
    start = np.append(options["kernel"].theta, np.log(options["noise"]))
    fitted = np.append(gp.kernel_.theta, np.log(gp.noise_))
    probe = GaussianProcess(options["kernel"], noise=1e-4, optimize_noise=True,
                            noise_bounds=(1e-6, 0.1)).fit(X, y)

    def log_post(t):
        return probe.log_marginal_likelihood(t) + prior(t)[0]

    assert log_post(fitted) >= log_post(start) - 1e-9
    assert log_post(fitted) > log_post(start) + 1e-3


def test_slice_samples_avoid_hyperparameters_where_the_likelihood_fails(monkeypatch):
    """Where the likelihood raises ``LinAlgError`` the posterior is zero: no slice sample of
    the first log lengthscale lies past the failing threshold."""
    X, y = data(8, n=10, D=1)
    options = S.gp_options("matern52", 1e-4, "map", 1)
    (gp,) = S.fit_gps(X, y, options, np.random.default_rng(0))
    threshold = gp.kernel_.theta[0] + 0.05
    real = GaussianProcess.log_marginal_likelihood

    def failing(self, theta=None, eval_gradient=False):
        if theta is not None and theta[0] > threshold:
            raise np.linalg.LinAlgError("forced")
        return real(self, theta, eval_gradient)

    monkeypatch.setattr(GaussianProcess, "log_marginal_likelihood", failing)
    options = S.gp_options("matern52", 1e-4, "slice", 1)
    gps = S.fit_gps(X, y, options, np.random.default_rng(1), start=(gp.kernel_, gp.noise_))
    assert len(gps) == 8
    thetas = np.array([g.kernel_.theta[0] for g in gps])
    assert np.all(thetas <= threshold)
    assert len(np.unique(thetas)) > 1  # the chain moves below the threshold


def test_posterior_grad_is_zero_where_the_std_vanishes():
    """A noiseless GP (noise 1e-300) interpolates: the posterior variance at training points
    rounds to zero or below and is clipped to 0; there the gradient of the std is the
    documented 0 (not 0/0), elsewhere it matches central differences."""
    X = np.array([[0.1], [0.4], [0.7], [0.95]])
    gp = GaussianProcess(Matern(lengthscale=0.1), noise=1e-300).fit(X, [0.3, -0.2, 0.5, 0.1])
    assert gp.jitter_ == 0.0
    _, std, _, dstd = S.posterior_grad(gp, X)
    zero = std == 0.0
    assert zero.sum() >= 2
    np.testing.assert_array_equal(dstd[zero], 0.0)
    Xq = np.array([[0.25], [0.55], [0.8]])
    _, sq, _, dq = S.posterior_grad(gp, Xq)
    h = 1e-6
    fd = (gp.predict(Xq + h, return_std=True)[1] - gp.predict(Xq - h, return_std=True)[1]) / (2 * h)
    np.testing.assert_allclose(dq[:, 0], fd, rtol=1e-5, atol=1e-7)
