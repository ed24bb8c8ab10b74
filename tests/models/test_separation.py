"""Separation (Albert and Anderson 1984): detected by the linear programs, for every solver."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tunelab as tl
from tunelab.exceptions import ConvergenceWarning
from tunelab.models._separation import separation

SOLVERS = ["newton", "lbfgs", "gd", "sgd"]


def one_dimensional_truth(x, y):
    """Brute force in 1-D with an intercept: separated iff a threshold splits the classes."""
    lo0, hi0, lo1, hi1 = x[y == 0].min(), x[y == 0].max(), x[y == 1].min(), x[y == 1].max()
    if hi0 < lo1 or hi1 < lo0:
        return "complete"
    for tie in {hi0, hi1} & {lo0, lo1}:  # a threshold with both classes on it
        if (hi0 == lo1 == tie or hi1 == lo0 == tie) and np.any(x != tie):
            return "quasi-complete"  # some margin is strictly positive
    return None


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(-4, 4), st.integers(0, 1)), min_size=3, max_size=12))
def test_one_dimensional_cases_match_brute_force(points):
    x = np.array([p[0] for p in points], dtype=float)
    y = np.array([p[1] for p in points])
    if len(np.unique(y)) < 2:
        return
    assert separation(x[:, None], y, 2) == one_dimensional_truth(x, y)


def quasi_complete(rng):
    """Class 1 for x > 0, class 0 for x < 0, and both classes at x = 0."""
    x = np.r_[rng.uniform(0.1, 1, 20), -rng.uniform(0.1, 1, 20), np.zeros(6)]
    y = np.r_[np.ones(20), np.zeros(20), [0, 1, 0, 1, 0, 1]].astype(int)
    return np.column_stack([x, rng.normal(size=len(x))]), y


@pytest.mark.parametrize("solver", SOLVERS)
def test_every_solver_refuses_quasi_complete_separation(solver, rng):
    X, y = quasi_complete(rng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.raises(ValueError, match="quasi-complete separation.*alpha > 0"):
            tl.LogisticRegression(alpha=0.0, solver=solver, random_state=0).fit(X, y)
    model = tl.LogisticRegression(alpha=0.01, solver=solver, random_state=0).fit(X, y)
    assert np.all(np.isfinite(model.coef_))


@pytest.mark.parametrize("solver", SOLVERS)
def test_multinomial_separation_of_standardized_iris_is_refused(solver):
    datasets = pytest.importorskip("sklearn.datasets")
    X, y = datasets.load_iris(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    assert separation(X, y, 3) == "quasi-complete"  # setosa apart, the other two overlap
    with pytest.raises(ValueError, match="quasi-complete separation"):
        tl.LogisticRegression(alpha=0.0, solver=solver, random_state=0).fit(X, y)


def test_overlapping_classes_fit_the_mle(binary_data, multiclass_data):
    for X, y in (binary_data, multiclass_data):
        assert separation(X, y, len(np.unique(y))) is None
        tl.LogisticRegression(alpha=0.0).fit(X, y)


def test_without_intercept_the_direction_must_pass_through_the_origin():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    y = np.array([0, 0, 1, 1])  # a threshold at 2.5 separates, a line through 0 cannot
    assert separation(x[:, None], y, 2, fit_intercept=True) == "complete"
    assert separation(x[:, None], y, 2, fit_intercept=False) is None
