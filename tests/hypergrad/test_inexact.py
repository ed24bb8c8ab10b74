"""Warm starts and HOAG's inexact hypergradients: the schedule, the saving, the error bound."""

import warnings

import numpy as np
import pytest

import tunelab as tl
from tunelab.hypergrad import CrossValidationLoss, ValidationLoss


def _binary(n=200, p=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    y = (X @ rng.normal(size=p) + rng.normal(size=n) > 0).astype(int)
    return X[: n // 2], y[: n // 2], X[n // 2 :], y[n // 2 :]


def _bound(Xt, Xv, theta, alpha, g_star, eps):
    """The docstring's bound, every constant computed for binary logistic regression."""
    X1 = np.hstack([Xt, np.ones((len(Xt), 1))])
    Xv1 = np.hstack([Xv, np.ones((len(Xv), 1))])
    s = 1 / (1 + np.exp(-X1 @ theta))
    H = X1.T @ (X1 * (s * (1 - s))[:, None]) / len(X1) + np.diag(np.append(alpha, 0.0))
    lam_min = np.linalg.eigvalsh(H)[0]
    L_H = np.mean(np.linalg.norm(X1, axis=1) ** 3) / (6 * np.sqrt(3))  # max |sigma''|
    L_g = 0.25 * np.linalg.norm(Xv1, 2) ** 2 / len(Xv1)
    d = len(theta)
    mu = 0.5 * lam_min
    delta = np.sqrt(d) * eps / mu
    assert L_H * delta < 0.5 * lam_min  # mu bounds the Hessian's eigenvalues near theta*
    gamma, b = np.linalg.norm(g_star), np.max(np.abs(theta[:-1]))
    return b * eps / mu + b / mu * (L_g + L_H * gamma / mu) * delta + gamma * delta / mu


@pytest.mark.parametrize("eps", [1e-4, 1e-5, 1e-6, 1e-7])
def test_inexact_hypergradient_within_the_stated_bound(eps):
    Xt, yt, Xv, yv = _binary()
    alpha = np.geomspace(0.01, 0.3, Xt.shape[1])
    exact = ValidationLoss(tl.LogisticRegression(), Xt, yt, Xv, yv)
    p_star = exact({"alpha": alpha})[1]["alpha"]
    theta = exact._theta
    X1v = np.hstack([Xv, np.ones((len(Xv), 1))])
    g_star = X1v.T @ (1 / (1 + np.exp(-X1v @ theta)) - yv) / len(Xv)
    inexact = ValidationLoss(
        tl.LogisticRegression(), Xt, yt, Xv, yv, tol_schedule=(eps, 1.0), warm_start=False
    )
    p = inexact({"alpha": alpha})[1]["alpha"]
    err = np.linalg.norm(p - p_star)
    assert err <= _bound(Xt, Xv, theta, alpha, g_star, eps)
    assert inexact.n_cg_iter > 0 and inexact.last_tol == eps
    if eps == 1e-4:
        assert err > 1e-8  # the variant is inexact: the test above can fail


def test_schedule_decreases_and_the_error_follows():
    Xt, yt, Xv, yv = _binary()
    exact = ValidationLoss(tl.LogisticRegression(), Xt, yt, Xv, yv)
    f = ValidationLoss(tl.LogisticRegression(), Xt, yt, Xv, yv, tol_schedule=(0.01, 0.9))
    errors = []
    for k in range(60):
        alpha = 0.05 * (1 + 0.001 * k)
        assert f.last_tol == (1e-12 if k == 0 else pytest.approx(0.01 * 0.9 ** (k - 1)))
        g = f({"alpha": alpha})[1]["alpha"]
        errors.append(abs(g - exact({"alpha": alpha})[1]["alpha"]))
    assert f.n_calls == 60 and f.last_tol == pytest.approx(0.01 * 0.9**59)
    # eps fell by 0.9**55 = 0.003 from the first five calls to the last five
    assert max(errors[-5:]) < 0.02 * max(errors[:5])


def test_warm_starts_save_inner_iterations_and_change_nothing():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(300, 10))
    y = (X @ rng.normal(size=10) + rng.normal(size=300) > 0).astype(int)
    warm = CrossValidationLoss(tl.LogisticRegression(), X, y, cv=3)
    cold = CrossValidationLoss(tl.LogisticRegression(), X, y, cv=3, warm_start=False)
    for alpha in np.geomspace(1e-3, 1e-1, 30):
        vw, gw = warm({"alpha": alpha})
        vc, gc = cold({"alpha": alpha})
        assert vw == pytest.approx(vc, rel=1e-12)
        assert gw["alpha"] == pytest.approx(gc["alpha"], rel=1e-8)
    assert warm.n_inner_iter < 0.7 * cold.n_inner_iter


def test_schedule_errors():
    data = _binary()
    with pytest.raises(ValueError, match="rate"):
        ValidationLoss(tl.LogisticRegression(), *data, tol_schedule=(0.01, 1.5))
    with pytest.raises(TypeError, match="tol_schedule"):
        ValidationLoss(tl.LogisticRegression(), *data, tol_schedule=0.01)
    with pytest.raises(TypeError, match="warm_start"):
        ValidationLoss(tl.LogisticRegression(), *data, warm_start=1)


def test_conjugate_gradients_that_stop_short_say_so():
    """With features spread over ten orders of magnitude and almost no ridge, CG cannot reach
    its residual in 10 d iterations: it warns with the residual, and its hypergradient is
    indeed off from the Cholesky one (well conditioned, it is silent and equal)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 30)) * np.logspace(-5, 5, 30)
    y = rng.normal(size=200)
    data = X[:100], y[:100], X[100:], y[100:]
    exact = ValidationLoss(tl.LinearRegression(), *data, solver="cholesky")({"alpha": 1e-10})
    with pytest.warns(tl.exceptions.ConvergenceWarning,
                      match=r"conjugate gradients stopped with residual [0-9.e+-]+; .*cholesky"):
        short = ValidationLoss(tl.LinearRegression(), *data, solver="cg")({"alpha": 1e-10})
    assert not np.isclose(short[1]["alpha"], exact[1]["alpha"], rtol=1e-2)

    Xw = rng.normal(size=(200, 5))
    well = Xw[:100], y[:100], Xw[100:], y[100:]
    with warnings.catch_warnings():
        warnings.simplefilter("error", tl.exceptions.ConvergenceWarning)
        cg = ValidationLoss(tl.LinearRegression(), *well, solver="cg")({"alpha": 1e-2})
    chol = ValidationLoss(tl.LinearRegression(), *well, solver="cholesky")({"alpha": 1e-2})
    assert np.isclose(cg[1]["alpha"], chol[1]["alpha"], rtol=1e-8)


def test_a_warm_start_at_another_alpha_takes_a_newton_step():
    """Under a loose tolerance the previous solution may already pass it; the fit still takes
    a Newton step, so the value moves with alpha (toward its exact value), not stale."""
    Xt, yt, Xv, yv = _binary(seed=4)
    loose = ValidationLoss(tl.LogisticRegression(), Xt, yt, Xv, yv, tol_schedule=(1e-12, 1.0))
    exact = ValidationLoss(tl.LogisticRegression(), Xt, yt, Xv, yv, tol=1e-12)
    loose({"alpha": 1e-2})  # solved exactly; from here on a tolerance the start meets
    loose.tol_schedule = (0.5, 1.0)
    before = loose.n_inner_iter
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        v, _ = loose({"alpha": 1.1e-2})
        v_same, _ = loose({"alpha": 1.1e-2})  # the same alpha again: no step needed
    assert loose.n_inner_iter - before == 1
    assert v_same == v
    v_exact, _ = exact({"alpha": 1.1e-2})
    v_stale, _ = exact({"alpha": 1e-2})
    assert abs(v - v_exact) < 0.1 * abs(v_stale - v_exact)


def test_lbfgsb_with_pedregosa_schedule_leaves_its_start_and_converges():
    """HypergradientSearch (L-BFGS-B) on HOAG's inexact hypergradients, eps_k = 0.01 0.9^k: it
    reaches the exact run's optimum (it stalled at its start when a warm start that met the
    loose tolerance took no step, the value then not moving with alpha)."""
    rng = np.random.default_rng(0)
    n, p = 300, 60
    X = rng.normal(size=(n, p))
    w = np.where(np.arange(p) < 8, rng.normal(size=p), 0.0)
    y = (X @ w + 1.5 * rng.normal(size=n) > 0).astype(int)
    Xt, yt, Xv, yv = X[:150], y[:150], X[150:], y[150:]
    space = tl.Space({"alpha": tl.Real(1e-6, 10.0, log=True)})
    ends = {}
    for name, schedule in (("exact", None), ("inexact", (0.01, 0.9))):
        loss = ValidationLoss(tl.LogisticRegression(), Xt, yt, Xv, yv, tol=1e-12,
                              tol_schedule=schedule)
        hs = tl.search.HypergradientSearch(space, optimizer="lbfgsb", learning_rate=1.0,
                                           gtol=1e-6, xtol=1e-6)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(40):
                if hs.stopped is not None:
                    break
                config = hs.ask()
                value, grad = loss(config)
                hs.tell(config, value, gradient=grad)
        ends[name] = np.log10(config["alpha"])  # the last point asked
    start = np.log10(np.sqrt(1e-6 * 10.0))  # the box's centre on the log axis
    assert abs(ends["exact"] - start) > 0.3  # the optimum is away from the start
    assert abs(ends["inexact"] - ends["exact"]) < 0.02
