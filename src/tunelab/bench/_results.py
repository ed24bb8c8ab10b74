"""Tidy benchmark results: one record per evaluation, saved as CSV files and a manifest.

A results directory holds ``manifest.json`` and ``runs/``, one CSV file per cell (one run of
one strategy on one problem with one seed). The columns, in order, are :data:`COLUMNS`:

- ``problem``, ``strategy`` (labels), ``seed`` (the run seed of the grid, not the
  strategy's derived seed), ``evaluation`` (1-based);
- ``value``: the objective at the configuration; ``best``: the least value so far (failed
  evaluations, ``nan``, are skipped); ``regret``: ``best - optimum``, empty when the problem's
  optimum is unknown;
- ``budget``: the fidelity of the evaluation (epochs of a multi-fidelity task), empty for a
  problem without one; ``cost``: what it cost in budget units (the epochs trained, 1 for a
  problem without a fidelity; see :mod:`tunelab.bench._drive`);
- ``objective_seconds`` and ``strategy_seconds`` (``ask`` plus ``tell``), wall-clock;
- ``config``: the configuration, as JSON.

Floats are written with ``repr``, so a save/load round trip is exact. A CSV file is written
whole to a temporary name and renamed (:func:`os.replace` is atomic), so a file that exists is
complete: an interrupted run resumes by skipping the cells whose files exist.

``manifest.json`` holds the settings, the versions and the machine (see
:func:`tunelab.bench.run`) and, under ``cells``, one entry per finished cell: its status
(``"complete"``, or ``"exhausted"`` when a finite strategy ran out before the budget), the
number of evaluations, the strategy's derived seed, the BLAS threads it ran with and its
wall-clock seconds.
"""

from __future__ import annotations

import csv
import importlib.metadata
import json
import math
import os
import platform
import re
import tempfile
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["COLUMNS", "Results", "Store", "describe_machine", "load", "package_versions"]

COLUMNS = (
    "problem", "strategy", "seed", "evaluation", "value", "best", "regret", "budget", "cost",
    "objective_seconds", "strategy_seconds", "config",
)
_OPTIONAL = ("budget", "cost")  # records built by hand may leave them out
_COLUMNS_V1 = tuple(c for c in COLUMNS if c not in _OPTIONAL)  # files of older versions
MANIFEST = "manifest.json"
RUNS = "runs"
FORMAT = 1  # version of the directory layout, stored in the manifest

_INT_COLUMNS = ("seed", "evaluation")
_FLOAT_COLUMNS = ("value", "best", "regret", "budget", "cost", "objective_seconds",
                  "strategy_seconds")
PACKAGES = (
    "numpy", "scipy", "numba", "tunelab", "threadpoolctl", "scikit-learn", "optuna",
    "scikit-optimize", "hyperopt", "deap", "cma", "cmaes", "torch",
    "coco-experiment", "cocopp",
)


class Results:
    """The records of a benchmark, with the cells' metadata and the manifest.

    Parameters
    ----------
    records : iterable of dict
        One dict per evaluation, with the keys :data:`COLUMNS`.
    cells : iterable of dict, default=()
        One dict per run: ``problem``, ``strategy``, ``seed``, ``status``, ``evaluations``,
        ``strategy_seed``, ``blas_threads``, ``seconds``.
    manifest : dict, default=None
        Settings, versions and machine, as written to ``manifest.json``.

    Attributes
    ----------
    problems, strategies : list of str
        The labels, in order of first appearance.
    seeds : list of int
        The run seeds, sorted.

    Examples
    --------
    >>> import tunelab as tl
    >>> results = tl.bench.run(["branin"], ["random"], budget=3, seeds=2)
    >>> len(results.to_records()), results.strategies
    (6, ['random'])
    """

    def __init__(
        self,
        records: Iterable[Mapping[str, Any]],
        cells: Iterable[Mapping[str, Any]] = (),
        manifest: Mapping[str, Any] | None = None,
    ) -> None:
        self._records = [dict(r) for r in records]
        self.cells = [dict(c) for c in cells]
        self.manifest = dict(manifest or {})
        self.problems = _unique(r["problem"] for r in self._records)
        self.strategies = _unique(r["strategy"] for r in self._records)
        self.seeds = sorted({int(r["seed"]) for r in self._records})

    def to_records(self) -> list[dict[str, Any]]:
        """The evaluations as a list of dicts (copies), one per evaluation, keys :data:`COLUMNS`."""
        return [dict(r) for r in self._records]

    def save(self, directory: str | os.PathLike) -> Path:
        """Write ``manifest.json`` and one CSV file per cell into ``directory``; return its path.

        Cells without a metadata entry (built from bare records) get one derived from their
        records.
        """
        directory = Path(directory)
        by_cell = _group(self._records)
        cells = {_cell_key(c): c for c in self.cells}
        entries = []
        for key in _unique([*cells, *by_cell]):
            rows = by_cell.get(key, [])
            meta = cells.get(key) or derived_cell(key, rows)
            write_cell(directory, rows, meta)
            entries.append(meta)
        write_manifest(directory, self.manifest, entries)
        return directory

    def __len__(self) -> int:
        return len(self._records)

    def __repr__(self) -> str:
        return (
            f"Results({len(self._records)} evaluations; problems={self.problems!r}, "
            f"strategies={self.strategies!r}, seeds={self.seeds!r})"
        )


