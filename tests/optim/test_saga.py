"""saga_linear: exact minima (closed form, Newton, L-BFGS on the weighted objective), the step
of Gazagnadou et al. against its formula, the stopping rule, reproducibility, argument checks."""

import numpy as np
import pytest
from scipy.optimize import minimize

from tunelab.losses import logistic_hessian, logistic_loss, softmax_loss
from tunelab.optim import newton
from tunelab.optim.saga import _objective, saga_linear, saga_step


def ridge_solution(X, y, alpha, v):
    """argmin (1/2n) sum v_i (y_i - x_i w - b)^2 + (alpha/2)||w||^2 by the normal equations."""
    n, p = X.shape
    Xt = np.column_stack([X, np.ones(n)])
    A = Xt.T @ (v[:, None] * Xt) / n
    A[:p, :p] += alpha * np.eye(p)
    return np.linalg.solve(A, Xt.T @ (v * y) / n)


@pytest.mark.parametrize("alpha", [0.0, 0.1])
@pytest.mark.parametrize("batch_size", [1, 7])
def test_least_squares_reach_the_normal_equations(regression_data, alpha, batch_size, rng):
    X, y = regression_data
    v = rng.uniform(0.3, 2.0, len(y))
    res = saga_linear(X, y, np.zeros(X.shape[1] + 1), loss="squared", alpha=alpha,
                      fit_intercept=True, epochs=5000, tol=1e-10, batch_size=batch_size,
                      sample_weight=v, random_state=0)
    assert res.converged and res.grad_norm <= 1e-10
    np.testing.assert_allclose(res.x, ridge_solution(X, y, alpha, v), rtol=1e-7, atol=1e-9)
    assert len(res.loss_curve) == res.n_iter + 1  # the start, then every epoch


def test_logistic_reaches_newtons_optimum(binary_data):
    X, y = binary_data
    fun = lambda t: (*logistic_loss(t, X, y, 0.05), logistic_hessian(t, X, y, 0.05))  # noqa: E731
    ref = newton(fun, np.zeros(X.shape[1] + 1), tol=1e-12)
    res = saga_linear(X, y.astype(float), np.zeros(X.shape[1] + 1), loss="logistic", alpha=0.05,
                      fit_intercept=True, epochs=5000, tol=1e-10, random_state=1)
    assert res.converged
    np.testing.assert_allclose(res.x, ref.x, rtol=1e-7, atol=1e-9)
    assert res.fun == pytest.approx(ref.fun, rel=1e-13)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_weighted_softmax_reaches_the_lbfgs_optimum(multiclass_data, fit_intercept, rng):
    X, y = multiclass_data
    K, p = int(y.max()) + 1, X.shape[1]
    v = rng.uniform(0.3, 2.0, len(y))
    d = p + int(fit_intercept)

    def weighted(theta):  # an independent weighted mean cross-entropy: per-sample losses
        W = theta.reshape(K, d)
        total, grad = 0.0, np.zeros_like(W)
        for i in range(len(y)):
            f_i, g_i = softmax_loss(theta, X[i:i + 1], np.eye(K)[[int(y[i])]], 0.0,
                                    fit_intercept)
            total, grad = total + v[i] * f_i, grad + v[i] * g_i.reshape(K, d)
        n = len(y)
        pen = W.copy()
        if fit_intercept:
            pen[:, p] = 0.0
        return total / n + 0.01 * np.vdot(pen, pen) / 2, (grad / n + 0.01 * pen).ravel()

    ref = minimize(weighted, np.zeros(K * d), jac=True, method="L-BFGS-B",
                   options={"gtol": 1e-11, "ftol": 0.0, "maxiter": 10_000})
    res = saga_linear(X, y.astype(float), np.zeros(K * d), loss="softmax", alpha=0.01,
                      fit_intercept=fit_intercept, epochs=10_000, tol=1e-9, sample_weight=v,
                      random_state=0)
    assert res.converged
    assert res.fun == pytest.approx(ref.fun, rel=1e-10)
    assert weighted(res.x)[0] == pytest.approx(res.fun, rel=1e-12)


