"""COCO's BBOB suite in the benchmark harness: 24 noiseless functions, run through ``cocoex``.

A BBOB *problem* is a function :math:`f_k` (``1..24``), a dimension :math:`d` (COCO's
``2, 3, 5, 10, 20, 40``) and an instance (a seeded shift, rotation and offset of the
function, with its own optimal value :math:`f_\\mathrm{opt}`). One *run* is one strategy on
one problem with ``budget_multiplier * d`` evaluations; COCO's instances play the part of
the seeds (each run is seed 0 of the runner, with the strategy seed that
:func:`~tunelab.bench.runner.strategy_seed` derives from the problem's and the strategy's
labels). The problem is evaluated by ``cocoex``'s own problem object on the box
:math:`[-5, 5]^d`, and the strategies run through the runner's cells
(:func:`~tunelab.bench.runner.execute_cell`): ours by name from :mod:`tunelab.search`, the
peers by name from :mod:`tunelab.bench.peers`, and the presets :data:`PRESETS`
(``"cmaes_ipop"``, ``"cmaes_bipop"``). A run ends at its budget or as soon as
:math:`f - f_\\mathrm{opt} \\le 10^{-8}` (COCO's final target; later evaluations change
nothing that COCO measures).

Records. Each run keeps its *trace*: the evaluations at which the best-so-far
:math:`f - f_\\mathrm{opt}` improved, with that value (the first evaluation always). The
best-so-far after every evaluation is the trace's last entry at or before it
(:func:`~tunelab.bench._bbob_store.best_so_far`). A results directory gets
``bbob/manifest.json`` (settings, versions, machine) and ``bbob/runs/<cell>.json``, one file
per run, written as the run finishes; a later call with the same directory skips the runs
whose files exist.

COCO output. With ``observe=True`` a ``cocoex.Observer("bbob", ...)`` watches every
evaluation and writes COCO's standard files (``.info``, ``.dat``, ``.tdat``) under
``DIR/coco/<strategy>/<problem>``: one folder per strategy, holding one result folder per
run. COCO's post-processing reads a strategy's folder recursively, and compares strategies
with each other and with the published algorithms of COCO's archive::

    pip install cocopp
    python -m cocopp -o DIR/ppdata DIR/coco/cmaes DIR/coco/cma_es   # DIR/ppdata/index.html

References
----------
.. [1] N. Hansen, A. Auger, R. Ros, O. Mersmann, T. Tusar and D. Brockhoff, "COCO: a
   platform for comparing continuous optimizers in a black-box setting", Optimization
   Methods and Software 36(1), 114-144, 2021.
.. [2] N. Hansen, S. Finck, R. Ros and A. Auger, "Real-parameter black-box optimization
   benchmarking 2009: noiseless functions definitions", INRIA RR-6829, 2009.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tunelab._validation import check_scalar
from tunelab.space import Real, Space

__all__ = [
    "DIMENSIONS", "FINAL_TARGET", "FUNCTIONS", "GROUPS", "PRESETS", "TARGETS", "BBOBProblem",
    "parse_indices", "run_bbob",
]

#: COCO's dimensions of the ``bbob`` suite.
DIMENSIONS = (2, 3, 5, 10, 20, 40)
#: The 24 noiseless functions.
FUNCTIONS = tuple(range(1, 25))
#: COCO's function groups.
GROUPS = {
    "separable": (1, 2, 3, 4, 5),
    "moderate": (6, 7, 8, 9),
    "ill-conditioned": (10, 11, 12, 13, 14),
    "multimodal": (15, 16, 17, 18, 19),
    "weakly structured": (20, 21, 22, 23, 24),
}
#: COCO's 51 targets of the runtime ECDFs, :math:`f - f_\mathrm{opt} = 10^{2 - k/5}`,
#: :math:`k = 0, \dots, 50`: from :math:`10^2` down to :math:`10^{-8}`.
TARGETS = 10.0 ** (2.0 - np.arange(51) / 5.0)
#: The last target; a run that reaches it ends.
FINAL_TARGET = 1e-8
#: Strategy labels that stand for a search strategy with options.
PRESETS = {"cmaes_ipop": ("cmaes", {"restarts": "ipop"}),
           "cmaes_bipop": ("cmaes", {"restarts": "bipop"})}
_HINT = "pip install 'tunelab[bbob]' (or pip install coco-experiment)"


def _cocoex() -> Any:
    try:
        import cocoex
    except ImportError as exc:
        raise ImportError(f"the BBOB suite needs COCO's cocoex module: {_HINT}") from exc
    return cocoex


# --- arguments ------------------------------------------------------------------------------


def parse_indices(text: str, name: str) -> list[int]:
    """``"1-5,7"`` -> ``[1, 2, 3, 4, 5, 7]``; ``ValueError`` naming ``name`` otherwise."""
    values: list[int] = []
    for part in str(text).split(","):
        match = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", part)
        if match is None or (match[2] is not None and int(match[2]) < int(match[1])):
            raise ValueError(f"{name} must be numbers and ranges such as '1-5,7'; got {text!r}")
        low = int(match[1])
        values.extend(range(low, int(match[2] or low) + 1))
    return values


def _check_list(values: Any, name: str, valid: Iterable[int] | None) -> list[int]:
    if isinstance(values, str):
        values = parse_indices(values, name)
    if isinstance(values, (int, np.integer)):
        values = [values]
    values = [int(check_scalar(v, name, kind=int, low=1)) for v in values]
    if not values:
        raise ValueError(f"{name} must hold at least one entry")
    if len(set(values)) != len(values):
        raise ValueError(f"{name} must be distinct; got {values}")
    if valid is not None:
        bad = [v for v in values if v not in tuple(valid)]
        if bad:
            raise ValueError(f"{name}: {bad} not among COCO's {tuple(valid)}")
    return values


def _check_strategies(strategies: Sequence[str]) -> list[tuple[str, tuple[str, Any]]]:
    from tunelab import search
    from tunelab.bench import peers
    from tunelab.bench.runner import _check_strategies as check

    given = [strategies] if isinstance(strategies, str) else list(strategies)
    valid = search.names() + peers.names() + sorted(PRESETS)
    unknown = [s for s in given if s not in valid]
    if unknown:
        raise ValueError(f"strategies: unknown {unknown}; valid names are {', '.join(valid)}")
    plain = [s for s in given if s not in PRESETS]
    specs = dict(check(plain)) if plain else {}
    return [(s, ("factory", functools.partial(_preset, *PRESETS[s])) if s in PRESETS
             else specs[s]) for s in given]


def _preset(name: str, options: dict[str, Any], space: Space, seed: int) -> Any:
    from tunelab.search import make_strategy

    return make_strategy(name, space, seed=seed, **options)


# --- one problem ----------------------------------------------------------------------------


class BBOBProblem:
    """One BBOB problem, evaluated by ``cocoex`` and optionally observed by COCO's logger.

    Parameters
    ----------
    function : int
        The function, ``1..24``.
    dimension : int
        One of :data:`DIMENSIONS`.
    instance : int
        The instance, >= 1.
    budget : int or None, default=None
        Evaluations after which the ``cocoex`` problem (and its observer's files) is closed.
    observe : (str, str) or None, default=None
        ``(folder, algorithm)``: write COCO's files for ``algorithm`` into ``folder``
        (replaced if it exists); ``None`` observes nothing.

    Attributes
    ----------
    name : str
        COCO's id, ``"bbob_f001_i01_d02"``.
    space : Space
        ``Real(-5, 5)`` dimensions ``"x0"``, ..., ``"x{d-1}"``.
    optimum : float
        The instance's :math:`f_\\mathrm{opt}` (``cocoex.BareProblem(...).best_value()``).
    solved : bool
        Whether an evaluation reached :math:`f - f_\\mathrm{opt} \\le` :data:`FINAL_TARGET`.

    Notes
    -----
    The ``cocoex`` problem (and its observer) is built at the first evaluation and closed
    when the problem is solved, after ``budget`` evaluations, or by :meth:`close`; a copy
    (the runner copies a problem for each cell) starts unbuilt.
    """

    def __init__(self, function: int, dimension: int, instance: int, *,
                 budget: int | None = None, observe: tuple[str, str] | None = None) -> None:
        self.function = _check_list([function], "function", FUNCTIONS)[0]
        self.dimension = _check_list([dimension], "dimension", DIMENSIONS)[0]
        self.instance = _check_list([instance], "instance", None)[0]
        self.budget, self.observe = budget, observe
        self.name = f"bbob_f{self.function:03d}_i{self.instance:02d}_d{self.dimension:02d}"
        self.space = Space({f"x{j}": Real(-5.0, 5.0) for j in range(self.dimension)})
        bare = _cocoex().BareProblem("bbob", self.function, self.dimension, self.instance)
        self.optimum = float(bare.best_value())
        self.evaluations, self.solved = 0, False
        self._problem = self._suite = self._observer = None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_problem"] = state["_suite"] = state["_observer"] = None
        return state

    def _open(self) -> None:
        cocoex = _cocoex()
        cocoex.log_level("warning")  # not a line per observed problem
        self._suite = cocoex.Suite("bbob", f"instances: {self.instance}",
                                   f"function_indices: {self.function} "
                                   f"dimensions: {self.dimension}")
        self._problem = self._suite[0]
        if self.observe is not None:
            folder, algorithm = Path(self.observe[0]).resolve(), self.observe[1]
            _check_no_spaces([str(folder), algorithm], "observe")
            if folder.exists():
                shutil.rmtree(folder)  # an interrupted run's files: cocoex would not reuse them
            folder.parent.mkdir(parents=True, exist_ok=True)
            self._observer = cocoex.Observer(
                "bbob", f"outer_folder: {folder.parent} result_folder: {folder.name} "
                        f"algorithm_name: {algorithm}")
            self._problem.observe_with(self._observer)

    def __call__(self, config: Mapping[str, Any]) -> float:
        if self._problem is None:
            if self.solved:
                raise RuntimeError(f"{self.name} is solved and closed")
            self._open()
        x = np.array([config[name] for name in self.space.names], dtype=float)
        value = float(self._problem(x))
        self.evaluations += 1
        self.solved = self.solved or value - self.optimum <= FINAL_TARGET
        if self.solved or (self.budget is not None and self.evaluations >= self.budget):
            self.close()
        return value

    def close(self) -> None:
        """Free the ``cocoex`` problem (which completes COCO's files) and drop its observer."""
        if self._problem is not None:
            self._problem.free()
        self._problem = self._suite = self._observer = None

    def __repr__(self) -> str:
        return f"BBOBProblem({self.function}, {self.dimension}, {self.instance})"


# --- runs ---------------------------------------------------------------------------------


def run_bbob(
    functions: Any = FUNCTIONS,
    dimensions: Any = (2, 5),
    instances: Any = (1, 2, 3),
    strategies: Sequence[str] = ("cmaes", "cma_es"),
    budget_multiplier: int = 2000,
    out: str | os.PathLike | None = None,
    observe: bool = True,
    n_jobs: int = 1,
    progress: bool | None = None,
) -> list[dict[str, Any]]:
    """Run each strategy on each BBOB problem; return one record per run.

    Parameters
    ----------
    functions, dimensions, instances : int, sequence of int or str
        BBOB functions (``1..24``), dimensions (among :data:`DIMENSIONS`) and instances
        (>= 1), as lists or as ``"1-24"``, ``"2,5"``.
    strategies : sequence of str
        Names of :func:`tunelab.search.names`, of installed peers, or of :data:`PRESETS`.
    budget_multiplier : int, default=2000
        Evaluations per run per dimension: a run has ``budget_multiplier * d``.
    out : path or None, default=None
        Results directory (see the module's docstring); needed for ``observe``.
    observe : bool, default=True
        Write COCO's files under ``out/coco`` (ignored without ``out``).
    n_jobs : int, default=1
        Worker processes, as in :func:`tunelab.bench.run`.
    progress : bool or None, default=None
        A progress bar over runs; ``None``: when stderr is a terminal.

    Returns
    -------
    list of dict
        ``problem``, ``seed`` (0), ``function``, ``dimension``, ``instance``, ``strategy``,
        ``budget``, ``evaluations``, ``status`` (``"complete"`` or ``"solved"``),
        ``seconds``, ``strategy_seconds``, ``strategy_seed``, ``warnings``,
        ``trace_evaluations``, ``trace_deltas``; in the order dimension, function, instance,
        strategy.
    """
    from tunelab.bench import _schedule, runner
    from tunelab.bench._bbob_store import SUBDIR, Store, record

    functions = _check_list(functions, "functions", FUNCTIONS)
    dimensions = _check_list(dimensions, "dimensions", DIMENSIONS)
    instances = _check_list(instances, "instances", None)
    multiplier = int(check_scalar(budget_multiplier, "budget_multiplier", kind=int, low=1))
    specs = _check_strategies(strategies)
    n_jobs = runner._check_n_jobs(n_jobs)
    _cocoex()
    root = Path(out) if out is not None else None
    if observe and root is not None:
        _check_no_spaces([str(root.resolve()), *(s for s, _ in specs)], "out")
    settings = {"suite": "bbob", "functions": functions, "dimensions": dimensions,
                "instances": instances, "strategies": [s for s, _ in specs],
                "budget_multiplier": multiplier, "n_jobs": n_jobs}
    store = Store(root / SUBDIR, settings) if root is not None else None
    cells, done = [], {}
    for d in dimensions:
        for f in functions:
            for i in instances:
                for label, spec in specs:
                    watch = ((str(root / "coco" / label / f"bbob_f{f:03d}_i{i:02d}_d{d:02d}"),
                              label) if observe and root is not None else None)
                    problem = BBOBProblem(f, d, i, budget=multiplier * d, observe=watch)
                    cell = runner._Cell(problem.name, label, 0, problem, spec, multiplier * d, 1)
                    found = store.read(cell) if store else None
                    if found is not None:
                        done[cell.key] = found
                    cells.append(cell)
    todo = [c for c in cells if c.key not in done]
    if n_jobs > 1 and len(todo) > 1:
        _schedule.check_picklable(todo)
    with _schedule.progress_bar(len(cells), len(done), progress) as bar:
        for cell, rows, meta in _schedule.execute_all(
                todo, n_jobs, runner.execute_cell, _pool, {}):
            done[cell.key] = record(cell, rows, meta)
            if store:
                store.save(cell, done[cell.key])
            bar.update(1)
    _schedule.relay_warnings([done[c.key] for c in todo])
    return [done[c.key] for c in cells]


def _check_no_spaces(pieces: Iterable[str], name: str) -> None:
    """COCO's option strings split at white space: its folders and names can hold none."""
    spaced = [p for p in pieces if re.search(r"\s", p)]
    if spaced:
        raise ValueError(f"{name}: COCO's output folders and names take no spaces; got {spaced}")


def _pool(n: int) -> Any:
    from tunelab.study.executors import process_pool

    return process_pool(n)
