"""Test functions of global optimization, vectorized over points.

Every function takes ``X`` of shape ``(n, d)`` (one point per row, native coordinates) and
returns the ``n`` values, shape ``(n,)``, without a Python loop over rows. Inputs are not
validated here: :mod:`tunelab.bench.problems` checks them at the public boundary and holds the
domains, optima and minimizers. Notation: :math:`x \\in \\mathbb{R}^d` is one row of ``X``,
:math:`x_i` its :math:`i`-th coordinate, counted from 1 in the formulas.

References
----------
.. [SB] S. Surjanovic and D. Bingham, "Virtual Library of Simulation Experiments: Test
   Functions and Datasets", Simon Fraser University, https://www.sfu.ca/~ssurjano (2013).
.. [JY] M. Jamil and X.-S. Yang, "A literature survey of benchmark functions for global
   optimization problems", Int. J. Math. Model. Numer. Optim. 4(2), 150-194, 2013.
.. [DS] L. C. W. Dixon and G. P. Szegö, "The global optimization problem: an introduction",
   in *Towards Global Optimisation 2*, North-Holland, 1978, pp. 1-15.
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = [
    "ackley", "branin", "goldstein_price", "griewank", "hartmann3", "hartmann6", "levy",
    "log_goldstein_price", "michalewicz", "michalewicz_minimizer", "rastrigin", "rosenbrock",
    "shekel", "six_hump_camel", "styblinski_tang", "styblinski_tang_minimizer",
]


# --- scalable functions (any d) ----------------------------------------------------------


def ackley(X: np.ndarray, a: float = 20.0, b: float = 0.2, c: float = 2 * np.pi) -> np.ndarray:
    """Ackley function ([SB]_; [JY]_ No. 1).

    .. math::
        f(x) = -a \\exp\\Big(-b \\sqrt{\\tfrac1d \\textstyle\\sum_i x_i^2}\\Big)
               - \\exp\\Big(\\tfrac1d \\textstyle\\sum_i \\cos(c\\, x_i)\\Big) + a + e,

    with :math:`a = 20, b = 0.2, c = 2\\pi`. Minimum :math:`f(0) = 0`.
    """
    d = X.shape[1]
    r = np.sqrt(np.sum(X**2, axis=1) / d)
    return -a * np.exp(-b * r) - np.exp(np.sum(np.cos(c * X), axis=1) / d) + a + np.e


def rastrigin(X: np.ndarray) -> np.ndarray:
    """Rastrigin function ([SB]_).

    .. math:: f(x) = 10 d + \\sum_{i=1}^d \\big[x_i^2 - 10 \\cos(2\\pi x_i)\\big].

    Minimum :math:`f(0) = 0`.
    """
    return 10.0 * X.shape[1] + np.sum(X**2 - 10.0 * np.cos(2 * np.pi * X), axis=1)


def rosenbrock(X: np.ndarray) -> np.ndarray:
    """Rosenbrock function ([SB]_; [JY]_ No. 105), :math:`d \\ge 2`.

    .. math:: f(x) = \\sum_{i=1}^{d-1} \\big[100 (x_{i+1} - x_i^2)^2 + (x_i - 1)^2\\big].

    Minimum :math:`f(1, \\dots, 1) = 0`.
    """
    head, tail = X[:, :-1], X[:, 1:]
    return np.sum(100.0 * (tail - head**2) ** 2 + (head - 1.0) ** 2, axis=1)


def levy(X: np.ndarray) -> np.ndarray:
    """Levy function ([SB]_), with :math:`w_i = 1 + (x_i - 1)/4`.

    .. math::
        f(x) = \\sin^2(\\pi w_1) + \\sum_{i=1}^{d-1} (w_i - 1)^2
               \\big[1 + 10 \\sin^2(\\pi w_i + 1)\\big]
               + (w_d - 1)^2 \\big[1 + \\sin^2(2\\pi w_d)\\big].

    Minimum :math:`f(1, \\dots, 1) = 0`.
    """
    W = 1.0 + (X - 1.0) / 4.0
    head, last = W[:, :-1], W[:, -1]
    body = np.sum((head - 1.0) ** 2 * (1.0 + 10.0 * np.sin(np.pi * head + 1.0) ** 2), axis=1)
    tail = (last - 1.0) ** 2 * (1.0 + np.sin(2 * np.pi * last) ** 2)
    return np.sin(np.pi * W[:, 0]) ** 2 + body + tail


def griewank(X: np.ndarray) -> np.ndarray:
    """Griewank function ([SB]_; [JY]_ No. 59).

    .. math::
        f(x) = 1 + \\sum_{i=1}^d \\frac{x_i^2}{4000} - \\prod_{i=1}^d \\cos\\frac{x_i}{\\sqrt i}.

    Minimum :math:`f(0) = 0`.
    """
    i = np.arange(1, X.shape[1] + 1)
    return 1.0 + np.sum(X**2, axis=1) / 4000.0 - np.prod(np.cos(X / np.sqrt(i)), axis=1)


def styblinski_tang(X: np.ndarray) -> np.ndarray:
    """Styblinski-Tang function ([SB]_; [JY]_ No. 144).

    .. math:: f(x) = \\frac12 \\sum_{i=1}^d \\big(x_i^4 - 16 x_i^2 + 5 x_i\\big).

    Separable; see :func:`styblinski_tang_minimizer` for the minimum,
    :math:`f^* = -39.1661657037714\\, d` ([SB]_ gives :math:`-39.16599\\, d`, off in the
    fifth digit).
    """
    X2 = X * X
    return 0.5 * np.sum(X2 * X2 - 16.0 * X2 + 5.0 * X, axis=1)


def styblinski_tang_minimizer() -> float:
    """The coordinate :math:`x^*` of the Styblinski-Tang minimizer :math:`(x^*, \\dots, x^*)`.

    :math:`x^*` is the least root of :math:`f_1'(x) = 2x^3 - 16x + \\tfrac52`, i.e. of the
    depressed cubic :math:`x^3 + px + q` with :math:`p = -8, q = \\tfrac54`, which has three
    real roots (Viète's trigonometric form):

    .. math::
        x_k = 2\\sqrt{-p/3}\\, \\cos\\Big(\\tfrac13 \\arccos\\Big(\\frac{3q}{2p}
              \\sqrt{-3/p}\\Big) - \\frac{2\\pi k}{3}\\Big), \\qquad x^* = x_2 \\approx -2.903534.
    """
    p, q = -8.0, 1.25
    phi = np.arccos(3 * q / (2 * p) * np.sqrt(-3 / p)) / 3
    return float(2 * np.sqrt(-p / 3) * np.cos(phi - 4 * np.pi / 3))


def michalewicz(X: np.ndarray, m: int = 10) -> np.ndarray:
    """Michalewicz function ([SB]_; [JY]_ No. 84), steepness :math:`m \\ge 1` (default 10).

    .. math:: f(x) = -\\sum_{i=1}^d \\sin(x_i)\\, \\sin^{2m}\\!\\Big(\\frac{i x_i^2}{\\pi}\\Big).

    Separable; see :func:`michalewicz_minimizer` for the minimum on :math:`[0, \\pi]^d`.
    """
    i = np.arange(1, X.shape[1] + 1)
    return -np.sum(np.sin(X) * (np.sin(i * X**2 / np.pi) ** 2) ** m, axis=1)


def _michalewicz_term(x: np.ndarray, i: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Term :math:`g_i(x) = -\\sin x\\, u^m`, :math:`u = \\sin^2(i x^2/\\pi)`, and :math:`g_i'`."""
    theta = i * x**2 / np.pi
    u = np.sin(theta) ** 2
    du = np.sin(2 * theta) * (2 * i * x / np.pi)
    um1 = u ** (m - 1)
    return -np.sin(x) * um1 * u, -np.cos(x) * um1 * u - np.sin(x) * m * um1 * du


def michalewicz_minimizer(dim: int, m: int = 10) -> np.ndarray:
    """The minimizer of :func:`michalewicz` on :math:`[0, \\pi]^d`, coordinate by coordinate.

    :math:`f` is a sum of terms :math:`g_i(x_i)`, so :math:`x^*_i` minimizes :math:`g_i` on
    :math:`[0, \\pi]`: a grid fine enough to resolve every peak of :math:`\\sin^{2m}` (they
    narrow as :math:`1/(i\\sqrt m)`), then 60 bisections on the sign of :math:`g_i'` around
    every grid minimum within :math:`10^{-3}` of the best, to full precision. Gives
    :math:`f^* = -1.8013034100985`, :math:`-4.6876581791`, :math:`-9.6601517156` for
    :math:`d = 2, 5, 10` ([SB]_ publishes :math:`-1.8013`, :math:`-4.687658`, :math:`-9.66015`).
    """
    return np.array(_michalewicz_minimizer(dim, m))


@functools.lru_cache(maxsize=64)
def _michalewicz_minimizer(dim: int, m: int) -> tuple[float, ...]:
    brackets = []  # (i, lo, hi) around each promising grid minimum of each g_i
    for i in range(1, dim + 1):
        x = np.linspace(0.0, np.pi, int(100 * i * np.sqrt(m)) + 1001)
        g, _ = _michalewicz_term(x, i, m)
        k = np.flatnonzero((g[1:-1] <= g[:-2]) & (g[1:-1] <= g[2:])) + 1
        k = k[g[k] <= g.min() + 1e-3]
        brackets.append(np.stack([np.full(len(k), i), x[k - 1], x[k + 1]]))
    i, lo, hi = np.concatenate(brackets, axis=1)
    grid_best = (lo + hi) / 2
    for _ in range(60):  # bisection, all brackets at once: g' < 0 left of the minimum
        mid = (lo + hi) / 2
        left = _michalewicz_term(mid, i, m)[1] < 0
        lo, hi = np.where(left, mid, lo), np.where(left, hi, mid)
    cand = np.concatenate([grid_best, (lo + hi) / 2])
    g = _michalewicz_term(cand, np.concatenate([i, i]), m)[0]
    order = np.lexsort((g, np.concatenate([i, i])))  # by coordinate, then by value
    first = np.searchsorted(np.concatenate([i, i])[order], np.arange(1, dim + 1))
    return tuple(cand[order[first]].tolist())


# --- two-dimensional functions -----------------------------------------------------------


def branin(X: np.ndarray) -> np.ndarray:
    """Branin(-Hoo) function ([SB]_; [DS]_), on :math:`[-5, 10] \\times [0, 15]`.

    .. math::
        f(x) = a (x_2 - b x_1^2 + c x_1 - r)^2 + s (1 - t) \\cos x_1 + s,

    with :math:`a = 1, b = 5.1/(4\\pi^2), c = 5/\\pi, r = 6, s = 10, t = 1/(8\\pi)`. Minimum
    :math:`f^* = s t = 5/(4\\pi) \\approx 0.397887357729738` at :math:`(-\\pi, 12.275)`,
    :math:`(\\pi, 2.275)` and :math:`(3\\pi, 2.475)` (where :math:`\\cos x_1 = -1` and the
    square vanishes).
    """
    x1, x2 = X[:, 0], X[:, 1]
    b, c, t = 5.1 / (4 * np.pi**2), 5 / np.pi, 1 / (8 * np.pi)
    return (x2 - b * x1**2 + c * x1 - 6.0) ** 2 + 10.0 * (1 - t) * np.cos(x1) + 10.0


def goldstein_price(X: np.ndarray) -> np.ndarray:
    """Goldstein-Price function ([SB]_; [DS]_), on :math:`[-2, 2]^2`.

    .. math::
        f(x) = \\big[1 + (x_1 + x_2 + 1)^2 (19 - 14x_1 + 3x_1^2 - 14x_2 + 6x_1x_2 + 3x_2^2)\\big]
               \\big[30 + (2x_1 - 3x_2)^2 (18 - 32x_1 + 12x_1^2 + 48x_2 - 36x_1x_2
               + 27x_2^2)\\big].

    Minimum :math:`f(0, -1) = 1 \\cdot (30 - 27) = 3`. With :math:`s = x_1 + x_2` and
    :math:`t = 2x_1 - 3x_2` the brackets are :math:`1 + s^2(3s^2 - 14s + 19) \\ge 1` and
    :math:`30 + t^2(3t^2 - 16t + 18) \\ge 3`, so :math:`f \\ge 3` on all of
    :math:`\\mathbb{R}^2`.
    """
    x1, x2 = X[:, 0], X[:, 1]
    a = 1 + (x1 + x2 + 1) ** 2 * (19 - 14 * x1 + 3 * x1**2 - 14 * x2 + 6 * x1 * x2 + 3 * x2**2)
    b = 30 + (2 * x1 - 3 * x2) ** 2 * (
        18 - 32 * x1 + 12 * x1**2 + 48 * x2 - 36 * x1 * x2 + 27 * x2**2
    )
    return a * b


def log_goldstein_price(X: np.ndarray) -> np.ndarray:
    """Natural logarithm of :func:`goldstein_price`, :math:`f(x) = \\ln f_{GP}(x)`.

    The plain logarithm, on the same domain :math:`[-2, 2]^2`, with the same minimizer
    :math:`(0, -1)` and minimum :math:`\\ln 3`; it tames the range of :math:`f_{GP}` (from 3
    to about :math:`10^6`). [SB]_'s "rescaled" form, :math:`(\\ln f_{GP} - 8.693)/2.427` on
    :math:`[0, 1]^2`, is an affine map of this one.
    """
    return np.log(goldstein_price(X))


def six_hump_camel(X: np.ndarray) -> np.ndarray:
    """Six-hump camel function ([SB]_; [DS]_), on :math:`[-3, 3] \\times [-2, 2]`.

    .. math::
        f(x) = \\Big(4 - 2.1 x_1^2 + \\frac{x_1^4}{3}\\Big) x_1^2 + x_1 x_2
               + (-4 + 4 x_2^2)\\, x_2^2.

    Minimum :math:`f^* \\approx -1.03162845348988` at :math:`\\pm(0.0898420, -0.7126564)`.
    """
    x1, x2 = X[:, 0], X[:, 1]
    return (4 - 2.1 * x1**2 + x1**4 / 3) * x1**2 + x1 * x2 + (-4 + 4 * x2**2) * x2**2


# --- Hartmann and Shekel ([DS]_) ------------------------------------------------------------

HARTMANN_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
HARTMANN3_A = np.array([[3.0, 10, 30], [0.1, 10, 35], [3.0, 10, 30], [0.1, 10, 35]])
HARTMANN3_P = 1e-4 * np.array(
    [[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381.5, 5743, 8828]]
)
HARTMANN6_A = np.array([
    [10, 3, 17, 3.5, 1.7, 8],
    [0.05, 10, 17, 0.1, 8, 14],
    [3, 3.5, 1.7, 10, 17, 8],
    [17, 8, 0.05, 10, 0.1, 14],
])
HARTMANN6_P = 1e-4 * np.array([
    [1312, 1696, 5569, 124, 8283, 5886],
    [2329, 4135, 8307, 3736, 1004, 9991],
    [2348, 1451, 3522, 2883, 3047, 6650],
    [4047, 8828, 8732, 5743, 1091, 381],
])
SHEKEL_BETA = 0.1 * np.array([1.0, 2, 2, 4, 4, 6, 3, 7, 5, 5])
SHEKEL_C = np.array([  # column j is the centre of the j-th well
    [4.0, 1, 8, 6, 3, 2, 5, 8, 6, 7],
    [4.0, 1, 8, 6, 7, 9, 5, 1, 2, 3.6],
    [4.0, 1, 8, 6, 3, 2, 3, 8, 6, 7],
    [4.0, 1, 8, 6, 7, 9, 3, 1, 2, 3.6],
])


def _hartmann(X: np.ndarray, A: np.ndarray, P: np.ndarray) -> np.ndarray:
    """:math:`-\\sum_{i=1}^4 \\alpha_i \\exp(-\\sum_j A_{ij} (x_j - P_{ij})^2)`."""
    inner = np.sum(A * (X[:, None, :] - P) ** 2, axis=2)  # (n, 4)
    return -np.exp(-inner) @ HARTMANN_ALPHA


def hartmann3(X: np.ndarray) -> np.ndarray:
    """Hartmann 3-D function ([SB]_; [DS]_), on :math:`[0, 1]^3`.

    .. math::
        f(x) = -\\sum_{i=1}^4 \\alpha_i \\exp\\Big(-\\sum_{j=1}^3 A_{ij} (x_j - P_{ij})^2\\Big),

    with :math:`\\alpha`, :math:`A` and :math:`P` the tables ``HARTMANN_ALPHA``,
    ``HARTMANN3_A``, ``HARTMANN3_P``. :math:`P_{41} = 0.03815` as in [DS]_ ([SB]_ rounds it
    to 0.0381, which moves the minimum by :math:`2 \\cdot 10^{-6}`). Minimum
    :math:`f^* \\approx -3.86278214782076` near :math:`(0.114614, 0.555649, 0.852547)`.
    """
    return _hartmann(X, HARTMANN3_A, HARTMANN3_P)


def hartmann6(X: np.ndarray) -> np.ndarray:
    """Hartmann 6-D function ([SB]_; [DS]_), on :math:`[0, 1]^6`.

    The formula of :func:`hartmann3` with :math:`j = 1, \\dots, 6` and the tables
    ``HARTMANN6_A``, ``HARTMANN6_P``. Minimum :math:`f^* \\approx -3.32236801141551` near
    :math:`(0.201690, 0.150011, 0.476874, 0.275332, 0.311652, 0.657301)`.
    """
    return _hartmann(X, HARTMANN6_A, HARTMANN6_P)


def shekel(X: np.ndarray, m: int = 10) -> np.ndarray:
    """Shekel function with :math:`m \\le 10` wells ([SB]_; [DS]_), on :math:`[0, 10]^4`.

    .. math::
        f(x) = -\\sum_{i=1}^m \\Big(\\sum_{j=1}^4 (x_j - C_{ji})^2 + \\beta_i\\Big)^{-1},

    with :math:`\\beta` and :math:`C` the tables ``SHEKEL_BETA``, ``SHEKEL_C``; the seventh
    well is at :math:`(5, 5, 3, 3)` as in [DS]_ ([SB]_ prints :math:`(5, 3, 5, 3)`, which
    changes the minima for :math:`m = 7, 10` in the fifth digit). The minimum lies near
    :math:`(4, 4, 4, 4)`; for the standard :math:`m = 5, 7, 10` it is
    :math:`f^* \\approx -10.1531996790582, -10.4029405668187, -10.5364098166920`.
    """
    S = np.sum((X[:, None, :] - SHEKEL_C[:, :m].T) ** 2, axis=2) + SHEKEL_BETA[:m]  # (n, m)
    return -np.sum(1.0 / S, axis=1)
