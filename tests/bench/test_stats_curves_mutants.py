"""Curve summaries at their edges: finishing times that tie or are 0 (non-decreasing and
>= 0 is allowed), and a bootstrap of a single resample."""

import numpy as np
import pytest

from tunelab.bench import stats


def _brute_best_at_time(values, finish, grid):
    """min of the values finished by each time (NaN when none), straight from the definition."""
    out = []
    for tau in grid:
        done = [v for v, f in zip(values, finish, strict=True) if f <= tau and not np.isnan(v)]
        out.append(min(done) if done else np.nan)
    return np.array(out)


def test_finishing_times_at_zero_or_tied_are_accepted_and_read_together():
    values = np.array([6.0, 4.0, 1.0, np.nan, 3.0, 0.5])
    finish = np.array([0.0, 1.0, 1.0, 2.0, 2.0, 2.0])  # one at time 0, then two batches
    grid = np.array([0.0, 0.99, 1.0, 1.5, 2.0, 9.0])
    out = stats.best_at_time(values, finish, grid, elapsed=True)
    expected = _brute_best_at_time(values, finish, grid)
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(expected, [6.0, 6.0, 1.0, 1.0, 0.5, 0.5])
    # the same times as durations, a zero duration included
    durations = np.diff(finish, prepend=0.0)
    np.testing.assert_array_equal(stats.best_at_time(values, durations, grid), expected)
    two = stats.best_at_time(np.vstack([values, values]), np.vstack([finish, finish]), grid,
                             elapsed=True)
    np.testing.assert_array_equal(two, [expected, expected])


def test_a_decreasing_finishing_time_is_still_refused():
    with pytest.raises(ValueError, match="seconds"):
        stats.best_at_time([1.0, 2.0, 3.0], [1.0, 1.0, 0.5], [1.0], elapsed=True)


@pytest.mark.parametrize("curves", [np.array([3.0, 1.0, 4.0, 1.5, 9.0]),
                                    np.array([[3.0, 2.0], [1.0, 0.5], [4.0, 4.0]])])
def test_one_bootstrap_resample_gives_a_band_of_width_zero(curves):
    center, low, high = stats.bootstrap_ci(curves, n_boot=1, random_state=0)
    np.testing.assert_array_equal(low, high)  # the quantiles of a single replicate
    np.testing.assert_array_equal(center, np.median(curves, axis=0))
    # the replicate is the median of some resample of the runs: within their range
    assert np.all((curves.min(axis=0) <= low) & (low <= curves.max(axis=0)))
