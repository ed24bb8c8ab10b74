"""COCO's BBOB suite in the harness: targets, runtimes, ECDF areas, runs, files, report."""

import importlib.util
import json
import re
import sys
import warnings

import numpy as np
import pytest

import tunelab as tl
from tunelab import cli
from tunelab.bench import _bbob, _bbob_report, _bbob_store

needs_cocoex = pytest.mark.skipif(importlib.util.find_spec("cocoex") is None,
                                  reason="coco-experiment (cocoex) is not installed")


# --- targets, runtimes and areas on hand-made runs ----------------------------------------


def test_targets_are_cocos_51():
    T = _bbob.TARGETS
    assert T.shape == (51,) and T[0] == 100.0 and T[-1] == pytest.approx(1e-8, rel=1e-12)
    np.testing.assert_allclose(np.diff(np.log10(T)), -0.2, rtol=1e-10)
    assert _bbob.FINAL_TARGET == pytest.approx(T[-1], rel=1e-12)


def test_targets_agree_with_cocopp():
    pytest.importorskip("cocopp")
    testbeds = pytest.importorskip("cocopp.testbedsettings")
    theirs = testbeds.GECCOBBOBTestbed.settings["pprldmany_target_values"]
    np.testing.assert_allclose(_bbob.TARGETS, theirs, rtol=1e-12)


def test_groups_partition_the_24_functions():
    members = [f for group in _bbob.GROUPS.values() for f in group]
    assert sorted(members) == list(range(1, 25))
    assert _bbob.GROUPS["ill-conditioned"] == (10, 11, 12, 13, 14)


def hand_run(values, budget, dimension=2):
    """A run record from its values of f - f_opt, one per evaluation."""
    rows = [{"evaluation": k + 1, "best": float(np.min(values[: k + 1]))}
            for k in range(len(values))]
    at, deltas = _bbob_store.trace(rows, 0.0)
    return {"trace_evaluations": at, "trace_deltas": deltas, "evaluations": len(values),
            "budget": budget, "dimension": dimension}


def brute_runtimes(values, targets):
    best = np.minimum.accumulate(values)
    return np.array([next((k + 1 for k, b in enumerate(best) if b <= t), np.inf)
                     for t in targets])


def brute_area(r, dimension, budget, n=200_000):
    """Midpoint rule on a grid of n cells of [0, L]: each pair's indicator jumps once, so the
    error is at most 1/n."""
    L = np.log10(budget / dimension)
    x = (np.arange(n) + 0.5) / n * L
    F = np.mean(r[:, None] <= dimension * 10.0 ** x[None, :], axis=0)
    return float(F.mean()), 1.0 / n


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_runtimes_and_area_equal_a_brute_force(seed):
    rng = np.random.default_rng(seed)
    budget = 400
    values = 10.0 ** rng.uniform(-9.5, 2.5, budget)  # some hits below 1e-8, some above 1e2
    values = np.where(rng.random(budget) < 0.97, 1e3, values)  # mostly useless evaluations
    record = hand_run(values, budget)
    r = _bbob_report.runtimes(record)
    np.testing.assert_array_equal(r, brute_runtimes(values, _bbob.TARGETS))
    np.testing.assert_array_equal(_bbob_store.best_so_far(record),
                                  np.minimum.accumulate(values))
    expected, error = brute_area(r, 2, budget)
    assert _bbob_report.ecdf_area(r, 2, budget) == pytest.approx(expected, abs=error)


def test_area_of_a_hand_made_run():
    # d = 5, budget 5000 (L = 3): f - f_opt 50 at evaluation 1 (< d: counts from x = 0),
    # exactly the target 1 at evaluation 50 (x = 1: reached, f - f_opt <= target),
    # 1e-9 at evaluation 500 (x = 2).
    values = np.full(5000, 1e3)
    values[0], values[49], values[499] = 50.0, _bbob.TARGETS[10], 1e-9
    record = hand_run(values, 5000, dimension=5)
    r = _bbob_report.runtimes(record)
    n_50 = int(np.sum(_bbob.TARGETS >= 50.0))
    n_05 = int(np.sum((_bbob.TARGETS >= 1.0) & (_bbob.TARGETS < 50.0)))
    assert n_05 == 9
    n_rest = 51 - n_50 - n_05
    assert np.sum(r == 1) == n_50 and np.sum(r == 50) == n_05 and np.sum(r == 500) == n_rest
    exact = (n_50 * 3 + n_05 * 2 + n_rest * 1) / (3 * 51)
    assert _bbob_report.ecdf_area(r, 5, 5000) == pytest.approx(exact, rel=1e-12)
    expected, error = brute_area(r, 5, 5000)
    assert exact == pytest.approx(expected, abs=error)


def test_ecdf_curve_counts_pairs_within_the_evaluations():
    r = np.array([1.0, 2.0, 20.0, np.inf])
    np.testing.assert_allclose(_bbob_report.ecdf_curve(r, 2, [0.0, 1.0, 3.0]),
                               [0.5, 0.75, 0.75])


