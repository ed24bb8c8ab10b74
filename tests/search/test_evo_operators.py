"""Genetic operators: Numba kernels against their NumPy twins, laws against closed forms,
genes kept inside the box and categories valid, the variation pipeline's determinism, and the
block decoder against ``Space.from_unit``."""

import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from tunelab.search import _ga_operators as ga
from tunelab.search import _jit
from tunelab.search._decoder import Decoder, unit_to_real_numpy
from tunelab.search._philox_sfc64 import Streams
from tunelab.search._philox_sfc64_jit import offspring_draws
from tunelab.space import Categorical, Integer, Real, Space

REAL, INTEGER, CATEGORICAL = ga.REAL, ga.INTEGER, ga.CATEGORICAL


def population(rng, n, kinds, n_choices):
    """Random genomes: reals anywhere in [0, 1] (ends included), categories at bin centres."""
    X = rng.random((n, len(kinds)))
    X[rng.random(X.shape) < 0.05] = 0.0
    X[rng.random(X.shape) < 0.05] = 1.0
    for j in np.flatnonzero(kinds == CATEGORICAL):
        X[:, j] = (rng.integers(0, n_choices[j], n) + 0.5) / n_choices[j]
    return X


def random_genes(rng, d):
    kinds = rng.integers(0, 3, d)
    n_choices = np.where(kinds == CATEGORICAL, rng.integers(1, 6, d), 0)
    return kinds, n_choices


def assert_valid(X, kinds, n_choices):
    assert np.all((X >= 0.0) & (X <= 1.0))
    for j in np.flatnonzero(kinds == CATEGORICAL):
        n = n_choices[j]
        codes = (np.arange(n) + 0.5) / n
        assert np.all(np.isin(X[:, j], codes)), X[:, j]


# --- twins agree ------------------------------------------------------------------------------
genes_cases = st.tuples(st.integers(0, 2**32 - 1), st.integers(1, 12), st.integers(1, 8))


@settings(max_examples=40, deadline=None)
@given(genes_cases, st.floats(0.0, 1.0), st.floats(0.0, 40.0), st.floats(0.0, 2.0),
       st.floats(0.0, 1.0))
def test_crossover_kernels_match_twins_and_stay_valid(case, rate, eta, alpha, gene_rate):
    seed, n, d = case
    rng = np.random.default_rng(seed)
    kinds, n_choices = random_genes(rng, d)
    P1, P2 = population(rng, n, kinds, n_choices), population(rng, n, kinds, n_choices)
    p_pair, (U1, U2, U3) = rng.random(n), rng.random((3, n, d))
    for kernel, twin, params in [(_jit.sbx_crossover, ga.sbx_crossover_numpy, (eta, gene_rate)),
                                 (_jit.blend_crossover, ga.blend_crossover_numpy, (alpha,))]:
        got = kernel(P1, P2, kinds, p_pair, U1, U2, U3, rate, *params)
        want = twin(P1, P2, kinds, p_pair, U1, U2, U3, rate, *params)
        for g, w in zip(got, want, strict=True):
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)
            assert_valid(g, kinds, n_choices)
            cat = kinds == CATEGORICAL
            assert np.array_equal(g[:, cat], w[:, cat])


