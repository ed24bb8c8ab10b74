"""Continuing an MLP task from a lower budget gives the from-scratch value and costs only
the extra epochs."""

import pickle

import numpy as np
import pytest

pytest.importorskip("sklearn")

from tunelab.bench import tasks  # noqa: E402
from tunelab.models import MLPClassifier  # noqa: E402

CONFIG = {"alpha": 1e-4, "learning_rate": 3e-3, "hidden": 16, "activation": "tanh"}


def test_continued_equals_fresh_and_trains_only_the_extra_epochs():
    task = tasks.get("mlp_wine", max_epochs=9, continuation=4)
    low = task(CONFIG, fidelity=3)
    assert task.epochs_trained == 3 * task.cv
    high = task(CONFIG, fidelity=9)
    assert task.epochs_trained == 9 * task.cv  # 6 more per fold, not 9
    fresh = tasks.get("mlp_wine", max_epochs=9, continuation=4)
    assert abs(fresh(CONFIG, fidelity=9) - high) <= 1e-12
    assert fresh.epochs_trained == 9 * fresh.cv
    assert abs(fresh(CONFIG, fidelity=3) - low) <= 1e-12  # below the cache: trained afresh


def test_partial_fit_epochs_match_an_independent_loop():
    # The task's fold network equals partial_fit called E times on a new model by hand.
    X, y = tasks.load_dataset("wine")
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    a = MLPClassifier(hidden_layer_sizes=(8,), epochs=9, random_state=0)
    b = MLPClassifier(hidden_layer_sizes=(8,), epochs=9, random_state=0)
    for _ in range(3):
        a.partial_fit(X, y)
    state = pickle.loads(pickle.dumps(a))
    for _ in range(6):
        a.partial_fit(X, y)
        state.partial_fit(X, y)
    for _ in range(9):
        b.partial_fit(X, y)
    np.testing.assert_array_equal(a.coefs_[0], b.coefs_[0])
    np.testing.assert_array_equal(state.coefs_[0], b.coefs_[0])


def test_cache_is_bounded_and_not_pickled():
    task = tasks.get("mlp_wine", max_epochs=4, continuation=1)
    other = dict(CONFIG, hidden=8)
    task(CONFIG, fidelity=2)
    task(other, fidelity=2)  # evicts CONFIG
    before = task.epochs_trained
    task(CONFIG, fidelity=4)
    assert task.epochs_trained - before == 4 * task.cv  # retrained from scratch
    assert len(pickle.loads(pickle.dumps(task))._cache) == 0


def test_continuation_needs_an_mlp_and_a_count():
    with pytest.raises(ValueError, match="continuation"):
        tasks.get("logreg_wine", continuation=2)
    with pytest.raises(ValueError, match="continuation"):
        tasks.get("mlp_wine", continuation=-1)
