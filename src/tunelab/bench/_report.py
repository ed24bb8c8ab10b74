"""The benchmark report: ``report.md`` with tables and statistics, and PNG figures.

:func:`report` reads :class:`~tunelab.bench.Results` (or a saved directory) and writes into
``out``: ``report.md`` and the figures it shows (:mod:`tunelab.plot`).

What is compared. The *score* of a run is its final simple regret :math:`b_T - f^*` when the
problem's optimum is known, else its final best value :math:`b_T` (a tuning task); a run
without any successful evaluation scores :math:`+\\infty`. A *block* is a pair (problem,
seed) on which every strategy has a run, so the score table has one row per block and one
column per strategy ([D06]_ uses data sets as blocks; here each seed of a problem is a block
too, exchangeable under the null hypothesis that the strategies perform alike).

- Median and interquartile range of the scores per problem and strategy.
- Average ranks over blocks, Friedman's test (chi-square and Iman-Davenport forms) and the
  Nemenyi critical difference at level ``alpha``, drawn as a critical-difference diagram.
- Wilcoxon signed-rank tests of every pair, over blocks, Holm-adjusted. Scores enter after a
  min-max normalization per problem, :math:`(s - \\min_p)/(\\max_p - \\min_p)` over all runs
  on problem :math:`p`, so that no problem weighs more for the scale of its values.
- Win rates over blocks; the fraction of (run, target) pairs reached (COCO targets
  :math:`10^{2}, \\dots, 10^{-8}` on the regret, problems with a known optimum only).
- Wall-clock: objective seconds against strategy seconds (``ask`` + ``tell``), the share
  computed from the same medians, and the warm-up seconds (Numba compilation) apart.
- On multi-fidelity problems, the best value against cumulative cost (epochs trained) and
  the cost to reach random search's median final best
  (:mod:`tunelab.bench._report_cost`).

References
----------
.. [D06] J. Demšar, "Statistical comparisons of classifiers over multiple data sets", Journal
   of Machine Learning Research 7, 1-30, 2006.
.. [H21] N. Hansen et al., "COCO: a platform for comparing continuous optimizers in a
   black-box setting", Optimization Methods and Software 36(1), 114-144, 2021.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tunelab._validation import check_scalar
from tunelab.bench import stats
from tunelab.bench._markdown import table
from tunelab.bench._report_cost import cumulative_cost_section
from tunelab.bench._results import Results, load

__all__ = ["report"]

Runs = dict[tuple[str, str], dict[int, list[dict[str, Any]]]]


def report(
    results_or_dir: Results | str | os.PathLike,
    out: str | os.PathLike,
    *,
    alpha: float = 0.05,
    n_boot: int = 1000,
    seed: int = 0,
) -> Path:
    """Write ``report.md`` and its PNG figures into ``out``; return the path of the report.

    Parameters
    ----------
    results_or_dir : Results or path
        Results of :func:`tunelab.bench.run`, or a directory they were saved to.
    out : path
        The output directory (created if needed).
    alpha : float, default=0.05
        Level of the Nemenyi critical difference and of the Holm-adjusted Wilcoxon tests.
    n_boot : int, default=1000
        Bootstrap resamples of the convergence bands.
    seed : int, default=0
        Seed of the bootstrap.

    Returns
    -------
    pathlib.Path
        ``out/report.md``.
    """
    results = (results_or_dir if isinstance(results_or_dir, Results)
               else load(results_or_dir))
    check_scalar(alpha, "alpha", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
    check_scalar(n_boot, "n_boot", kind=int, low=1)
    if not len(results):
        raise ValueError("results_or_dir holds no evaluations; nothing to report")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    runs = _runs(results.to_records())
    P, S = results.problems, results.strategies
    sections = [
        _header(results),
        _finaltable(runs, P, S),
        _comparison(runs, P, S, alpha, out),
        _targets(runs, P, S, out),
        _wall_clock(runs, P, S, out, results.manifest.get("warm_up_seconds", {})),
        _convergence(runs, P, S, out, n_boot, seed),
        cumulative_cost_section(runs, P, S, out, n_boot, seed),
    ]
    path = out / "report.md"
    path.write_text("\n\n".join(s for s in sections if s) + "\n", encoding="utf-8")
    return path


# --- shaping the records --------------------------------------------------------------------


def _runs(records: Iterable[Mapping[str, Any]]) -> Runs:
    """``(problem, strategy) -> seed -> rows`` in order of evaluation."""
    runs: Runs = {}
    for r in records:
        runs.setdefault((r["problem"], r["strategy"]), {}).setdefault(r["seed"], []).append(r)
    for by_seed in runs.values():
        for rows in by_seed.values():
            rows.sort(key=lambda r: r["evaluation"])
    return runs


def _has_optimum(runs: Runs, problem: str) -> bool:
    return any(rows and rows[0]["regret"] is not None
               for (p, _), by_seed in runs.items() if p == problem for rows in by_seed.values())


def _column(rows: list[dict[str, Any]], column: str) -> np.ndarray:
    return np.array([math.nan if r[column] is None else r[column] for r in rows], dtype=float)


def _matrix(by_seed: Mapping[int, list], column: str, T: int, carry: bool) -> np.ndarray:
    """One row per seed, ``T`` columns; after a run's end its last value (``carry``) or NaN."""
    M = np.full((len(by_seed), T), np.nan)
    for i, seed in enumerate(sorted(by_seed)):
        x = _column(by_seed[seed], column)[:T]
        M[i, : len(x)] = x
        if carry and 0 < len(x) < T:
            M[i, len(x):] = x[-1]
    return M


