"""explain() snapshots: numbers against independent computations, asks left unchanged."""

import pickle

import numpy as np
import pytest
from scipy.stats import qmc

from tunelab.gp.acquisition import expected_improvement
from tunelab.search import BayesianOptimization, GridSearch, RandomSearch
from tunelab.space import Integer, Real, Space


def _f(c):
    return float(np.sin(3 * np.log(c["x"])) + 0.1 * np.log(c["x"]) ** 2)


def _run(bo, n, explain):
    asks = []
    for _ in range(n):
        if explain:
            bo.explain()
        c = bo.ask()
        asks.append(c)
        bo.tell(c, _f(c))
    return asks


def test_bayes_explain_leaves_asks_unchanged():
    space = Space({"x": Real(1e-3, 10.0, log=True)})
    a = _run(BayesianOptimization(space, n_initial=3, seed=1), 6, False)
    b = _run(BayesianOptimization(space, n_initial=3, seed=1), 6, True)
    assert a == b


def test_bayes_snapshot_matches_gp_and_next_ask():
    space = Space({"x": Real(1e-3, 10.0, log=True)})
    bo = BayesianOptimization(space, acquisition="ei", n_initial=4, seed=0)
    _run(bo, 6, False)
    snap = bo.explain()
    pickle.dumps(snap)
    g = snap["grid"]
    values = np.array([v for _, v in bo.history])
    ybar, sy = values.mean(), values.std()
    i = 57
    mu, sd = bo.gp_.predict(g["unit"][i:i + 1], return_std=True)  # 1-D real: T(z) = u
    assert g["mean"][i] == pytest.approx(ybar + sy * mu[0], rel=1e-9, abs=1e-12)
    assert g["std"][i] == pytest.approx(sy * sd[0], rel=1e-9, abs=1e-12)
    u = np.log(g["points"][i, 0] / 1e-3) / np.log(1e4)  # the log axis, mapped back
    assert u == pytest.approx(g["unit"][i, 0])
    ei = expected_improvement(mu, sd, (values.min() - ybar) / sy)
    assert g["parts"]["exploitation"][i] + g["parts"]["exploration"][i] == pytest.approx(
        sy * ei[0], rel=1e-9, abs=1e-15)
    cand = snap["candidates"]
    assert snap["chosen"]["index"] == int(np.argmax(cand["acquisition"]))
    assert bo.ask() == snap["chosen"]["config"]


@pytest.mark.parametrize("sampler", ["random", "sobol", "lhs"])
def test_sampler_explain(sampler):
    space = Space({"x": Real(1e-3, 10.0, log=True), "k": Integer(1, 5)})
    s = RandomSearch(space, sampler, seed=3, design_size=8)
    for _ in range(10):
        snap = s.explain()
        c = s.ask()
        assert snap["chosen"]["config"] == c
        s.tell(c, 1.0)
    snap = s.explain()
    assert snap["discrepancy"] == pytest.approx(qmc.discrepancy(snap["unit"], method="CD"))
    assert space.from_unit(snap["unit"]) == [c for c, _ in s.history]


def test_grid_explain():
    g = GridSearch(Space({"x": Real(0.0, 1.0), "k": Integer(1, 3)}), 3)
    for _ in range(4):
        snap = g.explain()
        assert snap["chosen"]["config"] == g.ask()
    snap = g.explain()
    assert snap["discrepancy"] == pytest.approx(qmc.discrepancy(snap["unit"], method="CD"))
