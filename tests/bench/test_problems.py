"""The problem registry: known optima checked by refinement, the Problem interface, errors."""

import math
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

import tunelab.bench
from tunelab.bench import problems
from tunelab.space import Real

EXPECTED_NAMES = [
    "ackley", "branin", "goldstein_price", "griewank", "hartmann3", "hartmann6", "levy",
    "log_goldstein_price", "michalewicz", "rastrigin", "rosenbrock", "shekel10", "shekel5",
    "shekel7", "six_hump_camel", "styblinski_tang",
]
# The most precise published optima (the brief's list; Michalewicz to its published digits).
PUBLISHED = {
    "branin": (0.397887357729738, 1e-14),
    "goldstein_price": (3.0, 0.0),
    "log_goldstein_price": (math.log(3.0), 1e-15),
    "six_hump_camel": (-1.03162845348988, 1e-14),
    "hartmann3": (-3.86278214782076, 1e-14),
    "hartmann6": (-3.32236801141551, 1e-14),
    "shekel5": (-10.1531996790582, 1e-13),
    "shekel7": (-10.4029405668187, 1e-13),
    "shekel10": (-10.5364098166920, 1e-13),
}
# Cases for the optimum checks: scalable functions in a few dimensions, Michalewicz's m too.
CASES = [(name, {}) for name in EXPECTED_NAMES] + [
    ("ackley", {"dim": 2}), ("rastrigin", {"dim": 3}), ("rosenbrock", {"dim": 2}),
    ("levy", {"dim": 1}), ("styblinski_tang", {"dim": 4}), ("griewank", {"dim": 5}),
    ("michalewicz", {"dim": 2}), ("michalewicz", {"dim": 5}), ("michalewicz", {"dim": 6, "m": 3}),
]


def _case_id(case):
    name, options = case
    return name + "".join(f"-{k}{v}" for k, v in options.items())


def test_names_are_sorted_lower_case_with_underscores():
    names = problems.names()
    assert names == EXPECTED_NAMES
    assert all(n == n.lower() and " " not in n and "-" not in n for n in names)