def _score_column(runs: Runs, problem: str) -> str:
    return "regret" if _has_optimum(runs, problem) else "best"


def _final(rows: list[dict[str, Any]], column: str) -> float:
    value = rows[-1][column] if rows else None
    return math.inf if value is None or math.isnan(value) else float(value)


def _blocks(runs: Runs, P: Sequence[str], S: Sequence[str]) -> tuple[list, np.ndarray]:
    """Blocks ``(problem, seed)`` run by every strategy, and their scores ``(N, k)``."""
    keys, rows = [], []
    for p in P:
        column = _score_column(runs, p)
        seeds = set.intersection(*(set(runs.get((p, s), {})) for s in S))
        for seed in sorted(seeds):
            keys.append((p, seed))
            rows.append([_final(runs[(p, s)][seed], column) for s in S])
    return keys, np.array(rows, dtype=float).reshape(len(rows), len(S))


# --- sections -------------------------------------------------------------------------------


def _g(x: float) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.3g}"


def _header(results: Results) -> str:
    m = results.manifest
    settings, versions, machine = (m.get(k, {}) for k in ("settings", "versions", "machine"))
    exhausted = sum(c.get("status") == "exhausted" for c in results.cells)
    lines = [
        "# Benchmark report", "",
        f"- problems: {', '.join(results.problems)}",
        f"- strategies: {', '.join(results.strategies)}",
        f"- seeds: {', '.join(map(str, results.seeds))}; budget: {settings.get('budget', '?')}"
        f" evaluations per run; runs: {len(results.cells)} ({exhausted} ended early: "
        "search space exhausted)",
        f"- machine: {machine.get('platform', '?')}, {machine.get('cpu_count', '?')} CPUs; "
        f"BLAS threads per run: {settings.get('blas_threads', '?')}; "
        f"workers: {settings.get('n_jobs', '?')}",
        "- versions: " + ", ".join(f"{k} {v}" for k, v in versions.items() if v),
    ]
    return "\n".join(lines)


def _finaltable(runs: Runs, P: Sequence[str], S: Sequence[str]) -> str:
    rows = []
    for p in P:
        column = _score_column(runs, p)
        cells = []
        for s in S:
            finals = np.array([_final(r, column) for r in runs.get((p, s), {}).values()])
            if finals.size == 0:
                cells.append("—")
                continue
            med, q25, q75 = stats.median_iqr(np.where(np.isinf(finals), np.nan, finals))
            failed = int(np.isinf(finals).sum())
            cells.append(f"{_g(med)} [{_g(q25)}, {_g(q75)}]" + (f" ({failed} failed)"
                                                                if failed else ""))
        rows.append([p, "regret" if column == "regret" else "best value", *cells])
    return ("## Final scores\n\nMedian [first quartile, third quartile] over seeds of the final "
            "regret (known optimum) or best value (tuning task); lower is better.\n\n"
            + table(["problem", "score", *S], rows))


