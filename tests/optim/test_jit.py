"""Numba kernels of tunelab.optim._jit and tunelab._jit against their NumPy twins."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import config

from tunelab import _jit as losses_jit
from tunelab.losses import logistic_loss, logistic_loss_numpy
from tunelab.optim import _jit
from tunelab.optim.saga import saga_epoch_numpy, saga_softmax_epoch_numpy
from tunelab.optim.sgd import linear_sgd_epoch_numpy, softmax_sgd_epoch_numpy


def epoch_inputs(rng, n, p, batch_size, fit_intercept, rows=1):
    X = rng.normal(size=(n, p))
    theta = rng.normal(size=rows * (p + int(fit_intercept)))
    order = rng.permutation(n)
    lrs = rng.uniform(0.01, 0.2, size=-(-n // batch_size))
    return X, theta, order, lrs


@pytest.mark.skipif(config.DISABLE_JIT, reason="Numba's JIT is disabled")
def test_kernels_are_compiled_and_cached():
    for kernel in (_jit.linear_sgd_epoch, _jit.softmax_sgd_epoch, _jit.saga_epoch,
                   _jit.saga_softmax_epoch, losses_jit.logistic_loss_grad):
        assert hasattr(kernel, "py_func")  # a Numba dispatcher, not the plain function
        assert type(kernel._cache).__name__ == "FunctionCache"  # cache=True (else NullCache)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 40),
    p=st.integers(1, 5),
    batch_size=st.integers(1, 50),
    alpha=st.floats(0.0, 1.0),
    fit_intercept=st.booleans(),
    logistic=st.booleans(),
)
def test_linear_epoch_matches_numpy_twin(seed, n, p, batch_size, alpha, fit_intercept, logistic):
    rng = np.random.default_rng(seed)
    batch_size = min(batch_size, n)
    X, theta, order, lrs = epoch_inputs(rng, n, p, batch_size, fit_intercept)
    y = (rng.random(n) < 0.5).astype(float) if logistic else rng.normal(size=n)
    args = (X, y, theta, order, lrs, alpha, fit_intercept, batch_size, logistic)
    got_theta, got_loss = _jit.linear_sgd_epoch(*args)
    want_theta, want_loss = linear_sgd_epoch_numpy(*args)
    np.testing.assert_allclose(got_theta, want_theta, rtol=1e-10, atol=1e-12)
    assert got_loss == pytest.approx(want_loss, rel=1e-10, abs=1e-12)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 40),
    p=st.integers(1, 4),
    K=st.integers(2, 4),
    batch_size=st.integers(1, 50),
    alpha=st.floats(0.0, 1.0),
    fit_intercept=st.booleans(),
)
def test_softmax_epoch_matches_numpy_twin(seed, n, p, K, batch_size, alpha, fit_intercept):
    rng = np.random.default_rng(seed)
    batch_size = min(batch_size, n)
    X, theta, order, lrs = epoch_inputs(rng, n, p, batch_size, fit_intercept, rows=K)
    y = rng.integers(0, K, size=n).astype(float)
    args = (X, y, theta, order, lrs, alpha, fit_intercept, batch_size, K)
    got_theta, got_loss = _jit.softmax_sgd_epoch(*args)
    want_theta, want_loss = softmax_sgd_epoch_numpy(*args)
    np.testing.assert_allclose(got_theta, want_theta, rtol=1e-10, atol=1e-12)
    assert got_loss == pytest.approx(want_loss, rel=1e-10, abs=1e-12)


def test_kernels_do_not_modify_their_inputs(rng):
    X, theta, order, lrs = epoch_inputs(rng, 20, 3, 4, True)
    y = (rng.random(20) < 0.5).astype(float)
    copies = [a.copy() for a in (X, y, theta, order, lrs)]
    _jit.linear_sgd_epoch(X, y, theta, order, lrs, 0.1, True, 4, True)
    for before, after in zip(copies, (X, y, theta, order, lrs), strict=True):
        np.testing.assert_array_equal(before, after)


def test_epoch_loss_is_stable_for_huge_logits():
    """z = +-800: the kernels' log(1 + e^z) must not overflow."""
    X = np.array([[800.0], [-800.0]])
    y = np.array([0.0, 1.0])
    args = (X, y, np.array([1.0]), np.array([0, 1]), np.array([0.0]), 0.0, False, 2, True)
    _, loss = _jit.linear_sgd_epoch(*args)
    assert loss == pytest.approx(800.0)
    yk = np.array([0.0, 0.0])
    args = (X, yk, np.array([1.0, -1.0]), np.array([0, 1]), np.array([0.0]), 0.0, False, 2, 2)
    _, loss = _jit.softmax_sgd_epoch(*args)
    assert loss == pytest.approx(800.0)  # 0 for the first sample, 1600 for the second


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 200),
    p=st.integers(1, 70),
    scale=st.floats(0.01, 30.0),
    alpha=st.floats(0.0, 1.0),
    fit_intercept=st.booleans(),
)
def test_one_pass_logistic_loss_matches_numpy_twin(seed, n, p, scale, alpha, fit_intercept):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    y = (rng.random(n) < 0.5).astype(float)
    theta = scale * rng.normal(size=p + int(fit_intercept)) / np.sqrt(p)
    value, grad = logistic_loss(theta, X, y, alpha, fit_intercept)
    value_np, grad_np = logistic_loss_numpy(theta, X, y, alpha, fit_intercept)
    assert value == pytest.approx(value_np, rel=1e-12, abs=1e-14)
    np.testing.assert_allclose(grad, grad_np, rtol=1e-10, atol=1e-13)


