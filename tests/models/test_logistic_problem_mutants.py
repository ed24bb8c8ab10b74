"""The unweighted paths of the logistic problem against independent references: the default SGD
step against the smoothness constants computed by SVD, fixed-step gradient descent and
full-batch SGD against their recursions written out, the L-BFGS loss curve against the closed
form log K at zero, and the centring of multinomial coefficients against the softmax's shift
invariance."""

import numpy as np
import pytest
from scipy.special import expit, softmax

from tunelab.models._logistic_problem import LogisticProblem


def design(X, fit_intercept):
    return np.column_stack([X, np.ones(len(X))]) if fit_intercept else X


def constants(X, K, alpha, fit_intercept):
    """(L, L_max) from the singular values and row norms of the augmented design."""
    c = 0.25 if K == 2 else 0.5
    Xt = design(X, fit_intercept)
    sigma = np.linalg.svd(Xt, compute_uv=False)[0]
    L = c * sigma**2 / len(X) + alpha
    L_max = c * np.max(np.sum(Xt**2, axis=1)) + alpha
    return L, L_max


@pytest.mark.parametrize("K", [2, 3])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_default_sgd_step_interpolates_the_smoothness_constants(K, fit_intercept, rng):
    # n != p and a mean far from zero, so the intercept column and the sample size matter
    n, p, alpha = 12, 3, 0.3
    X = rng.normal(size=(n, p)) + [2.0, -1.0, 0.5]
    prob = LogisticProblem(X, np.arange(n) % K, K, alpha, fit_intercept)
    L, L_max = constants(X, K, alpha, fit_intercept)
    # one sample per step: the worst single sample; the whole data set: the full smoothness
    assert prob.default_sgd_step(1) == pytest.approx(1.0 / L_max, rel=1e-12)
    assert prob.default_sgd_step(n) == pytest.approx(1.0 / L, rel=1e-12)
    assert prob.default_sgd_step(10 * n) == pytest.approx(1.0 / L, rel=1e-12)
    # in between, a convex combination whose weight on L grows from 0 at b=1 to 1 at b=n
    for b in (2, 5, 11):
        theta = (b - 1) / (n - 1) * n / b
        assert prob.default_sgd_step(b) == pytest.approx(
            1.0 / (theta * L + (1.0 - theta) * L_max), rel=1e-12
        )


def test_default_sgd_step_of_one_sample(rng):
    X = rng.normal(size=(1, 2))
    prob = LogisticProblem(X, np.array([1]), 2, 0.1, True)
    assert prob.default_sgd_step(4) == pytest.approx(1.0 / (0.25 * (X[0] @ X[0] + 1) + 0.1))


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_fixed_step_gd_is_the_gradient_recursion(fit_intercept, rng):
    n, p, alpha, lr = 25, 3, 0.2, 0.7
    X = rng.normal(size=(n, p))
    y = (rng.uniform(size=n) < 0.5).astype(int)
    prob = LogisticProblem(X, y, 2, alpha, fit_intercept)
    res = prob.solve_gd(5, 1e-14, lr)
    Xt = design(X, fit_intercept)
    theta = np.zeros(Xt.shape[1])
    mask = np.r_[np.ones(p), np.zeros(Xt.shape[1] - p)]
    for _ in range(5):
        theta = theta - lr * (Xt.T @ (expit(Xt @ theta) - y) / n + alpha * mask * theta)
    np.testing.assert_allclose(res.x, theta, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("K", [2, 3])
def test_lbfgs_curve_starts_at_log_k_and_ends_at_the_optimum(K, rng):
    n = 40
    X = rng.normal(size=(n, 2))
    prob = LogisticProblem(X, np.arange(n) % K, K, 0.1, True)
    res = prob.solve_lbfgs(200, 1e-8, None)
    assert res.loss_curve[0] == pytest.approx(np.log(K), rel=1e-14)
    assert res.loss_curve[-1] == pytest.approx(res.fun, rel=1e-14)
    assert np.all(np.diff(res.loss_curve) <= 0.0)


@pytest.mark.parametrize("K", [2, 3])
def test_full_batch_sgd_is_gradient_descent_with_invscaling_steps(K, rng):
    n, p, alpha, eta0, epochs = 20, 2, 0.1, 0.5, 4
    X = rng.normal(size=(n, p))
    y = np.arange(n) % K
    prob = LogisticProblem(X, y, K, alpha, True)
    res = prob.solve_sgd(eta0, n, epochs, np.random.default_rng(3))
    Xt = design(X, True)
    if K == 2:
        theta = np.zeros(p + 1)
        for t in range(epochs):
            grad = Xt.T @ (expit(Xt @ theta) - y) / n + alpha * np.r_[theta[:p], 0.0]
            theta = theta - eta0 / np.sqrt(1.0 + t) * grad
        np.testing.assert_allclose(res.x, theta, rtol=1e-10, atol=1e-12)
    else:
        T = np.zeros((K, p + 1))
        for t in range(epochs):
            R = softmax(Xt @ T.T, axis=1) - np.eye(K)[y]
            grad = R.T @ Xt / n + alpha * np.column_stack([T[:, :p], np.zeros(K)])
            T = T - eta0 / np.sqrt(1.0 + t) * grad
        np.testing.assert_allclose(res.x, T.ravel(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("K", "p"), [(3, 3), (3, 2), (4, 5)])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_unpack_centres_classes_and_keeps_the_probabilities(K, p, fit_intercept, rng):
    X = rng.normal(size=(6, p))
    prob = LogisticProblem(X, np.arange(6) % K, K, 0.0, fit_intercept)
    d = p + int(fit_intercept)
    theta = rng.normal(size=K * d) + 3.0  # far from centred
    coef, intercept = prob.unpack(theta)
    np.testing.assert_allclose(coef.sum(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(intercept.sum(), 0.0, atol=1e-12)
    T = theta.reshape(K, d)
    want = softmax(design(X, fit_intercept) @ T.T, axis=1)
    np.testing.assert_allclose(softmax(X @ coef.T + intercept, axis=1), want, rtol=1e-12)


def test_lbfgs_converged_only_with_the_gradient_at_tol(rng):
    # with tol below what float64 resolves SciPy stops with status 0 on a loss that no longer
    # decreases; the gradient is then above tol and the fit must not count as converged
    X = rng.normal(size=(300, 4))
    y = (rng.uniform(size=300) < expit(X @ [1.0, -0.5, 0.25, 0.0] - 0.2)).astype(int)
    prob = LogisticProblem(X, y, 2, 1e-4, True)
    tight = prob.solve_lbfgs(1000, 1e-300, None)
    assert tight.n_iter < 1000 and tight.grad_norm > 1e-300
    assert not tight.converged
    loose = prob.solve_lbfgs(1000, 1e-5, None)
    assert loose.converged and loose.grad_norm <= 1e-5
    np.testing.assert_allclose(np.max(np.abs(prob.loss(loose.x)[1])), loose.grad_norm)
