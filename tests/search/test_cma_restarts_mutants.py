"""Behaviours of :mod:`tunelab.search._cma_restarts` found untested by mutation testing:
``next_run`` on hand-made run lists, against the formulas of its docstring (Auger & Hansen
2005; Hansen 2009)."""

import math

import numpy as np
import pytest

from tunelab.search._cma_restarts import next_run


def _run(regime, lam, evals):
    return {"regime": regime, "lambda": lam, "evals": evals}


@pytest.mark.parametrize("rule", ["ipop", "bipop"])
def test_a_large_run_doubles_the_population_per_earlier_large_run(rule):
    rng = np.random.default_rng(0)
    runs = [_run("large", 6, 600)]
    for k in range(1, 5):
        # bipop: the small regime has spent at least as much, so the large one runs
        runs_k = [*runs, _run("small", 3, 10**6)] if rule == "bipop" else runs
        regime, lam, sigma = next_run(rule, runs_k, 6, 0.3, rng)
        assert (regime, lam, sigma) == ("large", 6 * 2**k, 0.3)
        runs = [*runs, _run("large", lam, 600)]


def test_ipop_ignores_the_spent_evaluations():
    rng = np.random.default_rng(1)
    runs = [_run("large", 5, 10**6), _run("small", 2, 1), _run("large", 10, 7)]
    assert next_run("ipop", runs, 5, 0.2, rng) == ("large", 20, 0.2)


def test_bipop_runs_the_large_regime_on_a_tie():
    rng = np.random.default_rng(2)
    runs = [_run("large", 4, 100), _run("small", 2, 60), _run("small", 3, 40)]
    assert next_run("bipop", runs, 4, 0.5, rng) == ("large", 8, 0.5)


@pytest.mark.parametrize("seed", range(6))
def test_bipop_small_run_draws_lambda_and_sigma_from_one_uniform(seed):
    # lambda = floor(lam0 (lam_L / (2 lam0))^(U^2)), at least 2; sigma = sigma0 10^(-2U),
    # lam_L the population of the latest large run (not the first, not the largest)
    lam0, sigma0 = 7, 0.25
    runs = [_run("large", 7, 500), _run("large", 56, 900), _run("small", 3, 300),
            _run("large", 28, 200)]  # a made-up latest large run, smaller than the one before
    u = np.random.default_rng(seed).random()
    regime, lam, sigma = next_run("bipop", runs, lam0, sigma0, np.random.default_rng(seed))
    ratio = 28 / (2 * lam0)  # 2.0
    assert regime == "small"
    assert lam == max(2, math.floor(lam0 * ratio ** (u * u)))
    assert lam0 <= lam <= 2 * lam0  # ratio^(U^2) lies in [1, 2]
    assert sigma == pytest.approx(sigma0 * 10.0 ** (-2.0 * u), rel=1e-14)
    assert 0.01 * sigma0 <= sigma <= sigma0


def test_bipop_small_lambda_over_a_grid_of_uniforms():
    # a generator whose draw is a chosen u: lambda and sigma at the ends and in between
    class Fixed:
        def __init__(self, u):
            self.u = u

        def random(self):
            return self.u

    lam0, runs = 10, [_run("large", 80, 1000), _run("small", 2, 10)]
    for u in (0.0, 0.3, 0.5, 0.9, 0.999):
        regime, lam, sigma = next_run("bipop", runs, lam0, 1.0, Fixed(u))
        assert regime == "small"
        assert lam == math.floor(10 * 4.0 ** (u * u))  # lam_L / (2 lam0) = 4
        assert sigma == pytest.approx(100.0 ** -u, rel=1e-14)
    assert next_run("bipop", runs, lam0, 1.0, Fixed(0.0))[1:] == (10, 1.0)


def test_bipop_small_lambda_is_at_least_two():
    class Fixed:
        def random(self):
            return 0.9

    # lam_L / (2 lam0) < 1 (a latest large run smaller than 2 lam0): the floor falls below 2
    runs = [_run("large", 2, 1000), _run("small", 2, 10)]
    assert next_run("bipop", runs, 3, 1.0, Fixed())[1] == 2
    assert math.floor(3 * (2 / 6) ** 0.81) == 1
