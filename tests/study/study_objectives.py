"""Objectives for the study tests, at module level so that process pools can pickle them."""

import math
import time

import tunelab as tl


def make_space():
    return tl.Space({
        "x": tl.Real(-3.0, 3.0),
        "lr": tl.Real(1e-4, 1.0, log=True),
        "k": tl.Integer(1, 8),
        "act": tl.Categorical(["relu", "tanh", "sigmoid"]),
    })


def quadratic(config):
    """A smooth function of every parameter; its minimum is near x=1, lr=1e-2, k=3, relu."""
    penalty = {"relu": 0.0, "tanh": 0.5, "sigmoid": 1.0}[config["act"]]
    return (config["x"] - 1.0) ** 2 + math.log10(config["lr"] / 1e-2) ** 2 + \
        0.1 * (config["k"] - 3) ** 2 + penalty


def sleepy_quadratic(config):
    """``quadratic`` after a short sleep whose length varies with the configuration."""
    time.sleep(0.002 + 0.004 * (config["x"] + 3.0) / 6.0)
    return quadratic(config)


def fails_sometimes(config):
    """Raises, returns nan or returns a string depending on ``k``; otherwise ``quadratic``."""
    if config["k"] == 1:
        raise RuntimeError(f"k=1 is not allowed (x={config['x']})")
    if config["k"] == 2:
        return math.nan
    if config["k"] == 3:
        return "not a number"
    return quadratic(config)


def with_reports(trial):
    """Reports a learning curve of three steps; returns its last value."""
    for step in range(3):
        trial.report(step, quadratic(trial.params) + 1.0 / (step + 1))
    return quadratic(trial.params) + 1.0 / 3


def sleep_fixed(config):
    """Sleeps 0.2 s: the throughput benchmark's objective."""
    time.sleep(0.2)
    return quadratic(config)


def dies_when_k_is_1(config):
    """Kills its worker process when ``k == 1``."""
    if config["k"] == 1:
        import os
        os._exit(1)
    return quadratic(config)


def prune_odd(trial):
    """A picklable pruner: prunes odd-numbered trials."""
    return trial.number % 2 == 1


def reports_and_prunes(trial):
    """Reports its value at step 0 and its process id at step 1, then asks the pruner."""
    import os

    from tunelab.study import TrialPruned

    trial.report(0, quadratic(trial.params))
    trial.report(1, float(os.getpid()))
    if trial.should_prune():
        raise TrialPruned
    return quadratic(trial.params)


def learning_curve(trial):
    """Nine steps of a decaying curve whose level is ``quadratic``; stops when pruned.

    When the file named by the environment variable ``TUNELAB_KILL_AT`` exists and holds
    ``number pid``, trial ``number`` deletes it and kills process ``pid`` with SIGKILL after
    its first report: a ``kill -9`` of the study in the middle of a parallel run.
    """
    import os
    import signal

    level = quadratic(trial.params)
    for step in range(1, 10):
        trial.report(step, level * (1.0 + 2.0 / step))
        marker = os.environ.get("TUNELAB_KILL_AT")
        if step == 1 and marker and os.path.exists(marker):
            number, pid = map(int, open(marker).read().split())
            if number == trial.number:
                os.remove(marker)
                os.kill(pid, signal.SIGKILL)
                time.sleep(30)
        if trial.should_prune():
            raise tl.study.TrialPruned
    return level * (1.0 + 2.0 / 9)
