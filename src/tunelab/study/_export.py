"""Writing a study's trials as CSV (one row per trial), as one JSON document, or as a
pandas ``DataFrame``."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

from tunelab.study.trial import Trial

CSV_COLUMNS = ("number", "state", "value", "datetime_start", "datetime_complete", "duration",
               "error")


def write_csv(trials: Sequence[Trial], names: Sequence[str], path: str | os.PathLike) -> None:
    """One row per trial: ``CSV_COLUMNS``, then ``params_<name>`` for each parameter.

    Numbers are written with ``repr`` (they read back exactly), datetimes in ISO 8601,
    ``duration`` in seconds; empty cells stand for ``None`` and for inactive parameters.
    """
    header = [*CSV_COLUMNS, *(f"params_{name}" for name in names)]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for trial in trials:
            data = trial.to_dict()
            row = [data[column] for column in CSV_COLUMNS]
            row += [trial.params.get(name) for name in names]
            writer.writerow(["" if cell is None else _cell(cell) for cell in row])


def dataframe_columns(names: Sequence[str]) -> list[str]:
    """The columns of :meth:`tunelab.study.Study.trials_dataframe`, as Optuna orders them."""
    return ["number", "value", "datetime_start", "datetime_complete", "duration",
            *(f"params_{name}" for name in names), "state", "error"]


def dataframe_row(trial: Trial, names: Sequence[str]) -> list[Any]:
    """One trial's row of :func:`dataframe_columns` (datetimes as ``datetime`` objects)."""
    return [trial.number, trial.value, trial.datetime_start, trial.datetime_complete,
            trial.duration, *(trial.params.get(name) for name in names), trial.state.name,
            trial.error]


def trials_dataframe(trials: Sequence[Trial], names: Sequence[str]) -> Any:
    """A pandas ``DataFrame`` of :func:`dataframe_columns`, one row per trial."""
    try:
        import pandas as pd
    except ImportError as exc:
        raise ImportError(
            "Study.trials_dataframe needs pandas: pip install pandas (or use Study.to_csv, "
            "which needs nothing)"
        ) from exc
    return pd.DataFrame([dataframe_row(t, names) for t in trials],
                        columns=dataframe_columns(names))


def _cell(value: Any) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def write_json(document: Mapping[str, Any], path: str | os.PathLike) -> None:
    """Write ``document`` (its ``"trials"`` as :meth:`Trial.to_dict`) with two-space indents.

    Non-finite intermediate values are written as Python's ``json`` writes them (``NaN``,
    ``Infinity``), which it reads back.
    """
    document = {**document, "trials": [t.to_dict() for t in document["trials"]]}
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2)
