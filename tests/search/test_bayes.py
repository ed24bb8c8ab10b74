"""BayesianOptimization: the ask/tell contract, search quality, batches, failures, replay."""

import math
import warnings

import numpy as np
import pytest
from scipy.stats import qmc
from threadpoolctl import threadpool_limits

from tunelab.bench import problems
from tunelab.search import BayesianOptimization, RandomSearch, _bo_surrogate, bayes, make_strategy
from tunelab.space import Categorical, Integer, Real, Space
from tunelab.testing import StrategyContract, quadratic_objective

FAST = {"n_candidates": 128, "n_restarts": 2}


@pytest.fixture(autouse=True)
def _one_blas_thread():
    with threadpool_limits(1):  # small matrices: threads only contend on a shared machine
        yield


class TestBayesContract(StrategyContract):
    strategy_class = BayesianOptimization
    options = {"n_initial": 4, **FAST}


class TestBayesThompsonPenalizedContract(StrategyContract):
    strategy_class = BayesianOptimization
    options = {"n_initial": 3, "acquisition": "thompson", "batch": "lp", **FAST}
    n_asks = 8


def run(strategy, objective, n):
    for _ in range(n):
        config = strategy.ask()
        strategy.tell(config, objective(config))
    return strategy


def best_regret(problem, strategy, n):
    run(strategy, problem, n)
    return min(v for _, v in strategy.history) - problem.optimum


@pytest.fixture
def quad():
    return Space({"x": Real(-2.0, 3.0), "y": Real(1e-3, 10.0, log=True)})


def quad_value(config):
    return (config["x"] - 0.5) ** 2 + (math.log10(config["y"]) - 0.5) ** 2


# --- quality ------------------------------------------------------------------------------
@pytest.mark.slow
def test_beats_random_search_on_branin():
    branin = problems.get("branin")
    seeds = range(4)
    bo = [best_regret(branin, BayesianOptimization(branin.space, seed=s), 30) for s in seeds]
    rs = [best_regret(branin, RandomSearch(branin.space, seed=s), 30) for s in seeds]
    assert np.median(bo) < 0.01 and np.median(bo) < np.median(rs) / 20, (bo, rs)


def test_initial_design_then_model(quad):
    bo = BayesianOptimization(quad, n_initial=4, seed=3, **FAST)
    run(bo, quad_value, 4)
    # The documented stream, drawn here without the code under test: the first four points of
    # one scrambled Sobol' sequence seeded by SeedSequence(seed, spawn_key=(11,)), decoded by
    # hand (x linear on [-2, 3], y log-uniform on [1e-3, 10]).
    engine = qmc.Sobol(2, scramble=True,
                       rng=np.random.default_rng(np.random.SeedSequence(3, spawn_key=(11,))))
    U = engine.random(4)
    got = np.array([[c["x"], c["y"]] for c, _ in bo.history])
    np.testing.assert_allclose(got[:, 0], -2.0 + 5.0 * U[:, 0], rtol=1e-12)
    np.testing.assert_allclose(got[:, 1], 10.0 ** (-3.0 + 4.0 * U[:, 1]), rtol=1e-12)
    # Whatever the stream: four points of a (0, 2, 2)-net, one in each quarter of each axis.
    codes = np.column_stack([(got[:, 0] + 2.0) / 5.0, (np.log10(got[:, 1]) + 3.0) / 4.0])
    for j in range(2):
        assert sorted(np.floor(codes[:, j] * 4).astype(int)) == [0, 1, 2, 3]
    assert bo.gp_ is None
    run(bo, quad_value, 8)
    assert bo.gp_ is not None and len(bo.gp_.X_train_) == 11
    assert min(v for _, v in bo.history) < 0.05


@pytest.mark.parametrize(("d", "want"), [(1, 5), (2, 5), (6, 12), (15, 20)])
def test_default_n_initial(d, want):
    space = Space({f"x{i}": Real(0.0, 1.0) for i in range(d)})
    assert BayesianOptimization(space).n_initial_ == want


def random_search_passes(threshold, n, n_seeds):
    """Chance that random search on ``quad_value`` gets below ``threshold`` on every seed.

    ``quad_value`` is the squared distance to ``(0.5, 0.5)`` in the box ``[-2, 3] x [-3, 1]`` of
    ``(x, log10 y)``, area 20, so one uniform draw lands below ``t`` with chance
    :math:`p = \\pi t / 20` (the disc lies inside the box), ``n`` draws with
    :math:`1 - (1 - p)^n`.
    """
    return (1.0 - (1.0 - math.pi * threshold / 20.0) ** n) ** n_seeds


