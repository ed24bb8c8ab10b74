"""Behaviours of :mod:`tunelab.models.base` found untested by mutation testing: ``repr``
hides defaults given again as equal but new objects, shows values whose comparison fails,
float class labels, and the scikit-learn tags that say ``fit`` needs ``y``."""

import numpy as np
import pytest

from tunelab.models import LinearRegression, LogisticRegression
from tunelab.models.base import BaseEstimator, encode_labels


class Toy(BaseEstimator):
    def __init__(self, *, alpha=1.0, layers=(3,), solver="auto"):
        self.alpha = alpha
        self.layers = layers
        self.solver = solver


def test_repr_hides_a_default_given_again_as_an_equal_new_object():
    alpha = float(np.float64(0.5) * 2)  # 1.0, computed: not the default's object
    layers = tuple(range(3, 4))
    assert alpha is not Toy().alpha and layers is not Toy().layers
    assert repr(Toy(alpha=alpha, layers=layers, solver="".join(["au", "to"]))) == "Toy()"
    assert repr(Toy(alpha=np.float64(1.0))) == "Toy()"


def test_repr_shows_a_value_whose_comparison_with_the_default_fails():
    # (array,) == (3,) compares array([1, 2]) == 3, whose truth value is ambiguous
    value = (np.array([1, 2]),)
    with pytest.raises(ValueError, match="ambiguous"):
        bool(value == (3,))
    assert repr(Toy(layers=value)) == "Toy(layers=(array([1, 2]),))"


def test_float_labels_with_whole_values_are_classes_and_others_are_refused():
    classes, index = encode_labels(np.array([1.0, 0.0, 1.0, 2.0]))
    assert classes.tolist() == [0.0, 1.0, 2.0] and index.tolist() == [1, 0, 1, 2]
    with pytest.raises(ValueError, match="continuous"):
        encode_labels(np.array([0.0, 1.0, 0.5]))


@pytest.mark.parametrize("estimator", [LinearRegression(), LogisticRegression()])
def test_sklearn_tags_say_that_fit_needs_y(estimator):
    utils = pytest.importorskip("sklearn.utils")
    tags = utils.get_tags(estimator)
    assert tags.target_tags.required is True
    assert tags.estimator_type == ("regressor" if isinstance(estimator, LinearRegression)
                                   else "classifier")
