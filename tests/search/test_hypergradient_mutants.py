"""Behaviours of :mod:`tunelab.search.hypergradient` found untested by mutation testing, each
against a closed form: Armijo's constant, the default ``gtol`` and ``epsilon``, the first
L-BFGS step and its Hessian scaling, coordinates held at a bound, a failed start's redraw,
the backtracking ``xtol`` stop, and what ``tell`` accepts."""

import math

import numpy as np
import pytest

from tunelab.search import HypergradientSearch
from tunelab.space import Real, Space

LINE = Space({"x": Real(-5.0, 5.0)})


def _start(optimizer="lbfgsb", space=LINE, **kwargs):
    hs = HypergradientSearch(space, optimizer=optimizer, seed=0, **kwargs)
    return hs, hs.ask()


@pytest.mark.parametrize(("ratio", "accepted"), [(1.5e-4, True), (0.5e-4, False)])
def test_lbfgsb_accepts_a_step_by_armijo_with_c1_1e_4(ratio, accepted):
    # t0 = 0, g0 = 2, first step of length 0.5: t1 = -0.5 and g0 (t1 - t0) = -1, so Armijo
    # accepts f1 <= f0 - 1e-4; f1 = f0 - ratio
    hs, c0 = _start(learning_rate=0.5)
    hs.tell(c0, 1.0, gradient={"x": 2.0})
    c1 = hs.ask()
    assert c1["x"] == -0.5
    hs.tell(c1, 1.0 - ratio, gradient={"x": 1.0})
    assert len(hs.explain()["path"]) == (2 if accepted else 1)
    if not accepted:  # the line search halves the step
        assert hs.ask()["x"] == -0.25


@pytest.mark.parametrize(("g", "stopped"), [(1.0e-6, True), (1.5e-6, False)])
def test_default_gtol_is_1e_6(g, stopped):
    hs, c0 = _start("gd")
    hs.tell(c0, 0.0, gradient={"x": g})
    assert (hs.stopped is not None) == stopped


def test_adam_first_step_with_the_default_epsilon():
    # first step: m_hat = g, v_hat = g^2, so t1 = t0 - eta g / (|g| + 1e-8): half of eta
    # for g = 1e-8
    hs, c0 = _start("adam", learning_rate=0.4, gtol=None)
    hs.tell(c0, 0.0, gradient={"x": 1e-8})
    assert hs.ask()["x"] == pytest.approx(-0.2, rel=1e-12)


def test_beta2_must_be_below_one():
    with pytest.raises(ValueError, match="beta2"):
        HypergradientSearch(LINE, beta2=1.0)
    with pytest.raises(ValueError, match="beta2"):
        HypergradientSearch(LINE, beta2=1.5)


def test_lbfgsb_second_step_on_a_quadratic_is_the_newton_step():
    # f = a (x - c)^2 / 2 in one dimension: one pair (s, y = a s) makes the L-BFGS matrix
    # exactly 1 / a, so the second step lands on c (up to rounding)
    a, c = 4.0, 1.3
    hs, x = _start(learning_rate=0.5)
    for _ in range(2):
        hs.tell(x, 0.5 * a * (x["x"] - c) ** 2, gradient={"x": a * (x["x"] - c)})
        x = hs.ask()
    assert x["x"] == pytest.approx(c, rel=1e-12)


def test_lbfgsb_first_step_holds_a_coordinate_at_its_bound_and_has_length_eta():
    # x at its lower bound with a gradient pushing it out: held; the step of length eta in
    # the max-norm goes along the free coordinate alone
    space = Space({"x": Real(0.0, 1.0), "y": Real(0.0, 1.0)})
    hs, c0 = _start(space=space, learning_rate=0.1, x0={"x": 0.0, "y": 0.5})
    hs.tell(c0, 1.0, gradient={"x": 10.0, "y": 2.0})
    c1 = hs.ask()
    assert c1["x"] == 0.0 and c1["y"] == pytest.approx(0.4, rel=1e-14)


