"""The weighted logistic objective: value against the weighted mean written out, gradient and
Hessian (binary and multinomial, with and without intercept) against central differences."""

import numpy as np
import pytest
from scipy.special import log_softmax

from tunelab.models._logistic_problem import LogisticProblem


def problem(K, fit_intercept, weights, rng, n=30, p=3, alpha=0.2):
    X = rng.normal(size=(n, p))
    y = np.arange(n) % K
    return LogisticProblem(X, y, K, alpha, fit_intercept, weights), X, y


def direct_loss(theta, X, y, K, alpha, fit_intercept, w):
    """sum_i w_i (-log p_i(y_i)) / sum_i w_i + alpha/2 |W|^2, intercepts unpenalized."""
    n, p = X.shape
    d = p + int(fit_intercept)
    Xt = np.column_stack([X, np.ones(n)]) if fit_intercept else X
    if K == 2:
        z = Xt @ theta
        nll = np.logaddexp(0.0, z) - y * z
        W = theta[:p]
    else:
        T = theta.reshape(K, d)
        Z = Xt @ T.T
        nll = -log_softmax(Z, axis=1)[np.arange(n), y]
        W = T[:, :p]
    return float(np.sum(w * nll) / np.sum(w) + 0.5 * alpha * np.sum(W**2))


@pytest.mark.parametrize("K", [2, 3])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("kind", ["ptp_one", "spread"])
def test_weighted_objective_gradient_and_hessian(K, fit_intercept, kind, rng):
    n = 30
    w = (np.arange(n) % 2 + 1.0) if kind == "ptp_one" else rng.uniform(0.2, 3.0, size=n)
    prob, X, y = problem(K, fit_intercept, w, rng)
    theta = 0.5 * rng.normal(size=prob.n_params)
    value, grad = prob.loss(theta)
    assert value == pytest.approx(direct_loss(theta, X, y, K, 0.2, fit_intercept, w), rel=1e-12)
    h = 1e-6
    eye = np.eye(len(theta))
    fd_grad = [(prob.loss(theta + h * e)[0] - prob.loss(theta - h * e)[0]) / (2 * h) for e in eye]
    np.testing.assert_allclose(grad, fd_grad, rtol=1e-6, atol=1e-8)
    H = prob.hessian(theta, 0.2)
    fd_hess = np.array(
        [(prob.loss(theta + h * e)[1] - prob.loss(theta - h * e)[1]) / (2 * h) for e in eye]
    )
    np.testing.assert_allclose(H, fd_hess, rtol=1e-5, atol=1e-7)


def test_stderr_of_a_regular_fit_is_statsmodels_bse():
    sm = pytest.importorskip("statsmodels.api")
    from tunelab.models import LogisticRegression

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    y = (rng.random(300) < 1 / (1 + np.exp(-X @ [1.0, -0.5, 0.2]))).astype(int)
    model = LogisticRegression(alpha=0.0).fit(X, y)
    bse = sm.Logit(y, sm.add_constant(X)).fit(disp=0).bse
    np.testing.assert_allclose(model.stderr_[0], bse[1:], rtol=1e-6)


def test_singular_information_warns_at_the_caller():
    from tunelab.models import LogisticRegression

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    y = (rng.random(300) < 1 / (1 + np.exp(-X @ [1.0, -0.5, 0.2]))).astype(int)
    with pytest.warns(UserWarning, match="Fisher information is singular") as record:
        model = LogisticRegression(alpha=0.0).fit(np.column_stack([X, X[:, 0]]), y)
    assert [w.filename for w in record] == [__file__]
    assert np.all(np.isnan(model.stderr_))


def test_a_round_off_pivot_counts_as_singular():
    # A duplicated column: the Cholesky factor of the information exists in floating point,
    # but its smallest pivot squared (1.4e-14) is round-off of the largest diagonal entry (75).
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    y = (rng.random(300) < 1 / (1 + np.exp(-X @ [1.0, -0.5, 0.2]))).astype(int)
    prob = LogisticProblem(np.column_stack([X, X[:, 0]]), y, 2, 0.0, True)
    with pytest.warns(UserWarning, match="singular"):
        se = prob.stderr(np.zeros(5))
    assert np.all(np.isnan(se))