@settings(max_examples=40, deadline=None)
@given(genes_cases, st.floats(0.0, 1.0), st.floats(0.0, 100.0), st.floats(1e-3, 3.0))
def test_mutation_kernels_match_twins_and_stay_valid(case, rate, eta, sigma):
    seed, n, d = case
    rng = np.random.default_rng(seed)
    kinds, n_choices = random_genes(rng, d)
    X = population(rng, n, kinds, n_choices)
    R, U = rng.random((n, d)), rng.random((n, d))
    Z = rng.standard_normal(np.count_nonzero((R < rate) & (kinds != CATEGORICAL)))  # row-major
    pairs = [(_jit.polynomial_mutation(X, kinds, n_choices, R, U, rate, eta),
              ga.polynomial_mutation_numpy(X, kinds, n_choices, R, U, rate, eta)),
             (_jit.gaussian_mutation(X, kinds, n_choices, R, U, Z, rate, sigma),
              ga.gaussian_mutation_numpy(X, kinds, n_choices, R, U, Z, rate, sigma))]
    for got, want in pairs:
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
        assert_valid(got, kinds, n_choices)
        untouched = R >= rate
        assert np.array_equal(got[untouched], X[untouched])


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 30), st.integers(1, 6))
def test_selection_kernels_match_twins(seed, n, t):
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    ranks = np.empty(n, dtype=np.int64)
    ranks[order] = np.arange(n)
    candidates = rng.integers(0, n, (50, t))
    np.testing.assert_array_equal(_jit.tournament_select(ranks, candidates),
                                  ga.tournament_select_numpy(ranks, candidates))
    u = rng.random(50)
    np.testing.assert_array_equal(_jit.rank_select(order, u), ga.rank_select_numpy(order, u))


def test_reflect_twins_and_closed_form():
    x = np.array([-2.5, -1.0, -0.25, 0.0, 0.3, 1.0, 1.25, 2.0, 3.7])
    want = np.array([0.5, 1.0, 0.25, 0.0, 0.3, 1.0, 0.75, 0.0, 0.3])
    np.testing.assert_allclose(ga.reflect_numpy(x), want, atol=1e-15)
    np.testing.assert_allclose([_jit._reflect(v) for v in x], want, atol=1e-15)


