"""Benchmark statistics: SciPy/statsmodels oracles, Demšar's tables, hand-computed cases."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats as sps

from tunelab.bench import stats

PROPS = settings(max_examples=40, deadline=None)
NAN = np.nan


def small_floats(lo=-5, hi=5):
    return st.integers(lo, hi).map(float)  # integers: ties are frequent


def score_tables(min_rows=1, min_cols=2, max_cols=6):
    shapes = st.tuples(st.integers(min_rows, 8), st.integers(min_cols, max_cols))
    return shapes.flatmap(lambda s: hnp.arrays(np.float64, s, elements=small_floats()))


# --- best so far, regret, time axis ---------------------------------------------------------


def test_best_so_far_hand_example_skips_failures():
    out = stats.best_so_far([[NAN, 3.0, 4.0, NAN, 1.0], [2.0, NAN, 5.0, 0.5, 0.7]])
    np.testing.assert_array_equal(out, [[NAN, 3, 3, 3, 1], [2, 2, 2, 0.5, 0.5]])


@PROPS
@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 12)),
                  elements=st.one_of(small_floats(), st.just(NAN))))
def test_best_so_far_is_the_minimum_of_each_prefix(values):
    out = stats.best_so_far(values)
    for r, t in itertools.product(*map(range, values.shape)):
        prefix = values[r, : t + 1]
        prefix = prefix[~np.isnan(prefix)]
        assert (np.isnan(out[r, t]) if prefix.size == 0 else out[r, t] == prefix.min())


def test_regret_curve_subtracts_the_optimum_from_the_best_so_far():
    np.testing.assert_allclose(stats.regret_curve([5.0, 7.0, 2.5, 3.0], optimum=2.0),
                               [3.0, 3.0, 0.5, 0.5])
    assert np.isnan(stats.regret_curve([NAN, 1.0], 0.0)[0])


def test_best_at_time_hand_example_durations_and_elapsed():
    values = [[4.0, 2.0, 3.0, 1.0], [NAN, 5.0, 0.0, 9.0]]
    durations = [[1.0, 1.0, 2.0, 0.5], [0.5, 0.5, 0.5, 0.5]]
    grid = [0.0, 0.5, 1.0, 1.9, 2.0, 4.0, 4.5, 10.0]
    # run 0 finishes at 1, 2, 4, 4.5; run 1 at 0.5, 1, 1.5, 2
    expected = [[NAN, NAN, 4, 4, 2, 2, 1, 1], [NAN, NAN, 5, 0, 0, 0, 0, 0]]
    np.testing.assert_array_equal(stats.best_at_time(values, durations, grid), expected)
    finish = np.cumsum(durations, axis=1)
    np.testing.assert_array_equal(
        stats.best_at_time(values, finish, grid, elapsed=True), expected)
    np.testing.assert_array_equal(stats.best_at_time(values[0], durations[0], grid), expected[0])


@PROPS
@given(st.integers(1, 10).flatmap(lambda n: st.tuples(
    hnp.arrays(np.float64, n, elements=st.one_of(small_floats(), st.just(NAN))),
    hnp.arrays(np.float64, n, elements=st.floats(0.0, 3.0)),
    hnp.arrays(np.float64, st.integers(1, 6), elements=st.floats(0.0, 20.0)))))
def test_best_at_time_matches_brute_force(case):
    values, durations, grid = case
    out = stats.best_at_time(values, durations, grid)
    finish = np.cumsum(durations)
    for g, tau in enumerate(grid):
        done = values[(finish <= tau) & ~np.isnan(values)]
        assert (np.isnan(out[g]) if done.size == 0 else out[g] == done.min())


# --- median and IQR, bootstrap ----------------------------------------------------------------


def test_median_iqr_hand_example_ignores_nan():
    # sorted 1, 2, 3, 4: h = 3 * p + 1 -> Q(.25) = 1.75, Q(.5) = 2.5, Q(.75) = 3.25
    assert stats.median_iqr([4.0, NAN, 1.0, 3.0, 2.0]) == (2.5, 1.75, 3.25)


def test_median_iqr_along_an_axis_with_an_all_nan_slice():
    curves = np.array([[1.0, NAN, 5.0], [3.0, NAN, NAN], [2.0, NAN, 7.0], [10.0, NAN, 6.0]])
    med, q25, q75 = stats.median_iqr(curves, axis=0)
    np.testing.assert_allclose(med[[0, 2]], [2.5, 6.0])
    np.testing.assert_allclose(q25[[0, 2]], [1.75, 5.5])
    np.testing.assert_allclose(q75[[0, 2]], [4.75, 6.5])
    assert np.isnan(med[1]) and np.isnan(q25[1]) and np.isnan(q75[1])


@PROPS
@given(hnp.arrays(np.float64, st.integers(1, 30), elements=st.floats(-1e3, 1e3)))
def test_median_iqr_matches_numpy_percentile(x):
    expected = np.percentile(x, [50, 25, 75])  # default linear = Hyndman-Fan 7
    np.testing.assert_allclose(stats.median_iqr(x), expected, rtol=1e-12, atol=1e-12)


def test_bootstrap_ci_covers_the_true_median_about_95_percent_of_the_time():
    # 400 columns = 400 independent experiments of 40 runs from Exp(1), median log 2
    rng = np.random.default_rng(12)
    n_rep = 400
    curves = rng.exponential(size=(40, n_rep))
    _, low, high = stats.bootstrap_ci(curves, n_boot=1000, level=0.95, random_state=3)
    covered = int(np.sum((low <= math.log(2)) & (math.log(2) <= high)))
    lo, hi = sps.binom.ppf([0.0005, 0.9995], n_rep, 0.95)  # 99.9 % binomial band
    assert lo <= covered <= hi, covered
    # and a 50 % band covers far less often
    _, low, high = stats.bootstrap_ci(curves, n_boot=1000, level=0.5, random_state=3)
    covered = int(np.sum((low <= math.log(2)) & (math.log(2) <= high)))
    lo, hi = sps.binom.ppf([0.0005, 0.9995], n_rep, 0.5)
    assert lo <= covered <= hi, covered


def test_bootstrap_ci_of_the_mean_agrees_with_scipy_percentile_bootstrap():
    rng = np.random.default_rng(0)
    x = rng.normal(3.0, 2.0, size=60)
    center, low, high = stats.bootstrap_ci(x, stat=np.mean, n_boot=20000, random_state=1)
    ref = sps.bootstrap((x,), np.mean, n_resamples=20000, method="percentile",
                        confidence_level=0.95, rng=np.random.default_rng(2))
    assert center == pytest.approx(x.mean())
    se = x.std() / math.sqrt(len(x))  # Monte Carlo error of a 20000-sample quantile << se/10
    assert low == pytest.approx(ref.confidence_interval.low, abs=0.05 * se)
    assert high == pytest.approx(ref.confidence_interval.high, abs=0.05 * se)
    # the normal approximation of the bootstrap law of the mean: mean -+ 1.96 sd/sqrt(n)
    assert low == pytest.approx(x.mean() - 1.96 * se, abs=0.1 * se)


def test_bootstrap_ci_is_reproducible_and_per_evaluation():
    rng = np.random.default_rng(5)
    curves = np.minimum.accumulate(rng.random((15, 8)), axis=1)
    a = stats.bootstrap_ci(curves, n_boot=200, random_state=7)
    b = stats.bootstrap_ci(curves, n_boot=200, random_state=7)
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)
    center, low, high = a
    np.testing.assert_array_equal(center, np.median(curves, axis=0))
    assert center.shape == low.shape == high.shape == (8,)
    assert np.all(low <= high)
    # one run: every resample is that run
    one = stats.bootstrap_ci(curves[:1], n_boot=50, random_state=0)
    for part in one:
        np.testing.assert_array_equal(part, curves[0])


def test_bootstrap_ci_chunks_give_the_same_result(monkeypatch):
    from tunelab import _stats_curves
    rng = np.random.default_rng(9)
    curves = rng.random((12, 5))
    full = stats.bootstrap_ci(curves, n_boot=101, random_state=4)
    monkeypatch.setattr(_stats_curves, "_CHUNK", 7)
    chunked = stats.bootstrap_ci(curves, n_boot=101, random_state=4)
    for u, v in zip(full, chunked, strict=True):
        np.testing.assert_array_equal(u, v)


# --- ranks, Friedman, Nemenyi, critical-difference groups -----------------------------------


def test_rank_matrix_hand_example_with_ties():
    scores = [[0.3, 0.1, 0.3, 0.2], [1.0, 1.0, 1.0, 1.0], [np.inf, 2.0, 1.0, 2.0]]
    expected = [[3.5, 1.0, 3.5, 2.0], [2.5, 2.5, 2.5, 2.5], [4.0, 2.5, 1.0, 2.5]]
    np.testing.assert_array_equal(stats.rank_matrix(scores), expected)
    np.testing.assert_allclose(stats.average_ranks(scores), [10 / 3, 2.0, 7 / 3, 7 / 3])


@PROPS
@given(score_tables())
def test_ranks_sum_to_k_k_plus_1_over_2(scores):
    k = scores.shape[1]
    ranks = stats.rank_matrix(scores)
    np.testing.assert_allclose(ranks.sum(axis=1), k * (k + 1) / 2)
    np.testing.assert_allclose(stats.average_ranks(scores).sum(), k * (k + 1) / 2)
    assert np.all((ranks >= 1) & (ranks <= k))


@PROPS
@given(score_tables(min_rows=2, min_cols=3))
def test_friedman_chi2_equals_scipy(scores):
    if np.all(scores == scores[:, :1]):  # every problem a complete tie: SciPy divides 0 by 0
        assert stats.friedman_test(scores) == (0.0, 1.0)
        return
    ref = sps.friedmanchisquare(*scores.T)
    statistic, p = stats.friedman_test(scores)
    assert statistic == pytest.approx(ref.statistic, rel=1e-10, abs=1e-10)
    assert p == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-12)


def test_friedman_hand_example_without_ties():
    # rank sums 5, 8, 11 over N = 4, k = 3:
    # chi2 = 12 / (N k (k+1)) * sum R^2 - 3 N (k+1) = 12 / 48 * 210 - 48 = 4.5
    scores = [[1, 2, 3], [1, 3, 2], [2, 1, 3], [1, 2, 3]]
    statistic, p = stats.friedman_test(scores)
    assert statistic == pytest.approx(4.5)
    assert p == pytest.approx(math.exp(-4.5 / 2))  # chi2 with 2 df: sf(x) = exp(-x/2)


def test_iman_davenport_from_the_chi2_form():
    rng = np.random.default_rng(3)
    scores = rng.normal(size=(12, 5)) + np.linspace(0, 1.0, 5)
    N, k = scores.shape
    chi2 = sps.friedmanchisquare(*scores.T).statistic
    F_expected = (N - 1) * chi2 / (N * (k - 1) - chi2)  # Demšar (2006), Sec. 3.2.2
    F, p = stats.friedman_test(scores, method="iman_davenport")
    assert F == pytest.approx(F_expected, rel=1e-12)
    assert p == pytest.approx(sps.f.sf(F_expected, k - 1, (k - 1) * (N - 1)), rel=1e-10)


def test_friedman_edge_cases():
    same_order = [[1, 2, 3, 4]] * 6
    assert stats.friedman_test(same_order) == (pytest.approx(6 * 3), pytest.approx(
        sps.chi2.sf(18, 3)))
    assert stats.friedman_test(same_order, method="iman_davenport") == (math.inf, 0.0)
    assert stats.friedman_test([[1, 1, 1], [2, 2, 2]]) == (0.0, 1.0)
    # k = 2 is allowed: chi2 = N (2 R_1 - 3)^2 ... here N = 5, all won by column 0 -> 5
    assert stats.friedman_test([[0, 1]] * 5)[0] == pytest.approx(5.0)


DEMSAR_Q = {  # Demšar (2006), Table 5(a): two-tailed Nemenyi q_alpha for k = 2..10
    0.05: [1.960, 2.343, 2.569, 2.728, 2.850, 2.949, 3.031, 3.102, 3.164],
    0.10: [1.645, 2.052, 2.291, 2.459, 2.589, 2.693, 2.780, 2.855, 2.920],
}


@pytest.mark.parametrize("alpha", [0.05, 0.10])
@pytest.mark.parametrize("k", range(2, 11))
def test_nemenyi_cd_matches_demsar_table_5(k, alpha):
    N = 17
    cd = stats.nemenyi_critical_difference(k, N, alpha=alpha)
    q = cd / math.sqrt(k * (k + 1) / (6 * N))
    assert q == pytest.approx(DEMSAR_Q[alpha][k - 2], abs=1e-3)


def test_nemenyi_cd_demsar_worked_example():
    # Demšar (2006), Sec. 3.2.2: four classifiers on 14 data sets, CD = 1.25 at alpha = 0.05
    assert stats.nemenyi_critical_difference(4, 14) == pytest.approx(1.25, abs=5e-3)


def test_cd_groups_hand_example():
    ranks = [1.2, 3.9, 2.0, 3.0, 4.5]
    # sorted: 1.2 (0), 2.0 (2), 3.0 (3), 3.9 (1), 4.5 (4); spans below 1.1
    assert stats.cd_groups(ranks, 1.1) == [[0, 2], [2, 3], [3, 1], [1, 4]]
    assert stats.cd_groups(ranks, 0.5) == [[0], [2], [3], [1], [4]]
    assert stats.cd_groups(ranks, 10.0) == [[0, 2, 3, 1, 4]]
    assert stats.cd_groups([2.0, 1.0, 2.0], 0.5) == [[1], [0, 2]]


@PROPS
@given(hnp.arrays(np.float64, st.integers(1, 8), elements=st.integers(2, 40).map(lambda v: v / 8)),
       st.sampled_from([0.0, 0.3, 0.9, 1.7, 4.0]))
def test_cd_groups_are_the_maximal_cliques_of_brute_force(ranks, cd):
    # ranks on a 1/8 grid and cd off it: no pair sits exactly at the critical difference
    k = len(ranks)
    close = np.abs(ranks[:, None] - ranks[None, :]) < cd
    np.fill_diagonal(close, True)  # with cd = 0 each strategy is a group of its own
    cliques = [set(c) for n in range(1, k + 1) for c in itertools.combinations(range(k), n)
               if all(close[a, b] for a in c for b in c)]
    maximal = {frozenset(c) for c in cliques if not any(c < d for d in cliques)}
    groups = stats.cd_groups(ranks, cd)
    assert {frozenset(g) for g in groups} == maximal and len(groups) == len(maximal)
    for g in groups:
        assert list(ranks[g]) == sorted(ranks[g])


# --- Holm, Wilcoxon, win rates -----------------------------------------------------------------


def test_holm_hand_example_with_the_monotonicity_step():
    p = [0.01, 0.04, 0.03, 0.005]
    # sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 -> 0.02, 0.03, 0.06, 0.04;
    # the running maximum lifts the last to 0.06
    np.testing.assert_allclose(stats.holm(p), [0.03, 0.06, 0.06, 0.02])
    np.testing.assert_allclose(stats.holm([0.6, 0.2]), [0.6, 0.4])
    np.testing.assert_allclose(stats.holm([0.4, 0.9]), [0.8, 0.9])
    np.testing.assert_allclose(stats.holm([0.7, 0.5, 0.6]), [1.0, 1.0, 1.0])  # capped at 1


def holm_by_step_down(p):
    """Adjusted p-value as the least level at which Holm's step-down procedure rejects."""
    m = len(p)
    order = np.argsort(p, kind="stable")
    levels = np.unique(np.minimum(1.0, np.append((m - np.arange(m)) * p[order], 1.0)))
    adjusted = np.ones(m)
    for level in levels[::-1]:  # from the largest: the last level that still rejects wins
        for j, i in enumerate(order):  # reject H_(j) while p_(j) <= level / (m - j)
            if p[i] * (m - j) > level:
                break
            adjusted[i] = level
    return adjusted


