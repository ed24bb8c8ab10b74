"""papers/: every reproduction's ``--quick`` gives the figures its README states."""

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from tunelab import _papers
from tunelab.cli import main

ROOT = Path(__file__).resolve().parents[1] / "papers"
PAPERS = _papers.papers(ROOT)


def test_there_are_reproductions_and_each_is_in_the_summary_table():
    assert PAPERS, "papers/ holds no reproduction"
    summary = (ROOT / "README.md").read_text()
    for paper in PAPERS:
        assert f"[{paper.name}]" in summary, f"{paper.name} is missing from papers/README.md"
        assert paper.title and paper.verdict, f"{paper.name}: README needs a title and Verdict:"


@pytest.mark.slow
@pytest.mark.parametrize("paper", PAPERS, ids=[p.name for p in PAPERS])
def test_quick_figures_match_the_readme(paper, tmp_path):
    for module in _papers.requirements(paper):
        pytest.importorskip(module)
    stated = _papers.stated_figures(paper)
    out = tmp_path / "figures.json"
    subprocess.run(
        [sys.executable, str(paper.path / "reproduce.py"), "--quick", "--json", str(out)],
        check=True, capture_output=True, text=True, timeout=300,
    )
    got = json.loads(out.read_text())
    assert set(got) == set(stated), "the README states other figures than --quick gives"
    off = {
        name: (got[name], s["value"], s["tol"])
        for name, s in stated.items()
        if not math.isclose(got[name], s["value"], rel_tol=0, abs_tol=s["tol"])
    }
    assert not off, f"{paper.name}: (got, stated, tol) = {off}"


def test_stated_figures_refuses_a_readme_without_a_quick_check(tmp_path):
    (tmp_path / "reproduce.py").write_text("")
    (tmp_path / "README.md").write_text("# A paper\n\nVerdict: none\n")
    paper = _papers.Paper("x", tmp_path, "A paper", "none")
    with pytest.raises(ValueError, match="Quick check"):
        _papers.stated_figures(paper)


def test_cli_lists_the_papers(capsys, monkeypatch):
    monkeypatch.setenv("TUNELAB_PAPERS", str(ROOT))
    assert main(["papers", "list"]) == 0
    out = capsys.readouterr().out
    for paper in PAPERS:
        assert paper.name in out and paper.verdict in out


def test_cli_refuses_an_unknown_paper(capsys, monkeypatch):
    monkeypatch.setenv("TUNELAB_PAPERS", str(ROOT))
    assert main(["papers", "run", "1999_nobody"]) == 2
    err = capsys.readouterr().err
    assert "unknown paper '1999_nobody'" in err and PAPERS[0].name in err


def test_cli_says_where_it_looked_for_papers(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("TUNELAB_PAPERS", str(tmp_path / "absent"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(_papers, "__file__", str(tmp_path / "a" / "b" / "c.py"))
    assert main(["papers", "list"]) == 2
    assert "no papers/ folder" in capsys.readouterr().err
