"""SearchCV against hand-written cross-validation loops and scikit-learn's searches."""

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tunelab as tl
from tunelab.search import RandomSearch
from tunelab.study import TrialState

sklearn = pytest.importorskip("sklearn")
from sklearn.linear_model import LogisticRegression as SkLogistic  # noqa: E402
from sklearn.linear_model import Ridge  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.model_selection import KFold as SkKFold  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

ALPHA = tl.Space({"alpha": tl.Real(1e-3, 1e3, log=True)})


class _Fragile(Ridge):
    """Ridge that refuses large alphas, to exercise failed trials."""

    def fit(self, X, y, sample_weight=None):
        if self.alpha > 10.0:
            raise ValueError(f"alpha={self.alpha} is too large for this test")
        return super().fit(X, y, sample_weight)


def test_matches_a_hand_loop_of_cross_val_score(regression_data):
    X, y = regression_data
    search = tl.SearchCV(Ridge(), ALPHA, n_trials=12, cv=4, seed=7).fit(X, y)
    strategy = RandomSearch(ALPHA, seed=7)
    rows = []
    for _ in range(12):
        config = strategy.ask()
        scores = tl.cross_val_score(Ridge(**config), X, y, cv=4)
        rows.append((config, scores))
        strategy.tell(config, -scores.mean())
    res = search.cv_results_
    assert res["params"] == [config for config, _ in rows]
    assert res["param_alpha"].tolist() == [config["alpha"] for config, _ in rows]
    np.testing.assert_array_equal(res["mean_test_score"], [s.mean() for _, s in rows])
    np.testing.assert_array_equal(res["std_test_score"], [s.std() for _, s in rows])
    for i in range(4):
        np.testing.assert_array_equal(res[f"split{i}_test_score"], [s[i] for _, s in rows])
    best = int(np.argmax([s.mean() for _, s in rows]))
    assert search.best_index_ == best and search.best_params_ == rows[best][0]
    assert search.best_score_ == rows[best][1].mean() and search.n_splits_ == 4
    assert res["rank_test_score"][best] == 1
    np.testing.assert_array_equal(
        search.best_estimator_.coef_, Ridge(**rows[best][0]).fit(X, y).coef_)
    np.testing.assert_array_equal(search.predict(X), search.best_estimator_.predict(X))
    assert search.score(X, y) == search.best_estimator_.score(X, y)
    assert isinstance(search.study_, tl.Study) and len(search.study_.trials) == 12


def test_grid_agrees_with_sklearn_grid_search(regression_data):
    X, y = regression_data
    search = tl.SearchCV(Ridge(), ALPHA, strategy=tl.search.GridSearch(ALPHA, resolution=7),
                         n_trials=7, cv=SkKFold(5, shuffle=True, random_state=0),
                         scoring="neg_mean_squared_error").fit(X, y)
    grid = ALPHA.grid(7)
    reference = GridSearchCV(Ridge(), {"alpha": [c["alpha"] for c in grid]},
                             cv=SkKFold(5, shuffle=True, random_state=0),
                             scoring="neg_mean_squared_error").fit(X, y)
    assert search.cv_results_["params"] == grid
    np.testing.assert_allclose(search.cv_results_["mean_test_score"],
                               reference.cv_results_["mean_test_score"], rtol=1e-12)
    np.testing.assert_allclose(search.cv_results_["std_test_score"],
                               reference.cv_results_["std_test_score"], rtol=1e-10)
    np.testing.assert_array_equal(search.cv_results_["rank_test_score"],
                                  reference.cv_results_["rank_test_score"])
    assert search.best_params_ == reference.best_params_
    assert search.best_score_ == pytest.approx(reference.best_score_, rel=1e-12)


def test_our_estimator_and_integer_cv_match_sklearn_kfold(regression_data):
    X, y = regression_data
    space = tl.Space({"alpha": tl.Real(1e-2, 1e2, log=True)})
    search = tl.SearchCV(tl.LinearRegression(), space, n_trials=5, cv=5, seed=0).fit(X, y)
    for config, mean in zip(search.cv_results_["params"], search.cv_results_["mean_test_score"],
                            strict=True):
        # the objective is (1/2n)||r||^2 + (alpha/2)||w||^2, that is sklearn's Ridge(n alpha)
        folds = list(SkKFold(5).split(X))
        ref = np.mean([Ridge(alpha=config["alpha"] * len(train)).fit(X[train], y[train])
                       .score(X[test], y[test]) for train, test in folds])
        assert mean == pytest.approx(ref, rel=1e-9)


def test_classifier_pipeline_with_stratified_folds(binary_data):
    X, y = binary_data
    space = tl.Space({"logisticregression__C": tl.Real(1e-3, 1e2, log=True),
                      "logisticregression__fit_intercept": tl.Categorical([True, False])})
    model = make_pipeline(StandardScaler(), SkLogistic())
    search = tl.SearchCV(model, space, n_trials=6, cv=3, scoring="accuracy", seed=1).fit(X, y)
    for config, mean in zip(search.cv_results_["params"], search.cv_results_["mean_test_score"],
                            strict=True):
        ref = tl.cross_val_score(sklearn.base.clone(model).set_params(**config), X, y, cv=3,
                                 scoring="accuracy").mean()
        assert mean == ref
    proba = search.predict_proba(X)
    assert proba.shape == (len(X), 2)
    assert search.score(X, y) == np.mean(search.predict(X) == y)


