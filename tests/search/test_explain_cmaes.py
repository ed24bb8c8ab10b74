"""CMAES.explain: every field against the strategy's state, its samples or the paper's
equations computed by hand."""

import math
import pickle

import numpy as np
import pytest

from tunelab.search import CMAES
from tunelab.space import Integer, Real, Space

SPACE = Space({"x": Real(1e-3, 1.0, log=True), "y": Real(-1.0, 1.0)})


def _f(c):
    a = math.log10(c["x"]) + 1.5  # optimum at the centre of the unit square
    return float(a**2 + 3 * a * c["y"] + 4 * c["y"] ** 2 + c.get("k", 0))


def _run(es, n, explain=False):
    asks = []
    for _ in range(n):
        if explain:
            es.explain()
        c = es.ask()
        asks.append(c)
        es.tell(c, _f(c))
    return asks


def test_explain_changes_no_ask():
    space = Space({"x": Real(1e-3, 1.0, log=True), "y": Real(-1.0, 1.0), "k": Integer(0, 4)})
    a = _run(CMAES(space, seed=3, restarts="ipop"), 60)
    b = _run(CMAES(space, seed=3, restarts="ipop"), 60, explain=True)
    assert a == b


def test_state_and_units():
    es = CMAES(SPACE, seed=0)
    _run(es, 40)
    snap = es.explain()
    pickle.dumps(snap)
    np.testing.assert_array_equal(snap["mean"]["unbounded"], es.mean_)
    assert snap["sigma"] == es.sigma_ and snap["lambda"] == es.lambda_
    np.testing.assert_array_equal(snap["C"], es.cov_)
    u = snap["mean"]["unit"]
    assert snap["mean"]["point"][0] == pytest.approx(1e-3 * 1e3 ** u[0], rel=1e-12)  # its units
    assert snap["mean"]["point"][1] == pytest.approx(-1 + 2 * u[1], rel=1e-12)
    assert snap["mean"]["config"] == SPACE.from_unit(u)
    assert snap["axes"][0]["log"]


def test_covariance_equals_the_samples_covariance():
    es = CMAES(SPACE, seed=1, sigma0=0.1)
    _run(es, 12 * es.lambda_)
    es.ask()  # the generation is updated and under way
    snap = es.explain()
    assert not snap["due"]
    n = 8000
    rows = es.ask_array(n)  # asks run ahead: more samples of the same distribution
    assert es.generation_ == snap["generation"]
    Z = np.column_stack([np.log(rows[:, 0]), rows[:, 1]])  # axis units: ln x, y
    emp = np.cov(Z.T, bias=True)
    S = snap["covariance"]
    se = np.sqrt((np.outer(np.diag(S), np.diag(S)) + S**2) / n)  # of each sample covariance
    assert np.all(np.abs(emp - S) < 5 * se)
    assert abs(S[0, 1]) > 10 * se[0, 1]  # the distribution is tilted: the test sees it
    scale = np.array([math.log(1e3), 2.0])
    np.testing.assert_allclose(snap["covariance_unit"] * np.outer(scale, scale), S, rtol=1e-12)
    mean = np.array([math.log(snap["mean"]["point"][0]), snap["mean"]["point"][1]])
    assert np.all(np.abs(Z.mean(axis=0) - mean) < 5 * np.sqrt(np.diag(S) / n))


def test_ellipse_from_the_covariance():
    es = CMAES(SPACE, seed=2)
    _run(es, 60)
    snap = es.explain()
    el, cov = snap["ellipse"], snap["covariance_unit"]
    a, b, c = cov[0, 0], cov[0, 1], cov[1, 1]
    half = math.sqrt(((a - c) / 2) ** 2 + b**2)
    np.testing.assert_allclose(el["radii"] ** 2, [(a + c) / 2 - half, (a + c) / 2 + half],
                               rtol=1e-10)
    d = el["boundary_unit"] - snap["mean"]["unbounded"]
    maha = np.einsum("ni,ij,nj->n", d, np.linalg.inv(cov), d)
    np.testing.assert_allclose(maha, 1.0, rtol=1e-9)
    np.testing.assert_array_equal(el["boundary_unit"][0], el["boundary_unit"][-1])
    bx = el["boundary"][:, 0]
    np.testing.assert_allclose(np.log(bx), math.log(1e-3) + math.log(1e3) * el[
        "boundary_unit"][:, 0], rtol=1e-12)
    np.testing.assert_allclose(el["boundary"][:, 1], -1 + 2 * el["boundary_unit"][:, 1])


