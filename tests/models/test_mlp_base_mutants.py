"""Behaviours of :mod:`tunelab.models._mlp_base` found untested by mutation testing: the
documented defaults, an int or width-1 ``hidden_layer_sizes``, ``partial_fit``'s silence, and
where the divergence warning points."""

import warnings

import numpy as np
import pytest

from tunelab.exceptions import ConvergenceWarning
from tunelab.models import MLPClassifier, MLPRegressor


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    return X, X @ np.array([1.0, -2.0, 0.5])


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_documented_defaults(cls):
    params = cls().get_params()
    assert params["hidden_layer_sizes"] == (100,)
    assert (params["epochs"], params["patience"], params["batch_size"]) == (200, 10, 32)
    assert (params["learning_rate"], params["alpha"], params["tol"]) == (1e-3, 1e-4, 1e-4)


def test_default_network_has_one_hidden_layer_of_100_units(data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPRegressor(epochs=1, random_state=0).fit(X, y)
    assert [W.shape for W in model.coefs_] == [(3, 100), (100, 1)]


def test_default_patience_stops_ten_epochs_after_the_best():
    # a constant target: the loss stops improving by tol at once, so the run ends after
    # the first epoch and the 10 epochs of patience that follow it
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(30, 2)), np.zeros(30)
    model = MLPRegressor(hidden_layer_sizes=(2,), learning_rate=1e-9, tol=1.0,
                         random_state=0).fit(X, y)
    assert model.n_iter_ == 11


def test_default_epochs_are_200(data):
    X, y = data
    with pytest.warns(ConvergenceWarning, match="ran all epochs=200"):
        model = MLPRegressor(hidden_layer_sizes=(2,), tol=0.0, random_state=0).fit(X, y)
    assert model.n_iter_ == 200


@pytest.mark.parametrize("sizes", [5, np.int64(5)])
def test_an_int_hidden_layer_sizes_is_one_layer(data, sizes):
    X, y = data
    kwargs = {"epochs": 3, "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = MLPRegressor(hidden_layer_sizes=sizes, **kwargs).fit(X, y)
        b = MLPRegressor(hidden_layer_sizes=(5,), **kwargs).fit(X, y)
    assert [W.shape for W in a.coefs_] == [(3, 5), (5, 1)]
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


@pytest.mark.parametrize("sizes", [True, (3, False), (0,), (2, -1)])
def test_bool_or_non_positive_widths_are_refused(data, sizes):
    with pytest.raises(ValueError, match="hidden_layer_sizes must be a sequence of positive"):
        MLPRegressor(hidden_layer_sizes=sizes).fit(*data)


def test_a_hidden_layer_of_one_unit_is_allowed(data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPRegressor(hidden_layer_sizes=(1, 4), epochs=2, random_state=0).fit(X, y)
    assert [W.shape for W in model.coefs_] == [(3, 1), (1, 4), (4, 1)]


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_partial_fit_runs_one_epoch_without_a_convergence_warning(data, cls):
    X, y = data
    target = (y > 0).astype(int) if cls is MLPClassifier else y
    model = cls(hidden_layer_sizes=(4,), random_state=0)
    kwargs = {"classes": [0, 1]} if cls is MLPClassifier else {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for k in range(3):
            model.partial_fit(X, target, **kwargs)
            assert model.n_iter_ == k + 1


def test_the_divergence_warning_of_fit_points_at_the_callers_line(data):
    X, y = data
    model = MLPRegressor(hidden_layer_sizes=(5,), optimizer="sgd", learning_rate=10.0,
                         epochs=5, random_state=0)
    with pytest.warns(ConvergenceWarning, match="diverged") as record:
        model.fit(X, 1e6 * y)
    assert [w.filename for w in record] == [__file__]


def test_the_divergence_warning_of_partial_fit_points_at_the_callers_line(data):
    X, y = data
    model = MLPRegressor(hidden_layer_sizes=(5,), optimizer="sgd", learning_rate=10.0,
                         random_state=0)
    with pytest.warns(ConvergenceWarning, match="diverged") as record:
        for _ in range(8):
            model.partial_fit(X, 1e6 * y)
    assert {w.filename for w in record} == {__file__}
