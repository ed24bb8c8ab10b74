"""HypergradientSearch: its steps by hand, its optima against brute force and SciPy, the
study's gradient path (storage, exact resume, maximize)."""

import math

import numpy as np
import pytest
from scipy.optimize import minimize as scipy_minimize

import tunelab as tl
from tunelab.exceptions import SearchExhausted
from tunelab.hypergrad import CrossValidationLoss, ValidationLoss
from tunelab.search import HypergradientSearch, make_strategy
from tunelab.space import Categorical, Integer, Real, Space


def _quadratic(c):
    """(x - 1)^2 + 10 (log z - log 0.01)^2, minimum at x = 1, z = 0.01."""
    lz = math.log(c["z"]) - math.log(0.01)
    return (c["x"] - 1.0) ** 2 + 10 * lz**2, {"x": 2 * (c["x"] - 1.0), "z": 20 * lz / c["z"]}


SPACE = Space({"x": Real(-4.0, 4.0), "z": Real(1e-5, 1.0, log=True)})


def _run(hs, f, n):
    for _ in range(n):
        try:
            c = hs.ask()
        except SearchExhausted:
            break
        value, grad = f(c)
        hs.tell(c, value, gradient=grad)
    return hs


def test_starts_at_the_centre_and_steps_in_log_coordinates():
    hs = HypergradientSearch(SPACE, optimizer="gd", learning_rate=0.01, seed=0)
    c = hs.ask()
    assert c["x"] == 0.0 and c["z"] == pytest.approx(math.sqrt(1e-5), rel=1e-12)
    value, grad = _quadratic(c)
    hs.tell(c, value, gradient=grad)
    nxt = hs.ask()
    assert nxt["x"] == pytest.approx(0.0 - 0.01 * grad["x"], rel=1e-14)
    # d/d log z = z d/dz: the step is multiplicative on z
    expected = math.exp(math.log(c["z"]) - 0.01 * c["z"] * grad["z"])
    assert nxt["z"] == pytest.approx(expected, rel=1e-13)
    assert hs.ask() == nxt  # asked again before a tell: the same iterate


@pytest.mark.parametrize(
    ("optimizer", "lr", "n"), [("gd", 0.02, 400), ("adam", 0.1, 400), ("lbfgsb", 0.5, 60)]
)
def test_each_optimizer_finds_the_minimum(optimizer, lr, n):
    hs = _run(
        HypergradientSearch(SPACE, optimizer=optimizer, learning_rate=lr, seed=0), _quadratic, n
    )
    best = min(hs.history, key=lambda p: p[1])[0]
    assert best["x"] == pytest.approx(1.0, abs=1e-3)
    assert best["z"] == pytest.approx(0.01, rel=1e-3)


def test_lbfgsb_matches_scipy_on_a_bounded_rosenbrock():
    """The bound x <= 0.5 is active: the constrained optimum, as SciPy's L-BFGS-B finds it."""
    space = Space({"x": Real(-2.0, 0.5), "y": Real(-2.0, 2.0)})

    def rosen(c):
        x, y = c["x"], c["y"]
        return (1 - x) ** 2 + 100 * (y - x**2) ** 2, {
            "x": -2 * (1 - x) - 400 * x * (y - x**2),
            "y": 200 * (y - x**2),
        }

    hs = _run(
        HypergradientSearch(
            space, optimizer="lbfgsb", learning_rate=0.5, seed=0, gtol=1e-9, xtol=1e-12
        ),
        rosen,
        400,
    )
    ref = scipy_minimize(
        lambda v: rosen({"x": v[0], "y": v[1]})[0],
        [-0.75, 0.0],
        jac=lambda v: np.array(list(rosen({"x": v[0], "y": v[1]})[1].values())),
        method="L-BFGS-B",
        bounds=[(-2, 0.5), (-2, 2)],
        tol=1e-14,
    )
    best = min(hs.history, key=lambda p: p[1])
    assert hs.stopped is not None
    assert best[0]["x"] == 0.5
    assert best[1] == pytest.approx(ref.fun, rel=1e-9)
    assert best[0]["y"] == pytest.approx(ref.x[1], abs=1e-6)


