"""Test functions: hand-computed values, independent scalar transcriptions, minimizer helpers."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq, minimize_scalar

from tunelab.bench import functions as F

PI = math.pi

# --- scalar transcriptions of the formulas, one point at a time, tables typed again ----------

H_ALPHA = [1.0, 1.2, 3.0, 3.2]
H3_A = [[3, 10, 30], [0.1, 10, 35], [3, 10, 30], [0.1, 10, 35]]
H3_P = [[0.3689, 0.1170, 0.2673], [0.4699, 0.4387, 0.7470], [0.1091, 0.8732, 0.5547],
        [0.03815, 0.5743, 0.8828]]
H6_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14]]
H6_P = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
        [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
        [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650],
        [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]]
# Dixon and Szego's wells, one row each (the seventh is (5, 5, 3, 3)), and their widths
SHEKEL_WELLS = [(4, 4, 4, 4), (1, 1, 1, 1), (8, 8, 8, 8), (6, 6, 6, 6), (3, 7, 3, 7),
                (2, 9, 2, 9), (5, 5, 3, 3), (8, 1, 8, 1), (6, 2, 6, 2), (7, 3.6, 7, 3.6)]
SHEKEL_BETA = [0.1, 0.2, 0.2, 0.4, 0.4, 0.6, 0.3, 0.7, 0.5, 0.5]


def ref_hartmann(x, A, P):
    return -sum(H_ALPHA[i] * math.exp(-sum(A[i][j] * (x[j] - P[i][j]) ** 2
                                            for j in range(len(x)))) for i in range(4))


def ref_shekel(x, m):
    return -sum(1 / (sum((x[j] - SHEKEL_WELLS[i][j]) ** 2 for j in range(4)) + SHEKEL_BETA[i])
                for i in range(m))


def ref_branin(x):
    x1, x2 = x
    return ((x2 - 5.1 / (4 * PI**2) * x1**2 + 5 / PI * x1 - 6) ** 2
            + 10 * (1 - 1 / (8 * PI)) * math.cos(x1) + 10)


def ref_goldstein_price(x):
    x1, x2 = x
    a = 1 + (x1 + x2 + 1) ** 2 * (19 - 14 * x1 + 3 * x1**2 - 14 * x2 + 6 * x1 * x2 + 3 * x2**2)
    b = 30 + (2 * x1 - 3 * x2) ** 2 * (18 - 32 * x1 + 12 * x1**2 + 48 * x2 - 36 * x1 * x2
                                       + 27 * x2**2)
    return a * b


def ref_ackley(x):
    d = len(x)
    return (-20 * math.exp(-0.2 * math.sqrt(sum(v * v for v in x) / d))
            - math.exp(sum(math.cos(2 * PI * v) for v in x) / d) + 20 + math.e)


def ref_levy(x):
    w = [1 + (v - 1) / 4 for v in x]
    body = sum((w[i] - 1) ** 2 * (1 + 10 * math.sin(PI * w[i] + 1) ** 2) for i in range(len(x) - 1))
    return (math.sin(PI * w[0]) ** 2 + body
            + (w[-1] - 1) ** 2 * (1 + math.sin(2 * PI * w[-1]) ** 2))


def ref_griewank(x):
    return (1 + sum(v * v for v in x) / 4000
            - math.prod(math.cos(v / math.sqrt(i + 1)) for i, v in enumerate(x)))


def ref_michalewicz(x, m=10):
    return -sum(math.sin(v) * math.sin((i + 1) * v * v / PI) ** (2 * m) for i, v in enumerate(x))


REFERENCES = {  # function, its scalar transcription, (low, high), dimension
    "branin": (F.branin, ref_branin, [(-5, 10), (0, 15)]),
    "goldstein_price": (F.goldstein_price, ref_goldstein_price, [(-2, 2)] * 2),
    "log_goldstein_price": (F.log_goldstein_price, lambda x: math.log(ref_goldstein_price(x)),
                            [(-2, 2)] * 2),
    "six_hump_camel": (F.six_hump_camel, lambda x: ((4 - 2.1 * x[0]**2 + x[0]**4 / 3) * x[0]**2
                       + x[0] * x[1] + (-4 + 4 * x[1]**2) * x[1]**2), [(-3, 3), (-2, 2)]),
    "hartmann3": (F.hartmann3, lambda x: ref_hartmann(x, H3_A, H3_P), [(0, 1)] * 3),
    "hartmann6": (F.hartmann6, lambda x: ref_hartmann(x, H6_A, H6_P), [(0, 1)] * 6),
    "shekel5": (lambda X: F.shekel(X, 5), lambda x: ref_shekel(x, 5), [(0, 10)] * 4),
    "shekel7": (lambda X: F.shekel(X, 7), lambda x: ref_shekel(x, 7), [(0, 10)] * 4),
    "shekel10": (F.shekel, lambda x: ref_shekel(x, 10), [(0, 10)] * 4),
    "ackley": (F.ackley, ref_ackley, [(-32.768, 32.768)] * 5),
    "rastrigin": (F.rastrigin, lambda x: 10 * len(x) + sum(v * v - 10 * math.cos(2 * PI * v)
                                                            for v in x), [(-5.12, 5.12)] * 5),
    "rosenbrock": (F.rosenbrock, lambda x: sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (x[i] - 1) ** 2
                                                for i in range(len(x) - 1)), [(-5, 10)] * 5),
    "levy": (F.levy, ref_levy, [(-10, 10)] * 5),
    "styblinski_tang": (F.styblinski_tang, lambda x: sum(v**4 - 16 * v * v + 5 * v for v in x) / 2,
                        [(-5, 5)] * 5),
    "griewank": (F.griewank, ref_griewank, [(-600, 600)] * 5),
    "michalewicz": (F.michalewicz, ref_michalewicz, [(0, PI)] * 5),
}


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_matches_scalar_transcription_at_random_points(name, rng):
    function, reference, box = REFERENCES[name]
    low, high = np.array(box, dtype=float).T
    X = low + (high - low) * rng.random((50, len(box)))
    expected = [reference(list(x)) for x in X]
    np.testing.assert_allclose(function(X), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("function", "x", "expected"),
    [
        # (0 - 0 + 0 - 6)^2 + 10 (1 - 1/(8 pi)) cos 0 + 10 = 56 - 10/(8 pi) = 56 - 5/(4 pi)
        (F.branin, [0.0, 0.0], 56 - 5 / (4 * PI)),
        # at (pi, 2.275): the square vanishes, cos pi = -1: 10 - 10 (1 - 1/(8 pi)) = 5/(4 pi)
        (F.branin, [PI, 2.275], 5 / (4 * PI)),
        # [1 + 1 * 19] [30 + 0] = 600
        (F.goldstein_price, [0.0, 0.0], 600.0),
        # [1 + 3^2 (19 - 14 + 3 - 14 + 6 + 3)] [30 + (-1)^2 (18 - 32 + 12 + 48 - 36 + 27)]
        # = (1 + 9 * 3)(30 + 37) = 28 * 67
        (F.goldstein_price, [1.0, 1.0], 1876.0),
        (F.log_goldstein_price, [1.0, 1.0], math.log(1876.0)),
        # (4 - 2.1 + 1/3) * 1 + 1 + 0 = 97/30
        (F.six_hump_camel, [1.0, 1.0], 97 / 30),
        # 20 + (1 - 10 cos 2 pi) + (0.25 - 10 cos pi) = 20 - 9 + 10.25
        (F.rastrigin, [1.0, 0.5], 21.25),
        # 100 (1 - 4)^2 + (2 - 1)^2
        (F.rosenbrock, [2.0, 1.0], 901.0),
        # 100 (0 - 0)^2 + 1 twice, 100 (1 - 0)^2 ... : (0, 0, 1) -> [0 + 1] + [100 + 1]
        (F.rosenbrock, [0.0, 0.0, 1.0], 102.0),
        # -20 exp(-0.2 * 1) - exp(cos 2 pi) + 20 + e = 20 (1 - exp(-0.2))
        (F.ackley, [1.0, 1.0], 20 * (1 - math.exp(-0.2))),
        # 1 + pi^2 / 4000 - cos(pi) cos(0 / sqrt 2)
        (F.griewank, [PI, 0.0], 2 + PI**2 / 4000),
        # w = (0, 1): sin^2 0 + (0 - 1)^2 (1 + 10 sin^2 1) + 0
        (F.levy, [-3.0, 1.0], 1 + 10 * math.sin(1.0) ** 2),
        # ((1 - 16 + 5) + (1 - 16 - 5)) / 2
        (F.styblinski_tang, [1.0, -1.0], -15.0),
        # -(sin(pi/2) sin^20(pi/4) + sin(pi/2) sin^20(pi/2)) = -(2^-10 + 1)
        (F.michalewicz, [PI / 2, PI / 2], -(1 + 2.0**-10)),
        # one well at its centre: -1/beta_1 - sum of the far ones
        (lambda X: F.shekel(X, 1), [4.0, 4.0, 4.0, 4.0], -10.0),
        (lambda X: F.shekel(X, 2), [4.0, 4.0, 4.0, 4.0], -10.0 - 1 / (4 * 9 + 0.2)),
    ],
)
def test_hand_computed_values(function, x, expected):
    assert function(np.array([x]))[0] == pytest.approx(expected, rel=1e-14, abs=1e-14)


def test_hartmann3_at_its_centres_by_hand():
    # At P_1 the first term is exp(0) = 1, so f = -(1 + sum of the three others).
    x = np.array(H3_P[0])
    others = sum(H_ALPHA[i] * math.exp(-sum(H3_A[i][j] * (x[j] - H3_P[i][j]) ** 2
                                            for j in range(3))) for i in (1, 2, 3))
    assert F.hartmann3(x[None])[0] == pytest.approx(-(1.0 + others), rel=1e-14)


def test_functions_keep_rows_apart(rng):
    X = rng.uniform(-2, 2, size=(7, 4))
    for function in (F.ackley, F.levy, F.griewank, F.shekel, F.michalewicz, F.rosenbrock):
        rows = np.array([function(x[None])[0] for x in X])
        np.testing.assert_array_equal(function(X), rows)


# --- the minimizers of the separable functions ----------------------------------------------


def test_styblinski_tang_minimizer_is_the_global_root():
    x = F.styblinski_tang_minimizer()
    roots = np.sort(np.roots([2.0, 0.0, -16.0, 2.5]).real)  # f_1'(x) = 2x^3 - 16x + 5/2
    root = brentq(lambda t: 2 * t**3 - 16 * t + 2.5, -5, -1, xtol=1e-15)
    assert x == pytest.approx(roots[0], rel=1e-13)
    assert x == pytest.approx(root, rel=1e-14)
    grid = np.linspace(-5, 5, 1_000_001)[:, None]  # brute force: nothing lower on [-5, 5]
    assert F.styblinski_tang(grid).min() >= F.styblinski_tang(np.array([[x]]))[0] - 1e-12


def test_michalewicz_term_derivative_matches_finite_differences(rng):
    x = rng.uniform(0.3, 3.0, size=20)
    i = rng.integers(1, 12, size=20)
    h = 1e-6
    for m in (10, 3):
        _, dg = F._michalewicz_term(x, i, m)
        fd = (F._michalewicz_term(x + h, i, m)[0] - F._michalewicz_term(x - h, i, m)[0]) / (2 * h)
        np.testing.assert_allclose(dg, fd, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("m", [10, 3])
def test_michalewicz_minimizer_beats_a_brute_force_grid(m):
    d = 12
    x = F.michalewicz_minimizer(d, m)
    grid = np.linspace(0, PI, 400_001)
    h = grid[1]
    for i in range(1, d + 1):  # separable: each coordinate alone, on a grid 80x finer

        def g(t, i=i):
            return -np.sin(t) * np.sin(i * t**2 / PI) ** (2 * m)

        best = g(x[i - 1])
        k = np.argmin(g(grid))
        assert best <= g(grid[k]) + 1e-15
        # the grid's best point, polished by Brent's method, gives the same minimum
        polished = minimize_scalar(g, bounds=(grid[k] - h, grid[k] + h), method="bounded",
                                   options={"xatol": 1e-12})
        assert best == pytest.approx(polished.fun, abs=1e-13)
        assert x[i - 1] == pytest.approx(polished.x, abs=1e-6)


def test_michalewicz_published_optima():
    # Surjanovic & Bingham: -1.8013 (d=2), -4.687658 (d=5), -9.66015 (d=10); the 2-D value to
    # 15 digits is -1.80130341009855.
    values = {d: F.michalewicz(F.michalewicz_minimizer(d)[None])[0] for d in (2, 5, 10)}
    assert values[2] == pytest.approx(-1.80130341009855, abs=1e-14)
    assert values[5] == pytest.approx(-4.687658, abs=5e-7)
    assert values[10] == pytest.approx(-9.66015, abs=5e-6)
    assert F.michalewicz_minimizer(2)[1] == pytest.approx(PI / 2, abs=1e-15)  # sin^20 = sin = 1


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=4, max_size=4))
def test_goldstein_price_is_at_least_three_everywhere(u):
    # the brackets are >= 1 and >= 3 on all of R^2 (see the docstring), here on [-50, 50]^2
    x = np.array(u[:2]) * 100 - 50
    assert F.goldstein_price(x[None])[0] >= 3.0 - 1e-12