@PROPS
@given(hnp.arrays(np.float64, st.integers(1, 12),
                  elements=st.one_of(st.floats(0.0, 1.0), st.sampled_from([0.0, 0.01, 1.0]))))
def test_holm_properties_and_the_step_down_procedure(p):
    adjusted = stats.holm(p)
    assert np.all(adjusted >= p) and np.all(adjusted <= 1.0)
    order = np.argsort(p, kind="stable")
    assert np.all(np.diff(adjusted[order]) >= 0)  # same order as the raw p-values
    np.testing.assert_allclose(adjusted, holm_by_step_down(p), rtol=1e-12)


def wilcoxon_pair(x, y, alternative="two-sided"):
    (res,) = stats.pairwise_wilcoxon({"x": x, "y": y}, alternative=alternative,
                                     correction="none")
    return res


@pytest.mark.parametrize("alternative", ["two-sided", "less", "greater"])
@pytest.mark.parametrize("case", ["exact", "ties_small", "asymptotic", "asymptotic_ties"])
def test_wilcoxon_equals_scipy(case, alternative):
    rng = np.random.default_rng(["exact", "ties_small", "asymptotic"].index(case) + 1
                                if case != "asymptotic_ties" else 0)
    if case == "exact":  # 30 distinct differences: SciPy's exact law
        x, y = rng.normal(size=30), rng.normal(0.4, 1.0, size=30)
    elif case == "ties_small":  # zeros and tied |d|, n <= 13: SciPy enumerates the signs
        x = np.array([3, 1, 4, 1, 5, 9, 2, 6, 5, 3], float)
        y = np.array([2, 1, 5, 3, 5, 7, 1, 4, 4, 1], float)
    elif case == "asymptotic":
        x, y = rng.normal(size=80), rng.normal(0.3, 1.0, size=80)
    else:
        x, y = rng.integers(0, 6, size=90).astype(float), rng.integers(1, 7, size=90).astype(float)
    ref = sps.wilcoxon(x, y, alternative=alternative)
    res = wilcoxon_pair(x, y, alternative)
    assert res["statistic"] == pytest.approx(ref.statistic, rel=1e-12)
    assert res["p"] == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-15)


