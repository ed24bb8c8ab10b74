"""model_selection at the ends of its ranges, against scikit-learn where it defines them: split
fractions that sum to exactly 1, sizes that overflow, a smallest class of exactly n_splits,
which splitter an int cv becomes, and cross_val_score's default of five folds."""

import warnings

import numpy as np
import pytest
from sklearn import model_selection as sk

from tunelab.model_selection import (
    KFold,
    StratifiedKFold,
    _check_cv,
    cross_val_score,
    train_test_split,
)


def test_fractions_summing_to_one_are_accepted_as_scikit_learn():
    X = np.arange(20).reshape(10, 2)
    tr, te = train_test_split(X, test_size=0.5, train_size=0.5, random_state=0)
    sk_tr, sk_te = sk.train_test_split(X, test_size=0.5, train_size=0.5, random_state=0)
    assert (len(tr), len(te)) == (len(sk_tr), len(sk_te)) == (5, 5)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"test_size": 0.0},
        {"test_size": 1.0},
        {"train_size": 0.0},
        {"train_size": 1.0},
        {"test_size": 6, "train_size": 5},  # 11 > 10
        {"train_size": 0.05},  # floor(0.5) = 0 train samples
        {"test_size": 0.6, "train_size": 0.5},
    ],
)
def test_sizes_out_of_range_are_rejected_as_scikit_learn(kwargs):
    X = np.arange(10)
    with pytest.raises(ValueError):
        sk.train_test_split(X, **kwargs)
    with pytest.raises(ValueError):
        train_test_split(X, **kwargs)


def test_counts_that_fill_the_data_are_accepted():
    tr, te = train_test_split(np.arange(10), test_size=4, train_size=6, random_state=0)
    assert sorted([*tr, *te]) == list(range(10))


def test_smallest_class_of_exactly_n_splits_does_not_warn():
    y = np.array([0] * 3 + [1] * 7)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        folds = list(StratifiedKFold(3).split(np.zeros((10, 1)), y))
    assert len(folds) == 3
    with pytest.warns(UserWarning, match="smallest class"):
        list(StratifiedKFold(4).split(np.zeros((10, 1)), y))


def test_an_int_cv_is_stratified_only_for_a_classifier_with_labels():
    y = np.arange(10) % 2
    assert type(_check_cv(5, y, classifier=True)) is StratifiedKFold
    assert type(_check_cv(5, y, classifier=False)) is KFold
    assert type(_check_cv(5, None, classifier=True)) is KFold


class Mean:
    """A regressor predicting the training mean; score = minus the test MSE."""

    def get_params(self, deep=True):
        return {}

    def set_params(self, **params):
        return self

    def fit(self, X, y):
        self.mean_ = float(np.mean(y))
        return self

    def score(self, X, y):
        return -float(np.mean((np.asarray(y) - self.mean_) ** 2))


def test_cross_val_score_default_is_five_unshuffled_folds():
    X = np.arange(20.0).reshape(-1, 1)
    y = np.arange(20.0) ** 2
    scores = cross_val_score(Mean(), X, y)
    want = [-np.mean((y[te] - y[tr].mean()) ** 2) for tr, te in sk.KFold(5).split(X)]
    np.testing.assert_allclose(scores, want, rtol=1e-12)