@settings(max_examples=40, deadline=None)
@given(genes_cases, st.integers(2, 15), st.sampled_from(["tournament", "rank"]),
       st.sampled_from(["sbx", "blend"]), st.sampled_from(["polynomial", "gaussian"]),
       st.integers(1, 4), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_offspring_kernel_matches_twin(case, N, selection, crossover, mutation, t, rate, m_rate):
    seed, n_pairs, d = case
    rng = np.random.default_rng(seed)
    kinds, n_choices = random_genes(rng, d)
    U = population(rng, N, kinds, n_choices)
    ops = ga.Operators(selection=selection, tournament_size=t, crossover=crossover,
                       crossover_rate=rate, mutation=mutation, mutation_rate=m_rate,
                       sbx_gene_rate=0.7, eta_c=5.0, eta_m=10.0, sigma=0.2)
    draws, Z = ga.draw(ops, n_pairs, d, rng, kinds)
    args = (U, ga.fitness_order(rng.normal(size=N)), kinds, n_choices, draws, Z,
            ops.codes(n_pairs), ops.params())
    got, want = _jit.offspring(*args), ga.offspring_numpy(*args)
    np.testing.assert_array_equal(got[0], want[0])  # the same parents
    for g, w in zip(got[1:], want[1:], strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)
        assert g.shape == (2 * n_pairs, d)
        assert_valid(g, kinds, n_choices)


@pytest.mark.parametrize(("n_select", "n_pairs", "d"), [(6, 3, 1), (40, 5, 4), (2, 1, 7)])
def test_split_draws_uses_each_draw_once(n_select, n_pairs, d):
    total = n_select + n_pairs + 7 * n_pairs * d
    draws = np.arange(total + 3, dtype=float)  # three left over
    parts = _jit.split_draws(draws, n_select, n_pairs, d)
    shapes = [(n_select,), (n_pairs,)] + [(n_pairs, d)] * 3 + [(2 * n_pairs, d)] * 2
    assert [p.shape for p in parts] == shapes
    np.testing.assert_array_equal(np.concatenate([p.ravel() for p in parts]), draws[:total])


def test_tournament_from_uniform_draws_law():
    """The pipeline's tournaments (contestants floor(u N)) follow the closed form
    P(rank r) = ((N - r)^t - (N - r - 1)^t) / N^t."""
    N, t, n_pairs = 8, 3, 50_000
    ops = ga.Operators(tournament_size=t, crossover_rate=0.0, mutation_rate=0.0)
    rng = np.random.default_rng(12)
    order = rng.permutation(N)
    draws, Z = ga.draw(ops, n_pairs, 1, rng)
    parents, _, _ = _jit.offspring(np.linspace(0, 1, N)[:, None], order, np.array([REAL]),
                                   np.array([0]), draws, Z, ops.codes(n_pairs), ops.params())
    ranks = np.empty(N, dtype=np.int64)
    ranks[order] = np.arange(N)
    r = np.arange(N)
    p = ((N - r) ** t - (N - r - 1) ** t) / N**t
    counts = np.bincount(ranks[parents], minlength=N)
    assert stats.chisquare(counts, 2 * n_pairs * p).pvalue > 1e-3


def edge_points(rng, n, d):
    """Unit points with exact ends, points outside the cube, and bin edges of 3 and 7 bins."""
    U = rng.random((n, d))
    U[rng.random(U.shape) < 0.1] = 0.0
    U[rng.random(U.shape) < 0.1] = 1.0
    U[rng.random(U.shape) < 0.05] = -0.3
    U[rng.random(U.shape) < 0.05] = 1.7
    edges = rng.random(U.shape) < 0.1
    U[edges] = rng.integers(0, 8, edges.sum()) / rng.choice([3, 7], edges.sum())
    return U


def test_unit_to_real_matches_twin_exactly():
    rng = np.random.default_rng(13)
    U = np.clip(edge_points(rng, 200, 4), 0.0, 1.0)
    low, high = np.array([-2.0, 0.0, 1e-9, -1e6]), np.array([3.0, 1e-3, 2e-9, 1e6])
    a, width = low, high - low
    np.testing.assert_array_equal(_jit.unit_to_real(U, a, width, low, high),
                                  unit_to_real_numpy(U, a, width, low, high,
                                                     np.zeros(4, dtype=bool)))


def decoder_space():
    return Space({"x": Real(-2.0, 3.0), "lr": Real(1e-5, 1.0, log=True), "k": Integer(-3, 4),
                  "units": Integer(1, 1000, log=True), "tiny": Real(0.0, 1e-3),
                  "c": Categorical(["relu", 1, True, 2.5, None]), "one": Categorical(["a"])})


@pytest.mark.parametrize("space", [decoder_space(), Space({f"x{i}": Real(-5.0, 5.0)
                                                           for i in range(6)}),
                                   Space({"lr": Real(1e-4, 1.0, log=True),
                                          "x": Real(0.0, 1.0)})])
def test_decoder_matches_from_unit(space):
    U = edge_points(np.random.default_rng(14), 400, len(space))
    configs, V = Decoder(space)(U)
    want = space.from_unit(U)
    assert configs == want
    for got, expected in zip(configs, want, strict=True):
        assert list(got) == list(expected)
        assert [type(v) for v in got.values()] == [type(v) for v in expected.values()]
        assert space.validate(got) == got
    key = [tuple((type(v), v) for v in c.values()) for c in configs]
    for i in range(0, 400, 7):  # equal rows of V are exactly the equal configurations
        for k in range(i + 1, 400, 3):
            assert np.array_equal(V[i], V[k]) == (key[i] == key[k])


def test_decoder_of_a_conditional_space_and_of_nan():
    space = Space({"model": Categorical(["linear", "mlp"]), "alpha": Real(1e-6, 1.0, log=True),
                   "hidden": Integer(4, 128, log=True)}, conditions={"hidden": ("model", "mlp")})
    U = edge_points(np.random.default_rng(15), 50, 3)
    configs, V = Decoder(space)(U)
    assert configs == space.from_unit(U) and V is None
    U[3, 1] = np.nan
    with pytest.raises(ValueError, match="finite"):
        Decoder(space)(U)
    with pytest.raises(ValueError, match="finite"):
        Decoder(decoder_space())(np.full((2, 7), np.inf))


# --- laws against closed forms ----------------------------------------------------------------
@pytest.mark.parametrize("t", [1, 2, 3, 5])
def test_tournament_law(t):
    """P(rank r wins) = ((N - r)^t - (N - r - 1)^t) / N^t for draws with replacement."""
    n, draws = 8, 200_000
    rng = np.random.default_rng(t)
    ranks = np.arange(n)
    winners = _jit.tournament_select(ranks, rng.integers(0, n, (draws, t)))
    r = np.arange(n)
    p = ((n - r) ** t - (n - r - 1) ** t) / n**t
    assert stats.chisquare(np.bincount(winners, minlength=n), draws * p).pvalue > 1e-3


def test_rank_selection_law():
    n, draws = 7, 200_000
    rng = np.random.default_rng(1)
    order = rng.permutation(n)
    chosen = _jit.rank_select(order, rng.random(draws))
    counts = np.bincount(chosen, minlength=n)[order]  # by rank
    p = 2 * (n - np.arange(n)) / (n * (n + 1))
    assert stats.chisquare(counts, draws * p).pvalue > 1e-3


def test_sbx_spread_factor_law():
    """Far from the bounds, beta = |c1 - c2| / |p1 - p2| has the density of Deb & Agrawal
    (1995): 0.5 (eta + 1) beta^eta below 1 and 0.5 (eta + 1) beta^-(eta + 2) above."""
    eta, n = 4.0, 20_000
    rng = np.random.default_rng(2)
    P1, P2 = np.full((n, 1), 0.499), np.full((n, 1), 0.501)
    U2, U3 = rng.random((n, 1)), rng.random((n, 1))
    C1, C2 = _jit.sbx_crossover(P1, P2, np.array([REAL]), np.zeros(n), np.zeros((n, 1)), U2,
                                U3, 1.0, eta, 1.0)
    beta = np.abs(C1 - C2)[:, 0] / 0.002

    def cdf(b):
        b = np.asarray(b)
        return np.where(b <= 1, 0.5 * b ** (eta + 1), 1 - 0.5 * b ** -(eta + 1))

    assert stats.kstest(beta, cdf).pvalue > 1e-3
    np.testing.assert_allclose(C1 + C2, 1.0, atol=1e-12)  # the children's mean is the parents'


@pytest.mark.parametrize("x", [0.2, 0.5, 0.93])
def test_polynomial_mutation_law(x):
    """The bounded mutation's CDF below x: ((1 + y - x)^(eta+1) - (1 - x)^(eta+1)) /
    (2 (1 - (1 - x)^(eta+1))), and symmetrically above; support exactly [0, 1]."""
    eta, n = 5.0, 20_000
    rng = np.random.default_rng(3)
    X = np.full((n, 1), x)
    Y = _jit.polynomial_mutation(X, np.array([REAL]), np.array([0]), np.zeros((n, 1)),
                                 rng.random((n, 1)), 1.0, eta)[:, 0]
    e = eta + 1

    def cdf(y):
        y = np.asarray(y)
        below = ((1 + y - x) ** e - (1 - x) ** e) / (2 * (1 - (1 - x) ** e))
        above = 1 - ((1 - (y - x)) ** e - x**e) / (2 * (1 - x**e))
        return np.where(y <= x, below, above)

    assert stats.kstest(Y, cdf).pvalue > 1e-3
    assert Y.min() >= 0.0 and Y.max() <= 1.0


def test_blend_crossover_law():
    alpha, n = 0.5, 20_000
    rng = np.random.default_rng(4)
    P1, P2 = np.full((n, 1), 0.4), np.full((n, 1), 0.6)
    U1, U2, U3 = rng.random((3, n, 1))
    C1, C2 = _jit.blend_crossover(P1, P2, np.array([REAL]), np.zeros(n), U1, U2, U3, 1.0, alpha)
    for C in (C1, C2):
        assert stats.kstest(C[:, 0], stats.uniform(0.3, 0.4).cdf).pvalue > 1e-3


def test_gaussian_mutation_law():
    sigma, n = 0.05, 20_000
    rng = np.random.default_rng(5)
    X = np.full((n, 1), 0.5)
    Y = _jit.gaussian_mutation(X, np.array([REAL]), np.array([0]), np.zeros((n, 1)),
                               rng.random((n, 1)), rng.standard_normal(n), 1.0, sigma)
    assert stats.kstest((Y[:, 0] - 0.5) / sigma, "norm").pvalue > 1e-3


@pytest.mark.parametrize("kernel", ["polynomial", "gaussian"])
def test_category_reset_is_uniform_over_the_others(kernel):
    n, k = 30_000, 5
    rng = np.random.default_rng(6)
    X = np.full((n, 1), 2.5 / k)  # category 2
    args = (X, np.array([CATEGORICAL]), np.array([k]), np.zeros((n, 1)), rng.random((n, 1)))
    if kernel == "polynomial":
        Y = _jit.polynomial_mutation(*args, 1.0, 20.0)
    else:
        Y = _jit.gaussian_mutation(*args, np.zeros(0), 1.0, 0.1)  # no real gene: no normal
    counts = np.bincount(np.floor(Y[:, 0] * k).astype(int), minlength=k)
    assert counts[2] == 0
    assert stats.chisquare(counts[[0, 1, 3, 4]]).pvalue > 1e-3


def test_single_category_is_left_alone():
    X = np.full((3, 1), 0.5)
    Y = _jit.polynomial_mutation(X, np.array([CATEGORICAL]), np.array([1]), np.zeros((3, 1)),
                                 np.full((3, 1), 0.7), 1.0, 20.0)
    np.testing.assert_array_equal(Y, X)


# --- the pipeline -----------------------------------------------------------------------------
def mixed_space():
    return Space({"x": Real(-2.0, 3.0), "lr": Real(1e-4, 1.0, log=True),
                  "k": Integer(1, 4), "units": Integer(1, 500, log=True),
                  "act": Categorical(["relu", "tanh", "sigmoid"]), "flag": Categorical([True])})


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 20), st.integers(1, 25),
       st.sampled_from(["tournament", "rank"]), st.sampled_from(["sbx", "blend"]),
       st.sampled_from(["polynomial", "gaussian"]))