def brute_force_signed_rank(d, alternative):
    """P-value by enumerating all 2^n sign patterns of the non-zero differences."""
    d = d[d != 0]
    r = sps.rankdata(np.abs(d))
    w = r[d > 0].sum()
    signs = (np.arange(2 ** len(d))[:, None] >> np.arange(len(d))) & 1
    null = signs @ r
    low, high = np.mean(null <= w + 1e-9), np.mean(null >= w - 1e-9)
    return {"less": low, "greater": high, "two-sided": min(1.0, 2 * min(low, high))}[alternative]


@pytest.mark.parametrize("alternative", ["two-sided", "less", "greater"])
def test_wilcoxon_exact_with_ties_beyond_scipys_exact_range(alternative):
    rng = np.random.default_rng(1)
    x = rng.integers(0, 5, size=18).astype(float)
    y = x + rng.choice([-2.0, -1.0, 0.0, 1.0, 1.0, 2.0, 3.0], size=18)
    p = wilcoxon_pair(x, y, alternative)["p"]
    assert p == pytest.approx(brute_force_signed_rank(x - y, alternative), rel=1e-9)


def test_pairwise_wilcoxon_corrections_order_and_direction():
    rng = np.random.default_rng(4)
    base = rng.normal(size=25)
    results = {"good": base - 1.0 + 0.1 * rng.normal(size=25),
               "mid": base + 0.1 * rng.normal(size=25),
               "bad": base + 0.05 + 0.1 * rng.normal(size=25)}
    rows = stats.pairwise_wilcoxon(results)
    assert [(r["a"], r["b"]) for r in rows] == [("good", "mid"), ("good", "bad"), ("mid", "bad")]
    p = np.array([r["p"] for r in rows])
    for r, ref in zip(rows, stats.holm(p), strict=True):
        assert r["p_adjusted"] == pytest.approx(ref)
        assert r["significant"] == (ref <= 0.05)
    bonf = stats.pairwise_wilcoxon(results, correction="bonferroni")
    np.testing.assert_allclose([r["p_adjusted"] for r in bonf], np.minimum(1, 3 * p))
    assert rows[0]["significant"] and rows[1]["significant"]
    less = stats.pairwise_wilcoxon(results, alternative="less", correction="none")
    greater = stats.pairwise_wilcoxon(results, alternative="greater", correction="none")
    assert less[0]["p"] < 1e-6 < 0.99 < greater[0]["p"]  # "good" has the lower scores


