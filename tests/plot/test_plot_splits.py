import numpy as np
import pytest

import tunelab as tl
from tunelab.model_selection import KFold, StratifiedKFold

y = np.r_[np.zeros(40, dtype=int), np.ones(10, dtype=int)]  # sorted, imbalanced
X = np.arange(2 * len(y), dtype=float).reshape(-1, 2)


def _expected(cv, X, y):
    rows = []
    for train, test in cv.split(X, y):
        row = np.zeros(len(X), dtype=int)
        row[train], row[test] = 1, 2
        rows.append(row)
    return np.array(rows)


@pytest.mark.parametrize("cv", [KFold(5), KFold(4, shuffle=True, random_state=3),
                                StratifiedKFold(5), StratifiedKFold(3, shuffle=True,
                                                                    random_state=1)])
def test_fold_rows_are_the_splitters_folds(cv):
    ax = tl.plot.cv_splits(cv, X, y).axes[0]
    assert len(ax.images) == cv.n_splits + 1
    folds = np.vstack([np.asarray(im.get_array()) for im in ax.images[:-1]])
    np.testing.assert_array_equal(folds, _expected(cv, X, y))
    assert (folds == 2).sum(axis=0).tolist() == [1] * len(y)  # each sample tested once
    np.testing.assert_array_equal(np.asarray(ax.images[-1].get_array()), y.reshape(1, -1))
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks == [f"fold {i + 1}" for i in range(cv.n_splits)] + ["class"]
    assert ax.get_xlabel() == "sample index"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["train", "test", "class 0", "class 1"]


def test_class_counts_show_stratification():
    ax = tl.plot.cv_splits(KFold(5), X, y).axes[0]
    counts = [t.get_text() for t in ax.texts][:5]
    assert counts == ["10/0", "10/0", "10/0", "10/0", "0/10"]  # unshuffled: one class a fold
    ax = tl.plot.cv_splits(StratifiedKFold(5), X, y).axes[0]
    for text, (_, test) in zip(ax.texts, StratifiedKFold(5).split(X, y), strict=False):
        assert text.get_text() == f"{np.sum(y[test] == 0)}/{np.sum(y[test] == 1)}"
        assert text.get_text() == "8/2"


def test_any_splitter_unused_samples_and_string_labels():
    class Forward:  # a time-series-like splitter that leaves samples out
        def split(self, X, y=None):
            yield np.arange(10), np.arange(10, 15)
            yield np.arange(20), np.arange(20, 25)

    ax = tl.plot.cv_splits(Forward(), X).axes[0]
    folds = np.vstack([np.asarray(im.get_array()) for im in ax.images])
    assert len(ax.images) == 2 and folds.shape == (2, len(X))
    assert (folds[0] == 0).sum() == len(X) - 15 and (folds[1] == 2).sum() == 5
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "test", "not used"]
    assert ax.get_title() == "Forward"
    labels = np.array(["b", "a"] * 25)
    ax = tl.plot.cv_splits(StratifiedKFold(5), X, labels).axes[0]
    np.testing.assert_array_equal(np.asarray(ax.images[-1].get_array())[0], labels == "b")
    assert ax.texts[-1].get_text() == "test count\nclass a/b"


def test_draws_into_given_axes():
    from matplotlib.figure import Figure

    fig = Figure()
    axes = fig.subplots(1, 2)
    assert tl.plot.cv_splits(KFold(2), X, ax=axes[1]) is fig
    assert len(axes[1].images) == 2 and not axes[0].images


def test_bad_input():
    with pytest.raises(TypeError, match="cv"):
        tl.plot.cv_splits(5, X, y)
    with pytest.raises(ValueError, match="y must be 1-D"):
        tl.plot.cv_splits(KFold(2), X, y[:-1])

    class Overlap:
        def split(self, X, y=None):
            yield np.arange(10), np.arange(5, 15)

    with pytest.raises(ValueError, match="both its train and test"):
        tl.plot.cv_splits(Overlap(), X)

    class Outside:
        def split(self, X, y=None):
            yield np.arange(10), np.array([len(X)])

    with pytest.raises(ValueError, match="outside range"):
        tl.plot.cv_splits(Outside(), X)

    class Empty:
        def split(self, X, y=None):
            return iter(())

    with pytest.raises(ValueError, match="no splits"):
        tl.plot.cv_splits(Empty(), X)
