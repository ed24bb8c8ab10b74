"""Running the cells of a benchmark: a warm-up run per strategy first, here or in a pool.

Several strategies run Numba kernels (``@njit(cache=True)``), compiled on their first call
in a process, or loaded from Numba's on-disk cache when an earlier process compiled them.
Compiled in every pool worker at once, a fresh install spends the same compile time in each
worker, the workers competing for the cores, and that time lands in the first cells'
strategy seconds. So each strategy of the grid first gets one *warm-up* run: its first cell,
with at most :data:`WARM_UP_BUDGET` evaluations of a stand-in objective on the cell's space
(:class:`StandIn`: the problem itself is never called), its records thrown away. In a pool the
warm-ups are the first tasks, one per strategy, spread over the workers; a strategy's cells
are submitted once its warm-up is done, so its kernels are compiled once and the other
workers load them from the cache, while the cells of the strategies already warm keep the
workers busy. The seconds of each warm-up (compile or cache load, plus its short run) are
returned apart: they are no part of any cell's timings. Results do not change: a cell's
strategy is built afresh from its seed.

Warnings. A cell's warnings are recorded in its metadata (:func:`recording`), not printed by
the worker; :func:`relay_warnings` then warns once in the calling process per strategy and
kind of message (numbers aside), with the number of runs that raised it and the first one:
one line for a warning that 7 of 50 runs of a strategy gave, not 7 lines.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import pickle
import re
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from typing import Any

import numpy as np

__all__ = [
    "WARM_UP_BUDGET", "check_picklable", "execute_all", "progress_bar", "recording",
    "relay_warnings", "warm_up_cells",
]

WARM_UP_BUDGET = 30  # evaluations of a warm-up: past the genetic search's first generation

Execute = Callable[[Any], tuple[list, dict]]


class StandIn:
    """The warm-up's objective: the space of problem ``spec``, :math:`\\|u - 0.3\\|^2` its value.

    ``u`` is the configuration in the unit cube (``space.to_unit``): cheap, smooth and free of
    side effects, so a warm-up costs no evaluation of a real (maybe expensive) objective.
    """

    optimum = None

    def __init__(self, spec: Any) -> None:
        self.spec = spec
        self._space = None
        self._fidelity = None

    @property
    def space(self) -> Any:
        if self._space is None:
            from tunelab.bench.runner import _build_problem

            problem = _build_problem(self.spec)
            self.name, self._space = problem.name, problem.space
            self._fidelity = getattr(problem, "fidelity_range", None)
        return self._space

    @property
    def fidelity_range(self) -> tuple[Any, Any] | None:
        """The problem's ``fidelity_range`` (None without one), for budgeted strategies."""
        self.space  # noqa: B018 (builds the problem once)
        return self._fidelity

    def __call__(self, config: Any, fidelity: Any = None) -> float:
        return float(np.sum((self.space.to_unit(config) - 0.3) ** 2))


def warm_up_cells(cells: list[Any]) -> dict[str, Any]:
    """Strategy label -> its warm-up cell, for each strategy of ``tunelab.search`` in ``cells``.

    Peers and factories are not warmed up: their code is not ours to compile.
    """
    warm: dict[str, Any] = {}
    for cell in cells:
        if cell.strategy_spec[0] == "search" and cell.strategy not in warm:
            warm[cell.strategy] = dataclasses.replace(
                cell, problem_spec=StandIn(cell.problem_spec),
                budget=min(cell.budget, WARM_UP_BUDGET), max_cost=None)
    return warm


def warm_up(execute: Execute, cell: Any) -> float:
    """Run ``cell`` once, for its side effects (compiled kernels); return its seconds."""
    start = time.perf_counter()
    execute(cell)
    return time.perf_counter() - start


