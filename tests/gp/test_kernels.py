"""Kernels: matrices against scikit-learn, every derivative against finite differences, the
Numba loops against their NumPy twins, invariants, and errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tunelab.gp import _jit
from tunelab.gp.kernels import RBF, Matern, kernel_matrix_numpy

sk_kernels = pytest.importorskip("sklearn.gaussian_process.kernels")

H = 1e-6  # central finite-difference step
KINDS = ["rbf", 0.5, 1.5, 2.5]


def make(kind, lengthscale=1.0, variance=1.0):
    if kind == "rbf":
        return RBF(lengthscale, variance)
    return Matern(kind, lengthscale, variance)


def sklearn_kernel(kind, lengthscale, variance):
    base = (
        sk_kernels.RBF(lengthscale)
        if kind == "rbf"
        else sk_kernels.Matern(lengthscale, nu=kind)
    )
    return sk_kernels.ConstantKernel(variance) * base


def assert_fd_close(analytic, fd):
    """Relative 1e-5 against the finite differences, with an absolute floor at 1e-8 of scale."""
    scale = max(np.abs(fd).max(), 1e-300)
    np.testing.assert_allclose(analytic, fd, rtol=1e-5, atol=1e-8 * scale)


@pytest.fixture
def data(rng):
    return rng.random((25, 3)), rng.random((9, 3))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("lengthscale", [0.4, [0.3, 0.8, 1.7]])
def test_matrix_equals_sklearn(kind, lengthscale, data):
    X, Y = data
    k, ref = make(kind, lengthscale, 1.9), sklearn_kernel(kind, lengthscale, 1.9)
    np.testing.assert_allclose(k(X), ref(X), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(k(X, Y), ref(X, Y), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(k.diag(X), ref.diag(X), rtol=1e-14)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("lengthscale", [0.4, [0.3, 0.8, 1.7]])
def test_gradient_equals_sklearn_reordered(kind, lengthscale, data):
    X, _ = data
    k, ref = make(kind, lengthscale, 1.9), sklearn_kernel(kind, lengthscale, 1.9)
    K, dK = k.gradient(X)
    K_ref, dK_ref = ref(X, eval_gradient=True)  # sklearn's theta: log variance first
    np.testing.assert_allclose(K, K_ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dK, np.roll(dK_ref, -1, axis=2), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("lengthscale", [0.4, [0.3, 0.8, 1.7]])
def test_gradient_matches_finite_differences(kind, lengthscale, data):
    X, _ = data
    k = make(kind, lengthscale, 1.9)
    K, dK = k.gradient(X)
    np.testing.assert_allclose(K, k(X), rtol=1e-12)
    assert dK.shape == (25, 25, k.n_dims)
    for p in range(k.n_dims):
        step = np.zeros(k.n_dims)
        step[p] = H
        fd = (k.clone_with_theta(k.theta + step)(X) - k.clone_with_theta(k.theta - step)(X)) / (
            2 * H
        )
        assert_fd_close(dK[:, :, p], fd)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("lengthscale", [0.4, [0.3, 0.8, 1.7]])
def test_gradient_x_matches_finite_differences(kind, lengthscale, data, rng):
    X, _ = data
    k = make(kind, lengthscale, 1.9)
    x = rng.random(3)
    J = k.gradient_x(x, X)
    assert J.shape == (25, 3)
    fd = np.empty_like(J)
    for i in range(3):
        e = np.zeros(3)
        e[i] = H
        fd[:, i] = (k((x + e)[None], X)[0] - k((x - e)[None], X)[0]) / (2 * H)
    assert_fd_close(J, fd)


@pytest.mark.parametrize("kind", KINDS)
def test_weighted_gradient_x_equals_the_sum_of_pointwise_ones(kind, data, rng):
    X, _ = data
    k = make(kind, [0.3, 0.8, 1.7], 1.9)
    Xq = np.vstack([rng.random((4, 3)), X[:1]])  # the last row sits on a training point
    W = rng.normal(size=(5, 25))
    want = np.stack([W[i] @ k.gradient_x(x, X) for i, x in enumerate(Xq)])
    np.testing.assert_allclose(k._gradient_x_weighted(Xq, X, W), want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kind", KINDS)
def test_gradient_x_vanishes_at_the_point_itself(kind, data):
    X, _ = data  # k(x, x') peaks at x' = x (Matern 1/2: zero by convention at its kink)
    np.testing.assert_array_equal(make(kind, [0.3, 0.8, 1.7]).gradient_x(X[0], X)[0], 0.0)


@pytest.mark.parametrize("kind", [_jit.RBF, _jit.MATERN12, _jit.MATERN32, _jit.MATERN52])
def test_jit_kernel_matrix_agrees_with_numpy_twin(kind, data):
    X, Y = data
    ls = np.array([0.3, 0.8, 1.7])
    np.testing.assert_allclose(
        _jit.kernel_matrix(X, Y, ls, 2.0, kind, False),
        kernel_matrix_numpy(X, Y, ls, 2.0, kind), rtol=1e-10, atol=1e-13,
    )
    sym = _jit.kernel_matrix(X, X, ls, 2.0, kind, True)
    np.testing.assert_allclose(sym, kernel_matrix_numpy(X, None, ls, 2.0, kind),
                               rtol=1e-10, atol=1e-13)
    np.testing.assert_array_equal(sym, sym.T)
    np.testing.assert_array_equal(np.diag(sym), 2.0)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("lengthscale", [0.4, [0.3, 0.8, 1.7]])
def test_jit_gradient_trace_agrees_with_explicit_tensor(kind, lengthscale, data, rng):
    X, _ = data
    X = np.vstack([X, X[:2]])  # duplicates: r = 0 off the diagonal
    k = make(kind, lengthscale, 1.9)
    W = rng.normal(size=(len(X), len(X)))  # not symmetric on purpose
    _, dK = k.gradient(X)
    np.testing.assert_allclose(
        k._gradient_trace(X, W), np.einsum("ij,ijp->p", W, dK), rtol=1e-10, atol=1e-10
    )


def test_numpy_profiles_agree_with_jit_profiles():
    from tunelab.gp.kernels import _gamma, _kappa

    r2 = np.array([0.0, 1e-12, 0.3, 2.0, 40.0])
    for kind in range(4):
        np.testing.assert_allclose(_kappa(r2, kind), [_jit._kappa(v, kind) for v in r2],
                                   rtol=1e-14)
        np.testing.assert_allclose(_gamma(r2, kind), [_jit._gamma(v, kind) for v in r2],
                                   rtol=1e-14)


def test_near_duplicates_have_exact_distances():
    X = np.array([[0.5, 0.5], [0.5 + 1e-9, 0.5]])
    K = Matern(0.5, lengthscale=1.0)(X)
    np.testing.assert_allclose(K[0, 1], np.exp(-1e-9), rtol=1e-15)


@settings(max_examples=25, deadline=None)
@given(
    kind=st.sampled_from(KINDS),
    n=st.integers(1, 12),
    d=st.integers(1, 4),
    log_ls=st.floats(-2, 1),
    seed=st.integers(0, 2**16),
)
def test_kernel_matrix_is_symmetric_psd_and_bounded(kind, n, d, log_ls, seed):
    X = np.random.default_rng(seed).random((n, d))
    K = make(kind, np.exp(log_ls), 1.3)(X)
    np.testing.assert_array_equal(K, K.T)
    assert np.all(K <= 1.3 + 1e-15) and np.all(K >= 0.0)
    assert np.linalg.eigvalsh(K).min() > -1e-10


def test_theta_bounds_and_clone():
    k = Matern(1.5, [0.5, 2.0], 3.0, lengthscale_bounds=(1e-2, 1e1), variance_bounds=(0.1, 10))
    np.testing.assert_allclose(k.theta, np.log([0.5, 2.0, 3.0]))
    np.testing.assert_allclose(k.bounds, np.log([[1e-2, 1e1], [1e-2, 1e1], [0.1, 10]]))
    c = k.clone_with_theta(np.log([1.0, 1.0, 1.0]))
    np.testing.assert_allclose(k.theta, np.log([0.5, 2.0, 3.0]))  # the original is untouched
    np.testing.assert_allclose(c.lengthscale, [1.0, 1.0])
    assert c.nu == 1.5 and c.variance == pytest.approx(1.0)
    k.theta = np.log([4.0, 5.0, 6.0])
    np.testing.assert_allclose(k.lengthscale, [4.0, 5.0])
    iso = RBF(0.7)
    assert iso.n_dims == 2 and not iso.ard
    iso.theta = [0.0, 0.0]
    assert iso.lengthscale == 1.0 and isinstance(iso.lengthscale, float)


def test_repr_and_params():
    assert repr(Matern(nu=1.5, lengthscale=0.2)) == "Matern(lengthscale=0.2, nu=1.5)"
    assert repr(RBF()) == "RBF()"
    assert RBF(0.3).get_params()["lengthscale"] == 0.3


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: Matern(nu=2.0), "nu"),
        (lambda: Matern(nu="2.5"), "nu"),
        (lambda: RBF(lengthscale=-1.0), "lengthscale"),
        (lambda: RBF(lengthscale=[0.5, 0.0]), "lengthscale"),
        (lambda: RBF(lengthscale=[0.5, np.nan]), "lengthscale"),
        (lambda: RBF(lengthscale=np.ones((2, 2))), "lengthscale"),
        (lambda: RBF(variance=0.0), "variance"),
        (lambda: RBF(lengthscale_bounds=(1.0, 0.1)), "lengthscale_bounds"),
        (lambda: RBF(variance_bounds=(0.0, 1.0)), "variance_bounds"),
    ],
)
def test_bad_constructor_arguments(build, match):
    with pytest.raises((ValueError, TypeError), match=match):
        build()


def test_bad_call_arguments():
    k = RBF([0.5, 0.5])
    with pytest.raises(ValueError, match="X"):
        k(np.ones((3, 3)))
    with pytest.raises(ValueError, match="Y"):
        k(np.ones((3, 2)), np.ones((3, 3)))
    with pytest.raises(ValueError, match="X"):
        k(np.array([[np.nan, 1.0]]))
    with pytest.raises(ValueError, match="x"):
        k.gradient_x(np.ones(3), np.ones((3, 2)))
    with pytest.raises(ValueError, match="theta"):
        k.theta = [0.0, 0.0]


def test_every_public_name_of_the_package_resolves():
    import tunelab.gp

    for name in tunelab.gp.__all__:
        assert getattr(tunelab.gp, name) is not None