def test_step_of_gazagnadou_et_al_against_its_formula(rng):
    n, p, alpha = 50, 3, 0.2
    X = rng.normal(size=(n, p))
    Xt = np.column_stack([X, np.ones(n)])
    L_max = 0.25 * np.max(np.sum(Xt**2, axis=1)) + alpha
    assert saga_step(X, "logistic", alpha, True, 1) == pytest.approx(1 / (4 * L_max + n * alpha))
    b = 10
    L = 0.25 * np.linalg.eigvalsh(Xt.T @ Xt / n)[-1] + alpha
    expected = n * (b - 1) / (b * (n - 1)) * L + (n - b) / (b * (n - 1)) * L_max
    rho = (n - b) / (b * (n - 1)) * L_max
    want = 1 / (4 * max(expected, rho + n * alpha / (4 * b)))
    assert saga_step(X, "logistic", alpha, True, b) == pytest.approx(want, rel=1e-12)
    # b = n: one full gradient per step, the step 1/(4 max(L, alpha / 4))
    assert saga_step(X, "logistic", alpha, True, n) == pytest.approx(1 / (4 * L), rel=1e-12)


def test_the_proven_step_converges_too(binary_data):
    X, y = binary_data
    step = saga_step(X, "logistic", 0.1, True, 4)
    res = saga_linear(X, y.astype(float), np.zeros(X.shape[1] + 1), loss="logistic", alpha=0.1,
                      fit_intercept=True, epochs=20_000, tol=1e-8, step=step, batch_size=4,
                      random_state=0)
    v = np.ones(len(y))
    assert res.converged
    f, g, _ = _objective(res.x, X, y.astype(float), v, "logistic", 0.1, True, 1)
    assert np.max(np.abs(g)) <= 1e-8 and f == res.fun


def test_same_seed_same_path_and_a_budget_stops_unconverged(binary_data):
    X, y = binary_data
    args = {"loss": "logistic", "alpha": 0.01, "fit_intercept": True, "epochs": 3, "tol": 1e-12}
    a, b, c = (saga_linear(X, y.astype(float), np.zeros(X.shape[1] + 1), random_state=s, **args)
               for s in (4, 4, 5))
    np.testing.assert_array_equal(a.x, b.x)
    assert not np.array_equal(a.x, c.x)
    assert a.n_iter == 3 and not a.converged and a.grad_norm > 1e-12


def test_a_start_at_the_optimum_takes_no_epoch(regression_data):
    X, y = regression_data
    v = np.ones(len(y))
    theta = ridge_solution(X, y, 0.1, v)
    res = saga_linear(X, y, theta, loss="squared", alpha=0.1, fit_intercept=True, epochs=10,
                      tol=1e-8)
    assert res.converged and res.n_iter == 0 and len(res.loss_curve) == 1


def test_a_too_long_step_is_reported_as_divergence(regression_data):
    X, y = regression_data
    res = saga_linear(X, y * 1e3, np.zeros(X.shape[1] + 1), loss="squared", alpha=0.0,
                      fit_intercept=True, epochs=200, tol=1e-8, step=50.0, random_state=0)
    assert not res.converged and (res.fun == np.inf or res.fun > 1e6)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"step": 0.0}, "step"), ({"tol": 0.0}, "tol"), ({"epochs": 0}, "epochs"),
     ({"batch_size": 0}, "batch_size"), ({"loss": "hinge"}, "loss"),
     ({"sample_weight": -np.ones(30)}, "sample_weight"),
     ({"sample_weight": np.ones(3)}, "sample_weight")],
)
def test_bad_arguments_name_themselves(kwargs, match, rng):
    X, y = rng.normal(size=(30, 2)), rng.normal(size=30)
    args = {"loss": "squared", "alpha": 0.0, "fit_intercept": True, "epochs": 5, "tol": 1e-6}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        saga_linear(X, y, np.zeros(3), **args)
