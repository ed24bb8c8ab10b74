"""The boundary checks: each rejects bad input with a message naming the argument."""

import numpy as np
import pytest

from tunelab._validation import (
    check_array,
    check_choice,
    check_is_fitted,
    check_random_state,
    check_scalar,
    check_X_y,
)
from tunelab.exceptions import DataConversionWarning, NotFittedError


def test_check_array_converts_lists_to_float64():
    X = check_array([[1, 2], [3, 4]])
    assert X.dtype == np.float64 and X.shape == (2, 2)


@pytest.mark.parametrize(
    ("X", "message"),
    [
        ([1.0, 2.0], "X must be 2-D"),
        (np.empty((0, 3)), "has 0 sample"),
        (np.empty((3, 0)), "0 feature\\(s\\)"),
        ([[1.0, np.nan]], "NaN or infinity"),
        ([[1.0, np.inf]], "NaN or infinity"),
        ([["a", "b"]], "array-like of numbers"),
    ],
)
def test_check_array_rejects(X, message):
    with pytest.raises(ValueError, match=message):
        check_array(X)


def test_check_X_y_lengths_and_labels():
    with pytest.raises(ValueError, match="same number of samples"):
        check_X_y(np.ones((3, 2)), np.ones(4))
    X, y = check_X_y(np.ones((2, 2)), ["a", "b"], y_numeric=False)
    assert y.dtype.kind == "U"
    with pytest.raises(ValueError, match="y contains NaN"):
        check_X_y(np.ones((2, 2)), [0.0, np.nan], y_numeric=False)
    with pytest.raises(ValueError, match="y must be 1-D"):
        check_X_y(np.ones((2, 2)), np.ones((2, 2)))
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        _, y = check_X_y(np.ones((2, 2)), np.array([[1.0], [2.0]]))
    np.testing.assert_array_equal(y, [1.0, 2.0])
    with pytest.raises(ValueError, match="requires y to be passed, but the target y is None"):
        check_X_y(np.ones((2, 2)), None)


@pytest.mark.parametrize(
    ("kwargs", "value", "error", "message"),
    [
        ({"low": 0.0}, -1.0, ValueError, r"alpha must be in \[0.0, inf\)"),
        ({"low": 0.0, "low_inclusive": False}, 0.0, ValueError, r"alpha must be in \(0.0, inf\)"),
        ({"high": 1.0, "high_inclusive": False}, 1.0, ValueError, r"in \(-inf, 1.0\)"),
        ({}, np.nan, ValueError, "alpha must be finite"),
        ({}, "1", TypeError, "alpha must be a real number"),
        ({}, True, TypeError, "alpha must be a real number"),
        ({"kind": int}, 1.5, TypeError, "alpha must be an integer"),
    ],
)
def test_check_scalar_rejects(kwargs, value, error, message):
    with pytest.raises(error, match=message):
        check_scalar(value, "alpha", **kwargs)


def test_check_scalar_accepts_numpy_numbers():
    assert check_scalar(np.float32(0.5), "alpha", low=0.0) == 0.5
    assert check_scalar(np.int64(3), "n", kind=int, low=1) == 3


def test_check_choice():
    assert check_choice("a", "solver", ["a", "b"]) == "a"
    with pytest.raises(ValueError, match="solver must be one of 'a', 'b'; got 'c'"):
        check_choice("c", "solver", ["a", "b"])


def test_check_random_state_is_reproducible():
    a = check_random_state(3).random(5)
    b = check_random_state(3).random(5)
    np.testing.assert_array_equal(a, b)
    gen = np.random.default_rng(0)
    assert check_random_state(gen) is gen
    with pytest.raises(ValueError, match="non-negative"):
        check_random_state(-1)
    with pytest.raises(TypeError, match="random_state"):
        check_random_state("seed")


def test_check_is_fitted():
    class Model:
        pass

    model = Model()
    with pytest.raises(NotFittedError, match="not fitted yet"):
        check_is_fitted(model)
    model.coef_ = 1.0
    check_is_fitted(model)
    with pytest.raises(NotFittedError):
        check_is_fitted(model, "intercept_")


def test_check_array_rejects_complex_sparse_and_objects_with_the_usual_errors():
    with pytest.raises(ValueError, match="Complex data not supported"):
        check_array(np.ones((2, 2)) + 1j)
    sparse = pytest.importorskip("scipy.sparse")
    with pytest.raises(TypeError, match="sparse input is not supported.*toarray"):
        check_array(sparse.csr_array(np.eye(3)))
    X = np.ones((2, 2), dtype=object)
    X[0, 0] = {"a": 1}
    with pytest.raises(TypeError, match="argument must be a string or a real number"):
        check_array(X)
    with pytest.raises(ValueError, match="Reshape your data"):
        check_array(np.ones(3))


def test_random_state_accepts_a_legacy_randomstate_deterministically():
    a = check_random_state(np.random.RandomState(3)).random(4)
    b = check_random_state(np.random.RandomState(3)).random(4)
    np.testing.assert_array_equal(a, b)
    legacy = np.random.RandomState(3)
    first, second = check_random_state(legacy), check_random_state(legacy)
    assert first.random() != second.random()  # the legacy state advances, as it is used


def test_not_fitted_error_is_scikit_learns_once_scikit_learn_is_loaded():
    exceptions = pytest.importorskip("sklearn.exceptions")

    class Unfitted:
        pass

    with pytest.raises(exceptions.NotFittedError) as info:
        check_is_fitted(Unfitted())
    assert isinstance(info.value, NotFittedError)
    assert isinstance(info.value, ValueError) and isinstance(info.value, AttributeError)