def test_pairwise_wilcoxon_all_ties_and_failed_runs():
    res = wilcoxon_pair([1.0, 2.0, np.inf], [1.0, 2.0, np.inf])
    assert (res["statistic"], res["p"]) == (0.0, 1.0)
    # a failed run (+inf) is the largest difference: same p as a huge finite loss
    x, y = [1.0, 2.0, 3.0, 0.5, 4.0, np.inf], [1.5, 2.2, 2.0, 1.0, 4.5, 3.0]
    big = wilcoxon_pair(np.where(np.isinf(x), 1e9, x), y, "less")
    assert wilcoxon_pair(x, y, "less")["p"] == pytest.approx(big["p"])


def test_win_rate_matrix_hand_example():
    results = {"a": [1.0, 2.0, 3.0, np.inf], "b": [2.0, 2.0, 1.0, np.inf], "c": [0, 0, 0, 0]}
    names, W = stats.win_rate_matrix(results)
    assert names == ["a", "b", "c"]
    expected = [[NAN, (1 + 0.5 + 0 + 0.5) / 4, 0.0],
                [(0 + 0.5 + 1 + 0.5) / 4, NAN, 0.0],
                [1.0, 1.0, NAN]]
    np.testing.assert_array_equal(W, expected)


@PROPS
@given(st.tuples(st.integers(2, 5), st.integers(1, 10)).flatmap(
    lambda s: hnp.arrays(np.float64, s, elements=st.one_of(small_floats(-2, 2),
                                                           st.just(np.inf)))))
