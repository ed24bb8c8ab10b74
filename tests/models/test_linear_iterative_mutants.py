"""Behaviours of :mod:`tunelab.models._linear_iterative` found untested by mutation testing:
the documented defaults of the stochastic solvers (plain SGD: step 0.01, batches of 32;
SAGA: batches of 1), where the convergence warnings point, and the divergence test."""

import warnings

import numpy as np
import pytest

from tunelab.exceptions import ConvergenceWarning
from tunelab.models import LinearRegression


def _fit(X, y, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return LinearRegression(solver="sgd", random_state=3, **params).fit(X, y)


def test_plain_sgd_defaults_are_a_step_of_0_01_and_batches_of_32(regression_data):
    X, y = regression_data
    default = _fit(X, y, variance_reduction=False, epochs=4)
    explicit = _fit(X, y, variance_reduction=False, epochs=4, learning_rate=0.01, batch_size=32)
    np.testing.assert_array_equal(default.coef_, explicit.coef_)
    np.testing.assert_array_equal(default.loss_curve_, explicit.loss_curve_)
    for other in ({"learning_rate": 0.02, "batch_size": 32},
                  {"learning_rate": 0.01, "batch_size": 33}):
        assert not np.array_equal(default.coef_, _fit(X, y, variance_reduction=False, epochs=4,
                                                     **other).coef_)


def test_saga_default_batch_is_one_sample(regression_data):
    X, y = regression_data
    default = _fit(X, y, epochs=3)
    np.testing.assert_array_equal(default.coef_, _fit(X, y, epochs=3, batch_size=1).coef_)
    assert not np.array_equal(default.coef_, _fit(X, y, epochs=3, batch_size=2).coef_)


@pytest.mark.parametrize("params", [
    {"solver": "gd", "max_iter": 3},
    {"solver": "sgd", "epochs": 2, "random_state": 0},
    {"solver": "sgd", "epochs": 2, "variance_reduction": False, "random_state": 0},
])
def test_convergence_warnings_point_at_the_callers_fit(regression_data, params):
    X, y = regression_data
    with pytest.warns(ConvergenceWarning, match="solver='normal'") as record:
        LinearRegression(**params).fit(X, y)
    assert [w.filename for w in record] == [__file__]


@pytest.mark.parametrize(("ratio", "diverged"), [(3.0, True), (1.5, False), (0.25, False)])
def test_sgd_divergence_is_a_final_objective_above_twice_the_objective_at_zero(ratio, diverged):
    # One feature, y = 2 x exactly, one full-batch step of plain SGD from w = 0: with
    # h = mean(x_c^2), F(w) = h (w - 2)^2 / 2, F(0) = 2 h and w_1 = 2 eta h, so
    # F(w_1) / F(0) = (eta h - 1)^2: eta = (1 + sqrt(ratio)) / h ends at ratio * F(0).
    x = np.linspace(-1.0, 2.0, 40)
    X, y = x[:, None], 2.0 * x
    h = float(np.mean((x - x.mean()) ** 2))
    params = {"solver": "sgd", "variance_reduction": False, "batch_size": 40, "epochs": 1,
              "learning_rate": (1.0 + np.sqrt(ratio)) / h, "random_state": 0}
    if diverged:
        with pytest.raises(ValueError, match="diverged: the objective went from"):
            LinearRegression(**params).fit(X, y)
    else:
        with pytest.warns(ConvergenceWarning, match="short of the optimum"):
            model = LinearRegression(**params).fit(X, y)
        assert model.coef_[0] == pytest.approx(2.0 * (1.0 + np.sqrt(ratio)), rel=1e-12)


def test_sgd_gap_of_a_ridge_fit_is_measured_against_the_ridge_minimizer(regression_data):
    # alpha > 0: the warning's gap is F(w) - F(w_ridge), F with its penalty, w_ridge from
    # the normal equations (X_c'X_c / n + alpha I) w = X_c'y_c / n
    X, y = regression_data
    alpha = 1.0
    with pytest.warns(ConvergenceWarning, match="short of the optimum") as record:
        model = LinearRegression(solver="sgd", alpha=alpha, epochs=2, random_state=0).fit(X, y)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    n = len(y)
    w_ridge = np.linalg.solve(Xc.T @ Xc / n + alpha * np.eye(X.shape[1]), Xc.T @ yc / n)

    def F(w):
        return 0.5 * np.mean((yc - Xc @ w) ** 2) + 0.5 * alpha * w @ w

    best = F(w_ridge)
    gap = F(model.coef_) - best
    assert f"objective {gap:.3g} above the minimum {best:.6g}" in str(record[0].message)
