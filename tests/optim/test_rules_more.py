"""Update rules with their documented defaults against the formulas written out afresh
(Polyak/Sutskever momentum, Nesterov's look-ahead, Kingma and Ba's Algorithm 1 with eps
inside), the ranges of every hyperparameter on both sides, and minimize's defaults."""

import numpy as np
import pytest

from tunelab.optim import SGD, Adam, Momentum, Nesterov, make_rule, minimize


def run(rule, grads, x0):
    x = np.array(x0, dtype=float)
    for g in grads:
        rule.step([x], [np.asarray(g, dtype=float)])
    return x


@pytest.fixture
def grads(rng):
    return [rng.normal(size=3) * 10.0 ** rng.integers(-9, 2) for _ in range(6)]


def test_momentum_default_is_0_9(grads):
    mu, eta = 0.9, 0.05
    x, v = np.ones(3), np.zeros(3)
    for g in grads:
        v = mu * v - eta * g
        x = x + v
    np.testing.assert_allclose(run(Momentum(eta), grads, np.ones(3)), x, rtol=1e-13)


def test_nesterov_default_is_0_9_and_the_lookahead_form(grads):
    # Bengio et al. (2013) Eq. (7): Theta_{t+1} = Theta_t + mu v_{t+1} - eta g_t.
    mu, eta = 0.9, 0.05
    theta, v = np.ones(3), np.zeros(3)
    for g in grads:
        v_new = mu * v - eta * g
        theta = theta + mu * v_new - eta * g
        v = v_new
    np.testing.assert_allclose(run(Nesterov(eta), grads, np.ones(3)), theta, rtol=1e-13)


def adam_reference(grads, x0, eta=1e-3, b1=0.9, b2=0.999, eps=1e-8):
    """Kingma and Ba (2015), Algorithm 1, line by line."""
    x, m, s = np.array(x0, dtype=float), np.zeros(3), np.zeros(3)
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        s = b2 * s + (1 - b2) * g * g
        m_hat = m / (1 - b1**t)
        s_hat = s / (1 - b2**t)
        x = x - eta * m_hat / (np.sqrt(s_hat) + eps)
    return x


def test_adam_defaults_are_kingma_and_ba(grads):
    np.testing.assert_allclose(
        run(Adam(), grads, np.ones(3)), adam_reference(grads, np.ones(3)), rtol=1e-12
    )


def test_adam_eps_default_matters_for_tiny_gradients():
    grads = [np.full(3, 1e-8)] * 3  # sqrt(s_hat) = 1e-8 = eps: each step is eta / 2
    x = run(Adam(), grads, np.zeros(3))
    np.testing.assert_allclose(x, adam_reference(grads, np.zeros(3)), rtol=1e-12)
    np.testing.assert_allclose(x, -3 * 1e-3 / 2, rtol=1e-9)


@pytest.mark.parametrize("b1, b2", [(0.0, 0.0), (0.5, 0.9), (0.99, 0.0)])
def test_adam_other_betas(grads, b1, b2):
    rule = Adam(0.01, beta1=b1, beta2=b2, eps=1e-6)
    np.testing.assert_allclose(
        run(rule, grads, np.ones(3)),
        adam_reference(grads, np.ones(3), 0.01, b1, b2, 1e-6),
        rtol=1e-12,
    )


def test_sgd_with_several_arrays():
    a, b = np.ones(2), np.ones((2, 2))
    SGD(0.5).step([a, b], [np.array([2.0, -2.0]), np.full((2, 2), 4.0)])
    np.testing.assert_array_equal(a, [0.0, 2.0])
    np.testing.assert_array_equal(b, np.full((2, 2), -1.0))


@pytest.mark.parametrize(
    "build",
    [
        lambda: SGD(0.0),
        lambda: SGD(-1.0),
        lambda: Momentum(0.1, momentum=1.0),
        lambda: Momentum(0.1, momentum=-0.1),
        lambda: Nesterov(0.1, momentum=1.0),
        lambda: Adam(beta1=1.0),
        lambda: Adam(beta1=-0.1),
        lambda: Adam(beta2=1.0),
        lambda: Adam(beta2=-0.1),
        lambda: Adam(eps=0.0),
        lambda: Adam(learning_rate=0.0),
    ],
)
def test_hyperparameter_ranges_are_rejected_outside(build):
    with pytest.raises(ValueError):
        build()