def test_parallel_gives_the_same_results(regression_data):
    X, y = regression_data
    one = tl.SearchCV(tl.LinearRegression(), ALPHA, n_trials=6, cv=3, seed=2).fit(X, y)
    two = tl.SearchCV(tl.LinearRegression(), ALPHA, n_trials=6, cv=3, seed=2, n_jobs=2).fit(X, y)
    assert one.cv_results_.keys() == two.cv_results_.keys()
    for key, value in one.cv_results_.items():
        np.testing.assert_array_equal(np.asarray(value), np.asarray(two.cv_results_[key]))


def test_failed_configurations_score_nan_and_rank_last(regression_data):
    X, y = regression_data
    with pytest.warns(UserWarning, match=r"(?s)of 15 trials failed.*too large"):
        search = tl.SearchCV(_Fragile(), ALPHA, n_trials=15, cv=3, seed=0).fit(X, y)
    res = search.cv_results_
    failed = np.array([c["alpha"] > 10.0 for c in res["params"]])
    assert failed.any() and not failed.all()
    assert np.isnan(res["mean_test_score"][failed]).all()
    assert np.isnan(res["split0_test_score"][failed]).all()
    assert (res["rank_test_score"][failed] == (~failed).sum() + 1).all()
    assert sorted(res["rank_test_score"][~failed]) == list(range(1, (~failed).sum() + 1))
    assert search.best_params_["alpha"] <= 10.0
    states = [t.state for t in search.study_.trials]
    assert states.count(TrialState.FAILED) == failed.sum()


def test_all_failed_raises(regression_data):
    X, y = regression_data
    space = tl.Space({"alpha": tl.Real(20.0, 30.0)})
    with pytest.raises(tl.AllTrialsFailedError, match="all 3 trials"):
        tl.SearchCV(_Fragile(), space, n_trials=3, cv=3).fit(X, y)


def test_rank_ties():
    from tunelab.search_cv import _rank_descending
    scores = np.array([0.5, np.nan, 0.9, 0.5, 0.1, 0.9])
    np.testing.assert_array_equal(_rank_descending(scores), [3, 6, 1, 3, 5, 1])
    from scipy.stats import rankdata
    finite = scores[~np.isnan(scores)]
    np.testing.assert_array_equal(_rank_descending(finite), rankdata(-finite, method="min"))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.sampled_from([0.0, 0.5, 1.0, np.nan]),
                          st.floats(-1e3, 1e3)), min_size=1, max_size=30))
def test_rank_matches_scipy_with_nan_last(values):
    from scipy.stats import rankdata

    from tunelab.search_cv import _rank_descending
    scores = np.array(values)
    ranks = _rank_descending(scores)
    finite = ~np.isnan(scores)
    np.testing.assert_array_equal(ranks[finite], rankdata(-scores[finite], method="min"))
    assert (ranks[~finite] == finite.sum() + 1).all()


def test_estimator_contract(regression_data):
    X, y = regression_data
    search = tl.SearchCV(Ridge(), ALPHA, n_trials=3, seed=0, refit=False)
    assert sklearn.base.clone(search).get_params()["n_trials"] == 3
    assert repr(search) == "SearchCV(estimator=Ridge(), n_trials=3, refit=False, seed=0, " \
        "space=" + repr(ALPHA) + ")"
    search.fit(X, y)
    assert not hasattr(search, "best_estimator_") and search.best_params_
    with pytest.raises(tl.NotFittedError):
        search.predict(X)
    with pytest.raises(tl.NotFittedError):
        tl.SearchCV(Ridge(), ALPHA).predict(X)
    fitted = tl.SearchCV(Ridge(), ALPHA, n_trials=3, seed=0).fit(X, y)
    again = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(again.predict(X), fitted.predict(X))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [({"space": {"alpha": (0, 1)}}, TypeError, "space"),
     ({"space": tl.Space({"beta": tl.Real(0.0, 1.0)})}, ValueError, "space has.*beta"),
     ({"n_trials": 0}, ValueError, "n_trials"),
     ({"n_jobs": 0}, ValueError, "n_jobs"),
     ({"cv": 1}, ValueError, "cv"),
     ({"scoring": "auc"}, ValueError, "scoring"),
     ({"strategy": "annealing"}, ValueError, "strategy"),
     ({"refit": "yes"}, TypeError, "refit"),
     ({"estimator": object()}, TypeError, "estimator")],
)
def test_bad_input(regression_data, kwargs, error, match):
    X, y = regression_data
    args = {"estimator": Ridge(), "space": ALPHA, "n_trials": 2, **kwargs}
    with pytest.raises(error, match=match):
        tl.SearchCV(**args).fit(X, y)
