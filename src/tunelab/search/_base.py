"""The ask/tell protocol shared by every search strategy.

A strategy proposes configurations (``ask``) and learns from their values (``tell``); it
always minimizes. The public methods validate and convert; subclasses implement only the
private ``_ask`` (a configuration, or a point of the unit cube that ``space.from_unit``
decodes) and, when they learn, ``_tell``.

Randomness flows from ``seed`` alone, through generators indexed by where they are used,
never carried from one call to the next: :meth:`Strategy._rng` is seeded by ``(seed,
n_asked)``; Bayesian optimization seeds its fits by ``(seed, tag, m)`` for the first ``m``
observations; the GA and CMA-ES draw each block of a generation from a Philox-started SFC64
stream at ``(tag, generation, block)`` (:mod:`tunelab.search._philox_sfc64`); the random and
budgeted strategies seed per block or per draw (each class's Notes). So a strategy is a
deterministic function of its seed and of the sequence of ask/tell calls, and a study
rebuilds one by replaying its stored trials (:meth:`Strategy.replay_ask`).

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
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from tunelab._validation import check_scalar
from tunelab.exceptions import SearchExhausted
from tunelab.search._told_values import as_values as _as_values
from tunelab.search._told_values import check_rows as _check_rows
from tunelab.search._told_values import check_value as _check_value
from tunelab.search._told_values import float_values as _float_values
from tunelab.space import Space

if TYPE_CHECKING:
    from tunelab.search._decoder import Decoder


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
        (Pairs told as arrays become dicts when ``history`` is first read after them.)

    Notes
    -----
    Subclasses implement ``_ask(self) -> dict | ndarray`` and, if they learn, ``_tell(self,
    config, value)``; ``config`` is validated, ``value`` a float, and ``history`` already
    holds the pair. They draw random numbers only from ``self._rng()``, store each
    constructor argument under its own name (:meth:`get_params` reads them back), and
    document how they treat failures. A strategy that can recognize the configurations it
    handed out may spare ``tell`` their validation through ``_recall``, and
    :meth:`tell_batch` the per-pair work through ``_tell_batch``; one that draws its
    proposals as arrays may hand them out and take them back as arrays, without a dict
    (:meth:`ask_array`, :meth:`tell_array`), through ``_ask_rows`` and ``_tell_rows``.
    """

    name: str = ""
    _pruned_as_value = False  # tell_pruned: its intermediate value (True) or nan (False)

    def __init__(self, space: Space, *, seed: int | None = None) -> None:
        if not isinstance(space, Space):
            raise TypeError(f"space must be a tunelab Space; got {type(space).__name__}")
        if seed is None:
            seed = int(np.random.SeedSequence().entropy) >> 65  # 63 bits: fits SQLite INTEGER
        self.space = space
        self.seed = int(check_scalar(seed, "seed", kind=int, low=0))
        self.n_asked = 0
        self.n_told = 0
        self._history: list[tuple[dict[str, Any], float]] = []
        self._unrecorded: list[tuple[np.ndarray, np.ndarray]] = []  # told as rows

    @property
    def history(self) -> list[tuple[dict[str, Any], float]]:
        if self._unrecorded:  # rows told by tell_array, decoded on demand
            decoder = self._rows_decoder("history")
            for rows, values in self._unrecorded:
                self._history.extend(zip(decoder.configs(rows), values.tolist(), strict=True))
            self._unrecorded = []
        return self._history

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

    def _ask_rows(self, n: int) -> np.ndarray | None:
        """Up to ``n`` proposals as rows of values (see :meth:`ask_array`), at least one, or
        ``None`` (the default) for :meth:`ask_array` to encode ``ask_batch(n)``."""
        return None

    def _tell_rows(self, X: np.ndarray, values: np.ndarray) -> np.ndarray | None:
        """Learn rows of values when they are proposals this strategy handed out, unchanged,
        and learning them at once gives what ``tell`` of each pair in order would: return
        the rows to record in ``history`` (``n_told`` is updated by :meth:`tell_array`), or
        ``None`` (the default), having changed nothing. ``X`` is a float array of two
        dimensions, as many rows as ``values`` (floats), and not checked otherwise: rows
        equal to rows handed out are valid."""
        return None

    def _rows_decoder(self, method: str) -> Decoder:
        """The space's :class:`Decoder` (kept in ``_decoder``); ``ValueError`` for a
        conditional space, whose configurations have no fixed columns."""
        decoder = getattr(self, "_decoder", None)
        if decoder is None:  # imported here: it loads Numba, which most strategies never need
            from tunelab.search._decoder import Decoder

            decoder = self._decoder = Decoder(self.space)
        if decoder.conditional:
            raise ValueError(f"{method} needs a space without conditions (a configuration "
                             f"of a conditional space has no fixed columns); use ask/tell")
        return decoder

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

    def ask_array(self, n: int) -> np.ndarray:
        """Return up to ``n`` configurations as the rows of an array, for vectorized objectives.

        The configurations are those :meth:`ask_batch` would return. Column ``j`` holds
        parameter ``j`` of the space (in its order): the value of a real or integer parameter
        (integers as whole floats), the index in ``choices`` of a categorical one.
        Strategies that draw their proposals as arrays (the genetic algorithm, CMA-ES) hand
        them out without building a dict; give the array back to :meth:`tell_array`.

        Parameters
        ----------
        n : int
            At most this many rows, ``>= 1``.

        Returns
        -------
        ndarray of shape (m, d)
            ``1 <= m <= n`` rows, ``d = len(space)``; the caller owns it.

        Raises
        ------
        ValueError
            For a space with conditions (use :meth:`ask_batch`), or ``n < 1``.
        SearchExhausted
            As :meth:`ask_batch`.
        """
        n = check_scalar(n, "n", kind=int, low=1)
        decoder = self._rows_decoder("ask_array")
        rows = self._ask_rows(n)
        if rows is None:
            return decoder.rows(self.ask_batch(n))
        self.n_asked += len(rows)
        return rows

    def tell_array(self, X: Any, values: Sequence[float] | np.ndarray) -> None:
        """Record the values of the configurations in the rows of ``X`` (encoded as
        :meth:`ask_array` gives them), as :meth:`tell_batch` of their dicts.

        Parameters
        ----------
        X : array-like of shape (m, d)
            Finite values, a row per configuration (asked or not), ``d = len(space)``.
        values : sequence of float or ndarray of shape (m,)
            Their objective values, to be minimized; ``nan`` or ``inf`` for failures.

        Raises
        ------
        ValueError
            For a space with conditions, an ``X`` of another shape or with a non-finite
            entry, an integer or category index that is not whole or lies outside its range
            (nothing is told then), a real value outside its bounds (as :meth:`tell_batch`),
            or ``values`` of another length.
        TypeError
            When ``X`` is not numeric, or a value is not a real number.

        Notes
        -----
        Rows handed out by :meth:`ask_array` and given back unchanged (equal values, in the
        same order) are recorded without a dict being built: ``history`` decodes them when
        it is next read. Any other array is decoded and told through :meth:`tell_batch`.
        """
        decoder = self._rows_decoder("tell_array")
        values = _float_values(values)
        if (type(X) is np.ndarray and X.dtype == np.float64 and X.ndim == 2
                and len(X) == len(values) > 0):  # perhaps rows handed out: no check needed
            own = self._tell_rows(X, values)
            if own is not None:
                self._unrecorded.append((own, values))
                self.n_told += len(values)
                return
        X = _check_rows(X, len(self.space))
        if len(values) != len(X):
            raise ValueError(f"X and values must have the same length; got {len(X)} rows "
                             f"and {len(values)} values")
        if len(values):
            self.tell_batch(decoder.checked_configs(X), values.tolist())

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
        value = value if type(value) is float else _check_value(value)
        self.history.append((config, value))
        self.n_told += 1
        self._tell(config, value)

    def tell_pruned(self, config: Mapping[str, Any], value: float, step: int) -> None:
        """Record a configuration whose evaluation a pruner stopped at ``step``.

        Parameters
        ----------
        config : dict
            A configuration inside the space, as for :meth:`tell`.
        value : float
            Its last intermediate value, reported at ``step``, to be minimized (finite).
        step : int
            The step of that value (epochs, or any resource), >= 0.

        Notes
        -----
        A pruned trial is a value at a lower budget: for a learning curve that falls with the
        steps, an upper bound of what the full evaluation would have given, and evidence
        that its configuration was worse than most others at that step. By default it is told
        as a failed evaluation, ``tell(config, nan)``: random, Sobol', Latin hypercube and grid
        search learn nothing from values; the genetic algorithm and CMA-ES rank it below every
        evaluated configuration. :class:`~tunelab.search.BayesianOptimization` is told the
        intermediate value as if it were the final one (``tell(config, value)``), so its GP
        sees how bad the region looked, not the largest value seen. Measured by
        ``benchmarks/pruned_trials.py`` (benchmarks/RESULTS.md, 20 seeds, Median pruner, at
        equal epochs): for BO the value beat the failure on Branin (median final regret 0.0081
        against 0.17, Wilcoxon p = 0.017) and tied on Hartmann-6 (p = 0.60); for CMA-ES the
        two tied (p = 0.23 and 0.12, in opposite directions), so it keeps the default.
        """
        if not math.isfinite(_check_value(value)):
            raise ValueError(f"value of a pruned trial must be finite; got {value!r}")
        check_scalar(step, "step", kind=int, low=0)
        self.tell(config, float(value) if self._pruned_as_value else math.nan)

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
        values = _as_values(values)
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
            warn_replay_differs(self, "ask()", got, expected)

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


def warn_replay_differs(strategy: Strategy, method: str, proposed: Any, stored: Any) -> None:
    """Warn that ``replay_ask`` found the strategy proposing something else than the stored
    run did (another seed, space or version made that run)."""
    warnings.warn(
        f"{type(strategy).__name__}.replay_ask: {method} proposed {proposed!r}, not the stored "
        f"{stored!r}; the rebuilt strategy differs from the stored run",
        UserWarning,
        stacklevel=3,
    )
