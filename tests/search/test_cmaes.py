"""CMAES: the contract, one update against the tutorial's equations, log-linear convergence on
the sphere at the known rate, covariance learning on an ill-conditioned ellipsoid, IPOP,
failures, bounds, integers, injection, and argument validation."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import fractional_matrix_power

from tunelab.search import CMAES
from tunelab.search._cma_equations import cma_parameters, cma_update, nearest_image, reflect
from tunelab.space import Integer, Real, Space
from tunelab.testing import StrategyContract


class TestCMAESContract(StrategyContract):
    strategy_class = CMAES


class TestCMAESIPOPContract(StrategyContract):
    strategy_class = CMAES
    options = {"population_size": 4, "restarts": "ipop", "sigma0": 0.1}


def box(d, half=100.0):
    return Space({f"x{i}": Real(-half, half) for i in range(d)})


def generations(strategy, f_batch, n_generations):
    """Run whole generations; ``f_batch(X)`` gets native coordinates, one row per config."""
    evals, best = [], []
    for _ in range(n_generations):
        configs = strategy.ask_batch(strategy.lambda_)
        values = f_batch(np.array([list(c.values()) for c in configs]))
        for config, value in zip(configs, values, strict=True):
            strategy.tell(config, float(value))
        evals.append(strategy.n_told)
        best.append(float(np.min(values)))
    return np.array(evals), np.array(best)


def log_linear_fit(evals, values):
    """Slope of log(values) against evaluations, and the fit's R^2."""
    y = np.log(values)
    slope, intercept = np.polyfit(evals, y, 1)
    residual = y - (slope * evals + intercept)
    return slope, 1 - residual.var() / y.var()


# --- parameters and one update ----------------------------------------------------------------
def test_parameters_follow_table_1():
    p = cma_parameters(10, 10)
    assert p["mu"] == 5
    raw = np.log(5.5) - np.log([1, 2, 3, 4, 5])
    np.testing.assert_allclose(p["weights"], raw / raw.sum())
    mueff = raw.sum() ** 2 / np.sum(raw**2)
    assert p["mueff"] == pytest.approx(mueff)
    assert p["cs"] == pytest.approx((mueff + 2) / (10 + mueff + 3))  # pycma's, not Eq. (55)
    assert p["c1"] == pytest.approx(2 / (11.3**2 + mueff))
    assert p["cmu"] == pytest.approx(2 * (0.25 + mueff - 2 + 1 / mueff) / (144 + mueff))
    assert p["cc"] == pytest.approx((4 + mueff / 10) / (14 + 2 * mueff / 10))
    assert p["chiN"] == pytest.approx(math.sqrt(10) * (1 - 1 / 40 + 1 / 2100))
    assert 0 < p["c1"] + p["cmu"] <= 1


def test_learning_rates_match_pycma():
    cma = pytest.importorskip("cma")
    for n in (2, 3, 5, 10, 20, 40):
        es = cma.CMAEvolutionStrategy(np.zeros(n), 0.3, {"verbose": -9})
        ours = cma_parameters(n, es.popsize)
        assert ours["c1"] == pytest.approx(es.sp.c1, rel=1e-12)
        assert ours["cmu"] == pytest.approx(es.sp.cmu, rel=1e-12)
        assert ours["cc"] == pytest.approx(es.sp.cc, rel=1e-12)
        assert ours["cs"] == pytest.approx(es.adapt_sigma.cs, rel=1e-12)
        assert ours["ds"] == pytest.approx(es.adapt_sigma.damps, rel=1e-12)
        np.testing.assert_allclose(ours["negative_weights"],
                                   np.asarray(es.sp.weights)[es.sp.weights.mu:], rtol=1e-12)


def test_weights_match_pycma():
    cma = pytest.importorskip("cma")
    for n, lam in [(2, 6), (10, 10), (10, 40), (30, 14)]:
        ours = cma_parameters(n, lam)
        theirs = cma.recombination_weights.RecombinationWeights(lam)
        positive = np.asarray(theirs)[: theirs.mu]
        np.testing.assert_allclose(ours["weights"], positive / positive.sum(), rtol=1e-12)
        assert ours["mueff"] == pytest.approx(theirs.mueff, rel=1e-12)


