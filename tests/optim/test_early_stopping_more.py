"""EarlyStopping: the documented defaults (patience 10, tol 1e-4) by their effect, the
progress threshold and the first-best rule at their exact boundaries, the argument ranges."""

import math

import pytest

from tunelab.optim import EarlyStopping


def test_default_patience_is_ten_epochs():
    stopper = EarlyStopping()
    stopper.update(1.0)
    for i in range(9):
        stopper.update(0.0)
        assert not stopper.should_stop, i
    stopper.update(0.0)
    assert stopper.should_stop and stopper.n_no_progress == 10


def test_default_tol_is_1e_minus_4():
    # Gains of exactly 1e-4 over the best (0.0, then 1e-4 ...) are not progress; more is.
    stopper = EarlyStopping(patience=1)
    stopper.update(0.0)
    assert stopper.update(1e-4)  # a new best ...
    assert stopper.should_stop  # ... but not progress: 1e-4 > 0 + 1e-4 is False
    stopper = EarlyStopping(patience=1)
    stopper.update(0.0)
    stopper.update(1.5e-4)
    assert not stopper.should_stop


def test_progress_threshold_is_strict_with_zero_tol():
    stopper = EarlyStopping(patience=1, tol=0.0)
    stopper.update(0.5)
    assert not stopper.update(0.5)  # a tie is neither a new best nor progress
    assert stopper.should_stop and stopper.best_epoch == 0
    stopper = EarlyStopping(patience=1, tol=0.0)
    stopper.update(0.5)
    assert stopper.update(math.nextafter(0.5, 1.0))
    assert not stopper.should_stop and stopper.best_epoch == 1


def test_counter_resets_on_progress_and_counts_up_without():
    stopper = EarlyStopping(patience=3, tol=0.1)
    counts = []
    for s in [0.0, 0.05, 0.08, 0.3, 0.3, 0.2, 0.41, 0.45]:
        stopper.update(s)
        counts.append(stopper.n_no_progress)
    # 0.0: progress over -inf; 0.3 > 0.08 + 0.1; 0.41 > 0.3 + 0.1.
    assert counts == [0, 1, 2, 0, 1, 2, 0, 1]
    assert stopper.best_epoch == 7 and stopper.best_score == 0.45
    assert stopper.scores == [0.0, 0.05, 0.08, 0.3, 0.3, 0.2, 0.41, 0.45]


def test_first_score_is_the_best_even_when_very_low():
    stopper = EarlyStopping(patience=1)
    assert stopper.update(-1e300)
    assert stopper.best_epoch == 0 and stopper.n_no_progress == 0


def test_should_stop_at_exactly_patience():
    stopper = EarlyStopping(patience=2, tol=0.0)
    stopper.update(1.0)
    stopper.update(1.0)
    assert not stopper.should_stop  # 1 < 2
    stopper.update(1.0)
    assert stopper.should_stop  # 2 >= 2


@pytest.mark.parametrize(
    "kwargs, error",
    [({"patience": 0}, ValueError), ({"patience": 1.0}, TypeError), ({"tol": -1e-12}, ValueError)],
)
def test_bad_arguments(kwargs, error):
    with pytest.raises(error, match=next(iter(kwargs))):
        EarlyStopping(**kwargs)


def test_smallest_arguments():
    stopper = EarlyStopping(patience=1, tol=0.0)
    assert (stopper.patience, stopper.tol) == (1, 0.0)
    assert stopper.best_score == -math.inf and stopper.best_epoch is None


def test_a_fresh_stopper_has_no_epochs_without_progress():
    stopper = EarlyStopping(patience=1)
    assert stopper.n_no_progress == 0 and not stopper.should_stop