def load(directory: str | os.PathLike) -> Results:
    """Read a results directory written by :func:`tunelab.bench.run` or :meth:`Results.save`.

    Raises ``FileNotFoundError`` naming ``directory`` when it holds no ``manifest.json``.
    """
    directory = Path(directory)
    if not (directory / MANIFEST).is_file():
        raise FileNotFoundError(
            f"directory {str(directory)!r} holds no {MANIFEST}; it is not a benchmark result"
        )
    manifest = read_manifest(directory)
    known = manifest.get("cells", {})
    records, cells = [], []
    for path in sorted((directory / RUNS).glob("*.csv")):
        rows = read_cell(path)
        if rows:
            records.extend(rows)
        meta = known.get(path.name) or (derived_cell(_cell_key(rows[0]), rows) if rows else None)
        if meta is not None:
            cells.append(meta)
    settings = manifest.get("settings", {})
    rank = {k: {label: i for i, label in enumerate(_unique([*settings.get(k, []), *seen]))}
            for k, seen in (("problems", sorted({c["problem"] for c in cells})),
                            ("strategies", sorted({c["strategy"] for c in cells})))}

    def grid_order(row: Mapping[str, Any]) -> tuple:
        return (rank["problems"][row["problem"]], rank["strategies"][row["strategy"]],
                int(row["seed"]))

    cells.sort(key=grid_order)
    records.sort(key=lambda r: (*grid_order(r), r["evaluation"]))
    return Results(records, cells, {k: v for k, v in manifest.items() if k != "cells"})


# --- files ----------------------------------------------------------------------------------


def cell_filename(problem: str, strategy: str, seed: int) -> str:
    """``<problem>--<strategy>--<seed>.csv``, with characters other than ``[A-Za-z0-9_.]``
    replaced by ``_``."""
    safe = [re.sub(r"[^A-Za-z0-9_.]", "_", s) for s in (problem, strategy)]
    return f"{safe[0]}--{safe[1]}--{int(seed)}.csv"


def write_cell(directory: Path, rows: list[Mapping[str, Any]], meta: Mapping[str, Any]) -> Path:
    """Write one cell's records atomically (temporary file, then rename); return the path."""
    name = cell_filename(meta["problem"], meta["strategy"], meta["seed"])
    path = directory / RUNS / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with _atomic(path, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([_format(row[c] if c not in _OPTIONAL else row.get(c))
                             for c in COLUMNS])
    return path


def read_cell(path: Path) -> list[dict[str, Any]]:
    """The records of one cell's CSV file, with numbers parsed and empty regret as ``None``."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) not in (COLUMNS, _COLUMNS_V1):
            raise ValueError(f"{path}: columns must be {COLUMNS}; got {reader.fieldnames}")
        return [_parse(row) for row in reader]


def write_manifest(
    directory: Path, manifest: Mapping[str, Any], cells: Iterable[Mapping[str, Any]]
) -> Path:
    """Write ``manifest.json`` atomically, its ``cells`` keyed by file name."""
    directory.mkdir(parents=True, exist_ok=True)
    entries = {cell_filename(c["problem"], c["strategy"], c["seed"]): dict(c) for c in cells}
    data = {**manifest, "format": FORMAT, "cells": dict(sorted(entries.items()))}
    path = directory / MANIFEST
    with _atomic(path) as handle:
        json.dump(data, handle, indent=2, default=str)
        handle.write("\n")
    return path


def read_manifest(directory: Path) -> dict[str, Any]:
    """The contents of ``directory/manifest.json``."""
    with open(directory / MANIFEST, encoding="utf-8") as handle:
        data = json.load(handle)
    if data.get("format") != FORMAT:
        raise ValueError(
            f"{directory / MANIFEST}: format must be {FORMAT}; got {data.get('format')!r}"
        )
    return data


class _atomic:
    """Open a temporary file beside ``path`` for writing; rename it to ``path`` on success."""

    def __init__(self, path: Path, **open_args: Any) -> None:
        self.path, self.open_args = path, open_args

    def __enter__(self):
        fd, self.tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
        os.chmod(self.tmp, 0o666 & ~_umask())  # mkstemp's 0600 would hide results from others
        self.handle = os.fdopen(fd, "w", encoding="utf-8", **self.open_args)
        return self.handle

    def __exit__(self, exc_type, exc, tb) -> None:
        self.handle.close()
        if exc_type is None:
            os.replace(self.tmp, self.path)
        else:
            os.unlink(self.tmp)


# --- helpers --------------------------------------------------------------------------------


def _umask() -> int:
    """The process's umask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _format(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _parse(row: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = dict(row)
    for c in _INT_COLUMNS:
        out[c] = int(row[c])
    for c in _FLOAT_COLUMNS:
        text = row.get(c, "")  # budget and cost: absent from files of older versions
        out[c] = None if text == "" or text is None else float(text)
    if out["cost"] is None:
        out["cost"] = 1.0 if out["budget"] is None else out["budget"]
    return out


def _unique(items: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys(items))


def _cell_key(row: Mapping[str, Any]) -> tuple[str, str, int]:
    return row["problem"], row["strategy"], int(row["seed"])


def _group(records: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str, int], list]:
    groups: dict[tuple[str, str, int], list] = {}
    for r in records:
        groups.setdefault(_cell_key(r), []).append(r)
    return groups