def test_offspring_decode_to_valid_configs(seed, N, n, selection, crossover, mutation):
    space = mixed_space()
    kinds, n_choices = ga.gene_kinds(space)
    rng = np.random.default_rng(seed)
    U = ga.snap(space, rng.random((N, len(space))), kinds)
    ops = ga.Operators(selection=selection, crossover=crossover, mutation=mutation,
                       mutation_rate=0.5, blend_alpha=1.0)
    children = ga.make_offspring(space, ops, U, rng.normal(size=N), n, rng)
    assert children.shape == (n, len(space))
    assert_valid(children, kinds, n_choices)
    np.testing.assert_array_equal(children, ga.snap(space, children, kinds))  # discrete: centres
    for config in space.from_unit(children):
        assert space.validate(config) == config


def test_mutation_always_changes_a_picked_integer():
    space = Space({"k": Integer(0, 9), "m": Integer(1, 1000, log=True)})
    kinds, _ = ga.gene_kinds(space)
    U = ga.snap(space, np.random.default_rng(0).random((40, 2)), kinds)
    ops = ga.Operators(crossover_rate=0.0, mutation_rate=1.0, eta_m=200.0)  # tiny steps
    children, picked = ga.make_offspring(space, ops, U, np.arange(40.0), 400,
                                         np.random.default_rng(7), return_parents=True)
    parents = U[picked]
    assert not np.any(children == parents)  # every gene mutated, so every value moved
    steps = np.abs(np.array([c["k"] for c in space.from_unit(children)])
                   - np.array([c["k"] for c in space.from_unit(parents)]))
    assert np.mean(steps == 1) > 0.5  # mostly to a neighbour, with eta_m this large


