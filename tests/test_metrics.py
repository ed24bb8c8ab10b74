"""Metrics against hand counts, brute force and scikit-learn as the oracle."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tunelab import metrics

skm = pytest.importorskip("sklearn.metrics")

SETTINGS = settings(max_examples=60, deadline=None)
AVERAGES = ["micro", "macro", "weighted", None]
PRF = [
    (metrics.precision_score, skm.precision_score),
    (metrics.recall_score, skm.recall_score),
    (metrics.f1_score, skm.f1_score),
]


@st.composite
def label_pairs(draw, n_classes=None, min_size=1):
    K = draw(st.integers(2, 5)) if n_classes is None else n_classes
    n = draw(st.integers(min_size, 40))
    labels = st.lists(st.integers(0, K - 1), min_size=n, max_size=n)
    return np.array(draw(labels)), np.array(draw(labels))


def assert_same(ours, theirs):
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15, equal_nan=True)


# --- hand-made cases -------------------------------------------------------------------------

def test_hand_counted_binary_example():
    y_true = [1, 1, 1, 0, 0, 0, 0, 1]
    y_pred = [1, 1, 0, 1, 0, 0, 0, 0]  # TP=2, FN=2, FP=1, TN=3
    assert metrics.accuracy_score(y_true, y_pred) == 5 / 8
    assert metrics.precision_score(y_true, y_pred) == 2 / 3
    assert metrics.recall_score(y_true, y_pred) == 2 / 4
    assert metrics.f1_score(y_true, y_pred) == pytest.approx(2 * 2 / (2 * 2 + 1 + 2))
    np.testing.assert_array_equal(metrics.confusion_matrix(y_true, y_pred), [[3, 1], [2, 2]])
    assert metrics.precision_score(y_true, y_pred, pos_label=0) == 3 / 5


def test_hand_counted_multiclass_example():
    y_true = ["cat", "cat", "dog", "dog", "dog", "eel"]
    y_pred = ["cat", "dog", "dog", "dog", "eel", "cat"]
    np.testing.assert_array_equal(
        metrics.confusion_matrix(y_true, y_pred), [[1, 1, 0], [0, 2, 1], [1, 0, 0]]
    )
    # precision per class: cat 1/2, dog 2/3, eel 0/1; recall: cat 1/2, dog 2/3, eel 0/1
    np.testing.assert_allclose(
        metrics.precision_score(y_true, y_pred, average=None), [1 / 2, 2 / 3, 0]
    )
    assert metrics.recall_score(y_true, y_pred, average="macro") == pytest.approx(7 / 18)
    assert metrics.f1_score(y_true, y_pred, average="micro") == pytest.approx(3 / 6)
    weighted = (2 * 1 / 2 + 3 * 2 / 3 + 1 * 0) / 6
    assert metrics.recall_score(y_true, y_pred, average="weighted") == pytest.approx(weighted)


def test_zero_division_values():
    y_true, y_pred = [0, 0, 1, 1], [0, 0, 0, 0]  # class 1 is never predicted
    assert metrics.precision_score(y_true, y_pred) == 0.0
    assert metrics.precision_score(y_true, y_pred, zero_division=1) == 1.0
    assert np.isnan(metrics.precision_score(y_true, y_pred, zero_division=np.nan))
    # nan scores drop out of a macro average: only class 0's precision 2/4 remains
    assert metrics.precision_score(
        y_true, y_pred, average="macro", zero_division=np.nan
    ) == pytest.approx(0.5)
    # the positive class neither true nor predicted
    assert metrics.f1_score([0, 0], [0, 0], zero_division=1) == 1.0


# --- scikit-learn as oracle --------------------------------------------------------------------

@SETTINGS
@given(label_pairs(), st.sampled_from(AVERAGES), st.sampled_from([0, 1, np.nan]))
def test_prf_match_sklearn_multiclass(pair, average, zero_division):
    y_true, y_pred = pair
    for ours, theirs in PRF:
        got = ours(y_true, y_pred, average=average, zero_division=zero_division)
        want = theirs(y_true, y_pred, average=average, zero_division=zero_division)
        assert_same(got, want)


@SETTINGS
@given(label_pairs(n_classes=2), st.sampled_from([0, 1]), st.sampled_from([0, 1, np.nan]))
def test_prf_match_sklearn_binary(pair, pos_label, zero_division):
    y_true, y_pred = pair
    for ours, theirs in PRF:
        got = ours(y_true, y_pred, pos_label=pos_label, zero_division=zero_division)
        want = theirs(y_true, y_pred, pos_label=pos_label, zero_division=zero_division)
        assert_same(got, want)


@SETTINGS
@given(label_pairs(), st.sampled_from([[0, 1], [2, 0], [1, 3, 7], [4, 3, 2, 1, 0]]))
def test_labels_argument_matches_sklearn(pair, labels):
    y_true, y_pred = pair
    for average in ["micro", "macro", "weighted", None]:
        for ours, theirs in PRF:
            got = ours(y_true, y_pred, labels=labels, average=average, zero_division=0)
            want = theirs(y_true, y_pred, labels=labels, average=average, zero_division=0)
            assert_same(got, want)
    if np.isin(labels, y_true).any():
        np.testing.assert_array_equal(
            metrics.confusion_matrix(y_true, y_pred, labels=labels),
            skm.confusion_matrix(y_true, y_pred, labels=labels),
        )


@pytest.mark.filterwarnings("ignore:A single label:UserWarning")  # scikit-learn's own notice
@SETTINGS
@given(label_pairs())
def test_accuracy_and_confusion_match_sklearn(pair):
    y_true, y_pred = pair
    assert metrics.accuracy_score(y_true, y_pred) == skm.accuracy_score(y_true, y_pred)
    cm = metrics.confusion_matrix(y_true, y_pred)
    np.testing.assert_array_equal(cm, skm.confusion_matrix(y_true, y_pred))
    assert cm.sum() == len(y_true)


def test_string_labels_match_sklearn(rng):
    y_true = rng.choice(["a", "b", "c"], size=50)
    y_pred = rng.choice(["a", "b", "c"], size=50)
    for average in ["micro", "macro", "weighted"]:
        for ours, theirs in PRF:
            want = theirs(y_true, y_pred, average=average)
            assert_same(ours(y_true, y_pred, average=average), want)
    yb_true, yb_pred = rng.choice(["no", "yes"], size=30), rng.choice(["no", "yes"], size=30)
    assert_same(
        metrics.f1_score(yb_true, yb_pred, pos_label="yes"),
        skm.f1_score(yb_true, yb_pred, pos_label="yes"),
    )


@st.composite
def probabilities(draw, min_classes=2):
    K = draw(st.integers(min_classes, 4))
    n = draw(st.integers(K, 30))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    y = rng.integers(0, K, size=n)
    y[:K] = np.arange(K)  # every class present
    P = rng.dirichlet(np.full(K, 0.7), size=n)
    return y, P


@SETTINGS
@given(probabilities())
def test_log_loss_matches_sklearn(data):
    y, P = data
    assert_same(metrics.log_loss(y, P), skm.log_loss(y, P))
    if P.shape[1] == 2:
        assert_same(metrics.log_loss(y, P[:, 1]), skm.log_loss(y, P[:, 1]))


def test_log_loss_closed_form_and_clipping():
    y, p = np.array([0, 1, 1]), np.array([0.2, 0.9, 0.6])
    want = -(np.log(0.8) + np.log(0.9) + np.log(0.6)) / 3
    assert metrics.log_loss(y, p) == pytest.approx(want, rel=1e-14)
    # a certain wrong answer costs -log(eps), not infinity
    eps = np.finfo(float).eps
    assert metrics.log_loss([1], [0.0], labels=[0, 1]) == pytest.approx(-np.log(eps))
    assert_same(metrics.log_loss([0, 1], [1.0, 0.0]), skm.log_loss([0, 1], [1.0, 0.0]))


def test_log_loss_labels_for_a_missing_class(rng):
    P = rng.dirichlet(np.ones(3), size=10)
    y = rng.choice([0, 2], size=10)
    assert_same(
        metrics.log_loss(y, P, labels=[0, 1, 2]), skm.log_loss(y, P, labels=[0, 1, 2])
    )


def brute_force_auc(y, s):
    pos, neg = s[y == y.max()], s[y != y.max()]
    wins = sum((a > b) + 0.5 * (a == b) for a, b in itertools.product(pos, neg))
    return wins / (len(pos) * len(neg))


@SETTINGS
@given(
    st.lists(st.integers(0, 1), min_size=2, max_size=40),
    st.data(),
)
def test_binary_auc_with_ties_matches_brute_force_and_sklearn(y, data):
    y = np.array(y)
    y[:2] = [0, 1]
    s = np.array(data.draw(st.lists(st.integers(0, 4), min_size=len(y), max_size=len(y))))
    s = s / 4.0  # few distinct values: many ties
    got = metrics.roc_auc_score(y, s)
    assert got == pytest.approx(brute_force_auc(y, s), abs=1e-12)
    assert got == pytest.approx(skm.roc_auc_score(y, s), abs=1e-12)


@SETTINGS
@given(probabilities(min_classes=3), st.sampled_from(["macro", "weighted"]))
def test_multiclass_ovr_auc_matches_sklearn(data, average):
    y, P = data
    want = skm.roc_auc_score(y, P, multi_class="ovr", average=average)
    assert_same(metrics.roc_auc_score(y, P, average=average), want)


def test_auc_of_string_labels_scores_the_greater_label():
    y = np.array(["neg", "pos", "pos", "neg"])
    assert metrics.roc_auc_score(y, [0.1, 0.8, 0.4, 0.3]) == 1.0
    assert metrics.roc_auc_score([2, 1, 2, 1], [0.1, 0.8, 0.4, 0.3]) == 0.25  # 1 win in 4


@SETTINGS
@given(
    st.integers(2, 30).flatmap(
        lambda n: st.tuples(
            st.lists(st.floats(-1e3, 1e3), min_size=n, max_size=n),
            st.lists(st.floats(-1e3, 1e3), min_size=n, max_size=n),
        )
    )
)
def test_regression_metrics_match_sklearn(pair):
    y_true, y_pred = map(np.array, pair)
    for ours, theirs in [
        (metrics.mean_squared_error, skm.mean_squared_error),
        (metrics.mean_absolute_error, skm.mean_absolute_error),
        (metrics.r2_score, skm.r2_score),
    ]:
        assert ours(y_true, y_pred) == pytest.approx(theirs(y_true, y_pred), rel=1e-9, abs=1e-9)


def test_regression_metrics_multioutput_and_closed_forms(rng):
    Y, Yhat = rng.normal(size=(20, 3)), rng.normal(size=(20, 3))
    for name in ["mean_squared_error", "mean_absolute_error", "r2_score"]:
        assert_same(getattr(metrics, name)(Y, Yhat), getattr(skm, name)(Y, Yhat))
    y = np.array([1.0, 2.0, 3.0, 4.0])
    assert metrics.r2_score(y, y.mean() + 0 * y) == 0.0
    assert metrics.r2_score(y, y) == 1.0
    assert metrics.r2_score([2.0, 2.0], [2.0, 2.0]) == 1.0  # constant truth, perfect fit
    assert metrics.r2_score([2.0, 2.0], [2.0, 3.0]) == 0.0  # constant truth, imperfect
    assert metrics.mean_squared_error([0, 0], [3, 4]) == 12.5


# --- scorers ----------------------------------------------------------------------------------

def test_classification_scorers_match_sklearn(binary_data):
    from sklearn.linear_model import LogisticRegression

    X, y = binary_data
    model = LogisticRegression().fit(X[:200], y[:200])
    for name in ["accuracy", "f1", "f1_macro", "precision", "recall", "roc_auc", "neg_log_loss"]:
        got = metrics.get_scorer(name)(model, X[200:], y[200:])
        assert got == pytest.approx(skm.get_scorer(name)(model, X[200:], y[200:]), rel=1e-12)


def test_multiclass_roc_auc_scorer_is_ovr_macro(multiclass_data):
    from sklearn.linear_model import LogisticRegression

    X, y = multiclass_data
    model = LogisticRegression().fit(X[:200], y[:200])
    got = metrics.get_scorer("roc_auc")(model, X[200:], y[200:])
    assert got == pytest.approx(skm.get_scorer("roc_auc_ovr")(model, X[200:], y[200:]))
    assert metrics.get_scorer("neg_log_loss")(model, X[200:], y[200:]) < 0


def test_regression_scorers_match_sklearn(regression_data):
    from sklearn.linear_model import LinearRegression

    X, y = regression_data
    model = LinearRegression().fit(X[:150], y[:150])
    for name in ["r2", "neg_mean_squared_error", "neg_mean_absolute_error"]:
        got = metrics.get_scorer(name)(model, X[150:], y[150:])
        assert got == pytest.approx(skm.get_scorer(name)(model, X[150:], y[150:]), rel=1e-12)


def test_get_scorer_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="scoring must be one of accuracy, .*neg_mean_absolute"):
        metrics.get_scorer("auc")
    assert repr(metrics.get_scorer("r2")) == "get_scorer('r2')"

    def custom(estimator, X, y):
        return 0.0

    assert metrics.get_scorer(custom) is custom


# --- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: metrics.accuracy_score([0, 1], [0, 1, 1]), "y_true and y_pred"),
        (lambda: metrics.accuracy_score([], []), "y_true"),
        (lambda: metrics.accuracy_score([0.0, np.nan], [0, 1]), "y_true"),
        (lambda: metrics.f1_score([0, 1], [0.0, np.nan]), "y_pred"),
        (lambda: metrics.f1_score([0, 1], ["a", "b"]), "y_true and y_pred"),
        (lambda: metrics.f1_score([0, 1, 2], [0, 1, 2]), "average"),
        (lambda: metrics.f1_score([0, 1], [0, 1], average="mean"), "average"),
        (lambda: metrics.f1_score([0, 2], [0, 2]), "pos_label"),
        (lambda: metrics.f1_score([0, 1], [0, 1], zero_division=0.5), "zero_division"),
        (lambda: metrics.f1_score([0, 1], [0, 1], zero_division="warn"), "zero_division"),
        (lambda: metrics.f1_score([0, 1], [0, 1], labels=[0, 0], average="macro"), "labels"),
        (lambda: metrics.confusion_matrix([0, 1], [0, 1], labels=[5]), "labels"),
        (lambda: metrics.log_loss([0, 1], [0.5, 1.5]), "y_prob"),
        (lambda: metrics.log_loss([0, 1], [-0.1, 0.5]), "y_prob"),
        (lambda: metrics.log_loss([0, 1], [0.5]), "y_true and y_prob"),
        (lambda: metrics.log_loss([1, 1], [0.5, 0.4]), "labels"),
        (lambda: metrics.log_loss([0, 1], [[0.5, 0.6], [0.5, 0.5]]), "sum to 1"),
        (lambda: metrics.log_loss([0, 1], [[1.0, 0.0, 0.0]] * 2), "labels"),
        (lambda: metrics.log_loss([0, 3], [0.1, 0.2], labels=[0, 1]), "y_true"),
        (lambda: metrics.roc_auc_score([1, 1, 1], [0.1, 0.2, 0.3], labels=[0, 1]), "y_true"),
        (lambda: metrics.roc_auc_score([1, 1, 1], [0.1, 0.2, 0.3]), "two classes"),
        (lambda: metrics.roc_auc_score([0, 1, 2], [0.1, 0.2, 0.3]), "two classes"),
        (lambda: metrics.roc_auc_score([0, 1], [0.1, np.nan]), "y_score"),
        (lambda: metrics.roc_auc_score([0, 1], [[0.1, 0.9]] * 2, average="micro"), "average"),
        (lambda: metrics.roc_auc_score([0, 1, 2], np.ones((3, 2))), "y_score"),
        (lambda: metrics.mean_squared_error([1.0, 2.0], [1.0]), "y_true and y_pred"),
        (lambda: metrics.mean_absolute_error([np.nan], [1.0]), "y_true"),
        (lambda: metrics.r2_score([1.0], [1.0]), "y_true"),
        (lambda: metrics.r2_score([], []), "y_true"),
    ],
)
def test_bad_input_raises_naming_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()