def test_projection_onto_the_bounds_and_the_gtol_stop():
    space = Space({"x": Real(0.0, 1.0)})
    hs = HypergradientSearch(space, optimizer="gd", learning_rate=10.0, gtol=1e-8)
    c = hs.ask()
    hs.tell(c, -c["x"], gradient={"x": -1.0})  # descent leaves the box: clipped at 1
    c = hs.ask()
    assert c["x"] == 1.0
    hs.tell(c, -1.0, gradient={"x": -1.0})  # at the bound, pointing out: stationary
    assert "gtol" in hs.stopped
    with pytest.raises(SearchExhausted, match="gtol"):
        hs.ask()


def test_xtol_stop():
    hs = HypergradientSearch(
        Space({"x": Real(-1.0, 1.0)}), optimizer="gd", learning_rate=1e-3, gtol=None, xtol=1e-2
    )
    c = hs.ask()
    hs.tell(c, 0.0, gradient={"x": 1.0})
    assert "xtol" in hs.stopped


def test_non_real_dimensions_are_refused_by_name():
    space = Space({"x": Real(0.0, 1.0), "k": Integer(1, 5), "act": Categorical(["a", "b"])})
    with pytest.raises(ValueError, match=r"'k' \(integer\), 'act' \(categorical\)"):
        HypergradientSearch(space)


def test_bad_arguments():
    with pytest.raises(ValueError, match="optimizer"):
        HypergradientSearch(SPACE, optimizer="newton")
    with pytest.raises(ValueError, match="learning_rate"):
        HypergradientSearch(SPACE, learning_rate=0.0)
    with pytest.raises(ValueError, match="'x'"):
        HypergradientSearch(SPACE, x0={"x": 9.0, "z": 0.1})
    hs = HypergradientSearch(SPACE)
    c = hs.ask()
    with pytest.raises(ValueError, match="needs the gradient"):
        hs.tell(c, 1.0)
    with pytest.raises(ValueError, match="keys"):
        hs.tell(c, 1.0, gradient={"x": 1.0})
    with pytest.raises(TypeError, match="gradient\\['z'\\]"):
        hs.tell(c, 1.0, gradient={"x": 1.0, "z": "a"})


def test_failures_backtrack_and_a_failed_start_redraws_from_the_seed():
    hs = HypergradientSearch(SPACE, optimizer="gd", learning_rate=0.1, seed=3)
    c0 = hs.ask()
    hs.tell(c0, float("nan"))
    c1 = hs.ask()
    assert c1 != c0 and hs.n_failed == 1
    again = HypergradientSearch(SPACE, optimizer="gd", learning_rate=0.1, seed=3)
    again.tell(again.ask(), float("nan"))
    assert again.ask() == c1  # the new start is a function of the seed
    value, grad = _quadratic(c1)
    hs.tell(c1, value, gradient=grad)
    c2 = hs.ask()
    hs.tell(c2, float("inf"))
    c3 = hs.ask()
    assert c3["x"] == pytest.approx(0.5 * (c1["x"] + c2["x"]), rel=1e-12)


def test_deterministic_and_rebuilt_by_make_strategy():
    a = _run(HypergradientSearch(SPACE, seed=5), _quadratic, 25)
    b = _run(
        make_strategy(
            "hypergradient",
            SPACE,
            seed=5,
            **{k: v for k, v in a.get_params().items() if k != "seed"},
        ),
        _quadratic,
        25,
    )
    assert a.history == b.history
    info = a.explain()
    assert info["path"] == [c for c, _ in a.history] and len(info["gradients"]) == 25


def _logistic_cv(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(150, 6))
    y = (X @ rng.normal(size=6) + 2 * rng.normal(size=150) > 0).astype(int)
    return CrossValidationLoss(tl.LogisticRegression(), X, y, cv=3)