@pytest.mark.parametrize("options", [
    {"acquisition": "ei"}, {"acquisition": "pi"}, {"acquisition": "ucb", "ucb_beta": 1.0},
    {"acquisition": "thompson"}, {"hyperparameters": "map"}, {"hyperparameters": "fixed"},
    pytest.param({"hyperparameters": "slice"}, marks=pytest.mark.slow), {"kernel": "rbf"},
    {"kernel": "matern32"}, {"noise": "fit"}, {"initial_design": "lhs"},
    {"initial_design": "random"},
])
def test_every_option_beats_random_search_on_a_quadratic(quad, options):
    threshold, n, seeds = 0.03, 20, range(4)
    assert random_search_passes(threshold, n, len(seeds)) < 1e-4  # random search: 7e-5
    best = []
    for seed in seeds:
        bo = run(BayesianOptimization(quad, n_initial=4, seed=seed, **{**FAST, **options}),
                 quad_value, n)
        best.append(min(v for _, v in bo.history))
    assert max(best) < threshold, best
    if options.get("hyperparameters") == "slice":
        assert len(bo._fit_cache[1].gps) == 8


# --- mixed spaces -------------------------------------------------------------------------
def test_mixed_space_valid_configs_and_discrete_optimum():
    space = Space({"x": Real(-1.0, 1.0), "k": Integer(1, 100, log=True),
                   "c": Categorical(["bad", "good", "worse"]), "m": Integer(-3, 3)})

    def f(c):
        cat = {"bad": 1.0, "good": 0.0, "worse": 2.0}[c["c"]]
        return c["x"] ** 2 + (math.log(c["k"]) - math.log(10)) ** 2 + cat + abs(c["m"] - 2)

    bo = run(BayesianOptimization(space, n_initial=6, seed=1, **FAST), f, 30)
    for config, _ in bo.history:
        assert space.validate(config) == config
    best, value = min(bo.history, key=lambda t: t[1])
    assert best["c"] == "good" and best["m"] == 2 and value < 0.3


def test_conditional_space():
    space = Space({"model": Categorical(["a", "b"]), "x": Real(0.0, 1.0),
                   "h": Integer(1, 5)}, conditions={"h": ("model", "b")})
    bo = run(BayesianOptimization(space, n_initial=4, seed=0, **FAST),
             lambda c: c["x"] + (c.get("h", 0) - 3) ** 2 * 0.1 - (c["model"] == "b"), 16)
    for config, _ in bo.history:
        assert space.validate(config) == config
    assert len({tuple(sorted(c.items())) for c, _ in bo.history}) == 16


# --- batches and duplicates ---------------------------------------------------------------
@pytest.mark.parametrize("rule", ["cl_min", "cl_mean", "cl_max", "kb", "lp"])
def test_batch_points_distinct(quad, rule):
    bo = run(BayesianOptimization(quad, n_initial=4, batch=rule, seed=0, **FAST), quad_value, 6)
    batch = bo.ask_batch(6)
    keys = {tuple(c.items()) for c in batch} | {tuple(c.items()) for c, _ in bo.history}
    assert len(keys) == 6 + 6 and bo.n_asked == 12
    u = quad.to_unit(batch)
    gaps = np.sqrt(((u[:, None] - u[None]) ** 2).sum(-1))[np.triu_indices(6, 1)]
    assert gaps.min() > 1e-3  # spread out, not the same argmax nudged


def test_kriging_believer_leaves_the_mean_unchanged(quad):
    bo = run(BayesianOptimization(quad, n_initial=4, batch="kb", seed=0, **FAST), quad_value, 8)
    fit = bo._fitted()
    bo.ask()  # now one pending point
    sur = bo._surrogate(fit)
    X = np.random.default_rng(0).random((20, 2))
    np.testing.assert_allclose(sur.gps[0].predict(X), fit.gps[0].predict(X), atol=1e-6)
    assert sur.gps[0].predict(X, return_std=True)[1].sum() < fit.gps[0].predict(
        X, return_std=True)[1].sum()