def test_win_rates_are_complementary(X):
    names, W = stats.win_rate_matrix({f"s{i}": row for i, row in enumerate(X)})
    k = len(names)
    off = ~np.eye(k, dtype=bool)
    np.testing.assert_allclose((W + W.T)[off], 1.0)
    assert np.all(np.isnan(np.diag(W)))
    assert np.all((W[off] >= 0) & (W[off] <= 1))


# --- ECDF of targets and performance profiles -----------------------------------------------


def test_ecdf_of_targets_hand_example():
    curves = [[5.0, 0.5, 0.1, 0.2], [NAN, 2.0, 0.9, 0.001]]
    targets = [1.0, 0.1, 0.01]  # 6 (run, target) pairs
    evaluations, fractions = stats.ecdf_of_targets(curves, targets)
    np.testing.assert_array_equal(evaluations, [1, 2, 3, 4])
    # best so far: run 0: 5, .5, .1, .1 -> reaches 0, 1, 2, 2 targets (0.1 <= 0.1 counts);
    # run 1: nan, 2, .9, .001 -> 0, 0, 1, 3 targets
    np.testing.assert_allclose(fractions, [0 / 6, 1 / 6, 3 / 6, 5 / 6])


def test_ecdf_default_targets_are_51_log_spaced_precisions():
    rng = np.random.default_rng(0)
    curves = 3.0 + 10.0 ** rng.uniform(-9, 3, size=(7, 40))
    f_targets = 3.0 + 10.0 ** (2.0 - np.arange(51) / 5.0)  # 1e2 ... 1e-8, five per decade
    np.testing.assert_allclose(f_targets[[0, 5, -1]], [103.0, 13.0, 3.0 + 1e-8])
    by_optimum = stats.ecdf_of_targets(curves, 3.0)[1]
    np.testing.assert_allclose(by_optimum, stats.ecdf_of_targets(curves, f_targets)[1])
    b = np.minimum.accumulate(curves, axis=1)  # brute force over pairs
    brute = (b[:, :, None] <= f_targets).mean(axis=(0, 2))
    np.testing.assert_allclose(by_optimum, brute)
    assert np.all(np.diff(by_optimum) >= 0)


