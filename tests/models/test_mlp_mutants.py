"""MLPClassifier and MLPRegressor: target encoding across partial_fit calls, the output
shapes of 1-D and 2-D targets, and the tags scikit-learn reads."""

import numpy as np
import pytest

from tunelab.models.mlp import MLPClassifier, MLPRegressor


def test_regressor_partial_fit_goes_on_with_the_same_number_of_outputs(rng):
    X = rng.normal(size=(12, 3))
    Y = rng.normal(size=(12, 2))
    model = MLPRegressor(hidden_layer_sizes=(4,), random_state=0)
    model.partial_fit(X, Y).partial_fit(X, Y)
    assert model.n_iter_ == 2 and model.n_outputs_ == 2
    assert model.predict(X).shape == (12, 2)
    with pytest.raises(ValueError, match="outputs"):
        model.partial_fit(X, Y[:, :1])


def test_a_two_dimensional_target_of_one_column_predicts_a_column(rng):
    X = rng.normal(size=(10, 2))
    y = rng.normal(size=10)
    flat = MLPRegressor(hidden_layer_sizes=(3,), random_state=1).partial_fit(X, y)
    column = MLPRegressor(hidden_layer_sizes=(3,), random_state=1).partial_fit(X, y[:, None])
    assert flat.predict(X).shape == (10,) and column.predict(X).shape == (10, 1)
    assert flat.n_outputs_ == column.n_outputs_ == 1
    np.testing.assert_array_equal(flat.predict(X), column.predict(X)[:, 0])


def test_regressor_declares_multi_output_targets_to_scikit_learn():
    pytest.importorskip("sklearn")
    assert MLPRegressor().__sklearn_tags__().target_tags.multi_output is True
    assert MLPClassifier().__sklearn_tags__().target_tags.multi_output is False


def test_classifier_labels_at_both_ends_of_the_classes_are_known(rng):
    """The smallest and the largest class, and a label above every class (refused)."""
    X = rng.normal(size=(6, 2))
    model = MLPClassifier(hidden_layer_sizes=(3,), random_state=0)
    model.partial_fit(X[:2], ["a", "c"], classes=["a", "b", "c"])
    model.partial_fit(X[:3], ["c", "a", "b"])
    assert model.classes_.tolist() == ["a", "b", "c"]
    with pytest.raises(ValueError, match=r"\['d'\]"):
        model.partial_fit(X[:2], ["a", "d"])