def test_negative_weights_match_pycma():
    cma = pytest.importorskip("cma")
    for n, lam in [(2, 6), (5, 10), (10, 10), (10, 40), (30, 14), (3, 7)]:
        ours = cma_parameters(n, lam)
        theirs = cma.recombination_weights.RecombinationWeights(lam)
        theirs.finalize_negative_weights(n, ours["c1"], ours["cmu"])
        np.testing.assert_allclose(ours["negative_weights"], np.asarray(theirs)[theirs.mu:],
                                   rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(ours["weights"], np.asarray(theirs)[: theirs.mu], rtol=1e-12)


def test_negative_weights_are_off_when_not_active():
    assert np.all(cma_parameters(5, 10, active=False)["negative_weights"] == 0)
    p = cma_parameters(3, 2)  # mu = 1, mueff = 1: the rank-mu rate comes from the offset
    assert p["cmu"] == pytest.approx(2 * 0.25 / (25 + 1))
    assert p["negative_weights"].shape == (1,) and p["negative_weights"][0] < 0


def test_failures_get_no_negative_weight():
    # Only the n_ranked finite rows are eligible: a failure ranked last changes nothing.
    n, lam = 3, 8
    rng = np.random.default_rng(4)
    base = {**cma_parameters(n, lam), "m": np.full(n, 0.5), "sigma": 0.2, "C": np.eye(n),
            "ps": np.zeros(n), "pc": np.zeros(n), "B": np.eye(n), "D": np.ones(n), "g": 0}
    Y = rng.normal(size=(lam, n))
    a, b = ({k: np.copy(v) for k, v in base.items()} for _ in range(2))
    cma_update(a, Y, np.ones(n), n_ranked=lam - 1)
    Y_other_failure = Y.copy()
    Y_other_failure[-1] *= 5.0
    cma_update(b, Y_other_failure, np.ones(n), n_ranked=lam - 1)
    np.testing.assert_allclose(a["C"], b["C"], atol=1e-15)
    c = {k: np.copy(v) for k, v in base.items()}
    cma_update(c, Y, np.ones(n))  # the last row eligible: C differs
    assert not np.allclose(c["C"], a["C"])


def test_active_is_checked():
    with pytest.raises(TypeError, match="active"):
        CMAES(box(2), active="yes")


def test_one_update_matches_the_tutorial():
    """Eqs. (41)-(47) written out with loops and an explicit C^(-1/2)."""
    n, lam = 4, 8
    rng = np.random.default_rng(0)
    G = rng.normal(size=(n, n))
    C0 = G @ G.T / n + np.eye(n)
    eigenvalues, B = np.linalg.eigh(C0)
    state = {**cma_parameters(n, lam), "m": rng.random(n), "sigma": 0.2, "C": C0.copy(),
             "ps": rng.normal(size=n) * 0.3, "pc": rng.normal(size=n) * 0.1, "B": B,
             "D": np.sqrt(eigenvalues), "g": 3}
    Y = rng.normal(size=(lam, n)) @ np.linalg.cholesky(C0).T
    A = np.array([1.0, 1.0, 2.0, 1.0])
    old = {k: np.copy(v) for k, v in state.items()}
    cma_update(state, Y, A)

    w, mu, mueff = old["weights"], int(old["mu"]), float(old["mueff"])
    cs, cc, c1, cmu, ds = (float(old[k]) for k in ("cs", "cc", "c1", "cmu", "ds"))
    yw = sum(w[i] * Y[i] for i in range(mu))
    ps = (1 - cs) * old["ps"] + math.sqrt(cs * (2 - cs) * mueff) * (
        fractional_matrix_power(C0, -0.5).real @ yw)
    hsig = np.linalg.norm(ps) / math.sqrt(1 - (1 - cs) ** 8) < (1.4 + 2 / 5) * old["chiN"]
    pc = (1 - cc) * old["pc"] + hsig * math.sqrt(cc * (2 - cc) * mueff) * yw
    rank_mu = sum(w[i] * np.outer(Y[i], Y[i]) for i in range(mu))
    inv_sqrt_C0 = fractional_matrix_power(C0, -0.5).real
    negative = old["negative_weights"]  # Eqs. (46), (53): the worst lam - mu, scaled by |.|^-2
    assert len(negative) == lam - mu and np.all(negative < 0)
    for i in range(mu, lam):
        v = inv_sqrt_C0 @ Y[i]
        rank_mu = rank_mu + negative[i - mu] * n / (v @ v) * np.outer(Y[i], Y[i])
    C = ((1 + c1 * (1 - hsig) * cc * (2 - cc) - c1 - cmu * (1 + negative.sum())) * C0
         + c1 * np.outer(pc, pc) + cmu * rank_mu)
    sigma = 0.2 * math.exp(cs / ds * (np.linalg.norm(ps) / old["chiN"] - 1))
    np.testing.assert_allclose(state["m"], old["m"] + 0.2 * A * yw, atol=1e-14)
    np.testing.assert_allclose(state["ps"], ps, atol=1e-12)
    np.testing.assert_allclose(state["pc"], pc, atol=1e-12)
    np.testing.assert_allclose(state["C"], C, atol=1e-12)
    assert state["sigma"] == pytest.approx(sigma, rel=1e-12)
    assert state["g"] == 4


@settings(max_examples=60, deadline=None)
@given(st.floats(0.0, 1.0), st.floats(-7.0, 7.0))
def test_nearest_image_reflects_back_and_is_nearest(u, m):
    x = nearest_image(np.array([u]), np.array([m]))[0]
    assert reflect(np.array([x]))[0] == pytest.approx(u, abs=1e-12)
    images = [u + 2 * k for k in range(-6, 7)] + [-u + 2 * k for k in range(-6, 7)]
    assert abs(x - m) <= min(abs(i - m) for i in images) + 1e-12


# --- convergence ------------------------------------------------------------------------------
SPHERE_RATE = -0.0155  # d log f / d evaluation of pycma's (5_w,10)-CMA-ES, 10-D sphere


def sphere_slopes(seeds):
    out = []
    for seed in seeds:
        strategy = CMAES(box(10), sigma0=0.3, mean0=np.full(10, 0.515), seed=seed)
        evals, best = generations(strategy, lambda X: np.sum(X**2, axis=1), 120)
        keep = evals > 200
        out.append(log_linear_fit(evals[keep], best[keep]))
    return np.array(out)


def test_sphere_converges_log_linearly_at_the_known_rate():
    fits = sphere_slopes(range(3))
    slope, r2 = np.median(fits, axis=0)
    assert np.all(fits[:, 1] > 0.98)  # a straight line in log f
    assert 0.6 * SPHERE_RATE > slope > 1.5 * SPHERE_RATE, slope
    assert r2 > 0.98


def test_sphere_rate_matches_pycma():
    cma = pytest.importorskip("cma")
    theirs = []
    for seed in range(3):
        es = cma.CMAEvolutionStrategy(np.full(10, 3.0), 60.0, {
            "seed": seed + 1, "verbose": -9, "CMA_active": False, "CMA_diagonal": False})
        evals, best = [], []
        for _ in range(120):
            X = es.ask()
            values = [float(x @ x) for x in X]
            es.tell(X, values)
            evals.append(es.countevals)
            best.append(min(values))
        evals, best = np.array(evals), np.array(best)
        theirs.append(log_linear_fit(evals[evals > 200], best[evals > 200])[0])
    ours = np.median(sphere_slopes(range(3, 6))[:, 0])
    assert 0.67 < ours / np.median(theirs) < 1.5


def test_learns_the_hessian_of_a_rotated_ellipsoid():
    """After convergence C is about proportional to H^-1: cond(C) ~ cond(H) = 1e4, and
    H^(1/2) C H^(1/2) is nearly isotropic."""
    d = 10
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    h = 10.0 ** (4 * np.arange(d) / (d - 1))
    H = Q @ np.diag(h) @ Q.T
    strategy = CMAES(box(d, 1.0), sigma0=0.1, mean0=np.full(d, 0.6), seed=1)
    _, best = generations(strategy, lambda X: np.einsum("ij,jk,ik->i", X, H, X), 420)
    assert best[-1] < 1e-12 * best[0]  # converged: 12 orders of magnitude
    eigenvalues = np.linalg.eigvalsh(strategy.cov_)
    assert 0.5e4 < eigenvalues[-1] / eigenvalues[0] < 2e4
    H_half = Q @ np.diag(np.sqrt(h)) @ Q.T
    whitened = np.linalg.eigvalsh(H_half @ strategy.cov_ @ H_half)
    assert whitened[-1] / whitened[0] < 10


# --- restarts ---------------------------------------------------------------------------------
def test_ipop_doubles_the_population_on_restart():
    strategy = CMAES(box(2, 1.0), restarts="ipop", seed=2)
    assert strategy.lambda_ == 6
    generations(strategy, lambda X: np.sum(X**2, axis=1), 250)  # TolFun fires near f = 1e-12
    assert strategy.n_restarts_ >= 2
    assert strategy.lambda_ == 6 * 2**strategy.n_restarts_


def test_restarts_limited_and_off():
    capped = CMAES(box(2, 1.0), restarts="ipop", max_restarts=1, seed=2)
    generations(capped, lambda X: np.sum(X**2, axis=1), 250)
    assert capped.n_restarts_ == 1 and capped.lambda_ == 12
    off = CMAES(box(2, 1.0), seed=2)
    generations(off, lambda X: np.sum(X**2, axis=1), 250)
    assert off.n_restarts_ == 0 and off.lambda_ == 6


def test_ipop_helps_on_rastrigin():
    def rastrigin(X):
        return 10 * X.shape[1] + np.sum(X**2 - 10 * np.cos(2 * np.pi * X), axis=1)

    space = Space({f"x{i}": Real(-5.12, 5.12) for i in range(4)})
    best = {}
    for restarts in ("none", "ipop"):
        runs = []
        for seed in range(8):
            strategy = CMAES(space, restarts=restarts, mean0=np.full(4, 0.8), seed=seed)
            runs.append(generations(strategy, rastrigin, 300)[1].min())
        best[restarts] = np.median(runs)
    assert best["ipop"] < best["none"]


# --- failures, bounds, discrete parameters, injection ------------------------------------------
def test_failures_rank_last():
    """Minimize x, where x < 0.4 fails: the search settles on the feasible edge."""
    space = Space({"x": Real(0.0, 1.0), "y": Real(0.0, 1.0)})
    strategy = CMAES(space, seed=3)
    _, best = generations(
        strategy, lambda X: np.where(X[:, 0] < 0.4, np.nan, X[:, 0] + (X[:, 1] - 0.5) ** 2),
        80)
    finite = [v for _, v in strategy.history if math.isfinite(v)]
    assert min(finite) == pytest.approx(0.4, abs=1e-3)
    assert reflect(strategy.mean_)[0] == pytest.approx(0.4, abs=1e-2)


def test_optimum_in_a_corner():
    space = Space({"a": Real(-1.0, 2.0), "b": Real(1e-3, 10.0, log=True), "c": Real(0.0, 1.0)})
    strategy = CMAES(space, seed=4)
    for _ in range(1000):
        config = strategy.ask()
        strategy.tell(config, -config["a"] - math.log(config["b"]) + (config["c"] - 0.5) ** 2)
    best = min(strategy.history, key=lambda trial: trial[1])[0]
    assert best["a"] == pytest.approx(2.0, abs=1e-4)
    assert best["b"] == pytest.approx(10.0, rel=1e-4)


def test_integers_found_and_the_margin_keeps_sampling_neighbours():
    space = Space({f"k{i}": Integer(0, 20) for i in range(3)})
    strategy = CMAES(space, seed=5)
    generations(strategy, lambda X: np.sum((X - 7) ** 2, axis=1), 60)
    late = []
    for _ in range(60):
        configs = strategy.ask_batch(strategy.lambda_)
        for config in configs:
            strategy.tell(config, float(sum((v - 7) ** 2 for v in config.values())))
        late.extend(configs)
    K = np.array([list(c.values()) for c in late])
    assert np.median(K, axis=0).tolist() == [7, 7, 7]
    alpha = 1 / (3 * strategy.lambda_)  # per side, from a bin's centre
    off = np.mean(K != 7, axis=0)
    assert np.all(off > alpha), off  # without the margin sigma shrinks and this tends to 0


def test_warm_starts_are_injected_with_clipped_steps():
    space = Space({"x": Real(0.0, 1.0), "y": Real(0.0, 1.0)})
    strategy = CMAES(space, sigma0=0.1, seed=6)  # the corner is 5 sigma away on each axis
    m0, sigma0, lam = strategy.mean_, strategy.sigma_, strategy.lambda_
    for _ in range(lam):
        strategy.tell({"x": 1.0, "y": 1.0}, 0.0)
    strategy.ask()  # the warm starts made generation 0
    assert strategy.generation_ == 1
    step = strategy.mean_ - m0
    assert np.all(step > 0)  # toward the corner
    bound = math.sqrt(2) + 2 * 2 / 4  # the clipped Mahalanobis length (C = I)
    assert np.linalg.norm(step) == pytest.approx(sigma0 * bound, rel=1e-9)


def test_telling_copies_or_the_dicts_handed_out_is_the_same():
    """Equal samples (same configuration, different x) told in any order land in the same
    slots whether the very dicts or copies come back, as when a stored run is replayed."""
    space = Space({"k": Integer(0, 2), "j": Integer(0, 1)})  # six configurations in all
    runs = []
    for copies in (False, True):
        strategy = CMAES(space, population_size=12, seed=7)
        rng = np.random.default_rng(0)
        for _ in range(10):
            batch = strategy.ask_batch(14)  # two left untold
            for i in rng.permutation(14)[:12]:
                config = dict(batch[i]) if copies else batch[i]
                strategy.tell(config, config["k"] + config["j"] + rng.random())
        runs.append(strategy)
    a, b = runs
    assert a.history == b.history
    np.testing.assert_array_equal(a.mean_, b.mean_)
    np.testing.assert_array_equal(a.cov_, b.cov_)
    assert a.ask_batch(5) == b.ask_batch(5)


def test_a_config_changed_after_ask_is_validated_or_injected():
    space = Space({"x": Real(0.0, 1.0), "k": Integer(0, 5)})
    strategy = CMAES(space, seed=8)
    lam = strategy.lambda_
    batch = strategy.ask_batch(lam)
    batch[0]["k"] = 1.5
    with pytest.raises(ValueError, match="'k'"):
        strategy.tell(batch[0], 1.0)
    batch[0]["k"] = True
    with pytest.raises(ValueError, match="'k'"):
        strategy.tell(batch[0], 1.0)
    assert strategy.n_told == 0
    batch[0].update(x=0.5, k=2)  # another configuration: injected into the next update
    for config in batch:
        strategy.tell(config, 1.0)
    assert strategy.history[0][0] == {"x": 0.5, "k": 2}
    strategy.tell(strategy.ask(), 1.0)  # the lambda-th of the generation
    strategy.ask()
    assert strategy.generation_ == 1


def test_mean0_and_population_size():
    space = Space({"x": Real(0.0, 10.0), "k": Integer(1, 5)})
    strategy = CMAES(space, mean0={"x": 2.5, "k": 3}, population_size=9, seed=0)
    np.testing.assert_allclose(strategy.mean_, [0.25, 0.5])
    assert strategy.lambda_ == 9 and len(strategy.ask_batch(9)) == 9
    np.testing.assert_allclose(CMAES(space, mean0=[0.1, 0.9]).mean_, [0.1, 0.9])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"sigma0": 0.0}, ValueError, "sigma0"),
        ({"sigma0": "big"}, TypeError, "sigma0"),
        ({"population_size": 1}, ValueError, "population_size"),
        ({"population_size": 4.0}, TypeError, "population_size"),
        ({"mean0": [0.5]}, ValueError, "mean0"),
        ({"mean0": [0.5, 1.5]}, ValueError, "mean0"),
        ({"mean0": {"x": 20.0, "k": 1}}, ValueError, "x"),
        ({"restarts": "pop"}, ValueError, "restarts"),
        ({"max_restarts": -1}, ValueError, "max_restarts"),
    ],
)
def test_invalid_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        CMAES(Space({"x": Real(0.0, 10.0), "k": Integer(1, 5)}), **kwargs)


