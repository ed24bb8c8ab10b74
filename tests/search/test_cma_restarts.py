"""BIPOP restarts (Hansen 2009): the regime with fewer evaluations runs next; large runs
double the population, small ones draw it and their step size from U ~ U[0, 1]."""

import math

import numpy as np
import pytest

from tunelab.search import CMAES
from tunelab.search._philox_sfc64 import Streams
from tunelab.space import Real, Space


def _sphere_generations(es, n_generations):
    for _ in range(n_generations):
        X = es.ask_array(es.lambda_)
        es.tell_array(X, np.sum((X - 0.3) ** 2, axis=1))


def test_bipop_regimes_follow_the_budget_rule_and_the_formulas():
    space = Space({f"x{i}": Real(0.0, 1.0) for i in range(3)})
    es = CMAES(space, restarts="bipop", max_restarts=8, seed=7)
    lam0 = es.lambda_
    _sphere_generations(es, 2500)  # TolFun ends each run near f = 1e-12
    runs = es.explain()["restarts"]["runs"]
    assert len(runs) >= 5, "too few restarts: the test checks little"
    assert {r["regime"] for r in runs} == {"large", "small"}
    assert runs[0]["regime"] == "large" and runs[0]["lambda"] == lam0
    n = len(space)
    for k in range(1, len(runs)):
        before = runs[:k]
        spent = {g: sum(r["evals"] for r in before if r["regime"] == g) for g in ("large",
                                                                                 "small")}
        rng = Streams(es.seed)(4, k, 0)  # the restart's stream: the mean, then U
        mean = rng.random(n)
        np.testing.assert_array_equal(runs[k]["mean0"], mean)
        if spent["small"] >= spent["large"]:
            n_large = sum(r["regime"] == "large" for r in before)
            assert runs[k]["regime"] == "large"
            assert runs[k]["lambda"] == lam0 * 2**n_large and runs[k]["sigma0"] == es.sigma0
        else:
            u = rng.random()
            lam_large = [r["lambda"] for r in before if r["regime"] == "large"][-1]
            assert runs[k]["regime"] == "small"
            assert runs[k]["lambda"] == max(2, math.floor(lam0 * (lam_large / (2 * lam0))
                                                          ** (u * u)))
            assert runs[k]["sigma0"] == pytest.approx(es.sigma0 * 10 ** (-2 * u), rel=1e-15)
    counted = sum(r["evals"] for r in runs)  # every update's evaluations in one run
    assert counted <= es.n_told <= counted + es.lambda_  # and the generation not yet updated


def test_ipop_runs_unchanged_by_the_bipop_rules():
    space = Space({f"x{i}": Real(0.0, 1.0) for i in range(2)})
    es = CMAES(space, restarts="ipop", max_restarts=3, seed=2)
    _sphere_generations(es, 800)
    runs = es.explain()["restarts"]["runs"]
    assert [r["lambda"] for r in runs] == [runs[0]["lambda"] * 2**k for k in range(len(runs))]
    assert all(r["regime"] == "large" and r["sigma0"] == es.sigma0 for r in runs)
    assert len(runs) == 4


def test_bipop_small_runs_start_with_smaller_steps():
    space = Space({f"x{i}": Real(0.0, 1.0) for i in range(2)})
    es = CMAES(space, restarts="bipop", max_restarts=6, seed=0)
    _sphere_generations(es, 2000)
    small = [r for r in es.explain()["restarts"]["runs"] if r["regime"] == "small"]
    assert small and all(0.01 * es.sigma0 <= r["sigma0"] <= es.sigma0 for r in small)
    assert all(2 <= r["lambda"] <= es._lam0 for r in small)  # the first large run is lam0
