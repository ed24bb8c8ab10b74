"""Running one trial, here or in a worker, and the default process pool.

:func:`run_trial` is the unit of work sent to an executor: it calls the objective, catches
what the objective raises, checks what it returns, and gives back the finished
:class:`~tunelab.study.trial.Trial`. It never raises for the objective's sake, so a failing
objective fails its trial and not the study.

Rules for objectives
--------------------
* The objective receives a :class:`~tunelab.study.trial.Trial` or the configuration as a
  ``dict`` (a copy: changing it changes nothing), with the budget as its second argument
  when a budgeted strategy chose one (``trial.budget``). Which one is said by
  ``optimize(..., pass_trial=True | False)``; left at ``None``, :func:`takes_trial` reads it
  from the signature: a Trial when the first positional parameter is named ``trial`` or
  annotated ``Trial``, the configuration otherwise.
* It returns a real number. An exception, a non-finite number or anything that is not a
  real number (a string, ``None``, a bool, an array that is not 0-d) fails the trial;
  :class:`~tunelab.study.trial.TrialPruned` prunes it. It may return ``(value, gradient)``,
  ``gradient`` a dict of parameter name -> finite derivative (a number or an array), kept in
  ``trial.gradient`` and told to strategies that use it (``HypergradientSearch``).
* With a process pool it must be picklable: a function defined at the top level of an
  importable module (not a lambda, not a function defined inside another function), or an
  instance of such a class. Scripts that start a pool need the ``if __name__ == "__main__":``
  guard, as for any ``multiprocessing`` code. Dask's executor pickles with cloudpickle and
  accepts lambdas too.
"""

from __future__ import annotations

import inspect
import math
import multiprocessing
import numbers
import os
import pickle
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from typing import Any

import numpy as np

from tunelab.study import _budgets
from tunelab.study.trial import Trial, TrialPruned, TrialState


def takes_trial(objective: Callable[..., Any]) -> bool:
    """Whether ``objective`` takes a ``Trial``: its first positional parameter is ``trial``."""
    try:
        signature = inspect.signature(objective)
    except (TypeError, ValueError):  # builtins without a signature take the config
        return False
    positional = [
        p for p in signature.parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    if not positional:
        return False
    first = positional[0]
    annotation = first.annotation
    if isinstance(annotation, str):
        return first.name == "trial" or annotation.split(".")[-1] == "Trial"
    return first.name == "trial" or annotation is Trial


def resolve_pass_trial(objective: Callable[..., Any], pass_trial: bool | None) -> bool:
    """``pass_trial`` as given, or :func:`takes_trial`'s reading of the signature for ``None``."""
    if pass_trial is None:
        return takes_trial(objective)
    if not isinstance(pass_trial, bool):
        raise TypeError(f"pass_trial must be True, False or None; got {pass_trial!r}")
    return pass_trial


def run_trial(
    objective: Callable[..., Any], trial: Trial, pass_trial: bool,
    catch: tuple[type[BaseException], ...] = (Exception,),
) -> Trial:
    """Evaluate ``objective`` on ``trial`` and return the trial, finished.

    The trial ends COMPLETE with the returned value, PRUNED (value: its last reported
    intermediate value) when the objective raises ``TrialPruned``, or FAILED with the error
    text otherwise. An exception that is not an instance of one of ``catch`` fails the trial
    too and is kept in ``trial._raised``, for the study to raise once the trial is stored.
    ``KeyboardInterrupt`` and other non-``Exception`` errors propagate.
    """
    trial.datetime_start = _now()
    try:
        result = objective(*_budgets.arguments(trial, pass_trial))
        result, trial.gradient, error = _split_gradient(result)
        value, error = _as_value(result) if error is None else (None, error)
    except TrialPruned:
        state, value, error = TrialState.PRUNED, trial.last_intermediate_value(), None
    except Exception as exc:
        state, value, error = TrialState.FAILED, None, traceback.format_exc()
        if not isinstance(exc, catch):
            trial._raised = exc
    else:
        state = TrialState.COMPLETE if error is None else TrialState.FAILED
    trial.datetime_complete = _now()
    trial.state, trial.value, trial.error = state, value, error
    trial._pruner = trial._link = None  # not sent back from a worker
    return trial


def _as_value(result: Any) -> tuple[float | None, str | None]:
    """``(value, None)`` for a finite real number, else ``(None, reason)``."""
    if type(result) is float and math.isfinite(result):  # the common case, first
        return result, None
    if isinstance(result, np.ndarray) and result.ndim == 0 and result.dtype.kind in "iuf":
        result = result.item()
    if isinstance(result, bool) or not isinstance(result, numbers.Real):
        return None, (
            f"TypeError: the objective must return a real number; got {result!r:.200} of "
            f"type {type(result).__name__}"
        )
    value = float(result)
    if not math.isfinite(value):
        return None, f"ValueError: the objective returned {value}; values must be finite"
    return value, None


def _split_gradient(result: Any) -> tuple[Any, dict | None, str | None]:
    """``(value, gradient, None)`` for ``(value, {name: derivative})``, the gradient as
    floats or lists of floats; ``(result, None, None)`` for anything else; a reason for a
    gradient that is not finite numbers."""
    if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], dict)):
        return result, None, None
    gradient = {}
    for name, g in result[1].items():
        g = np.asarray(g)
        if g.dtype.kind not in "iuf" or not np.all(np.isfinite(g)):
            return None, None, (f"ValueError: the objective's gradient[{name!r}] must be "
                                f"finite numbers; got {result[1][name]!r:.200}")
        gradient[str(name)] = g.astype(float).tolist()
    return result[0], gradient, None


