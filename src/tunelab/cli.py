"""The ``tunelab`` command (also ``python -m tunelab``).

- ``tunelab demo``: fit every model on synthetic data and tune one.
- ``tunelab bench list``: the problems, tuning tasks, strategies and peers (with availability).
- ``tunelab bench run --problems P... --strategies S... --budget N --seeds K --out DIR
  [--n-jobs J] [--max-cost C]``: run the benchmark (seeds ``0..K-1``), resuming ``DIR`` if it
  holds a run, then write the report into ``DIR``; ``--max-cost`` ends each run at a
  cumulative cost (epochs on a multi-fidelity task, where ``hyperband`` and
  ``successive_halving`` choose the budgets). What is not given is the quick suite's:
  :data:`QUICK_PROBLEMS`, :data:`QUICK_STRATEGIES` (those registered), :data:`QUICK_BUDGET`
  evaluations and :data:`QUICK_SEEDS` seeds. Every argument is checked (names, installed
  peers, counts) before anything runs.
- ``tunelab bench run --suite bbob [--functions 1-24] [--dimensions 2,5] [--instances 1-3]
  [--budget-multiplier 2000] --strategies S... --out DIR``: COCO's BBOB suite through
  ``cocoex`` (``pip install 'tunelab[bbob]'``), with COCO's own output under ``DIR/coco``
  (:func:`tunelab.bench.run_bbob`), then its report.
- ``tunelab bench report DIR [--out OUT]``: write ``report.md`` and its figures, and
  ``bbob_report.md`` with the runtime ECDFs where ``DIR`` holds BBOB runs.
- ``tunelab papers list``: the published results reproduced under ``papers/``, with verdicts.
- ``tunelab papers run NAME [--quick]``: run one reproduction (``--quick``: the reduced
  version the test suite checks against its README).

Errors in the arguments (an unknown name, a peer that is not installed, a directory without
results) print one line on stderr and exit with status 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

QUICK_PROBLEMS = ("branin", "six_hump_camel", "hartmann3", "shekel5", "hartmann6")
QUICK_STRATEGIES = ("random", "sobol", "genetic", "cmaes", "bayes")
QUICK_BUDGET = 50
QUICK_SEEDS = 10


class UsageError(Exception):
    """A bad argument of the command line: reported in one line, exit status 2."""


def _demo(args: argparse.Namespace) -> int:
    from tunelab.demo import format_table, run_demo

    print(format_table(run_demo(seed=args.seed)))
    return 0


def _bench_list(args: argparse.Namespace) -> int:
    from tunelab import search
    from tunelab.bench import peers, problems, tasks

    print("problems (test functions, known optimum):")
    for name in problems.names():
        p = problems.get(name)
        print(f"  {name:<22} dim {p.dim:<3} optimum {p.optimum:.6g}")
    print("tasks (cross-validated models on scikit-learn's bundled data, optimum unknown):")
    for name in tasks.names():
        try:
            detail = ", ".join(tasks.get(name).space.names)
        except ImportError as exc:
            detail = f"unavailable: {exc}"
        print(f"  {name:<22} {detail}")
    print("strategies:")
    print("  " + ", ".join(search.names()))
    print("peers:")
    for row in peers.table():
        state = "available" if row["available"] else f"not installed: {row['install']}"
        print(f"  {row['name']:<22} {state}")
    return 0


def _check_names(given: Sequence[str], valid: Sequence[str], what: str) -> list[str]:
    unknown = [g for g in given if g not in valid]
    if unknown:
        raise UsageError(
            f"unknown {what} {', '.join(map(repr, unknown))}; valid names: {', '.join(valid)}"
        )
    return list(given)


def _suite(args: argparse.Namespace) -> tuple[list[str], list[str], int, int, int]:
    """Problems, strategies, budget, seeds and workers: given, or the quick suite's."""
    from tunelab import search
    from tunelab.bench import peers, problems, tasks

    quick = not args.problems and not args.strategies
    chosen_p = _check_names(args.problems or QUICK_PROBLEMS, problems.names() + tasks.names(),
                            "problem(s)")
    chosen_s = (_check_names(args.strategies, search.names() + peers.names(), "strategy(ies)")
                if args.strategies else [s for s in QUICK_STRATEGIES if s in search.names()])
    missing = [s for s in chosen_s if s in peers.names() and not peers.available(s)]
    if missing:
        raise UsageError(f"peer(s) {', '.join(map(repr, missing))} not installed: "
                         + "; ".join(peers.install_hint(s) for s in missing))
    budget = args.budget if args.budget is not None else QUICK_BUDGET
    seeds = args.seeds if args.seeds is not None else QUICK_SEEDS
    n_jobs = args.n_jobs if args.n_jobs is not None else ((os.cpu_count() or 1) if quick else 1)
    return chosen_p, chosen_s, budget, seeds, n_jobs


def _bench_run_bbob(args: argparse.Namespace) -> int:
    from tunelab import bench

    if args.problems or args.budget is not None or args.seeds is not None:
        raise UsageError("--suite bbob takes --functions, --dimensions, --instances and "
                         "--budget-multiplier, not --problems, --budget or --seeds")
    strategies = args.strategies or ["cmaes", "cma_es"]
    print(f"BBOB: functions {args.functions}, dimensions {args.dimensions}, instances "
          f"{args.instances}, budget {args.budget_multiplier} * d, strategies "
          f"{' '.join(strategies)}, into {args.out}", flush=True)
    records = bench.run_bbob(args.functions, args.dimensions, args.instances, strategies,
                        args.budget_multiplier, out=args.out, observe=args.coco,
                        n_jobs=args.n_jobs or 1)
    print(f"{len(records)} runs, {sum(r['evaluations'] for r in records)} evaluations in "
          f"{args.out}")
    if args.report:
        print(f"report: {bench.report_bbob(args.out)}")
    return 0


