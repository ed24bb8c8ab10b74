"""A real-coded genetic algorithm with mixed genomes, behind the ask/tell protocol.

A genome is a point of the unit cube (``space.to_unit``): real genes in the space's unit
coordinates (logarithmic where ``log=True``), integer and categorical genes at the centre of
their value's bin. Selection, crossover and mutation act on whole populations as arrays
(:mod:`tunelab.search._ga_operators`, Numba kernels in :mod:`tunelab.search._jit`).

References
----------
.. [1] D. E. Goldberg, *Genetic Algorithms in Search, Optimization and Machine Learning*,
   Addison-Wesley, 1989 (the generational GA; elitism after De Jong, Ch. 4).
.. [2] D. E. Goldberg and K. Deb, "A comparative analysis of selection schemes used in genetic
   algorithms", Foundations of Genetic Algorithms 1, 1991.
.. [3] K. Deb and R. B. Agrawal, "Simulated binary crossover for continuous search space",
   Complex Systems 9(2), 1995.
.. [4] K. Deb and M. Goyal, "A combined genetic adaptive search (GeneAS) for engineering
   design", Computer Science and Informatics 26(4), 1996.
.. [5] L. J. Eshelman and J. D. Schaffer, "Real-coded genetic algorithms and
   interval-schemata", Foundations of Genetic Algorithms 2, 1993.
.. [6] D. Whitley, "The GENITOR algorithm and selection pressure", Proc. 3rd ICGA, 1989
   (steady-state replacement of the worst).
.. [7] K. Deb, A. Pratap, S. Agarwal and T. Meyarivan, "A fast and elitist multiobjective
   genetic algorithm: NSGA-II", IEEE Trans. Evol. Comput. 6(2), 2002 (Sec. V: p_c = 0.9,
   p_m = 1/n, eta_c = eta_m = 20).
.. [8] F.-A. Fortin, F.-M. De Rainville, M.-A. Gardner, M. Parizeau and C. Gagne, "DEAP:
   evolutionary algorithms made easy", JMLR 13, 2012 (``algorithms.eaSimple`` evaluates
   only the individuals whose fitness is invalid, those that crossover or mutation changed).
"""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np

from tunelab._validation import check_choice, check_scalar
from tunelab.search import _jit
from tunelab.search._base import Strategy
from tunelab.search._decoder import Decoder, config_key
from tunelab.search._explain_genetic import explain_genetic
from tunelab.search._ga_operators import (
    Operators,
    fitness_order,
    gene_kinds,
    make_offspring,
    snap,
)
from tunelab.search._pending import Proposals, pop_stale
from tunelab.search._philox_sfc64 import Streams
from tunelab.search._told_table import KnownValues
from tunelab.space import Space

_STREAM, _RETRY = 1, 2  # tags of the random streams (Streams)
_PATIENCE = 10  # blocks of children in a row with nothing new, before one is asked whole


