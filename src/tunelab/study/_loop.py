"""The evaluation loop of :meth:`tunelab.study.Study.optimize`: sync batches or async.

Sync mode (and every run without an executor) works in batches: ask ``n_jobs``
configurations, evaluate them all, tell their values in trial order. The trials are then a
function of the seed alone, whatever the workers' timing. Async mode keeps ``n_jobs`` trials
in flight and tells each one as soon as it finishes.

The loop drives the study through three hooks: ``study._ask(n)`` records new RUNNING trials,
``study._finish(trial, run)`` tells, stores and reports a finished one, and
``study._stop_requested`` ends the run early.
"""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tqdm import tqdm

from tunelab._validation import check_choice, check_scalar
from tunelab.exceptions import SearchExhausted
from tunelab.study.executors import check_picklable, process_pool, run_trial, takes_trial
from tunelab.study.trial import Trial, TrialState

_RESULT_FIELDS = ("state", "value", "error", "datetime_start", "datetime_complete",
                  "intermediate_values")


def check_run_args(
    objective: Any, n_trials: Any, *, n_jobs: Any, executor: Any, timeout: Any,
    callbacks: Any, progress: Any, mode: Any,
) -> None:
    """Validate the arguments of ``optimize``; messages name the argument."""
    if not callable(objective):
        raise TypeError(f"objective must be callable; got {type(objective).__name__}")
    check_scalar(n_trials, "n_trials", kind=int, low=1)
    check_scalar(n_jobs, "n_jobs", kind=int, low=1)
    if executor is not None and not isinstance(executor, Executor):
        raise TypeError(
            f"executor must be a concurrent.futures.Executor or None; got {executor!r}"
        )
    if timeout is not None:
        check_scalar(timeout, "timeout", kind=float, low=0.0, low_inclusive=False)
    if callbacks is not None and (
        not isinstance(callbacks, (list, tuple)) or not all(map(callable, callbacks))
    ):
        raise TypeError(f"callbacks must be a list of callables or None; got {callbacks!r}")
    if progress is not None and not isinstance(progress, bool):
        raise TypeError(f"progress must be True, False or None; got {progress!r}")
    check_choice(mode, "mode", ("sync", "async"))


@dataclass
class Run:
    """The settings and resources of one ``optimize`` call."""

    objective: Callable[..., Any]
    pass_trial: bool
    n_trials: int
    n_jobs: int
    mode: str
    executor: Executor | None
    owns_executor: bool
    deadline: float | None
    callbacks: tuple[Callable, ...]
    bar: Any
    interrupted: bool = False

    @classmethod
    def create(cls, objective: Callable, n_trials: int, *, n_jobs: int, executor: Any,
               timeout: float | None, callbacks: Any, progress: bool | None, mode: str) -> Run:
        """Validate the arguments and start the pool and progress bar they ask for."""
        check_run_args(objective, n_trials, n_jobs=n_jobs, executor=executor, timeout=timeout,
                       callbacks=callbacks, progress=progress, mode=mode)
        owns = executor is None and n_jobs > 1
        if owns or isinstance(executor, ProcessPoolExecutor):
            check_picklable(objective)
        show = sys.stderr.isatty() if progress is None else progress
        return cls(
            objective=objective,
            pass_trial=takes_trial(objective),
            n_trials=n_trials,
            n_jobs=n_jobs,
            mode=mode,
            executor=process_pool(n_jobs) if owns else executor,
            owns_executor=owns,
            deadline=None if timeout is None else time.monotonic() + timeout,
            callbacks=tuple(callbacks or ()),
            bar=tqdm(total=n_trials, unit="trial", file=sys.stderr) if show else None,
        )

    def report(self, study: Any, trial: Trial) -> None:
        """Advance the progress bar and call the callbacks for a finished trial."""
        if self.bar is not None:
            self.bar.update(1)
            if study._best is not None:
                self.bar.set_postfix(best=study._best.value, refresh=False)
        for callback in self.callbacks:
            callback(study, trial)

    def may_start(self, study: Any) -> bool:
        """Whether a new trial may start: no stop requested, the deadline not passed."""
        if study._stop_requested:
            return False
        return self.deadline is None or time.monotonic() < self.deadline

    def close(self) -> None:
        """Close the bar; shut down an owned pool (without waiting after an interrupt)."""
        if self.bar is not None:
            self.bar.close()
        if self.owns_executor:
            self.executor.shutdown(wait=not self.interrupted, cancel_futures=True)


