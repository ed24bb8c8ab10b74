"""The epoch loop, the validation split and the validation scores of ``_mlp_train``, each
against an independent reference: a plain loop of full passes over each minibatch, counts
by hand, and scikit-learn's metrics."""

import numpy as np
import pytest

from tunelab.models import _mlp_layers as layers
from tunelab.models import _mlp_train as train
from tunelab.optim.rules import SGD

SIZES = (3, 4, 2)


def problem(seed, n, head):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, SIZES[0]))
    y = rng.integers(0, SIZES[-1], size=n) if head == "softmax" else rng.normal(size=(n, 2))
    theta = layers.init_params(SIZES, "tanh", rng) + 0.2 * rng.normal(size=layers.n_params(SIZES))
    return X, y, theta, rng.permutation(n)


@pytest.mark.parametrize("head", ["softmax", "squared"])
@pytest.mark.parametrize("batch_size", [1, 4, 10, 50])
def test_an_epoch_is_one_sgd_step_per_minibatch_of_the_permuted_rows(head, batch_size):
    """10 rows in minibatches of 4 leave a remainder of 2; a batch larger than the data is
    clipped to it. The reference steps through ``X[order]`` in slices, one full pass
    (``layers.objective``, its own buffers) and one SGD step per slice, and averages the
    minibatch objectives weighted by their sizes."""
    X, y, theta, order = problem(0, 10, head)
    net = train.Network(SIZES, "tanh", head, 0.3)
    ref, total = theta.copy(), 0.0
    size = min(batch_size, 10)
    for start in range(0, 10, size):
        rows = order[start:start + size]
        value, grad = layers.objective(ref, X[rows], y[rows], SIZES, "tanh", head, 0.3)
        total += value * len(rows)
        ref = ref - 0.1 * grad
    mean = train.run_epoch(theta, SGD(0.1), X, y, order, batch_size, net)
    assert mean == pytest.approx(total / 10, rel=1e-12)
    np.testing.assert_allclose(theta, ref, rtol=1e-12, atol=1e-14)


class Frozen(SGD):
    """A rule that never moves the parameters."""

    def _update(self, params, grads):
        pass


@pytest.mark.parametrize("head", ["softmax", "squared"])
def test_an_epoch_at_frozen_parameters_reports_the_full_objective(head):
    """When no step moves ``theta``, the size-weighted mean of the minibatch objectives is
    the objective on all rows (the penalty is the same in every minibatch)."""
    X, y, theta, order = problem(1, 11, head)
    net = train.Network(SIZES, "tanh", head, 0.5)
    want, _ = layers.objective(theta, X, y, SIZES, "tanh", head, 0.5)
    got = train.run_epoch(theta, Frozen(0.1), X, y, order, 3, net)
    assert got == pytest.approx(want, rel=1e-12)


# ----------------------------------------------------------------------------- the split
def test_an_unstratified_split_holds_out_the_rounded_fraction(rng):
    train_rows, val = train.validation_split(20, 0.25, rng)
    assert len(val) == 5 and len(train_rows) == 15
    assert sorted(np.concatenate([train_rows, val]).tolist()) == list(range(20))


def test_one_row_on_either_side_is_enough(rng):
    """Two rows split in half: one to train on and one to validate on is a valid split."""
    train_rows, val = train.validation_split(2, 0.5, rng)
    assert len(train_rows) == 1 and len(val) == 1
    labels = np.array([0, 0, 1, 1, 1])
    train_rows, val = train.validation_split(5, 0.2, rng, labels)
    assert np.bincount(labels[val], minlength=2).tolist() == [0, 1]  # round(0.4) = 0, 1
    assert len(train_rows) == 4


@pytest.mark.parametrize("fraction", [0.5, 0.6, 0.9])
def test_stratification_keeps_a_row_of_every_class_for_training(rng, fraction):
    """A class of one row stays in training (``k <= count - 1``), a class of two sends at most
    one to validation; by hand: ``k = min(round(f * count), count - 1)``."""
    labels = np.array([0, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2])
    train_rows, val = train.validation_split(len(labels), fraction, rng, labels)
    counts = np.bincount(labels)
    want = [min(int(round(fraction * c)), c - 1) for c in counts]
    assert np.bincount(labels[val], minlength=3).tolist() == want
    assert np.bincount(labels[train_rows], minlength=3).tolist() == (counts - want).tolist()


def test_stratification_with_two_rows_a_class_and_half_held_out(rng):
    labels = np.array([0, 0, 1, 1])
    train_rows, val = train.validation_split(4, 0.5, rng, labels)
    assert np.bincount(labels[val]).tolist() == [1, 1]
    assert np.bincount(labels[train_rows]).tolist() == [1, 1]


# ----------------------------------------------------------------------------- the scores
def test_accuracy_is_the_fraction_of_equal_entries():
    y_true = np.array([0, 1, 2, 2, 1, 0, 1])
    y_pred = np.array([0, 2, 2, 2, 0, 0, 1])
    assert train.accuracy(y_true, y_pred) == 5 / 7  # rows 0, 2, 3, 5, 6


def test_r2_matches_scikit_learn_averaged_over_outputs(rng):
    metrics = pytest.importorskip("sklearn.metrics")
    # the middle column's total sum of squares is far below 1 (about 30 * 0.05^2)
    Y = rng.normal(size=(30, 3)) * [1.0, 0.05, 5.0] + [0.0, 2.0, -1.0]
    P = Y + rng.normal(size=(30, 3)) * [0.5, 0.02, 4.0]
    want = metrics.r2_score(Y, P, multioutput="uniform_average")
    assert train.r2(Y, P) == pytest.approx(want, rel=1e-12)
    assert train.r2(Y[:, 1:2], P[:, 1:2]) == pytest.approx(metrics.r2_score(Y[:, 1], P[:, 1]),
                                                           rel=1e-12)


def test_r2_of_a_constant_column_is_one_if_exact_else_zero(rng):
    """scikit-learn's convention (``force_finite=True``) for a target without variance."""
    metrics = pytest.importorskip("sklearn.metrics")
    Y = np.column_stack([np.full(8, 3.0), rng.normal(size=8)])
    P = Y.copy()
    P[:, 1] += 0.1 * rng.normal(size=8)
    want = metrics.r2_score(Y, P)
    assert train.r2(Y, P) == pytest.approx(want, rel=1e-12)
    assert train.r2(Y[:, :1], P[:, :1]) == 1.0
    P[0, 0] = 3.5
    assert train.r2(Y[:, :1], P[:, :1]) == 0.0 == metrics.r2_score(Y[:, 0], P[:, 0])
    assert train.r2(Y, P) == pytest.approx(metrics.r2_score(Y, P), rel=1e-12)