def test_bench_package_exposes_problems():
    assert tunelab.bench.problems is problems
    assert "problems" in dir(tunelab.bench)
    with pytest.raises(AttributeError, match="nope"):
        tunelab.bench.nope


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_value_at_every_minimizer_is_the_optimum(case):
    name, options = case
    problem = problems.get(name, **options)
    assert problem.minimizers.shape[1] == problem.dim and len(problem.minimizers) >= 1
    low, high = problem.bounds.T
    assert np.all((problem.minimizers >= low) & (problem.minimizers <= high))
    np.testing.assert_allclose(problem.evaluate(problem.minimizers), problem.optimum,
                               rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_optimum_is_the_published_value(name):
    value, tol = PUBLISHED[name]
    assert problems.get(name).optimum == pytest.approx(value, abs=tol)


def test_scalable_optima():
    assert problems.get("styblinski_tang", dim=3).optimum == pytest.approx(
        3 * -39.16616570377142, rel=1e-14)  # -39.1661657037714 per coordinate (40-digit root)
    assert problems.get("michalewicz", dim=2).optimum == pytest.approx(-1.80130341009855, abs=1e-14)
    assert problems.get("michalewicz", dim=5).optimum == pytest.approx(-4.687658, abs=5e-7)
    assert problems.get("michalewicz").optimum == pytest.approx(-9.66015, abs=5e-6)  # dim=10
    for name in ("ackley", "rastrigin", "rosenbrock", "levy", "griewank"):
        assert problems.get(name, dim=7).optimum == 0.0


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_local_refinement_finds_nothing_lower(case):
    name, options = case
    problem = problems.get(name, **options)
    rng = np.random.default_rng(0)
    width = problem.bounds[:, 1] - problem.bounds[:, 0]
    for x_star in problem.minimizers:
        x0 = np.clip(x_star + 1e-3 * width * rng.uniform(-1, 1, problem.dim), *problem.bounds.T)
        res = minimize(lambda x: problem.evaluate(x), x0, method="L-BFGS-B",
                       bounds=problem.bounds, options={"ftol": 1e-15, "gtol": 1e-12})
        assert res.fun >= problem.optimum - 1e-9 * max(1.0, abs(problem.optimum))
        assert res.fun <= problem.optimum + 1e-5  # it started in the minimizer's basin


@pytest.mark.parametrize("name", [n for n in EXPECTED_NAMES if problems.get(n).dim == 2])
def test_two_dimensional_optima_are_global_on_a_grid(name):
    problem = problems.get(name)
    axes = [np.linspace(lo, hi, 801) for lo, hi in problem.bounds]
    X = np.stack(np.meshgrid(*axes), axis=-1).reshape(-1, 2)
    values = problem.evaluate(X)
    assert values.min() >= problem.optimum - 1e-12
    # and the best grid point, refined, reaches the optimum
    res = minimize(problem.evaluate, X[np.argmin(values)], method="L-BFGS-B",
                   bounds=problem.bounds, options={"ftol": 1e-15, "gtol": 1e-12})
    assert res.fun == pytest.approx(problem.optimum, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("name", EXPECTED_NAMES)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_values_inside_the_bounds_are_not_below_the_optimum(name, data):
    problem = problems.get(name, dim=3) if name in ("ackley", "levy", "michalewicz") else (
        problems.get(name))
    u = data.draw(st.lists(st.floats(0.0, 1.0), min_size=problem.dim, max_size=problem.dim))
    x = problem.bounds[:, 0] + np.array(u) * (problem.bounds[:, 1] - problem.bounds[:, 0])
    assert problem.evaluate(x) >= problem.optimum - 1e-9


@pytest.mark.parametrize("name", EXPECTED_NAMES)
def test_evaluate_is_vectorized_like_a_row_loop(name, rng):
    problem = problems.get(name)
    X = problem.bounds[:, 0] + rng.random((9, problem.dim)) * np.diff(problem.bounds).T
    values = problem.evaluate(X)
    assert values.shape == (9,)
    loop = [problem.evaluate(x) for x in X]
    assert all(np.shape(v) == () for v in loop)
    np.testing.assert_allclose(values, loop, rtol=1e-15, atol=0)
    configs = [dict(zip(problem.space.names, x.tolist(), strict=True)) for x in X]
    np.testing.assert_allclose(values, [problem(c) for c in configs], rtol=1e-15, atol=0)
    assert isinstance(problem(configs[0]), float)
    assert problem.evaluate(np.empty((0, problem.dim))).shape == (0,)


@pytest.mark.parametrize("name", EXPECTED_NAMES)
def test_space_matches_the_bounds(name):
    problem = problems.get(name)
    assert problem.bounds.shape == (problem.dim, 2)
    assert problem.space.names == [f"x{i}" for i in range(problem.dim)]
    for i, (lo, hi) in enumerate(problem.bounds):
        assert problem.space[f"x{i}"] == Real(lo, hi)
    with pytest.raises(ValueError):
        problem.bounds[0, 0] = 0.0  # read-only


def test_standard_domains():
    assert problems.get("branin").bounds.tolist() == [[-5, 10], [0, 15]]
    assert problems.get("six_hump_camel").bounds.tolist() == [[-3, 3], [-2, 2]]
    assert problems.get("hartmann6").bounds.tolist() == [[0, 1]] * 6
    assert problems.get("shekel7").bounds.tolist() == [[0, 10]] * 4
    assert problems.get("ackley", dim=3).bounds.tolist() == [[-32.768, 32.768]] * 3
    assert problems.get("rastrigin").bounds.tolist() == [[-5.12, 5.12]] * 10  # default dim 10
    assert problems.get("griewank", dim=2).bounds.tolist() == [[-600, 600]] * 2
    assert problems.get("michalewicz", dim=2).bounds.tolist() == [[0, math.pi]] * 2


def test_noise_is_reproducible_and_zero_mean():
    x = np.full(4, 0.5)
    a = problems.get("rastrigin", dim=4, noise_std=0.5, seed=3)
    b = problems.get("rastrigin", dim=4, noise_std=0.5, seed=3)
    c = problems.get("rastrigin", dim=4, noise_std=0.5, seed=4)
    X = np.tile(x, (20_000, 1))
    ya, yb, yc = a.evaluate(X), b.evaluate(X), c.evaluate(X)
    np.testing.assert_array_equal(ya, yb)
    assert not np.array_equal(ya, yc)
    clean = problems.get("rastrigin", dim=4).evaluate(x)
    assert clean == 10 * 4 + 4 * (0.25 + 10)  # 10 d + sum(x^2 - 10 cos(pi)), cos(pi) = -1
    assert abs(ya.mean() - clean) < 4 * 0.5 / math.sqrt(len(ya))  # zero mean, 4 sigma
    assert ya.std() == pytest.approx(0.5, rel=0.03)
    assert a.optimum == 0.0 and a.evaluate(x, noise=False) == clean
    # the same draws whether one asks row by row or all at once
    d = problems.get("rastrigin", dim=4, noise_std=0.5, seed=3)
    np.testing.assert_array_equal([d(dict.fromkeys(d.space.names, 0.5)) for _ in range(5)],
                                  ya[:5])


def test_regret():
    problem = problems.get("hartmann3")
    assert problem.regret(-3.0) == pytest.approx(-3.0 + 3.86278214782076, abs=1e-14)
    assert isinstance(problem.regret(-3.0), float)
    np.testing.assert_allclose(problem.regret(problem.evaluate(problem.minimizers)), 0, atol=1e-14)


def test_repr_shows_the_options():
    assert repr(problems.get("branin")) == "Problem('branin', dim=2)"
    text = repr(problems.get("michalewicz", dim=3, noise_std=0.1, seed=7))
    assert text == "Problem('michalewicz', dim=3, m=10, noise_std=0.1, seed=7)"


def test_dim_option():
    assert problems.get("hartmann6", dim=6).dim == 6
    assert problems.get("rosenbrock", dim=2).dim == 2
    with pytest.raises(ValueError, match="dim must be 6"):
        problems.get("hartmann6", dim=3)
    with pytest.raises(ValueError, match="dim"):
        problems.get("rosenbrock", dim=1)
    with pytest.raises(ValueError, match="dim"):
        problems.get("ackley", dim=0)
    with pytest.raises(TypeError, match="dim"):
        problems.get("ackley", dim=2.5)


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="name must be one of .*'branin'.*'six_hump_camel'"):
        problems.get("braninn")


def test_bad_options():
    with pytest.raises(TypeError, match="'colour'.*allowed: dim, noise_std, seed"):
        problems.get("branin", colour="red")
    with pytest.raises(TypeError, match="'m'"):
        problems.get("ackley", m=3)  # only Michalewicz takes m
    with pytest.raises(ValueError, match="noise_std"):
        problems.get("branin", noise_std=-1.0)
    with pytest.raises(ValueError, match="seed"):
        problems.get("branin", seed=-1)
    with pytest.raises(ValueError, match="m must be in"):
        problems.get("michalewicz", m=0)
    with pytest.raises(TypeError, match="m must be an integer"):
        problems.get("michalewicz", m=2.5)


def test_bad_points():
    problem = problems.get("branin")
    with pytest.raises(ValueError, match="X must have 2 columns"):
        problem.evaluate(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="X contains NaN"):
        problem.evaluate([np.nan, 1.0])
    with pytest.raises(ValueError, match="'x1' is missing"):
        problem({"x0": 0.0})
    with pytest.raises(ValueError, match="'x0' must be in"):
        problem({"x0": 11.0, "x1": 0.0})


@pytest.mark.parametrize("name", EXPECTED_NAMES)
def test_problems_pickle_for_process_pools(name):
    problem = problems.get(name, noise_std=0.1, seed=1)
    problem.evaluate(problem.minimizers)  # advance the noise stream
    clone = pickle.loads(pickle.dumps(problem))
    X = problem.bounds.mean(axis=1)[None].repeat(3, axis=0)
    np.testing.assert_array_equal(clone.evaluate(X), problem.evaluate(X))  # same stream
    assert repr(clone) == repr(problem)


def test_custom_problem():
    sphere = problems.Problem("sphere", lambda X: np.sum(X**2, axis=1), [[-1, 1]] * 3, 0.0,
                              [0.0, 0.0, 0.0])
    assert sphere.dim == 3 and sphere.minimizers.shape == (1, 3)
    assert sphere({"x0": 0.5, "x1": 0.0, "x2": -0.5}) == 0.5
    assert repr(sphere) == "Problem('sphere', dim=3)"
    with pytest.raises(ValueError, match="bounds must have shape"):
        problems.Problem("bad", np.sum, [[1, 0]], 0.0, [0.5])
    with pytest.raises(TypeError, match="function must be callable"):
        problems.Problem("bad", None, [[0, 1]], 0.0, [0.5])
    wrong = problems.Problem("wrong", lambda X: X, [[0, 1]] * 2, 0.0, [0.0, 0.0])
    with pytest.raises(ValueError, match=r"function must return shape \(1,\)"):
        wrong.evaluate([0.5, 0.5])
    with pytest.raises(ValueError, match="minimizers must have 2 columns"):
        problems.Problem("bad", np.sum, [[0, 1]] * 2, 0.0, [0.5])
