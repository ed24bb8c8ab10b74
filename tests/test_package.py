"""The public API: every advertised name resolves, and importing the package stays cheap."""

import subprocess
import sys

import pytest

import tunelab as tl


@pytest.mark.parametrize("name", tl.__all__)
def test_every_public_name_resolves(name):
    assert getattr(tl, name) is not None
    assert name in dir(tl)


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        tl.nope


def test_import_is_lazy():
    code = "import sys, tunelab; print('numba' in sys.modules, 'scipy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_not_fitted_error_is_caught_as_value_and_attribute_error():
    assert issubclass(tl.NotFittedError, ValueError)
    assert issubclass(tl.NotFittedError, AttributeError)
    assert issubclass(tl.NotFittedError, tl.TunelabError)


_NAMES_THAT_ARE_MODULES = """
import importlib, pkgutil, types, tunelab
if IMPORT_ALL_FIRST:
    for m in pkgutil.walk_packages(tunelab.__path__, "tunelab."):
        if not m.name.endswith("__main__"):
            importlib.import_module(m.name)
packages = ["tunelab"] + [m.name for m in pkgutil.walk_packages(tunelab.__path__, "tunelab.")
                          if m.ispkg]
print(sorted(f"{p}.{n}" for p in packages for n in importlib.import_module(p).__all__
             if isinstance(getattr(importlib.import_module(p), n), types.ModuleType)))
"""


def _names_that_are_modules(import_all_first: bool) -> str:
    code = f"IMPORT_ALL_FIRST = {import_all_first}\n" + _NAMES_THAT_ARE_MODULES
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout


def test_no_submodule_import_shadows_a_public_name():
    # Importing a submodule binds it as an attribute of its package. A public function named
    # like its module (tl.optim.newton, defined in newton.py) then resolved to the module once
    # any code had imported that module (a LogisticRegression fit did). In a fresh process the
    # public names that are modules must be the same whether or not every submodule was
    # imported before they are looked up.
    assert _names_that_are_modules(True) == _names_that_are_modules(False)
