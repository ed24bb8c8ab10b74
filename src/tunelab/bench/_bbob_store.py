"""The records of BBOB runs and their files (see :mod:`tunelab.bench._bbob`).

A run's record holds its labels, budget, status, timings and *trace*: the evaluations where
the best-so-far :math:`f - f_\\mathrm{opt}` improved, with that value, from which
:func:`best_so_far` gives the value after every evaluation and
:func:`tunelab.bench._bbob_report.runtimes` the evaluations to reach each target. Files:
``DIR/bbob/manifest.json`` and ``DIR/bbob/runs/<cell>.json``, each written whole to a
temporary name and renamed, so a file that exists is complete.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["SUBDIR", "Store", "best_so_far", "load_bbob", "record", "trace"]

SUBDIR = "bbob"


# --- runs -----------------------------------------------------------------------------------


def trace(rows: Sequence[dict[str, Any]], optimum: float) -> tuple[list[int], list[float]]:
    """The evaluations where the best-so-far :math:`f - f_\\mathrm{opt}` improved, and it."""
    evaluations, deltas = [], []
    for row in rows:
        delta = float(row["best"]) - optimum
        if not deltas or delta < deltas[-1]:
            evaluations.append(int(row["evaluation"]))
            deltas.append(delta)
    return evaluations, deltas


def best_so_far(record: dict[str, Any]) -> np.ndarray:
    """The best-so-far :math:`f - f_\\mathrm{opt}` after each of a run's evaluations."""
    at = np.asarray(record["trace_evaluations"], dtype=int)
    index = np.searchsorted(at, np.arange(1, record["evaluations"] + 1), side="right") - 1
    return np.asarray(record["trace_deltas"], dtype=float)[index]




def record(cell: Any, rows: list[dict[str, Any]], meta: dict[str, Any]) -> dict[str, Any]:
    problem = cell.problem_spec
    evaluations, deltas = trace(rows, problem.optimum)
    return {
        "problem": cell.problem, "seed": cell.seed, "function": problem.function,
        "dimension": problem.dimension, "instance": problem.instance,
        "strategy": cell.strategy, "budget": cell.budget,
        "evaluations": len(rows), "status": meta["status"], "seconds": meta["seconds"],
        "strategy_seconds": float(sum(r["strategy_seconds"] for r in rows)),
        "strategy_seed": meta["strategy_seed"], "warnings": meta["warnings"],
        "trace_evaluations": evaluations, "trace_deltas": deltas,
    }


class Store:
    """``DIR/bbob``: the manifest and one JSON file per finished run."""

    def __init__(self, directory: Path, settings: dict[str, Any]) -> None:
        from tunelab.bench import _results

        self.directory = directory
        path = directory / _results.MANIFEST
        if path.exists():
            stored = json.loads(path.read_text())["settings"]["budget_multiplier"]
            if stored != settings["budget_multiplier"]:
                raise ValueError(
                    f"out={str(directory.parent)!r} holds runs with budget_multiplier={stored}; "
                    f"got budget_multiplier={settings['budget_multiplier']}")
        (directory / "runs").mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(_results.new_manifest(settings), indent=1))

    def _path(self, cell: Any) -> Path:
        from tunelab.bench._results import cell_filename

        return self.directory / "runs" / (cell_filename(*cell.key)[: -len(".csv")] + ".json")

    def read(self, cell: Any) -> dict[str, Any] | None:
        path = self._path(cell)
        return json.loads(path.read_text()) if path.is_file() else None

    def save(self, cell: Any, record: dict[str, Any]) -> None:
        path = self._path(cell)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(record))
        os.replace(temporary, path)


def load_bbob(directory: str | os.PathLike) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The run records and the manifest of the BBOB results in ``directory``."""
    root = Path(directory) / SUBDIR
    if not (root / "manifest.json").is_file():
        raise FileNotFoundError(f"{str(directory)!r} holds no BBOB results ({root}/manifest.json)")
    manifest = json.loads((root / "manifest.json").read_text())
    records = [json.loads(p.read_text()) for p in sorted((root / "runs").glob("*.json"))]
    order = {s: k for k, s in enumerate(manifest["settings"]["strategies"])}
    records.sort(key=lambda r: (r["dimension"], r["function"], r["instance"],
                                order.get(r["strategy"], len(order)), r["strategy"]))
    return records, manifest
