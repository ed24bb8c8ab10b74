"""Tuning tasks on scikit-learn's bundled data: loading, evaluation, fidelity, errors."""

import importlib.util
import pickle

import numpy as np
import pytest

from tunelab.bench import problems, tasks

sklearn = pytest.importorskip("sklearn")
from sklearn import datasets  # noqa: E402
from sklearn.linear_model import LogisticRegression as SkLogisticRegression  # noqa: E402
from sklearn.metrics import accuracy_score, log_loss  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402


def test_names_and_problems_get_builds_tasks_too():
    assert tasks.names() == sorted([
        "logreg_breast_cancer", "logreg_digits", "logreg_wine", "mlp_breast_cancer",
        "mlp_diabetes", "mlp_digits", "mlp_wine"])
    assert not set(tasks.names()) & set(problems.names())
    task = problems.get("logreg_wine", cv=3)
    assert isinstance(task, tasks.Task) and task.name == "logreg_wine"
    config = task.space.sample(np.random.default_rng(0))
    assert task(config) == tasks.get("logreg_wine", cv=3)(config)
    with pytest.raises(ValueError, match="name must be one of .*'branin'.*'logreg_wine'"):
        problems.get("logreg_whine")


@pytest.mark.parametrize("name", ["breast_cancer", "digits", "wine", "diabetes"])
def test_data_come_from_the_installed_scikit_learn(name):
    X, y = tasks.load_dataset(name)
    X_ref, y_ref = getattr(datasets, f"load_{name}")(return_X_y=True)
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(y, y_ref)
    assert not X.flags.writeable  # shared by every evaluation: read-only


def test_spaces_follow_the_documented_ranges():
    logreg, mlp = tasks.get("logreg_wine").space, tasks.get("mlp_wine").space
    assert logreg.to_dict()["dims"] == [
        {"name": "alpha", "type": "real", "low": 1e-6, "high": 10.0, "log": True},
        {"name": "learning_rate", "type": "real", "low": 1e-3, "high": 10.0, "log": True}]
    assert [d["name"] for d in mlp.to_dict()["dims"]] == ["alpha", "learning_rate", "hidden",
                                                          "activation"]
    assert mlp["hidden"].log and mlp["hidden"].low == 8 and mlp["hidden"].high == 256
    assert mlp["activation"].choices == ("relu", "tanh")


def _reference_cv(task, config, metric):
    """The task's objective rebuilt from scikit-learn's scaler and metrics."""
    from tunelab.model_selection import StratifiedKFold
    from tunelab.models import LogisticRegression

    X, y = getattr(datasets, f"load_{task.dataset}")(return_X_y=True)
    losses = []
    for i, (train, test) in enumerate(StratifiedKFold(task.cv, shuffle=True,
                                                      random_state=task.seed).split(X, y)):
        scaler = StandardScaler().fit(X[train])
        model = LogisticRegression(alpha=config["alpha"], solver="sgd",
                                   variance_reduction=False,
                                   learning_rate=config["learning_rate"],
                                   max_iter=task.max_epochs, random_state=task.seed + i)
        model.fit(scaler.transform(X[train]), y[train])
        Xt = scaler.transform(X[test])
        losses.append(-accuracy_score(y[test], model.predict(Xt)) if metric == "accuracy"
                      else log_loss(y[test], model.predict_proba(Xt), labels=model.classes_))
    return np.mean(losses)


@pytest.mark.parametrize("metric", ["accuracy", "log_loss"])
def test_logreg_value_is_the_cross_validated_loss(metric):
    task = tasks.get("logreg_wine", metric=metric, cv=4, max_epochs=10, seed=2)
    config = {"alpha": 1e-3, "learning_rate": 0.05}
    value = task(config)
    assert value == pytest.approx(_reference_cv(task, config, metric), rel=1e-10)
    assert (-1.0 <= value <= -0.8) if metric == "accuracy" else (0.0 < value < 0.5)


