"""Adapters of the peers that see a space's native dimensions: Optuna, scikit-optimize,
hyperopt; and :class:`PeerAdapter`, the base of every adapter.

See :mod:`tunelab.bench.peers` for the mapping of spaces, the seeds and the treatment of
failed evaluations.
"""

from __future__ import annotations

import abc
import math
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from tunelab._validation import check_scalar
from tunelab.space import Categorical, Integer, Real, Space

__all__ = ["HyperoptTPE", "OptunaAdapter", "PeerAdapter", "SkoptGP"]


# --- the protocol ---------------------------------------------------------------------------


class PeerAdapter(abc.ABC):
    """Base of the adapters: validation and bookkeeping around a library's own ask/tell.

    Parameters
    ----------
    space : Space
        The search space.
    seed : int, default=0
        Seed of all the adapter's randomness, >= 0.

    Attributes
    ----------
    n_asked, n_told : int
        Configurations asked and told so far.

    Notes
    -----
    Subclasses implement ``_ask() -> (config, handle)`` and ``_tell(handle, value)``; the
    handle is what the library needs to match the value to its proposal. ``tell`` accepts
    only asked, not yet told configurations.
    """

    name = ""

    def __init__(self, space: Space, *, seed: int = 0) -> None:
        if not isinstance(space, Space):
            raise TypeError(f"space must be a tunelab Space; got {type(space).__name__}")
        self.space = space
        self.seed = int(check_scalar(seed, "seed", kind=int, low=0))
        self.n_asked = self.n_told = 0
        self._pending: list[tuple[dict[str, Any], Any]] = []
        self._worst = -math.inf  # the worst finite value told so far

    def ask(self) -> dict[str, Any]:
        """The next configuration, validated, inside the space."""
        config, handle = self._ask()
        config = self.space.validate(config)
        self._pending.append((config, handle))
        self.n_asked += 1
        return config

    def tell(self, config: Mapping[str, Any], value: float) -> None:
        """Record the value of an asked configuration (``nan``/``inf``: a failure)."""
        self._tell(*self._take(config, value))
        self.n_told += 1

    def _take(self, config: Mapping[str, Any], value: float) -> tuple[Any, float]:
        """Validate a told pair: the handle of the pending proposal ``config``, removed from
        the pending list, and ``value`` as a float (the worst finite value updated)."""
        config = self.space.validate(config)
        index = next((i for i, (asked, _) in enumerate(self._pending) if asked == config), None)
        if index is None:
            raise ValueError(f"config was not asked, or was told already: {config!r}")
        _, handle = self._pending.pop(index)
        value = float(value)
        if math.isfinite(value):
            self._worst = max(self._worst, value)
        return handle, value

    @abc.abstractmethod
    def _ask(self) -> tuple[dict[str, Any], Any]:
        """Propose a configuration and the library's handle on it."""

    @abc.abstractmethod
    def _tell(self, handle: Any, value: float) -> None:
        """Give the library the value of the proposal ``handle``."""

    def _substitute(self, value: float, default: float | None) -> float | None:
        """``value`` if finite, else the worst finite value so far, else ``default``."""
        if math.isfinite(value):
            return value
        return self._worst if math.isfinite(self._worst) else default

    def __repr__(self) -> str:
        return f"{type(self).__name__}(seed={self.seed})"


def _seed32(seed: int) -> int:
    return int(np.random.SeedSequence(seed).generate_state(1)[0])


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _active(space: Space, name: str, partial: Mapping[str, Any]) -> bool:
    """Whether parameter ``name`` is active given the parameters before it."""
    rule = space.conditions.get(name)
    if rule is None:
        return True
    parent, values = rule
    choices = space[parent]
    return parent in partial and choices.index(partial[parent]) in {choices.index(v)
                                                                    for v in values}