def test_area_rejects_bad_input():
    with pytest.raises(ValueError, match="budget"):
        _bbob_report.ecdf_area(np.array([1.0]), 5, 5)
    with pytest.raises(ValueError, match="r must"):
        _bbob_report.ecdf_area(np.array([]), 2, 100)


# --- arguments ------------------------------------------------------------------------------


def test_parse_indices():
    assert _bbob.parse_indices("1-3,7, 10-11", "functions") == [1, 2, 3, 7, 10, 11]
    for bad in ("1-x", "5-2", "", "1,,2"):
        with pytest.raises(ValueError, match="functions"):
            _bbob.parse_indices(bad, "functions")


@needs_cocoex
@pytest.mark.parametrize(("argument", "value"), [
    ("functions", [25]), ("functions", "0-3"), ("dimensions", [4]), ("dimensions", "2,7"),
    ("instances", [0]), ("functions", [1, 1]), ("strategies", ["no_such_strategy"]),
    ("budget_multiplier", 0),
])
def test_bad_input_names_the_argument(argument, value, tmp_path):
    options = {"functions": [1], "dimensions": [2], "instances": [1],
               "strategies": ["random"], "budget_multiplier": 10, argument: value}
    with pytest.raises(ValueError, match=argument):
        tl.bench.run_bbob(**options, out=tmp_path)
    assert not (tmp_path / "bbob").exists()  # checked before anything is written


@needs_cocoex
def test_cli_bad_function_exits_2(capsys, tmp_path):
    code = cli.main(["bench", "run", "--suite", "bbob", "--functions", "1,30",
                     "--strategies", "random", "--out", str(tmp_path)])
    assert code == 2 and "functions" in capsys.readouterr().err


def test_without_cocoex_the_error_names_the_extra(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "cocoex", None)  # import cocoex now raises ImportError
    with pytest.raises(ImportError, match=re.escape("tunelab[bbob]")):
        tl.bench.run_bbob([1], [2], [1], ["random"], 10, out=tmp_path)
    code = cli.main(["bench", "run", "--suite", "bbob", "--strategies", "random",
                     "--out", str(tmp_path)])
    assert code == 2 and "tunelab[bbob]" in capsys.readouterr().err
    assert tl.bench.run(["branin"], ["random"], budget=2, seeds=1).strategies == ["random"]


# --- a problem and a tiny real run ----------------------------------------------------------


@needs_cocoex
def test_problem_at_its_optimum_is_solved_and_closed():
    import cocoex

    problem = _bbob.BBOBProblem(3, 5, 2)
    bare = cocoex.BareProblem("bbob", 3, 5, 2)
    assert problem.name == "bbob_f003_i02_d05" and len(problem.space) == 5
    assert problem.optimum == bare.best_value()
    config = dict(zip(problem.space.names, map(float, bare.best_parameter()), strict=True))
    assert not problem.solved
    assert problem(config) == pytest.approx(problem.optimum, abs=1e-12)
    assert problem.solved
    with pytest.raises(RuntimeError, match="solved"):
        problem(config)


def info_entries(path):
    """(evaluations, final f - f_opt) of each run in a COCO ``.info`` file."""
    found = re.findall(r"(\d+):(\d+)\|([-+.eE0-9]+)", path.read_text())
    return [(int(e), float(f)) for _, e, f in found]


