"""``sgd_linear``'s documented default of one sample per step: one epoch is the n single-sample
updates of the recursion written out, in the order of the seeded permutation."""

import numpy as np
import pytest

from tunelab.optim.sgd import sgd_linear


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_default_is_one_sample_per_step(fit_intercept, rng):
    n, p, alpha, lr = 9, 2, 0.1, 0.05
    X = rng.normal(size=(n, p))
    y = rng.normal(size=n)
    d = p + int(fit_intercept)
    res = sgd_linear(X, y, np.zeros(d), loss="squared", alpha=alpha, fit_intercept=fit_intercept,
                     learning_rate=lr, epochs=1, random_state=7)
    theta = np.zeros(d)
    for i in np.random.default_rng(7).permutation(n):
        w = theta[:p]
        r = X[i] @ w + (theta[p] if fit_intercept else 0.0) - y[i]
        grad = np.r_[r * X[i] + alpha * w, [r] if fit_intercept else []]
        theta = theta - lr * grad
    np.testing.assert_allclose(res.x, theta, rtol=1e-12, atol=1e-15)
