"""Markdown pieces of the benchmark report."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["table"]


def table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A markdown table: the header, a rule, one line per row."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