@needs_cocoex
def test_tiny_run_writes_records_coco_files_and_a_report(tmp_path):
    strategies = ["cmaes", "random"]
    records = tl.bench.run_bbob([1], [2], [1], strategies, budget_multiplier=300, out=tmp_path)
    assert [r["strategy"] for r in records] == strategies
    by = {r["strategy"]: r for r in records}
    for r in records:
        assert r["problem"] == "bbob_f001_i01_d02" and r["budget"] == 600
        assert r["trace_evaluations"][0] == 1 and np.all(np.diff(r["trace_evaluations"]) > 0)
        assert np.all(np.diff(r["trace_deltas"]) < 0) and r["trace_deltas"][-1] >= 0
    # CMA-ES solves the sphere (f - f_opt <= 1e-8) well within 600 evaluations and stops
    assert by["cmaes"]["status"] == "solved" and by["cmaes"]["evaluations"] < 600
    assert by["cmaes"]["trace_deltas"][-1] <= _bbob.FINAL_TARGET
    assert by["random"]["status"] == "complete" and by["random"]["evaluations"] == 600
    # our records, as files
    runs = sorted((tmp_path / "bbob" / "runs").glob("*.json"))
    assert len(runs) == 2
    assert json.loads((tmp_path / "bbob" / "manifest.json").read_text())["settings"][
        "budget_multiplier"] == 300
    # COCO's own files, one result folder per run under one folder per strategy; COCO's
    # logger saw the same evaluations and the same final f - f_opt (printed to 2 digits)
    for s in strategies:
        folder = tmp_path / "coco" / s / "bbob_f001_i01_d02"
        info = folder / "bbobexp_f1.info"
        assert info.is_file() and (folder / "data_f1" / "bbobexp_f1_DIM2.dat").is_file()
        assert f"algId = '{s}'" in info.read_text()
        [(evaluations, delta)] = info_entries(info)
        assert evaluations == by[s]["evaluations"]
        assert delta == pytest.approx(by[s]["trace_deltas"][-1], rel=0.05)
    # the report: a figure with one panel for all functions and one for the separable group
    path = tl.bench.report_bbob(tmp_path)
    assert path.name == "bbob_report.md" and (tmp_path / "bbob_ecdf_d02.png").is_file()
    text = path.read_text()
    assert "| strategy | all | separable |" in text and "| cmaes |" in text
    rows = json.loads((tmp_path / "bbob_areas.json").read_text())
    assert {(r["strategy"], r["panel"]) for r in rows} == {
        (s, p) for s in strategies for p in ("all", "separable")}
    for row in rows:
        r = _bbob_report.runtimes(by[row["strategy"]])
        assert row["area"] == pytest.approx(_bbob_report.ecdf_area(r, 2, 600), rel=1e-12)
        assert row["solved_100d"] == pytest.approx(np.mean(r <= 200))
    figure = _bbob_report.ecdf_figure(records, 2)
    axes = [ax for ax in figure.axes if ax.get_visible()]
    assert [ax.get_title().split(" ")[0] for ax in axes] == ["all", "separable"]
    for ax in axes:
        lines = ax.get_lines()
        assert [line.get_label() for line in lines] == strategies
        for line, s in zip(lines, strategies, strict=True):
            y = line.get_ydata()
            assert np.all(np.diff(y) >= 0) and 0 <= y[0] and y[-1] <= 1
            solved = np.mean(_bbob_report.runtimes(by[s]) <= 600)
            assert y[-1] == pytest.approx(solved)
        assert ax.get_legend() is not None
    # a second call resumes: the runs are read back, not run again
    again = tl.bench.run_bbob([1], [2], [1], strategies, budget_multiplier=300, out=tmp_path)
    assert again == json.loads(json.dumps(records))
    with pytest.raises(ValueError, match="budget_multiplier"):
        tl.bench.run_bbob([1], [2], [1], strategies, budget_multiplier=30, out=tmp_path)


@needs_cocoex
def test_cocopp_reads_the_coco_folder(tmp_path):
    pytest.importorskip("cocopp")
    records = tl.bench.run_bbob([1, 2], [2], [1, 2], ["random"], budget_multiplier=20,
                                out=tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cocopp warns that its online archive is unreachable
        import cocopp

        found = cocopp.load(str(tmp_path / "coco" / "random"))
    assert sorted((d.funcId, d.dim) for d in found) == [(1, 2), (2, 2)]
    for d in found:
        mine = sorted(r["evaluations"] for r in records if r["function"] == d.funcId)
        assert sorted(d.maxevals) == mine and sorted(d.instancenumbers) == [1, 2]


@needs_cocoex
def test_runs_are_reproducible_and_cli_writes_the_report(tmp_path, capsys):
    options = {"functions": [8], "dimensions": [2], "instances": [1],
               "strategies": ["cmaes_ipop", "random"], "budget_multiplier": 30,
               "observe": False}
    a = tl.bench.run_bbob(**options)
    b = tl.bench.run_bbob(**options)
    assert [r["trace_deltas"] for r in a] == [r["trace_deltas"] for r in b]
    assert [r["strategy_seed"] for r in a] == [r["strategy_seed"] for r in b]
    code = cli.main(["bench", "run", "--suite", "bbob", "--functions", "8", "--dimensions",
                     "2", "--instances", "1", "--budget-multiplier", "30", "--strategies",
                     "cmaes_ipop", "random", "--out", str(tmp_path), "--no-coco"])
    assert code == 0 and not (tmp_path / "coco").exists()
    assert (tmp_path / "bbob_report.md").is_file()
    loaded, _ = tl.bench.load_bbob(tmp_path)
    assert [r["trace_deltas"] for r in loaded] == [r["trace_deltas"] for r in a]
    assert cli.main(["bench", "report", str(tmp_path)]) == 0
    assert "bbob_report.md" in capsys.readouterr().out


class Countdown:
    """A problem that is solved at the first evaluation whose value drops below ``level``."""

    optimum = 0.0
    space = tl.Space({"x": tl.Real(0.0, 1.0)})

    def __init__(self, level):
        self.level, self.solved = level, False

    def __call__(self, config):
        self.solved = self.solved or config["x"] < self.level
        return config["x"]


def test_drive_ends_a_run_when_the_problem_is_solved():
    from tunelab.bench._drive import drive

    problem = Countdown(0.5)
    rows, status = drive(problem, tl.search.RandomSearch(problem.space, seed=0), 100)
    values = [r["value"] for r in rows]
    assert status == "solved" and values[-1] < 0.5 and all(v >= 0.5 for v in values[:-1])
    never = Countdown(0.0)
    rows, status = drive(never, tl.search.RandomSearch(never.space, seed=0), 7)
    assert status == "complete" and len(rows) == 7


@needs_cocoex
def test_coco_output_folder_with_a_space_is_refused_before_any_run(tmp_path):
    with pytest.raises(ValueError, match="out"):
        tl.bench.run_bbob([1], [2], [1], ["random"], 10, out=tmp_path / "a b")
    assert not (tmp_path / "a b").exists()
