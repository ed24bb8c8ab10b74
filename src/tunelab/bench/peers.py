"""Other libraries' optimizers behind our ask/tell protocol, for the benchmark runner.

Each peer is an adapter over a :class:`~tunelab.space.Space`, built by :func:`make` from its
name and a seed, with ``ask() -> config`` and ``tell(config, value)`` (the value minimized).
A peer is available only when its library is installed: the library is imported when the
adapter is built, never when this module is, and :func:`table` lists every peer with its
availability and the ``pip install`` that provides it.

Mapping of the space:

- Optuna (``optuna_tpe``, ``optuna_gp``, ``optuna_cmaes``, ``optuna_random``), scikit-optimize
  (``skopt_gp``) and hyperopt (``hyperopt_tpe``) see the native dimensions: ``Real`` and
  ``Integer`` with their bounds and log scale, ``Categorical`` with its choices. Optuna asks
  define-by-run, so conditional parameters are asked only when active; the others draw every
  parameter and the inactive ones are dropped.
- DEAP (``deap_ga``) and pycma (``cma_es``, and ``cma_es_ipop`` with IPOP restarts) search
  the unit cube :math:`[0, 1]^d` and the space decodes their points (``space.from_unit``),
  as for our own cube-based strategies.

Seeds: every adapter draws all its randomness from its ``seed``. Optuna and scikit-optimize
get the 32-bit word ``SeedSequence(seed).generate_state(1)[0]``; hyperopt a fresh seed per
ask from ``numpy.random.default_rng(seed)``; pycma a ``randn`` drawing from that generator;
DEAP, whose operators use Python's ``random`` module, runs them with the module's state
swapped for that of ``random.Random(seed)`` and swapped back afterwards.

Failed evaluations (``nan`` or ``inf``): Optuna and hyperopt record a failed trial; the
others are told the worst finite value seen so far, or nothing (skopt) / ``inf`` (DEAP,
pycma, which rank only) before any finite value.

References
----------
.. [1] T. Akiba et al., "Optuna: a next-generation hyperparameter optimization framework",
   KDD 2019.
.. [2] T. Head et al., scikit-optimize, https://scikit-optimize.github.io.
.. [3] J. Bergstra, D. Yamins and D. D. Cox, "Making a science of model search:
   hyperparameter optimization in hundreds of dimensions", ICML 2013 (hyperopt).
.. [4] F.-A. Fortin et al., "DEAP: evolutionary algorithms made easy", JMLR 13, 2012;
   K. Deb and R. B. Agrawal, "Simulated binary crossover for continuous search space",
   Complex Systems 9, 1995 (SBX and polynomial mutation).
.. [5] N. Hansen, "The CMA evolution strategy: a tutorial", arXiv:1604.00772, 2016 (pycma).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tunelab.bench._peer_adapters import HyperoptTPE, OptunaAdapter, PeerAdapter, SkoptGP
from tunelab.bench._peer_evolution import CMAAdapter, DeapGA
from tunelab.space import Space

__all__ = [
    CMAAdapter, DeapGA, HyperoptTPE, OptunaAdapter, "PeerAdapter", SkoptGP,
    "available", "check_available", "install_hint", "make", "names", "table",
]


@dataclass(frozen=True)
class _Peer:
    modules: tuple[str, ...]  # importable modules it needs
    pip: str  # what to pip install
    adapter: type[PeerAdapter]
    options: Mapping[str, Any]


_PEERS: dict[str, _Peer] = {
    "optuna_tpe": _Peer(("optuna",), "optuna", OptunaAdapter, {"sampler": "tpe"}),
    "optuna_gp": _Peer(("optuna", "torch"), "optuna torch", OptunaAdapter, {"sampler": "gp"}),
    "optuna_cmaes": _Peer(("optuna", "cmaes"), "optuna cmaes", OptunaAdapter,
                          {"sampler": "cmaes"}),
    "optuna_random": _Peer(("optuna",), "optuna", OptunaAdapter, {"sampler": "random"}),
    "skopt_gp": _Peer(("skopt",), "scikit-optimize", SkoptGP, {}),
    "hyperopt_tpe": _Peer(("hyperopt",), "hyperopt", HyperoptTPE, {}),
    "deap_ga": _Peer(("deap",), "deap", DeapGA, {}),
    "cma_es": _Peer(("cma",), "cma", CMAAdapter, {}),
    "cma_es_ipop": _Peer(("cma",), "cma", CMAAdapter, {"restarts": "ipop"}),
}


def names() -> list[str]:
    """Every peer's name, installed or not, sorted."""
    return sorted(_PEERS)


def _peer(name: str) -> _Peer:
    if name not in _PEERS:
        raise ValueError(f"name must be one of {', '.join(map(repr, names()))}; got {name!r}")
    return _PEERS[name]


def available(name: str) -> bool:
    """Whether the libraries of peer ``name`` are installed (found, not imported)."""
    return all(importlib.util.find_spec(m) is not None for m in _peer(name).modules)


def install_hint(name: str) -> str:
    """The command that installs peer ``name``'s libraries."""
    return f"pip install {_peer(name).pip}  (or pip install 'tunelab[compare]')"


def check_available(name: str) -> None:
    """Raise ``ImportError`` naming what to install when peer ``name`` is not available."""
    if not available(name):
        missing = [m for m in _peer(name).modules if importlib.util.find_spec(m) is None]
        raise ImportError(f"peer {name!r} needs {', '.join(missing)}: {install_hint(name)}")


def table() -> list[dict[str, Any]]:
    """One row per peer: ``name``, ``available`` (bool) and ``install`` (the pip command)."""
    return [{"name": n, "available": available(n), "install": install_hint(n)} for n in names()]


def make(name: str, space: Space, seed: int = 0) -> PeerAdapter:
    """Build peer ``name`` over ``space`` with ``seed``; ``ImportError`` if not installed."""
    peer = _peer(name)
    check_available(name)
    return peer.adapter(space, seed=seed, **peer.options)
