"""MLPClassifier and MLPRegressor: backprop against finite differences and an independent
forward pass, scikit-learn as oracle, training behaviour, reproducibility, errors."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import expit, logsumexp

from tunelab.exceptions import ConvergenceWarning, NotFittedError
from tunelab.models import _mlp_layers as layers
from tunelab.models.mlp import MLPClassifier, MLPRegressor

quiet = pytest.mark.filterwarnings("ignore::tunelab.exceptions.ConvergenceWarning")

PHI = {"relu": lambda z: np.maximum(z, 0.0), "tanh": np.tanh, "sigmoid": expit}


# ----------------------------------------------------------------------------- references
def reference_scores(Ws, bs, X, activation):
    """The forward pass written plainly, one layer at a time."""
    A = X
    for W, b in zip(Ws[:-1], bs[:-1], strict=True):
        A = PHI[activation](A @ W + b)
    return A @ Ws[-1] + bs[-1]


def reference_objective(theta, X, y, sizes, activation, head, alpha):
    Ws, bs = layers.unpack(theta, sizes)
    Z = reference_scores(Ws, bs, X, activation)
    if head == "softmax":
        loss = np.mean(logsumexp(Z, axis=1) - Z[np.arange(len(y)), y])
    else:
        loss = 0.5 * np.mean((Z - y) ** 2)
    return loss + 0.5 * alpha * sum(np.sum(W**2) for W in Ws)


def finite_difference_gradient(f, theta, h=1e-6):
    grad = np.empty_like(theta)
    for i in range(len(theta)):
        e = np.zeros_like(theta)
        e[i] = h
        grad[i] = (f(theta + e) - f(theta - e)) / (2 * h)
    return grad


def batch_problem(rng, sizes, head, n=9):
    X = rng.normal(size=(n, sizes[0]))
    if head == "softmax":
        y = rng.integers(0, sizes[-1], size=n)
    else:
        y = rng.normal(size=(n, sizes[-1]))
    return X, y


def check_gradient(sizes, activation, head, alpha, seed):
    rng = np.random.default_rng(seed)
    X, y = batch_problem(rng, sizes, head)
    theta = layers.init_params(sizes, activation, rng)
    theta += 0.3 * rng.normal(size=theta.size)  # nonzero biases too
    value, grad = layers.objective(theta, X, y, sizes, activation, head, alpha)
    assert value == pytest.approx(
        reference_objective(theta, X, y, sizes, activation, head, alpha), rel=1e-12
    )
    fd = finite_difference_gradient(
        lambda t: layers.objective(t, X, y, sizes, activation, head, alpha)[0], theta
    )
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-8)


# ----------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
@pytest.mark.parametrize("head", ["softmax", "squared"])
@pytest.mark.parametrize("hidden", [(), (5,), (4, 3), (3, 4, 2)])
def test_backprop_matches_finite_differences(activation, head, hidden):
    sizes = (3, *hidden, 3 if head == "softmax" else 2)
    check_gradient(sizes, activation, head, alpha=0.7, seed=len(hidden))


@settings(max_examples=25, deadline=None)
@given(
    hidden=st.lists(st.integers(1, 6), min_size=0, max_size=3),
    n_features=st.integers(1, 4),
    n_outputs=st.integers(2, 4),
    activation=st.sampled_from(["relu", "tanh", "sigmoid"]),
    head=st.sampled_from(["softmax", "squared"]),
    alpha=st.floats(0.0, 2.0),
    seed=st.integers(0, 2**16),
)
def test_backprop_property(hidden, n_features, n_outputs, activation, head, alpha, seed):
    check_gradient((n_features, *hidden, n_outputs), activation, head, alpha, seed)


def test_softmax_head_is_stable_for_huge_scores():
    Z = np.array([[1e4, 0.0, -1e4], [-1e4, 2e4, 1e4]])
    y = np.array([1, 2])
    expected = np.mean(logsumexp(Z, axis=1) - Z[[0, 1], y])
    delta = Z.copy()
    loss = layers.softmax_head(delta, y, np.arange(2))
    assert loss == pytest.approx(expected) and np.all(np.isfinite(delta))
    np.testing.assert_allclose(delta, [[0.5, -0.5, 0.0], [0.0, 0.5, -0.5]], atol=1e-12)


def test_flat_layout_round_trip(rng):
    sizes = (4, 3, 2)
    theta = rng.normal(size=layers.n_params(sizes))
    Ws, bs = layers.unpack(theta, sizes)
    assert [W.shape for W in Ws] == [(4, 3), (3, 2)] and [b.shape for b in bs] == [(3,), (2,)]
    assert layers.n_params(sizes) == 4 * 3 + 3 * 2 + 3 + 2
    np.testing.assert_array_equal(layers.pack(Ws, bs), theta)
    Ws[0][0, 0] = 99.0  # views, not copies
    assert theta[0] == 99.0


def test_initialization_scales(rng):
    sizes = (400, 300, 10)
    he = layers.unpack(layers.init_params(sizes, "relu", rng), sizes)
    assert np.std(he[0][0]) == pytest.approx(np.sqrt(2 / 400), rel=0.02)  # He, Eq. (10)
    glorot = layers.unpack(layers.init_params(sizes, "tanh", rng), sizes)
    bound = np.sqrt(6 / (400 + 300))  # Glorot, Eq. (16): U(-r, r), std r / sqrt(3)
    assert np.max(np.abs(glorot[0][0])) <= bound
    assert np.std(glorot[0][0]) == pytest.approx(bound / np.sqrt(3), rel=0.02)
    assert np.max(np.abs(he[0][1])) <= np.sqrt(6 / 310)  # the output layer is Glorot
    assert all(np.all(b == 0) for b in he[1] + glorot[1])


# ----------------------------------------------------------------------------- scikit-learn
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_forward_pass_matches_sklearn(activation, multiclass_data):
    nn = pytest.importorskip("sklearn.neural_network")
    X, y = multiclass_data
    ours = MLPClassifier(hidden_layer_sizes=(6, 5), activation=activation, epochs=1,
                         random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours.fit(X, y)
        name = "logistic" if activation == "sigmoid" else activation
        peer = nn.MLPClassifier(hidden_layer_sizes=(6, 5), activation=name, max_iter=1).fit(X, y)
        reg = nn.MLPRegressor(hidden_layer_sizes=(6, 5), activation=name, max_iter=1)
        reg.fit(X, np.eye(3)[y])
    peer.coefs_ = [W.copy() for W in ours.coefs_]
    peer.intercepts_ = [b.copy() for b in ours.intercepts_]
    np.testing.assert_allclose(ours.predict_proba(X), peer.predict_proba(X), rtol=1e-12)
    reg.coefs_, reg.intercepts_ = peer.coefs_, peer.intercepts_
    scores = layers.predict_scores(ours.coefs_, ours.intercepts_, X, activation)
    np.testing.assert_allclose(scores, reg.predict(X), rtol=1e-12, atol=1e-14)


@quiet
def test_digits_accuracy():
    datasets = pytest.importorskip("sklearn.datasets")
    model_selection = pytest.importorskip("sklearn.model_selection")
    X, y = datasets.load_digits(return_X_y=True)
    Xtr, Xte, ytr, yte = model_selection.train_test_split(
        X / 16.0, y, test_size=0.25, stratify=y, random_state=0
    )
    model = MLPClassifier(hidden_layer_sizes=(100,), epochs=40, random_state=0).fit(Xtr, ytr)
    assert np.mean(model.predict(Xte) == yte) >= 0.97
    assert model.loss_curve_[-1] < 0.1 * model.loss_curve_[0]


@quiet
def test_regressor_fits_a_smooth_function(rng):
    X = rng.uniform(-1, 1, size=(200, 1))
    f = lambda x: np.sin(3 * x[:, 0]) + 0.5 * x[:, 0] ** 2  # noqa: E731
    # no penalty: the test is of fitting power, and shrinking the weights biases the fit
    model = MLPRegressor(hidden_layer_sizes=(32,), activation="tanh", learning_rate=0.01,
                         alpha=0.0, epochs=400, patience=400, random_state=0).fit(X, f(X))
    grid = np.linspace(-0.95, 0.95, 101).reshape(-1, 1)
    prediction = model.predict(grid)
    assert prediction.shape == (101,)
    assert np.max(np.abs(prediction - f(grid))) < 0.05
    r2 = 1 - np.sum((prediction - f(grid)) ** 2) / np.sum((f(grid) - f(grid).mean()) ** 2)
    assert r2 > 0.995


# ----------------------------------------------------------------------------- training
@quiet
@pytest.mark.parametrize(
    ("optimizer", "learning_rate"),
    [("sgd", 0.2), ("momentum", 0.02), ("nesterov", 0.02), ("adam", 0.01)],
)
@pytest.mark.parametrize("schedule", ["constant", "invscaling", "step", "cosine"])
def test_every_optimizer_and_schedule_learns(optimizer, learning_rate, schedule,
                                            multiclass_data):
    X, y = multiclass_data
    model = MLPClassifier(hidden_layer_sizes=(10,), optimizer=optimizer,
                          learning_rate=learning_rate, learning_rate_schedule=schedule,
                          epochs=15, random_state=1).fit(X, y)
    assert model.loss_curve_[-1] < 0.8 * model.loss_curve_[0]
    accuracy = np.mean(model.predict(X) == y)
    assert accuracy > 0.7 and model.score(X, y) == accuracy  # score is the accuracy


@quiet
def test_early_stopping_stops_and_restores_the_best_weights(multiclass_data):
    X, y = multiclass_data
    params = {"hidden_layer_sizes": (20,), "learning_rate": 0.01, "epochs": 300,
              "early_stopping": True, "validation_fraction": 0.2, "patience": 5, "tol": 0.0,
              "random_state": 3}
    model = MLPClassifier(**params).fit(X, y)
    scores = model.validation_scores_
    assert model.n_iter_ < 300 and len(scores) == model.n_iter_ == len(model.loss_curve_)
    best = int(np.argmax(scores))
    assert model.best_validation_score_ == scores[best]
    # it stopped `patience` epochs after the last that beat every earlier score
    last_progress = max(i for i, s in enumerate(scores) if s > max(scores[:i], default=-1))
    assert model.n_iter_ == last_progress + 1 + 5
    assert best < model.n_iter_ - 1
    # the same run cut at the best epoch ends on the very weights that were restored
    cut = MLPClassifier(**{**params, "epochs": best + 1}).fit(X, y)
    for W, W_cut in zip(model.coefs_ + model.intercepts_, cut.coefs_ + cut.intercepts_,
                        strict=True):
        np.testing.assert_array_equal(W, W_cut)
    longer = MLPClassifier(**{**params, "epochs": model.n_iter_, "early_stopping": False,
                              "patience": 1000}).fit(X, y)
    assert not np.array_equal(longer.coefs_[0], model.coefs_[0])


@quiet
def test_early_stopping_regressor_scores_r2(regression_data):
    X, y = regression_data
    model = MLPRegressor(hidden_layer_sizes=(8,), learning_rate=0.01, epochs=200,
                         early_stopping=True, random_state=0).fit(X, y)
    assert 0.9 < model.best_validation_score_ <= 1.0
    assert model.best_validation_score_ == max(model.validation_scores_)


def test_stratified_validation_split_keeps_class_proportions(rng):
    from tunelab.models._mlp_train import validation_split

    labels = np.repeat([0, 1, 2], [50, 30, 20])
    train, val = validation_split(100, 0.2, rng, labels)
    assert np.bincount(labels[val]).tolist() == [10, 6, 4]
    assert sorted(np.concatenate([train, val]).tolist()) == list(range(100))
    with pytest.raises(ValueError, match="validation_fraction"):
        validation_split(3, 0.1, rng)


def test_partial_fit_continues_the_same_trajectory(multiclass_data):
    X, y = multiclass_data
    params = {"hidden_layer_sizes": (7,), "learning_rate": 0.01, "epochs": 4, "patience": 100,
              "learning_rate_schedule": "invscaling", "random_state": 5}
    with pytest.warns(ConvergenceWarning, match="epochs=4"):
        full = MLPClassifier(**params).fit(X, y)
    step = MLPClassifier(**params)
    for k in range(1, 5):
        step.partial_fit(X, y)
        assert step.n_iter_ == k and len(step.loss_curve_) == k
    # one partial_fit = one epoch with the same shuffles and the same Adam moments
    np.testing.assert_allclose(step.loss_curve_, full.loss_curve_, rtol=1e-12)
    for a, b in zip(step.coefs_, full.coefs_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    for _ in range(20):
        step.partial_fit(X, y)
    assert step.n_iter_ == 24 and step.loss_curve_[-1] < step.loss_curve_[3]


def test_partial_fit_never_holds_data_out(multiclass_data):
    X, y = multiclass_data
    model = MLPClassifier(hidden_layer_sizes=(4,), early_stopping=True, random_state=0)
    model.partial_fit(X, y).partial_fit(X, y)
    assert model.validation_scores_ is None and model.best_validation_score_ is None
    assert model.n_iter_ == 2


def test_partial_fit_classes_and_unknown_labels(multiclass_data):
    X, y = multiclass_data
    model = MLPClassifier(hidden_layer_sizes=(4,), random_state=0)
    model.partial_fit(X[y < 2], y[y < 2], classes=[0, 1, 2])
    assert model.classes_.tolist() == [0, 1, 2] and model.predict_proba(X).shape == (300, 3)
    with pytest.raises(ValueError, match=r"not in classes"):
        model.partial_fit(X, y + 1)
    with pytest.raises(ValueError, match="features"):
        model.partial_fit(X[:, :2], y)


def test_partial_fit_restarts_after_fit_resets(multiclass_data):
    X, y = multiclass_data
    model = MLPClassifier(hidden_layer_sizes=(4,), epochs=2, patience=100, random_state=0)
    with pytest.warns(ConvergenceWarning):
        model.fit(X, y)
    model.partial_fit(X, y)
    assert model.n_iter_ == 3
    with pytest.warns(ConvergenceWarning):
        model.fit(X, y)
    assert model.n_iter_ == 2 and len(model.loss_curve_) == 2


def test_edited_weights_are_the_ones_trained_further(multiclass_data):
    X, y = multiclass_data
    model = MLPClassifier(hidden_layer_sizes=(4,), random_state=0).partial_fit(X, y)
    model.coefs_[0] = np.zeros_like(model.coefs_[0])
    before = model.predict_proba(X)
    np.testing.assert_allclose(before, before[:1].repeat(len(X), axis=0))  # hidden layer off
    model.partial_fit(X, y)
    assert np.any(model.coefs_[0] != 0)


def test_same_seed_same_weights_and_other_seed_others(binary_data):
    X, y = binary_data
    fits = [MLPClassifier(hidden_layer_sizes=(5, 3), epochs=3, patience=100, random_state=s)
            for s in (7, 7, 8)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for model in fits:
            model.fit(X, y)
    for a, b in zip(fits[0].coefs_ + fits[0].intercepts_, fits[1].coefs_ + fits[1].intercepts_,
                    strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(fits[0].coefs_[0], fits[2].coefs_[0])
    gen = MLPClassifier(hidden_layer_sizes=(5,), random_state=np.random.default_rng(7))
    assert gen.partial_fit(X, y).n_iter_ == 1


@quiet
def test_binary_and_string_labels(binary_data):
    X, y = binary_data
    labels = np.array(["no", "yes"])[y]
    model = MLPClassifier(hidden_layer_sizes=(6,), learning_rate=0.01, epochs=30,
                          random_state=0).fit(X, labels)
    proba = model.predict_proba(X)
    assert proba.shape == (300, 2) and model.classes_.tolist() == ["no", "yes"]
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(model.predict(X), model.classes_[proba.argmax(axis=1)])
    assert np.mean(model.predict(X) == labels) > 0.65


@quiet
def test_multi_output_regression_and_no_hidden_layer(rng):
    X = rng.normal(size=(150, 3))
    Y = np.column_stack([X @ [1.0, -1.0, 0.5], X @ [0.0, 2.0, 1.0] + 1.0])
    model = MLPRegressor(hidden_layer_sizes=(), learning_rate=0.05, epochs=200, alpha=0.0,
                         tol=1e-10, random_state=0).fit(X, Y)
    assert model.n_outputs_ == 2 and model.predict(X).shape == (150, 2)
    # a network without hidden layer is linear regression: compare with least squares
    coef, *_ = np.linalg.lstsq(np.column_stack([X, np.ones(150)]), Y, rcond=None)
    np.testing.assert_allclose(model.coefs_[0], coef[:3], atol=1e-3)
    np.testing.assert_allclose(model.intercepts_[0], coef[3], atol=1e-3)


def test_divergence_warns_and_stops(regression_data):
    X, y = regression_data
    model = MLPRegressor(hidden_layer_sizes=(5,), optimizer="sgd", learning_rate=50.0,
                         epochs=50, random_state=0)
    with pytest.warns(ConvergenceWarning, match="diverged"):
        model.fit(X, 1e3 * y)
    assert model.n_iter_ < 50 and not np.isfinite(model.loss_curve_[-1])


def test_sklearn_clone_and_params():
    base = pytest.importorskip("sklearn.base")
    model = MLPClassifier(hidden_layer_sizes=(3, 2), activation="tanh", alpha=0.5,
                          random_state=4)
    copy = base.clone(model)
    assert copy is not model and copy.get_params() == model.get_params()
    assert repr(copy) == "MLPClassifier(activation='tanh', alpha=0.5, hidden_layer_sizes=(3, 2), random_state=4)"  # noqa: E501
    assert MLPRegressor().get_params()["batch_size"] == 32


# ----------------------------------------------------------------------------- errors
def test_predict_before_fit():
    for model in (MLPClassifier(), MLPRegressor()):
        with pytest.raises(NotFittedError):
            model.predict(np.zeros((2, 3)))
    with pytest.raises(NotFittedError):
        MLPClassifier().predict_proba(np.zeros((2, 3)))


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        ({"hidden_layer_sizes": (0,)}, ValueError, "hidden_layer_sizes"),
        ({"hidden_layer_sizes": (4, -1)}, ValueError, "hidden_layer_sizes"),
        ({"hidden_layer_sizes": (2.5,)}, ValueError, "hidden_layer_sizes"),
        ({"hidden_layer_sizes": "ten"}, ValueError, "hidden_layer_sizes"),
        ({"hidden_layer_sizes": (True,)}, ValueError, "hidden_layer_sizes"),
        ({"activation": "softplus"}, ValueError, "activation"),
        ({"optimizer": "rmsprop"}, ValueError, "optimizer"),
        ({"learning_rate_schedule": "linear"}, ValueError, "learning_rate_schedule"),
        ({"learning_rate": 0.0}, ValueError, "learning_rate"),
        ({"learning_rate": -1e-3}, ValueError, "learning_rate"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"batch_size": "big"}, TypeError, "batch_size"),
        ({"epochs": 0}, ValueError, "epochs"),
        ({"epochs": 2.0}, TypeError, "epochs"),
        ({"alpha": -1e-4}, ValueError, "alpha"),
        ({"momentum": 1.0}, ValueError, "momentum"),
        ({"validation_fraction": 0.0}, ValueError, "validation_fraction"),
        ({"validation_fraction": 1.0}, ValueError, "validation_fraction"),
        ({"patience": 0}, ValueError, "patience"),
        ({"tol": -1.0}, ValueError, "tol"),
        ({"early_stopping": "yes"}, TypeError, "early_stopping"),
        ({"random_state": -1}, ValueError, "random_state"),
    ],
)
@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_bad_hyperparameters(cls, params, error, match, binary_data):
    X, y = binary_data
    with pytest.raises(error, match=match):
        cls(**params).fit(X, y)
    with pytest.raises(error, match=match):
        cls(**params).partial_fit(X, y)


@pytest.mark.parametrize(
    ("X", "y", "match"),
    [
        ([[0.0, np.nan], [1.0, 2.0]], [0, 1], "X contains NaN"),
        ([[0.0, np.inf], [1.0, 2.0]], [0, 1], "X contains NaN or infinity"),
        ([0.0, 1.0], [0, 1], "X must be 2-D"),
        (np.zeros((2, 2, 2)), [0, 1], "X must be 2-D"),
        (np.zeros((0, 2)), [], "X has 0 sample"),
        (np.zeros((3, 2)), [0, 1], "same number of samples"),
        (np.zeros((3, 2)), [[0, 1], [1, 0], [0, 1]], "y must be 1-D"),
    ],
)
def test_bad_data_classifier(X, y, match):
    with pytest.raises(ValueError, match=match):
        MLPClassifier().fit(X, y)


def test_bad_data_more():
    with pytest.raises(ValueError, match="at least two classes"):
        MLPClassifier().fit(np.zeros((3, 2)), [1, 1, 1])
    with pytest.raises(ValueError, match="y contains NaN"):
        MLPRegressor().fit(np.zeros((2, 2)), [0.0, np.nan])
    with pytest.raises(ValueError, match="validation_fraction"):
        MLPRegressor(early_stopping=True, validation_fraction=0.1).fit(np.zeros((3, 2)),
                                                                        [0.0, 1.0, 2.0])
    model = MLPRegressor(hidden_layer_sizes=(2,)).partial_fit(np.zeros((3, 2)), [0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="X has 3 features"):
        model.predict(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="outputs"):
        model.partial_fit(np.zeros((3, 2)), np.zeros((3, 2)))