def execute(study: Any, run: Run, pending: list[Trial]) -> None:
    """Run ``run.n_trials`` trials, the ``pending`` (RUNNING) ones first."""
    if run.executor is not None and run.mode == "async":
        _run_async(study, run, list(pending))
    else:
        _run_sync(study, run, list(pending))


def _run_sync(study: Any, run: Run, pending: list[Trial]) -> None:
    done = 0
    while done < run.n_trials and run.may_start(study):
        n = min(run.n_jobs, run.n_trials - done)
        if pending:
            batch, pending = pending[:n], pending[n:]
        else:
            try:
                batch = study._ask(n)
            except SearchExhausted:
                return
        if run.executor is None:
            for trial in batch:
                _run_inline(study, run, trial)
        else:
            _run_batch(study, run, batch)
        done += len(batch)


def _run_inline(study: Any, run: Run, trial: Trial) -> None:
    trial._pruner = study.pruner
    try:
        run_trial(run.objective, trial, run.pass_trial)
    except BaseException as exc:  # run_trial lets only KeyboardInterrupt and the like out
        _interrupt(trial, exc)
        study._finish(trial, run)
        raise
    study._finish(trial, run)


def _run_batch(study: Any, run: Run, batch: list[Trial]) -> None:
    unfinished = {_submit(study, run, trial): trial for trial in batch}
    try:
        wait(unfinished)
        for future, trial in list(unfinished.items()):  # in trial order
            del unfinished[future]
            _collect(trial, future)
            study._finish(trial, run)
    except BaseException as exc:
        _abandon(study, run, unfinished, exc)
        raise


def _run_async(study: Any, run: Run, pending: list[Trial]) -> None:
    in_flight: dict[Future, Trial] = {}
    started, exhausted = 0, False
    try:
        while True:
            while (len(in_flight) < run.n_jobs and started < run.n_trials and not exhausted
                   and run.may_start(study)):
                try:
                    trial = pending.pop(0) if pending else study._ask(1)[0]
                except SearchExhausted:
                    exhausted = True
                    break
                in_flight[_submit(study, run, trial)] = trial
                started += 1
            if not in_flight:
                return
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=lambda f: in_flight[f].number):
                trial = in_flight.pop(future)
                _collect(trial, future)
                study._finish(trial, run)
    except BaseException as exc:
        _abandon(study, run, in_flight, exc)
        raise


def _submit(study: Any, run: Run, trial: Trial) -> Future:
    """Send a copy of ``trial`` (with the pruner) to the executor; renew a broken own pool."""
    job = Trial(trial.number, trial.params)
    job._pruner = study.pruner
    try:
        return run.executor.submit(run_trial, run.objective, job, run.pass_trial)
    except BrokenProcessPool:
        if not run.owns_executor:
            raise
        run.executor.shutdown(wait=False, cancel_futures=True)
        run.executor = process_pool(run.n_jobs)
        return run.executor.submit(run_trial, run.objective, job, run.pass_trial)


def _collect(trial: Trial, future: Future) -> None:
    """Copy a worker's outcome into the study's trial; a lost worker fails the trial."""
    try:
        done = future.result()
    except Exception as exc:  # the worker died, or the result could not come back
        trial.state, trial.value = TrialState.FAILED, None
        trial.error = "".join(traceback.format_exception(exc))
        trial.datetime_complete = _now()
        return
    except BaseException as exc:  # an interrupt reached the worker
        _interrupt(trial, exc)
        return
    for name in _RESULT_FIELDS:
        setattr(trial, name, getattr(done, name))


def _abandon(study: Any, run: Run, in_flight: dict[Future, Trial], exc: BaseException) -> None:
    """Leave the loop on an error: after an interrupt, keep what finished, mark the rest.

    An ordinary exception (a callback's, the storage's) leaves the trials in flight RUNNING,
    to be re-run by the next ``optimize``, as after a crash.
    """
    run.interrupted = True
    for future in in_flight:
        future.cancel()
    if isinstance(exc, Exception):
        return
    for future, trial in sorted(in_flight.items(), key=lambda item: item[1].number):
        if future.done() and not future.cancelled():
            _collect(trial, future)
        else:
            _interrupt(trial, exc)
        study._finish(trial, run)


def _interrupt(trial: Trial, exc: BaseException) -> None:
    trial.state, trial.value, trial._pruner = TrialState.FAILED, None, None
    trial.error = f"{type(exc).__name__}: the study was interrupted while this trial ran"
    trial.datetime_complete = _now()
    if trial.datetime_start is None:
        trial.datetime_start = trial.datetime_complete


def _now() -> datetime:
    return datetime.now(UTC)
