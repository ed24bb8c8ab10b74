"""Budgeted strategies: synchronous successive halving and Hyperband, random or model-based.

A budgeted strategy chooses the budget of each evaluation (epochs, samples, iterations):
``config, budget = strategy.ask_budget()``, then ``strategy.tell(config, value,
budget=budget)``. The schedule is that of Li et al. (2018), in :mod:`tunelab.search._rungs`:
``brackets()`` lists it. A bracket is one synchronous run of successive halving (Jamieson &
Talwalkar 2016): a rung's best :math:`\\lfloor n_i/\\eta \\rfloor` configurations go on to
the next rung, at :math:`\\eta` times the budget, once every value of the rung is known.

New configurations are uniform random draws (``sampler="random"``: Hyperband) or proposals
of :class:`~tunelab.search.BayesianOptimization` (``sampler="bayes"``: model-based
Hyperband, after BOHB, Falkner et al. 2018), see :class:`Hyperband`.

References
----------
.. [1] L. Li, K. Jamieson, G. DeSalvo, A. Rostamizadeh and A. Talwalkar, "Hyperband: a novel
   bandit-based approach to hyperparameter optimization", JMLR 18(185), 2018, Alg. 1.
.. [2] K. Jamieson and A. Talwalkar, "Non-stochastic best arm identification and
   hyperparameter optimization", AISTATS 2016.
.. [3] S. Falkner, A. Klein and F. Hutter, "BOHB: robust and efficient hyperparameter
   optimization at scale", ICML 2018, Sec. 3-4 (a model on the largest budget with enough
   observations, a fraction of random configurations, several brackets at once).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tunelab._validation import check_scalar
from tunelab.search import _rungs
from tunelab.search._budgeted import BudgetedSearch
from tunelab.search._rungs import Budget
from tunelab.space import Space

_PARAMETERS_DOC = """
    space : Space
        The search space.
    min_budget, max_budget : int or float
        The smallest and largest budgets, ``0 < min_budget <= max_budget``. The rung budgets
        are :math:`b_k = \\text{max\\_budget}\\,\\eta^{k - s_{\\max}}`, :math:`k = 0, \\dots,
        s_{\\max} = \\lfloor \\log_\\eta(\\text{max\\_budget}/\\text{min\\_budget}) \\rfloor`:
        the largest is ``max_budget`` and the smallest lies in ``[min_budget, eta *
        min_budget)``, so ``min_budget`` enters only through :math:`s_{\\max}` (Li et al.'s
        :math:`R` is ``max_budget / min_budget``). With two ints, budgets are ints
        (:math:`\\lfloor \\text{max\\_budget}/\\eta^{j} \\rfloor`); otherwise floats.
    eta : int, default=3
        The reduction factor :math:`\\eta \\ge 2`, an integer (then the rung sizes
        :math:`\\lfloor n\\eta^{-i} \\rfloor` and the promotions :math:`\\lfloor n_i/\\eta
        \\rfloor` agree).
    sampler : {"random", "bayes"}, default="random"
        How new configurations are drawn (see Notes).
    seed : int or None, default=None
        Seed of all randomness (see :class:`~tunelab.search.Strategy`).
    min_points : int or None, default=None
        ``sampler="bayes"``: finite observations a budget needs before it is modeled;
        ``None`` is BO's own ``n_initial`` rule, :math:`\\min(\\max(5, 2d), 20)`.
    random_fraction : float, default=1/3
        ``sampler="bayes"``: the probability that a new configuration is drawn uniformly
        even when a model exists (BOHB's default, which keeps Hyperband's guarantees).
    bo_options : dict or None, default=None
        ``sampler="bayes"``: options of :class:`~tunelab.search.BayesianOptimization` (all
        but ``n_initial`` and ``seed``); its ``batch`` rule is ``"kb"`` unless given.
