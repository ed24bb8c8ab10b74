"""The reproductions under ``papers/``: where they are, what each claims, how to run one.

A reproduction is a folder ``papers/<year>_<author>_<topic>/`` holding ``reproduce.py`` (run
as a script; ``--quick`` for the reduced version, ``--json PATH`` to write its checked
figures as ``{name: value}``) and ``README.md``, whose first heading is the paper, whose line
``Verdict: ...`` is the verdict, and whose section ``## Quick check`` holds a fenced ``json``
block ``{name: {"value": v, "tol": t}}``: the figures ``--quick`` must give, each within its
absolute tolerance (a key ``"_requires"``, a list of module names, names the optional packages
the quick run needs, such as a peer). The test suite runs every ``--quick`` and compares, so
a README cannot drift from its code.

The folder is found in this order: the ``TUNELAB_PAPERS`` environment variable, ``papers/``
in the working directory, ``papers/`` beside the package's source tree (a checkout).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import runpy
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Paper:
    """One reproduction: its folder name, its title line and its verdict."""

    name: str
    path: Path
    title: str
    verdict: str


def root() -> Path:
    """The ``papers/`` folder; ``FileNotFoundError`` naming where it was looked for."""
    candidates = [Path(p) for p in [os.environ.get("TUNELAB_PAPERS")] if p]
    candidates += [Path.cwd() / "papers", Path(__file__).resolve().parents[2] / "papers"]
    for path in candidates:
        if path.is_dir():
            return path
    raise FileNotFoundError(
        "no papers/ folder: looked in " + ", ".join(map(str, candidates))
        + "; run from a checkout of tunelab or set TUNELAB_PAPERS to its papers/ folder"
    )


def papers(folder: Path | None = None) -> list[Paper]:
    """Every reproduction under ``folder`` (default :func:`root`), by name."""
    folder = root() if folder is None else folder
    found = []
    for path in sorted(folder.iterdir()):
        readme = path / "README.md"
        if not (path / "reproduce.py").is_file() or not readme.is_file():
            continue
        text = readme.read_text()
        title = next((ln[2:].strip() for ln in text.splitlines() if ln.startswith("# ")), "")
        verdict = re.search(r"^Verdict:\s*(.+)$", text, re.MULTILINE)
        found.append(Paper(path.name, path, title, verdict.group(1).strip() if verdict else ""))
    return found


def get(name: str, folder: Path | None = None) -> Paper:
    """The reproduction called ``name`` (``ValueError`` listing the valid names)."""
    known = papers(folder)
    for paper in known:
        if paper.name == name:
            return paper
    raise ValueError(f"unknown paper {name!r}; valid names: {', '.join(p.name for p in known)}")


def run(paper: Paper, argv: list[str]) -> None:
    """Run ``paper``'s ``reproduce.py`` in this process with ``argv`` as its arguments."""
    script = str(paper.path / "reproduce.py")
    saved = sys.argv
    sys.argv = [script, *argv]
    try:
        runpy.run_path(script, run_name="__main__")
    finally:
        sys.argv = saved


def quick_check(paper: Paper) -> dict[str, Any]:
    """The README's ``## Quick check`` block as written (figures and ``_requires``)."""
    text = (paper.path / "README.md").read_text()
    section = text.split("## Quick check", 1)
    block = re.search(r"```json\n(.*?)```", section[1], re.S) if len(section) == 2 else None
    if block is None:
        raise ValueError(f"{paper.path / 'README.md'} has no '## Quick check' json block")
    return json.loads(block.group(1))


def stated_figures(paper: Paper) -> dict[str, dict[str, Any]]:
    """The figures the README's ``## Quick check`` states, ``{name: {"value", "tol"}}``."""
    return {k: v for k, v in quick_check(paper).items() if not k.startswith("_")}


def requirements(paper: Paper) -> list[str]:
    """The optional modules the quick run needs (``"_requires"``)."""
    return list(quick_check(paper).get("_requires", []))


def script_main(
    doc: str,
    figures: Callable[[bool], dict[str, Any]],
    report: Callable[[dict[str, Any]], None],
    checked: Callable[[dict[str, Any]], dict[str, float]],
    argv: list[str] | None = None,
) -> dict[str, float]:
    """The command line every ``reproduce.py`` shares: ``[--quick] [--json PATH]``.

    Runs ``figures(quick)``, prints it with ``report``, and returns (and with ``--json``
    writes) the checked figures ``checked(result)``.
    """
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the reduced version CI runs")
    parser.add_argument("--json", help="write the checked figures to this file")
    args = parser.parse_args(argv)
    result = figures(args.quick)
    report(result)
    flat = checked(result)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(flat, f, indent=1)
    return flat
