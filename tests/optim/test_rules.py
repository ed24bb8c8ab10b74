"""Update rules: single steps against hand computations, convergence, state, errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tunelab.optim.rules import SGD, Adam, Momentum, Nesterov, UpdateRule, make_rule, minimize


def two_steps(rule, p0, g1, g2):
    p = np.array(p0, dtype=float)
    rule.step([p], [np.array(g1, dtype=float)])
    p1 = p.copy()
    rule.step([p], [np.array(g2, dtype=float)])
    return p1, p


def test_sgd_two_steps_by_hand():
    p1, p2 = two_steps(SGD(0.1), [1.0, -1.0], [2.0, 0.5], [1.0, -0.5])
    np.testing.assert_allclose(p1, [0.8, -1.05], rtol=0, atol=1e-15)
    np.testing.assert_allclose(p2, [0.7, -1.0], rtol=0, atol=1e-15)


def test_momentum_two_steps_by_hand():
    # v1 = -0.1*2 = -0.2, p1 = 0.8; v2 = 0.9*(-0.2) - 0.1*1 = -0.28, p2 = 0.52
    p1, p2 = two_steps(Momentum(0.1, momentum=0.9), [1.0], [2.0], [1.0])
    np.testing.assert_allclose(p1, [0.8], atol=1e-15)
    np.testing.assert_allclose(p2, [0.52], atol=1e-15)


def test_nesterov_two_steps_by_hand():
    # Bengio et al. (2013) Eq. (7): v1 = -0.2, p1 = 1 + 0.9*(-0.2) - 0.1*2 = 0.62;
    # v2 = 0.9*(-0.2) - 0.1*1 = -0.28, p2 = 0.62 + 0.9*(-0.28) - 0.1*1 = 0.268
    p1, p2 = two_steps(Nesterov(0.1, momentum=0.9), [1.0], [2.0], [1.0])
    np.testing.assert_allclose(p1, [0.62], atol=1e-15)
    np.testing.assert_allclose(p2, [0.268], atol=1e-15)


def test_adam_two_steps_by_hand_with_bias_correction():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    p0, g1, g2 = np.array([1.0, -2.0]), np.array([0.5, -0.1]), np.array([0.2, 0.3])
    # Kingma & Ba (2015) Algorithm 1, written out one line at a time
    m1 = (1 - b1) * g1
    s1 = (1 - b2) * g1**2
    m_hat1, s_hat1 = m1 / (1 - b1), s1 / (1 - b2)
    p1_hand = p0 - lr * m_hat1 / (np.sqrt(s_hat1) + eps)
    m2 = b1 * m1 + (1 - b1) * g2
    s2 = b2 * s1 + (1 - b2) * g2**2
    m_hat2, s_hat2 = m2 / (1 - b1**2), s2 / (1 - b2**2)
    p2_hand = p1_hand - lr * m_hat2 / (np.sqrt(s_hat2) + eps)
    p1, p2 = two_steps(Adam(lr, b1, b2, eps), p0, g1, g2)
    # the first bias-corrected step is lr * sign(g), up to eps
    np.testing.assert_allclose(p1, [0.9, -1.9], atol=1e-7)
    # second step of the first coordinate: m_hat = 0.065/0.19, s_hat = 0.00028975/0.001999
    np.testing.assert_allclose(p2[0], 0.9 - 0.1 * (0.065 / 0.19) / np.sqrt(0.00028975 / 0.001999),
                               rtol=1e-7)
    np.testing.assert_allclose(p1, p1_hand, rtol=1e-14)
    np.testing.assert_allclose(p2, p2_hand, rtol=1e-14)


@pytest.mark.slow  # importing torch takes seconds
def test_adam_matches_pytorch_trajectory(rng):
    torch = pytest.importorskip("torch")
    x = rng.normal(size=6)
    grads = rng.normal(size=(25, 6)) * np.logspace(-3, 1, 6)
    ours = x.copy()
    rule = Adam(learning_rate=0.05, beta1=0.8, beta2=0.99, eps=1e-6)
    theirs = torch.tensor(x.copy(), requires_grad=True)
    opt = torch.optim.Adam([theirs], lr=0.05, betas=(0.8, 0.99), eps=1e-6)
    for g in grads:
        rule.step([ours], [g])
        theirs.grad = torch.tensor(g)
        opt.step()
    np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-12, atol=1e-14)


@settings(max_examples=30, deadline=None)
@given(arrays(np.float64, st.integers(1, 8),
              elements=st.floats(-1e3, 1e3).filter(lambda v: abs(v) > 1e-6)))
def test_adam_first_step_is_learning_rate_times_sign(g):
    p = np.zeros_like(g)
    Adam(learning_rate=0.01, eps=1e-8).step([p], [g])
    np.testing.assert_allclose(p, -0.01 * g / (np.abs(g) + 1e-8), rtol=1e-12)


def quadratic(seed=0, n=5):
    """f(x) = 1/2 x'Ax - b'x with the eigenvalues of A in [1, 10]."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    A = Q @ np.diag(np.linspace(1.0, 10.0, n)) @ Q.T
    b = rng.normal(size=n)

    def fun(x):
        return 0.5 * x @ A @ x - b @ x, A @ x - b

    return fun, A, b