def test_same_rng_same_offspring():
    space = mixed_space()
    kinds, _ = ga.gene_kinds(space)
    U = ga.snap(space, np.random.default_rng(0).random((10, len(space))), kinds)
    f = np.linspace(0, 1, 10)
    first = ga.make_offspring(space, ga.Operators(), U, f, 9, np.random.default_rng(42))
    second = ga.make_offspring(space, ga.Operators(), U, f, 9, np.random.default_rng(42))
    other = ga.make_offspring(space, ga.Operators(), U, f, 9, np.random.default_rng(43))
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, other)


def test_fitness_order_puts_failures_last():
    values = np.array([3.0, np.nan, -1.0, np.inf, 3.0, -np.inf, 0.5])
    np.testing.assert_array_equal(ga.fitness_order(values), [2, 6, 0, 4, 1, 3, 5])


def test_runs_without_jit():
    """The kernels run as plain Python under NUMBA_DISABLE_JIT=1, with the same results."""
    code = (
        "import numpy as np\n"
        "from tunelab.search._ga_operators import Operators, make_offspring, snap, gene_kinds\n"
        "from tunelab.space import Categorical, Integer, Real, Space\n"
        "s = Space({'x': Real(0., 1.), 'k': Integer(1, 9), 'c': Categorical(['a', 'b'])})\n"
        "U = snap(s, np.random.default_rng(0).random((12, 3)), gene_kinds(s)[0])\n"
        "for sel, cx, mu in [('tournament', 'sbx', 'polynomial'), ('rank', 'blend', 'gaussian')]:\n"
        "    ops = Operators(selection=sel, crossover=cx, mutation=mu, mutation_rate=0.5)\n"
        "    C = make_offspring(s, ops, U, np.arange(12.), 12, np.random.default_rng(1))\n"
        "    print(repr(C.tolist()))\n"
    )
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.splitlines()
    space = Space({"x": Real(0.0, 1.0), "k": Integer(1, 9), "c": Categorical(["a", "b"])})
    U = ga.snap(space, np.random.default_rng(0).random((12, 3)), ga.gene_kinds(space)[0])
    for line, (sel, cx, mu) in zip(out, [("tournament", "sbx", "polynomial"),
                                         ("rank", "blend", "gaussian")], strict=True):
        ops = ga.Operators(selection=sel, crossover=cx, mutation=mu, mutation_rate=0.5)
        jitted = ga.make_offspring(space, ops, U, np.arange(12.0), 12, np.random.default_rng(1))
        np.testing.assert_allclose(np.array(eval(line)), jitted, rtol=1e-12, atol=1e-14)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 40), st.integers(1, 40))