def test_hyperparameter_ranges_accept_their_ends():
    assert Momentum(0.1, momentum=0.0).momentum == 0.0
    rule = Adam(beta1=0.0, beta2=0.0, eps=1e-300, learning_rate=1e-300)
    assert (rule.beta1, rule.beta2) == (0.0, 0.0)
    x = run(Momentum(0.5, momentum=0.0), [np.ones(3)] * 2, np.zeros(3))
    np.testing.assert_array_equal(x, -np.ones(3))  # no momentum: plain SGD


def half_square(x):
    return 0.5 * float(x @ x), x.copy()


def test_minimize_default_tol_is_1e_minus_6():
    # SGD(1/2) on x^2 / 2: x_k = 2^-k; 2^-20 <= 1e-6 < 2^-19.
    res = minimize(half_square, [1.0], SGD(0.5))
    assert res.n_iter == 20 and res.converged and res.x[0] == 2.0**-20
    np.testing.assert_array_equal(res.loss_curve, [0.5 * 4.0**-k for k in range(21)])


def test_minimize_default_max_iter_is_1000():
    res = minimize(half_square, [1.0], SGD(1e-4))
    assert res.n_iter == 1000 and not res.converged
    assert res.x[0] == pytest.approx((1 - 1e-4) ** 1000, rel=1e-12)
    assert len(res.loss_curve) == 1001


def test_minimize_tol_is_inclusive_and_zero_iterations():
    res = minimize(half_square, [1.0], SGD(0.5), tol=0.125)
    assert res.n_iter == 3 and res.converged
    res = minimize(half_square, [1.0], SGD(0.5), max_iter=0)
    assert res.n_iter == 0 and res.x[0] == 1.0 and not res.converged
    with pytest.raises(ValueError, match="max_iter"):
        minimize(half_square, [1.0], SGD(0.5), max_iter=-1)
    with pytest.raises(ValueError, match="tol"):
        minimize(half_square, [1.0], SGD(0.5), tol=-1.0)


def test_make_rule_builds_each_rule_with_its_arguments():
    assert type(make_rule("sgd", learning_rate=0.1)) is SGD
    assert make_rule("momentum", learning_rate=0.1, momentum=0.5).momentum == 0.5
    assert type(make_rule("nesterov", learning_rate=0.1)) is Nesterov
    assert make_rule("adam").learning_rate == 1e-3
    with pytest.raises(ValueError):
        make_rule("rmsprop", learning_rate=0.1)


def test_adam_with_zero_betas_keeps_a_small_gradient_after_a_large_one():
    # beta1 = beta2 = 0: m_t = g_t and s_t = g_t^2 exactly, so the second step is
    # eta g / (|g| + eps) for g = 1e-9 whatever the first gradient was.
    rule = Adam(1.0, beta1=0.0, beta2=0.0, eps=1e-6)
    x = np.zeros(1)
    rule.step([x], [np.array([10.0])])
    before = x.copy()
    rule.step([x], [np.array([1e-9])])
    assert x[0] - before[0] == pytest.approx(-1e-9 / (1e-9 + 1e-6), rel=1e-12)


@pytest.mark.parametrize("rule", [SGD(0.1), Momentum(0.1), Nesterov(0.1), Adam()])
def test_a_rule_refuses_params_other_than_those_its_state_was_built_for(rule):
    rule.step([np.zeros(2), np.zeros(3)], [np.ones(2), np.ones(3)])
    with pytest.raises(ValueError):
        rule.step([np.zeros(2), np.zeros(3), np.zeros(1)], [np.ones(2), np.ones(3), np.ones(1)])
    rule.reset()
    rule.step([np.zeros(1)], [np.ones(1)])  # after reset, any parameters