def _bench_run(args: argparse.Namespace) -> int:
    from tunelab import bench

    if args.suite == "bbob":
        return _bench_run_bbob(args)
    chosen_p, chosen_s, budget, seeds, n_jobs = _suite(args)
    print(f"running {len(chosen_s)} strategies x {len(chosen_p)} problems x {seeds} seeds, "
          f"budget {budget}, {n_jobs} worker(s), into {args.out}", flush=True)
    results = bench.run(chosen_p, chosen_s, budget=budget, seeds=seeds, n_jobs=n_jobs,
                        out=args.out, blas_threads=args.blas_threads, max_cost=args.max_cost)
    print(f"{len(results.cells)} runs, {len(results)} evaluations in {args.out}")
    if args.report:
        print(f"report: {bench.report(results, args.out)}")
    return 0


def _bench_report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from tunelab import bench

    bbob = (Path(args.directory) / "bbob" / "manifest.json").is_file()
    if bbob:
        print(f"report: {bench.report_bbob(args.directory, args.out or args.directory)}")
    if not bbob or (Path(args.directory) / "manifest.json").is_file():
        print(f"report: {bench.report(args.directory, args.out or args.directory)}")
    return 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1; got {text}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0; got {text}")
    return value


def _workers(text: str) -> int:
    value = int(text)
    if value < 1 and value != -1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, or -1 for all CPUs; got {text}")
    return value


def _add_bench(commands: Any) -> None:
    bench = commands.add_parser("bench", help="benchmark search strategies")
    sub = bench.add_subparsers(dest="bench_command", metavar="BENCH_COMMAND", required=True)
    sub.add_parser("list", help="list problems, tasks, strategies and peers").set_defaults(
        run=_bench_list)
    run = sub.add_parser("run", help="run strategies x problems x seeds, then report")
    run.add_argument("--problems", nargs="+", metavar="P", help="problem or task names")
    run.add_argument("--strategies", nargs="+", metavar="S", help="strategy or peer names")
    run.add_argument("--budget", type=_positive, help=f"evaluations per run ({QUICK_BUDGET})")
    run.add_argument("--seeds", type=_positive, metavar="K",
                     help=f"run seeds 0..K-1 ({QUICK_SEEDS})")
    run.add_argument("--out", default="bench_results", metavar="DIR",
                     help="results directory, resumed if it exists (bench_results)")
    run.add_argument("--n-jobs", type=_workers, metavar="J",
                     help="worker processes, -1 for all CPUs (1; the quick suite: all CPUs)")
    run.add_argument("--blas-threads", type=_positive, default=1,
                     help="BLAS threads per run (1)")
    run.add_argument("--max-cost", type=_positive_float, metavar="C",
                     help="end each run at this cumulative cost: epochs on a multi-fidelity "
                          "task, evaluations otherwise (no limit)")
    run.add_argument("--no-report", dest="report", action="store_false",
                     help="do not write the report")
    run.add_argument("--suite", choices=["quick", "bbob"], default="quick",
                     help="quick: the problems above; bbob: COCO's BBOB suite (quick)")
    run.add_argument("--functions", default="1-24", metavar="F",
                     help="bbob: functions, such as 1-24 or 1,8,15 (1-24)")
    run.add_argument("--dimensions", default="2,5", metavar="D",
                     help="bbob: dimensions among 2,3,5,10,20,40 (2,5)")
    run.add_argument("--instances", default="1-3", metavar="I", help="bbob: instances (1-3)")
    run.add_argument("--budget-multiplier", type=_positive, default=2000, metavar="M",
                     help="bbob: evaluations per run per dimension (2000)")
    run.add_argument("--no-coco", dest="coco", action="store_false",
                     help="bbob: do not write COCO's files under DIR/coco")
    run.set_defaults(run=_bench_run)
    report = sub.add_parser("report", help="write report.md and figures from saved results")
    report.add_argument("directory", metavar="DIR", help="a results directory")
    report.add_argument("--out", metavar="OUT", help="output directory (DIR)")
    report.set_defaults(run=_bench_report)


def _papers_list(args: argparse.Namespace) -> int:
    from tunelab import _papers

    for paper in _papers.papers():
        print(f"{paper.name:<36} {paper.title}")
        print(f"{'':<36} verdict: {paper.verdict or '-'}")
    return 0


def _papers_run(args: argparse.Namespace) -> int:
    from tunelab import _papers

    paper = _papers.get(args.name)
    _papers.run(paper, ["--quick"] if args.quick else [])
    return 0


def _add_papers(commands: Any) -> None:
    papers = commands.add_parser("papers", help="published results reproduced under papers/")
    sub = papers.add_subparsers(dest="papers_command", metavar="PAPERS_COMMAND", required=True)
    sub.add_parser("list", help="the reproductions and their verdicts").set_defaults(
        run=_papers_list)
    run = sub.add_parser("run", help="run one reproduction")
    run.add_argument("name", help="its folder name (tunelab papers list)")
    run.add_argument("--quick", action="store_true", help="the reduced version CI runs")
    run.set_defaults(run=_papers_run)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tunelab", description="Parameter estimation and hyperparameter optimization."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = commands.add_parser("demo", help="fit every model on synthetic data and tune one")
    demo.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    demo.set_defaults(run=_demo)
    _add_bench(commands)
    _add_papers(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the chosen command; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return args.run(args)
    except (UsageError, ImportError, FileNotFoundError, ValueError) as exc:
        message = " ".join(str(exc).split())  # one line
        print(f"{parser.prog}: error: {message}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away (``tunelab bench list | head``): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