def test_survivors_are_fitness_orders_best(seed, N, n):
    """The kernel keeps the n best rows as the NumPy order does: failures last, ties by
    position."""
    rng = np.random.default_rng(seed)
    f = rng.integers(0, 5, N).astype(float)  # many ties
    f[rng.random(N) < 0.2] = np.nan
    f[rng.random(N) < 0.1] = np.inf
    f[rng.random(N) < 0.1] = -np.inf
    U = rng.random((N, 3))
    best = ga.fitness_order(f)[:n]
    got_U, got_f = _jit.survivors(U, f, n)
    np.testing.assert_array_equal(got_U, U[best])
    np.testing.assert_array_equal(got_f, f[best])


@pytest.mark.parametrize("mutation", ["gaussian", "polynomial"])
def test_draws_of_a_stream_by_one_kernel_are_the_generic_draws(mutation):
    """The kernel's draws of a Stream (make_offspring's fused path) are what draw() takes
    from the same stream through its methods, and leave the stream at the same state."""

    class Generic:  # a Stream seen through its methods only: the generic path
        def __init__(self, stream):
            self.random, self.standard_normal = stream.random, stream.standard_normal

    rng = np.random.default_rng(0)
    kinds, _ = random_genes(rng, 7)
    ops = ga.Operators(mutation=mutation, mutation_rate=0.3)
    fast, slow = Streams(4)(1, 2, 3), Streams(4)(1, 2, 3)
    got = offspring_draws(fast.state, ga._n_uniform(ops, 9, 7), 2 * 9 * 7, ops.mutation_rate,
                          kinds, mutation == "gaussian")
    want = ga.draw(ops, 9, 7, Generic(slow), kinds)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)
    assert mutation == "polynomial" or len(got[1]) > 0
    np.testing.assert_array_equal(fast.state, slow.state)
