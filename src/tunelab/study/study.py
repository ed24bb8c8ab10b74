"""Studies: run the outer loop, keep every trial, resume where a run stopped.

A :class:`Study` asks its strategy for configurations, evaluates the objective on them
(here, in a process pool, or on any ``concurrent.futures`` executor such as Dask's), tells
the strategy the values and keeps every trial, in memory and, given a ``storage`` path, in
an SQLite file (:mod:`tunelab.study.storage`) that :meth:`Study.load` resumes from.

Every trial is stored RUNNING before its objective starts and finished in its own
transaction when it ends; a study killed at any moment resumes with no trial lost or
duplicated, and re-runs the configurations that were running with the same parameters.
The strategy is rebuilt by replaying the stored asks and tells in their original order
(:mod:`tunelab.study._replay`), so a resumed study continues exactly as one that never
stopped would have.

References
----------
.. [1] T. Akiba, S. Sano, T. Yanase, T. Ohta and M. Koyama, "Optuna: a next-generation
   hyperparameter optimization framework", KDD 2019 (studies, trials and their states,
   pruning from intermediate values, Sec. 2-4).
.. [2] J. Bergstra, D. Yamins and D. D. Cox, "Making a science of model search", ICML 2013
   (the trials database of hyperopt: every evaluation kept with its status).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Mapping
from itertools import count
from typing import Any

from tunelab._validation import check_choice
from tunelab.search import Strategy
from tunelab.space import Space
from tunelab.study import _budgets, _export, _parts
from tunelab.study._loop import Run, execute
from tunelab.study._parts import build_strategy, check_same_settings, open_storage, stored_options
from tunelab.study._replay import event_order, replay, tell
from tunelab.study.executors import resolve_pass_trial
from tunelab.study.storage import SQLiteStorage
from tunelab.study.trial import Trial, TrialState

DIRECTIONS = ("minimize", "maximize")


class Study:
    """The trials of one search, the strategy that proposes them, and where they are stored.

    Parameters
    ----------
    space : Space
        The search space.
    strategy : str or Strategy, default="random"
        A registry name (``tunelab.search.names()``) or a fresh strategy over ``space``.
    seed : int or None, default=None
        The strategy's seed (with a name); ``None`` draws one, kept in :attr:`seed`.
    storage : str, os.PathLike, SQLiteStorage or None, default=None
        An SQLite file to keep the study in; it must not hold a study yet
        (:meth:`load` resumes one). ``None`` keeps the study in memory only.
    direction : {"minimize", "maximize"}, default="minimize"
        With "maximize" the strategy is told the negated values; trials keep the values as
        the objective returned them.
    strategy_options : dict or None, default=None
        Keyword options of the named strategy (``{"sampler": "sobol"}``); stored, so they
        must be JSON-serializable.
    pruner : pruner, callable or None, default=None
        Asked by ``Trial.should_prune``: a :mod:`tunelab.pruners` rule, which sees every
        trial's reports through the storage (or a temporary SQLite file without one), or a
        callable ``pruner(trial) -> bool``; picklable when trials run in a process pool.
    load_if_exists : bool, default=False
        With a ``storage`` that already holds a study, resume it (as :meth:`load` does)
        instead of refusing; its space, strategy, options and direction must equal the ones
        given, and its seed too unless ``seed`` is ``None``.

    Attributes
    ----------
    trials : list of Trial
        Every trial, by number.
    best_trial, best_params, best_value
        The best COMPLETE trial, its configuration and value (``ValueError`` if none).
    strategy : Strategy
    seed : int
        The strategy's seed, stored so that the run can be replayed.

    Examples
    --------
    >>> import tunelab as tl
    >>> space = tl.Space({"x": tl.Real(-2.0, 2.0)})
    >>> study = tl.Study(space, "random", seed=0)
    >>> study.optimize(lambda config: (config["x"] - 1.0) ** 2, n_trials=30, progress=False)
    >>> len(study.trials), abs(study.best_params["x"] - 1.0) < 0.2
    (30, True)
    """

    def __init__(
        self,
        space: Space,
        strategy: str | Strategy = "random",
        *,
        seed: int | None = None,
        storage: str | os.PathLike | SQLiteStorage | None = None,
        direction: str = "minimize",
        strategy_options: Mapping[str, Any] | None = None,
        pruner: Callable[[Trial], bool] | None = None,
        load_if_exists: bool = False,
    ) -> None:
        if not isinstance(load_if_exists, bool):
            raise TypeError(f"load_if_exists must be True or False; got {load_if_exists!r}")
        if not isinstance(space, Space):
            raise TypeError(f"space must be a tunelab Space; got {type(space).__name__}")
        check_choice(direction, "direction", DIRECTIONS)
        self.space, self.direction = space, direction
        self.pruner = _parts.check_pruner(pruner)
        self.strategy = build_strategy(strategy, space, seed, strategy_options)
        self._options = stored_options(self.strategy, storage)
        self._trials: list[Trial] = []
        self._best: Trial | None = None
        self._seq = 0  # position of the next ask or tell in the event order
        self._stop_requested = self._warned_no_reports = False
        self._scratch: SQLiteStorage | None = None  # reports of a study without storage
        self._storage = None if storage is None else open_storage(storage)
        if self._storage is not None:
            try:
                if load_if_exists and self._storage.has_study():
                    self._resume_stored(seed)
                else:
                    self._storage.create_study(self._settings())
            except BaseException:
                self._storage.close()
                raise

    def _resume_stored(self, seed: int | None) -> None:
        """Become the study stored in ``self._storage``, checked against these settings."""
        check_same_settings(self._storage, self._settings(), seed_given=seed is not None)
        loaded = Study.load(self._storage, pruner=self.pruner)
        self.__dict__.update(loaded.__dict__)

    @property
    def seed(self) -> int:
        """The strategy's seed."""
        return self.strategy.seed

    def _settings(self) -> dict[str, Any]:
        return {
            "space": self.space.to_dict(),
            "strategy": self.strategy.name,
            "strategy_options": self._options,
            "seed": self.seed,
            "direction": self.direction,
        }

    @classmethod
    def load(
        cls, path: str | os.PathLike | SQLiteStorage, *, pruner: Callable | None = None
    ) -> Study:
        """Resume a stored study: its trials, and its strategy rebuilt by replay.

        Trials stored RUNNING (their process stopped before they ended) are run again, with
        the same configuration, first thing in the next :meth:`optimize`. A pruner is code,
        not stored: pass the study's own as ``pruner`` (a study with PRUNED trials loaded
        without one warns, since the trials it runs next would not be pruned).
        """
        if not isinstance(path, SQLiteStorage) and not os.path.exists(path):
            raise FileNotFoundError(f"path {os.fspath(path)!r} does not exist")
        storage = open_storage(path)
        settings = storage.settings()
        study = cls(Space.from_dict(settings["space"]), settings["strategy"],
                    seed=settings["seed"], direction=settings["direction"],
                    strategy_options=settings["strategy_options"])
        study.pruner = _parts.check_pruner(pruner)
        stored = storage.load_trials()
        pruned = sum(s.trial.state is TrialState.PRUNED for s in stored)
        if pruned and pruner is None:
            warnings.warn(
                f"Study.load: the stored study has {pruned} PRUNED trial(s) but no pruner was "
                "given, so the trials it runs next are not pruned; pass the study's pruner, "
                "Study.load(path, pruner=...) (a pruner is code and is not stored)",
                UserWarning, stacklevel=2)
        for s in stored:
            s.trial._ask_seq = s.ask_seq
        replay(study.strategy, event_order(stored), study.direction)
        study._storage = storage
        study._trials = [s.trial for s in stored]
        seqs = [s.ask_seq for s in stored] + [s.tell_seq for s in stored if s.tell_seq is not None]
        study._seq = max(seqs, default=-1) + 1
        for trial in study._trials:
            study._update_best(trial)
        return study

    def optimize(
        self,
        objective: Callable[..., float],
        n_trials: int = 100,
        *,
        n_jobs: int = 1,
        executor: Any = None,
        timeout: float | None = None,
        callbacks: list[Callable[[Study, Trial], None]] | None = None,
        progress: bool | None = None,
        mode: str = "sync",
        catch: type[Exception] | tuple[type[Exception], ...] = (Exception,),
        pass_trial: bool | None = None,
    ) -> None:
        """Run ``n_trials`` more trials (RUNNING ones left by a crash are re-run first).

        Parameters
        ----------
        objective : callable
            ``objective(config) -> float`` or ``objective(trial) -> float`` (``pass_trial``);
            ``objective(config, budget)`` with a budgeted strategy (``"hyperband"``,
            ``"successive_halving"``). :mod:`tunelab.study.executors` states the rules.
        n_trials : int, default=100
            Trials to run in this call, at least 1. Fewer run if ``timeout`` passes, a
            callback calls :meth:`stop`, or a finite strategy (a grid) runs out.
        n_jobs : int, default=1
            Trials evaluated at once. Without ``executor``, ``n_jobs > 1`` starts a process
            pool of ``n_jobs`` workers (forkserver or spawn; the objective must be picklable).
        executor : concurrent.futures.Executor or None, default=None
            Where to evaluate, ``n_jobs`` trials at a time: a process or thread pool, or a
            Dask ``client.get_executor()``. It is not shut down.
        timeout : float or None, default=None
            Seconds after which no new trial starts; running ones finish.
        callbacks : list of callable, default=None
            ``callback(study, trial)``, called after each trial is finished and stored. An
            exception in a callback ends the call and propagates; trials still in flight
            stay RUNNING and are re-run by the next ``optimize``.
        progress : bool or None, default=None
            A tqdm bar on stderr; ``None`` shows it only when stderr is a terminal.
        mode : {"sync", "async"}, default="sync"
            "sync" asks ``n_jobs`` configurations at once and tells their values in trial
            order when all have finished: the same trials whatever the timing. "async" tells
            each trial as it finishes and asks the next at once, which keeps every worker busy
            when durations vary, at the price of reproducibility: what the strategy has been
            told when it asks depends on which trials finished first.
        catch : Exception subclass or tuple of them, default=(Exception,)
            The objective's errors that fail its trial and let the run go on. Any other
            error (with ``catch=()``, every error) fails its trial too, is stored, and then
            ends the call by propagating, as Optuna's ``catch`` does. (Optuna's default is
            ``()``; this one lets a failing objective fail its trial, never the study.)
        pass_trial : bool or None, default=None
            Whether the objective receives the :class:`Trial` (to ``report`` and
            ``should_prune``) or the configuration as a dict. ``None`` reads it from the
            signature: a Trial when the first positional parameter is named ``trial`` or
            annotated ``Trial``.

        Raises
        ------
        AllTrialsFailedError
            When every trial of the study has failed; the message shows the first error.
        WorkerStartError
            When a process pool's workers die before any trial comes back (a script without
            the ``if __name__ == "__main__":`` guard, or an objective that kills its process).

        Notes
        -----
        Each failed trial gives a :class:`~tunelab.exceptions.TrialFailedWarning` with its
        traceback (the first three of a call; later ones are counted in one warning at the
        end), so that a failing objective is never silent; the trial keeps it in
        ``trial.error``.

        ``KeyboardInterrupt`` ends the call cleanly: every finished trial is kept, the trials
        it interrupted are marked FAILED (their error says so), and a warning tells how many
        trials were kept; a second interrupt during that cleanup propagates.
        """
        _budgets.check_objective(self.strategy, objective,
                                 resolve_pass_trial(objective, pass_trial))
        run = Run.create(
            objective, n_trials, n_jobs=n_jobs, executor=executor, timeout=timeout,
            callbacks=callbacks, progress=progress, mode=mode, catch=catch,
            pass_trial=pass_trial,
        )
        self._stop_requested = False
        pending = [t for t in self._trials if t.state is TrialState.RUNNING][:n_trials]
        if self._storage is not None:
            for trial in pending:  # reports of a run killed while the trial ran
                self._storage.clear_reports(trial.number)
        try:
            execute(self, run, pending)
            run.check_outcome(self)
        except KeyboardInterrupt:
            warnings.warn(
                f"study interrupted (KeyboardInterrupt); {len(self._trials)} trials kept, the "
                "interrupted ones marked FAILED",
                UserWarning,
                stacklevel=2,
            )
        finally:
            run.close()

    def stop(self) -> None:
        """Start no new trial in the running :meth:`optimize` (call it from a callback)."""
        self._stop_requested = True

    # -- the hooks of the loop (tunelab.study._loop) ----------------------------------------

    def _ask(self, n: int) -> list[Trial]:
        """Ask for up to ``n`` configurations and record them as RUNNING trials."""
        pairs = _budgets.ask(self.strategy, n)
        trials = [Trial(i, c, budget=b) for i, (c, b) in zip(count(len(self._trials)), pairs)]
        for seq, trial in enumerate(trials, self._seq):
            trial._ask_seq = seq
        store = _parts.report_store(self)
        if store is not None:
            store.add_trials(trials, range(self._seq, self._seq + len(trials)))
        self._seq += len(trials)
        self._trials.extend(trials)
        return trials

    def _finish(self, trial: Trial, run: Run) -> None:
        """Tell the strategy a finished trial, store it, then report it."""
        tell(self.strategy, trial, self.direction)
        trial._tell_seq = self._seq
        store = _parts.report_store(self)
        if store is not None:
            store.finish_trial(trial, self._seq)
        _parts.warn_no_reports(self, trial)
        self._seq += 1
        self._update_best(trial)
        run.report(self, trial)

    def _update_best(self, trial: Trial) -> None:
        if trial.state is not TrialState.COMPLETE:
            return
        sign = 1.0 if self.direction == "minimize" else -1.0
        if self._best is None or sign * trial.value < sign * self._best.value:
            self._best = trial

    # -- results ------------------------------------------------------------------------------

    @property
    def trials(self) -> list[Trial]:
        """Every trial, by number (a new list of the study's trials)."""
        return list(self._trials)

    @property
    def best_trial(self) -> Trial:
        """The COMPLETE trial of least value (greatest when maximizing); ties: the first."""
        if self._best is None:
            raise ValueError("the study has no COMPLETE trial yet, so no best trial")
        return self._best

    @property
    def best_params(self) -> dict[str, Any]:
        """The configuration of :attr:`best_trial`."""
        return dict(self.best_trial.params)

    @property
    def best_value(self) -> float:
        """The value of :attr:`best_trial`."""
        return self.best_trial.value

    def trials_dataframe(self) -> Any:
        """Every trial as a pandas ``DataFrame``, one row per trial, columns as Optuna's.

        Columns: ``number``, ``value``, ``datetime_start``, ``datetime_complete``,
        ``duration`` (``Timedelta``), ``params_<name>`` for each parameter of the space (NaN
        where inactive), ``state`` (the state's name) and ``error``. Needs pandas, which
        tunelab does not depend on.
        """
        return _export.trials_dataframe(self._trials, self.space.names)

    def to_csv(self, path: str | os.PathLike) -> None:
        """Write one row per trial (see :func:`tunelab.study._export.write_csv`)."""
        _export.write_csv(self.trials, self.space.names, path)

    def to_json(self, path: str | os.PathLike) -> None:
        """Write the settings and every trial as one JSON document."""
        _export.write_json({**self._settings(), "trials": self.trials}, path)

    def __repr__(self) -> str:
        best = "None" if self._best is None else f"{self._best.value!r}"
        return (f"Study(strategy={self.strategy.name!r}, direction={self.direction!r}, "
                f"n_trials={len(self._trials)}, best_value={best})")
