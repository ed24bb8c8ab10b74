"""Lazy attribute loading for packages (PEP 562).

``import tunelab`` stays cheap: a submodule, and Numba with it, is imported only when one of
its names is first used. This matters for the command line and for process-pool workers, which
import the package once per process.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def attach(
    package: str, *, submodules: Iterable[str] = (), names: Mapping[str, str] | None = None
) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """Return ``__getattr__``, ``__dir__`` and ``__all__`` for a lazily loaded package.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    submodules : iterable of str
        Submodules exposed as attributes (``tunelab.metrics``).
    names : mapping of str to str
        Public name -> the submodule, relative to ``package``, that defines it.
    """
    submodules = set(submodules)
    names = dict(names or {})
    public = sorted(submodules | set(names))

    def __getattr__(name: str) -> Any:
        if name in submodules:
            value = importlib.import_module(f"{package}.{name}")
        elif name in names:
            module = importlib.import_module(f"{package}.{names[name]}")
            value = getattr(module, name)
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        importlib.import_module(package).__dict__[name] = value  # cache: next access is direct
        return value

    def __dir__() -> list[str]:
        return public

    return __getattr__, __dir__, public
