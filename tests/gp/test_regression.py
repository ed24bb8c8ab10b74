"""GaussianProcess: posterior and likelihood against scikit-learn, gradients against finite
differences, ML-II against scikit-learn's optimum, invariants, robustness and errors."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tunelab.exceptions import ConvergenceWarning, NotFittedError
from tunelab.gp import RBF, GaussianProcess, JitterWarning, Matern
from tunelab.gp._linalg import cholesky_jitter

sk_gp = pytest.importorskip("sklearn.gaussian_process")
sk_kernels = pytest.importorskip("sklearn.gaussian_process.kernels")

H = 1e-6
KINDS = ["rbf", 0.5, 1.5, 2.5]


def make(kind, lengthscale=1.0, variance=1.0, **bounds):
    if kind == "rbf":
        return RBF(lengthscale, variance, **bounds)
    return Matern(kind, lengthscale, variance, **bounds)


def sklearn_kernel(kind, lengthscale, variance, ls_bounds="fixed", var_bounds="fixed"):
    base = (
        sk_kernels.RBF(lengthscale, ls_bounds)
        if kind == "rbf"
        else sk_kernels.Matern(lengthscale, ls_bounds, nu=kind)
    )
    return sk_kernels.ConstantKernel(variance, var_bounds) * base


def rel_err(a, b):
    return np.max(np.abs(a - b)) / np.max(np.abs(b))


def assert_fd_close(analytic, fd):
    scale = max(np.max(np.abs(fd)), 1e-300)
    np.testing.assert_allclose(analytic, fd, rtol=1e-5, atol=1e-8 * scale)


@pytest.fixture
def data(rng):
    X = rng.random((30, 3))
    y = np.sin(4 * X[:, 0]) + X[:, 1] ** 2 - X[:, 2] + 5.0 + 0.05 * rng.normal(size=30)
    return X, y, rng.random((11, 3))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("lengthscale", [0.6, [0.3, 0.5, 0.9]])
@pytest.mark.parametrize("normalize_y", [False, True])
def test_posterior_and_lml_equal_sklearn(kind, lengthscale, normalize_y, data):
    X, y, Xs = data
    noise = 1e-4
    gp = GaussianProcess(make(kind, lengthscale, 2.3), noise=noise, normalize_y=normalize_y)
    gp.fit(X, y)
    ref = sk_gp.GaussianProcessRegressor(
        sklearn_kernel(kind, lengthscale, 2.3), alpha=noise, optimizer=None,
        normalize_y=normalize_y,
    ).fit(X, y)
    mean, std = gp.predict(Xs, return_std=True)
    ref_mean, ref_std = ref.predict(Xs, return_std=True)
    assert rel_err(mean, ref_mean) < 1e-8
    assert rel_err(std, ref_std) < 1e-8
    _, cov = gp.predict(Xs, return_cov=True)
    assert rel_err(cov, ref.predict(Xs, return_cov=True)[1]) < 1e-8
    assert gp.log_marginal_likelihood() == pytest.approx(ref.log_marginal_likelihood_value_,
                                                         rel=1e-8)
    assert gp.jitter_ == 0.0


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("lengthscale", [0.6, [0.3, 0.5, 0.9]])
@pytest.mark.parametrize("optimize_noise", [False, True])
def test_lml_gradient_matches_finite_differences(kind, lengthscale, optimize_noise, data):
    X, y, _ = data
    gp = GaussianProcess(make(kind, lengthscale, 1.7), noise=1e-2, normalize_y=True,
                         optimize_noise=optimize_noise).fit(X, y)
    theta = np.append(gp.kernel_.theta, np.log(1e-2)) if optimize_noise else gp.kernel_.theta
    value, grad = gp.log_marginal_likelihood(theta, eval_gradient=True)
    assert value == pytest.approx(gp.log_marginal_likelihood(), rel=1e-12)
    fd = np.empty_like(grad)
    for p in range(len(theta)):
        e = np.zeros_like(theta)
        e[p] = H
        fd[p] = (gp.log_marginal_likelihood(theta + e) - gp.log_marginal_likelihood(theta - e)) / (
            2 * H
        )
    assert_fd_close(grad, fd)


@pytest.mark.parametrize("kind", KINDS)
def test_lml_gradient_equals_sklearn(kind, data):
    X, y, _ = data
    ls = [0.3, 0.5, 0.9]
    gp = GaussianProcess(make(kind, ls, 1.7), noise=1e-3).fit(X, y)
    ref = sk_gp.GaussianProcessRegressor(
        sklearn_kernel(kind, ls, 1.7, (1e-3, 1e2), (1e-4, 1e4)), alpha=1e-3, optimizer=None
    ).fit(X, y)
    theta = np.log([0.5, 0.2, 0.7, 0.9])
    value, grad = gp.log_marginal_likelihood(theta, eval_gradient=True)
    ref_value, ref_grad = ref.log_marginal_likelihood(np.roll(theta, 1), eval_gradient=True)
    assert value == pytest.approx(ref_value, rel=1e-10)
    np.testing.assert_allclose(grad, np.roll(ref_grad, -1), rtol=1e-8)


@pytest.mark.parametrize("kind", KINDS)
def test_predict_gradient_matches_finite_differences(kind, data, rng):
    X, y, _ = data
    gp = GaussianProcess(make(kind, [0.3, 0.5, 0.9], 1.7), noise=1e-4, normalize_y=True)
    gp.fit(X, y)
    x = rng.random(3)
    mean, std, dmean, dstd = gp.predict_gradient(x)
    m, s = gp.predict(x[None], return_std=True)
    assert mean == pytest.approx(m[0], rel=1e-12) and std == pytest.approx(s[0], rel=1e-10)
    fd_mean, fd_std = np.empty(3), np.empty(3)
    for i in range(3):
        e = np.zeros(3)
        e[i] = H
        (mp, mm), (sp, sm) = gp.predict(np.vstack([x + e, x - e]), return_std=True)
        fd_mean[i], fd_std[i] = (mp - mm) / (2 * H), (sp - sm) / (2 * H)
    assert_fd_close(dmean, fd_mean)
    assert_fd_close(dstd, fd_std)


def test_noise_free_gp_interpolates(data):
    X, y, _ = data
    gp = GaussianProcess(Matern(2.5, 0.5), noise=1e-10, normalize_y=True).fit(X, y)
    mean, std = gp.predict(X, return_std=True)
    np.testing.assert_allclose(mean, y, atol=1e-6)
    assert np.all(std < 1e-3)


@settings(max_examples=20, deadline=None)
@given(kind=st.sampled_from(KINDS), n=st.integers(1, 15), m=st.integers(1, 12),
       log_ls=st.floats(-1.5, 0.5), seed=st.integers(0, 2**16))
def test_posterior_covariance_is_symmetric_psd(kind, n, m, log_ls, seed):
    rng = np.random.default_rng(seed)
    X, Xs = rng.random((n, 2)), rng.random((m, 2))
    gp = GaussianProcess(make(kind, np.exp(log_ls)), noise=1e-6).fit(X, rng.normal(size=n))
    _, cov = gp.predict(Xs, return_cov=True)
    np.testing.assert_allclose(cov, cov.T, atol=1e-12)
    assert np.linalg.eigvalsh(cov).min() > -1e-8
    _, std = gp.predict(Xs, return_std=True)
    np.testing.assert_allclose(std**2, np.diag(cov), atol=1e-10)


@pytest.mark.parametrize("kind", KINDS)
def test_ml2_does_not_decrease_lml(kind, data):
    X, y, _ = data
    kernel = make(kind, [1.0, 1.0, 1.0])
    before = GaussianProcess(kernel, noise=1e-2, normalize_y=True, optimize_noise=True)
    before.fit(X, y)
    after = GaussianProcess(kernel, noise=1e-2, normalize_y=True, optimize_noise=True,
                            n_restarts=2, random_state=0).fit(X, y, optimize=True)
    assert after.log_marginal_likelihood() >= before.log_marginal_likelihood()
    assert after.log_marginal_likelihood() > before.log_marginal_likelihood() + 1.0
    np.testing.assert_array_equal(kernel.theta, np.zeros(4))  # the prior kernel untouched


@pytest.mark.parametrize("kind", ["rbf", 2.5])
def test_ml2_matches_sklearn_optimum(kind, rng):
    X = rng.random((20, 2))
    y = np.sin(5 * X[:, 0]) * np.cos(3 * X[:, 1]) + 0.1 * rng.normal(size=20)
    gp = GaussianProcess(make(kind, [0.5, 0.5]), noise=1e-2, normalize_y=True, n_restarts=8,
                         random_state=0).fit(X, y, optimize=True)
    ref = sk_gp.GaussianProcessRegressor(
        sklearn_kernel(kind, [0.5, 0.5], 1.0, (1e-3, 1e2), (1e-4, 1e4)), alpha=1e-2,
        normalize_y=True, n_restarts_optimizer=8, random_state=0,
    ).fit(X, y)
    assert gp.log_marginal_likelihood() == pytest.approx(ref.log_marginal_likelihood_value_,
                                                         abs=1e-4)
    np.testing.assert_allclose(gp.kernel_.theta, np.roll(ref.kernel_.theta, -1), atol=1e-2)


def test_map_with_log_prior_is_a_stationary_point(data):
    X, y, _ = data
    center = np.log([0.2, 0.2, 0.2, 1.0])

    def log_prior(theta):
        return -0.5 * np.sum((theta - center) ** 2) / 0.1, -(theta - center) / 0.1

    gp = GaussianProcess(Matern(2.5, [0.5, 0.5, 0.5]), noise=1e-3, normalize_y=True,
                         random_state=0).fit(X, y, optimize=True, log_prior=log_prior)
    theta = gp.kernel_.theta
    _, grad = gp.log_marginal_likelihood(theta, eval_gradient=True)
    np.testing.assert_allclose(grad + log_prior(theta)[1], 0.0, atol=1e-3)
    ml2 = GaussianProcess(Matern(2.5, [0.5, 0.5, 0.5]), noise=1e-3, normalize_y=True,
                          random_state=0).fit(X, y, optimize=True)
    assert np.linalg.norm(theta - center) < np.linalg.norm(ml2.kernel_.theta - center)


def test_same_seed_same_fit(data):
    X, y, _ = data
    fits = [
        GaussianProcess(Matern(2.5, [1.0] * 3), normalize_y=True, optimize_noise=True,
                        n_restarts=3, random_state=7).fit(X, y, optimize=True)
        for _ in range(2)
    ]
    np.testing.assert_array_equal(fits[0].kernel_.theta, fits[1].kernel_.theta)
    assert fits[0].noise_ == fits[1].noise_


def test_duplicate_inputs_do_not_break_the_cholesky(data):
    X, y, Xs = data
    Xd, yd = np.vstack([X, X[:5]]), np.concatenate([y, y[:5] + 0.01])
    gp = GaussianProcess(RBF(0.5), noise=1e-6).fit(Xd, yd)
    assert np.all(np.isfinite(gp.predict(Xs)))
    with pytest.warns(JitterWarning, match="jitter"):
        gp = GaussianProcess(RBF(0.5), noise=0.0).fit(Xd, yd)
    assert gp.jitter_ > 0.0
    np.testing.assert_allclose(gp.L_ @ gp.L_.T, RBF(0.5)(Xd) + gp.jitter_ * np.eye(35),
                               atol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", JitterWarning)
        gp = GaussianProcess(RBF(0.5), noise=0.0, random_state=0).fit(Xd, yd, optimize=True)
    assert np.all(np.isfinite(gp.predict(Xs, return_std=True)))


def test_constant_y(data):
    X, _, Xs = data
    y = np.full(len(X), 3.5)
    gp = GaussianProcess(Matern(2.5, 0.5), normalize_y=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gp.fit(X, y, optimize=True)
    assert gp.y_std_ == 1.0
    np.testing.assert_allclose(gp.predict(Xs), 3.5, atol=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize("noise", [0.0, 1e-6])
def test_thousand_points(noise, rng):
    X = rng.random((1000, 6))
    y = np.sin(3 * X).sum(axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", JitterWarning)
        gp = GaussianProcess(RBF(np.full(6, 2.0)), noise=noise, normalize_y=True).fit(X, y)
    assert np.all(np.isfinite(gp.L_)) and np.all(np.isfinite(gp.alpha_))
    Ky = gp.kernel_(X) + (noise + gp.jitter_) * np.eye(1000)
    np.testing.assert_allclose(gp.L_ @ gp.L_.T, Ky, atol=1e-12)
    # R&W Eq. (2.25) at the training inputs: mu = y - (noise + jitter) alpha, in units of y
    mean = gp.predict(X)
    y_fit = y - gp.y_std_ * (noise + gp.jitter_) * gp.alpha_
    np.testing.assert_allclose(mean, y_fit, atol=1e-6 * np.abs(y).max())
    _, grad = gp.log_marginal_likelihood(gp.kernel_.theta, eval_gradient=True)
    assert np.all(np.isfinite(grad))


def test_sample_y_moments_match_predict(data):
    X, y, Xs = data
    gp = GaussianProcess(Matern(1.5, 0.4), noise=1e-2, normalize_y=True).fit(X, y)
    Xq = np.vstack([Xs[:4], X[:1]])  # includes a training point: nearly singular covariance
    samples = gp.sample_y(Xq, n_samples=20000, random_state=0)
    assert samples.shape == (5, 20000)
    mean, cov = gp.predict(Xq, return_cov=True)
    se = np.sqrt(np.diag(cov) / 20000)
    assert np.all(np.abs(samples.mean(axis=1) - mean) < 5 * se + 1e-12)
    np.testing.assert_allclose(np.cov(samples), cov, atol=0.05 * np.max(np.diag(cov)))
    np.testing.assert_array_equal(samples, gp.sample_y(Xq, n_samples=20000, random_state=0))


def test_fitted_attributes(data):
    X, y, _ = data
    gp = GaussianProcess(RBF([0.3, 0.5, 0.9]), noise=1e-3, normalize_y=True).fit(X, y)
    np.testing.assert_array_equal(gp.y_train_, y)
    assert gp.y_mean_ == pytest.approx(y.mean()) and gp.y_std_ == pytest.approx(y.std())
    Ky = gp.kernel_(X) + 1e-3 * np.eye(30)
    np.testing.assert_allclose(gp.L_ @ gp.L_.T, Ky, atol=1e-12)
    np.testing.assert_allclose(Ky @ gp.alpha_, (y - y.mean()) / y.std(), atol=1e-9)
    assert gp.noise_ == 1e-3 and gp.n_features_in_ == 3
    assert repr(gp).startswith("GaussianProcess(kernel=RBF(lengthscale=[0.3, 0.5, 0.9])")


def test_sklearn_clone():
    base = pytest.importorskip("sklearn.base")
    gp = GaussianProcess(Matern(1.5, 0.3), noise=1e-3)
    clone = base.clone(gp)
    assert clone.get_params()["noise"] == 1e-3 and clone.kernel is not gp.kernel


def test_lengthscale_at_bound_warns(rng):
    X = rng.random((15, 1))
    kernel = RBF(0.5, lengthscale_bounds=(1e-2, 0.2))
    with pytest.warns(ConvergenceWarning, match="lengthscale 0 sits at its upper bound"):
        GaussianProcess(kernel, normalize_y=True, random_state=0).fit(X, 2 * X[:, 0],
                                                                      optimize=True)


def test_every_start_failing_keeps_the_initial_kernel(data):
    X, y, _ = data
    gp = GaussianProcess(RBF(0.5), random_state=0)
    with pytest.warns(ConvergenceWarning, match="every ML-II start failed"):
        gp.fit(X, y, optimize=True, log_prior=lambda t: (np.nan, np.zeros_like(t)))
    np.testing.assert_array_equal(gp.kernel_.theta, RBF(0.5).theta)


def test_cholesky_jitter_gives_up_with_advice():
    A = np.array([[1.0, 0.0], [0.0, -1.0]])
    with pytest.raises(np.linalg.LinAlgError, match="increase noise"):
        cholesky_jitter(A)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"noise": -1e-3}, "noise"),
        ({"noise": np.nan}, "noise"),
        ({"n_restarts": -1}, "n_restarts"),
        ({"n_restarts": 1.5}, "n_restarts"),
        ({"normalize_y": "yes"}, "normalize_y"),
        ({"noise_bounds": (1e-1, 1e-3)}, "noise_bounds"),
        ({"random_state": -3}, "random_state"),
        ({"kernel": "rbf"}, "kernel"),
        ({"kernel": RBF([1.0, 1.0])}, "lengthscales"),
    ],
)
def test_bad_parameters(params, match, data):
    X, y, _ = data
    gp = GaussianProcess(RBF(), **{k: v for k, v in params.items() if k != "kernel"})
    if "kernel" in params:
        gp.kernel = params["kernel"]
    with pytest.raises((ValueError, TypeError), match=match):
        gp.fit(X, y)


def test_bad_data_and_calls(data):
    X, y, Xs = data
    gp = GaussianProcess(RBF())
    with pytest.raises(NotFittedError):
        gp.predict(Xs)
    with pytest.raises(ValueError, match="X"):
        gp.fit(np.where(X > 0.9, np.nan, X), y)
    with pytest.raises(ValueError, match="y"):
        gp.fit(X, np.append(y[:-1], np.inf))
    with pytest.raises(ValueError, match="same number of samples"):
        gp.fit(X, y[:-1])
    with pytest.raises(TypeError, match="log_prior"):
        gp.fit(X, y, optimize=True, log_prior=3.0)
    gp.fit(X, y)
    with pytest.raises(ValueError, match="Xs"):
        gp.predict(Xs[:, :2])
    with pytest.raises(ValueError, match="return_std and return_cov"):
        gp.predict(Xs, return_std=True, return_cov=True)
    with pytest.raises(ValueError, match="x"):
        gp.predict_gradient(Xs[:2])
    with pytest.raises(ValueError, match="theta"):
        gp.log_marginal_likelihood(np.zeros(5))
    with pytest.raises(ValueError, match="n_samples"):
        gp.sample_y(Xs, n_samples=0)


def test_blas_threads_pins_only_small_problems():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from tunelab.gp._linalg import SMALL, blas_threads

    def counts():
        info = threadpoolctl.threadpool_info()
        return [i["num_threads"] for i in info if i["user_api"] == "blas"]

    before = counts()
    with blas_threads(SMALL):
        assert counts() and all(c == 1 for c in counts())
    assert counts() == before
    with blas_threads(SMALL + 1):
        assert counts() == before
