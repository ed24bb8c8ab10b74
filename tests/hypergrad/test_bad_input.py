"""Bad input is refused with its name and the valid choices; an unconverged inner fit warns
with its gap."""

import re
import warnings

import numpy as np
import pytest

import tunelab as tl
from tunelab.exceptions import ConvergenceWarning
from tunelab.hypergrad import ValidationLoss


def _binary(n=80, p=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    y = (X @ rng.normal(size=p) + rng.normal(size=n) > 0).astype(int)
    return X[: n // 2], y[: n // 2], X[n // 2 :], y[n // 2 :]


def test_estimator_that_cannot_be_differentiated_names_it_and_the_supported_ones():
    with pytest.raises(TypeError, match="MLPRegressor.*BayesianLinearRegression.*"
                                        "LinearRegression.*LogisticRegression"):
        ValidationLoss(tl.MLPRegressor(), *_binary())


@pytest.mark.parametrize(("estimator", "names"), [
    (tl.LogisticRegression(), "['alpha']"),
    (tl.LinearRegression(), "['alpha']"),
    (tl.BayesianLinearRegression(), "['alpha', 'beta']"),
])
def test_hyperparameter_that_cannot_be_differentiated_lists_those_that_can(estimator, names):
    f = ValidationLoss(estimator, *_binary())
    with pytest.raises(ValueError, match=re.escape(names) + r".*\['alpha', 'tol'\]"):
        f({"alpha": 0.1, "tol": 1e-3})


def test_space_with_integer_or_categorical_dimensions_names_them_in_minimize():
    space = tl.Space({"alpha": tl.Real(1e-3, 1.0, log=True), "n": tl.Integer(1, 3),
                      "kind": tl.Categorical(["a", "b"])})
    with pytest.raises(ValueError, match=r"'n' \(integer\), 'kind' \(categorical\)"):
        tl.minimize(lambda c: (0.0, {"alpha": 0.0}), space, strategy="hypergradient",
                    n_trials=2)


def test_unconverged_inner_fit_warns_with_the_actual_gap():
    data = _binary()
    f = ValidationLoss(tl.LogisticRegression(), *data, max_iter=1, warm_start=False)
    with pytest.warns(ConvergenceWarning) as record:
        f({"alpha": 1e-3})
    gap = float(re.search(r"max \|gradient\| = ([0-9.e+-]+)", str(record[0].message)).group(1))
    lam = np.full(data[0].shape[1], 1e-3)
    theta, true_gap, _ = f.problem.fit(lam, None, 1, 0.0)
    assert true_gap > 1e-6
    assert gap == pytest.approx(true_gap, rel=1e-2)
    converged = ValidationLoss(tl.LogisticRegression(), *data)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        converged({"alpha": 1e-3})

