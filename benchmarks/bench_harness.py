"""Timings of the benchmark harness: the runner's own overhead, files, the report, peers.

Run with ``pytest benchmarks/bench_harness.py --benchmark-enable`` (benchmarks are disabled
by default in the test configuration). The runner's overhead is what it adds around ask, the
objective and tell (timing, records); the peer timings put one ``ask`` + ``tell`` of our
random search next to the same through Optuna's and hyperopt's adapters.
"""

import math

import pytest

from tunelab import bench
from tunelab.bench import peers, problems
from tunelab.bench.runner import drive, strategy_seed
from tunelab.search import make_strategy

BUDGET = 500


class _Zero:
    """A free objective, so that a run times the runner and the strategy alone."""

    name, optimum = "zero", 0.0

    def __init__(self, space):
        self.space = space

    def __call__(self, config):
        return 0.0


def test_drive_overhead_500_evaluations(benchmark):
    space = problems.get("branin").space
    rows, status = benchmark(
        lambda: drive(_Zero(space), make_strategy("random", space, seed=0), BUDGET))
    assert status == "complete" and len(rows) == BUDGET


def test_run_one_cell_in_process(benchmark):
    results = benchmark.pedantic(bench.run, args=(["branin"], ["random"]),
                                 kwargs={"budget": BUDGET, "seeds": 1}, rounds=5)
    assert len(results) == BUDGET


def test_strategy_seed(benchmark):
    assert benchmark(strategy_seed, 3, "hartmann6", "bayes") >= 0


@pytest.fixture(scope="module")
def big_results():
    return bench.run(["branin", "hartmann6"], ["random", "sobol"], budget=250, seeds=10)


def test_save_10k_records(benchmark, big_results, tmp_path):
    benchmark.pedantic(big_results.save, args=(tmp_path,), rounds=3)
    assert len(big_results) == 10_000


def test_load_10k_records(benchmark, big_results, tmp_path):
    big_results.save(tmp_path)
    assert len(benchmark.pedantic(bench.load, args=(tmp_path,), rounds=3)) == 10_000


def test_report_of_10k_records(benchmark, big_results, tmp_path):
    path = benchmark.pedantic(bench.report, args=(big_results, tmp_path),
                              kwargs={"n_boot": 200}, rounds=1)
    assert path.is_file()


@pytest.mark.parametrize("name", ["random", "optuna_random", "optuna_tpe", "hyperopt_tpe"])
def test_ask_tell_100_times(benchmark, name):
    space = problems.get("hartmann6").space
    if name in peers.names() and not peers.available(name):
        pytest.skip(f"{name}: {peers.install_hint(name)}")

    def hundred():
        strategy = (make_strategy(name, space, seed=0) if name == "random"
                    else peers.make(name, space, seed=0))
        for _ in range(100):
            config = strategy.ask()
            strategy.tell(config, math.fsum(config.values()))

    benchmark.pedantic(hundred, rounds=3)
