"""The documentation site builds with no warning: every public docstring parses as numpydoc."""

import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]

pytest.importorskip("sphinx")
pytest.importorskip("numpydoc")
pytest.importorskip("sphinx_gallery")


@pytest.mark.slow
def test_sphinx_build_has_no_warnings(tmp_path):
    if not (ROOT / "docs" / "conf.py").exists():
        pytest.skip("not a source checkout")
    out = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", "-d", str(tmp_path / "doctrees"),
         str(ROOT / "docs"), str(tmp_path / "html")],
        capture_output=True, text=True, env={**os.environ, "TUNELAB_QUICK": "1"},
    )
    assert out.returncode == 0, out.stderr[-4000:]
    for page in ("index", "design", "api/search", "api/plot", "api/study"):
        assert (tmp_path / "html" / f"{page}.html").exists()
