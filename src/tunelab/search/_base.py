"""The ask/tell protocol shared by every search strategy.

A strategy proposes configurations (``ask``) and learns from their values (``tell``); it
always minimizes. The public methods validate and convert; subclasses implement only the
private ``_ask`` (a configuration, or a point of the unit cube that ``space.from_unit``
decodes) and, when they learn, ``_tell``.

Every random draw comes from :meth:`Strategy._rng`, a generator seeded by ``(seed, n_asked)``,
so a strategy is a deterministic function of its seed and of the sequence of ask/tell calls,
and a study rebuilds one by replaying its stored trials (:meth:`Strategy.replay_ask`).

References
----------
.. [1] T. Head et al., scikit-optimize, ``skopt.Optimizer``: the ask/tell interface, with
   ``tell`` validating and ``_tell`` computing.
.. [2] T. Akiba et al., "Optuna: a next-generation hyperparameter optimization framework",
   KDD 2019, Sec. 3 (samplers that see only a study's history).
"""

from __future__ import annotations

import abc
import inspect
import numbers
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from tunelab._validation import check_scalar
from tunelab.exceptions import SearchExhausted
from tunelab.space import Space


class Strategy(abc.ABC):
    """Base class of search strategies: ask for a configuration, tell its value.

    Parameters
    ----------
    space : Space
        The search space; every asked configuration lies inside it.
    seed : int or None, default=None
        Seed of all randomness. ``None`` draws fresh entropy once and keeps it in ``seed``, so
        that the run can be stored and replayed.

    Attributes
    ----------
    name : str
        The strategy's registry name (``tunelab.search.names()``).
    n_asked : int
        Number of configurations asked so far.
    n_told : int
        Number of values told so far.
    history : list of (dict, float)
        Every told ``(config, value)``, in order; ``nan`` or ``inf`` mark failed evaluations.

    Notes
    -----
    Subclasses implement ``_ask(self) -> dict | ndarray`` and, if they learn, ``_tell(self,
    config, value)``; ``config`` is validated, ``value`` a float, and ``history`` already
    holds the pair. They draw random numbers only from ``self._rng()``, store each
    constructor argument under its own name (:meth:`get_params` reads them back), and
    document how they treat failures. A strategy that can recognize the configurations it
    handed out may spare ``tell`` their validation through ``_recall``, and
    :meth:`tell_batch` the per-pair work through ``_tell_batch``.
    """

    name: str = ""

    def __init__(self, space: Space, *, seed: int | None = None) -> None:
        if not isinstance(space, Space):
            raise TypeError(f"space must be a tunelab Space; got {type(space).__name__}")
        if seed is None:
            seed = int(np.random.SeedSequence().entropy) >> 65  # 63 bits: fits SQLite INTEGER
        self.space = space
        self.seed = int(check_scalar(seed, "seed", kind=int, low=0))
        self.n_asked = 0
        self.n_told = 0
        self.history: list[tuple[dict[str, Any], float]] = []

    def _rng(self) -> np.random.Generator:
        """A fresh generator for the current ask, seeded by ``(seed, n_asked)``."""
        return np.random.default_rng([self.seed, self.n_asked])

    @abc.abstractmethod
    def _ask(self) -> dict[str, Any] | np.ndarray:
        """Propose a configuration, or a unit-cube point of shape ``(d,)``."""

    def _tell(self, config: dict[str, Any], value: float) -> None:  # noqa: B027 (a hook)
        """Learn from a validated configuration and its value; by default, nothing."""

    def _recall(self, config: Any) -> dict[str, Any] | None:
        """``config`` validated, when it is known to be a configuration this strategy handed
        out, unchanged since; ``None`` (the default) when ``tell`` must validate it."""
        return None

    def _tell_batch(self, configs: list[Any], values: list[float]) -> list[dict] | None:
        """Learn a batch at once, when that gives what ``tell`` of each pair in order would:
        return the validated configurations (``history`` and ``n_told`` are then updated by
        :meth:`tell_batch`), or ``None`` (the default), having changed nothing. ``values``
        are floats."""
        return None

    def ask(self) -> dict[str, Any]:
        """Return the next configuration to evaluate, validated, inside the space.

        Raises
        ------
        SearchExhausted
            When a finite strategy has nothing left to propose.
        """
        proposal = self._ask()
        if isinstance(proposal, np.ndarray):
            proposal = self.space.from_unit(proposal)
        config = self.space.validate(proposal)
        self.n_asked += 1
        return config

    def ask_batch(self, n: int) -> list[dict[str, Any]]:
        """Return up to ``n`` configurations for parallel evaluation.

        By default, ``n`` successive asks; fewer when a finite strategy runs out, and
        ``SearchExhausted`` when it has none left. Strategies whose proposals depend on
        pending evaluations (Bayesian optimization) override it, and so do those that work a
        generation at a time, which may return fewer than ``n`` at a generation's end (the
        genetic algorithm). At least one configuration comes back.
        """
        n = check_scalar(n, "n", kind=int, low=1)
        configs: list[dict[str, Any]] = []
        for _ in range(n):
            try:
                configs.append(self.ask())
            except SearchExhausted:
                if not configs:
                    raise
                break
        return configs

    def tell(self, config: Mapping[str, Any], value: float) -> None:
        """Record the value of a configuration (asked or not: warm starts are welcome).

        Parameters
        ----------
        config : dict
            A configuration inside the space; ``ValueError`` names the parameter otherwise.
        value : float
            The objective, to be minimized; ``nan`` or ``inf`` for a failed evaluation.
        """
        recalled = self._recall(config)
        config = self.space.validate(config) if recalled is None else recalled
        if type(value) is not float and (
            not isinstance(value, numbers.Real) or isinstance(value, (bool, np.bool_))
        ):
            raise TypeError(
                f"value must be a real number (nan or inf for a failed evaluation); got {value!r}"
            )
        value = float(value)
        self.history.append((config, value))
        self.n_told += 1
        self._tell(config, value)

    def tell_batch(self, configs: Sequence[Mapping[str, Any]],
                   values: Sequence[float] | np.ndarray) -> None:
        """Record the values of several configurations, as :meth:`tell` of each pair in order.

        Parameters
        ----------
        configs : sequence of dict
            Configurations inside the space (asked or not), as for :meth:`tell`.
        values : sequence of float or ndarray of shape (n,)
            Their objective values, to be minimized; ``nan`` or ``inf`` for failures.

        Raises
        ------
        ValueError
            When ``configs`` and ``values`` differ in length, ``values`` is an array of more
            than one dimension, or a configuration is invalid (as :meth:`tell`; the pairs
            before it have then been told).
        TypeError
            When either is not a sequence, or a value is not a real number (as
            :meth:`tell`).

        Notes
        -----
        The result is always that of the loop ``for c, v in zip(configs, values):
        tell(c, v)``. Strategies that recognize a whole batch of the configurations they
        handed out, unchanged and with float values, record it at once (``_tell_batch``);
        any other batch goes through that loop.
        """
        if isinstance(configs, Mapping) or not isinstance(configs, Iterable):
            raise TypeError(f"configs must be a sequence of configurations (dicts); got "
                            f"{type(configs).__name__}")
        if isinstance(values, np.ndarray):
            if values.ndim != 1:
                raise ValueError(f"values must be one-dimensional; got shape {values.shape}")
            values = values.tolist()
        elif isinstance(values, Iterable) and not isinstance(values, (str, bytes)):
            values = list(values)
        else:
            raise TypeError(f"values must be a sequence of real numbers; got "
                            f"{type(values).__name__}")
        configs = list(configs)
        if len(configs) != len(values):
            raise ValueError(f"configs and values must have the same length; got "
                             f"{len(configs)} configs and {len(values)} values")
        if configs and set(map(type, values)) == {float}:
            owns = self._tell_batch(configs, values)
            if owns is not None:
                self.history.extend(zip(owns, values, strict=True))
                self.n_told += len(owns)
                return
        for config, value in zip(configs, values, strict=True):
            self.tell(config, value)

    def replay_ask(self, config: Mapping[str, Any]) -> None:
        """Put the strategy in the state it would be in had ``ask()`` returned ``config``.

        Used to rebuild a strategy from stored trials. By default it calls ``ask()``, which is
        exact since strategies are deterministic, and warns if the answer differs from
        ``config`` (the stored run came from another seed, space or version).
        """
        expected = self.space.validate(config)
        got = self.ask()
        if got != expected:
            warnings.warn(
                f"{type(self).__name__}.replay_ask: ask() proposed {got!r}, not the stored "
                f"{expected!r}; the rebuilt strategy differs from the stored run",
                UserWarning,
                stacklevel=2,
            )

    def get_params(self) -> dict[str, Any]:
        """The constructor's arguments but ``space``: ``make_strategy(s.name, s.space,
        **s.get_params())`` builds an identical, fresh strategy."""
        signature = inspect.signature(type(self).__init__)
        return {
            p: getattr(self, p)
            for p, param in signature.parameters.items()
            if p not in ("self", "space") and param.kind not in (param.VAR_POSITIONAL,
                                                                 param.VAR_KEYWORD)
        }

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"
