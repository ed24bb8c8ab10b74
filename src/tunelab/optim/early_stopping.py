"""Early stopping: stop training once a validation score has stopped improving.

Scores are maximized (accuracy, R², a negated loss). After epoch :math:`e` with score
:math:`s_e` and best score so far :math:`s^* = \\max_{e' < e} s_{e'}`, the epoch counts as
progress when :math:`s_e > s^* + \\mathrm{tol}`; training should stop after ``patience``
consecutive epochs without progress. The best epoch is the one with the highest score (the
first such), whether or not it beat the previous best by ``tol``: that is the epoch whose
weights a trainer restores.

References
----------
Prechelt, L. (1998). Early stopping - but when? In *Neural Networks: Tricks of the Trade*,
LNCS 1524, 55-69 (stopping after a number of epochs without progress, Sec. 2.2).
Goodfellow, I., Bengio, Y. and Courville, A. (2016). *Deep Learning*, MIT Press, Sec. 7.8,
Algorithm 7.1.
"""

from __future__ import annotations

import math

from tunelab._validation import check_scalar

__all__ = ["EarlyStopping"]


class EarlyStopping:
    """Track validation scores (higher is better) and decide when to stop.

    Parameters
    ----------
    patience : int, default=10
        The number of consecutive epochs without progress after which to stop, >= 1.
    tol : float, default=1e-4
        The least improvement over the best score that counts as progress, >= 0.

    Attributes
    ----------
    scores : list of float
        Every score seen, in order.
    best_score : float
        The highest score seen (``-inf`` before the first).
    best_epoch : int or None
        The index in ``scores`` of the (first) highest score.
    n_no_progress : int
        The current number of consecutive epochs without progress.

    Examples
    --------
    >>> stopper = EarlyStopping(patience=2, tol=0.0)
    >>> [stopper.update(s) for s in (0.5, 0.7, 0.6, 0.7)]
    [True, True, False, False]
    >>> stopper.should_stop, stopper.best_epoch
    (True, 1)
    """

    def __init__(self, patience: int = 10, tol: float = 1e-4) -> None:
        self.patience = check_scalar(patience, "patience", kind=int, low=1)
        self.tol = check_scalar(tol, "tol", low=0.0)
        self.scores: list[float] = []
        self.best_score = -math.inf
        self.best_epoch: int | None = None
        self.n_no_progress = 0

    def update(self, score: float) -> bool:
        """Record the next epoch's score; return whether it is the new best score.

        A NaN score is recorded and counts as an epoch without progress.
        """
        score = float(score)
        progress = score > self.best_score + self.tol
        self.n_no_progress = 0 if progress else self.n_no_progress + 1
        is_best = score > self.best_score
        if is_best:
            self.best_score = score
            self.best_epoch = len(self.scores)
        self.scores.append(score)
        return is_best

    @property
    def should_stop(self) -> bool:
        """Whether the last ``patience`` epochs all failed to make progress."""
        return self.n_no_progress >= self.patience

    def __repr__(self) -> str:
        return f"EarlyStopping(patience={self.patience!r}, tol={self.tol!r})"