def _comparison(runs: Runs, P: Sequence[str], S: Sequence[str], alpha: float,
                out: Path) -> str:
    if len(S) < 2:
        return "## Comparison\n\nOne strategy only: nothing to compare."
    keys, scores = _blocks(runs, P, S)
    if len(keys) < 2:
        return "## Comparison\n\nFewer than two blocks (problem, seed) run by every strategy."
    parts = ["## Ranks", _ranks(scores, S, alpha, out)]
    normalized = _normalize(scores, [p for p, _ in keys])
    tests = stats.pairwise_wilcoxon({s: normalized[:, j] for j, s in enumerate(S)},
                                    alpha=alpha)
    parts += ["## Pairwise Wilcoxon signed-rank tests",
              f"Over {len(keys)} blocks, scores min-max normalized per problem; p-values "
              f"Holm-adjusted over {len(tests)} pairs; * marks p_holm <= {alpha}.",
              table(["a", "b", "W", "p", "p_holm", ""],
                     ([t["a"], t["b"], _g(t["statistic"]), _g(t["p"]), _g(t["p_adjusted"]),
                       "*" if t["significant"] else ""] for t in tests))]
    names, W = stats.win_rate_matrix({s: scores[:, j] for j, s in enumerate(S)})
    parts += ["## Win rates",
              "Row strategy's share of blocks won against the column strategy (ties count "
              "half).",
              table(["", *names], ([a, *(_g(w) for w in W[i])] for i, a in enumerate(names)))]
    return "\n\n".join(parts)


def _ranks(scores: np.ndarray, S: Sequence[str], alpha: float, out: Path) -> str:
    from tunelab import plot

    N, k = scores.shape
    R = stats.average_ranks(scores)
    chi2, p_chi2 = stats.friedman_test(scores)
    F, p_F = stats.friedman_test(scores, method="iman_davenport")
    cd = stats.nemenyi_critical_difference(k, N, alpha)
    groups = [[S[i] for i in g] for g in stats.cd_groups(R, cd) if len(g) > 1]
    fig = plot.critical_difference(S, R, cd, title=f"Average ranks over {N} blocks")
    fig.savefig(out / "critical_difference.png", dpi=120)
    order = np.argsort(R, kind="stable")
    lines = [
        f"Average rank over {N} blocks (problem, seed); 1 is best.", "",
        table(["strategy", "average rank"], ([S[i], f"{R[i]:.2f}"] for i in order)), "",
        f"Friedman chi-square = {chi2:.3g} (p = {p_chi2:.3g}); Iman-Davenport F = {_g(F)} "
        f"(p = {p_F:.3g}). Nemenyi critical difference at alpha = {alpha}: CD = {cd:.3g}.",
        "Not significantly different: "
        + ("; ".join("{" + ", ".join(g) + "}" for g in groups) if groups else "none") + ".",
        "", "![critical difference](critical_difference.png)",
    ]
    return "\n".join(lines)


def _normalize(scores: np.ndarray, problems: Sequence[str]) -> np.ndarray:
    out = scores.copy()
    for p in set(problems):
        rows = np.array([q == p for q in problems])
        block = out[rows]
        finite = block[np.isfinite(block)]
        if finite.size:
            lo, hi = finite.min(), finite.max()
            span = hi - lo if hi > lo else 1.0
            out[rows] = np.where(np.isfinite(block), (block - lo) / span, block)
    return out