def test_nesterov_equals_sutskever_lookahead_form():
    """The stored Theta_t is theta_t + mu v_t of Sutskever et al. (2013), Eqs. (3)-(4)."""
    fun, _, _ = quadratic(1)
    mu, eta = 0.9, 0.05
    theta, v = np.ones(5), np.zeros(5)
    stored = np.ones(5)
    rule = Nesterov(eta, momentum=mu)
    for _ in range(30):
        v = mu * v - eta * fun(theta + mu * v)[1]  # Eq. (3): gradient at the look-ahead
        theta = theta + v  # Eq. (4)
        rule.step([stored], [fun(stored)[1]])
        np.testing.assert_allclose(stored, theta + mu * v, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(
    "rule",
    [SGD(0.1), Momentum(0.05, 0.9), Nesterov(0.05, 0.9), Adam(0.02)],
    ids=["sgd", "momentum", "nesterov", "adam"],
)
def test_each_rule_converges_on_a_convex_quadratic(rule):
    fun, A, b = quadratic(2)
    x0 = np.full(5, 3.0)
    result = minimize(fun, x0, rule, max_iter=20_000, tol=1e-7)
    assert result.converged and result.grad_norm <= 1e-7
    np.testing.assert_allclose(result.x, np.linalg.solve(A, b), atol=1e-6)
    assert result.fun == pytest.approx(fun(result.x)[0])
    assert len(result.loss_curve) == result.n_iter + 1
    assert result.loss_curve[0] == pytest.approx(fun(x0)[0])
    np.testing.assert_array_equal(x0, 3.0)  # x0 untouched


def test_minimize_continues_the_rules_state():
    fun, _, _ = quadratic(3)
    once = minimize(fun, np.ones(5), Adam(0.01), max_iter=60, tol=0.0)
    rule = Adam(0.01)
    first = minimize(fun, np.ones(5), rule, max_iter=25, tol=0.0)
    second = minimize(fun, first.x, rule, max_iter=35, tol=0.0)
    assert rule.t == 60 and not second.converged
    np.testing.assert_allclose(second.x, once.x, rtol=1e-14)


def test_minimize_stops_at_max_iter_and_reports_it():
    fun, _, _ = quadratic(4)
    result = minimize(fun, np.ones(5), SGD(1e-3), max_iter=7)
    assert result.n_iter == 7 and not result.converged


def test_step_updates_every_array_in_place_and_counts():
    rule = Momentum(0.5, momentum=0.5)
    W, c = np.ones((2, 3)), np.zeros(3)
    assert rule.t == 0
    rule.step([W, c], [np.full((2, 3), 2.0), np.ones(3)])
    rule.step([W, c], [np.full((2, 3), 2.0), np.ones(3)])
    assert rule.t == 2
    np.testing.assert_allclose(W, 1.0 - 1.0 - 1.5)  # v1 = -1, v2 = -0.5 - 1
    np.testing.assert_allclose(c, -0.5 - 0.75)  # v1 = -0.5, v2 = -0.25 - 0.5
    rule.reset()
    assert rule.t == 0
    rule.step([c], [np.ones(3)])  # a fresh state (v = 0), shaped for the new parameters
    np.testing.assert_allclose(c, -1.25 - 0.5)


def test_learning_rate_may_change_between_steps():
    rule, p = SGD(1.0), np.zeros(1)
    rule.step([p], [np.ones(1)])
    rule.learning_rate = 0.25
    rule.step([p], [np.ones(1)])
    np.testing.assert_allclose(p, [-1.25])


def test_make_rule_and_repr():
    assert isinstance(make_rule("adam"), Adam)
    rule = make_rule("nesterov", learning_rate=0.1, momentum=0.5)
    assert isinstance(rule, Nesterov) and rule.momentum == 0.5
    assert repr(rule) == "Nesterov(learning_rate=0.1, momentum=0.5)"
    assert repr(SGD(0.2)) == "SGD(learning_rate=0.2)"
    assert issubclass(Adam, UpdateRule)
    with pytest.raises(ValueError, match="name must be one of"):
        make_rule("rmsprop")
    with pytest.raises(TypeError):
        UpdateRule(0.1)  # abstract


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: SGD(0.0), "learning_rate"),
        (lambda: SGD(-1.0), "learning_rate"),
        (lambda: Momentum(0.1, momentum=1.0), "momentum"),
        (lambda: Nesterov(0.1, momentum=-0.1), "momentum"),
        (lambda: Adam(beta1=1.0), "beta1"),
        (lambda: Adam(beta2=-0.5), "beta2"),
        (lambda: Adam(eps=0.0), "eps"),
        (lambda: Adam(learning_rate=float("nan")), "learning_rate"),
    ],
)
def test_bad_hyperparameters(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def test_bad_arguments_of_step_and_minimize():
    fun, _, _ = quadratic()
    with pytest.raises(ValueError, match="params and grads"):
        SGD(0.1).step([np.zeros(2)], [])
    with pytest.raises(TypeError, match="rule"):
        minimize(fun, np.zeros(5), "adam")
    with pytest.raises(ValueError, match="max_iter"):
        minimize(fun, np.zeros(5), SGD(0.1), max_iter=-1)
    with pytest.raises(ValueError, match="tol"):
        minimize(fun, np.zeros(5), SGD(0.1), tol=-1.0)
    with pytest.raises(ValueError, match="x0"):
        minimize(fun, np.zeros((5, 1)), SGD(0.1))
