"""Behaviours of :mod:`tunelab.search._told_values` found untested by mutation testing: what
``tell``, ``tell_batch`` and ``tell_array`` accept as values and rows, and what they refuse
(the type or shape named, nothing told)."""

import math

import numpy as np
import pytest

from tunelab.search import RandomSearch
from tunelab.space import Categorical, Integer, Real, Space

SPACE = Space({"x": Real(-2.0, 3.0), "k": Integer(1, 8), "c": Categorical(["a", "b"])})
ROWS = np.array([[0.5, 3.0, 0.0], [-1.0, 8.0, 1.0], [2.5, 1.0, 1.0]])
CONFIGS = [{"x": 0.5, "k": 3, "c": "a"}, {"x": -1.0, "k": 8, "c": "b"},
           {"x": 2.5, "k": 1, "c": "b"}]


def _strategy():
    return RandomSearch(SPACE, seed=0)


@pytest.mark.parametrize("value", [3, np.int64(-2), np.float32(0.25), np.float64(1.5),
                                   math.inf, math.nan])
def test_real_numbers_of_any_type_are_told_as_floats(value):
    strategy = _strategy()
    strategy.tell(CONFIGS[0], value)
    (_, told), = strategy.history
    assert type(told) is float
    assert told == float(value) or (math.isnan(told) and math.isnan(value))


@pytest.mark.parametrize("value", [True, np.bool_(False), "1.0", None, 1j, [1.0]])
def test_anything_else_is_a_type_error_and_nothing_is_told(value):
    strategy = _strategy()
    with pytest.raises(TypeError, match="value must be a real number"):
        strategy.tell(CONFIGS[0], value)
    assert strategy.n_told == 0 and strategy.history == []


@pytest.mark.parametrize("values", [[1.0, 2.0, 3.0], (1, 2.0, np.float32(3.0)),
                                    np.array([1.0, 2.0, 3.0]), np.array([1, 2, 3]),
                                    np.array([1, 2, 3], dtype=np.uint8), range(1, 4)])
def test_values_as_any_sequence_or_one_dimensional_array(values):
    for tell in ("tell_batch", "tell_array"):
        strategy = _strategy()
        getattr(strategy, tell)(CONFIGS if tell == "tell_batch" else ROWS.copy(), values)
        assert strategy.history == list(zip(CONFIGS, [1.0, 2.0, 3.0], strict=True))
        assert all(type(v) is float for _, v in strategy.history)


@pytest.mark.parametrize("values", [np.ones((3, 1)), np.ones((1, 3)), np.zeros((3, 1, 1))])
def test_values_of_more_than_one_dimension_are_refused(values):
    for tell in ("tell_batch", "tell_array"):
        strategy = _strategy()
        with pytest.raises(ValueError, match="values must be one-dimensional; got shape"):
            getattr(strategy, tell)(CONFIGS if tell == "tell_batch" else ROWS, values)
        assert strategy.n_told == 0


@pytest.mark.parametrize("values", ["123", b"123", {"a": 1.0}, 1.0, None])
def test_values_that_are_no_sequence_are_refused(values):
    for tell in ("tell_batch", "tell_array"):
        strategy = _strategy()
        with pytest.raises(TypeError, match="values must be a sequence of real numbers"):
            getattr(strategy, tell)(CONFIGS[:1] if tell == "tell_batch" else ROWS[:1], values)
        assert strategy.n_told == 0


@pytest.mark.parametrize("values", [np.array([True, False, True]), [1.0, True, 2.0],
                                    np.array(["1", "2", "3"]), [1.0, "2", 3.0]])
def test_tell_array_refuses_values_that_are_no_real_numbers(values):
    strategy = _strategy()
    with pytest.raises(TypeError, match="value must be a real number"):
        strategy.tell_array(ROWS, values)
    assert strategy.n_told == 0


def test_tell_array_copies_the_values():
    strategy = _strategy()
    values = np.array([1.0, 2.0, 3.0])
    strategy.tell_array(ROWS, values)
    values[:] = 0.0  # the caller reuses its array
    assert [v for _, v in strategy.history] == [1.0, 2.0, 3.0]


@pytest.mark.parametrize("X", [ROWS.astype(np.float32), ROWS.tolist(), ROWS.copy()])
def test_tell_array_takes_numeric_rows_of_any_kind(X):
    strategy = _strategy()
    strategy.tell_array(X, [1.0, 2.0, 3.0])
    assert strategy.history == list(zip(CONFIGS, [1.0, 2.0, 3.0], strict=True))


@pytest.mark.parametrize(
    ("X", "error", "match"),
    [
        (ROWS.astype(str), TypeError, "X must be an array of numbers; got dtype"),
        (ROWS.astype(object), TypeError, "X must be an array of numbers; got dtype"),
        (ROWS[0], ValueError, r"X must have shape \(m, 3\).*got shape \(3,\)"),
        (ROWS[:, :2], ValueError, r"X must have shape \(m, 3\).*got shape \(3, 2\)"),
        (np.hstack([ROWS, ROWS[:, :1]]), ValueError, r"got shape \(3, 4\)"),
        (ROWS[None], ValueError, r"got shape \(1, 3, 3\)"),
    ],
)
def test_tell_array_refuses_rows_of_another_type_or_shape(X, error, match):
    strategy = _strategy()
    with pytest.raises(error, match=match):
        strategy.tell_array(X, [1.0, 2.0, 3.0][: len(X)])
    assert strategy.n_told == 0


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_tell_array_names_the_first_non_finite_entry(bad):
    strategy = _strategy()
    X = ROWS.copy()
    X[1, 2] = bad
    X[2, 0] = bad  # a later one: the message names the first, in row-major order
    with pytest.raises(ValueError, match=rf"X must be finite; got X\[1, 2\] = {bad}"):
        strategy.tell_array(X, [1.0, 2.0, 3.0])
    assert strategy.n_told == 0
