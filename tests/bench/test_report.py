"""The report (tables checked against SciPy on the same scores) and the plot functions."""

import re

import numpy as np
import pytest
from matplotlib.figure import Figure
from scipy import stats as sps

from tunelab import plot
from tunelab.bench import load, report, run
from tunelab.bench._results import Results

PNG = b"\x89PNG\r\n\x1a\n"
STRATEGIES = ["random", "sobol", "lhs"]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("results")
    return run(["branin", "hartmann3"], STRATEGIES, budget=8, seeds=4, out=out), out


@pytest.fixture(scope="module")
def reported(results, tmp_path_factory):
    """The report of ``results``: its directory and text."""
    out = tmp_path_factory.mktemp("report")
    return out, report(results[0], out, n_boot=50).read_text()


def _final_scores(res):
    """Final regret per block (problem, seed) x strategy, from the records."""
    last = {}
    for r in res.to_records():
        last[(r["problem"], r["seed"], r["strategy"])] = r["regret"]
    blocks = sorted({(p, s) for p, s, _ in last})
    return np.array([[last[(p, s, k)] for k in STRATEGIES] for p, s in blocks])


def _table_row(text, first_cell):
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if cells[0] == first_cell:
            return cells
    raise AssertionError(f"no row {first_cell!r}")


def test_report_writes_markdown_and_figures(reported):
    out, text = reported
    assert (out / "report.md").read_text() == text
    for name in ("critical_difference", "ecdf_targets", "strategy_time", "convergence_branin",
                 "convergence_hartmann3"):
        png = out / f"{name}.png"
        assert png.read_bytes()[:8] == PNG
        assert f"({name}.png)" in text
    for strategy in STRATEGIES:
        assert text.count(strategy) >= 5
    for section in ("## Final scores", "## Ranks", "## Pairwise Wilcoxon", "## Win rates",
                    "## Targets reached", "## Wall-clock", "## Convergence"):
        assert section in text


def test_report_numbers_match_independent_computations(results, reported):
    res, _ = results
    _, text = reported
    S = _final_scores(res)
    ranks = sps.rankdata(S, axis=1).mean(axis=0)
    for j, strategy in enumerate(STRATEGIES):
        assert float(_table_row(text, strategy)[1]) == pytest.approx(ranks[j], abs=0.005)
    chi2, p = sps.friedmanchisquare(*S.T)
    match = re.search(r"Friedman chi-square = ([\d.e+-]+) \(p = ([\d.e+-]+)\)", text)
    assert float(match[1]) == pytest.approx(chi2, rel=1e-2)
    assert float(match[2]) == pytest.approx(p, rel=1e-2)
    branin = S[:4]  # blocks sorted: branin's four seeds first
    med = np.median(branin, axis=0)
    q25, q75 = np.percentile(branin, [25, 75], axis=0)
    row = _table_row(text, "branin")
    for j in range(3):
        assert row[2 + j] == f"{med[j]:.3g} [{q25[j]:.3g}, {q75[j]:.3g}]"


def test_win_rate_row_against_a_direct_count(results, reported):
    res, _ = results
    _, text = reported
    S = _final_scores(res)
    section = text.split("## Win rates")[1].split("##")[0]
    row = _table_row(section, "random")
    expected = np.mean(S[:, 0] < S[:, 1]) + 0.5 * np.mean(S[:, 0] == S[:, 1])
    assert float(row[2]) == pytest.approx(expected, abs=0.0005)


def test_report_from_a_directory_equals_report_from_results(results, reported, tmp_path):
    _, directory = results
    assert report(directory, tmp_path, n_boot=50).read_text() == reported[1]
    assert load(directory).to_records()[0]["problem"] == "branin"


def test_report_of_one_strategy_and_of_tasks_only(tmp_path):
    one = run(["branin", "hartmann3"], ["random"], budget=3, seeds=2)
    text = report(one, tmp_path / "one", n_boot=10).read_text()
    assert "One strategy only" in text and "## Convergence" in text
    rows = [{"problem": "task", "strategy": s, "seed": k, "evaluation": 1, "value": -0.5 - k,
             "best": -0.5 - k, "regret": None, "objective_seconds": 0.01,
             "strategy_seconds": 0.001, "config": "{}"} for s in ("a", "b") for k in range(3)]
    text = report(Results(rows), tmp_path / "task", n_boot=10).read_text()
    assert "No problem with a known optimum" in text
    assert "| task | best value |" in text


def test_report_rejects_empty_results(tmp_path):
    with pytest.raises(ValueError, match="no evaluations"):
        report(Results([]), tmp_path)
    with pytest.raises(FileNotFoundError, match="manifest"):
        report(tmp_path, tmp_path / "out")


