"""The benchmark runner: every strategy on every problem with every seed, by ask/tell.

A *cell* is one run: one strategy, one problem, one run seed, ``budget`` evaluations. The
runner drives the strategy's ``ask``/``tell`` itself, so that it times the strategy (``ask``
plus ``tell``) apart from the objective, and records every evaluation (see
:mod:`tunelab.bench._results` for the columns) with its budget and cost
(:mod:`tunelab.bench._drive`): on a multi-fidelity task a budgeted strategy chooses each
evaluation's epochs, and ``max_cost`` ends a run at a cumulative cost in epochs, so that
strategies compare at equal budget spent.

Seeds. The strategy of cell ``(seed, problem, strategy)`` is fresh and gets the seed
:func:`strategy_seed`: ``numpy.random.SeedSequence`` of the entropy
``[seed, h(problem), h(strategy)]``, :math:`h` the first 8 bytes of the label's SHA-256, read
as a little-endian integer, and the sequence's first 64-bit word shifted right by one bit (63
bits). A cell's result thus depends on its three labels only: not on the order of the grid, on
the other cells or on the number of workers. The problem of a cell is built afresh from its
name, or copied from the object given, so a noisy problem starts every cell from the same
noise state.

Parallelism. ``n_jobs > 1`` runs cells in a process pool (forkserver, else spawn); each cell
pins the threads of the BLAS libraries to ``blas_threads`` with :mod:`threadpoolctl`, so
that ``n_jobs`` workers do not oversubscribe the cores, and records the number it ran with.
Each strategy of :mod:`tunelab.search` first gets a short warm-up run that compiles its Numba
kernels once (:mod:`tunelab.bench._schedule`); its seconds are kept apart, in the manifest's
``warm_up_seconds``, not in any cell's timings. A cell's warnings are kept in its metadata
(``warnings``) and warned once per strategy and kind when the run ends, with their count.

Files. With ``out``, the manifest is written first, then each cell's CSV file atomically as
the cell finishes; a later call with the same ``out`` skips the cells whose files exist (the
budget must be the same), so an interrupted benchmark resumes where it stopped.

References
----------
.. [1] T. Bartz-Beielstein et al., "Benchmarking in optimization: best practice and open
   issues", arXiv:2007.03488, 2020 (Sec. 4 and 7: independent seeded runs, every evaluation
   recorded, the setup and the machine reported with the results).
.. [2] N. Hansen et al., "COCO: a platform for comparing continuous optimizers in a
   black-box setting", Optimization Methods and Software 36(1), 114-144, 2021.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tunelab._validation import check_scalar
from tunelab.bench import _results, _schedule
from tunelab.bench._drive import budgeted_options, drive, is_budgeted_name
from tunelab.bench._results import Results
from tunelab.space import Space

__all__ = ["drive", "execute_cell", "run", "strategy_seed"]

#: Networks an MLP task built by name keeps for continuing training: more than the largest
#: rung of ``Hyperband(1, 81, 3)`` (81 configurations), so no promotion trains afresh.
CONTINUATION = 128


def strategy_seed(seed: int, problem: str, strategy: str) -> int:
    """The seed of the strategy of cell ``(seed, problem, strategy)``: a 63-bit integer.

    ``SeedSequence([seed, h(problem), h(strategy)])``'s first 64-bit word, shifted right by
    one bit, with :math:`h` the first 8 bytes of the SHA-256 of the UTF-8 label.

    References
    ----------
    .. [1] M. E. O'Neill, "PCG: a family of simple fast space-efficient statistically good
       algorithms for random number generation", HMC-CS-2014-0905, 2014 (the seed-sequence
       hashing of entropy that ``numpy.random.SeedSequence`` implements).
    """
    entropy = [int(seed), _label_hash(problem), _label_hash(strategy)]
    word = np.random.SeedSequence(entropy).generate_state(1, dtype=np.uint64)[0]
    return int(word >> np.uint64(1))


def _label_hash(label: str) -> int:
    return int.from_bytes(hashlib.sha256(label.encode("utf-8")).digest()[:8], "little")


@dataclass(frozen=True)
class _Cell:
    """One run, as sent to a worker: labels, how to build its parts, and the budget."""

    problem: str
    strategy: str
    seed: int
    problem_spec: Any  # a registry name, or a problem object (copied)
    strategy_spec: tuple[str, Any]  # ("search" | "peer", name) or ("factory", callable)
    budget: int
    blas_threads: int | None
    max_cost: float | None = None

    @property
    def key(self) -> tuple[str, str, int]:
        return self.problem, self.strategy, self.seed

    @property
    def filename(self) -> str:
        return _results.cell_filename(*self.key)


def run(
    problems: Sequence[Any],
    strategies: Sequence[Any],
    budget: int = 50,
    seeds: int | Sequence[int] = 5,
    n_jobs: int = 1,
    out: str | os.PathLike | None = None,
    progress: bool | None = None,
    blas_threads: int | None = 1,
    max_cost: float | None = None,
) -> Results:
    """Run every strategy on every problem with every seed; return the tidy results.

    Parameters
    ----------
    problems : sequence of str, problem or (str, problem)
        Names of :func:`tunelab.bench.problems.names` or :func:`tunelab.bench.tasks.names`,
        or objects with ``name`` (str), ``space`` (Space), ``optimum`` (float or None) and
        ``__call__(config) -> float`` (a :class:`~tunelab.bench.problems.Problem`), labelled
        by their ``name`` or by the label of a pair ``(label, problem)``
        (``("rastrigin_5d", problems.get("rastrigin", dim=5))``).
    strategies : sequence of str or (str, callable)
        Names of :func:`tunelab.search.names` or of available peers
        (:func:`tunelab.bench.peers.names`), or pairs ``(label, factory)`` with
        ``factory(space, seed)`` returning an object with ``ask()`` and ``tell(config,
        value)``. With ``n_jobs > 1`` a factory must be picklable (defined at the top level of
        a module).
    budget : int, default=50
        Evaluations per run, >= 1. A strategy that raises ``SearchExhausted`` stops earlier.
        An objective marks a failed evaluation by returning ``nan`` (recorded, told to the
        strategy, skipped by ``best``); an exception it raises stops the benchmark (with
        ``out``, the finished cells are kept).
    seeds : int or sequence of int, default=5
        ``K`` means the run seeds ``0, ..., K-1``; or the distinct non-negative seeds.
    n_jobs : int, default=1
        Worker processes, >= 1, or -1 for one per CPU; 1 runs in this process.
    out : path or None, default=None
        A directory for ``manifest.json`` and one CSV file per cell; an existing one is
        resumed (finished cells are read back, not run again).
    progress : bool or None, default=None
        Show a progress bar (tqdm) over cells; ``None`` shows one when stderr is a terminal.
    blas_threads : int or None, default=1
        Threads of the BLAS libraries in each run, >= 1; ``None`` leaves them alone.
    max_cost : float or None, default=None
        Stop each run once its cumulative cost reaches ``max_cost`` (> 0), in the problem's
        budget units (epochs for a multi-fidelity task, evaluations otherwise): the axis on
        which budgeted strategies (``"hyperband"``, ``"successive_halving"``, built with the
        task's ``fidelity_range``) and full-budget ones compare fairly. ``budget`` still caps
        the evaluations. See :mod:`tunelab.bench._drive` for what each evaluation costs.

    Returns
    -------
    Results
        The requested cells' records, in grid order (problem, strategy, seed, evaluation).
    """
    problem_specs = _check_problems(problems)
    strategy_specs = _check_strategies(strategies)
    budget = int(check_scalar(budget, "budget", kind=int, low=1))
    seeds = _check_seeds(seeds)
    n_jobs = _check_n_jobs(n_jobs)
    if blas_threads is not None:
        blas_threads = int(check_scalar(blas_threads, "blas_threads", kind=int, low=1))
    if max_cost is not None:
        max_cost = float(check_scalar(max_cost, "max_cost", low=0.0, low_inclusive=False))
    _check_fidelities(problem_specs, strategy_specs)
    cells = [
        _Cell(p, s, seed, p_spec, s_spec, budget, blas_threads, max_cost)
        for p, p_spec in problem_specs for s, s_spec in strategy_specs for seed in seeds
    ]
    _check_filenames(cells)
    settings = {
        "problems": [p for p, _ in problem_specs], "strategies": [s for s, _ in strategy_specs],
        "budget": budget, "seeds": seeds, "n_jobs": n_jobs, "blas_threads": blas_threads,
        "max_cost": max_cost,
    }
    store = _results.Store(Path(out), settings) if out is not None else None
    done = store.finished([c.key for c in cells]) if store else {}
    todo = [c for c in cells if c.key not in done]
    if n_jobs > 1 and len(todo) > 1:
        _schedule.check_picklable(todo)
    manifest = store.manifest if store else _results.new_manifest(settings)
    manifest["warm_up_seconds"] = warm = {}  # filled as warm-ups finish, saved with each cell
    with _schedule.progress_bar(len(cells), len(done), progress) as bar:
        for cell, rows, meta in _execute_all(todo, n_jobs, warm):
            done[cell.key] = (rows, meta)
            if store:
                store.save(rows, meta)
            bar.update(1)
    _schedule.relay_warnings([done[c.key][1] for c in todo])
    records = [r for c in cells for r in done[c.key][0]]
    return Results(records, [done[c.key][1] for c in cells], manifest)


# --- checking the arguments -----------------------------------------------------------------


def _check_problems(problems: Any) -> list[tuple[str, Any]]:
    from tunelab.bench import problems as registry
    from tunelab.bench import tasks

    specs = []
    for p in _nonempty_sequence(problems, "problems"):
        if isinstance(p, str):
            if p not in registry.names() and p not in tasks.names():
                raise ValueError(
                    f"problems: unknown name {p!r}; valid names are "
                    f"{', '.join(registry.names() + tasks.names())}"
                )
            built = registry.get(p) if p in registry.names() else tasks.get(p)
            specs.append((built.name, p))
        elif isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) and p[0]:
            _check_problem_object(p[1])
            specs.append(p)
        else:
            _check_problem_object(p)
            specs.append((p.name, p))
    _check_unique([label for label, _ in specs], "problems")
    return specs


def _check_problem_object(p: Any) -> None:
    if not (callable(p) and isinstance(getattr(p, "space", None), Space)
            and isinstance(getattr(p, "name", None), str) and hasattr(p, "optimum")):
        raise TypeError(
            "problems must hold names, (label, problem) pairs or problem objects with name "
            f"(str), space (Space), optimum (float or None) and __call__(config); got {p!r}"
        )


def _check_strategies(strategies: Any) -> list[tuple[str, tuple[str, Any]]]:
    from tunelab import search
    from tunelab.bench import peers

    specs = []
    for s in _nonempty_sequence(strategies, "strategies"):
        if isinstance(s, str):
            if s in search.names():
                specs.append((s, ("search", s)))
            elif s in peers.names():
                peers.check_available(s)
                specs.append((s, ("peer", s)))
            else:
                raise ValueError(
                    f"strategies: unknown name {s!r}; valid names are "
                    f"{', '.join(search.names() + peers.names())}"
                )
        elif (isinstance(s, tuple) and len(s) == 2 and isinstance(s[0], str) and s[0]
              and callable(s[1])):
            specs.append((s[0], ("factory", s[1])))
        else:
            raise TypeError(
                "strategies must hold names or (label, factory) pairs with factory(space, "
                f"seed) -> an object with ask() and tell(config, value); got {s!r}"
            )
    _check_unique([label for label, _ in specs], "strategies")
    return specs


def _check_fidelities(problem_specs: list, strategy_specs: list) -> None:
    """A budgeted strategy needs problems with a ``fidelity_range`` to set its budgets."""
    budgeted = [s for s, (kind, what) in strategy_specs
                if kind == "search" and is_budgeted_name(what)]
    if not budgeted:
        return
    for label, spec in problem_specs:
        if getattr(_build_problem(spec), "fidelity_range", None) is None:
            raise ValueError(
                f"strategies {budgeted} choose each evaluation's budget; problem {label!r} has "
                "no fidelity_range (use a multi-fidelity task such as 'mlp_digits')"
            )


def _nonempty_sequence(value: Any, name: str) -> list[Any]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise TypeError(f"{name} must be a list; got {value!r}")
    if not value:
        raise ValueError(f"{name} must hold at least one entry; got an empty list")
    return list(value)


def _check_unique(labels: list[str], name: str) -> None:
    repeated = sorted({x for x in labels if labels.count(x) > 1})
    if repeated:
        raise ValueError(f"{name}: labels must be distinct; repeated: {repeated}")


def _check_seeds(seeds: Any) -> list[int]:
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        return list(range(int(check_scalar(seeds, "seeds", kind=int, low=1))))
    values = [int(check_scalar(s, "seeds", kind=int, low=0))
              for s in _nonempty_sequence(seeds, "seeds")]
    if len(set(values)) != len(values):
        raise ValueError(f"seeds must be distinct; got {values}")
    return values


def _check_n_jobs(n_jobs: Any) -> int:
    n_jobs = int(check_scalar(n_jobs, "n_jobs", kind=int))
    if n_jobs == -1:
        return os.cpu_count() or 1
    if n_jobs < 1:
        raise ValueError(f"n_jobs must be >= 1, or -1 for one per CPU; got {n_jobs}")
    return n_jobs


def _check_filenames(cells: list[_Cell]) -> None:
    seen: dict[str, tuple[str, str, int]] = {}
    for c in cells:
        if seen.setdefault(c.filename, c.key) != c.key:
            raise ValueError(
                f"labels {seen[c.filename][:2]} and {c.key[:2]} map to the same file "
                f"{c.filename!r}; rename one (letters, digits, '_' and '.' are kept)"
            )


# --- running cells --------------------------------------------------------------------------


def _execute_all(cells: list[_Cell], n_jobs: int,
                 warm: dict[str, float]) -> Iterator[tuple[_Cell, list, dict]]:
    """Yield ``(cell, records, metadata)`` as cells finish, after a warm-up per strategy."""
    from tunelab.study.executors import process_pool

    return _schedule.execute_all(cells, n_jobs, execute_cell, process_pool, warm)


def execute_cell(cell: _Cell) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Run one cell: build its problem and a fresh strategy, then drive them for ``budget``."""
    start = time.perf_counter()
    seed = strategy_seed(cell.seed, cell.problem, cell.strategy)
    problem = _build_problem(cell.problem_spec)
    strategy = _build_strategy(cell.strategy_spec, problem, seed)
    with _schedule.recording() as caught, _blas_limits(cell.blas_threads) as threads:
        # BLAS pinned after the imports
        rows, status = drive(problem, strategy, cell.budget, cell.max_cost)
    labels = {"problem": cell.problem, "strategy": cell.strategy, "seed": cell.seed}
    records = [{**labels, **row} for row in rows]
    meta = {**labels, "status": status, "evaluations": len(rows), "strategy_seed": seed,
            "blas_threads": threads, "seconds": time.perf_counter() - start,
            "warnings": caught}
    return records, meta


def _build_problem(spec: Any) -> Any:
    if not isinstance(spec, str):
        return copy.deepcopy(spec)
    from tunelab.bench import problems, tasks

    if spec in problems.names():
        return problems.get(spec)
    # An MLP task keeps its networks, so that a promoted configuration continues training
    # and costs only its extra epochs (the values are those of a fresh fit).
    return tasks.get(spec, continuation=CONTINUATION) if spec.startswith("mlp_") else tasks.get(
        spec)


def _build_strategy(spec: tuple[str, Any], problem: Any, seed: int) -> Any:
    kind, what, space = *spec, problem.space
    if kind == "search":
        from tunelab.search import make_strategy

        options = budgeted_options(problem) if is_budgeted_name(what) else {}
        return make_strategy(what, space, seed=seed, **options)
    if kind == "peer":
        from tunelab.bench import peers

        return peers.make(what, space, seed=seed)
    strategy = what(space, seed)
    if not (callable(getattr(strategy, "ask", None)) and callable(getattr(strategy, "tell", None))):
        raise TypeError(f"factory {what!r} must return an object with ask() and tell(); "
                        f"got {strategy!r}")
    return strategy


@contextlib.contextmanager
def _blas_limits(limit: int | None) -> Iterator[int | None]:
    """Pin the BLAS threads to ``limit`` (unless None); yield the number in effect."""
    from threadpoolctl import threadpool_info, threadpool_limits

    def in_effect() -> int | None:
        counts = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
        return max(counts) if counts else None

    if limit is None:
        yield in_effect()
        return
    with threadpool_limits(limits=limit, user_api="blas"):
        yield in_effect()
