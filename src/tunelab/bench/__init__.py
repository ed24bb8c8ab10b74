"""The benchmark harness: test problems with known optima for comparing search strategies.

``problems`` is the registry (``problems.names()``, ``problems.get(name, **options)``) and
``functions`` holds the test functions themselves, as pure vectorized NumPy functions.
"""

from tunelab._lazy import attach

__getattr__, __dir__, __all__ = attach(__name__, submodules=["functions", "problems"])
