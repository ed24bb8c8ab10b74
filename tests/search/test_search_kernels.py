"""The search package's Numba kernels one by one, each against an independent oracle: the hash
table of told configurations against Python's ints and dicts, the 128-bit product against
Python's big integers, the SBX spread factor against the inverse of its truncated CDF, the
category reset against a brute-force list, and the fused stream-to-offspring kernel against
the NumPy twin fed by the same stream."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

from tunelab.search import _ga_operators as ga
from tunelab.search import _jit
from tunelab.search._philox_sfc64 import Streams
from tunelab.search._philox_sfc64_jit import _mulhilo
from tunelab.search._told_table_jit import (
    _EMPTY,
    _hash,
    _probe,
    _probe_stored,
    find_rows,
    store_rows,
)

MASK64 = 2**64 - 1
words = st.integers(0, MASK64)


@settings(max_examples=200, deadline=None)
@given(words, words)
def test_mulhilo_is_the_128_bit_product(a, b):
    hi, lo = _mulhilo(np.uint64(a), np.uint64(b))
    assert int(hi) == (a * b) >> 64
    assert int(lo) == (a * b) & MASK64


def hash_oracle(row):
    """The row hash in Python integers modulo 2**64: a multiply-xorshift step per word, then
    SplitMix64's finalizer, -0.0 taken as +0.0."""
    h = 0x9E3779B97F4A7C15
    for x in row:
        h ^= 0 if x == 0.0 else int(np.float64(x).view(np.uint64))
        h = (h * 0xBF58476D1CE4E5B9) & MASK64
        h ^= h >> 29
    h ^= h >> 30
    h = (h * 0xBF58476D1CE4E5B9) & MASK64
    h ^= h >> 27
    h = (h * 0x94D049BB133111EB) & MASK64
    return h ^ (h >> 31)


def random_rows(seed, n, d):
    """Rows with zeros, minus zeros and repeats, C-contiguous."""
    rng = np.random.default_rng(seed)
    V = rng.integers(-2, 3, (n, d)).astype(float)  # small values: many repeats
    V[rng.random(n) < 0.3] *= -0.0
    return np.ascontiguousarray(V)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 30), st.integers(1, 5))
def test_row_hash_is_the_python_oracle(seed, n, d):
    V = random_rows(seed, n, d)
    bits = V.view(np.uint64)
    for i in range(n):
        assert int(_hash(V, bits, i)) == hash_oracle(V[i].tolist())


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 60), st.integers(1, 4), st.integers(1, 4))
def test_stored_rows_are_a_python_dict(seed, n, d, n_blocks):
    """store_rows over blocks, then find_rows, against a dict of row tuples (the later value
    of equal rows wins, rows kept in first-seen order)."""
    V = random_rows(seed, n * n_blocks, d)
    values = np.arange(len(V), dtype=float)
    size = 64
    while size < 2 * len(V):  # at most half the cells full, as KnownValues keeps it
        size *= 2
    table = np.zeros((size, 2), dtype=np.uint64)
    rows, stored, count = np.empty((len(V), d)), np.empty(len(V)), 0
    oracle: dict[tuple, float] = {}
    for b in range(n_blocks):
        block = np.ascontiguousarray(V[b * n:(b + 1) * n])
        count = store_rows(table, rows, stored, count, block, values[b * n:(b + 1) * n])
        for row, value in zip(block, values[b * n:(b + 1) * n], strict=True):
            oracle[tuple((row + 0.0).tolist())] = value
    assert count == len(oracle)
    assert [tuple((r + 0.0).tolist()) for r in rows[:count]] == list(oracle)
    assert stored[:count].tolist() == list(oracle.values())
    queries = np.ascontiguousarray(np.vstack([V, random_rows(seed + 1, n, d) + 3.0]))
    index = {key: k for k, key in enumerate(oracle)}
    want = [index.get(tuple((q + 0.0).tolist()), -1) for q in queries]
    np.testing.assert_array_equal(find_rows(table, rows, queries), want)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 40), st.integers(1, 4))