def test_logistic_loss_takes_the_numpy_path_for_other_layouts(rng):
    """A Fortran-ordered or float32 X goes through NumPy; the answer is the same."""
    X = rng.normal(size=(50, 3))
    y = (rng.random(50) < 0.5).astype(float)
    theta = rng.normal(size=4)
    want = logistic_loss(theta, X, y, 0.1)
    for other in (np.asfortranarray(X), X.astype(np.float32)):
        got = logistic_loss(theta, other, y, 0.1)
        assert got[0] == pytest.approx(want[0], rel=1e-6)
        np.testing.assert_allclose(got[1], want[1], rtol=1e-5)


def saga_inputs(rng, n, p, K, fit_intercept, weighted):
    """A random state of SAGA: table and mean of stored gradients from other parameters."""
    X = rng.normal(size=(n, p))
    rows = 1 if K == 1 else K
    theta = 0.5 * rng.normal(size=rows * (p + int(fit_intercept)))
    v = rng.uniform(0.2, 3.0, n) if weighted else np.ones(n)
    norms = np.einsum("ij,ij->i", X, X) + float(fit_intercept)
    table = rng.normal(size=n if K == 1 else (n, K))
    mean = rng.normal(size=theta.shape)
    return X, v, norms, theta, rng.permutation(n), table, mean


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 40),
    p=st.integers(1, 5),
    batch_size=st.integers(1, 50),
    alpha=st.floats(0.0, 1.0),
    fit_intercept=st.booleans(),
    logistic=st.booleans(),
    weighted=st.booleans(),
    adaptive=st.booleans(),
)
def test_saga_epoch_matches_numpy_twin(seed, n, p, batch_size, alpha, fit_intercept, logistic,
                                       weighted, adaptive):
    rng = np.random.default_rng(seed)
    X, v, norms, theta, order, table, mean = saga_inputs(rng, n, p, 1, fit_intercept, weighted)
    y = (rng.random(n) < 0.5).astype(float) if logistic else rng.normal(size=n)
    step, lipschitz = (0.0, rng.uniform(0.01, 2.0)) if adaptive else (rng.uniform(0.01, 0.1), 1.0)
    states = [(theta.copy(), table.copy(), mean.copy()) for _ in range(2)]
    got_l = _jit.saga_epoch(X, y, v, norms, *states[0][:1], order, *states[0][1:], step,
                            lipschitz, alpha, fit_intercept, min(batch_size, n), logistic)
    want_l = saga_epoch_numpy(X, y, v, norms, *states[1][:1], order, *states[1][1:], step,
                              lipschitz, alpha, fit_intercept, min(batch_size, n), logistic)
    assert got_l == pytest.approx(want_l, rel=1e-12)
    for got, want in zip(states[0], states[1], strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-11)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 30),
    p=st.integers(1, 4),
    K=st.integers(2, 4),
    batch_size=st.integers(1, 40),
    alpha=st.floats(0.0, 1.0),
    fit_intercept=st.booleans(),
    weighted=st.booleans(),
    adaptive=st.booleans(),
)
def test_saga_softmax_epoch_matches_numpy_twin(seed, n, p, K, batch_size, alpha, fit_intercept,
                                               weighted, adaptive):
    rng = np.random.default_rng(seed)
    X, v, norms, theta, order, table, mean = saga_inputs(rng, n, p, K, fit_intercept, weighted)
    y = rng.integers(0, K, size=n).astype(float)
    step, lipschitz = (0.0, rng.uniform(0.01, 2.0)) if adaptive else (rng.uniform(0.01, 0.1), 1.0)
    states = [(theta.copy(), table.copy(), mean.copy()) for _ in range(2)]
    got_l = _jit.saga_softmax_epoch(X, y, v, norms, *states[0][:1], order, *states[0][1:],
                                    step, lipschitz, alpha, fit_intercept, min(batch_size, n), K)
    want_l = saga_softmax_epoch_numpy(X, y, v, norms, *states[1][:1], order, *states[1][1:],
                                      step, lipschitz, alpha, fit_intercept, min(batch_size, n),
                                      K)
    assert got_l == pytest.approx(want_l, rel=1e-12)
    for got, want in zip(states[0], states[1], strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-11)