def derived_cell(key: tuple[str, str, int], rows: list[Mapping[str, Any]]) -> dict[str, Any]:
    """Metadata of a cell known only by its records."""
    seconds = sum(r["objective_seconds"] + r["strategy_seconds"] for r in rows)
    return {"problem": key[0], "strategy": key[1], "seed": key[2], "status": "complete",
            "evaluations": len(rows), "strategy_seed": None, "blas_threads": None,
            "seconds": seconds if math.isfinite(seconds) else None}


# --- a directory being filled, and provenance ----------------------------------------------


class Store:
    """A results directory being filled: resumes what exists, records what finishes."""

    def __init__(self, directory: Path, settings: Mapping[str, Any]) -> None:
        self.directory = directory
        self.cells: dict[str, dict[str, Any]] = {}
        if (directory / MANIFEST).exists():
            old = read_manifest(directory)
            for name in ("budget", "max_cost"):
                stored = old.get("settings", {}).get(name)
                if stored != settings.get(name):
                    raise ValueError(
                        f"out={str(directory)!r} holds runs with {name}={stored}; got "
                        f"{name}={settings.get(name)}: use another directory, or the same "
                        f"{name}"
                    )
            self.cells = dict(old.get("cells", {}))
        self.manifest = new_manifest(settings)
        write_manifest(directory, self.manifest, self.cells.values())

    def finished(self, keys: Iterable[tuple[str, str, int]]) -> dict[tuple[str, str, int],
                                                                     tuple[list, dict]]:
        """The cells among ``keys`` whose CSV files exist, with their records and metadata."""
        done = {}
        for key in keys:
            name = cell_filename(*key)
            path = self.directory / RUNS / name
            if path.is_file():
                rows = read_cell(path)
                done[key] = (rows, self.cells.get(name) or derived_cell(key, rows))
        return done

    def save(self, rows: list[dict[str, Any]], meta: dict[str, Any]) -> None:
        path = write_cell(self.directory, rows, meta)
        self.cells[path.name] = meta
        write_manifest(self.directory, self.manifest, self.cells.values())


def new_manifest(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The manifest of a run with ``settings``: time, settings, versions and machine."""
    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": dict(settings),
        "versions": package_versions(),
        "machine": describe_machine(),
    }


def package_versions() -> dict[str, str | None]:
    """Python's version and those of :data:`PACKAGES` (``None`` when not installed)."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def describe_machine() -> dict[str, Any]:
    """Platform, processor, CPU count and the BLAS/OpenMP libraries seen by threadpoolctl."""
    from threadpoolctl import threadpool_info

    keep = ("user_api", "internal_api", "prefix", "version", "num_threads", "threading_layer",
            "architecture")
    affinity = getattr(os, "sched_getaffinity", None)
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor(),
        "cpu_count": os.cpu_count(),
        "cpus_available": len(affinity(0)) if affinity else os.cpu_count(),
        "threadpools": [{k: i.get(k) for k in keep} for i in threadpool_info()],
    }

