"""The in-place softmax of ``_mlp_layers`` on scores whose exponentials overflow, against
SciPy's softmax, and the classifier's probabilities that go through it."""

import numpy as np
import pytest
from scipy.special import softmax as scipy_softmax

from tunelab.models import _mlp_layers as layers
from tunelab.models.mlp import MLPClassifier


def test_softmax_of_huge_scores_is_finite_and_exact():
    """``exp(1000)`` overflows: only the max-shifted form gives the probabilities."""
    Z = np.array([[1000.0, 999.0, -1000.0], [-800.0, 800.0, 799.5], [1.0, 2.0, 3.0]])
    want = scipy_softmax(Z, axis=1)
    P = Z.copy()
    with np.errstate(over="raise", invalid="raise"):  # an overflow is an error, not an inf
        layers.softmax(P)
    np.testing.assert_allclose(P, want, rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-15)


def test_predict_proba_of_a_network_with_huge_scores(rng):
    """A network without hidden layer scores ``X W + c``: weights of size 1e3 give scores
    of size 1e3, whose probabilities must still be SciPy's."""
    X = rng.normal(size=(20, 3))
    model = MLPClassifier(hidden_layer_sizes=(), random_state=0)
    model.partial_fit(X, rng.integers(0, 3, 20))
    model.coefs_[0] = 1e3 * rng.normal(size=(3, 3))
    model.intercepts_[0] = np.array([0.0, 500.0, -500.0])
    scores = X @ model.coefs_[0] + model.intercepts_[0]
    assert np.abs(scores).max() > 800.0  # exp overflows without the shift
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba, scipy_softmax(scores, axis=1), rtol=1e-10, atol=1e-300)
    assert np.all(np.isfinite(proba))


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_predict_scores_of_a_deep_network_against_a_plain_loop(activation, rng):
    phi = {"relu": lambda z: np.maximum(z, 0.0), "tanh": np.tanh,
           "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z))}[activation]
    sizes = (4, 5, 3, 2)
    Ws, bs = layers.unpack(rng.normal(size=layers.n_params(sizes)), sizes)
    X = rng.normal(size=(7, 4))
    A = X
    for W, b in zip(Ws[:-1], bs[:-1], strict=True):
        A = phi(A @ W + b)
    np.testing.assert_allclose(layers.predict_scores(Ws, bs, X, activation), A @ Ws[-1] + bs[-1],
                               rtol=1e-12, atol=1e-14)
