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


def _standardized(bo):
    values = np.array([v for _, v in bo.history])
    return values, values.mean(), values.std()


def test_pi_parts_are_the_normal_probability_of_improvement():
    from scipy.stats import norm

    space = Space({"x": Real(1e-3, 10.0, log=True)})
    bo = BayesianOptimization(space, acquisition="pi", n_initial=4, seed=3)
    _run(bo, 7, False)
    snap = bo.explain()
    values, ybar, sy = _standardized(bo)
    g = snap["grid"]
    for i in (5, 60, 140):
        mu, sd = bo.gp_.predict(g["unit"][i:i + 1], return_std=True)
        z = ((values.min() - ybar) / sy - snap["xi"] - mu[0]) / sd[0]
        assert g["parts"]["probability"][i] == pytest.approx(norm.cdf(z), rel=1e-9, abs=1e-15)
    assert snap["chosen"]["index"] == int(np.argmax(snap["candidates"]["acquisition"]))
    assert bo.ask() == snap["chosen"]["config"]


def test_lcb_parts_are_the_mean_and_the_beta_sigma_bonus():
    space = Space({"x": Real(1e-3, 10.0, log=True)})
    bo = BayesianOptimization(space, acquisition="ucb", ucb_beta=1.5, n_initial=4, seed=2)
    _run(bo, 7, False)
    snap = bo.explain()
    values, ybar, sy = _standardized(bo)
    g = snap["grid"]
    mu, sd = bo.gp_.predict(g["unit"], return_std=True)
    np.testing.assert_allclose(g["parts"]["mean"], ybar + sy * mu, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(g["parts"]["exploration"], -1.5 * sy * sd, rtol=1e-9,
                               atol=1e-12)
    np.testing.assert_allclose(g["total"], ybar + sy * (mu - 1.5 * sd), rtol=1e-9, atol=1e-12)
    assert snap["beta"] == 1.5
    assert snap["chosen"]["index"] == int(np.argmax(snap["candidates"]["acquisition"]))
    assert bo.ask() == snap["chosen"]["config"]


def test_thompson_next_ask_is_the_lowest_draw_among_the_candidates():
    space = Space({"x": Real(1e-3, 10.0, log=True), "y": Real(-1.0, 1.0)})
    bo = BayesianOptimization(space, acquisition="thompson", n_initial=5, seed=4)
    for _ in range(8):
        c = bo.ask()
        bo.tell(c, _f(c) + c["y"] ** 2)
    snap = bo.explain()
    draw = snap["candidates"]["draw"]
    assert len(draw) == len(snap["candidates"]["unit"])
    assert snap["chosen"]["index"] == int(np.argmin(draw))
    assert bo.ask() == snap["chosen"]["config"]


def test_slice_sampled_hyperparameters_give_a_mixture_posterior():
    space = Space({"x": Real(1e-3, 10.0, log=True)})
    bo = BayesianOptimization(space, hyperparameters="slice", n_initial=4, seed=5)
    _run(bo, 6, False)
    snap = bo.explain()
    gps = bo._fitted().gps
    hyper = snap["hyperparameters"]
    assert hyper["method"] == "slice" and len(gps) > 1
    np.testing.assert_allclose(hyper["lengthscale_unit"][:, 0],
                               [float(np.ravel(gp.kernel_.lengthscale)[0]) for gp in gps],
                               rtol=1e-12)
    values, ybar, sy = _standardized(bo)
    g = snap["grid"]
    M = np.array([gp.predict(g["unit"], return_std=True) for gp in gps])  # (samples, 2, n)
    mean = M[:, 0].mean(axis=0)  # the mixture's mean and variance, by the law of total variance
    var = (M[:, 1] ** 2).mean(axis=0) + M[:, 0].var(axis=0)
    np.testing.assert_allclose(g["mean"], ybar + sy * mean, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(g["std"], sy * np.sqrt(var), rtol=1e-7, atol=1e-10)
    assert len(set(np.round(hyper["lengthscale_unit"][:, 0], 12))) > 1  # samples, not one


def test_pending_constant_liar_lies_are_the_largest_value():
    space = Space({"x": Real(1e-3, 10.0, log=True)})
    bo = BayesianOptimization(space, batch="cl_max", n_initial=4, seed=6)
    _run(bo, 6, False)
    asked = [bo.ask(), bo.ask()]  # pending, not told
    snap = bo.explain()
    values = np.array([v for _, v in bo.history])
    assert snap["pending"]["rule"] == "cl_max"
    assert snap["pending"]["configs"] == asked
    np.testing.assert_allclose(snap["pending"]["lies"], values.max(), rtol=1e-9)
    assert snap["pending"]["penalty"] is None
