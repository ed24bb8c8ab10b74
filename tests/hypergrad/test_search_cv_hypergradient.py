"""SearchCV(strategy="hypergradient"): scores and gradients from tunelab.hypergrad on the
search's own folds, checked against cross_val_score and a fine grid."""

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer

import tunelab as tl
from tunelab.hypergrad import CrossValidationLoss


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return X, y


SPACE = tl.Space({"alpha": tl.Real(1e-4, 1.0, log=True)})


def test_finds_the_fine_grids_best_cv_loss_on_breast_cancer(cancer):
    X, y = cancer
    search = tl.SearchCV(tl.LogisticRegression(), SPACE, strategy="hypergradient",
                         n_trials=40, cv=5, seed=0).fit(X, y)
    f = CrossValidationLoss(tl.LogisticRegression(), X, y, cv=5)
    grid = np.geomspace(1e-4, 1.0, 400)
    best_grid = min(f({"alpha": a})[0] for a in grid)
    assert -search.best_score_ <= best_grid + 1e-4
    assert -search.best_score_ >= best_grid - 1e-4  # the grid is fine: no better loss exists
    # the score is scikit-learn-style neg_log_loss of the same folds, by our own scorer
    check = tl.cross_val_score(tl.LogisticRegression(alpha=search.best_params_["alpha"]),
                               X, y, cv=5, scoring="neg_log_loss")
    assert search.best_score_ == pytest.approx(np.mean(check), rel=1e-6)
    res = search.cv_results_
    n = len(search.study_.trials)
    assert len(res["params"]) == n and res["param_alpha"].shape == (n,)
    assert search.n_splits_ == 5
    assert res["rank_test_score"][search.best_index_] == 1
    assert res["split0_test_score"][search.best_index_] == pytest.approx(check[0], rel=1e-6)
    assert search.best_estimator_.alpha == search.best_params_["alpha"]
    assert search.study_.best_trial.gradient is not None


def test_ridge_mse_and_accuracy_surrogate(cancer):
    X, y = cancer
    rng = np.random.default_rng(0)
    Xr = rng.normal(size=(80, 6))
    yr = Xr @ rng.normal(size=6) + rng.normal(size=80)
    ridge = tl.SearchCV(tl.LinearRegression(), tl.Space({"alpha": tl.Real(1e-4, 10.0, log=True)}),
                        strategy="hypergradient", n_trials=30, cv=4,
                        scoring="neg_mean_squared_error", seed=0).fit(Xr, yr)
    check = tl.cross_val_score(tl.LinearRegression(alpha=ridge.best_params_["alpha"]), Xr, yr,
                               cv=4, scoring="neg_mean_squared_error")
    assert ridge.best_score_ == pytest.approx(np.mean(check), rel=1e-8)
    acc = tl.SearchCV(tl.LogisticRegression(), SPACE, strategy="hypergradient", n_trials=3,
                      cv=3, scoring="accuracy", seed=0).fit(X[:200], y[:200])
    loss = tl.cross_val_score(tl.LogisticRegression(alpha=acc.cv_results_["params"][0]["alpha"]),
                              X[:200], y[:200], cv=3, scoring="neg_log_loss")
    assert acc.cv_results_["mean_test_score"][0] == pytest.approx(np.mean(loss), rel=1e-6)


def test_what_cannot_be_differentiated_is_named(cancer):
    X, y = cancer
    with pytest.raises(ValueError, match="MLPClassifier.*LogisticRegression \\['alpha'\\]"):
        tl.SearchCV(tl.MLPClassifier(), tl.Space({"alpha": tl.Real(1e-4, 1.0, log=True)}),
                    strategy="hypergradient").fit(X, y)
    space = tl.Space({"alpha": tl.Real(1e-4, 1.0, log=True), "tol": tl.Real(1e-6, 1e-3)})
    with pytest.raises(ValueError, match="\\['alpha'\\] of LogisticRegression.*\\['tol'\\]"):
        tl.SearchCV(tl.LogisticRegression(), space, strategy="hypergradient").fit(X, y)
    with pytest.raises(ValueError, match="scoring='roc_auc'.*'neg_log_loss', 'accuracy'"):
        tl.SearchCV(tl.LogisticRegression(), SPACE, strategy="hypergradient",
                    scoring="roc_auc").fit(X, y)
    with pytest.raises(ValueError, match=r"space has \['max_iter'\]"):
        tl.SearchCV(tl.LogisticRegression(), tl.Space({"alpha": tl.Real(1e-4, 1.0, log=True),
                                                       "max_iter": tl.Integer(10, 100)}),
                    strategy="hypergradient").fit(X, y)
