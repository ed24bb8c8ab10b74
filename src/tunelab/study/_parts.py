"""Building a study's parts from its arguments: the strategy, its stored options, the storage."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from tunelab.search import Strategy, make_strategy, names
from tunelab.space import Space
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