def test_probes_follow_linear_probing(seed, n, d):
    """_probe_stored gives the cell of a stored row (its hash and index there), or for an
    absent row an empty cell reached from ``hash & mask`` over occupied cells only; _probe,
    filled as first_equal fills it, gives each row's first equal row, as a dict does."""
    V = random_rows(seed, n, d)
    table = np.zeros((128, 2), dtype=np.uint64)
    rows, stored = np.empty((n, d)), np.empty(n)
    half = max(1, n // 2)
    count = store_rows(table, rows, stored, 0, np.ascontiguousarray(V[:half]), np.zeros(half))
    present = {tuple((r + 0.0).tolist()): k for k, r in enumerate(rows[:count])}
    bits = V.view(np.uint64)
    for i in range(n):
        cell, h = _probe_stored(table, rows, V, bits, i)
        cell, h = int(cell), int(h)
        assert h == hash_oracle(V[i].tolist())
        k = present.get(tuple((V[i] + 0.0).tolist()))
        if k is not None:
            assert int(table[cell, 1]) == k + 1 and int(table[cell, 0]) == h
        else:
            assert int(table[cell, 1]) == 0
            c = h & 127
            while c != cell:
                assert int(table[c, 1]) != 0
                c = (c + 1) & 127
    local = np.full(128, _EMPTY, dtype=np.int64)
    first: dict[tuple, int] = {}
    for i in range(n):
        c = int(_probe(local, V, V, bits, i))
        if local[c] == _EMPTY:
            local[c] = i
        assert local[c] == first.setdefault(tuple((V[i] + 0.0).tolist()), i)


def truncated_spread_cdf(b, beta, eta):
    """The CDF of SBX's spread factor, density (eta+1)/2 b^eta below 1 and
    (eta+1)/2 b^-(eta+2) above, truncated at ``beta``, by quadrature."""
    def density(x):
        return 0.5 * (eta + 1.0) * (x**eta if x <= 1.0 else x ** -(eta + 2.0))

    def mass(upper):
        low = integrate.quad(density, 0.0, min(upper, 1.0))[0]
        return low + (integrate.quad(density, 1.0, upper)[0] if upper > 1.0 else 0.0)

    return mass(b) / mass(beta)


@pytest.mark.parametrize("eta", [0.5, 2.0, 15.0])
@pytest.mark.parametrize("beta", [1.05, 1.7, 6.0])
def test_sbx_spread_factor_inverts_its_truncated_cdf(eta, beta):
    u = np.array([0.0, 0.01, 0.2, 0.45, 0.5, 0.55, 0.8, 0.999])
    got = np.array([_jit._sbx_beta_q(x, beta, eta) for x in u])
    np.testing.assert_allclose(got, ga._sbx_beta_q_numpy(u, np.full_like(u, beta), eta),
                               rtol=1e-14)  # pow may differ by an ulp
    assert np.all(got <= beta * (1 + 1e-12))
    cdf = [truncated_spread_cdf(b, beta, eta) for b in got]
    np.testing.assert_allclose(cdf, u, atol=1e-9)


@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_category_reset_is_the_brute_force_choice(n):
    for i in range(n):
        x = (i + 0.5) / n
        others = [c for c in range(n) if c != i]
        for u in np.linspace(0.0, 1.0, 41)[:-1]:
            got = _jit._reset_category(x, n, u)
            want = x if n == 1 else (others[int(np.floor(u * (n - 1)))] + 0.5) / n
            assert got == want
            twin = ga._reset_category_numpy(np.array([x]), np.array([n]), np.array([u]))
            assert twin[0] == want


@pytest.mark.parametrize("mutation", ["gaussian", "polynomial"])
@pytest.mark.parametrize("selection", ["tournament", "rank"])
def test_offspring_of_a_stream_is_the_numpy_twin_of_its_draws(mutation, selection):
    """The fused kernel equals offspring_numpy of what draw() takes from the same stream
    through its methods, and leaves the stream at the same state."""

    class Generic:  # a Stream seen through its methods only
        def __init__(self, stream):
            self.random, self.standard_normal = stream.random, stream.standard_normal

    rng = np.random.default_rng(3)
    d, N, n_pairs = 6, 12, 7
    kinds = rng.integers(0, 3, d)
    n_choices = np.where(kinds == ga.CATEGORICAL, rng.integers(1, 6, d), 0)
    U = rng.random((N, d))
    for j in np.flatnonzero(kinds == ga.CATEGORICAL):
        U[:, j] = (rng.integers(0, n_choices[j], N) + 0.5) / n_choices[j]
    order = ga.fitness_order(rng.normal(size=N))
    ops = ga.Operators(selection=selection, mutation=mutation, mutation_rate=0.4)
    fast, slow = Streams(11)(2, 5, 1), Streams(11)(2, 5, 1)
    got = _jit.offspring_of_stream(fast.state, ga._n_uniform(ops, n_pairs, d),
                                   ops.mutation_rate, mutation == "gaussian", U, order, kinds,
                                   n_choices, ops.codes(n_pairs), ops.params())
    draws, Z = ga.draw(ops, n_pairs, d, Generic(slow), kinds)
    want = ga.offspring_numpy(U, order, kinds, n_choices, draws, Z, ops.codes(n_pairs),
                              ops.params())
    np.testing.assert_array_equal(got[0], want[0])
    for g, w in zip(got[1:], want[1:], strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(fast.state, slow.state)