def test_minimize_reaches_the_brute_force_optimum_of_a_cv_loss():
    f = _logistic_cv()
    space = Space({"alpha": Real(1e-4, 10.0, log=True)})
    study = tl.minimize(
        f,
        space,
        strategy="hypergradient",
        n_trials=50,
        seed=0,
        progress=False,
        strategy_options={"optimizer": "lbfgsb", "learning_rate": 1.0},
    )
    grid = np.geomspace(1e-4, 10.0, 2001)
    losses = [f({"alpha": a})[0] for a in grid]
    assert study.best_value <= min(losses) + 1e-8
    assert study.best_params["alpha"] == pytest.approx(grid[np.argmin(losses)], rel=0.01)
    assert set(study.best_trial.gradient) == {"alpha"}
    adam = tl.minimize(
        f,
        space,
        strategy="hypergradient",
        n_trials=60,
        seed=0,
        progress=False,
        strategy_options={"learning_rate": 0.3},
    )
    assert adam.best_value <= min(losses) + 1e-4


def test_per_feature_alphas_as_one_real_each():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(120, 4))
    y = (X[:, 0] + 0.5 * rng.normal(size=120) > 0).astype(int)
    f = ValidationLoss(tl.LogisticRegression(), X[:60], y[:60], X[60:], y[60:])
    names = [f"alpha_{j}" for j in range(4)]
    space = Space({n: Real(1e-4, 10.0, log=True) for n in names})

    def objective(c):
        value, grad = f({"alpha": np.array([c[n] for n in names])})
        return value, dict(zip(names, grad["alpha"], strict=True))

    study = tl.minimize(
        objective,
        space,
        strategy="hypergradient",
        n_trials=40,
        seed=0,
        progress=False,
        strategy_options={"learning_rate": 0.3},
    )
    assert study.best_value < study.trials[0].value - 1e-3


def test_maximize_ascends():
    space = Space({"x": Real(-3.0, 3.0)})
    study = tl.minimize(
        lambda c: (-((c["x"] - 2.0) ** 2), {"x": -2 * (c["x"] - 2.0)}),
        space,
        strategy="hypergradient",
        direction="maximize",
        n_trials=40,
        seed=0,
        progress=False,
        strategy_options={"optimizer": "gd", "learning_rate": 0.3},
    )
    assert study.best_params["x"] == pytest.approx(2.0, abs=1e-4)


@pytest.mark.parametrize("optimizer", ["adam", "lbfgsb"])
def test_resume_replays_exactly_with_the_stored_gradients(tmp_path, optimizer):
    options = {"optimizer": optimizer, "learning_rate": 0.2, "gtol": None, "xtol": None}
    whole = tl.minimize(
        _quadratic,
        SPACE,
        strategy="hypergradient",
        n_trials=20,
        seed=1,
        progress=False,
        strategy_options=options,
    )
    path = tmp_path / "study.db"
    tl.minimize(
        _quadratic,
        SPACE,
        strategy="hypergradient",
        n_trials=8,
        seed=1,
        storage=path,
        progress=False,
        strategy_options=options,
    )
    resumed = tl.study.Study.load(path)
    assert resumed.trials[3].gradient == whole.trials[3].gradient  # stored, read back
    resumed.optimize(_quadratic, n_trials=12, progress=False)
    assert [t.params for t in resumed.trials] == [t.params for t in whole.trials]
    assert [t.value for t in resumed.trials] == [t.value for t in whole.trials]
    assert tl.study.Study.load(path).trials == resumed.trials


