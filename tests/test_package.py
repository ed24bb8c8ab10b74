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
