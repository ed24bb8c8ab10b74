"""CMAES.explain where its details act: the ellipse's parametrization (101 points, one turn,
closed, distinct), the covariance of the samples with a discrete coordinate's margin, the
``due`` flag at its boundaries (lambda told, lambda injected before a generation's first ask),
an empty generation, and the rank of an untold sample."""

import math

import numpy as np

from tunelab.search import CMAES
from tunelab.search._explain_cmaes import ellipse
from tunelab.space import Integer, Real, Space

SPACE = Space({"x": Real(0.0, 1.0), "y": Real(0.0, 1.0)})
INFO = [{"low": 0.0, "high": 1.0, "log": False}] * 2


def test_the_ellipse_is_one_closed_turn_of_101_distinct_points():
    cov = np.array([[0.04, 0.01], [0.01, 0.02]])
    e = ellipse(INFO, np.array([0.5, 0.5]), cov)
    B = e["boundary_unit"]
    assert B.shape == (101, 2)
    np.testing.assert_array_equal(B[0], B[-1])
    assert len({tuple(p) for p in B[:-1]}) == 100  # no point repeated but the closing one
    # in the frame of the axes, point k sits at angle 2 pi k / 100
    Z = (B - e["center"]) @ e["directions"] / e["radii"]
    angles = np.unwrap(np.arctan2(Z[:-1, 1], Z[:-1, 0]))
    np.testing.assert_allclose(np.diff(angles), 2 * math.pi / 100, rtol=1e-9)


def test_the_samples_covariance_carries_the_margin_of_a_discrete_coordinate():
    space = Space({"x": Real(0.0, 1.0), "k": Integer(0, 2)})
    es = CMAES(space, sigma0=0.02, seed=1)  # a small step: the margin of k binds
    snap = es.explain()
    A = np.diag(snap["margin"])
    assert not np.allclose(snap["margin"], 1.0)
    np.testing.assert_allclose(snap["covariance_unit"],
                               snap["sigma"] ** 2 * A @ snap["C"] @ A, rtol=1e-12)


def test_due_once_lambda_samples_are_told():
    es = CMAES(SPACE, seed=0)
    configs = es.ask_batch(es.lambda_)
    for c in configs[:-1]:
        es.tell(c, c["x"] + c["y"])
    assert es.explain()["due"] is False
    es.tell(configs[-1], 1.0)
    assert es.explain()["due"] is True


def test_due_when_lambda_configurations_wait_before_a_generations_first_ask():
    es = CMAES(SPACE, seed=0)
    rng = np.random.default_rng(0)
    for _ in range(es.lambda_ - 1):
        x, y = rng.random(2)
        es.tell({"x": float(x), "y": float(y)}, float(x + y))  # not asked: injected
    assert es.explain()["due"] is False
    es.tell({"x": 0.5, "y": 0.5}, 1.0)
    assert es.explain()["due"] is True


def test_a_generation_with_nothing_asked_has_no_samples():
    snap = CMAES(SPACE, seed=0).explain()
    assert snap["samples"]["unit"].shape == (0, 2)


def test_an_untold_sample_has_rank_minus_one():
    es = CMAES(SPACE, seed=0)
    configs = es.ask_batch(3)
    es.tell(configs[0], 0.0)
    samples = es.explain()["samples"]  # the generation's block of lambda samples
    assert samples["rank"][0] == 0 and np.all(samples["rank"][1:] == -1)
    assert np.all(samples["weight"][1:] == 0.0) and samples["told"].tolist()[:3] == [
        True, False, False]
