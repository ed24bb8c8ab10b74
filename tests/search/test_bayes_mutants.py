"""BayesianOptimization: where hyperparameters are fitted afresh, the bounds of its
validation, the size of the acquisition's candidate set and the independence of its random
streams. References: the checkpoints as the class Notes state them (every observation up to
16, then growth by a quarter), and the documented candidate count."""

import math

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from tunelab.search import BayesianOptimization, _bo_encoding, _bo_surrogate, _explain_bayes, bayes
from tunelab.space import Real, Space

FAST = {"n_candidates": 64, "n_restarts": 1}


@pytest.fixture(autouse=True)
def _one_blas_thread():
    with threadpool_limits(1):
        yield


@pytest.fixture
def space():
    return Space({"x": Real(-2.0, 3.0), "y": Real(-1.0, 1.0)})


def value(config):
    return (config["x"] - 0.5) ** 2 + (config["y"] - 0.2) ** 2


def documented_checkpoints(limit):
    """1, ..., 16, then ceil(1.25 s) of the last one: 20, 25, 32, ..."""
    out = list(range(1, 17))
    while out[-1] < limit:
        out.append(math.ceil(1.25 * out[-1]))
    return out


def test_hyperparameters_start_afresh_at_the_checkpoints(space, monkeypatch):
    """Fits without a start (fresh) happen on 2..16 and 20 observations; the asks after 17,
    18, 19 and 21 start from the fit of 16 or 20 observations."""
    assert documented_checkpoints(40)[16:20] == [20, 25, 32, 40]
    fresh, warm = [], []
    real_fit = _bo_surrogate.fit_gps

    def recording(X, y, options, rng, start=None):
        (fresh if start is None else warm).append(len(X))
        return real_fit(X, y, options, rng, start)

    monkeypatch.setattr(_bo_surrogate, "fit_gps", recording)
    bo = BayesianOptimization(space, n_initial=2, hyperparameters="fixed", seed=0, **FAST)
    for _ in range(22):
        config = bo.ask()
        bo.tell(config, value(config))
    checkpoints = set(documented_checkpoints(22))
    assert fresh == [m for m in range(2, 22) if m in checkpoints]
    assert warm == [m for m in range(2, 22) if m not in checkpoints]


def test_the_smallest_valid_n_initial_and_xi_are_accepted(space):
    """``n_initial >= 1`` and ``xi >= 0``: the bounds themselves are valid; with one initial
    point the second ask already comes from the GP."""
    bo = BayesianOptimization(space, n_initial=1, xi=0.0, seed=1, **FAST)
    assert bo.n_initial_ == 1
    config = bo.ask()
    bo.tell(config, value(config))
    assert bo.gp_ is None
    bo.ask()
    assert bo.gp_ is not None
    assert BayesianOptimization(space, xi=0.5, **FAST).xi == 0.5


def test_the_default_acquisition_scores_1024_sobol_and_256_local_points(space):
    """``n_candidates`` defaults to 1024 Sobol' points, plus a quarter as many local ones;
    ``explain`` lists every point scored, the refined ends too."""
    bo = BayesianOptimization(space, n_initial=3, n_restarts=2, seed=2)
    for _ in range(3):
        config = bo.ask()
        bo.tell(config, value(config))
    sources = np.asarray(bo.explain()["candidates"]["source"])
    assert np.sum(sources == "sobol") == 1024
    assert np.sum(sources == "local") == 256


def test_the_random_streams_have_distinct_spawn_keys():
    """Every stream of BO is ``SeedSequence(seed, spawn_key=(tag, ...))`` with its own tag:
    the design streams, the hyperparameter fit, the Lipschitz probe and the explained draw."""
    tags = [_bo_encoding._SOBOL, _bo_encoding._LHS, _bo_encoding._RANDOM, bayes._FIT,
            bayes._PROBE, _explain_bayes._DRAW]
    assert len(set(tags)) == len(tags)


def test_a_replayed_history_fits_its_last_checkpoint_first(space, monkeypatch):
    """Replay fits nothing; the next ask on 17 observations fits the checkpoint of 16 afresh
    and starts the fit of 17 from it, as the original run did (the Notes' reproducibility)."""
    bo = BayesianOptimization(space, n_initial=2, hyperparameters="fixed", seed=3, **FAST)
    for _ in range(17):
        config = bo.ask()
        bo.tell(config, value(config))
    history = list(bo.history)
    expected = bo.ask()
    fresh, warm = [], []
    real_fit = _bo_surrogate.fit_gps

    def recording(X, y, options, rng, start=None):
        (fresh if start is None else warm).append(len(X))
        return real_fit(X, y, options, rng, start)

    monkeypatch.setattr(_bo_surrogate, "fit_gps", recording)
    rebuilt = BayesianOptimization(space, n_initial=2, hyperparameters="fixed", seed=3, **FAST)
    for config, v in history:
        rebuilt.replay_ask(config)
        rebuilt.tell(config, v)
    assert (fresh, warm) == ([], [])
    assert rebuilt.ask() == expected
    assert fresh == [16] and warm == [17]