"""

_NOTES_DOC = """
    *Protocol.* ``ask_budget()`` returns ``(config, budget)``; ``tell(config, value,
    budget=budget)`` gives the value back. The plain ``ask()`` hands out the same next job
    but returns only its configuration, and the plain ``tell(config, value)`` credits the
    oldest pending job of ``config`` (whatever budget the caller evaluated it at), or records
    a full-budget value for a configuration not pending (a warm start); ``ask_batch``,
    ``ask_array``, ``tell_batch`` and ``tell_array`` work through them. ``history`` holds
    every told pair, at every budget; :attr:`observations` holds them by budget. In a study
    (``strategy="hyperband"``) the objective is called as ``objective(config, budget)`` and
    each trial keeps its ``budget``; the study's best trial is the best value at any budget,
    Li et al.'s output.

    *Several asks before the tells* (``n_jobs > 1``). An ask hands out the next job of the
    oldest open bracket that has one; when every open bracket waits for values (a rung is
    handed out, not complete), it opens the next bracket of the schedule, so that no worker
    waits (several brackets run at once, as in BOHB). Asked and told one at a time, the
    strategy runs the brackets one after the other, exactly as Li et al.'s Algorithm 1.

    *Promotions.* When each value of rung :math:`i` is known, its best :math:`n_{i+1} =
    \\lfloor n_i/\\eta \\rfloor` finite values go on to rung :math:`i + 1`, ties broken by
    the position in the rung (draw order in rung 0, rank afterwards). Failures (``nan``,
    ``inf``) rank last and are never promoted: the next rung is then smaller (a rung with no
    finite value ends its bracket).

    *New configurations.* ``"random"``: draw :math:`k` is uniform on the unit cube, from
    ``default_rng([seed, 1, k])``. ``"bayes"`` (model-based Hyperband): as BOHB does with its
    density estimator, new configurations come from a model of the observations at the
    largest budget with ``min_points`` finite ones, here
    :class:`~tunelab.search.BayesianOptimization` fitted afresh on them for each draw (about
    0.3 s a draw with 4 dimensions and up to 100 observations, on 2 cores), with
    the configurations still in a race but not observed at that budget as its pending
    points (its batch rule keeps the draws of one bracket apart: the kriging believer by
    default, since the pessimistic constant liar spreads a bracket's draws over the whole
    space; measured on a 2-D bowl, 9 draws from 12 observations, 3 seeds: median distance
    to the optimum 0.010-0.023 with ``"kb"``, 0.28-0.30 with ``"cl_max"``); with probability
    ``random_fraction``, and while no budget has enough observations, the draw is the
    random one. The alternative, a GP with the budget as an input (Klein et al. 2017;
    MOBSTER, Klein et al. 2020), was not implemented, so not measured against.

    *Reproducibility.* The strategy is a deterministic function of its seed and of the
    sequence of asks and tells, so a study resumes it by replay; :meth:`replay_ask` takes a
    model draw from the stored configuration instead of recomputing it.
