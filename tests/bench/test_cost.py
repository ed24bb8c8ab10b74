"""Multi-fidelity in the harness: budgets chosen by the strategy, cost in epochs trained,
runs cut at a cumulative cost, and the report's section against cumulative cost."""

import csv
import json
import math

import numpy as np
import pytest

import tunelab as tl
from tunelab import plot
from tunelab.bench import _report_cost, stats
from tunelab.bench._results import load
from tunelab.bench.runner import drive, run
from tunelab.cli import main


class EpochTask:
    """A tuning task stand-in: value (x - 0.3)^2 + 1 / epochs, cached networks per config.

    A call at ``fidelity`` above the cached epochs of its config trains only the extra ones
    (as ``tasks.Task(continuation=...)``), else from scratch; ``epochs_trained`` sums over
    ``cv`` folds.
    """

    name = "epoch_task"
    optimum = None
    space = tl.Space({"x": tl.Real(0.0, 1.0)})
    fidelity_range = (1, 27)
    cv = 3

    def __init__(self):
        self.epochs_trained = 0
        self.cache = {}
        self.calls = []

    def __call__(self, config, fidelity=None):
        epochs = self.fidelity_range[1] if fidelity is None else fidelity
        key = json.dumps(config, sort_keys=True)
        have = self.cache.get(key, 0)
        trained = epochs - have if epochs >= have else epochs
        self.cache[key] = epochs
        self.epochs_trained += trained * self.cv
        self.calls.append((config, epochs, trained))
        return (config["x"] - 0.3) ** 2 + 1.0 / epochs


class Quadratic:
    name = "quadratic"
    optimum = 0.0
    space = tl.Space({"x": tl.Real(-1.0, 1.0)})

    def __call__(self, config):
        return config["x"] ** 2


def test_a_budgeted_strategy_gets_its_budgets_and_costs_the_epochs_trained():
    task = EpochTask()
    strategy = tl.search.Hyperband(task.space, 1, 27, 3, seed=5)
    rows, status = drive(task, strategy, 60)
    # The same Hyperband, replayed by hand, asks the same (config, budget) sequence.
    twin, replay = tl.search.Hyperband(task.space, 1, 27, 3, seed=5), []
    for _ in range(60):
        config, budget = twin.ask_budget()
        replay.append((config, budget))
        twin.tell(config, (config["x"] - 0.3) ** 2 + 1.0 / budget, budget=budget)
    assert status == "complete" and len(rows) == 60
    assert [(json.loads(r["config"]), r["budget"]) for r in rows] == replay
    assert [r["cost"] for r in rows] == [float(t) for _, _, t in task.calls]
    assert sum(r["cost"] for r in rows) == task.epochs_trained / task.cv
    # A promotion continues from the lower budget: somewhere it cost less than its budget.
    assert any(r["cost"] < r["budget"] for r in rows)


def test_a_full_budget_strategy_on_a_fidelity_task_runs_at_the_largest_budget():
    task = EpochTask()
    rows, _ = drive(task, tl.search.RandomSearch(task.space, seed=0), 4)
    assert [r["budget"] for r in rows] == [27.0] * 4 and [r["cost"] for r in rows] == [27.0] * 4


def test_a_problem_without_fidelity_costs_one_per_evaluation_and_max_cost_stops_the_run():
    rows, _ = drive(Quadratic(), tl.search.RandomSearch(Quadratic.space, seed=0), 10,
                    max_cost=3)
    assert len(rows) == 3 and all(r["budget"] is None and r["cost"] == 1.0 for r in rows)


def test_max_cost_keeps_the_evaluation_that_crosses_it():
    task = EpochTask()
    rows, _ = drive(task, tl.search.RandomSearch(task.space, seed=0), 10, max_cost=60.0)
    assert [r["cost"] for r in rows] == [27.0] * 3  # 27, 54 < 60, then 81 >= 60: stop
    assert sum(r["cost"] for r in rows[:-1]) < 60.0 <= sum(r["cost"] for r in rows)


def test_a_budgeted_strategy_needs_a_fidelity():
    with pytest.raises(ValueError, match="fidelity_range"):
        run(["branin"], ["hyperband"], budget=3, seeds=1)
    with pytest.raises(ValueError, match="fidelity_range"):
        drive(Quadratic(), tl.search.Hyperband(Quadratic.space, seed=0), 3)


@pytest.mark.parametrize("bad", [0, -1.0, math.nan, "3"])
def test_max_cost_is_checked(bad):
    with pytest.raises((ValueError, TypeError), match="max_cost"):
        run([Quadratic()], ["random"], budget=3, seeds=1, max_cost=bad)


def test_run_builds_budgeted_strategies_from_the_fidelity_range_and_records_cost(tmp_path):
    res = run([EpochTask()], ["hyperband", "random"], budget=100, seeds=2, max_cost=200,
              out=tmp_path)
    by = {}
    for r in res.to_records():
        by.setdefault((r["strategy"], r["seed"]), []).append(r)
    for (strategy, _), rows in by.items():
        spent = np.cumsum([r["cost"] for r in rows])
        assert spent[-2] < 200 <= spent[-1]
        budgets = {r["budget"] for r in rows}
        assert budgets <= {1.0, 3.0, 9.0, 27.0} and (strategy == "hyperband") == (budgets != {27.0})
    assert load(tmp_path).to_records() == res.to_records()  # budget and cost round-trip
    with pytest.raises(ValueError, match="max_cost"):
        run([EpochTask()], ["random"], budget=100, seeds=2, max_cost=100, out=tmp_path)