def test_small_discrete_space_exhausts_with_one_warning():
    space = Space({"k": Integer(0, 2), "c": Categorical(["a", "b"])})
    bo = BayesianOptimization(space, n_initial=2, seed=0, **FAST)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run(bo, lambda c: c["k"] + (c["c"] == "b"), 6)
        assert not [w for w in caught if w.category is bayes.DegradedWarning
                    and "repeat" in str(w.message) and "proposing a repeat" in str(w.message)]
        assert len({tuple(c.items()) for c, _ in bo.history}) == 6  # all six, no repeat
        run(bo, lambda c: c["k"] + (c["c"] == "b"), 3)
    exhausted = [w for w in caught if "proposing a repeat" in str(w.message)]
    assert len(exhausted) == 1 and exhausted[0].category is bayes.DegradedWarning


# --- failures, odd data -------------------------------------------------------------------
def test_failures_do_not_stall(quad):
    def f(c):
        return math.nan if c["x"] > 1.0 else quad_value(c)  # 40% of the box fails

    bo = run(BayesianOptimization(quad, n_initial=4, seed=2, **FAST), f, 20)
    keys = [tuple(c.items()) for c, _ in bo.history]
    assert len(set(keys)) == 20
    failed = sum(math.isnan(v) for _, v in bo.history)
    assert 0 < failed < 8
    # random search: median best 0.21 over 50 seeds at this budget (10% quantile 0.07)
    assert min(v for _, v in bo.history if not math.isnan(v)) < 0.1


def test_failures_are_told_to_the_gp_as_the_worst_value(quad):
    bo = BayesianOptimization(quad, n_initial=3, seed=0, **FAST)
    values = [1.0, math.nan, 3.0, -math.inf, 2.0]
    for config, value in zip(quad.sample(np.random.default_rng(0), 5), values, strict=True):
        bo.tell(config, value)
    bo.ask()
    z = (np.array([1.0, 3.0, 2.0]) - 2.0) / np.std([1.0, 3.0, 2.0])
    np.testing.assert_allclose(bo.gp_.y_train_, [*z, z.max(), z.max()])
    np.testing.assert_allclose(bo._fitted().y, z)  # the incumbent: finite values only
    np.testing.assert_array_equal(bo.gp_.X_train_[3:], [bo._X[1], bo._X[3]])


def test_constant_objective_and_duplicate_inputs(quad):
    bo = BayesianOptimization(quad, n_initial=3, seed=0, **FAST)
    config = bo.ask()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bayes.DegradedWarning)
        for _ in range(5):
            bo.tell(config, 1.0)  # the same point, five times
        run(bo, lambda c: 1.0, 8)
    assert len({tuple(c.items()) for c, _ in bo.history}) == 9
    assert all(quad.contains(c) for c, _ in bo.history)


def test_jitter_warns_once():
    space = Space({"x": Real(0.0, 1.0)})
    bo = BayesianOptimization(space, n_initial=2, noise=0.0, hyperparameters="fixed", seed=0,
                              **FAST)
    with pytest.warns(bayes.DegradedWarning, match="jitter") as record:
        for _ in range(3):
            bo.tell({"x": 0.5}, 1.0)
        bo.tell({"x": 0.2}, 0.0)
        run(bo, lambda c: c["x"], 3)
    assert sum("jitter" in str(w.message) for w in record) == 1


def test_fallback_to_random_warns(quad, monkeypatch):
    def broken(*args):
        raise np.linalg.LinAlgError("not positive definite")

    monkeypatch.setattr(_bo_surrogate, "fit_gps", broken)
    bo = run(BayesianOptimization(quad, n_initial=2, seed=0, **FAST), quad_value, 2)
    with pytest.warns(bayes.DegradedWarning, match="random"):
        batch = bo.ask_batch(3)
    assert all(quad.contains(c) for c in batch) and len({tuple(c.items()) for c in batch}) == 3


def test_lengthscale_at_lower_bound_warns():
    space = Space({"x": Real(0.0, 1.0)})
    rng = np.random.default_rng(0)
    bo = BayesianOptimization(space, n_initial=30, hyperparameters="ml2", seed=0, **FAST)
    for x in np.linspace(0, 0.01, 30):  # white noise 3e-4 apart: shortest scale 1e-3
        bo.tell({"x": float(x)}, float(rng.normal()))
    with pytest.warns(bayes.DegradedWarning, match="lower bound"):
        bo.ask()


