"""Multi-fidelity on the four MLP tuning tasks at 81 epochs, through the benchmark harness.

Each task of :mod:`tunelab.bench.tasks` (``mlp_digits``, ``mlp_breast_cancer``, ``mlp_wine``,
``mlp_diabetes``: one hidden layer, Adam; ``alpha``, ``learning_rate``, ``hidden``,
``activation``; 3-fold CV; the classifiers scored by their log loss, which ranks
configurations more finely than the accuracy on a few hundred samples, the regressor by its
MSE) is built with ``max_epochs=81`` and
``continuation=tunelab.bench.runner.CONTINUATION``, so a configuration promoted to a larger
budget continues training from its lower one with ``partial_fit`` and costs only the extra
epochs (the harness records that as the evaluation's ``cost``). The strategies:

* ``random``: random search, every configuration trained 81 epochs;
* ``hyperband``: ``Hyperband(min_budget=1, max_budget=81, eta=3)``, random draws (Li et al.
  2018);
* ``hyperband_bayes``: the same with ``sampler="bayes"``: new configurations from our
  Bayesian optimization on the largest budget with enough observations (BOHB's rule, Falkner
  et al. 2018, with a GP in place of its KDE);
* ``bayes``: our Bayesian optimization, every configuration trained 81 epochs.

Every run ends at ``--max-cost`` epochs (default 4,860: 60 full trainings). The report
(``report.md`` in ``--out``) has the section "Against cumulative cost": for each task, the
epochs each strategy needs (median over the seeds) to reach random search's median final best,
the issue's measure. The directory is resumed: finished cells are read back, so a long run can
be stopped and continued.

Run: ``OMP_NUM_THREADS=1 python benchmarks/multifidelity_tasks.py [--tasks ...] [--seeds 20]
[--max-cost 4860] --out DIR``.
"""

from __future__ import annotations

import argparse

import tunelab as tl
from tunelab.bench import runner, tasks

TASKS = ["mlp_digits", "mlp_breast_cancer", "mlp_wine", "mlp_diabetes"]
MAX_EPOCHS = 81


def hyperband_bayes(space, seed):
    """Model-based Hyperband (top level, so that worker processes can build it)."""
    return tl.search.Hyperband(space, 1, MAX_EPOCHS, 3, sampler="bayes", seed=seed)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=TASKS, choices=TASKS)
    parser.add_argument("--strategies", nargs="+",
                        default=["random", "hyperband", "hyperband_bayes", "bayes"])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--max-cost", type=float, default=60 * MAX_EPOCHS)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    problems = [(name, tasks.get(name, max_epochs=MAX_EPOCHS, continuation=runner.CONTINUATION,
                                 metric="mse" if name == "mlp_diabetes" else "log_loss"))
                for name in args.tasks]
    strategies = [("hyperband_bayes", hyperband_bayes) if s == "hyperband_bayes" else s
                  for s in args.strategies]
    # budget counts evaluations: large enough that max_cost ends every run
    results = tl.bench.run(problems, strategies, budget=100_000, seeds=args.seeds,
                           n_jobs=args.n_jobs, out=args.out, max_cost=args.max_cost)
    tl.bench.report(results, args.out)
    print(f"report: {args.out}/report.md")


if __name__ == "__main__":
    main()
