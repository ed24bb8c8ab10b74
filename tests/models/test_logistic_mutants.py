"""LogisticRegression: zero weights dropped whatever the other weights are (the separation check
sees only the rows that count), plain SGD's documented default minibatch of 8 samples, and
L-BFGS stopped by float64 before ``max_iter`` saying so."""

import warnings

import numpy as np
import pytest

from tunelab.exceptions import ConvergenceWarning
from tunelab.models import LogisticRegression


@pytest.mark.parametrize("positive", [2.0, 0.5, 3.7])
def test_zero_weights_are_dropped_when_no_weight_is_one(positive):
    # the rows of positive weight are separated at x = 0, the zero-weight rows overlap them
    X = np.array([[-2.0], [-1.0], [1.0], [2.0], [1.5], [-1.5]])
    y = np.array([0, 0, 1, 1, 0, 1])
    w = np.array([positive] * 4 + [0.0, 0.0])
    with pytest.raises(ValueError, match="linearly separable"):
        LogisticRegression(alpha=0.0).fit(X, y, sample_weight=w)


def test_zero_weights_fit_as_the_rows_removed(rng):
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] + rng.normal(size=40) > 0).astype(int)
    w = np.where(np.arange(40) % 4 == 0, 0.0, 2.5)
    weighted = LogisticRegression(alpha=0.0, tol=1e-12).fit(X, y, sample_weight=w)
    keep = w > 0
    subset = LogisticRegression(alpha=0.0, tol=1e-12).fit(X[keep], y[keep])
    np.testing.assert_allclose(weighted.coef_, subset.coef_, rtol=1e-8)
    # frequency weights 2.5: the information is 2.5 times that of the subset
    np.testing.assert_allclose(weighted.stderr_, subset.stderr_ / np.sqrt(2.5), rtol=1e-7)


def test_plain_sgd_default_minibatch_is_the_documented_eight(binary_data):
    X, y = binary_data
    options = {"solver": "sgd", "variance_reduction": False, "random_state": 5, "max_iter": 3}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        default = LogisticRegression(**options).fit(X, y)
        eight = LogisticRegression(batch_size=8, **options).fit(X, y)
        nine = LogisticRegression(batch_size=9, **options).fit(X, y)
    np.testing.assert_array_equal(default.coef_, eight.coef_)
    assert not np.allclose(default.coef_, nine.coef_, rtol=1e-6)


def test_lbfgs_stopped_by_float64_says_so(binary_data):
    X, y = binary_data
    with pytest.warns(ConvergenceWarning) as record:
        model = LogisticRegression(solver="lbfgs", tol=1e-300).fit(X, y)
    assert model.n_iter_ < 1000
    assert "below what the loss resolves" in str(record[0].message)
