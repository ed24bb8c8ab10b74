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
