"""Search strategies of the outer loop, all behind the ask/tell protocol of :class:`Strategy`.

Strategies are found by name through a registry (``names()``, ``make_strategy``) and loaded
lazily: a strategy's module is imported only when it is first used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from tunelab._lazy import attach

if TYPE_CHECKING:
    from tunelab.search._base import Strategy
    from tunelab.space import Space

# Registry: name -> (module, class, preset options). A strategy registers with one line.
_REGISTRY: dict[str, tuple[str, str, dict[str, Any]]] = {
    "grid": ("grid", "GridSearch", {}),
    "random": ("random", "RandomSearch", {}),
    "sobol": ("random", "RandomSearch", {"sampler": "sobol"}),
    "lhs": ("random", "RandomSearch", {"sampler": "lhs"}),
    "genetic": ("genetic", "GeneticSearch", {}),
    "cmaes": ("cmaes", "CMAES", {}),
    "bayes": ("bayes", "BayesianOptimization", {}),
    "hypergradient": ("hypergradient", "HypergradientSearch", {}),
    "successive_halving": ("hyperband", "SuccessiveHalving", {}),
    "hyperband": ("hyperband", "Hyperband", {}),
}

__getattr__, _dir, _lazy_names = attach(
    __name__,
    names={"Strategy": "_base", **{cls: module for module, cls, _ in _REGISTRY.values()}},
)
__all__ = sorted([*_lazy_names, "make_strategy", "names"])


def __dir__() -> list[str]:
    return __all__


def names() -> list[str]:
    """The registered strategy names, sorted."""
    return sorted(_REGISTRY)


def make_strategy(
    name_or_strategy: str | type[Strategy] | Strategy,
    space: Space,
    seed: int | None = None,
    **options: Any,
) -> Strategy:
    """Build a strategy from a registry name or a class, or check and return an instance.

    Parameters
    ----------
    name_or_strategy : str, Strategy subclass or Strategy
        A name from :func:`names` (``"sobol"`` is ``RandomSearch(sampler="sobol")``), a
        class, or an instance, which is returned as is if its space is ``space``.
    space : Space
        The search space.
    seed : int or None, default=None
        The strategy's seed; with an instance, ``None`` or the instance's own seed.
    **options
        Constructor options of the strategy (not allowed with an instance).
    """
    base = importlib.import_module(f"{__name__}._base").Strategy
    if isinstance(name_or_strategy, base):
        return _check_instance(name_or_strategy, space, seed, options)
    if isinstance(name_or_strategy, type) and issubclass(name_or_strategy, base):
        return name_or_strategy(space, seed=seed, **options)
    if not isinstance(name_or_strategy, str):
        raise TypeError(
            "name_or_strategy must be a strategy name, a Strategy subclass or a Strategy; "
            f"got {name_or_strategy!r}"
        )
    if name_or_strategy not in _REGISTRY:
        raise ValueError(
            f"name_or_strategy must be one of {', '.join(map(repr, names()))}; "
            f"got {name_or_strategy!r}"
        )
    module, cls, preset = _REGISTRY[name_or_strategy]
    for key, value in preset.items():
        if options.get(key, value) != value:
            raise ValueError(
                f"strategy {name_or_strategy!r} sets {key}={value!r}; got {key}={options[key]!r}"
            )
    strategy_class = getattr(importlib.import_module(f"{__name__}.{module}"), cls)
    return strategy_class(space, seed=seed, **{**preset, **options})


def _check_instance(
    strategy: Strategy, space: Space, seed: int | None, options: dict[str, Any]
) -> Strategy:
    if options:
        raise ValueError(f"options {sorted(options)} apply to a name or class, not an instance")
    if strategy.space != space:
        raise ValueError("space must be the strategy instance's own space")
    if seed is not None and seed != strategy.seed:
        raise ValueError(f"seed={seed!r} differs from the strategy's own seed={strategy.seed!r}")
    return strategy
