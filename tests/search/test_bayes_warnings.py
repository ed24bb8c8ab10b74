"""BayesianOptimization's warnings: no false alarm on a smooth objective, a true one on noise,
and advice that names arguments that exist."""

import inspect
import warnings

import numpy as np
import pytest

import tunelab as tl
from tunelab.search.bayes import DegradedWarning


def run(objective, n, seed=0):
    space = tl.Space({"x": tl.Real(-2.0, 2.0)})
    bo = tl.search.BayesianOptimization(space, seed=seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(n):
            config = bo.ask()
            bo.tell(config, objective(config["x"]))
    return bo, [str(w.message) for w in caught if issubclass(w.category, DegradedWarning)]


def test_a_smooth_function_raises_no_lengthscale_alarm():
    _, messages = run(lambda x: float(np.sin(3 * x) + 0.3 * x**2), 20)
    assert not [m for m in messages if "lengthscale" in m]


def test_noise_is_reported_once_with_advice_that_names_real_arguments():
    rng = np.random.default_rng(1)
    bo, messages = run(lambda x: float(rng.normal()), 30)
    alarms = [m for m in messages if "lower bound" in m]
    assert len(alarms) == 1 and "sees the objective as noise" in alarms[0]
    options = inspect.signature(tl.search.BayesianOptimization).parameters
    for argument in ("noise", "hyperparameters", "n_initial"):
        assert argument in alarms[0] and argument in options


def test_the_gp_names_the_kernel_argument_it_advises():
    X = np.linspace(0.0, 1.0, 5)[:, None]
    y = np.random.default_rng(2).normal(size=5)  # noise: ML-II ends at the lower bound
    gp = tl.gp.GaussianProcess(tl.gp.Matern(nu=2.5, lengthscale=[0.5]), noise=1e-6,
                               random_state=0)
    with pytest.warns(tl.ConvergenceWarning, match="lower bound.*kernel's lengthscale_bounds"):
        gp.fit(X, y, optimize=True)
    assert "lengthscale_bounds" in inspect.signature(tl.gp.Matern).parameters


def test_degraded_warnings_point_at_the_callers_ask_or_tell():
    # Each DegradedWarning names the line of the caller's ask or tell, whatever depth inside
    # tunelab it was issued from (repeat, exhausted, lengthscale, jitter).
    space = tl.Space({"k": tl.Integer(0, 2), "c": tl.Categorical(["a", "b"])})
    bo = tl.search.BayesianOptimization(space, n_initial=2, seed=0, n_candidates=64,
                                        n_restarts=1)
    ask_line = inspect.currentframe().f_lineno + 4
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(9):
            config = bo.ask()
            bo.tell(config, config["k"] + (config["c"] == "b"))
    degraded = [w for w in caught if w.category is DegradedWarning]
    assert any("every configuration tried" in str(w.message) for w in degraded)
    assert [(w.filename, w.lineno) for w in degraded] == [(__file__, ask_line)] * len(degraded)

    bo = tl.search.BayesianOptimization(tl.Space({"x": tl.Real(0.0, 1.0)}), n_initial=2,
                                        noise=0.0, hyperparameters="fixed", seed=0)
    for x, value in [(0.5, 1.0), (0.5, 1.0), (0.2, 0.0)]:
        bo.tell({"x": x}, value)
    with pytest.warns(DegradedWarning, match="jitter") as record:
        bo.ask()
    assert [(w.filename, w.lineno) for w in record] == [
        (__file__, inspect.currentframe().f_lineno - 2)]