def test_logreg_accuracy_agrees_with_scikit_learn_at_the_same_penalty():
    task = tasks.get("logreg_breast_cancer", max_epochs=50)
    alpha = 1e-2
    ours = -task({"alpha": alpha, "learning_rate": 0.1})
    X, y = tasks.load_dataset("breast_cancer")
    from tunelab.model_selection import StratifiedKFold

    accs = []
    for train, test in StratifiedKFold(3, shuffle=True, random_state=0).split(X, y):
        scaler = StandardScaler().fit(X[train])
        # sklearn's C multiplies the summed loss: C = 1 / (n alpha) is our mean-loss penalty
        clf = SkLogisticRegression(C=1.0 / (len(train) * alpha), max_iter=5000)
        clf.fit(scaler.transform(X[train]), y[train])
        accs.append(clf.score(scaler.transform(X[test]), y[test]))
    assert ours == pytest.approx(np.mean(accs), abs=0.02)


def test_an_evaluation_is_deterministic_and_survives_pickling():
    task = tasks.get("mlp_wine", max_epochs=3)
    config = {"alpha": 1e-4, "learning_rate": 1e-2, "hidden": 16, "activation": "tanh"}
    value = task(config)
    assert task(config) == value
    assert pickle.loads(pickle.dumps(task))(config) == value
    assert tasks.get("mlp_wine", max_epochs=3, seed=1)(config) != value  # other folds


def test_fidelity_is_the_number_of_epochs():
    task = tasks.get("mlp_breast_cancer", max_epochs=6)
    config = {"alpha": 1e-4, "learning_rate": 1e-3, "hidden": 8, "activation": "relu"}
    assert task.fidelity_range == (1, 6)
    assert task(config, fidelity=6) == task(config)
    assert task(config, fidelity=6) == tasks.get("mlp_breast_cancer", max_epochs=6)(config)
    short = tasks.get("mlp_breast_cancer", max_epochs=1)(config)
    assert task(config, fidelity=1) == short != task(config)
    for bad in (0, 7):
        with pytest.raises(ValueError, match="fidelity"):
            task(config, fidelity=bad)


def test_regression_task_scores_the_standardized_squared_error():
    task = tasks.get("mlp_diabetes", max_epochs=5)
    assert task.metric == "mse"
    value = task({"alpha": 1e-4, "learning_rate": 1e-2, "hidden": 32, "activation": "relu"})
    assert 0.3 < value < 1.5  # about 1 - R^2: a linear model reaches R^2 ~ 0.5 on diabetes


def test_a_diverged_fit_gives_nan_not_an_exception(monkeypatch):
    class Diverges:
        def fit(self, X, y):
            raise FloatingPointError("overflow in the weights")

    task = tasks.get("logreg_wine")
    monkeypatch.setattr(task, "_estimator", lambda config, epochs, random_state: Diverges())
    assert np.isnan(task({"alpha": 1.0, "learning_rate": 1.0}))


def test_optimum_and_regret_are_unknown():
    task = tasks.get("logreg_wine")
    assert task.optimum is None and task.regret(-0.9) is None
    assert repr(task) == "Task('logreg_wine', metric='accuracy', cv=3, max_epochs=20, seed=0)"


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"cv": 1}, ValueError, "cv"),
        ({"metric": "mse"}, ValueError, "metric"),
        ({"max_epochs": 0}, ValueError, "max_epochs"),
        ({"seed": -1}, ValueError, "seed"),
        ({"epochs": 3}, TypeError, "unknown option"),
    ],
)
def test_bad_options_name_themselves(options, error, match):
    with pytest.raises(error, match=match):
        tasks.get("logreg_wine", **options)


def test_unknown_name_and_bad_config():
    with pytest.raises(ValueError, match="logreg_wine"):
        tasks.get("nope")
    with pytest.raises(ValueError, match="alpha"):
        tasks.get("logreg_wine")({"alpha": -1.0, "learning_rate": 0.1})
    with pytest.raises(ValueError, match="model"):
        tasks.Task("logreg", "diabetes")


def test_missing_scikit_learn_names_the_package(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "sklearn" else real(name, *a))
    with pytest.raises(ImportError, match="pip install scikit-learn"):
        tasks.get("mlp_digits")
    assert "mlp_digits" in tasks.names()  # the names stay listed
