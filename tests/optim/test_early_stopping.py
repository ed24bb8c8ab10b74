"""Early stopping: progress with a tolerance, patience, the best epoch."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tunelab.optim.early_stopping import EarlyStopping


def test_stops_after_patience_epochs_without_progress():
    stopper = EarlyStopping(patience=3, tol=0.0)
    flags = []
    for score in (0.1, 0.5, 0.4, 0.5, 0.3):
        assert not stopper.should_stop
        flags.append(stopper.update(score))
    assert flags == [True, True, False, False, False]
    assert stopper.should_stop and stopper.best_epoch == 1 and stopper.best_score == 0.5
    assert stopper.scores == [0.1, 0.5, 0.4, 0.5, 0.3]


def test_a_small_gain_is_a_new_best_but_not_progress():
    stopper = EarlyStopping(patience=2, tol=0.1)
    stopper.update(1.0)
    assert stopper.update(1.05)  # the new best, whose weights a trainer keeps
    assert stopper.n_no_progress == 1
    assert stopper.update(1.2)  # beats 1.05 by more than tol: progress again
    assert stopper.n_no_progress == 0 and stopper.best_epoch == 2


def test_nan_counts_as_no_progress():
    stopper = EarlyStopping(patience=1)
    stopper.update(0.5)
    assert not stopper.update(math.nan)
    assert stopper.should_stop and stopper.best_score == 0.5


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-10, 10), min_size=1, max_size=40), st.integers(1, 5),
       st.floats(0, 1))
def test_agrees_with_a_direct_count(scores, patience, tol):
    stopper = EarlyStopping(patience=patience, tol=tol)
    for s in scores:
        stopper.update(s)
    best = max(scores)
    assert stopper.best_score == best and stopper.best_epoch == scores.index(best)
    # epochs since the last one that beat every earlier score by more than tol
    last, running = 0, -math.inf
    for i, s in enumerate(scores):
        if s > running + tol:
            last = i
        running = max(running, s)
    assert stopper.n_no_progress == len(scores) - 1 - last
    assert stopper.should_stop == (len(scores) - 1 - last >= patience)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [({"patience": 0}, ValueError, "patience"), ({"patience": 1.5}, TypeError, "patience"),
     ({"tol": -1e-3}, ValueError, "tol")],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        EarlyStopping(**kwargs)


def test_repr():
    assert repr(EarlyStopping(3, 0.5)) == "EarlyStopping(patience=3, tol=0.5)"