@pytest.mark.slow
def test_a_thousand_observations():
    space = Space({f"x{i}": Real(0.0, 1.0) for i in range(4)})
    rng = np.random.default_rng(0)
    bo = BayesianOptimization(space, seed=0, n_candidates=64, n_restarts=1)
    for config in space.sample(rng, 1000):
        bo.tell(config, quadratic_objective(space, config) + 0.01 * rng.normal())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bayes.DegradedWarning)
        batch = bo.ask_batch(2)
    assert all(space.contains(c) for c in batch) and len(bo.gp_.X_train_) == 1000
    # The GP of all 1000 points stays accurate: held-out error (standardization undone) within
    # a few noise levels, against an objective whose spread is 0.26.
    U = np.random.default_rng(1).random((200, 4))
    y = np.array([v for _, v in bo.history])
    mean = bo.gp_.predict(U) * y.std() + y.mean()
    assert np.sqrt(np.mean((mean - np.sum((U - 0.3) ** 2, axis=1)) ** 2)) < 0.03
    # and the ask is close to the optimum (0.3, ..., 0.3): below 0.02, a 4-ball of volume
    # pi^2 / 2 * 0.02^2 = 0.002, where a uniform draw lands with chance 0.002.
    assert quadratic_objective(space, batch[0]) < 0.02


# --- reproducibility ----------------------------------------------------------------------
def test_replay_is_exact_and_fits_nothing(quad, monkeypatch):
    options = {"n_initial": 4, "seed": 11, **FAST}
    original = run(BayesianOptimization(quad, **options), quad_value, 30)

    first = run(BayesianOptimization(quad, **options), quad_value, 15)
    fits = []
    real_fit = _bo_surrogate.fit_gps
    monkeypatch.setattr(_bo_surrogate, "fit_gps", lambda *a: fits.append(1) or real_fit(*a))
    rebuilt = BayesianOptimization(quad, **options)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for config, value in first.history:
            rebuilt.replay_ask(config)
            rebuilt.tell(config, value)
    assert fits == [] and (rebuilt.n_asked, rebuilt.n_told) == (15, 15)
    run(rebuilt, quad_value, 15)
    assert rebuilt.history == original.history
    assert len(fits) == 15  # one fit per ask once something was told


def test_refit_is_lazy(quad, monkeypatch):
    fits = []
    real_fit = _bo_surrogate.fit_gps
    monkeypatch.setattr(_bo_surrogate, "fit_gps", lambda *a: fits.append(1) or real_fit(*a))
    bo = run(BayesianOptimization(quad, n_initial=3, seed=0, **FAST), quad_value, 3)
    bo.ask_batch(3)
    assert len(fits) == 1  # pending points are lies on the fitted GP, not refits
    bo.tell(bo.ask(), 0.3)
    bo.ask()
    assert len(fits) == 2


def test_same_seed_same_batches(quad):
    def trajectory():
        bo = BayesianOptimization(quad, n_initial=3, batch="lp", seed=5, **FAST)
        for _ in range(3):
            batch = bo.ask_batch(3)
            for config in batch:
                bo.tell(config, quad_value(config))
        return bo.history

    assert trajectory() == trajectory()


# --- parameters ---------------------------------------------------------------------------
@pytest.mark.parametrize(("options", "error", "match"), [
    ({"acquisition": "foo"}, ValueError, "acquisition"),
    ({"kernel": "linear"}, ValueError, "kernel"),
    ({"n_initial": 0}, ValueError, "n_initial"),
    ({"n_initial": 2.5}, TypeError, "n_initial"),
    ({"initial_design": "grid"}, ValueError, "initial_design"),
    ({"hyperparameters": "mcmc"}, ValueError, "hyperparameters"),
    ({"batch": "cl"}, ValueError, "batch"),
    ({"n_candidates": 0}, ValueError, "n_candidates"),
    ({"n_restarts": -1}, ValueError, "n_restarts"),
    ({"ucb_beta": -1.0}, ValueError, "ucb_beta"),
    ({"xi": -0.1}, ValueError, "xi"),
    ({"noise": -1e-3}, ValueError, "noise"),
    ({"noise": "auto"}, ValueError, "noise"),
])
def test_invalid_parameters(quad, options, error, match):
    with pytest.raises(error, match=match):
        BayesianOptimization(quad, **options)


def test_registered_and_rebuilt_from_params(quad):
    bo = make_strategy("bayes", quad, seed=4, acquisition="ei", batch="kb")
    assert isinstance(bo, BayesianOptimization) and bo.name == "bayes"
    twin = make_strategy("bayes", quad, **bo.get_params())
    assert repr(twin) == repr(bo) and "acquisition='ei'" in repr(bo)
