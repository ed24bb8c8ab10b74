"""Sphinx configuration: the API reference from the numpydoc docstrings, the tutorials gallery."""

import os
import sys

import tunelab

sys.path.insert(0, os.path.dirname(__file__))  # _scraper.py
from _scraper import FigureScraper  # noqa: E402

project = "tunelab"
author = "the tunelab developers"
copyright = "2026, the tunelab developers"
release = version = tunelab.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()

# The tutorials run at build time; TUNELAB_QUICK=1 (CI) gives each its quick settings.
sphinx_gallery_conf = {
    "image_scrapers": ("matplotlib", FigureScraper()),
    "examples_dirs": "../tutorials",
    "gallery_dirs": "tutorials",
    "filename_pattern": r"/tutorial_",
    "ignore_pattern": r"__init__\.py|_common\.py",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "matplotlib_animations": False,
    "reset_modules": ("matplotlib",),
}
os.environ.setdefault("TUNELAB_QUICK", "0")

exclude_patterns = ["_build"]
html_theme = "alabaster"
html_static_path: list[str] = []
html_title = f"tunelab {release}"
nitpicky = False
