"""Building a study's parts from its arguments: the strategy, its stored options, the storage."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import warnings
import weakref
from collections.abc import Mapping
from typing import Any

from tunelab.search import Strategy, make_strategy, names
from tunelab.space import Space
from tunelab.study import _memory_reports
from tunelab.study._replay import strategy_options
from tunelab.study.storage import SQLiteStorage


def build_strategy(
    strategy: Any, space: Space, seed: int | None, options: Mapping[str, Any] | None
) -> Strategy:
    """A strategy from a name and options, or an instance checked against space and seed."""
    if options is not None and not isinstance(options, Mapping):
        raise TypeError(f"strategy_options must be a dict or None; got {options!r}")
    if isinstance(strategy, str) and strategy not in names():
        raise ValueError(
            f"strategy must be one of {', '.join(map(repr, names()))}; got {strategy!r}"
        )
    if not isinstance(strategy, (str, Strategy)):
        raise TypeError(f"strategy must be a name or a Strategy; got {strategy!r}")
    return make_strategy(strategy, space, seed=seed, **dict(options or {}))


def stored_options(strategy: Strategy, storage: Any) -> dict[str, Any]:
    """The strategy's options; with storage, checked storable and the strategy fresh."""
    options = {k: v for k, v in strategy.get_params().items() if k != "seed"}
    if storage is None:
        return options
    if strategy.name not in names():
        raise ValueError(
            f"a stored study needs a registered strategy, so that a load can rebuild it; "
            f"{type(strategy).__name__}.name={strategy.name!r} is not one of {names()}"
        )
    if strategy.n_asked or strategy.n_told:
        raise ValueError(
            "a stored study needs a fresh strategy (no ask or tell yet), so that a load "
            "can replay it; pass the strategy by name or a new instance"
        )
    return strategy_options(strategy)


def open_storage(storage: Any) -> SQLiteStorage:
    """An ``SQLiteStorage`` from a path (or the storage itself)."""
    if isinstance(storage, SQLiteStorage):
        return storage
    if isinstance(storage, (str, os.PathLike)):
        return SQLiteStorage(storage)
    raise TypeError(f"storage must be a path, an SQLiteStorage or None; got {storage!r}")


def check_same_settings(storage: SQLiteStorage, mine: Mapping[str, Any], *,
                        seed_given: bool) -> None:
    """Refuse to resume a stored study whose settings differ from ``mine`` (the seed only
    when one was given); the message names the differing settings and their stored values."""
    stored = storage.settings()
    keys = [k for k in mine if k != "seed" or seed_given]
    differ = [k for k in keys if stored.get(k) != mine[k]]
    if differ:
        raise ValueError(
            f"storage {storage.path!r} holds a study whose {', '.join(differ)} differ from "
            f"the ones given (stored: {', '.join(f'{k}={stored.get(k)!r}' for k in differ)}); "
            "pass the same settings, or load it with Study.load(path), or choose a new path"
        )


def scratch_store(owner: Any) -> SQLiteStorage:
    """A temporary SQLite file for the reports of a study without storage, so that pruners
    in worker processes read them; removed when ``owner`` is garbage-collected or at exit."""
    folder = tempfile.mkdtemp(prefix="tunelab-reports-")
    store = SQLiteStorage(os.path.join(folder, "reports.db"))
    weakref.finalize(owner, _remove, store, folder)
    return store


def _remove(store: SQLiteStorage, folder: str) -> None:
    store.close()
    shutil.rmtree(folder, ignore_errors=True)


def warn_no_reports(study: Any, trial: Any) -> None:
    """Warn once per study when a trial under a pruner completes without reporting."""
    if (study.pruner is None or trial.state.value != "COMPLETE" or trial.intermediate_values
            or study._warned_no_reports):
        return
    study._warned_no_reports = True
    warnings.warn(
        f"the study has a pruner, but trial {trial.number} completed without one report, so "
        "the pruner had nothing to judge: in the objective, call trial.report(step, value) "
        "after each step (epoch) and raise TrialPruned when trial.should_prune() is true, or "
        "create the study without a pruner",
        UserWarning, stacklevel=caller_level(),
    )


def caller_level() -> int:
    """The ``stacklevel`` of the first frame outside tunelab."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("tunelab."):
        frame, level = frame.f_back, level + 1
    return level


def report_store(study: Any) -> SQLiteStorage | None:
    """Where a study's reports go: its storage, else the temporary SQLite file made when a
    run first handed trials to workers (:func:`share_reports`), else ``None`` (in memory)."""
    return study._storage if study._storage is not None else study._scratch


def share_reports(study: Any) -> None:
    """Before a run that hands trials to workers: a study without storage whose pruner reads
    other trials gets a temporary SQLite file with every trial so far
    (:mod:`tunelab.study._memory_reports`)."""
    _memory_reports.share_reports(study, scratch_store)


def trial_link(study: Any, trial: Any, *, sync: bool) -> Any:
    """The trial's :class:`~tunelab.study.storage.ReportLink`; ``sync`` limits what its pruner
    sees to the trials told before it was asked. In a study without storage or a shared
    file, a trial run in this process reads the study's own trials (:class:`MemoryLink`),
    and a pruner that reads none gets ``None``."""
    store = report_store(study)
    if store is not None:
        return store.link(trial._ask_seq if sync else None, study.direction)
    if hasattr(study.pruner, "prune"):
        return _memory_reports.MemoryLink(study, trial._ask_seq)
    return None


def check_pruner(pruner: Any) -> Any:
    """``pruner`` if it is ``None``, callable or has ``prune(trial, history)``."""
    if pruner is not None and not (callable(pruner) or hasattr(pruner, "prune")):
        raise TypeError(f"pruner must be a tunelab.pruners rule, callable or None; got {pruner!r}")
    return pruner