def test_performance_profile_hand_example():
    costs = [[10.0, 20.0, np.inf],  # ratios 1, 2, inf
             [30.0, 15.0, 15.0],  # 2, 1, 1
             [np.nan, np.inf, np.inf],  # nobody solved: inf, inf, inf
             [4.0, 8.0, 40.0]]  # 1, 2, 10
    rho = stats.performance_profile(costs, [1.0, 2.0, 5.0, 10.0])
    np.testing.assert_allclose(rho, [[0.5, 0.25, 0.25], [0.75, 0.75, 0.25],
                                     [0.75, 0.75, 0.25], [0.75, 0.75, 0.5]])


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("call", "match"), [
    (lambda: stats.median_iqr([]), "values"),
    (lambda: stats.median_iqr([1.0, np.inf]), "values"),
    (lambda: stats.bootstrap_ci([[1.0, NAN]]), "curves"),
    (lambda: stats.bootstrap_ci([1.0, 2.0], n_boot=0), "n_boot"),
    (lambda: stats.bootstrap_ci([1.0, 2.0], level=1.0), "level"),
    (lambda: stats.bootstrap_ci([1.0, 2.0], random_state=-1), "random_state"),
    (lambda: stats.best_so_far(np.zeros((2, 0))), "values"),
    (lambda: stats.best_so_far(np.zeros((2, 2, 2))), "values"),
    (lambda: stats.regret_curve([1.0], optimum=NAN), "optimum"),
    (lambda: stats.best_at_time([1.0, 2.0], [1.0], [1.0]), "seconds"),
    (lambda: stats.best_at_time([1.0, 2.0], [1.0, -1.0], [1.0]), "seconds"),
    (lambda: stats.best_at_time([1.0, 2.0], [2.0, 1.0], [1.0], elapsed=True), "seconds"),
    (lambda: stats.best_at_time([1.0], [1.0], [-1.0]), "time_grid"),
    (lambda: stats.rank_matrix([[1.0, NAN]]), "scores"),
    (lambda: stats.rank_matrix([[1.0], [2.0]]), "scores"),
    (lambda: stats.rank_matrix(np.zeros((0, 3))), "scores"),
    (lambda: stats.friedman_test([[1.0, 2.0, 3.0]]), "scores"),
    (lambda: stats.friedman_test([[1, 2], [2, 1]], method="f"), "method"),
    (lambda: stats.nemenyi_critical_difference(1, 10), "n_strategies"),
    (lambda: stats.nemenyi_critical_difference(3, 0), "n_problems"),
    (lambda: stats.nemenyi_critical_difference(3, 10, alpha=0.0), "alpha"),
    (lambda: stats.cd_groups([1.0, NAN], 1.0), "avg_ranks"),
    (lambda: stats.cd_groups([1.0, 2.0], -1.0), "cd"),
    (lambda: stats.holm([]), "p_values"),
    (lambda: stats.holm([0.5, 1.5]), "p_values"),
    (lambda: stats.pairwise_wilcoxon({"a": [1.0, 2.0]}), "results"),
    (lambda: stats.pairwise_wilcoxon({"a": [1.0, 2.0], "b": [1.0]}), "results"),
    (lambda: stats.pairwise_wilcoxon({"a": [1.0, NAN], "b": [1.0, 2.0]}), "results"),
    (lambda: stats.pairwise_wilcoxon({"a": [], "b": []}), "results"),
    (lambda: stats.pairwise_wilcoxon({"a": [1.0], "b": [2.0]}, alternative="lower"),
     "alternative"),
    (lambda: stats.pairwise_wilcoxon({"a": [1.0], "b": [2.0]}, correction="fdr"), "correction"),
    (lambda: stats.pairwise_wilcoxon({"a": [1.0], "b": [2.0]}, alpha=2.0), "alpha"),
    (lambda: stats.win_rate_matrix({"a": [1.0, 2.0], "b": [1.0, 2.0, 3.0]}), "results"),
    (lambda: stats.ecdf_of_targets([[1.0, 2.0]], [NAN]), "optimum_or_f_targets"),
    (lambda: stats.ecdf_of_targets([[1.0, 2.0]], 0.0, n_targets=0), "n_targets"),
    (lambda: stats.ecdf_of_targets([[1.0, 2.0]], np.inf), "optimum_or_f_targets"),
    (lambda: stats.performance_profile([[1.0, 0.0]], [1.0]), "costs"),
    (lambda: stats.performance_profile([[1.0, 2.0]], [0.5]), "taus"),
])
def test_bad_input_names_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize(("call", "match"), [
    (lambda: stats.pairwise_wilcoxon([[1.0], [2.0]]), "results"),
    (lambda: stats.bootstrap_ci([1.0, 2.0], stat="median"), "stat"),
    (lambda: stats.nemenyi_critical_difference(3.5, 10), "n_strategies"),
    (lambda: stats.ecdf_of_targets([[1.0]], "zero"), "optimum_or_f_targets"),
])
def test_wrong_types_name_the_argument(call, match):
    with pytest.raises(TypeError, match=match):
        call()
