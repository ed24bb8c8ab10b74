"""Learning-rate schedules against their formulas written out independently, with the
documented defaults, and every argument range checked on both sides."""

import math

import numpy as np
import pytest

from tunelab.optim import make_schedule

EPOCHS = [0, 1, 2, 3, 7, 9, 10, 11, 19, 20, 21, 99, 100, 101, 1000]


def test_constant():
    s = make_schedule("constant", 0.3)
    assert [s(e) for e in EPOCHS] == [0.3] * len(EPOCHS)


@pytest.mark.parametrize("power_t", [None, 0.25, 1.0, 2.5])
def test_invscaling(power_t):
    kwargs = {} if power_t is None else {"power_t": power_t}
    p = 0.5 if power_t is None else power_t  # documented default 0.5
    s = make_schedule("invscaling", 0.8, **kwargs)
    for e in EPOCHS:
        assert s(e) == pytest.approx(0.8 * math.pow(e + 1, -p), rel=1e-14)
    assert s(0) == 0.8


@pytest.mark.parametrize("gamma, step_size", [(None, None), (0.1, None), (None, 3), (1.0, 1)])
def test_step(gamma, step_size):
    kwargs = {k: v for k, v in {"gamma": gamma, "step_size": step_size}.items() if v}
    g = 0.5 if gamma is None else gamma  # documented defaults 0.5 and 10
    k = 10 if step_size is None else step_size
    s = make_schedule("step", 2.0, **kwargs)
    for e in EPOCHS:
        assert s(e) == pytest.approx(2.0 * g ** math.floor(e / k), rel=1e-14)


def test_step_default_boundaries():
    s = make_schedule("step", 1.0)
    assert [s(e) for e in (0, 9, 10, 19, 20)] == [1.0, 1.0, 0.5, 0.5, 0.25]


@pytest.mark.parametrize("eta_min", [None, 0.0, 0.01, 0.5])
@pytest.mark.parametrize("T", [1, 4, 10])
def test_cosine(T, eta_min):
    kwargs = {"n_epochs": T} if eta_min is None else {"n_epochs": T, "min_learning_rate": eta_min}
    m = 0.0 if eta_min is None else eta_min
    s = make_schedule("cosine", 0.5, **kwargs)
    for e in range(3 * T + 2):
        want = m + (0.5 - m) * (1 + np.cos(np.pi * min(e, T) / T)) / 2
        assert s(e) == pytest.approx(want, rel=1e-14, abs=1e-17)
    assert s(0) == pytest.approx(0.5, rel=1e-15)
    assert s(T) == pytest.approx(m, abs=1e-17)
    assert s(10 * T) == s(T)


def test_cosine_halfway_is_the_mean():
    s = make_schedule("cosine", 1.0, n_epochs=4, min_learning_rate=0.2)
    assert s(2) == pytest.approx(0.6, rel=1e-15)


@pytest.mark.parametrize(
    "name, kwargs, error",
    [
        ("constant", {"learning_rate": 0.0}, ValueError),
        ("constant", {"learning_rate": -1.0}, ValueError),
        ("invscaling", {"power_t": 0.0}, ValueError),
        ("invscaling", {"power_t": -0.5}, ValueError),
        ("step", {"gamma": 0.0}, ValueError),
        ("step", {"gamma": 1.5}, ValueError),
        ("step", {"step_size": 0}, ValueError),
        ("step", {"step_size": 2.0}, TypeError),
        ("cosine", {}, TypeError),
        ("cosine", {"n_epochs": 0}, ValueError),
        ("cosine", {"n_epochs": 5, "min_learning_rate": -0.1}, ValueError),
        ("cosine", {"n_epochs": 5, "min_learning_rate": 0.6}, ValueError),
        ("constant", {"gamma": 0.5}, TypeError),
        ("step", {"n_epochs": 5}, TypeError),
        ("invscaling", {"gamma": 0.5}, TypeError),
    ],
)
def test_bad_arguments(name, kwargs, error):
    kwargs = {"learning_rate": 0.5, **kwargs}
    with pytest.raises(error):
        make_schedule(name, **kwargs)


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("constant", {"learning_rate": 1e-300}),
        ("invscaling", {"power_t": 1e-9}),
        ("step", {"gamma": 1.0}),
        ("step", {"gamma": 1e-9}),
        ("step", {"step_size": 1}),
        ("cosine", {"n_epochs": 1}),
        ("cosine", {"n_epochs": 5, "min_learning_rate": 0.0}),
        ("cosine", {"n_epochs": 5, "min_learning_rate": 0.5}),  # equal to learning_rate
    ],
)
def test_arguments_at_the_ends_of_their_ranges(name, kwargs):
    kwargs = {"learning_rate": 0.5, **kwargs}
    s = make_schedule(name, **kwargs)
    assert s(0) == kwargs["learning_rate"]


def test_epoch_is_a_non_negative_int():
    s = make_schedule("constant", 0.1)
    assert s(0) == 0.1 and s(np.int64(3)) == 0.1
    with pytest.raises(ValueError, match="epoch"):
        s(-1)
    with pytest.raises(TypeError, match="epoch"):
        s(1.0)
