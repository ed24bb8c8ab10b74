import numpy as np
import pytest

import tunelab as tl
from tunelab.optim import gradient_descent, newton

rng = np.random.default_rng(0)
X = rng.normal(size=(40, 2))
y = (X @ [1.5, -1.0] + rng.normal(size=40) > 0).astype(float)


def logistic(w):  # mean logistic loss + small ridge, its gradient and Hessian
    z = X @ w
    p = 1 / (1 + np.exp(-z))
    f = np.mean(np.logaddexp(0, z) - y * z) + 0.05 * w @ w
    return f, X.T @ (p - y) / len(y) + 0.1 * w, (X.T * (p * (1 - p))) @ X / len(y) + 0.1 * np.eye(2)


def test_paths_drawn_on_contours():
    w0 = np.array([-2.0, 2.0])
    gd = gradient_descent(lambda w: logistic(w)[:2], w0, learning_rate=0.5, line_search=False,
                          record_path=True)
    nt = newton(logistic, w0, record_path=True)
    ax = tl.plot.optimizer_paths(logistic, {"gradient descent": gd, "Newton": nt}).axes[0]
    assert len(ax.collections) >= 1  # contour lines
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), gd.path["x"][:, 0])
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), nt.path["x"][:, 1])
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == [f"gradient descent ({gd.n_iter} steps)", f"Newton ({nt.n_iter} steps)",
                     "start"]
    with pytest.raises(ValueError, match="record_path"):
        tl.plot.optimizer_paths(logistic, {"gd": gradient_descent(lambda w: logistic(w)[:2], w0)})


def _mlp(**kw):
    r = np.random.default_rng(1)
    Xc = np.vstack([r.normal(size=(60, 2)) + 1.0, r.normal(size=(60, 2)) - 1.0])
    yc = np.r_[np.zeros(60, dtype=int), np.ones(60, dtype=int)]
    params = {"hidden_layer_sizes": (8,), "learning_rate": 0.01, "epochs": 200, "patience": 5,
              "early_stopping": True, "validation_fraction": 0.3, "random_state": 0}
    return tl.models.MLPClassifier(**{**params, **kw}).fit(Xc, yc)


def test_learning_curve_of_an_early_stopped_mlp():
    clf = _mlp()
    fig = tl.plot.learning_curve(clf)
    ax, vax = fig.axes
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), np.arange(1, clf.n_iter_ + 1))
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), clf.loss_curve_)
    np.testing.assert_array_equal(vax.lines[0].get_ydata(), clf.validation_scores_)
    best = ax.lines[1].get_xdata()[0]
    assert clf.validation_scores_[best - 1] == clf.best_validation_score_
    assert max(clf.validation_scores_[:best - 1], default=-1) < clf.best_validation_score_
    assert clf.n_iter_ < clf.epochs and ax.lines[2].get_xdata()[0] == clf.n_iter_
    assert vax.get_ylabel() == "validation accuracy"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "training loss", "validation accuracy", f"best epoch {best} (weights kept)",
        f"stopped after epoch {clf.n_iter_}"]


def test_learning_curve_of_arrays_with_a_validation_loss():
    train = [3.0, 2.0, 1.5, 1.2, 1.0, 0.9]
    val = [3.1, 2.4, 2.2, 2.3, 2.2, 2.5]  # lowest first at epoch 3 (ties keep the first)
    ax = tl.plot.learning_curve(train, val, greater_is_better=False).axes[0]
    assert len(ax.figure.axes) == 1  # a loss shares the training loss's axis
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), val)
    assert ax.lines[2].get_xdata()[0] == 3
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == ["training loss", "validation loss", "best epoch 3 (weights kept)",
                     "last epoch 6"]
    ax = tl.plot.learning_curve(train, [0.1, 0.5, np.nan, 0.4], max_epochs=10).axes[0]
    assert ax.lines[1].get_xdata()[0] == 2  # a NaN score is never the best
    assert ax.lines[2].get_label() == "stopped after epoch 6"


def test_learning_curve_without_validation_and_bad_input():
    with pytest.warns(tl.ConvergenceWarning, match="ran all epochs"):
        clf = _mlp(early_stopping=False, epochs=3)
    ax = tl.plot.learning_curve(clf).axes[0]
    assert len(ax.figure.axes) == 1 and len(ax.lines) == 2
    assert ax.lines[1].get_label() == "last epoch 3"
    with pytest.raises(tl.NotFittedError):
        tl.plot.learning_curve(tl.models.MLPClassifier())
    with pytest.raises(ValueError, match="validation must be None"):
        tl.plot.learning_curve(clf, [0.5])
    with pytest.raises(ValueError, match="more than"):
        tl.plot.learning_curve([1.0, 0.5], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="max_epochs"):
        tl.plot.learning_curve([1.0, 0.5], max_epochs=1)
    with pytest.raises(ValueError, match="training loss"):
        tl.plot.learning_curve([])
    with pytest.raises(TypeError, match="greater_is_better"):
        tl.plot.learning_curve([1.0], [1.0], greater_is_better="no")


def test_learning_curve_draws_into_given_axes():
    from matplotlib.figure import Figure

    fig = Figure()
    left, right = fig.subplots(1, 2)
    assert tl.plot.learning_curve([2.0, 1.0, 0.5], [0.5, 0.7, 0.6], ax=right) is fig
    assert not left.lines and len(right.lines) == 3 and len(fig.axes) == 3  # and the twin
    np.testing.assert_array_equal(fig.axes[2].lines[0].get_ydata(), [0.5, 0.7, 0.6])
    assert right.lines[1].get_xdata()[0] == 2