def test_resume_with_a_warm_started_objective(tmp_path):
    """The inner fits are warm-started, so a fresh objective differs in the last digits: the
    resumed run follows the uninterrupted one to that accuracy."""
    space = Space({"alpha": Real(1e-4, 10.0, log=True)})
    options = {"learning_rate": 0.2}
    whole = tl.minimize(
        _logistic_cv(),
        space,
        strategy="hypergradient",
        n_trials=16,
        seed=1,
        progress=False,
        strategy_options=options,
    )
    path = tmp_path / "study.db"
    tl.minimize(
        _logistic_cv(),
        space,
        strategy="hypergradient",
        n_trials=8,
        seed=1,
        storage=path,
        progress=False,
        strategy_options=options,
    )
    resumed = tl.study.Study.load(path)
    resumed.optimize(_logistic_cv(), n_trials=8, progress=False)
    np.testing.assert_allclose(
        [t.params["alpha"] for t in resumed.trials],
        [t.params["alpha"] for t in whole.trials],
        rtol=1e-9,
    )


@pytest.mark.filterwarnings("ignore:7 of the 10 trials")
def test_gradient_objective_under_other_strategies_and_bad_gradients():
    space = Space({"x": Real(-3.0, 3.0)})
    study = tl.minimize(
        lambda c: (c["x"] ** 2, {"x": 2 * c["x"]}),
        space,
        strategy="random",
        n_trials=5,
        seed=0,
        progress=False,
    )
    assert all(t.gradient == {"x": 2 * t.params["x"]} for t in study.trials)

    def half_bad(c):
        return c["x"] ** 2, {"x": float("nan") if c["x"] > 0 else 2 * c["x"]}

    with pytest.warns(tl.exceptions.TrialFailedWarning, match="gradient"):
        study = tl.minimize(half_bad, space, strategy="random", n_trials=10, seed=0, progress=False)
    failed = [t for t in study.trials if t.state.name == "FAILED"]
    assert failed and all(t.params["x"] > 0 and "finite" in t.error for t in failed)


def test_gradient_comes_back_from_an_executor():
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        study = tl.minimize(
            _quadratic,
            SPACE,
            strategy="sobol",
            n_trials=4,
            seed=0,
            n_jobs=2,
            executor=pool,
            progress=False,
        )
        hyper = tl.minimize(
            _quadratic,
            SPACE,
            strategy="hypergradient",
            n_trials=6,
            seed=0,
            n_jobs=2,
            executor=pool,
            progress=False,
        )
    assert all(t.gradient == _quadratic(t.params)[1] for t in study.trials + hyper.trials)
    alone = tl.minimize(
        _quadratic, SPACE, strategy="hypergradient", n_trials=6, seed=0, progress=False
    )
    assert [t.params for t in hyper.trials] == [t.params for t in alone.trials]


def test_a_file_written_before_gradients_were_stored_loads(tmp_path):
    import sqlite3

    path = tmp_path / "old.db"
    tl.minimize(lambda c: c["x"] ** 2, SPACE, n_trials=3, seed=0, storage=path, progress=False)
    with sqlite3.connect(path) as conn:
        conn.execute("ALTER TABLE trials DROP COLUMN gradient")
    study = tl.study.Study.load(path)
    assert [t.gradient for t in study.trials] == [None] * 3
    study.optimize(_quadratic, n_trials=1, progress=False)
    assert tl.study.Study.load(path).trials[3].gradient == _quadratic(study.trials[3].params)[1]


def test_lbfgsb_doubles_its_step_where_the_curvature_is_not_positive():
    """On the concave side of a sigmoid (a plateau's edge) the steps double: 0.5, 1, 2, 4."""
    space = Space({"x": Real(-20.0, 20.0)})
    hs = HypergradientSearch(
        space, optimizer="lbfgsb", learning_rate=0.5, x0={"x": 15.0}, gtol=None
    )
    xs = []
    for _ in range(5):
        c = hs.ask()
        xs.append(c["x"])
        s = 1 / (1 + math.exp(-c["x"]))
        hs.tell(c, s, gradient={"x": s * (1 - s)})
    assert xs == pytest.approx([15.0, 14.5, 13.5, 11.5, 7.5], abs=1e-12)
