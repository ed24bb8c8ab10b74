"""How Bayesian optimization reports that it goes on in a degraded way.

:class:`DegradedWarning` is issued once per kind and strategy; :class:`Degradation` gives a
strategy ``_watch`` (turn the GP's warnings into it) and ``_degrade`` (issue it once).
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

from tunelab.exceptions import ConvergenceWarning
from tunelab.gp import JitterWarning


class DegradedWarning(UserWarning):
    """Bayesian optimization went on in a degraded way (issued once per kind and strategy).

    Kinds: a fallback to random proposals (the GP could not be fitted), a proposal that would
    repeat an evaluated or pending configuration, a lengthscale at its lower bound, jitter
    added to a covariance matrix.
    """


class Degradation:
    """A mixin of :class:`~tunelab.search.BayesianOptimization`: warnings once per kind.

    The host sets ``self._warned = set()`` and has ``n_told`` and ``n_initial_``.
    """

    _warned: set[str]
    n_told: int
    n_initial_: int

    def _watch(self, fn: Any, *args: Any) -> Any:
        """Call ``fn``, turning the GP's warnings into :class:`DegradedWarning` (once each)."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = fn(*args)
        for w in caught:
            if issubclass(w.category, JitterWarning):
                self._degrade("jitter", f"the GP needed jitter: {w.message}")
            elif issubclass(w.category, ConvergenceWarning) and "upper bound" in str(w.message):
                continue  # an irrelevant input, not a degradation
            elif issubclass(w.category, ConvergenceWarning) and "lower bound" in str(w.message):
                self._lengthscale_at_lower_bound()
            elif issubclass(w.category, ConvergenceWarning):
                self._degrade("hyperparameters", f"GP hyperparameters: {w.message}")
            else:
                warnings.warn(w.message, w.category, stacklevel=3)
        return out

    def _lengthscale_at_lower_bound(self) -> None:
        """Warn of a lengthscale at its lower bound, once, from ``min(2 n_initial, 20)`` points.

        With few observations the marginal likelihood of "all noise" (a tiny lengthscale)
        often equals that of a smooth function, so the bound is hit on smooth objectives too
        and says nothing; with more data it means the GP models the objective as noise.
        """
        if self.n_told < min(2 * self.n_initial_, 20):
            return
        self._degrade(
            "hyperparameters",
            f"after {self.n_told} observations a GP lengthscale sits at its lower bound, so the "
            "model sees the objective as noise there; for a noisy objective pass noise='fit', "
            "for a smooth one hyperparameters='map' (a prior against tiny lengthscales) or a "
            "larger n_initial",
        )

    def _degrade(self, kind: str, message: str) -> None:
        """Issue :class:`DegradedWarning` once per ``kind``, from the caller's line (the first
        frame outside tunelab: the ask or tell, or the study's call, that led to it)."""
        if kind not in self._warned:
            self._warned.add(kind)
            warnings.warn(f"{type(self).__name__}: {message}", DegradedWarning,
                          stacklevel=_caller_level())


def _caller_level() -> int:
    """The ``stacklevel`` of the first frame outside tunelab (as in ``_budgeted``)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("tunelab."):
        frame, level = frame.f_back, level + 1
    return level