def test_first_update_by_hand():
    es = CMAES(SPACE, seed=4)
    lam = es.lambda_
    _run(es, lam)
    before = es.explain()
    s = before["samples"]
    assert [SPACE.from_unit(u) for u in s["unit"]] == [c for c, _ in es.history]
    assert sorted(s["rank"]) == list(range(lam))
    np.testing.assert_array_equal(np.argsort(s["rank"]), np.argsort(s["values"]))
    assert s["weight"].sum() == pytest.approx(1.0)
    es.ask()  # the update
    after = es.explain()
    m0, sigma0 = before["mean"]["unbounded"], before["sigma"]
    order = np.argsort(s["values"])
    y = (s["unbounded"][order] - m0) / sigma0
    w = before["weights"]
    yw = w @ y[: before["mu"]]
    p = before["parameters"]
    mueff = before["mueff"]
    np.testing.assert_allclose(after["mean"]["unbounded"], m0 + sigma0 * yw, rtol=1e-12)
    ps = math.sqrt(p["cs"] * (2 - p["cs"]) * mueff) * yw  # Eq. (43), C = I
    np.testing.assert_allclose(after["paths"]["sigma"], ps, rtol=1e-10)
    pc = math.sqrt(p["cc"] * (2 - p["cc"]) * mueff) * yw  # Eq. (45), h_sigma = 1
    np.testing.assert_allclose(after["paths"]["c"], pc, rtol=1e-10)
    neg = before["negative_weights"]  # the worst lam - mu, scaled by n / |y|^2 (C = I)
    assert len(neg) == lam - before["mu"] and np.all(neg < 0)
    worst = y[before["mu"]:]
    neg_circ = neg * 2 / np.sum(worst**2, axis=1)
    C = ((1 - p["c1"] - p["cmu"] * (1 + neg.sum())) * np.eye(2) + p["c1"] * np.outer(pc, pc)
         + p["cmu"] * ((y[: before["mu"]].T * w) @ y[: before["mu"]]
                       + (worst.T * neg_circ) @ worst))  # Eqs. (46)-(47)
    np.testing.assert_allclose(after["C"], C, rtol=1e-10)
    sigma = sigma0 * math.exp(min(1.0, p["cs"] / p["ds"] * (np.linalg.norm(ps)
                                                            / before["paths"]["chi_n"] - 1)))
    assert after["sigma"] == pytest.approx(sigma, rel=1e-12)  # Eq. (44)


def test_restarts_listed():
    es = CMAES(SPACE, seed=0, restarts="ipop", max_restarts=1)
    lam = es.lambda_
    while es.n_restarts_ == 0:
        c = es.ask()
        es.tell(c, 1.0)  # flat: TolFun fires
    snap = es.explain()
    r = snap["restarts"]
    assert (r["count"], r["max"], r["rule"]) == (1, 1, "ipop")
    assert [run["lambda"] for run in r["runs"]] == [lam, 2 * lam] and es.lambda_ == 2 * lam
    np.testing.assert_array_equal(r["runs"][0]["mean0"], [0.5, 0.5])
    np.testing.assert_array_equal(r["runs"][1]["mean0"], es.mean_)  # before its first update
    assert snap["run_generation"] == 0 and snap["generation"] > 0


def test_pool_ranked_with_samples():
    es = CMAES(SPACE, seed=0)
    es.tell({"x": 10**-1.5, "y": 0.0}, -1.0)  # injected, best of all
    _run(es, es.lambda_)
    snap = es.explain()
    assert snap["pool"]["rank"].tolist() == [0]
    assert snap["pool"]["weight"][0] == snap["weights"][0]
    assert sorted(snap["samples"]["rank"]) == list(range(1, es.lambda_ + 1))
