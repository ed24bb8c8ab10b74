"""Splits (partition properties, scikit-learn as oracle), cross_val_score and clone."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tunelab.model_selection import (
    KFold,
    StratifiedKFold,
    clone,
    cross_val_score,
    train_test_split,
)
from tunelab.models.base import BaseEstimator, ClassifierMixin, RegressorMixin

SETTINGS = settings(max_examples=60, deadline=None)
sk_ms = pytest.importorskip("sklearn.model_selection")


class MeanRegressor(RegressorMixin, BaseEstimator):
    def __init__(self, *, shift=0.0, history=None):
        self.shift = shift
        self.history = history

    def fit(self, X, y):
        self.mean_ = float(np.mean(y)) + self.shift
        return self

    def predict(self, X):
        return np.full(len(X), self.mean_)


class MajorityClassifier(ClassifierMixin, BaseEstimator):
    def __init__(self, *, base=None):
        self.base = base

    def fit(self, X, y):
        classes, counts = np.unique(y, return_counts=True)
        self.classes_, self.majority_ = classes, classes[np.argmax(counts)]
        return self

    def predict(self, X):
        return np.full(len(X), self.majority_)


def assert_partition(splits, n, n_splits):
    assert len(splits) == n_splits
    tests = [test for _, test in splits]
    np.testing.assert_array_equal(np.sort(np.concatenate(tests)), np.arange(n))
    for train, test in splits:
        np.testing.assert_array_equal(train, np.setdiff1d(np.arange(n), test))
        assert np.all(np.diff(test) > 0) and np.all(np.diff(train) > 0)
    sizes = [len(t) for t in tests]
    assert max(sizes) - min(sizes) <= 1


# --- KFold ------------------------------------------------------------------------------------

@SETTINGS
@given(st.integers(2, 60), st.integers(2, 10), st.booleans(), st.integers(0, 1000))
def test_kfold_partitions(n, k, shuffle, seed):
    k = min(k, n)
    cv = KFold(k, shuffle=shuffle, random_state=seed if shuffle else None)
    assert cv.get_n_splits() == k
    assert_partition(list(cv.split(np.zeros((n, 1)))), n, k)


@SETTINGS
@given(st.integers(2, 60), st.integers(2, 10))
def test_kfold_without_shuffle_matches_sklearn(n, k):
    k = min(k, n)
    ours = list(KFold(k).split(np.zeros(n)))
    theirs = list(sk_ms.KFold(k).split(np.zeros(n)))
    for (a, b), (c, d) in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)


@SETTINGS
@given(st.integers(2, 60), st.integers(2, 10), st.integers(0, 1000))
def test_kfold_shuffled_fold_sizes_match_sklearn(n, k, seed):
    k = min(k, n)
    ours = [len(test) for _, test in KFold(k, shuffle=True, random_state=seed).split(range(n))]
    theirs = [len(test) for _, test in
              sk_ms.KFold(k, shuffle=True, random_state=seed).split(np.zeros(n))]
    assert ours == theirs


def test_kfold_shuffle_is_reproducible_and_random():
    X = np.zeros(50)
    first = [t for _, t in KFold(5, shuffle=True, random_state=3).split(X)]
    again = [t for _, t in KFold(5, shuffle=True, random_state=3).split(X)]
    other = [t for _, t in KFold(5, shuffle=True, random_state=4).split(X)]
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other, strict=True))
    assert not np.array_equal(first[0], np.arange(10))
    assert repr(KFold(3)) == "KFold(n_splits=3, shuffle=False, random_state=None)"


# --- StratifiedKFold ----------------------------------------------------------------------------

@st.composite
def class_labels(draw):
    k = draw(st.integers(2, 6))
    n_classes = draw(st.integers(1, 4))
    counts = [draw(st.integers(1, 25)) for _ in range(n_classes)]
    counts[0] = max(counts[0], k)  # the largest class must fill every fold
    y = np.repeat(np.arange(n_classes), counts)
    perm = np.random.default_rng(draw(st.integers(0, 1000))).permutation(len(y))
    return y[perm], k


@pytest.mark.filterwarnings("ignore:The smallest class:UserWarning")
@SETTINGS
@given(class_labels(), st.booleans(), st.integers(0, 1000))
def test_stratified_kfold_partitions_and_keeps_proportions(data, shuffle, seed):
    y, k = data
    cv = StratifiedKFold(k, shuffle=shuffle, random_state=seed if shuffle else None)
    splits = list(cv.split(np.zeros((len(y), 2)), y))
    assert_partition(splits, len(y), k)
    for c in np.unique(y):
        ideal = np.sum(y == c) / k
        for _, test in splits:
            assert abs(np.sum(y[test] == c) - ideal) < 1


def assert_same_splits(ours, theirs):
    for (a, b), (c, d) in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)


@pytest.mark.filterwarnings("ignore:The smallest class:UserWarning")
@pytest.mark.filterwarnings("ignore:The least populated class:UserWarning")
@SETTINGS
@given(class_labels())
def test_stratified_kfold_matches_sklearn_without_shuffle(data):
    y, k = data  # classes permuted, so they first appear in any order
    X = np.zeros((len(y), 1))
    assert_same_splits(StratifiedKFold(k).split(X, y), sk_ms.StratifiedKFold(k).split(X, y))


@pytest.mark.filterwarnings("ignore:The smallest class:UserWarning")
@pytest.mark.filterwarnings("ignore:The least populated class:UserWarning")
@SETTINGS
@given(class_labels(), st.integers(0, 1000))
def test_stratified_kfold_shuffled_class_counts_match_sklearn(data, seed):
    # Our permutations come from another generator, so the members differ; the number of
    # samples of each class in each fold must not.
    y, k = data
    X = np.zeros((len(y), 1))
    classes = np.unique(y)

    def counts(splitter):
        return [[np.sum(y[test] == c) for c in classes] for _, test in splitter.split(X, y)]

    ours = StratifiedKFold(k, shuffle=True, random_state=seed)
    assert counts(ours) == counts(sk_ms.StratifiedKFold(k, shuffle=True, random_state=seed))
    assert counts(ours) == counts(StratifiedKFold(k))


def test_stratified_kfold_deals_classes_in_order_of_first_appearance():
    y = np.array([1] * 6 + [0] * 4 + [1] * 2 + [0] * 3)  # class 1 appears first
    X = np.zeros((len(y), 1))
    assert_same_splits(StratifiedKFold(3).split(X, y), sk_ms.StratifiedKFold(3).split(X, y))
    folds = [test.tolist() for _, test in StratifiedKFold(3).split(X, y)]
    assert folds == [[0, 1, 2, 6, 7], [3, 4, 5, 8, 9], [10, 11, 12, 13, 14]]


def test_stratified_kfold_warns_for_a_small_class():
    y = np.array([0] * 10 + [1] * 2)
    with pytest.warns(UserWarning, match="smallest class"):
        list(StratifiedKFold(3).split(np.zeros(12), y))


# --- train_test_split ---------------------------------------------------------------------------

sizes = st.one_of(st.none(), st.floats(0.05, 0.95), st.integers(1, 5))


@SETTINGS
@given(st.integers(10, 80), sizes, sizes, st.integers(0, 1000))
def test_train_test_split_sizes_match_sklearn(n, test_size, train_size, seed):
    X, y = np.arange(2 * n).reshape(n, 2), np.arange(n)
    try:
        want = sk_ms.train_test_split(X, test_size=test_size, train_size=train_size)
    except ValueError:
        with pytest.raises(ValueError, match="size"):
            train_test_split(X, y, test_size=test_size, train_size=train_size)
        return
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=test_size, train_size=train_size, random_state=seed
    )
    assert (len(X_tr), len(X_te)) == (len(want[0]), len(want[1]))
    np.testing.assert_array_equal(X_tr[:, 0], 2 * y_tr)  # rows stay aligned across arrays
    np.testing.assert_array_equal(X_te[:, 0], 2 * y_te)
    assert len(np.intersect1d(y_tr, y_te)) == 0 and len(np.unique(y_tr)) == len(y_tr)


@SETTINGS
@given(class_labels(), st.floats(0.1, 0.6), st.integers(0, 1000))
def test_train_test_split_stratifies(data, test_size, seed):
    y, _ = data
    n = len(y)
    assume(np.ceil(test_size * n) < n)  # at least one training sample
    idx_tr, idx_te, y_tr, y_te = train_test_split(
        np.arange(n), y, test_size=test_size, stratify=y, random_state=seed
    )
    n_test = int(np.ceil(test_size * n))
    assert len(y_te) == n_test and len(y_tr) == n - n_test
    np.testing.assert_array_equal(np.sort(np.concatenate([idx_tr, idx_te])), np.arange(n))
    np.testing.assert_array_equal(y[idx_te], y_te)
    for c in np.unique(y):
        ideal = np.sum(y == c) * n_test / n
        assert np.floor(ideal) <= np.sum(y_te == c) <= np.ceil(ideal)


@pytest.mark.parametrize(("test_size", "train_size"), [(0.5, 0.5625), (0.3, 0.71), (0.9, 0.2)])
def test_train_test_split_refuses_fractions_that_sum_past_one(test_size, train_size):
    X = np.zeros((10, 1))  # 10 samples: the rounded counts alone (5 + 5) would fit
    with pytest.raises(ValueError, match="test_size.*train_size.*sum"):
        train_test_split(X, test_size=test_size, train_size=train_size)
    with pytest.raises(ValueError):
        sk_ms.train_test_split(X, test_size=test_size, train_size=train_size)


def test_train_test_split_without_shuffle_lists_and_reproducibility():
    a, b = list(range(10)), np.arange(10) * 10
    a_tr, a_te, b_tr, b_te = train_test_split(a, b, test_size=3, shuffle=False)
    assert a_tr == list(range(7)) and a_te == [7, 8, 9] and isinstance(a_tr, list)
    np.testing.assert_array_equal(b_te, [70, 80, 90])
    first = train_test_split(b, random_state=1)
    again = train_test_split(b, random_state=1)
    np.testing.assert_array_equal(first[1], again[1])
    assert len(first[1]) == 3  # ceil(0.25 * 10)


# --- cross_val_score and clone -------------------------------------------------------------------

def test_cross_val_score_matches_a_hand_loop(regression_data):
    X, y = regression_data
    model = MeanRegressor(shift=0.1)
    cv = KFold(4, shuffle=True, random_state=0)
    want = []
    for train, test in cv.split(X):
        fitted = MeanRegressor(shift=0.1).fit(X[train], y[train])
        want.append(-np.mean((y[test] - fitted.predict(X[test])) ** 2))
    got = cross_val_score(model, X, y, cv=cv, scoring="neg_mean_squared_error")
    np.testing.assert_allclose(got, want, rtol=1e-14)
    assert not hasattr(model, "mean_")  # the original is never fitted
    pairs = list(cv.split(X))
    np.testing.assert_allclose(
        cross_val_score(model, X, y, cv=pairs, scoring=lambda est, X, y: -np.mean(
            (y - est.predict(X)) ** 2)), want, rtol=1e-14,
    )


def test_cross_val_score_matches_sklearn(binary_data, regression_data):
    from sklearn.linear_model import LogisticRegression, Ridge

    X, y = binary_data  # a classifier: stratified folds by default, as in scikit-learn
    for scoring in [None, "accuracy", "roc_auc", "neg_log_loss", "f1"]:
        got = cross_val_score(LogisticRegression(), X, y, cv=5, scoring=scoring)
        want = sk_ms.cross_val_score(LogisticRegression(), X, y, cv=5, scoring=scoring)
        np.testing.assert_allclose(got, want, rtol=1e-10)
    X, y = regression_data
    got = cross_val_score(Ridge(alpha=2.0), X, y, cv=sk_ms.KFold(3, shuffle=True, random_state=0))
    want = sk_ms.cross_val_score(Ridge(alpha=2.0), X, y, cv=sk_ms.KFold(3, shuffle=True,
                                                                        random_state=0))
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_cross_val_score_matches_sklearn_when_the_first_class_is_not_the_least():
    from sklearn.linear_model import LogisticRegression

    y = np.tile([1] * 6 + [0] * 4 + [1] * 2 + [0] * 3, 5)  # class 1 appears first
    X = 0.8 * y[:, None] + np.random.default_rng(4).normal(size=(len(y), 3))
    for scoring in [None, lambda est, X, y: np.mean(y == 1)]:  # accuracy; the folds' mix
        got = cross_val_score(LogisticRegression(), X, y, cv=3, scoring=scoring)
        want = sk_ms.cross_val_score(LogisticRegression(), X, y, cv=3, scoring=scoring)
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_classifiers_get_stratified_folds():
    X, y = np.zeros((60, 1)), np.array([0] * 40 + [1] * 20)
    # stratified test folds hold 14, 13, 13 zeros out of 20; the majority class is always 0
    np.testing.assert_allclose(
        cross_val_score(MajorityClassifier(), X, y, cv=3), [14 / 20, 13 / 20, 13 / 20]
    )
    # plain KFold trains the last fold on zeros only and tests it on ones only
    np.testing.assert_allclose(cross_val_score(MajorityClassifier(), X, y, cv=KFold(3)),
                               [1.0, 1.0, 0.0])


def test_clone_copies_parameters_not_state():
    history = [1, 2]
    inner = MeanRegressor(shift=3.0).fit(np.zeros((2, 1)), [0.0, 1.0])
    model = MajorityClassifier(base=inner)
    model.fit(np.zeros((3, 1)), [0, 1, 1])
    copy = clone(model)
    assert type(copy) is MajorityClassifier and copy is not model
    assert not hasattr(copy, "majority_")
    assert copy.base is not inner and copy.base.get_params() == inner.get_params()
    assert not hasattr(copy.base, "mean_")
    reg = MeanRegressor(history=history)
    assert clone(reg).history == history and clone(reg).history is not history
    sklearn_base = pytest.importorskip("sklearn.base")
    from sklearn.linear_model import Ridge

    assert clone(Ridge(alpha=3.0)).get_params() == sklearn_base.clone(Ridge(alpha=3.0)).get_params()


# --- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: KFold(1), ValueError, "n_splits"),
        (lambda: KFold(2.5), TypeError, "n_splits"),
        (lambda: KFold(3, shuffle="yes"), TypeError, "shuffle"),
        (lambda: KFold(3, random_state=0), ValueError, "random_state"),
        (lambda: KFold(3, shuffle=True, random_state=-1), ValueError, "random_state"),
        (lambda: list(KFold(5).split(np.zeros(3))), ValueError, "n_splits"),
        (lambda: list(StratifiedKFold(3).split(np.zeros(6))), ValueError, "y"),
        (lambda: list(StratifiedKFold(3).split(np.zeros(4), [0, 0, 1, 1])), ValueError,
         "n_splits"),
        (lambda: list(StratifiedKFold(2).split(np.zeros(4), [0, 1, 1])), ValueError, "y"),
        (lambda: train_test_split(), ValueError, "at least one array"),
        (lambda: train_test_split(np.zeros(4), np.zeros(5)), ValueError, "same number"),
        (lambda: train_test_split(np.zeros(1)), ValueError, "at least 2 samples"),
        (lambda: train_test_split(np.zeros(10), test_size=1.5), ValueError, "test_size"),
        (lambda: train_test_split(np.zeros(10), test_size=0.0), ValueError, "test_size"),
        (lambda: train_test_split(np.zeros(10), test_size=10), ValueError, "test_size"),
        (lambda: train_test_split(np.zeros(10), test_size="a"), TypeError, "test_size"),
        (lambda: train_test_split(np.zeros(10), test_size=0.6, train_size=0.6), ValueError,
         "train_size"),
        (lambda: train_test_split(np.zeros(4), stratify=[0, 1, 0, 1], shuffle=False),
         ValueError, "stratify"),
        (lambda: train_test_split(np.zeros(4), stratify=[0, 1, 0]), ValueError, "stratify"),
        (lambda: cross_val_score(MeanRegressor(), np.zeros((4, 1)), np.zeros(4), cv="a"),
         TypeError, "cv"),
        (lambda: cross_val_score(MeanRegressor(), np.zeros((4, 1)), np.zeros(4), cv=1),
         ValueError, "cv"),
        (lambda: cross_val_score(MeanRegressor(), np.zeros((4, 1)), np.zeros(4), scoring="r3"),
         ValueError, "scoring"),
        (lambda: cross_val_score(MeanRegressor(), np.zeros((4, 1)), np.zeros(3)), ValueError,
         "same number"),
        (lambda: clone(MeanRegressor), TypeError, "estimator"),
        (lambda: clone(object()), TypeError, "estimator"),
    ],
)
def test_bad_input_raises_naming_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()