def test_a_run_past_convergence_stays_finite():
    # Long after the sphere's values stop ranking the samples (round-off at the optimum),
    # sigma and C drift apart; the run must keep asking finite points without warnings.
    import warnings

    from tunelab.search._cma_equations import MAX_STD

    es = CMAES(box(3), seed=7)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3000):
            X = es.ask_array(es.lambda_)
            assert np.all(np.isfinite(X))
            es.tell_array(X, np.sum((X - 0.3) ** 2, axis=1))
    s = es._s
    assert np.all(np.isfinite(s["C"])) and np.isfinite(s["sigma"])
    assert s["sigma"] * s["D"].max() <= MAX_STD * (1 + 1e-12)


def test_keeping_finite_leaves_the_distribution_unchanged():
    from tunelab.search._cma_equations import keep_finite

    rng = np.random.default_rng(0)
    G = rng.normal(size=(3, 3))
    C = (G @ G.T + np.eye(3)) * 2.0**-700
    eigenvalues, B = np.linalg.eigh(C)
    s = {"C": C.copy(), "D": np.sqrt(eigenvalues), "B": B, "pc": rng.normal(size=3) * 2.0**-350,
         "sigma": 2.0**340}
    before = s["sigma"] ** 2 * s["C"], s["sigma"] * s["pc"], s["sigma"] * s["D"]
    keep_finite(s)
    assert 2.0**-300 < s["D"].max() < 2.0**300
    np.testing.assert_array_equal(s["sigma"] ** 2 * s["C"], before[0])  # powers of 2: exact
    np.testing.assert_array_equal(s["sigma"] * s["pc"], before[1])
    np.testing.assert_array_equal(s["sigma"] * s["D"], before[2])
    s["sigma"] = 1e300
    keep_finite(s)
    assert s["sigma"] * s["D"].max() == pytest.approx(1e3)