class GeneticSearch(Strategy):
    """Evolve a population of configurations by selection, crossover and mutation.

    Parameters
    ----------
    space : Space
        The search space.
    population_size : int, default=20
        Individuals per generation, ``N >= 2``.
    selection : {"tournament", "rank"}, default="tournament"
        Mating selection: the best of ``tournament_size`` individuals drawn with replacement,
        or linear ranking, rank ``r`` (0 best) drawn with probability
        :math:`2 (N - r) / (N (N + 1))` (Goldberg & Deb 1991).
    tournament_size : int, default=3
        Contestants per tournament, ``>= 1`` (1 is uniform random selection).
    crossover : {"sbx", "blend"}, default="sbx"
        Simulated binary crossover (Deb & Agrawal 1995) of every gene, the two children then
        swapping each gene with probability 1/2, or BLX-alpha (Eshelman & Schaffer 1993), on
        real and integer genes; categorical genes always get uniform crossover.
    crossover_rate : float, default=0.9
        Probability that a pair of parents mates, in ``[0, 1]`` (else both are copied).
    eta_c : float, default=20.0
        SBX distribution index, ``>= 0``: larger keeps children nearer their parents.
    blend_alpha : float, default=0.5
        BLX-alpha's widening of the parents' interval on each side, ``>= 0``.
    mutation : {"polynomial", "gaussian"}, default="polynomial"
        Bounded polynomial mutation (Deb & Goyal 1996) or Gaussian steps of standard
        deviation ``sigma`` mirrored at the bounds, on real and integer genes; a mutated
        categorical gene is reset to one of the other categories, uniformly.
    mutation_rate : float or None, default=None
        Probability that a gene mutates, in ``[0, 1]``; ``None`` is :math:`1/d`.
    eta_m : float, default=20.0
        Polynomial mutation's distribution index, ``>= 0``.
    sigma : float, default=0.1
        Gaussian mutation's standard deviation, in unit coordinates, ``> 0``.
    elitism : int, default=2
        The ``k`` best parents compete with the children for the next population, in
        ``[0, N]``: 0 is a generational GA, ``N`` a :math:`(\\mu + \\lambda)` one.
    steady_state : bool, default=False
        Replace the population's worst individual at each tell instead of generation by
        generation: suited to asynchronous parallel evaluation.
    seed : int or None, default=None
        Seed of all randomness (see :class:`~tunelab.search.Strategy`).

    Attributes
    ----------
    population_ : ndarray of shape (n, d)
        The current parents in unit coordinates (``n = N`` once the first generation is
        complete; fewer before).
    fitness_ : ndarray of shape (n,)
        Their values.
    generation_ : int
        Generations completed (0 until the first population is formed; stays 0 in
        steady-state mode).

    Notes
    -----
    *Generational mode.* Generation 0 draws ``N`` uniform genomes; generation :math:`g \\ge 1`
    draws ``N`` children of the population :math:`P_g` (selection, crossover, mutation).
    Asks hand them out in order; when asks run ahead of tells, more children of the same
    parents follow, but ``ask_batch`` stops at the end of the generation (or of the block
    it had to draw) and returns fewer than asked, so that a batch never spans two
    generations: batches told in full before the next ask give the run of single asks and
    tells. The generation closes at the first ask after ``N`` of its individuals have been
    told; then

    .. math:: P_{g+1} = \\text{best}_N\\big(\\text{best}_k(P_g) \\cup O_g \\cup W\\big),

    with :math:`k` = ``elitism``, :math:`O_g` the generation's individuals with a value
    (told, or inherited: see below) and :math:`W` the told configurations that were not
    asked in the generation: warm starts, and individuals told after their generation had
    closed. When ``N`` such configurations wait before a generation's first ask, they stand
    for its children (so ``N`` warm starts told first form the first population). Ranking
    puts failures (``nan``, ``inf``) last, ties in the order above (elites, then children in
    the order drawn, then ``W`` in order of telling). A value goes to the first untold
    individual of the generation with an equal configuration, so that telling the dicts
    asked or equal copies of them (a study's replay) is the same; a dict handed out and
    told back unchanged is recognized without being validated again.

    *Clones are not evaluated again.* Crossover and mutation leave many children equal to a
    parent (a pair that does not mate and no gene that mutates), and on discrete spaces
    equal to any earlier configuration. As DEAP's ``eaSimple`` evaluates only the offspring
    whose fitness is invalid (Fortin et al. 2012), a child whose configuration already has a
    value (told earlier, asked or not: every told configuration is kept in a hash table keyed by
    its decoded values) takes that value without being handed out, and a child equal to one
    handed out in the same generation and still untold waits for that one's value; the
    generation's ``N`` individuals count both. So asks hand out only configurations new to
    the search, and a configuration told twice (a noisy objective) lends its latest value.
    Children are screened when their block of ``N`` is drawn, so a configuration first told
    after that (a warm start, a late tell) or still untold from an earlier generation may be
    handed out again. A failed value (``nan``, ``inf``) is inherited as a failure, ranked
    last. A generation whose children are all known closes without an evaluation, as in
    DEAP. Asks must get an answer, though: after ten blocks of ``N`` children in a row with
    nothing new (a population converged on a small discrete space, or an exhausted space),
    the next block is handed out whole, as without this rule, at the price of evaluating
    known configurations again.

    *Steady-state mode.* Asks draw uniform genomes until ``N`` individuals have been told,
    then one child each of the current population; each told individual (asked or not)
    then replaces the population's worst if it is not worse. A drawn individual with a known
    value joins the same way, without being handed out, and the ask draws again, up to
    ``10 N`` times; the last draw is handed out whatever it is.

    *Integer genes* undergo the real operators in unit coordinates (log-scaled where
    ``log=True``), then round to the bin they fall in, the value the space decodes (Deep et
    al. 2009); a mutation that moves an integer gene but leaves its value unchanged steps it
    to a neighbouring integer instead (up or down with equal odds, inward at the bounds).

    *Defaults*: tournaments of 3, SBX with :math:`p_c = 0.9` and :math:`\\eta_c = 20`,
    polynomial mutation with :math:`p_m = 1/d` and :math:`\\eta_m = 20` are Deb's settings for
    real-coded GAs (Deb & Agrawal 1995; Deb & Goyal 1996; Deb et al. 2002, NSGA-II). The
    population of 20, the 2 elites and crossing every gene (Deb's code crosses each with
    probability 1/2) were chosen on the 10-D Rastrigin, Ackley and Rosenbrock functions at a
    budget of 10,000 evaluations (seeds 100-109; ``benchmarks/compare_evolutionary.py``
    reports seeds 0-19): a small population spends such budgets on more generations.

    Randomness: generation ``g``'s ``c``-th block of ``N`` genomes comes from the random
    stream ``(1, g, c)`` of :class:`~tunelab.search._philox_sfc64.Streams`, a pure function of
    the seed and of ``(g, c)``; in steady-state mode an ask's first draw uses
    ``self._rng()``, its ``r``-th redraw the stream ``(2, n_asked, r)``.

    Examples
    --------
    >>> from tunelab.space import Integer, Real, Space
    >>> space = Space({"x": Real(-5.0, 5.0), "k": Integer(1, 9)})
    >>> search = GeneticSearch(space, population_size=10, seed=0)
    >>> for _ in range(60):
    ...     config = search.ask()
    ...     search.tell(config, config["x"] ** 2 + (config["k"] - 3) ** 2)
    >>> search.generation_          # the initial population is generation 0
    5
    >>> len(search.history)
    60
    """

    name = "genetic"

    def __init__(
        self,
        space: Space,
        *,
        population_size: int = 20,
        selection: str = "tournament",
        tournament_size: int = 3,
        crossover: str = "sbx",
        crossover_rate: float = 0.9,
        eta_c: float = 20.0,
        blend_alpha: float = 0.5,
        mutation: str = "polynomial",
        mutation_rate: float | None = None,
        eta_m: float = 20.0,
        sigma: float = 0.1,
        elitism: int = 2,
        steady_state: bool = False,
        seed: int | None = None,
    ) -> None:
        super().__init__(space, seed=seed)
        self.population_size = check_scalar(population_size, "population_size", kind=int, low=2)
        self.selection = check_choice(selection, "selection", ("tournament", "rank"))
        self.tournament_size = check_scalar(tournament_size, "tournament_size", kind=int, low=1)
        self.crossover = check_choice(crossover, "crossover", ("sbx", "blend"))
        self.crossover_rate = check_scalar(crossover_rate, "crossover_rate", low=0.0, high=1.0)
        self.eta_c = check_scalar(eta_c, "eta_c", low=0.0)
        self.blend_alpha = check_scalar(blend_alpha, "blend_alpha", low=0.0)
        self.mutation = check_choice(mutation, "mutation", ("polynomial", "gaussian"))
        if mutation_rate is not None:
            check_scalar(mutation_rate, "mutation_rate", low=0.0, high=1.0)
        self.mutation_rate = mutation_rate
        self.eta_m = check_scalar(eta_m, "eta_m", low=0.0)
        self.sigma = check_scalar(sigma, "sigma", low=0.0, low_inclusive=False)
        self.elitism = check_scalar(elitism, "elitism", kind=int, low=0,
                                    high=self.population_size)
        if not isinstance(steady_state, (bool, np.bool_)):
            raise TypeError(f"steady_state must be a bool; got {steady_state!r}")
        self.steady_state = bool(steady_state)
        self._ops = self._operators()
        self._genes = gene_kinds(space)  # (kinds, n_choices)
        self._decoder = Decoder(space)
        self.population_ = np.empty((0, len(space)))
        self.fitness_ = np.empty(0)
        self.generation_ = 0
        self._stale: dict[tuple, deque] = {}  # config key -> genomes asked, not told, in time
        self._pool: list[tuple[np.ndarray, float]] = []  # W, or the steady-state inbox
        self._known = KnownValues(self._decoder)  # the latest value of each configuration
        self._idle = 0  # blocks in a row that queued nothing
        self._streams = Streams(self.seed)
        self._ranked = np.arange(self.population_size)  # the order of a sorted population
        self._gen = Proposals(self._decoder, len(space), self._known)

    def _operators(self) -> Operators:
        rate = 1.0 / len(self.space) if self.mutation_rate is None else self.mutation_rate
        return Operators(
            selection=self.selection, tournament_size=self.tournament_size,
            crossover=self.crossover, crossover_rate=float(self.crossover_rate),
            eta_c=float(self.eta_c), blend_alpha=float(self.blend_alpha),
            mutation=self.mutation, mutation_rate=float(rate), eta_m=float(self.eta_m),
            sigma=float(self.sigma),
        )

    # --- generational bookkeeping ---------------------------------------------------------
    def _extend_stream(self) -> None:
        n = self.population_size
        rng = self._streams(_STREAM, self.generation_, self._gen.n_blocks)
        genomes = self._random_genomes(rng, n) if self.generation_ == 0 else make_offspring(
            self.space, self._ops, self.population_, self.fitness_, n, rng, self._genes,
            order=self._ranked)  # the population is sorted, best first
        queued = self._gen.extend(genomes, whole=self._idle >= _PATIENCE)  # decoded, screened
        self._idle = 0 if queued else self._idle + 1

    def _random_genomes(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return snap(self.space, rng.random((n, len(self.space))), self._genes[0])

    def _advance_if_due(self) -> None:
        n, gen = self.population_size, self._gen
        warm_start = gen.cursor == 0 and len(self._pool) >= n
        if gen.n_done < n and not warm_start:
            return
        U, f = gen.told_arrays()
        k = self.elitism  # the population is sorted, best first: its k best lead
        if k or self._pool:
            U = np.vstack([self.population_[:k], U, *[u[None] for u, _ in self._pool]])
            f = np.concatenate([self.fitness_[:k], f, [v for _, v in self._pool]])
        self.population_, self.fitness_ = _jit.survivors(U, f, n)  # fitness_order's n best
        gen.retire(self._stale)  # asked, not told: a late tell joins the next selection
        self._pool = []
        self.generation_ += 1
        self._gen = Proposals(self._decoder, len(self.space), self._known)

    def _hand_out(self, n: int, ahead: bool = True,
                  rows: bool = False) -> list[dict[str, Any]] | np.ndarray:
        """Up to ``n`` proposals (``n`` when ``ahead``), dicts or rows; more than one pass
        only after blocks with nothing new."""
        while True:
            self._advance_if_due()  # tells only come between batches
            got = self._gen.hand_out(n, self._extend_stream, ahead, rows)
            if len(got):
                return got

    # --- steady state ---------------------------------------------------------------------
    def _absorb(self) -> None:
        """Steady state: each told individual joins, or replaces the worst if not worse."""
        for u, value in self._pool:
            if len(self.fitness_) < self.population_size:
                self.population_ = np.vstack([self.population_, u])
                self.fitness_ = np.append(self.fitness_, value)
                continue
            worst = fitness_order(self.fitness_)[-1]
            key = value if np.isfinite(value) else np.inf
            if key <= (self.fitness_[worst] if np.isfinite(self.fitness_[worst]) else np.inf):
                self.population_[worst], self.fitness_[worst] = u, value
        self._pool = []

    def explain(self) -> dict[str, Any]:
        """The population, its offspring and how each was made, the survivors and the
        diversity, as plain data (:mod:`._explain_genetic`); changes neither state nor stream.

        Returns
        -------
        dict
            ``kind="genetic"``, ``axes``, ``mode``, ``generation``, ``operators``,
            ``n_asked``, ``n_told``. Point sets (``unit``, ``configs``, ``points`` in axis
            coordinates, ``values``): ``population`` (best first), ``pool`` (told outside the
            generation), ``parents`` (rows of the population selected, ``index``, ``count``),
            ``offspring`` (also ``told``, ``status``, ``block``, ``operation``: random, copy,
            crossover, mutation; ``parents`` ``(n, 2)``, ``contestants``, ``mated``,
            ``crossed`` and ``mutated`` genes ``(n, d)``, ``before_mutation``),
            ``survivors`` (also ``source``, ``complete``). ``diversity``: ``mean_distance``,
            ``gene_std``, ``n_unique``. Steady state: no offspring, parents nor survivors.
        """
        return explain_genetic(self)

    # --- the protocol ---------------------------------------------------------------------
    def ask(self) -> dict[str, Any]:
        """The next configuration (:meth:`Strategy.ask`): decoded from the unit cube, it lies
        inside the space without being validated again."""
        if self.steady_state:
            return super().ask()
        config = self._hand_out(1)[0]  # decoded from the cube: inside the space
        self.n_asked += 1
        return config

    def ask_batch(self, n: int) -> list[dict[str, Any]]:
        """Up to ``n`` configurations (:meth:`Strategy.ask_batch`), decoded a generation at a
        time: fewer when the generation has fewer left to hand out (when it has none left,
        those of one more block of children of the same parents)."""
        n = check_scalar(n, "n", kind=int, low=1)
        if self.steady_state:
            return super().ask_batch(n)
        configs = self._hand_out(n, ahead=False)
        self.n_asked += len(configs)
        return configs

    def _ask(self) -> dict[str, Any]:
        if not self.steady_state:
            return self._hand_out(1)[0]
        for retry in range(_PATIENCE * self.population_size):  # steady state
            self._absorb()
            rng = self._streams(_RETRY, self.n_asked, retry) if retry else self._rng()
            if len(self.fitness_) < self.population_size:
                u = self._random_genomes(rng, 1)[0]
            else:
                u = make_offspring(self.space, self._ops, self.population_, self.fitness_, 1,
                                   rng, self._genes)[0]
            configs, V = self._decoder(u[None])
            found, values = self._known.lookup(V, configs)
            value = float(values[0]) if found[0] else None
            if value is None or retry == _PATIENCE * self.population_size - 1:
                break
            self._pool.append((u, value))  # known: joins as if told, not handed out
        self._stale.setdefault(config_key(configs[0]), deque()).append(u)
        return configs[0]

    def _ask_rows(self, n: int) -> np.ndarray | None:
        return None if self.steady_state else self._hand_out(n, ahead=False, rows=True)

    def _tell_rows(self, X: np.ndarray, values: np.ndarray) -> np.ndarray | None:
        return None if self.steady_state else self._gen.record_rows(X, values)

    def _recall(self, config: Any) -> dict[str, Any] | None:
        return None if self.steady_state else self._gen.recall(config)

    def _tell_batch(self, configs: list[Any], values: list[float]) -> list[dict] | None:
        return None if self.steady_state else self._gen.record_batch(configs, values)

    def _tell(self, config: dict[str, Any], value: float) -> None:
        if not self.steady_state and self._gen.record(config, value):
            return  # its value is known now (Proposals.record)
        u = pop_stale(self._stale, config)
        self._pool.append((self.space.to_unit(config) if u is None else u, value))
        self._known[config] = value
