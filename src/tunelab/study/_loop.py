"""The evaluation loop of :meth:`tunelab.study.Study.optimize`: sync batches or async.

Sync mode (and every run without an executor) works in batches: ask ``n_jobs``
configurations, evaluate them all, tell their values in trial order. The trials are then a
function of the seed alone, whatever the workers' timing. Async mode keeps ``n_jobs`` trials
in flight and tells each one as soon as it finishes.

The loop drives the study through three hooks: ``study._ask(n)`` records new RUNNING trials,
``study._finish(trial, run)`` tells, stores and reports a finished one, and
``study._stop_requested`` ends the run early.

Failures are never silent: each failed trial is reported by a
:class:`~tunelab.exceptions.TrialFailedWarning` (with its traceback for the first
:data:`SHOWN_FAILURES`, then counted), a run in which every trial of the study failed ends in
:class:`~tunelab.exceptions.AllTrialsFailedError`, and a process pool whose workers die before
any trial comes back ends the run with :class:`~tunelab.exceptions.WorkerStartError`.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
import warnings
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from tunelab._validation import check_choice, check_scalar
from tunelab.exceptions import (
    AllTrialsFailedError,
    SearchExhausted,
    TrialFailedWarning,
    WorkerStartError,
)
from tunelab.study._parts import share_reports, trial_link
from tunelab.study.executors import (
    check_picklable,
    process_pool,
    resolve_pass_trial,
    run_trial,
)
from tunelab.study.trial import Trial, TrialState

if TYPE_CHECKING:  # the loop drives Study through its three hooks; study.py imports this
    from tunelab.study.study import Study

_RESULT_FIELDS = ("state", "value", "error", "datetime_start", "datetime_complete",
                  "intermediate_values", "_raised", "gradient")
SHOWN_FAILURES = 3
"""Failed trials whose warning carries the whole traceback; later ones are counted."""


def check_run_args(
    objective: Any, n_trials: Any, *, n_jobs: Any, executor: Any, timeout: Any,
    callbacks: Any, progress: Any, mode: Any, catch: Any = (Exception,), pass_trial: Any = None,
) -> None:
    """Validate the arguments of ``optimize``; messages name the argument."""
    as_catch_tuple(catch)
    if not callable(objective):
        raise TypeError(f"objective must be callable; got {type(objective).__name__}")
    resolve_pass_trial(objective, pass_trial)
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


def as_catch_tuple(catch: Any) -> tuple[type[Exception], ...]:
    """``catch`` as a tuple of ``Exception`` subclasses (one class is accepted alone)."""
    classes = (catch,) if isinstance(catch, type) else catch
    if not isinstance(classes, (tuple, list)) or not all(
        isinstance(c, type) and issubclass(c, Exception) for c in classes
    ):
        raise TypeError(
            "catch must be an Exception subclass or a tuple of them, such as (ValueError,) "
            f"or () to let every error of the objective end the run; got {catch!r}"
        )
    return tuple(classes)


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
    catch: tuple[type[Exception], ...] = (Exception,)
    interrupted: bool = False
    delivered: bool = False  # a trial has come back from the executor
    n_finished: int = 0
    n_failed: int = 0
    first_failure: Trial | None = None
    raised: BaseException | None = None  # an objective's error outside ``catch``

    @classmethod
    def create(cls, objective: Callable, n_trials: int, *, n_jobs: int, executor: Any,
               timeout: float | None, callbacks: Any, progress: bool | None, mode: str,
               catch: Any = (Exception,), pass_trial: bool | None = None) -> Run:
        """Validate the arguments and start the pool and progress bar they ask for."""
        check_run_args(objective, n_trials, n_jobs=n_jobs, executor=executor, timeout=timeout,
                       callbacks=callbacks, progress=progress, mode=mode, catch=catch,
                       pass_trial=pass_trial)
        owns = executor is None and n_jobs > 1
        if owns or isinstance(executor, ProcessPoolExecutor):
            check_picklable(objective)
        show = sys.stderr.isatty() if progress is None else progress
        return cls(
            objective=objective,
            pass_trial=resolve_pass_trial(objective, pass_trial),
            n_trials=n_trials,
            n_jobs=n_jobs,
            mode=mode,
            executor=process_pool(n_jobs) if owns else executor,
            owns_executor=owns,
            deadline=None if timeout is None else time.monotonic() + timeout,
            callbacks=tuple(callbacks or ()),
            bar=tqdm(total=n_trials, unit="trial", file=sys.stderr) if show else None,
            catch=as_catch_tuple(catch),
        )

    def report(self, study: Study, trial: Trial) -> None:
        """Warn of a failure, advance the progress bar, call the callbacks for a finished trial."""
        self.n_finished += 1
        if trial.state is TrialState.FAILED and not self.interrupted:
            self._warn_failed(trial)
        if trial._raised is not None and self.raised is None:
            self.raised = trial._raised
        trial._raised = None
        if self.bar is not None:
            self.bar.update(1)
            if study._best is not None:
                self.bar.set_postfix(best=study._best.value, refresh=False)
        for callback in self.callbacks:
            callback(study, trial)

    def _warn_failed(self, trial: Trial) -> None:
        self.n_failed += 1
        if self.first_failure is None:
            self.first_failure = trial
        if self.n_failed > SHOWN_FAILURES:
            return
        more = ("; any later failures of this run are counted, not shown (every trial's error is "
                "in trial.error)" if self.n_failed == SHOWN_FAILURES else "")
        warnings.warn(f"trial {trial.number} failed{more}:\n{trial.error}", TrialFailedWarning,
                      stacklevel=_caller_level())

    def check_outcome(self, study: Study) -> None:
        """After the run: re-raise an uncaught objective error, count the failures, and fail a
        study whose every trial failed."""
        if self.raised is not None:
            raise self.raised
        if self.n_failed > SHOWN_FAILURES:
            warnings.warn(
                f"{self.n_failed} of the {self.n_finished} trials of this run failed; the first "
                f"{SHOWN_FAILURES} were shown, every trial's error is in trial.error",
                TrialFailedWarning, stacklevel=_caller_level(),
            )
        if self.n_failed and all(t.state is TrialState.FAILED for t in study.trials):
            first = self.first_failure
            raise AllTrialsFailedError(
                f"all {len(study.trials)} trials of the study failed, so it has no result; "
                f"the first failure, trial {first.number}:\n{first.error}"
            )

    def may_start(self, study: Study) -> bool:
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


def execute(study: Study, run: Run, pending: list[Trial]) -> None:
    """Run ``run.n_trials`` trials, the ``pending`` (RUNNING) ones first."""
    if run.executor is not None:
        share_reports(study)  # workers read the reports from a file
    if run.executor is not None and run.mode == "async":
        _run_async(study, run, list(pending))
    else:
        _run_sync(study, run, list(pending))


def _run_sync(study: Study, run: Run, pending: list[Trial]) -> None:
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
                if run.raised is not None:
                    return
        else:
            _run_batch(study, run, batch)
        done += len(batch)
        if run.raised is not None:
            return


def _run_inline(study: Study, run: Run, trial: Trial) -> None:
    trial._pruner, trial._link = study.pruner, trial_link(study, trial, sync=True)
    try:
        run_trial(run.objective, trial, run.pass_trial, run.catch)
    except BaseException as exc:  # run_trial lets only KeyboardInterrupt and the like out
        run.interrupted = True
        _interrupt(trial, exc)
        study._finish(trial, run)
        raise
    study._finish(trial, run)


def _run_batch(study: Study, run: Run, batch: list[Trial]) -> None:
    unfinished = {_submit(study, run, trial): trial for trial in batch}
    try:
        wait(unfinished)
        for future, trial in list(unfinished.items()):  # in trial order
            del unfinished[future]
            _collect(trial, future, run)
            study._finish(trial, run)
    except BaseException as exc:
        _abandon(study, run, unfinished, exc)
        raise


def _run_async(study: Study, run: Run, pending: list[Trial]) -> None:
    in_flight: dict[Future, Trial] = {}
    started, exhausted = 0, False
    try:
        while True:
            while (len(in_flight) < run.n_jobs and started < run.n_trials and not exhausted
                   and run.raised is None and run.may_start(study)):
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
                _collect(trial, future, run)
                study._finish(trial, run)
    except BaseException as exc:
        _abandon(study, run, in_flight, exc)
        raise


def _submit(study: Study, run: Run, trial: Trial) -> Future:
    """Send a copy of ``trial`` (with the pruner) to the executor; renew a broken own pool."""
    job = Trial(trial.number, trial.params, budget=trial.budget)
    job._pruner, job._link = study.pruner, trial_link(study, trial, sync=run.mode == "sync")
    try:
        return run.executor.submit(run_trial, run.objective, job, run.pass_trial, run.catch)
    except BrokenProcessPool:
        if not run.owns_executor:
            raise
        run.executor.shutdown(wait=False, cancel_futures=True)
        run.executor = process_pool(run.n_jobs)
        return run.executor.submit(run_trial, run.objective, job, run.pass_trial, run.catch)


def _check_workers_start(run: Run) -> None:
    """After a pool broke before any trial came back: can a fresh worker run anything?

    A worker of a new pool is asked for its process id. If it dies too, no trial can ever
    run (:class:`~tunelab.exceptions.WorkerStartError`); if it answers, the objective killed
    its worker, which fails only that trial. Asked once per run, for the study's own pool.
    """
    if not run.owns_executor:
        return
    run.delivered = True
    probe = process_pool(1)
    try:
        probe.submit(os.getpid).result(timeout=120)
    except (BrokenProcessPool, TimeoutError) as exc:
        raise WorkerStartError(
            "the process pool's workers die before they can run anything (BrokenProcessPool), "
            "so no trial can run. The usual cause is a script that starts the study at import "
            "time: worker processes import the main module, so put the call under "
            '`if __name__ == "__main__":`. Another: the objective\'s module cannot be imported '
            "in a fresh process. To see the objective's own error, run with n_jobs=1."
        ) from exc
    finally:
        probe.shutdown(wait=False, cancel_futures=True)


def _collect(trial: Trial, future: Future, run: Run) -> None:
    """Copy a worker's outcome into the study's trial; a lost worker fails the trial.

    A pool that breaks before any trial came back from it is checked by
    :func:`_check_workers_start`, which raises if no worker can start at all (the trial then
    stays RUNNING, to be re-run).
    """
    try:
        done = future.result()
    except BrokenProcessPool as exc:
        if not run.delivered:
            _check_workers_start(run)
        _lost(trial, exc)
        return
    except Exception as exc:  # the worker died, or the result could not come back
        _lost(trial, exc)
        return
    except BaseException as exc:  # an interrupt reached the worker
        _interrupt(trial, exc)
        return
    run.delivered = True
    for name in _RESULT_FIELDS:
        setattr(trial, name, getattr(done, name, None))


def _lost(trial: Trial, exc: BaseException) -> None:
    trial.state, trial.value = TrialState.FAILED, None
    trial.error = "".join(traceback.format_exception(exc))
    trial.datetime_complete = _now()


def _abandon(study: Study, run: Run, in_flight: dict[Future, Trial], exc: BaseException) -> None:
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
        if future.done() and not future.cancelled() and not _broken(future):
            _collect(trial, future, run)
        else:
            _interrupt(trial, exc)
        study._finish(trial, run)


def _caller_level() -> int:
    """The ``stacklevel`` of the first frame outside tunelab: the user's ``optimize`` call."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("tunelab."):
        frame, level = frame.f_back, level + 1
    return level


def _broken(future: Future) -> bool:
    return isinstance(future.exception(), BrokenProcessPool)


def _interrupt(trial: Trial, exc: BaseException) -> None:
    trial.state, trial.value, trial._pruner = TrialState.FAILED, None, None
    trial._link = None
    trial.error = f"{type(exc).__name__}: the study was interrupted while this trial ran"
    trial.datetime_complete = _now()
    if trial.datetime_start is None:
        trial.datetime_start = trial.datetime_complete


def _now() -> datetime:
    return datetime.now(UTC)