def execute_all(cells: list[Any], n_jobs: int, execute: Execute, pool_factory: Callable,
                seconds: dict[str, float]) -> Iterator[tuple[Any, list, dict]]:
    """Yield ``(cell, records, metadata)`` as cells finish, warm-ups first; fill ``seconds``.

    ``seconds[label]`` is the wall-clock time of strategy ``label``'s warm-up.
    """
    warm = warm_up_cells(cells)
    if n_jobs == 1 or len(cells) <= 1:
        for label, cell in warm.items():
            seconds[label] = warm_up(execute, cell)
        for cell in cells:
            yield (cell, *execute(cell))
        return
    with pool_factory(min(n_jobs, len(cells) + len(warm))) as pool:
        yield from _pooled(pool, cells, warm, execute, seconds)


def _pooled(pool: Any, cells: list[Any], warm: dict[str, Any], execute: Execute,
            seconds: dict[str, float]) -> Iterator[tuple[Any, list, dict]]:
    warming: dict[Future, str] = {pool.submit(warm_up, execute, c): s for s, c in warm.items()}
    held: dict[str, list[Any]] = {s: [] for s in warm}
    pending: dict[Future, Any] = {}
    for cell in cells:
        if cell.strategy in held:
            held[cell.strategy].append(cell)
        else:
            pending[pool.submit(execute, cell)] = cell
    try:
        while pending or warming:
            finished, _ = wait([*warming, *pending], return_when=FIRST_COMPLETED)
            for future in finished:
                if future in warming:
                    label = warming.pop(future)
                    seconds[label] = future.result()
                    for cell in held.pop(label):
                        pending[pool.submit(execute, cell)] = cell
                else:
                    yield (pending.pop(future), *future.result())
    finally:
        for future in [*warming, *pending]:
            future.cancel()


def check_picklable(cells: list[Any]) -> None:
    """Raise ``TypeError`` naming the first cell that cannot be sent to a worker process."""
    for c in cells:
        try:
            pickle.dumps(c)
        except Exception as exc:
            raise TypeError(
                f"with n_jobs > 1, problems and strategy factories must be picklable; "
                f"cell {c.key} is not ({type(exc).__name__}: {exc}). Define factories at the "
                "top level of a module, or run with n_jobs=1."
            ) from exc


@contextlib.contextmanager
def progress_bar(total: int, initial: int, show: bool | None) -> Iterator[Any]:
    """A tqdm bar over ``total`` cells, ``initial`` done; ``show=None``: if stderr is a tty."""
    from tqdm.auto import tqdm

    if show is None:
        show = sys.stderr.isatty()
    with tqdm(total=total, initial=initial, disable=not show, desc="bench", unit="run") as bar:
        yield bar


@contextlib.contextmanager
def recording() -> Iterator[list[dict[str, str]]]:
    """Record the warnings raised inside, each distinct one once, as ``category``/``message``."""
    found: list[dict[str, str]] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield found
    for w in caught:
        entry = {"category": f"{w.category.__module__}.{w.category.__qualname__}",
                 "message": str(w.message)}
        if entry not in found:
            found.append(entry)


def relay_warnings(metas: list[dict[str, Any]]) -> None:
    """Warn once per (strategy, category, message up to its numbers) over the cells ``metas``."""
    groups: dict[tuple[str, str, str], list[tuple[dict, str]]] = {}
    for m in metas:
        for w in m.get("warnings", []):
            key = (m["strategy"], w["category"], re.sub(r"[-+.eE0-9]*[0-9]", "#", w["message"]))
            hits = groups.setdefault(key, [])
            if not hits or hits[-1][0] is not m:
                hits.append((m, w["message"]))
    runs = {s: sum(m["strategy"] == s for m in metas) for s, _, _ in groups}
    for (strategy, category, _), hits in groups.items():
        first, message = hits[0]
        warnings.warn(f"{message} [strategy {strategy!r}: in {len(hits)} of {runs[strategy]} "
                      f"runs; the first: problem {first['problem']!r}, seed {first['seed']}]",
                      _category(category), stacklevel=3)


def _category(name: str) -> type[Warning]:
    module, _, qualname = name.rpartition(".")
    try:
        found = getattr(importlib.import_module(module), qualname)
    except (ImportError, AttributeError, ValueError):
        return UserWarning
    return found if isinstance(found, type) and issubclass(found, Warning) else UserWarning
