"""Accuracy's stated surrogate: the log loss, a bound on the error rate."""

import numpy as np
import pytest

import tunelab as tl
from tunelab.hypergrad import ValidationLoss


def _data(k, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(200, 5))
    y = np.digitize(X @ rng.normal(size=5) + rng.normal(size=200), np.linspace(-1, 1, k - 1))
    return X[:100], y[:100], X[100:], y[100:]


@pytest.mark.parametrize("k", [2, 4])
def test_error_rate_is_at_most_log_loss_over_log2(k):
    X, y, Xv, yv = _data(k, seed=k)
    f = ValidationLoss(tl.LogisticRegression(), X, y, Xv, yv)
    tight = 0.0
    for alpha in np.geomspace(1e-4, 10.0, 15):
        value, _ = f({"alpha": alpha})
        model = tl.LogisticRegression(alpha=alpha).fit(X, y)
        error = float(np.mean(model.predict(Xv) != yv))
        assert error <= value / np.log(2) + 1e-12
        tight = max(tight, error * np.log(2) / value)
    assert tight > 0.2  # the bound is not vacuous on these data


def test_accuracy_is_refused_with_its_surrogate():
    with pytest.raises(ValueError, match="accuracy.*log_loss"):
        ValidationLoss(tl.LogisticRegression(), *_data(2, 0), metric="accuracy")