# --- plots -----------------------------------------------------------------------------------


def _save(fig, path):
    assert isinstance(fig, Figure)
    fig.savefig(path)
    assert path.read_bytes()[:8] == PNG


def test_convergence_plot(tmp_path):
    rng = np.random.default_rng(0)
    regret = np.minimum.accumulate(rng.random((5, 20)) + 1e-3, axis=1)
    fig = plot.convergence({"a": regret, "b": regret / 2}, title="t", n_boot=30)
    assert fig.axes[0].get_yscale() == "log"
    _save(fig, tmp_path / "c.png")
    best = regret - 3.0  # negative values: a linear axis
    assert plot.convergence({"a": best}, n_boot=10).axes[0].get_yscale() == "linear"
    with_nan = regret.copy()
    with_nan[0, :3] = np.nan  # a run without a value yet: no band there, median still drawn
    _save(plot.convergence({"a": with_nan}, n_boot=10), tmp_path / "n.png")
    ax = plot.convergence({"a": regret}, n_boot=10).axes[0]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), np.median(regret, axis=0))
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == ["a (n=5)", "95% bootstrap interval of the median"]  # what the band is
    assert ax.get_ylabel() == "best value so far (median of n runs)"


def test_critical_difference_plot(tmp_path):
    fig = plot.critical_difference(["a", "b", "c", "d"], [1.2, 3.9, 2.0, 3.0], cd=1.1)
    _save(fig, tmp_path / "cd.png")
    bars = [c for c in fig.axes[0].collections if c.get_color()[0][0] > 0.5]  # red bars
    assert len(bars) == 3  # the groups {a, c}, {c, d}, {d, b} of cd_groups
    with pytest.raises(ValueError, match="names"):
        plot.critical_difference(["a"], [1.0, 2.0], cd=1.0)


def test_ecdf_and_strategy_time_plots(tmp_path):
    from tunelab.bench import stats

    curves = np.abs(np.random.default_rng(1).normal(size=(4, 10)))
    _save(plot.ecdf({"a": stats.ecdf_of_targets(curves, 0.0)}), tmp_path / "e.png")
    seconds = np.full((3, 6), 1e-3)
    seconds[0, 4:] = np.nan  # a run that ended early
    fig = plot.strategy_time({"a": seconds, "b": 2 * seconds})
    np.testing.assert_allclose(fig.axes[0].lines[1].get_ydata(), 2e-3)
    _save(fig, tmp_path / "t.png")


@pytest.mark.parametrize("function", [plot.convergence, plot.ecdf, plot.strategy_time])
def test_plots_reject_an_empty_mapping(function):
    with pytest.raises(TypeError, match="mapping"):
        function({})


def test_wall_clock_share_agrees_with_the_medians_of_its_row(tmp_path):
    from tunelab.bench._report import _wall_clock

    def rows(objective, strategy):
        return [{"objective_seconds": objective, "strategy_seconds": strategy}] * 4

    # one run holds a one-off compilation of 100 s; the other four are alike
    by_seed = {0: rows(0.25, 25.0), **{k: rows(0.25, 0.05) for k in range(1, 5)}}
    text = _wall_clock({("p", "s"): by_seed}, ["p"], ["s"], tmp_path)
    cells = [c.strip() for c in _table_row(text, "s")]
    objective, strategy, share = float(cells[1]), float(cells[2]), cells[4]
    assert (objective, strategy) == (1.0, 0.2)  # medians over runs of the per-run sums
    assert share == f"{100 * 0.2 / 1.2:.1f} %"  # the same runs' share, not the totals'


def test_wall_clock_share_is_the_ratio_of_the_medians_shown_and_warm_up_stands_apart(tmp_path):
    from tunelab.bench._report import _wall_clock

    def rows(objective, strategy):
        return [{"objective_seconds": objective, "strategy_seconds": strategy}]

    # per-run shares 0, 0.6, 0.25 (median 0.25); medians 2 s and 1 s: share 1 / 3
    by_seed = {0: rows(1.0, 0.0), 1: rows(2.0, 3.0), 2: rows(3.0, 1.0)}
    text = _wall_clock({("p", "s"): by_seed}, ["p"], ["s"], tmp_path, {"s": 41.5})
    cells = [c.strip() for c in _table_row(text, "s")]
    objective, strategy = float(cells[1]), float(cells[2])
    assert (objective, strategy) == (2.0, 1.0)
    assert cells[4] == f"{100 * strategy / (objective + strategy):.1f} %"
    assert float(cells[5]) == 41.5  # the warm-up, in no other column
