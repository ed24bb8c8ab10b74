import numpy as np
import pytest

from tunelab.optim import gradient_descent

A = np.array([[3.0, 0.5], [0.5, 1.0]])


def quadratic(x):
    return 0.5 * x @ A @ x, A @ x


@pytest.mark.parametrize("line_search", [True, False])
def test_gradient_descent_path(line_search):
    x0 = np.array([2.0, -1.5])
    plain = gradient_descent(quadratic, x0, learning_rate=0.2, line_search=line_search)
    rec = gradient_descent(quadratic, x0, learning_rate=0.2, line_search=line_search,
                           record_path=True)
    assert plain.path is None
    np.testing.assert_array_equal(rec.x, plain.x)
    xs = rec.path["x"]
    assert xs.shape == (rec.n_iter + 1, 2)
    np.testing.assert_array_equal(xs[0], x0)
    np.testing.assert_array_equal(xs[-1], rec.x)
    np.testing.assert_allclose(rec.path["loss"], [quadratic(x)[0] for x in xs], rtol=1e-12)
    assert np.isnan(rec.path["step"][0])
    if not line_search:
        np.testing.assert_allclose(rec.path["step"][1:], 0.2)
    g = np.array([quadratic(x)[1] for x in xs[:-1]])  # x_{k+1} = x_k - t_k g_k
    np.testing.assert_allclose(xs[1:], xs[:-1] - rec.path["step"][1:, None] * g, atol=1e-12)


def test_newton_path_on_rosenbrock():
    from scipy.optimize import rosen, rosen_der, rosen_hess

    from tunelab.optim import newton

    def fun(x):
        return rosen(x), rosen_der(x), rosen_hess(x)

    x0 = np.array([-1.2, 1.0])
    plain, rec = newton(fun, x0), newton(fun, x0, record_path=True)
    assert plain.path is None
    np.testing.assert_array_equal(rec.x, plain.x)
    xs = rec.path["x"]
    assert len(xs) == rec.n_iter + 1 > 2
    np.testing.assert_array_equal(xs[0], x0)
    np.testing.assert_array_equal(xs[-1], rec.x)
    np.testing.assert_allclose(rec.path["loss"], [rosen(x) for x in xs], rtol=1e-12, atol=1e-300)
    assert np.all(rec.path["step"][1:] > 0)


def _by_hand(rule_name, x0, lr, n):
    """Heavy ball, Nesterov (PyTorch's form) and Adam written out: the iterates."""
    x, v, m, s = x0.copy(), np.zeros(2), np.zeros(2), np.zeros(2)
    xs = [x.copy()]
    for k in range(1, n + 1):
        g = quadratic(x)[1]
        if rule_name == "momentum":
            v = 0.9 * v + g
            x = x - lr * v
        elif rule_name == "nesterov":
            v = 0.9 * v + g
            x = x - lr * (g + 0.9 * v)
        else:
            m = 0.9 * m + 0.1 * g
            s = 0.999 * s + 0.001 * g * g
            x = x - lr * (m / (1 - 0.9**k)) / (np.sqrt(s / (1 - 0.999**k)) + 1e-8)
        xs.append(x.copy())
    return np.array(xs)


@pytest.mark.parametrize("rule_name", ["momentum", "nesterov", "adam"])
def test_update_rule_paths_are_the_iterates_by_hand(rule_name):
    from tunelab.optim import Adam, Momentum, Nesterov
    from tunelab.optim.rules import minimize

    rule = {"momentum": lambda: Momentum(learning_rate=0.05, momentum=0.9),
            "nesterov": lambda: Nesterov(learning_rate=0.05, momentum=0.9),
            "adam": lambda: Adam(learning_rate=0.05)}[rule_name]
    x0 = np.array([2.0, -1.5])
    plain = minimize(quadratic, x0, rule(), max_iter=40, tol=0.0)
    rec = minimize(quadratic, x0, rule(), max_iter=40, tol=0.0, record_path=True)
    assert plain.path is None
    xs = rec.path["x"]
    np.testing.assert_array_equal(xs[-1], rec.x)
    np.testing.assert_array_equal(rec.x, plain.x)
    np.testing.assert_allclose(xs, _by_hand(rule_name, x0, 0.05, 40), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(rec.path["loss"], [quadratic(x)[0] for x in xs], rtol=1e-12)
    assert np.isnan(rec.path["step"][0])
    np.testing.assert_allclose(rec.path["step"][1:], np.linalg.norm(np.diff(xs, axis=0), axis=1))
