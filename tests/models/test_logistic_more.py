"""LogisticRegression: where Newton hands over to L-BFGS (exactly at 1500 parameters), zero
weights removed before the separation check, equal weights only with plain SGD, the tie at a zero
decision value, the documented defaults in the non-convergence reports, learning_rate's range."""

import warnings

import numpy as np
import pytest

from tunelab.exceptions import ConvergenceWarning
from tunelab.models import LogisticRegression


def wide(p, rng):
    X = rng.normal(size=(12, p))
    return X, np.arange(12) % 2


@pytest.mark.slow
def test_newton_keeps_1500_parameters_and_hands_1501_to_lbfgs(rng):
    X, y = wide(1499, rng)  # 1499 weights + intercept = 1500 parameters
    with pytest.warns(UserWarning, match="using solver='lbfgs'") as record:
        LogisticRegression(alpha=10.0).fit(np.column_stack([X, X[:, :1]]), y)
    assert any("1501" in str(w.message) for w in record)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = LogisticRegression(alpha=10.0).fit(X, y)
    assert model.coef_.size == 1499


def test_zero_weights_are_removed_before_the_separation_check():
    # The rows of positive weight are separated at x = 0; the zero-weight rows would overlap.
    X = np.array([[-2.0], [-1.0], [1.0], [2.0], [1.5], [-1.5]])
    y = np.array([0, 0, 1, 1, 0, 1])
    w = np.array([1.0, 1.0, 1.0, 1.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="linearly separable"):
        LogisticRegression(alpha=0.0).fit(X, y, sample_weight=w)
    LogisticRegression(alpha=0.0).fit(X, y)  # all rows: they overlap


def test_plain_sgd_accepts_equal_weights_only(binary_data):
    X, y = binary_data
    options = {"solver": "sgd", "variance_reduction": False, "random_state": 0, "max_iter": 5}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        plain = LogisticRegression(**options).fit(X, y)
        weighted = LogisticRegression(**options).fit(X, y, sample_weight=np.full(len(y), 2.0))
    np.testing.assert_allclose(weighted.coef_, plain.coef_, rtol=1e-12)
    with pytest.raises(ValueError, match="unequal sample_weight"):
        LogisticRegression(solver="sgd", variance_reduction=False).fit(
            X, y, sample_weight=np.linspace(1, 2, len(y)))


def test_binary_tie_goes_to_the_first_class_as_argmax():
    X = np.array([[-2.0], [-1.0], [1.0], [2.0], [1.0], [-1.0]])
    y = np.array(["a", "a", "b", "b", "a", "b"])
    model = LogisticRegression(fit_intercept=False).fit(X, y)
    at_zero = np.zeros((1, 1))
    assert model.decision_function(at_zero)[0] == 0.0
    P = model.predict_proba(at_zero)
    assert P[0, 0] == P[0, 1] == 0.5
    assert model.predict(at_zero)[0] == "a" == model.classes_[np.argmax(P[0])]


def test_newton_report_names_the_default_max_iter(binary_data):
    X, y = binary_data
    with pytest.warns(ConvergenceWarning, match="of max_iter=100 iterations") as record:
        LogisticRegression(tol=1e-300).fit(X, y)
    assert record[0].filename == __file__
    message = str(record[0].message)
    assert "increase max_iter or alpha" in message  # Newton's advice, even when stopped early
    assert "below what the loss resolves" not in message


def test_lbfgs_reports_running_out_of_iterations(binary_data):
    X, y = binary_data
    with pytest.warns(ConvergenceWarning, match="stopped after 2 of max_iter=2") as record:
        LogisticRegression(solver="lbfgs", max_iter=2).fit(X, y)
    message = str(record[0].message)
    assert "increase max_iter, scale the features" in message
    assert "below what the loss resolves" not in message


def test_learning_rate_range(binary_data):
    X, y = binary_data
    model = LogisticRegression(solver="gd", learning_rate=0.5).fit(X, y)
    assert model.coef_.shape == (1, 4)
    with pytest.raises(ValueError, match="learning_rate"):
        LogisticRegression(solver="gd", learning_rate=0.0).fit(X, y)