"""


class SuccessiveHalving(BudgetedSearch):
    __doc__ = f"""Synchronous successive halving (Jamieson & Talwalkar 2016), bracket after bracket.

    Each bracket draws ``n_configs`` new configurations, evaluates them at the smallest rung
    budget and keeps the best :math:`1/\\eta` at each rung up to ``max_budget``: the most
    aggressive bracket, :math:`s = s_{{\\max}}`, of :class:`Hyperband`, repeated.

    Parameters
    ----------{_PARAMETERS_DOC}    n_configs : int or None, default=None
        Configurations per bracket, at least :math:`\\eta^{{s_{{\\max}}}}` (so that one
        reaches ``max_budget``); ``None`` is :math:`\\eta^{{s_{{\\max}}}}`.

    Attributes
    ----------
    budgets : list
        The rung budgets, smallest first.
    s_max : int
        :math:`\\lfloor \\log_\\eta(\\text{{max\\_budget}}/\\text{{min\\_budget}}) \\rfloor`.

    Notes
    -----{_NOTES_DOC}
    Examples
    --------
    >>> from tunelab.space import Real, Space
    >>> sh = SuccessiveHalving(Space({{"x": Real(0.0, 1.0)}}), 1, 9, seed=0)
    >>> sh.brackets()
    [[(9, 1), (3, 3), (1, 9)]]
    >>> config, budget = sh.ask_budget()
    >>> sh.tell(config, (config["x"] - 0.3) ** 2 + 1.0 / budget, budget=budget)
    """

    name = "successive_halving"

    def __init__(
        self,
        space: Space,
        min_budget: Budget,
        max_budget: Budget,
        eta: int = 3,
        sampler: str = "random",
        *,
        seed: int | None = None,
        n_configs: int | None = None,
        min_points: int | None = None,
        random_fraction: float = 1 / 3,
        bo_options: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(
            space,
            min_budget,
            max_budget,
            eta,
            sampler,
            seed=seed,
            min_points=min_points,
            random_fraction=random_fraction,
            bo_options=bo_options,
        )
        if n_configs is not None:
            check_scalar(n_configs, "n_configs", kind=int, low=self.eta**self.s_max)
        self.n_configs = n_configs

    def _bracket_rungs(self, number: int) -> tuple[int, list[tuple[int, Budget]]]:
        n = self.eta**self.s_max if self.n_configs is None else self.n_configs
        return self.s_max, _rungs.bracket_rungs(self.s_max, self.s_max, self.eta, self.budgets, n)


class Hyperband(BudgetedSearch):
    __doc__ = f"""Hyperband (Li et al. 2018): successive halving brackets from aggressive to none.

    Bracket number :math:`j` (from 0) is :math:`s = s_{{\\max}} - (j \\bmod (s_{{\\max}} +
    1))`: it starts :math:`n = \\lceil (s_{{\\max}}+1)\\eta^s/(s+1) \\rceil` configurations
    at :math:`\\text{{max\\_budget}}\\,\\eta^{{-s}}`, and runs :math:`s+1` rungs; the round
    of :math:`s_{{\\max}}+1` brackets repeats for as long as the strategy is asked.

    Parameters
    ----------{_PARAMETERS_DOC}
    Attributes
    ----------
    budgets : list
        The rung budgets, smallest first.
    s_max : int
        :math:`\\lfloor \\log_\\eta(\\text{{max\\_budget}}/\\text{{min\\_budget}}) \\rfloor`.

    Notes
    -----{_NOTES_DOC}
    Examples
    --------
    >>> from tunelab.space import Real, Space
    >>> hb = Hyperband(Space({{"x": Real(0.0, 1.0)}}), min_budget=1, max_budget=81, seed=0)
    >>> hb.brackets()[1]
    [(34, 3), (11, 9), (3, 27), (1, 81)]
    >>> config, budget = hb.ask_budget()
    >>> budget
    1
    >>> hb.tell(config, (config["x"] - 0.3) ** 2 + 1.0 / budget, budget=budget)
    """

    name = "hyperband"

    def __init__(
        self,
        space: Space,
        min_budget: Budget = 1,
        max_budget: Budget = 81,
        eta: int = 3,
        sampler: str = "random",
        *,
        seed: int | None = None,
        min_points: int | None = None,
        random_fraction: float = 1 / 3,
        bo_options: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(
            space,
            min_budget,
            max_budget,
            eta,
            sampler,
            seed=seed,
            min_points=min_points,
            random_fraction=random_fraction,
            bo_options=bo_options,
        )

    def _round_length(self) -> int:
        return self.s_max + 1

    def _bracket_rungs(self, number: int) -> tuple[int, list[tuple[int, Budget]]]:
        s = self.s_max - number % (self.s_max + 1)
        return s, _rungs.bracket_rungs(s, self.s_max, self.eta, self.budgets)
