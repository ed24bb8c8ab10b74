"""The machinery of the budgeted strategies: brackets in flight, pending jobs, new draws.

:class:`BudgetedSearch` is the base of :class:`~tunelab.search.SuccessiveHalving` and
:class:`~tunelab.search.Hyperband` (module :mod:`tunelab.search.hyperband`, which documents
the behaviour); a subclass gives only its schedule (``_bracket_rungs``, ``_round_length``).

References
----------
.. [1] L. Li et al., "Hyperband: a novel bandit-based approach to hyperparameter
   optimization", JMLR 18(185), 2018, Alg. 1.
.. [2] S. Falkner, A. Klein and F. Hutter, "BOHB: robust and efficient hyperparameter
   optimization at scale", ICML 2018, Sec. 3-4.
"""

from __future__ import annotations

import abc
import numbers
import re
import sys
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from tunelab._validation import check_choice, check_scalar
from tunelab.search import _rungs
from tunelab.search._base import Strategy, warn_replay_differs
from tunelab.search._explain_budgeted import explain_budgeted
from tunelab.search._rungs import Bracket, Budget, Job, config_key
from tunelab.search._told_values import check_value as _check_value
from tunelab.space import Space

SAMPLERS = ("random", "bayes")
_RANDOM, _COIN, _MODEL = 1, 2, 3  # seed tags of the draws of new configurations


