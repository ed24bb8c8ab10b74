"""CMA-ES update equations where the tutorial's switches act: the damping of Eq. (55) when
its ``max`` binds, the stall indicator ``h_sigma`` on both sides of its threshold, and the cap
on one generation's log step-size change.

The reference is Hansen (2016), "The CMA evolution strategy: a tutorial", arXiv:1604.00772,
Eqs. (41)-(47) and (55), written out with loops and an explicit :math:`C^{-1/2}` (SciPy's
``fractional_matrix_power``); the cap :math:`\\sigma \\leftarrow \\sigma\\exp(\\min(1, \\cdot))`
is that of the tutorial's reference code ``purecma``.
"""

import math

import numpy as np
import pytest
from scipy.linalg import fractional_matrix_power

from tunelab.search._cma_equations import cma_parameters, cma_update


def raw_weights(lam):
    mu = lam // 2
    raw = np.log((lam + 1) / 2) - np.log(np.arange(1, mu + 1))
    w = raw / raw.sum()
    return w, 1.0 / np.sum(w**2)


@pytest.mark.parametrize("n, lam", [(2, 40), (3, 60), (10, 10), (4, 8)])
def test_damping_follows_eq_55(n, lam):
    # mueff > n + 2 for the first two: the max in Eq. (55) is positive there.
    _, mueff = raw_weights(lam)
    cs = min(0.5, (mueff + 2) / (n + mueff + 3))  # pycma's c_sigma
    ds = 1 + 2 * max(0.0, math.sqrt((mueff - 1) / (n + 1)) - 1) + cs
    assert (mueff > n + 2) == (lam >= 40)
    assert cma_parameters(n, lam)["ds"] == pytest.approx(ds, rel=1e-13)


def reference_update(state, Y, A, inv_sqrt_C):
    n = len(state["m"])
    w, mu, mueff = state["weights"], int(state["mu"]), float(state["mueff"])
    cs, cc, c1, cmu, ds = (float(state[k]) for k in ("cs", "cc", "c1", "cmu", "ds"))
    C0, g, sigma = state["C"], state["g"], state["sigma"]
    yw = sum(w[i] * Y[i] for i in range(mu))
    ps = (1 - cs) * state["ps"] + math.sqrt(cs * (2 - cs) * mueff) * (
        inv_sqrt_C @ yw)
    norm = math.sqrt(sum(p * p for p in ps))
    hsig = norm / math.sqrt(1 - (1 - cs) ** (2 * (g + 1))) < (1.4 + 2 / (n + 1)) * state["chiN"]
    pc = (1 - cc) * state["pc"] + hsig * math.sqrt(cc * (2 - cc) * mueff) * yw
    rank_mu = sum(w[i] * np.outer(Y[i], Y[i]) for i in range(mu))
    weight_sum = 1.0
    negative = state["negative_weights"]  # the worst rows, Eqs. (46)-(47) of the tutorial
    k = min(len(Y) - mu, len(negative))
    for j in range(k):
        i, wi = len(Y) - k + j, negative[len(negative) - k + j]
        v = inv_sqrt_C @ Y[i]
        rank_mu = rank_mu + wi * n / (v @ v) * np.outer(Y[i], Y[i])
        weight_sum += wi
    C = ((1 + c1 * (1 - hsig) * cc * (2 - cc) - c1 - cmu * weight_sum) * C0
         + c1 * np.outer(pc, pc) + cmu * rank_mu)
    exponent = cs / ds * (norm / state["chiN"] - 1)
    return {"m": state["m"] + sigma * A * yw, "ps": ps, "pc": pc, "C": C,
            "sigma": sigma * math.exp(min(1.0, exponent)), "hsig": hsig, "exponent": exponent}


def make_state(n, lam, g, ps_scale, seed=1):
    rng = np.random.default_rng(seed)
    G = rng.normal(size=(n, n))
    C0 = G @ G.T / n + np.eye(n)
    eigenvalues, B = np.linalg.eigh(C0)
    direction = rng.normal(size=n)
    state = {**cma_parameters(n, lam), "m": rng.random(n), "sigma": 0.3, "C": C0,
             "ps": ps_scale * direction / np.linalg.norm(direction),
             "pc": rng.normal(size=n) * 0.1, "B": B, "D": np.sqrt(eigenvalues), "g": g}
    Y = rng.normal(size=(lam, n)) @ np.linalg.cholesky(C0).T
    return state, Y


@pytest.mark.parametrize("g", [0, 1, 5])
def test_stall_indicator_on_both_sides_of_its_threshold(g):
    # |p_sigma| swept through the threshold (1.4 + 2/(n+1)) chi_N sqrt(1 - (1-c_s)^(2(g+1)))
    # in fine steps: p_c and C follow the reference at every step, h_sigma = 1 and 0 both occur.
    n, lam = 3, 8
    seen = set()
    inv_sqrt_C = fractional_matrix_power(make_state(n, lam, g, 0.0)[0]["C"], -0.5).real
    for ps_scale in np.linspace(0.0, 12.0, 241):
        state, Y = make_state(n, lam, g, ps_scale)
        want = reference_update({k: np.copy(v) for k, v in state.items()}, Y, np.ones(n),
                                inv_sqrt_C)
        cma_update(state, Y, np.ones(n))
        seen.add(bool(want["hsig"]))
        np.testing.assert_allclose(state["ps"], want["ps"], atol=1e-12)
        np.testing.assert_allclose(state["pc"], want["pc"], atol=1e-12)
        np.testing.assert_allclose(state["C"], want["C"], atol=1e-12)
        np.testing.assert_allclose(state["m"], want["m"], atol=1e-14)
        assert state["sigma"] == pytest.approx(want["sigma"], rel=1e-12)
    assert seen == {True, False}


def test_step_size_change_is_capped_at_e():
    # A huge p_sigma: c_s / d_s (|p_sigma| / chi_N - 1) > 1, so sigma grows by e exactly.
    n, lam = 3, 8
    state, Y = make_state(n, lam, 2, 1e3)
    inv_sqrt_C = fractional_matrix_power(state["C"], -0.5).real
    want = reference_update({k: np.copy(v) for k, v in state.items()}, Y, np.ones(n),
                            inv_sqrt_C)
    assert want["exponent"] > 1.0
    cma_update(state, Y, np.ones(n))
    assert state["sigma"] == pytest.approx(0.3 * math.e, rel=1e-14)
