"""The ``tunelab`` command: demo, bench list / run / report, and its errors."""

import subprocess
import sys

import pytest

from tunelab import cli, search
from tunelab.bench import load, peers, problems, tasks


def test_no_command_prints_help(capsys):
    assert cli.main([]) == 0
    assert "bench" in capsys.readouterr().out


def test_demo_passes_its_seed(monkeypatch, capsys):
    import tunelab.demo

    seen = []
    monkeypatch.setattr(tunelab.demo, "run_demo", lambda seed: seen.append(seed) or ["row"])
    monkeypatch.setattr(tunelab.demo, "format_table", lambda rows: f"table of {rows}")
    assert cli.main(["demo", "--seed", "3"]) == 0
    assert seen == [3] and capsys.readouterr().out.strip() == "table of ['row']"


@pytest.mark.slow
def test_demo_runs(capsys):
    assert cli.main(["demo"]) == 0
    assert "random search" in capsys.readouterr().out


def test_bench_list_names_everything(capsys):
    assert cli.main(["bench", "list"]) == 0
    out = capsys.readouterr().out
    for name in problems.names() + tasks.names() + search.names() + peers.names():
        assert name in out
    for row in peers.table():
        line = next(x for x in out.splitlines() if x.strip().startswith(row["name"] + " "))
        assert ("available" in line) if row["available"] else ("pip install" in line)


def test_run_then_report_round_trip(tmp_path, capsys):
    out = tmp_path / "res"
    code = cli.main(["bench", "run", "--problems", "branin", "hartmann3", "--strategies",
                     "random", "sobol", "--budget", "3", "--seeds", "2", "--out", str(out),
                     "--no-report"])
    assert code == 0
    results = load(out)
    assert len(results) == 2 * 2 * 2 * 3 and results.seeds == [0, 1]
    assert not (out / "report.md").exists()
    assert cli.main(["bench", "report", str(out), "--out", str(tmp_path / "rep")]) == 0
    text = (tmp_path / "rep" / "report.md").read_text()
    assert "random" in text and "sobol" in text
    assert (tmp_path / "rep" / "critical_difference.png").is_file()
    assert "report.md" in capsys.readouterr().out


def test_run_writes_the_report_by_default_and_resumes(tmp_path):
    args = ["bench", "run", "--problems", "branin", "--strategies", "random", "lhs",
            "--budget", "2", "--seeds", "2", "--out", str(tmp_path)]
    assert cli.main(args) == 0
    assert (tmp_path / "report.md").is_file()
    before = (tmp_path / "runs" / "branin--random--0.csv").stat().st_mtime_ns
    assert cli.main(args) == 0  # resumed: the cell is not written again
    assert (tmp_path / "runs" / "branin--random--0.csv").stat().st_mtime_ns == before


def test_quick_suite_runs_the_registered_strategies(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli, "QUICK_PROBLEMS", ("branin",))
    monkeypatch.setattr(cli, "QUICK_STRATEGIES", ("random", "sobol", "not_registered"))
    monkeypatch.setattr(cli, "QUICK_BUDGET", 2)
    monkeypatch.setattr(cli, "QUICK_SEEDS", 2)
    assert cli.main(["bench", "run", "--out", str(tmp_path), "--n-jobs", "1"]) == 0
    assert load(tmp_path).strategies == ["random", "sobol"]
    assert (tmp_path / "report.md").is_file()


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["bench", "run", "--problems", "nope", "--strategies", "random"],
         "unknown problem(s) 'nope'; valid names: ackley"),
        (["bench", "run", "--problems", "branin", "--strategies", "nope", "random"],
         "unknown strategy(ies) 'nope'; valid names: "),
        (["bench", "report", "does/not/exist"], "holds no manifest.json"),
    ],
)
def test_errors_are_one_line_with_exit_status_2(argv, match, capsys, tmp_path):
    assert cli.main([*argv, *(["--out", str(tmp_path)] if argv[1] == "run" else [])]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    assert captured.err.startswith("tunelab: error: ") and match in captured.err


def test_unavailable_peer_exits_2_with_the_pip_command(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(peers, "available", lambda name: False)
    code = cli.main(["bench", "run", "--problems", "branin", "--strategies", "random", "cma_es",
                     "--budget", "1", "--seeds", "1", "--out", str(tmp_path)])
    assert code == 2
    captured = capsys.readouterr()
    assert "'cma_es' not installed" in captured.err and "pip install cma" in captured.err
    assert "running" not in captured.out  # refused before anything starts
    assert not (tmp_path / "runs").exists()


def test_problems_alone_run_the_quick_strategies(tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "QUICK_STRATEGIES", ("random", "sobol"))
    args = ["bench", "run", "--problems", "branin", "--budget", "2", "--seeds", "1",
            "--out", str(tmp_path)]
    assert cli.main(args) == 0
    results = load(tmp_path)
    assert results.strategies == ["random", "sobol"] and results.problems == ["branin"]


@pytest.mark.parametrize("value", ["0", "-2"])
def test_bad_worker_count_is_refused_before_running(value, capsys, tmp_path):
    with pytest.raises(SystemExit) as info:
        cli.main(["bench", "run", "--n-jobs", value, "--out", str(tmp_path)])
    assert info.value.code == 2
    captured = capsys.readouterr()
    assert "--n-jobs: must be an integer >= 1, or -1 for all CPUs" in captured.err
    assert "running" not in captured.out


def test_python_dash_m_tunelab(tmp_path):
    out = tmp_path / "res"
    run = subprocess.run(
        [sys.executable, "-m", "tunelab", "bench", "run", "--problems", "six_hump_camel",
         "--strategies", "random", "--budget", "2", "--seeds", "1", "--out", str(out)],
        capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert (out / "report.md").is_file() and (out / "manifest.json").is_file()
    bad = subprocess.run([sys.executable, "-m", "tunelab", "bench", "run", "--problems",
                          "nope", "--strategies", "random", "--out", str(out)],
                         capture_output=True, text=True)
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
    assert "unknown problem(s) 'nope'" in bad.stderr



class _ClosedPipe:
    """A stdout whose reader has gone (``tunelab bench list | head -1``)."""

    def __init__(self, fd):
        self.fd = fd

    def write(self, text):
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self):
        pass

    def fileno(self):
        return self.fd


def test_a_closed_pipe_ends_the_listing_quietly(tmp_path, monkeypatch):
    with open(tmp_path / "out", "w") as sink:
        monkeypatch.setattr(sys, "stdout", _ClosedPipe(sink.fileno()))
        assert cli.main(["bench", "list"]) == 0


@pytest.mark.parametrize(
    ("option", "value"),
    [("--budget", "0"), ("--seeds", "0"), ("--seeds", "-1"), ("--blas-threads", "0"),
     ("--budget", "two")],
)
def test_bad_counts_are_refused_before_running(option, value, capsys, tmp_path):
    with pytest.raises(SystemExit) as info:
        cli.main(["bench", "run", "--problems", "branin", option, value, "--out", str(tmp_path)])
    assert info.value.code == 2
    captured = capsys.readouterr()
    assert f"argument {option}" in captured.err and "running" not in captured.out
    if value != "two":
        assert f"must be an integer >= 1; got {value}" in captured.err
    assert not (tmp_path / "manifest.json").exists()