class BudgetedSearch(Strategy):
    """The machinery of :class:`SuccessiveHalving` and :class:`Hyperband` (see there)."""

    def __init__(
        self,
        space: Space,
        min_budget: Budget,
        max_budget: Budget,
        eta: int,
        sampler: str,
        *,
        seed: int | None,
        min_points: int | None,
        random_fraction: float,
        bo_options: Mapping[str, Any] | None,
    ) -> None:
        super().__init__(space, seed=seed)
        self.min_budget = _check_budget_arg(min_budget, "min_budget")
        self.max_budget = _check_budget_arg(max_budget, "max_budget")
        if max_budget < min_budget:
            raise ValueError(
                f"min_budget must be <= max_budget; got min_budget={min_budget!r}"
                f" > max_budget={max_budget!r}"
            )
        self.eta = check_scalar(eta, "eta", kind=int, low=2)
        self.sampler = check_choice(sampler, "sampler", SAMPLERS)
        if min_points is not None:
            check_scalar(min_points, "min_points", kind=int, low=1)
        self.min_points = min_points
        self.random_fraction = check_scalar(
            random_fraction, "random_fraction", kind=float, low=0.0, high=1.0
        )
        if bo_options is not None and not isinstance(bo_options, Mapping):
            raise TypeError(f"bo_options must be a dict or None; got {bo_options!r}")
        if bo_options and {"n_initial", "seed"} & set(bo_options):
            raise ValueError(
                "bo_options must not set n_initial (use min_points) or seed (the "
                f"model's seed comes from seed); got {dict(bo_options)!r}"
            )
        self.bo_options = None if bo_options is None else dict(bo_options)
        self.s_max = _rungs.max_stage(min_budget, max_budget, self.eta)
        self.budgets = _rungs.rung_budgets(min_budget, max_budget, self.eta)
        self._open: list[Bracket] = []  # brackets with jobs left, oldest first
        self._closed: list[Bracket] = []  # brackets done, in the order they ended
        self._n_brackets = 0
        self._n_drawn = 0  # new configurations drawn so far
        self._pending: dict[tuple, list[Job]] = {}  # asked, untold jobs by configuration
        self._observations: dict[Budget, list[tuple[dict[str, Any], float]]] = {
            b: [] for b in self.budgets
        }
        self._last: Job | None = None
        self._warned: set[tuple] = set()  # kinds of the models' warnings already relayed

    # -- the schedule -----------------------------------------------------------------------

    @abc.abstractmethod
    def _bracket_rungs(self, number: int) -> tuple[int, list[tuple[int, Budget]]]:
        """``(s, rungs)`` of the bracket opened ``number``-th."""

    def brackets(self) -> list[list[tuple[int, Budget]]]:
        """The schedule of one round: for each bracket, ``[(n_0, r_0), (n_1, r_1), ...]``."""
        return [self._bracket_rungs(b)[1] for b in range(self._round_length())]

    def _round_length(self) -> int:
        """The number of brackets after which the schedule repeats."""
        return 1

    @property
    def observations(self) -> dict[Budget, list[tuple[dict[str, Any], float]]]:
        """Every told ``(config, value)`` by budget (the model's data), in the order told."""
        return {b: list(pairs) for b, pairs in self._observations.items()}

    def explain(self) -> dict[str, Any]:
        """The schedule and every bracket so far, each with all its rungs, as plain data
        (:mod:`._explain_budgeted`); changes nothing.

        Returns
        -------
        dict
            ``kind`` (the strategy's name), ``axes``, ``n_asked``, ``n_told``, ``eta``,
            ``s_max``, ``budgets``, ``schedule`` (:meth:`brackets`), ``sampler``,
            ``model_budget``, ``n_pending``, ``n_observations`` (per budget); ``brackets``,
            by number: ``number``, ``s``, ``schedule`` ``[(n_i, r_i)]``, ``rung`` (the
            current one), ``done``, and ``rungs``, one per rung of the schedule: ``index``,
            ``budget``, ``planned`` :math:`n_i`, ``reached``, and per job (by position)
            ``configs``, ``points`` (axis coordinates), ``values`` (``nan`` untold),
            ``asked``, ``told``, ``promoted`` and ``promoted_to`` (its position in the next
            rung, or ``None``).
        """
        return explain_budgeted(self)

    # -- ask --------------------------------------------------------------------------------

    def _next_job(self, stored: dict[str, Any] | None = None) -> Job:
        """The next job: of the oldest open bracket that has one ready, else of a new one."""
        for bracket in self._open:
            if bracket.ready():
                return bracket.next_job(lambda b: self._draw(b, stored))
        s, rungs = self._bracket_rungs(self._n_brackets)
        bracket = Bracket(self._n_brackets, s, rungs)
        self._n_brackets += 1
        self._open.append(bracket)
        return bracket.next_job(lambda b: self._draw(b, stored))

    def _ask(self) -> dict[str, Any]:
        job = self._last = self._next_job()
        self._pending.setdefault(config_key(job.config), []).append(job)
        return job.config

    def ask_budget(self) -> tuple[dict[str, Any], Budget]:
        """The next configuration to evaluate and its budget, one of :attr:`budgets`."""
        config = self.ask()
        return config, self._last.budget

    def ask_budget_batch(self, n: int) -> list[tuple[dict[str, Any], Budget]]:
        """``n`` successive :meth:`ask_budget` (for ``n`` parallel workers)."""
        n = check_scalar(n, "n", kind=int, low=1)
        return [self.ask_budget() for _ in range(n)]

    def replay_ask(self, config: Mapping[str, Any], budget: Budget | None = None) -> None:
        """Put the strategy in the state it would be in had ask returned ``config`` (at
        ``budget``); a model-based draw is not recomputed but taken from ``config``. Warns
        when the strategy's own job differs, and then follows the stored one."""
        expected = self.space.validate(config)
        job = self._next_job(stored=expected)
        if job.config != expected or (budget is not None and budget != job.budget):
            warn_replay_differs(self, "ask_budget()", (job.config, job.budget),
                                (expected, budget))
            job.config = expected
        self.n_asked += 1
        self._pending.setdefault(config_key(job.config), []).append(job)

    # -- tell -------------------------------------------------------------------------------

    def tell(
        self, config: Mapping[str, Any], value: float, *, budget: Budget | None = None
    ) -> None:
        """Record the value of a configuration at a budget.

        Parameters
        ----------
        config : dict
            A configuration inside the space, asked or not.
        value : float
            The objective at ``budget``, to be minimized; ``nan`` or ``inf`` for a failure.
        budget : int, float or None, default=None
            One of :attr:`budgets`. ``None``: the budget of the oldest pending job of
            ``config``, or ``max_budget`` for a configuration not pending.

        Raises
        ------
        ValueError
            For a budget that is not one of :attr:`budgets` (the message lists them), or an
            invalid configuration; nothing is recorded then.
        """
        budget = self._check_tell_budget(budget)
        config = self.space.validate(config)
        value = value if type(value) is float else _check_value(value)
        job = self._pop_pending(config, budget)
        self.history.append((config, value))
        self.n_told += 1
        at = job.budget if job is not None else self.budgets[-1] if budget is None else budget
        self._observations[at].append((config, value))
        if job is not None:
            bracket = next(b for b in self._open if b.number == job.bracket)
            bracket.record(job, value)
            if bracket.done:
                self._open.remove(bracket)
                self._closed.append(bracket)

    def _check_tell_budget(self, budget: Any) -> Budget | None:
        if budget is None:
            return None
        if (
            isinstance(budget, numbers.Real)
            and not isinstance(budget, (bool, np.bool_))
            and budget in self.budgets
        ):
            return self.budgets[self.budgets.index(budget)]
        raise ValueError(
            f"budget must be one of the rung budgets {self.budgets} (min_budget="
            f"{self.min_budget!r} to max_budget={self.max_budget!r}, eta={self.eta}) or None; "
            f"got {budget!r}"
        )

    def _pop_pending(self, config: dict[str, Any], budget: Budget | None) -> Job | None:
        """The oldest pending job of ``config`` (at ``budget``, if given), removed."""
        key = config_key(config)
        jobs = self._pending.get(key, [])
        for i, job in enumerate(jobs):
            if budget is None or job.budget == budget:
                del jobs[i]
                if not jobs:
                    del self._pending[key]
                return job
        return None

    # -- new configurations -----------------------------------------------------------------

    def _draw(self, bracket: Bracket, stored: dict[str, Any] | None) -> dict[str, Any]:
        """New configuration number ``k``: a model proposal at the largest budget with
        ``min_points`` finite values, with probability ``1 - random_fraction``
        (``sampler="bayes"``), else uniform. Each draw's randomness is seeded by
        ``(seed, tag, k)``; ``stored``, when replaying, stands in for the model's proposal."""
        k = self._n_drawn
        self._n_drawn += 1
        if self.sampler == "bayes":
            budget = self.model_budget()
            coin = np.random.default_rng([self.seed, _COIN, k]).random()
            if budget is not None and coin >= self.random_fraction:
                return stored if stored is not None else self._model_config(k, budget)
        u = np.random.default_rng([self.seed, _RANDOM, k]).random(len(self.space))
        return self.space.from_unit(u)

    def _n_min(self) -> int:
        d = len(self.space)
        return min(max(5, 2 * d), 20) if self.min_points is None else self.min_points

    def model_budget(self) -> Budget | None:
        """The largest budget with at least ``min_points`` finite observations, or ``None``."""
        n_min = self._n_min()
        for budget in reversed(self.budgets):
            if sum(np.isfinite(v) for _, v in self._observations[budget]) >= n_min:
                return budget
        return None

    def _model_config(self, k: int, budget: Budget) -> dict[str, Any]:
        """BO's proposal from the observations at ``budget``; the configurations still in a
        race and not observed at ``budget`` are its pending points (so that the draws of one
        bracket spread out)."""
        from tunelab.search.bayes import BayesianOptimization

        seed = int(
            np.random.SeedSequence([self.seed, _MODEL, k]).generate_state(1, np.uint64)[0]
            >> np.uint64(1)
        )
        options = {"batch": "kb", **(self.bo_options or {})}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            bo = BayesianOptimization(self.space, n_initial=self._n_min(), seed=seed, **options)
            observed = self._observations[budget]
            bo.tell_batch([c for c, _ in observed], [v for _, v in observed])
            seen = {config_key(c) for c, _ in observed}
            for bracket in self._open:
                for config in bracket.alive():
                    if config_key(config) not in seen:
                        bo.replay_ask(config)
            config = bo.ask()
        self._relay(caught, budget)
        return config

    def _relay(self, caught: list[warnings.WarningMessage], budget: Budget) -> None:
        """Warn once per kind (the message with its numbers left out) for all the models of
        this strategy, which are fitted afresh for each draw, saying which draw it was."""
        for w in caught:
            kind = (w.category, re.sub(r"[0-9.e+-]+", "#", str(w.message)))
            if kind in self._warned:
                continue
            self._warned.add(kind)
            warnings.warn(
                f"{w.message} [model of budget {budget}, new configuration "
                f"{self._n_drawn - 1}; later warnings of this kind from this "
                f"strategy's models are not shown]",
                w.category,
                stacklevel=_caller_level(),
            )


def _caller_level() -> int:
    """The ``stacklevel`` of the first frame outside tunelab (the caller's ask)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("tunelab."):
        frame, level = frame.f_back, level + 1
    return level


def _check_budget_arg(value: Any, name: str) -> Budget:
    """A positive finite budget: an int for an integer, else a float."""
    check_scalar(value, name, kind=float, low=0.0, low_inclusive=False)
    return int(value) if isinstance(value, numbers.Integral) else float(value)