def _now() -> datetime:
    return datetime.now(UTC)


def check_picklable(objective: Callable[..., Any]) -> None:
    """Raise ``TypeError`` with advice if ``objective`` cannot be sent to a process pool."""
    try:
        pickle.dumps(objective)
    except Exception as exc:
        raise TypeError(
            f"objective must be picklable to run in a process pool (n_jobs > 1); "
            f"{objective!r} is not ({type(exc).__name__}: {exc}). Define it at the top level "
            "of a module (not a lambda or a nested function), or run with n_jobs=1, or pass "
            "executor=client.get_executor() of a Dask client (which uses cloudpickle)."
        ) from exc


def process_pool(n_workers: int) -> ProcessPoolExecutor:
    """A pool of ``n_workers`` processes started by forkserver where available, else spawn.

    Neither method forks the caller, so the study's open database, threads and locks stay
    out of the workers. The forkserver preloads this module (and NumPy with it) once, so each
    worker starts in milliseconds. Workers exit when the study's process dies, even by
    ``SIGKILL``, instead of waiting for work forever.
    """
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["__main__", __name__])
    else:
        context = multiprocessing.get_context("spawn")
    return _Pool(n_workers, context)


class _Pool(ProcessPoolExecutor):
    """A process pool whose workers hold the read end of a pipe only the parent writes to.

    When the parent dies, the pipe reaches end-of-file and each worker exits
    (:func:`_exit_with_parent`); a plain pool's workers would block on their task queue,
    orphaned, for ever.
    """

    def __init__(self, n_workers: int, context: Any) -> None:
        reader, self._lifeline = context.Pipe(duplex=False)
        super().__init__(max_workers=n_workers, mp_context=context,
                         initializer=_exit_with_parent, initargs=(reader,))

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        super().shutdown(wait=wait, cancel_futures=cancel_futures)
        self._lifeline.close()  # workers still running (wait=False) exit now


def _exit_with_parent(lifeline: Any) -> None:
    """Pool initializer: a daemon thread ends the worker when ``lifeline`` closes."""

    def watch() -> None:
        try:
            lifeline.recv_bytes()
        except (EOFError, OSError):
            pass
        os._exit(1)

    threading.Thread(target=watch, name="tunelab-lifeline", daemon=True).start()