def test_a_failed_start_redraws_uniformly_in_the_box_from_the_seed_and_the_ask_count():
    space = Space({"x": Real(1.0, 3.0), "lr": Real(1e-3, 1.0, log=True)})
    hs = HypergradientSearch(space, seed=7)
    hs.tell(hs.ask(), math.nan)
    u = np.random.default_rng([7, 1]).random(2)  # after one ask
    t = np.array([1.0, math.log(1e-3)]) + u * np.array([2.0, -math.log(1e-3)])
    c = hs.ask()
    assert c["x"] == pytest.approx(t[0], rel=1e-14)
    assert c["lr"] == pytest.approx(math.exp(t[1]), rel=1e-12)


def test_backtracking_stops_once_the_halved_step_is_within_xtol():
    # gd from t0 = 2 (Real(1, 3)): step 0.5, then each failure halves it, 0.5^(k+1) after
    # k failures; it stops at the first k with 0.5^(k+1) <= xtol = 1e-3: k = 9
    hs, c = _start("gd", space=Space({"x": Real(1.0, 3.0)}), learning_rate=0.5, xtol=1e-3)
    hs.tell(c, 1.0, gradient={"x": 1.0})
    failures = 0
    while hs.stopped is None:
        hs.tell(hs.ask(), math.nan)
        failures += 1
        assert failures < 50
    assert failures == 9 and "backtracking" in hs.stopped


def test_a_zero_dimensional_array_gradient_is_a_number():
    a, c0 = _start("gd")
    b, _ = _start("gd")
    a.tell(c0, 1.0, gradient={"x": np.array(0.5)})
    b.tell(c0, 1.0, gradient={"x": 0.5})
    assert a.ask() == b.ask()


def test_a_tell_of_another_configuration_takes_no_step():
    hs, c0 = _start("gd")
    hs.tell({"x": 3.0}, 1.0, gradient={"x": 1.0})  # not the iterate: history only
    assert hs.ask() == c0 and hs.explain()["path"] == []
    assert hs.history == [({"x": 3.0}, 1.0)]


def _lbfgs_matrix(pairs, d):
    """The L-BFGS inverse-Hessian approximation of the last pairs (Nocedal & Wright, eq.
    7.19 applied pair by pair): H = V' H V + rho s s', from H_0 = (s'y / y'y) I of the
    latest pair."""
    s, y = pairs[-1]
    H = (s @ y) / (y @ y) * np.eye(d)
    for s, y in pairs:
        rho = 1.0 / (y @ s)
        V = np.eye(d) - rho * np.outer(y, s)
        H = V.T @ H @ V + rho * np.outer(s, s)
    return H


def test_lbfgsb_directions_are_the_lbfgs_matrix_of_the_last_ten_pairs():
    # an interior convex quadratic in 12 dimensions: every accepted step is a power-of-two
    # fraction of -H_k g_k, H_k built from the last min(k, 10) pairs (s, y) of the path
    d = 12
    A = np.diag(np.linspace(1.0, 30.0, d))
    space = Space({f"x{i}": Real(-100.0, 100.0) for i in range(d)})
    hs = HypergradientSearch(space, optimizer="lbfgsb", learning_rate=0.5, gtol=None,
                             xtol=None, x0={f"x{i}": 1.0 + 0.1 * i for i in range(d)})
    for _ in range(80):
        c = hs.ask()
        x = np.array([c[f"x{i}"] for i in range(d)])
        hs.tell(c, 0.5 * x @ A @ x, gradient=dict(zip(space.names, A @ x, strict=True)))
    path = np.array([[p[f"x{i}"] for i in range(d)] for p in hs.explain()["path"]])
    grads = path @ A
    pairs_used = 0
    for k in range(1, len(path) - 1):
        pairs = [(path[j + 1] - path[j], grads[j + 1] - grads[j]) for j in range(k)][-10:]
        direction = -_lbfgs_matrix(pairs, d) @ grads[k]
        step = path[k + 1] - path[k]
        ratio = (step @ direction) / (direction @ direction)
        assert ratio > 0 and math.log2(ratio) == pytest.approx(round(math.log2(ratio)),
                                                              abs=1e-6)
        np.testing.assert_allclose(step, ratio * direction, rtol=1e-6, atol=1e-12)
        pairs_used = max(pairs_used, len(pairs))
        if np.max(np.abs(grads[k + 1])) < 1e-9:
            break
    assert pairs_used == 10 and k >= 11  # the memory filled and rolled over
