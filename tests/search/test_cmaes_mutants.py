"""CMAES: the stalled rank-one update against Eq. (47), and the documented random streams."""

import math

import numpy as np
import pytest

from tunelab.search import CMAES
from tunelab.search._philox_sfc64 import Streams
from tunelab.search.cmaes import cma_parameters, cma_update
from tunelab.space import Real, Space


def test_a_long_path_stalls_the_rank_one_update():
    """With h_sigma = 0, Eq. (45) drops the step from p_c and Eq. (47) adds c1 cc (2 - cc) C."""
    n, lam = 3, 6
    rng = np.random.default_rng(1)
    state = {**cma_parameters(n, lam, active=False), "m": np.full(n, 0.5), "sigma": 0.1,
             "C": np.eye(n), "ps": np.full(n, 20.0), "pc": rng.normal(size=n), "B": np.eye(n),
             "D": np.ones(n), "g": 5}
    Y = rng.normal(size=(lam, n))
    old = {k: np.copy(v) for k, v in state.items()}
    cma_update(state, Y, np.ones(n))
    w, mu, cc, c1, cmu = old["weights"], int(old["mu"]), *(float(old[k]) for k in
                                                           ("cc", "c1", "cmu"))
    ps = (1 - old["cs"]) * old["ps"] + math.sqrt(old["cs"] * (2 - old["cs"]) * old["mueff"]) * (
        w @ Y[:mu])
    assert np.linalg.norm(ps) / math.sqrt(1 - (1 - old["cs"]) ** 12) > 1.9 * old["chiN"]
    pc = (1 - cc) * old["pc"]  # h_sigma = 0
    rank_mu = sum(w[i] * np.outer(Y[i], Y[i]) for i in range(mu))
    C = (1 - c1 - cmu) * np.eye(n) + c1 * (np.outer(pc, pc) + cc * (2 - cc) * np.eye(n)) + (
        cmu * rank_mu)
    np.testing.assert_allclose(state["pc"], pc, atol=1e-14)
    np.testing.assert_allclose(state["C"], C, atol=1e-14)


@pytest.mark.parametrize("seed", [0, 11])
def test_the_first_generation_comes_from_stream_3_0_0(seed):
    space = Space({f"x{i}": Real(0.0, 1.0) for i in range(3)})
    search = CMAES(space, sigma0=0.05, seed=seed)
    got = np.array([list(c.values()) for c in search.ask_batch(search.lambda_)])
    Z = Streams(seed)(3, 0, 0).standard_normal((search.lambda_, 3))
    want = 0.5 + 0.05 * Z  # inside the box: no reflection
    assert np.all((want > 0) & (want < 1))
    np.testing.assert_allclose(got, want, atol=1e-12)


def test_the_next_generation_samples_the_refreshed_eigenbasis():
    """n = 10, lambda = 10: lambda / (10 n (c1 + cmu)) < lambda, so B, D follow C every
    generation and the second generation is m + sigma B D z with C = B D^2 B^T (Eq. 39-40)."""
    n, seed = 10, 3
    space = Space({f"x{i}": Real(0.0, 1.0) for i in range(n)})
    search = CMAES(space, sigma0=0.05, population_size=10, seed=seed)
    scales = np.arange(1.0, n + 1.0) ** 2
    for config in search.ask_batch(10):
        x = np.array(list(config.values()))
        search.tell(config, float(scales @ (x - 0.45) ** 2))
    got = np.array([list(c.values()) for c in search.ask_batch(10)])
    eigenvalues, B = np.linalg.eigh(search.cov_)
    assert not np.allclose(search.cov_, np.eye(n))
    Z = Streams(seed)(3, 1, 0).standard_normal((10, n))
    want = search.mean_ + search.sigma_ * Z @ (B * np.sqrt(eigenvalues)).T
    assert np.all((want > 0) & (want < 1))
    np.testing.assert_allclose(got, want, atol=1e-10)


# --- termination criteria of Hansen (2016), App. B, on hand-set states ---------------------
def quiet_state(**changes):
    """n = 2, lambda = 6, a state no criterion fires on; then ``changes`` applied."""
    search = CMAES(Space({"a": Real(0.0, 1.0), "b": Real(0.0, 1.0)}), sigma0=0.3,
                   population_size=6, seed=0)
    s = search._s
    s.update(m=np.array([0.5, 0.5]), sigma=0.3, C=np.eye(2), B=np.eye(2), D=np.ones(2),
             pc=np.zeros(2), g=0)
    s.update(changes)
    return search