def _drop_inactive(space: Space, full: Mapping[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for name in space:
        if _active(space, name, config):
            config[name] = _plain(full[name])
    return config


# --- Optuna ---------------------------------------------------------------------------------


class OptunaAdapter(PeerAdapter):
    """An Optuna study driven by ``study.ask()``/``study.tell()``.

    Parameters
    ----------
    space : Space
    seed : int, default=0
    sampler : {"tpe", "gp", "cmaes", "random"}, default="tpe"
        ``TPESampler``, ``GPSampler`` (needs torch), ``CmaEsSampler`` (needs cmaes; it
        samples categorical parameters independently) or ``RandomSampler``, each with its
        defaults and the 32-bit seed.
    """

    def __init__(self, space: Space, *, seed: int = 0, sampler: str = "tpe") -> None:
        super().__init__(space, seed=seed)
        import optuna

        optuna.logging.set_verbosity(optuna.logging.ERROR)
        samplers = {"tpe": optuna.samplers.TPESampler, "gp": optuna.samplers.GPSampler,
                    "cmaes": optuna.samplers.CmaEsSampler,
                    "random": optuna.samplers.RandomSampler}
        if sampler not in samplers:
            raise ValueError(f"sampler must be one of {sorted(samplers)}; got {sampler!r}")
        self.sampler = sampler
        self.name = f"optuna_{sampler}"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            instance = samplers[sampler](seed=_seed32(self.seed))
        self._study = optuna.create_study(direction="minimize", sampler=instance)

    def _ask(self) -> tuple[dict[str, Any], Any]:
        trial = self._study.ask()
        config: dict[str, Any] = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # CmaEsSampler: independent sampling
            for name, dim in self.space.items():
                if _active(self.space, name, config):
                    config[name] = _suggest(trial, name, dim)
        return config, trial

    def _tell(self, trial: Any, value: float) -> None:
        from optuna.trial import TrialState

        if math.isfinite(value):
            self._study.tell(trial, value)
        else:
            self._study.tell(trial, state=TrialState.FAIL)


def _suggest(trial: Any, name: str, dim: Any) -> Any:
    if isinstance(dim, Real):
        return trial.suggest_float(name, dim.low, dim.high, log=dim.log)
    if isinstance(dim, Integer):
        return trial.suggest_int(name, dim.low, dim.high, log=dim.log)
    return trial.suggest_categorical(name, list(dim.choices))


# --- scikit-optimize ------------------------------------------------------------------------


class SkoptGP(PeerAdapter):
    """``skopt.Optimizer`` with a Gaussian-process surrogate (skopt's ``gp_minimize``).

    Parameters
    ----------
    space : Space
    seed : int, default=0
    n_initial_points : int, default=10
        Random points before the first surrogate fit.
    acq_func : str, default="gp_hedge"
        skopt's acquisition (``"gp_hedge"``, ``"EI"``, ``"LCB"``, ``"PI"``).

    Notes
    -----
    Each ``tell`` refits the surrogate and optimizes the acquisition; for batches,
    :meth:`ask_batch` and :meth:`tell_batch` use skopt's constant liar and one refit.
    """

    name = "skopt_gp"

    def __init__(self, space: Space, *, seed: int = 0, n_initial_points: int = 10,
                 acq_func: str = "gp_hedge") -> None:
        super().__init__(space, seed=seed)
        from skopt import Optimizer

        self.n_initial_points, self.acq_func = n_initial_points, acq_func
        self._optimizer = Optimizer([_skopt_dim(d) for d in space.values()],
                                    base_estimator="GP", n_initial_points=n_initial_points,
                                    acq_func=acq_func, random_state=_seed32(self.seed))

    def _ask(self) -> tuple[dict[str, Any], Any]:
        x = self._optimizer.ask()
        return _drop_inactive(self.space, dict(zip(self.space, x, strict=True))), x

    def _tell(self, x: Any, value: float) -> None:
        value = self._substitute(value, None)
        if value is not None:
            self._optimizer.tell(x, value)

    def ask_batch(self, n: int) -> list[dict[str, Any]]:
        """``n`` configurations from scikit-optimize's own batch ask, ``ask(n_points=n)``.

        The batch is built by the constant liar ``cl_min`` (Ginsbourger et al. 2010): on a
        copy of the optimizer, each proposal is told the best value so far, :math:`y^* =
        \\min_i y_i`, and the surrogate refitted before the next. The sequential ``ask``
        would return the same point ``n`` times, as scikit-optimize proposes anew only when
        told.
        """
        n = int(check_scalar(n, "n", kind=int, low=1))
        configs = []
        for x in self._optimizer.ask(n_points=n, strategy="cl_min"):
            config = self.space.validate(_drop_inactive(self.space,
                                                        dict(zip(self.space, x, strict=True))))
            self._pending.append((config, x))
            self.n_asked += 1
            configs.append(config)
        return configs

    def tell_batch(self, configs: list[Mapping[str, Any]], values: list[float]) -> None:
        """Record the values of asked configurations with one refit of the surrogate
        (``tell`` refits once per value); failures as in ``tell``. A refused batch (a
        configuration not pending) leaves the state as it was."""
        if len(configs) != len(values):
            raise ValueError(f"configs and values differ in length: {len(configs)} and "
                             f"{len(values)}")
        saved = list(self._pending), self._worst
        try:
            taken = [self._take(c, v) for c, v in zip(configs, values, strict=True)]
        except ValueError:
            self._pending, self._worst = saved
            raise
        self.n_told += len(taken)
        told = [(x, self._substitute(y, None)) for x, y in taken]
        told = [(x, y) for x, y in told if y is not None]
        if told:
            self._optimizer.tell([x for x, _ in told], [y for _, y in told])


def _skopt_dim(dim: Any) -> Any:
    from skopt import space as sk

    prior = "log-uniform" if getattr(dim, "log", False) else "uniform"
    if isinstance(dim, Real):
        return sk.Real(dim.low, dim.high, prior=prior)
    if isinstance(dim, Integer):
        return sk.Integer(dim.low, dim.high, prior=prior)
    return sk.Categorical(list(dim.choices))


# --- hyperopt -------------------------------------------------------------------------------


class HyperoptTPE(PeerAdapter):
    """hyperopt's TPE (``tpe.suggest``) on a ``Trials`` object filled one trial at a time.

    Parameters
    ----------
    space : Space
    seed : int, default=0
    n_startup_jobs : int, default=20
        Random trials before TPE proper (hyperopt's default).

    Notes
    -----
    ``Real`` maps to ``hp.uniform``/``hp.loguniform``, ``Integer`` to ``hp.quniform`` or
    ``hp.qloguniform`` with ``q = 1`` (rounded, clipped to the bounds), ``Categorical`` to
    ``hp.choice``.
    """

    name = "hyperopt_tpe"

    def __init__(self, space: Space, *, seed: int = 0, n_startup_jobs: int = 20) -> None:
        super().__init__(space, seed=seed)
        from hyperopt import Trials, hp
        from hyperopt.base import Domain

        self.n_startup_jobs = n_startup_jobs
        self._hp_space = {name: _hp_dim(hp, name, dim) for name, dim in space.items()}
        self._domain = Domain(_never_called, self._hp_space)
        self._trials = Trials()
        self._rng = np.random.default_rng(self.seed)

    def _ask(self) -> tuple[dict[str, Any], Any]:
        from hyperopt import space_eval, tpe

        ids = self._trials.new_trial_ids(1)
        self._trials.refresh()
        docs = tpe.suggest(ids, self._domain, self._trials, int(self._rng.integers(2**31 - 1)),
                           n_startup_jobs=self.n_startup_jobs)
        self._trials.insert_trial_docs(docs)
        self._trials.refresh()
        vals = {k: v[0] for k, v in docs[0]["misc"]["vals"].items() if v}
        full = space_eval(self._hp_space, vals)
        for name, dim in self.space.items():
            if isinstance(dim, Integer):
                full[name] = int(np.clip(round(full[name]), dim.low, dim.high))
        return _drop_inactive(self.space, full), docs[0]["tid"]

    def _tell(self, tid: int, value: float) -> None:
        from hyperopt import JOB_STATE_DONE, STATUS_FAIL, STATUS_OK

        for trial in self._trials.trials:
            if trial["tid"] == tid:
                trial["state"] = JOB_STATE_DONE
                trial["result"] = ({"loss": value, "status": STATUS_OK} if math.isfinite(value)
                                   else {"status": STATUS_FAIL})
        self._trials.refresh()


def _never_called(config: Any) -> float:
    raise RuntimeError("the benchmark runner evaluates configurations, not hyperopt")


def _hp_dim(hp: Any, name: str, dim: Any) -> Any:
    if isinstance(dim, Categorical):
        return hp.choice(name, list(dim.choices))
    if dim.log:
        low, high = math.log(dim.low), math.log(dim.high)
        return hp.loguniform(name, low, high) if isinstance(dim, Real) else hp.qloguniform(
            name, low, high, 1)
    if isinstance(dim, Real):
        return hp.uniform(name, dim.low, dim.high)
    return hp.quniform(name, dim.low, dim.high, 1)
