"""``tunelab.minimize``: create a :class:`~tunelab.study.Study` and run it, in one call."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from tunelab.search import Strategy
from tunelab.space import Space
from tunelab.study._loop import check_run_args
from tunelab.study.storage import SQLiteStorage
from tunelab.study.study import Study
from tunelab.study.trial import Trial

__all__ = ["minimize"]


def minimize(
    objective: Callable[..., float],
    space: Space,
    strategy: str | Strategy = "random",
    n_trials: int = 100,
    seed: int | None = None,
    n_jobs: int = 1,
    executor: Any = None,
    storage: str | os.PathLike | SQLiteStorage | None = None,
    timeout: float | None = None,
    direction: str = "minimize",
    callbacks: list[Callable[[Study, Trial], None]] | None = None,
    progress: bool | None = None,
    mode: str = "sync",
    *,
    strategy_options: Mapping[str, Any] | None = None,
    pruner: Callable[[Trial], bool] | None = None,
    catch: type[Exception] | tuple[type[Exception], ...] = (Exception,),
    load_if_exists: bool = False,
    pass_trial: bool | None = None,
) -> Study:
    """Search ``space`` for the configuration that minimizes ``objective``.

    ``Study(space, strategy, ...)`` followed by ``study.optimize(objective, n_trials, ...)``.
    Every argument is checked before anything runs or is written, so a bad one costs no
    trial and leaves no file behind.

    Parameters
    ----------
    objective : callable
        ``objective(config) -> float``, with ``config`` a dict of parameter name -> value;
        ``objective(trial) -> float`` to report intermediate values (``pass_trial``);
        ``objective(config, budget)`` with a budgeted strategy. It may return
        ``(value, gradient)`` for ``strategy="hypergradient"``. An exception or a non-finite
        value fails its trial, never the study (:mod:`tunelab.study.executors`).
    space : Space
        The search space.
    strategy : str or Strategy, default="random"
        A registry name (``tunelab.search.names()``: "grid", "random", "bayes", "genetic",
        "cmaes", "hyperband", ...) or a fresh strategy over ``space``.
    n_trials : int, default=100
        Trials to run, at least 1; fewer when ``timeout`` passes, a callback calls
        :meth:`Study.stop`, or a finite strategy (a grid) runs out.
    seed : int or None, default=None
        The strategy's seed; ``None`` draws one and keeps it in ``study.seed``. The same seed
        gives the same trials in sync mode, whatever ``n_jobs`` and the workers' timing.
    n_jobs : int, default=1
        Trials evaluated at once. Without ``executor``, ``n_jobs > 1`` starts a process pool
        (the objective must then be picklable).
    executor : concurrent.futures.Executor or None, default=None
        Where to evaluate: a process or thread pool, or a Dask ``client.get_executor()``.
        It is not shut down.
    storage : str, os.PathLike, SQLiteStorage or None, default=None
        An SQLite file that keeps every trial as it finishes; :meth:`Study.load` resumes
        from it. ``None`` keeps the study in memory.
    timeout : float or None, default=None
        Seconds after which no new trial starts; running ones finish.
    direction : {"minimize", "maximize"}, default="minimize"
        "maximize" tells the strategy the negated values; trials keep the returned ones.
    callbacks : list of callable or None, default=None
        ``callback(study, trial)`` after each finished, stored trial.
    progress : bool or None, default=None
        A tqdm bar on stderr; ``None`` shows it only when stderr is a terminal.
    mode : {"sync", "async"}, default="sync"
        "sync" asks ``n_jobs`` configurations at once and tells them in trial order:
        reproducible. "async" tells each trial as it finishes: every worker stays busy.
    strategy_options : dict or None, default=None
        Keyword options of the named strategy (``{"sampler": "sobol"}``), JSON-serializable.
    pruner : pruner, callable or None, default=None
        A :mod:`tunelab.pruners` rule, or ``pruner(trial) -> bool``, asked by
        ``trial.should_prune()``.
    catch : Exception subclass or tuple of them, default=(Exception,)
        The objective's errors that fail a trial and let the run go on; any other error
        fails its trial, is stored, and then propagates.
    load_if_exists : bool, default=False
        With a ``storage`` that already holds this study, resume it instead of refusing.
    pass_trial : bool or None, default=None
        Whether the objective receives the :class:`~tunelab.study.Trial` or the
        configuration. ``None`` reads the signature: a Trial when the first positional
        parameter is named ``trial`` or annotated ``Trial``.

    Returns
    -------
    Study
        The finished study: ``best_params``, ``best_value``, ``trials``.

    See Also
    --------
    Study.optimize : the same run on an existing study (more trials, or a resume).

    Examples
    --------
    >>> import tunelab as tl
    >>> space = tl.Space({"x": tl.Real(-5.0, 5.0), "k": tl.Integer(1, 4)})
    >>> study = tl.minimize(lambda c: (c["x"] - 1) ** 2 + c["k"], space, strategy="bayes",
    ...                     n_trials=40, seed=0, progress=False)
    >>> study.best_params["k"], round(study.best_params["x"], 2), round(study.best_value, 3)
    (1, 1.0, 1.0)
    """
    check_run_args(objective, n_trials, n_jobs=n_jobs, executor=executor, timeout=timeout,
                   callbacks=callbacks, progress=progress, mode=mode, catch=catch,
                   pass_trial=pass_trial)
    study = Study(space, strategy, seed=seed, storage=storage, direction=direction,
                  strategy_options=strategy_options, pruner=pruner,
                  load_if_exists=load_if_exists)
    study.optimize(objective, n_trials, n_jobs=n_jobs, executor=executor, timeout=timeout,
                   callbacks=callbacks, progress=progress, mode=mode, catch=catch,
                   pass_trial=pass_trial)
    return study
