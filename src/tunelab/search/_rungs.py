"""Schedules and rungs of successive halving and Hyperband, in exact integer arithmetic.

Notation of Li et al. (2018, Alg. 1): :math:`R` the ratio of the largest to the smallest
budget, :math:`\\eta \\ge 2` an integer, :math:`s_{\\max} = \\lfloor \\log_\\eta R \\rfloor`.
Bracket :math:`s \\in \\{s_{\\max}, \\dots, 0\\}` starts

.. math:: n = \\left\\lceil \\frac{s_{\\max} + 1}{s + 1}\\, \\eta^{s} \\right\\rceil

configurations at budget :math:`r = R\\eta^{-s}` (in units of the smallest budget), and its
rung :math:`i = 0, \\dots, s` evaluates :math:`n_i = \\lfloor n \\eta^{-i} \\rfloor`
configurations at budget :math:`r_i = r \\eta^{i}`; the best :math:`\\lfloor n_i/\\eta
\\rfloor = n_{i+1}` of rung :math:`i` (the two agree for an integer :math:`\\eta`) go on to
rung :math:`i + 1`. Successive halving (Jamieson & Talwalkar 2016) is one such bracket.

Every quantity is computed with integers and :class:`fractions.Fraction` (floats are exact
dyadic rationals), so :math:`s_{\\max}` has no floating-point off-by-one at exact powers
(:math:`\\log_3 243` is 4.999... in floating point).

References
----------
.. [1] L. Li, K. Jamieson, G. DeSalvo, A. Rostamizadeh and A. Talwalkar, "Hyperband: a novel
   bandit-based approach to hyperparameter optimization", JMLR 18(185), 2018, Alg. 1 and
   Table 1.
.. [2] K. Jamieson and A. Talwalkar, "Non-stochastic best arm identification and
   hyperparameter optimization", AISTATS 2016, Alg. 3 (successive halving).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

Budget = int | float


def max_stage(min_budget: Budget, max_budget: Budget, eta: int) -> int:
    """:math:`s_{\\max} = \\lfloor \\log_\\eta(\\text{max\\_budget}/\\text{min\\_budget})
    \\rfloor`: the largest :math:`s` with :math:`\\eta^s \\cdot \\text{min} \\le \\text{max}`,
    exactly."""
    ratio = Fraction(max_budget) / Fraction(min_budget)
    s, power = 0, eta
    while power <= ratio:
        s, power = s + 1, power * eta
    return s


def rung_budgets(min_budget: Budget, max_budget: Budget, eta: int) -> list[Budget]:
    """The budgets :math:`b_k = \\text{max\\_budget} \\cdot \\eta^{k - s_{\\max}}`, smallest
    first, :math:`k = 0, \\dots, s_{\\max}`.

    Integers (:math:`\\lfloor \\text{max} / \\eta^{s_{\\max} - k} \\rfloor`, which is
    at least ``min_budget``) when both ends are integers; otherwise floats, each the
    correctly rounded quotient.
    """
    s_max = max_stage(min_budget, max_budget, eta)
    integral = isinstance(min_budget, int) and isinstance(max_budget, int)
    if integral:
        return [max_budget // eta ** (s_max - k) for k in range(s_max + 1)]
    return [float(Fraction(max_budget) / eta ** (s_max - k)) for k in range(s_max + 1)]


def bracket_rungs(
    s: int, s_max: int, eta: int, budgets: list[Budget], n: int | None = None
) -> list[tuple[int, Budget]]:
    """Bracket ``s``: ``[(n_0, r_0), ..., (n_s, r_s)]``, with ``n`` configurations at the start
    (default :math:`\\lceil (s_{\\max}+1)\\eta^s/(s+1) \\rceil`)."""
    if n is None:
        n = -(-(s_max + 1) * eta**s // (s + 1))
    return [(n // eta**i, budgets[s_max - s + i]) for i in range(s + 1)]


def config_key(config: Mapping[str, Any]) -> tuple:
    """A hashable identity of a validated configuration (``True`` and ``1`` stay apart)."""
    return tuple((name, type(value).__name__, value) for name, value in config.items())


@dataclass(eq=False)
class Job:
    """One evaluation of a bracket: a configuration at the budget of its rung.

    ``position`` orders the jobs of a rung: the draw order in rung 0, the rank at the
    promotion afterwards; it breaks ties between equal values.
    """

    config: dict[str, Any]
    budget: Budget
    bracket: int
    rung: int
    position: int
    asked: bool = False
    value: float | None = None


def rank(jobs: list[Job]) -> list[Job]:
    """``jobs`` best first: finite values increasing, ties by position, failures (nan, inf)
    last by position."""
    return sorted(
        jobs,
        key=lambda j: (
            not math.isfinite(j.value),
            j.value if math.isfinite(j.value) else 0.0,
            j.position,
        ),
    )


class Bracket:
    """A synchronous run of successive halving over ``rungs``, one rung at a time.

    Rung 0's configurations are drawn lazily, when their jobs are handed out; a rung's
    promotions happen once each of its jobs has a value. Failed evaluations are never
    promoted: when fewer than :math:`n_{i+1}` values of rung :math:`i` are finite, rung
    :math:`i+1` is smaller, and a rung with no finite value ends the bracket.
    """

    def __init__(self, number: int, s: int, rungs: list[tuple[int, Budget]]) -> None:
        self.number, self.s, self.rungs = number, s, rungs
        self.rung = 0
        self.jobs: list[Job] = []  # the current rung's, by position
        self.past: list[list[Job]] = []  # the rungs before it, as they ended (explain())
        self.n_handed = 0  # jobs of the current rung handed out
        self.n_valued = 0  # jobs of the current rung with a value
        self.done = False

    def size(self) -> int:
        """The number of jobs of the current rung (rung 0: all, drawn or not)."""
        return self.rungs[0][0] if self.rung == 0 else len(self.jobs)

    def ready(self) -> bool:
        """Whether a job can be handed out now."""
        return not self.done and self.n_handed < self.size()

    def next_job(self, draw: Callable[[Bracket], dict[str, Any]]) -> Job:
        """The next job of the current rung (``ready()`` must hold); rung 0 draws its
        configuration with ``draw(self)``."""
        if self.n_handed == len(self.jobs):  # rung 0: draw the next configuration
            self.jobs.append(Job(draw(self), self.rungs[0][1], self.number, 0, self.n_handed))
        job = self.jobs[self.n_handed]
        self.n_handed += 1
        job.asked = True
        return job

    def record(self, job: Job, value: float) -> None:
        """Give ``job`` (of the current rung) its value; promote when the rung is complete."""
        job.value = value
        self.n_valued += 1
        if self.n_valued == self.size():
            self._promote()

    def _promote(self) -> None:
        if self.rung == len(self.rungs) - 1:
            self.done = True
            return
        n_next, budget = self.rungs[self.rung + 1]
        kept = [j for j in rank(self.jobs)[:n_next] if math.isfinite(j.value)]
        self.past.append(self.jobs)
        self.rung += 1
        self.jobs = [Job(j.config, budget, self.number, self.rung, i) for i, j in enumerate(kept)]
        self.n_handed = self.n_valued = 0
        self.done = not self.jobs

    def alive(self) -> list[dict[str, Any]]:
        """The configurations still in the race: the jobs of the current rung."""
        return [] if self.done else [j.config for j in self.jobs]