def _targets(runs: Runs, P: Sequence[str], S: Sequence[str], out: Path) -> str:
    from tunelab import plot

    known = [p for p in P if _has_optimum(runs, p)]
    if not known:
        return "## Targets reached\n\nNo problem with a known optimum: no targets."
    T = max(len(rows) for by_seed in runs.values() for rows in by_seed.values())
    curves = {}
    for s in S:
        stacked = [_matrix(runs[(p, s)], "regret", T, carry=True)
                   for p in known if (p, s) in runs]
        if stacked:
            curves[s] = stats.ecdf_of_targets(np.vstack(stacked), 0.0)
    fig = plot.ecdf(curves, title=f"Regret targets 1e2 .. 1e-8 on {len(known)} problem(s)")
    fig.savefig(out / "ecdf_targets.png", dpi=120)
    marks = sorted({max(1, T // 4), max(1, T // 2), T})
    rows = [[s, *(f"{curves[s][1][t - 1]:.2f}" for t in marks)] for s in curves]
    return ("## Targets reached\n\nFraction of (run, target) pairs with the regret at or below "
            "the target, 51 targets log-spaced from 1e2 to 1e-8 (COCO), on "
            f"{', '.join(known)}.\n\n"
            + table(["strategy", *(f"after {t} evaluations" for t in marks)], rows)
            + "\n\n![targets reached](ecdf_targets.png)")


def _wall_clock(runs: Runs, P: Sequence[str], S: Sequence[str], out: Path,
                warm_up: Mapping[str, float] | None = None) -> str:
    from tunelab import plot

    warm_up = warm_up or {}
    T = max(len(rows) for by_seed in runs.values() for rows in by_seed.values())
    rows, seconds = [], {}
    for s in S:
        per_run = [rows for p in P for rows in runs.get((p, s), {}).values()]
        objective = np.median([_column(r, "objective_seconds").sum() for r in per_run])
        strategy = np.median([_column(r, "strategy_seconds").sum() for r in per_run])
        each = np.concatenate([_column(r, "strategy_seconds") for r in per_run])
        share = strategy / max(strategy + objective, 1e-300)
        rows.append([s, _g(objective), _g(strategy),
                     _g(1e3 * np.median(each)) if each.size else "—", f"{100 * share:.1f} %",
                     _g(warm_up[s]) if s in warm_up else "—"])
        seconds[s] = np.vstack([_matrix(runs[(p, s)], "strategy_seconds", T, carry=False)
                                for p in P if (p, s) in runs])
    fig = plot.strategy_time(seconds, title="Strategy overhead")
    fig.savefig(out / "strategy_time.png", dpi=120)
    return ("## Wall-clock\n\nMedians over runs (all problems) of the seconds spent in the "
            "objective and in the strategy (ask + tell) per run, and of the milliseconds per "
            "ask + tell; share: the strategy's part of a run's time, from the two medians, "
            "strategy / (objective + strategy). Warm-up: the seconds of the strategy's "
            "warm-up run before its cells (compiling its Numba kernels, or loading them from "
            "the cache, and at most 30 evaluations), in none of the other columns.\n\n"
            + table(["strategy", "objective s/run", "strategy s/run", "strategy ms/eval",
                      "share", "warm-up s"], rows)
            + "\n\n![strategy time](strategy_time.png)")


def _convergence(runs: Runs, P: Sequence[str], S: Sequence[str], out: Path, n_boot: int,
                 seed: int) -> str:
    from tunelab import plot

    lines = ["## Convergence", "",
             "Median over seeds of the best value (or regret) so far, with a 95 % percentile "
             "bootstrap band of the median.", ""]
    for p in P:
        column = _score_column(runs, p)
        T = max(len(rows) for (q, _), by_seed in runs.items() if q == p
                for rows in by_seed.values())
        curves = {s: _matrix(runs[(p, s)], column, T, carry=True) for s in S if (p, s) in runs}
        fig = plot.convergence(curves, title=p, n_boot=n_boot, seed=seed,
                               ylabel="regret" if column == "regret" else "best value so far")
        name = f"convergence_{re.sub(r'[^A-Za-z0-9_.]', '_', p)}.png"
        fig.savefig(out / name, dpi=120)
        lines.append(f"![{p}]({name})")
    return "\n".join(lines)
