"""The benchmark harness: problems and tuning tasks, a runner, statistics and a report.

``problems`` is the registry of test functions with known optima (``problems.names()``,
``problems.get(name, **options)``) and ``functions`` holds the functions themselves, as pure
vectorized NumPy functions; ``tasks`` holds tuning problems on real data (``tasks.names()``,
``tasks.get``). ``run(problems, strategies, budget, seeds)`` runs every strategy, ours or a
peer's (``peers``), on every problem with every seed and returns tidy :class:`Results`
(``load(dir)`` reads saved ones back); ``stats`` compares strategies and ``report(results,
out)`` writes tables and plots. ``run_bbob`` runs strategies on COCO's BBOB suite (optional
extra ``bbob``), ``report_bbob(dir)`` draws its runtime ECDFs, ``load_bbob(dir)`` reads it.
"""

from tunelab._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    submodules=["functions", "peers", "problems", "stats", "tasks"],
    names={
        "run": "runner",
        "load": "_results",
        "Results": "_results",
        "report": "_report",
        "run_bbob": "_bbob",
        "report_bbob": "_bbob_report",
        "load_bbob": "_bbob_store",
    },
)