def test_files_without_budget_and_cost_columns_still_load(tmp_path):
    res = run([Quadratic()], ["random"], budget=3, seeds=1, out=tmp_path)
    path = next((tmp_path / "runs").iterdir())
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    with open(path, "w", newline="") as f:  # as an older version wrote it
        fields = [c for c in rows[0] if c not in ("budget", "cost")]
        writer = csv.DictWriter(f, fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    back = load(tmp_path).to_records()
    assert [r["cost"] for r in back] == [1.0] * 3 and [r["budget"] for r in back] == [None] * 3
    assert [r["value"] for r in back] == [r["value"] for r in res.to_records()]


def _rows(values, costs):
    return [{"value": v, "cost": c, "best": b, "budget": 1.0}
            for v, c, b in zip(values, costs, np.fmin.accumulate(values), strict=True)]


def test_cost_to_reach_is_the_cumulative_cost_of_the_first_hit():
    rows = _rows([5.0, math.nan, 2.0, 1.0], [1.0, 4.0, 2.0, 8.0])
    assert _report_cost.cost_to_reach(rows, 2.0) == 7.0
    assert _report_cost.cost_to_reach(rows, 5.0) == 1.0
    assert _report_cost.cost_to_reach(rows, 0.5) == math.inf


def test_the_report_compares_multi_fidelity_runs_against_cumulative_cost(tmp_path):
    res = run([EpochTask()], ["hyperband", "random"], budget=200, seeds=3, max_cost=300)
    path = tl.bench.report(res, tmp_path, n_boot=50)
    text = path.read_text()
    assert "## Against cumulative cost" in text and (tmp_path / "cost_epoch_task.png").is_file()
    # The target line: random search's median final best, and each strategy's median cost
    # to reach it, by brute force over the records.
    records = res.to_records()
    runs = {}
    for r in records:
        runs.setdefault(r["strategy"], {}).setdefault(r["seed"], []).append(r)
    target = float(np.median([rows[-1]["best"] for rows in runs["random"].values()]))
    assert f"{target:.4g}" in text
    for strategy, by_seed in runs.items():
        costs = []
        for rows in by_seed.values():
            spent, hit = 0.0, math.inf
            for r in rows:
                spent += r["cost"]
                if r["value"] <= target:
                    hit = spent
                    break
            costs.append(hit)
        med = float(np.median(costs))
        line = next(x for x in text.splitlines() if x.startswith(f"| {strategy} |")
                    and "/3 |" in x)
        assert (f"{med:.4g}" if math.isfinite(med) else "—") in line


def test_the_report_leaves_the_section_out_without_budgets(tmp_path):
    res = run([Quadratic()], ["random"], budget=3, seeds=2)
    assert "cumulative cost" not in tl.bench.report(res, tmp_path, n_boot=20).read_text()


def test_best_by_cost_curves_match_a_brute_force_reading():
    rows = _rows([3.0, 1.0, 2.0], [2.0, 5.0, 1.0])
    grid = np.array([1.0, 2.0, 6.9, 7.0, 8.0])
    got = stats.best_at_time([r["value"] for r in rows], [r["cost"] for r in rows], grid)
    brute = [min([r["value"] for r, s in zip(rows, np.cumsum([2.0, 5.0, 1.0]), strict=True)
                  if s <= k], default=math.nan) for k in grid]
    np.testing.assert_array_equal(got, brute)


def test_convergence_draws_on_a_given_axis():
    grid = np.array([10.0, 20.0, 30.0])
    fig = plot.convergence({"a": [[3.0, 2.0, 1.0], [3.0, 2.5, 2.0]]}, x=grid,
                           xlabel="epochs", n_boot=20)
    ax = fig.axes[0]
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), grid)
    assert ax.get_xlabel() == "epochs"
    with pytest.raises(ValueError, match="x must have one entry per curve point"):
        plot.convergence({"a": [[3.0, 2.0, 1.0]]}, x=[1.0, 2.0], n_boot=20)


def test_cli_passes_max_cost_and_checks_it(tmp_path, capsys):
    out = tmp_path / "b"
    assert main(["bench", "run", "--problems", "branin", "--strategies", "random",
                 "--budget", "9", "--seeds", "1", "--max-cost", "4", "--out", str(out),
                 "--no-report"]) == 0
    assert len(load(out).to_records()) == 4
    with pytest.raises(SystemExit):
        main(["bench", "run", "--max-cost", "0", "--out", str(out)])
    assert "--max-cost" in capsys.readouterr().err


def test_an_mlp_task_built_by_name_continues_a_promoted_configuration():
    pytest.importorskip("sklearn")
    from tunelab.bench import runner

    task = runner._build_problem("mlp_wine")
    assert task.continuation >= 81  # Hyperband(1, 81, 3)'s largest rung fits in its cache
    strategy = tl.search.Hyperband(task.space, 1, 9, 3, seed=0)
    rows, _ = drive(task, strategy, 13)  # the first bracket: 9 at 1 epoch, 3 at 3, 1 at 9
    assert [r["budget"] for r in rows] == [1.0] * 9 + [3.0] * 3 + [9.0]
    assert [r["cost"] for r in rows] == [1.0] * 9 + [2.0] * 3 + [6.0]  # only the extra epochs
