"""What the side-by-side scripts share: the versions line they print above their tables, and
whether a peer is installed."""

from __future__ import annotations

import platform

import numpy as np

import tunelab


def versions(*modules: str) -> str:
    """``python X, numpy Y, tunelab Z`` and the version of each of ``modules`` (or
    ``missing``)."""
    parts = [f"python {platform.python_version()}", f"numpy {np.__version__}",
             f"tunelab {tunelab.__version__}"]
    for module in modules:
        try:
            parts.append(f"{module} {__import__(module).__version__}")
        except ImportError:
            parts.append(f"{module} missing")
    return ", ".join(parts)


def importable(module: str) -> bool:
    """Whether ``module`` imports (a peer's absence skips its rows)."""
    try:
        __import__(module)
    except ImportError:
        return False
    return True
