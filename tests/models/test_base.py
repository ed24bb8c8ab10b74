"""The estimator contract: parameters from the signature, repr, sklearn interoperability."""

import numpy as np
import pytest

from tunelab.exceptions import NotFittedError
from tunelab.models.base import BaseEstimator, encode_labels


class Toy(BaseEstimator):
    def __init__(self, *, alpha=1.0, layers=(3,), solver="auto"):
        self.alpha = alpha
        self.layers = layers
        self.solver = solver


def test_get_set_params_round_trip():
    toy = Toy(alpha=2.0)
    assert toy.get_params() == {"alpha": 2.0, "layers": (3,), "solver": "auto"}
    assert toy.set_params(solver="qr", alpha=0.5) is toy
    assert toy.get_params()["solver"] == "qr" and toy.alpha == 0.5


def test_set_params_rejects_unknown_names():
    with pytest.raises(ValueError, match="Invalid parameter 'beta'.*alpha, layers, solver"):
        Toy().set_params(beta=1)


def test_repr_shows_changed_parameters_only():
    assert repr(Toy()) == "Toy()"
    assert repr(Toy(alpha=0.1, layers=(3,))) == "Toy(alpha=0.1)"
    assert repr(Toy(layers=np.array([1, 2]))) == "Toy(layers=array([1, 2]))"


def test_sklearn_clone_works():
    base = pytest.importorskip("sklearn.base")
    toy = Toy(alpha=3.0, layers=(4, 5))
    copy = base.clone(toy)
    assert copy is not toy and copy.get_params() == toy.get_params()


def test_check_n_features():
    toy = Toy()
    with pytest.raises(NotFittedError):
        toy._check_n_features(np.ones((2, 3)))
    toy.n_features_in_ = 3
    with pytest.raises(ValueError, match="X has 2 features, but Toy is expecting 3 features"):
        toy._check_n_features(np.ones((2, 2)))


def test_encode_labels():
    classes, index = encode_labels(np.array(["b", "a", "b"]))
    assert classes.tolist() == ["a", "b"] and index.tolist() == [1, 0, 1]
    with pytest.raises(ValueError, match="at least two classes"):
        encode_labels(np.array([1, 1, 1]))
