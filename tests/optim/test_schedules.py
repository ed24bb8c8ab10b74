"""Learning-rate schedules: closed forms, monotonicity, errors."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tunelab.optim.schedules import SCHEDULES, make_schedule


def test_constant():
    schedule = make_schedule("constant", 0.3)
    assert [schedule(e) for e in (0, 1, 1000)] == [0.3, 0.3, 0.3]


def test_invscaling_closed_form():
    schedule = make_schedule("invscaling", 1.0, power_t=0.5)
    assert schedule(0) == 1.0
    assert schedule(3) == pytest.approx(0.5)  # 1 / sqrt(4)
    assert make_schedule("invscaling", 0.2)(8) == pytest.approx(0.2 / 3.0)  # default 0.5


def test_step_closed_form():
    schedule = make_schedule("step", 0.8, gamma=0.5, step_size=3)
    assert [schedule(e) for e in range(7)] == pytest.approx(
        [0.8, 0.8, 0.8, 0.4, 0.4, 0.4, 0.2]
    )
    assert make_schedule("step", 1.0)(25) == pytest.approx(0.25)  # halved every 10 epochs


def test_cosine_closed_form_and_ends():
    schedule = make_schedule("cosine", 1.0, n_epochs=4, min_learning_rate=0.2)
    # 0.2 + 0.4 (1 + cos(pi e / 4)) at e = 0..4, then held at the minimum
    expected = [1.0, 0.2 + 0.4 * (1 + math.sqrt(0.5)), 0.6, 0.2 + 0.4 * (1 - math.sqrt(0.5)),
                0.2, 0.2]
    assert [schedule(e) for e in range(6)] == pytest.approx(expected)


@settings(max_examples=40, deadline=None)
@given(
    name=st.sampled_from(SCHEDULES),
    learning_rate=st.floats(1e-5, 10.0),
    epochs=st.lists(st.integers(0, 500), min_size=2, max_size=10),
)
def test_every_schedule_starts_at_the_rate_and_never_increases(name, learning_rate, epochs):
    kwargs = {"n_epochs": 50} if name == "cosine" else {}
    schedule = make_schedule(name, learning_rate, **kwargs)
    assert schedule(0) == pytest.approx(learning_rate)
    epochs = sorted(epochs)
    rates = [schedule(e) for e in epochs]
    assert all(0.0 <= r <= learning_rate * (1 + 1e-12) for r in rates)
    assert all(a >= b - 1e-15 for a, b in zip(rates, rates[1:], strict=False))


def test_repr_names_the_schedule():
    assert repr(make_schedule("step", 0.1, step_size=5)) == (
        "Schedule('step', learning_rate=0.1, step_size=5)"
    )


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        (("linear", 0.1), {}, ValueError, "name must be one of"),
        (("constant", 0.0), {}, ValueError, "learning_rate"),
        (("constant", -1.0), {}, ValueError, "learning_rate"),
        (("invscaling", 0.1), {"power_t": 0.0}, ValueError, "power_t"),
        (("step", 0.1), {"gamma": 1.5}, ValueError, "gamma"),
        (("step", 0.1), {"step_size": 0}, ValueError, "step_size"),
        (("step", 0.1), {"step_size": 2.5}, TypeError, "step_size"),
        (("cosine", 0.1), {}, TypeError, "n_epochs"),
        (("cosine", 0.1), {"n_epochs": 0}, ValueError, "n_epochs"),
        (("cosine", 0.1), {"n_epochs": 5, "min_learning_rate": 0.2}, ValueError,
         "min_learning_rate"),
        (("constant", 0.1), {"gamma": 0.5}, TypeError, "unknown"),
    ],
)
def test_bad_arguments(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        make_schedule(*args, **kwargs)


def test_bad_epoch():
    schedule = make_schedule("constant", 0.1)
    with pytest.raises(ValueError, match="epoch"):
        schedule(-1)
    with pytest.raises(TypeError, match="epoch"):
        schedule(1.5)