def test_a_quiet_state_does_not_stop():
    assert not quiet_state()._stop(np.arange(6.0))


def test_tolx_needs_both_the_spread_and_the_path_small():
    assert quiet_state(sigma=1e-14)._stop(np.arange(6.0))  # std, sigma |pc| < 1e-12 sigma0
    assert not quiet_state(sigma=1e-14, pc=np.full(2, 1e4))._stop(np.arange(6.0))


def test_no_effect_axis_fires_on_a_tenth_of_a_step_along_the_principal_axis():
    # D = 1/2 along 45 degrees: 0.1 sigma D / sqrt 2 = 7e-17 is lost on 1.0 (half an ulp is
    # 1.1e-16), while 0.2 sigma sqrt(C_jj) = 2e-16 is not, so only NoEffectAxis can fire
    R = np.array([[1.0, -1.0], [1.0, 1.0]]) / math.sqrt(2.0)
    search = quiet_state(m=np.ones(2), sigma=2e-15, C=0.25 * np.eye(2), B=R, D=np.full(2, 0.5),
                         pc=np.full(2, 1e4))
    assert search._stop(np.arange(6.0))
    assert not quiet_state(m=np.ones(2), sigma=2e-14, C=0.25 * np.eye(2), B=R,
                           D=np.full(2, 0.5), pc=np.full(2, 1e4))._stop(np.arange(6.0))


def test_no_effect_coord_fires_when_one_coordinate_cannot_move():
    # coordinate 0 (at 1.0) does not move by 0.2 sigma = 1e-16; axis g % n = 1 moves x_1 = 1e-3
    search = quiet_state(m=np.array([1.0, 1e-3]), sigma=5e-16, pc=np.full(2, 1e4), g=1)
    assert search._stop(np.arange(6.0))


def test_tolfun_looks_back_10_plus_30_n_over_lambda_generations():
    window = 10 + math.ceil(30 * 2 / 6)  # 20
    search = quiet_state(g=window + 1)
    search._best_history = [5.0] + [1.0] * window
    assert search._stop(np.ones(6))  # the last `window` bests and this generation are flat
    search._best_history = [5.0] * 2 + [1.0] * (window - 1)
    assert not search._stop(np.ones(6))


def test_stagnation_compares_the_first_and_last_30_percent_of_the_span():
    search = quiet_state()
    search._best_history = [1.0] * 200
    search._median_history = [2.0] * 200
    assert search._stagnated()  # flat: the recent medians are no better
    # g = 1000: the span is 0.2 g = 200; its first 60 values still improve, its last 60 are
    # flat and lower, so the run is progressing (over the last 130 alone it looks flat)
    history = list(np.linspace(100.0, 2.0, 870)) + [1.0] * 130
    search._best_history, search._median_history = history, history
    assert not search._stagnated()


def test_sorted_median_is_the_median():
    from tunelab.search.cmaes import _sorted_median

    for n in (1, 2, 5, 6, 9):
        values = np.sort(np.random.default_rng(n).normal(size=n))
        assert _sorted_median(values) == pytest.approx(np.median(values), rel=1e-15)


def test_in_high_dimension_the_eigenbasis_waits():
    """n = 120, lambda = 18: lambda / (10 n (c1 + cmu)) > 18, so after one generation B, D are
    still the identity and the second generation samples m + sigma z although C has moved."""
    n, seed = 120, 5
    space = Space({f"x{i}": Real(0.0, 1.0) for i in range(n)})
    search = CMAES(space, sigma0=0.01, seed=seed)
    p = cma_parameters(n, search.lambda_)
    assert search.lambda_ / (10 * n * (p["c1"] + p["cmu"])) > search.lambda_
    for config in search.ask_batch(search.lambda_):
        x = np.array(list(config.values()))
        search.tell(config, float(np.sum((x - 0.45) ** 2)))
    got = np.array([list(c.values()) for c in search.ask_batch(search.lambda_)])
    assert not np.allclose(search.cov_, np.eye(n))
    Z = Streams(seed)(3, 1, 0).standard_normal((search.lambda_, n))
    np.testing.assert_allclose(got, search.mean_ + search.sigma_ * Z, atol=1e-12)
