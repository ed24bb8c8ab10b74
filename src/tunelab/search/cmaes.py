"""The (mu/mu_w, lambda)-CMA-ES in the unit cube, with IPOP restarts, behind ask/tell.

Notation (Hansen 2016): :math:`n` dimensions, :math:`\\lambda` samples per generation, the
:math:`\\mu` best recombined with weights :math:`w_i`; mean :math:`m`, step size
:math:`\\sigma`, covariance :math:`C = B D^2 B^\\top`, evolution paths :math:`p_\\sigma` and
:math:`p_c`; a sample is :math:`x = m + \\sigma A y` with :math:`y = B D z`,
:math:`z \\sim N(0, I)`, and :math:`A` the diagonal margin of integer and categorical
coordinates (identity on real ones).

References
----------
.. [1] N. Hansen, "The CMA evolution strategy: a tutorial", arXiv:1604.00772, 2016 (equation
   numbers below; default parameters of Table 1; termination criteria of Appendix B).
.. [2] A. Auger and N. Hansen, "A restart CMA evolution strategy with increasing population
   size", IEEE CEC 2005 (IPOP).
.. [3] N. Hansen, "Injecting external solutions into CMA-ES", arXiv:1110.4181, 2011.
.. [4] R. Hamano, S. Saito, M. Nomura and S. Shirakawa, "CMA-ES with margin: lower-bounding
   marginal probability for mixed-integer black-box optimization", GECCO 2022.
.. [5] N. Hansen, pycma, ``cma.transformations.BoundTransform``: the box as a periodic
   reflection of the unbounded search space.
The update equations are in :mod:`tunelab.search._cma_equations`; this module runs them
behind ask/tell (generations, margins, injection, restarts, termination).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from statistics import NormalDist
from typing import Any

import numpy as np

from tunelab._validation import check_array, check_choice, check_scalar
from tunelab.search._base import Strategy
from tunelab.search._cma_equations import (
    cma_parameters,
    cma_update,
    keep_finite,
    nearest_image,
    reflect,
)
from tunelab.search._cma_restarts import RULES, next_run, stagnated, terminated
from tunelab.search._decoder import Decoder
from tunelab.search._explain_cmaes import explain_cmaes
from tunelab.search._ga_operators import fitness_order
from tunelab.search._pending import Proposals, pop_stale
from tunelab.search._philox_sfc64 import Streams
from tunelab.space import Categorical, Integer, Space

_STREAM, _RESTART = 3, 4  # tags of the random streams (Streams)


class CMAES(Strategy):
    """Covariance matrix adaptation evolution strategy on the unit cube.

    Parameters
    ----------
    space : Space
        The search space; CMA-ES works on its unit cube.
    sigma0 : float, default=0.3
        Initial step size, in unit coordinates, ``> 0``.
    population_size : int or None, default=None
        :math:`\\lambda \\ge 2` of the first run; ``None`` is :math:`4 + \\lfloor 3 \\ln n
        \\rfloor` (Hansen 2016, Eq. 48).
    mean0 : dict, array-like or None, default=None
        Initial mean: a configuration, a point of the unit cube of shape ``(d,)``, or
        ``None`` for the cube's centre.
    restarts : {"none", "ipop", "bipop"}, default="none"
        When a termination criterion fires, restart from a uniformly random mean: ``"ipop"``
        with a doubled population (Auger & Hansen 2005), ``"bipop"`` alternating that with
        short runs of small populations and steps (Hansen 2009; the rules:
        :mod:`tunelab.search._cma_restarts`).
    max_restarts : int, default=9
        Most restarts, ``>= 0``.
    active : bool, default=True
        Active covariance adaptation (Jastrebski & Arnold 2006; Hansen 2016, Eqs. 46-53, as
        pycma's default ``CMA_active``): the worst half of each generation, with negative
        weights, shrinks the covariance along its steps. ``False`` keeps the positive
        rank-mu update only.
    seed : int or None, default=None
        Seed of all randomness (see :class:`~tunelab.search.Strategy`).

    Attributes
    ----------
    mean_ : ndarray of shape (d,)
        Current mean, in the unbounded search space (its reflection lies in the cube).
    sigma_ : float
        Current step size.
    cov_ : ndarray of shape (d, d)
        Current covariance matrix :math:`C`.
    lambda_ : int
        Current population size.
    n_restarts_ : int
        Restarts so far.
    generation_ : int
        Generations completed, over all runs.

    Notes
    -----
    Each generation samples :math:`\\lambda` points (Eqs. 38-40), recombines the
    :math:`\\mu = \\lfloor\\lambda/2\\rfloor` best (Eqs. 41-42), adapts :math:`\\sigma` by
    cumulative step-size adaptation (Eqs. 43-44) and :math:`C` by the rank-one and rank-mu
    updates, the rank-one path stalled by :math:`h_\\sigma` (Eqs. 45, 47); with ``active``,
    the rank-mu update also takes the :math:`\\lambda - \\mu` worst finite samples with
    negative weights (Eqs. 46, 53). :math:`B, D`
    are refreshed lazily, once :math:`\\lambda / (10 n (c_1 + c_\\mu))` evaluations have
    passed since the last eigendecomposition.

    *Bounds.* The search space is unbounded and the box its periodic reflection (as pycma's
    ``BoundTransform``, unsmoothed): a sample :math:`x` is evaluated at ``reflect(x)`` and
    the unrepaired :math:`x` enters the update; the mean is shifted by multiples of the
    period to stay in :math:`[-1/2, 3/2)`.

    *Integer and categorical parameters* are the bins of their unit coordinate (categories
    in the order given, a heuristic since that order carries no meaning). After Hamano et al.
    (2022), a margin keeps the marginal standard deviation :math:`\\sigma A_{jj}
    \\sqrt{C_{jj}}` of such a coordinate at least :math:`h_j / z_{1-\\alpha}`, with
    :math:`h_j` half the distance between neighbouring values' codes and
    :math:`\\alpha = 1/(n\\lambda)`: from a bin's centre, a sample leaves the bin on each side
    with probability at least :math:`\\alpha`, so the search never freezes on a plateau.

    *Ask/tell.* Asks hand out the generation's samples in order (more from the same
    distribution when asks run ahead of tells); the generation updates at the first ask
    after :math:`\\lambda` of them have been told, ranking every told sample of it (a value
    goes to the first untold sample with an equal configuration). Failures (``nan``,
    ``inf``) rank last. Told configurations that were not asked in the generation
    (warm starts, late tells) are injected into the next update (Hansen 2011): their step is
    :math:`y = A^{-1}(x - m)/\\sigma`, its Mahalanobis length clipped to
    :math:`\\sqrt{n} + 2n/(n+2)`; ``lambda_`` of them waiting before a generation's first ask
    make that generation on their own.

    *Restarts* (``"ipop"``) fire on the criteria of Hansen (2016), App. B: TolFun
    (:math:`10^{-12}`), TolX (:math:`10^{-12}\\sigma_0`), ConditionCov (:math:`10^{14}`),
    NoEffectAxis, NoEffectCoord and Stagnation. Randomness: generation ``g``'s ``c``-th
    block of samples comes from the random stream ``(3, g, c)`` of
    :class:`~tunelab.search._philox_sfc64.Streams`, restart ``r``'s mean from the stream
    ``(4, r, 0)``: pure functions of the seed and of those indices.

    Examples
    --------
    >>> from tunelab.space import Real, Space
    >>> space = Space({"x": Real(-3.0, 3.0), "y": Real(-3.0, 3.0)})
    >>> search = CMAES(space, seed=0)
    >>> for _ in range(300):
    ...     config = search.ask()
    ...     search.tell(config, (config["x"] - 1) ** 2 + 10 * config["y"] ** 2)
    >>> best, value = min(search.history, key=lambda trial: trial[1])
    >>> value < 1e-6
    True
    """

    name = "cmaes"

    def __init__(
        self,
        space: Space,
        *,
        sigma0: float = 0.3,
        population_size: int | None = None,
        mean0: Any = None,
        restarts: str = "none",
        max_restarts: int = 9,
        active: bool = True,
        seed: int | None = None,
    ) -> None:
        super().__init__(space, seed=seed)
        if not isinstance(active, (bool, np.bool_)):
            raise TypeError(f"active must be True or False; got {active!r}")
        self.active = bool(active)
        self.sigma0 = check_scalar(sigma0, "sigma0", low=0.0, low_inclusive=False)
        if population_size is not None:
            check_scalar(population_size, "population_size", kind=int, low=2)
        self.population_size = population_size
        self.mean0 = mean0
        self.restarts = check_choice(restarts, "restarts", RULES)
        self.max_restarts = check_scalar(max_restarts, "max_restarts", kind=int, low=0)
        n = len(space)
        self._discrete = np.array([isinstance(d, (Integer, Categorical)) for d in space.values()])
        self._upper = np.triu_indices(n, 1)
        self.n_restarts_ = 0
        self.generation_ = 0
        self._decoder = Decoder(space)
        self._streams = Streams(self.seed)
        self._stale: dict[tuple, deque] = {}  # config key -> samples asked, not told, in time
        self._pool: list[tuple[np.ndarray, float]] = []  # configurations to inject
        self._runs: list[dict[str, Any]] = []  # every run: regime, lambda, sigma0, evals
        self._lam0 = population_size or 4 + int(3 * math.log(n))
        self._start(self._initial_mean(mean0), self._lam0, self.sigma0, "large")

    def _initial_mean(self, mean0: Any) -> np.ndarray:
        if mean0 is None:
            return np.full(len(self.space), 0.5)
        if isinstance(mean0, Mapping):
            return self.space.to_unit(mean0)
        mean0 = check_array(mean0, "mean0", ndim=1)
        if mean0.shape != (len(self.space),) or np.any((mean0 < 0) | (mean0 > 1)):
            raise ValueError(
                f"mean0 must be a configuration or a point of [0, 1]^{len(self.space)}; "
                f"got {mean0!r}")
        return mean0

    # --- state ----------------------------------------------------------------------------
    def _start(self, m: np.ndarray, lam: int, sigma: float, regime: str) -> None:
        """A fresh run from mean ``m`` with ``lam`` samples per generation and step ``sigma``."""
        n = len(m)
        self._runs.append({"run": len(self._runs), "regime": regime, "lambda": lam,
                           "sigma0": sigma, "mean0": m.astype(float), "evals": 0})
        self._s = {**cma_parameters(n, lam, self.active), "m": m.astype(float), "sigma": sigma,
                   "sigma0": sigma,
                   "C": np.eye(n), "ps": np.zeros(n), "pc": np.zeros(n), "B": np.eye(n),
                   "D": np.ones(n), "g": 0, "evals": 0, "eigen_evals": 0}
        self.lambda_ = lam
        self._best_history: list[float] = []
        self._median_history: list[float] = []
        self._new_generation()

    @property
    def mean_(self) -> np.ndarray:
        return self._s["m"].copy()

    @property
    def sigma_(self) -> float:
        return float(self._s["sigma"])

    @property
    def cov_(self) -> np.ndarray:
        return self._s["C"].copy()

    def _new_generation(self) -> None:
        self._A = self._margin()
        self._gen = Proposals(self._decoder, len(self.space))  # samples x, in ask order
        self._Y = np.empty((0, len(self.space)))  # their steps y = B D z

    def _margin(self) -> np.ndarray:
        """Diagonal ``A``: the marginal std of discrete coordinates at least ``h / z``."""
        s, A = self._s, np.ones(len(self.space))
        if not self._discrete.any():
            return A
        z = NormalDist().inv_cdf(1 - 1 / (len(A) * self.lambda_))
        u = reflect(s["m"])
        for j, dim in enumerate(self.space.values()):
            if isinstance(dim, Categorical):
                h = 0.5 / len(dim.choices)
            elif isinstance(dim, Integer):
                k = dim.from_unit(u[j : j + 1])[0]
                ks = [v for v in (k - 1, k + 1) if dim.low <= v <= dim.high]
                codes = dim.to_unit([k, *ks])
                h = 0.5 * float(np.min(np.abs(codes[1:] - codes[0])))
            else:
                continue
            A[j] = max(1.0, h / z / max(s["sigma"] * math.sqrt(s["C"][j, j]), 1e-300))
        return A

    def _extend_stream(self) -> None:
        s, n = self._s, len(self.space)
        rng = self._streams(_STREAM, self.generation_, self._gen.n_blocks)
        Z = rng.standard_normal((self.lambda_, n))
        Y = Z @ (s["B"] * s["D"]).T  # Eq. (39): y = B D z
        X = s["m"] + s["sigma"] * self._A * Y  # Eq. (40), with the margin A
        self._Y = np.vstack([self._Y, Y]) if len(self._Y) else Y
        self._gen.extend(X, reflect(X))  # decoded a block at a time

    # --- a generation's update ------------------------------------------------------------
    def _advance_if_due(self) -> None:
        lam, gen = self.lambda_, self._gen
        if gen.n_told < lam and not (gen.cursor == 0 and len(self._pool) >= lam):
            return
        s = self._s
        told = np.flatnonzero(gen.told)
        Y = np.vstack([self._Y[told], *[self._injected_step(u) for u, _ in self._pool]])
        f = np.concatenate([gen.values[told], [v for _, v in self._pool]])
        order = fitness_order(f)
        gen.retire(self._stale)  # asked, not told: a late tell is injected later
        self._pool = []
        cma_update(s, Y[order], self._A, n_ranked=int(np.count_nonzero(np.isfinite(f))))
        s["evals"] += len(f)
        s["m"] = s["m"] - 2.0 * np.floor((s["m"] + 0.5) / 2.0)  # same reflections, m near the box
        if s["evals"] - s["eigen_evals"] > lam / (s["c1"] + s["cmu"]) / len(s["m"]) / 10:
            self._eigen()
        keep_finite(s)
        finite = f[order[: np.count_nonzero(np.isfinite(f))]]  # sorted
        self._best_history.append(float(finite[0]) if finite.size else np.inf)
        self._median_history.append(_sorted_median(finite) if finite.size else np.inf)
        self.generation_ += 1
        self._runs[-1]["evals"] = s["evals"]
        if self.restarts != "none" and self.n_restarts_ < self.max_restarts and self._stop(f):
            self.n_restarts_ += 1
            rng = self._streams(_RESTART, self.n_restarts_, 0)
            mean = rng.random(len(s["m"]))
            regime, lam, sigma = next_run(self.restarts, self._runs, self._lam0, self.sigma0, rng)
            self._start(mean, lam, sigma, regime)
            return
        self._new_generation()

    def _injected_step(self, u: np.ndarray) -> np.ndarray:
        """Step of an injected point, its Mahalanobis length clipped (Hansen 2011)."""
        s, n = self._s, len(u)
        y = (nearest_image(u, s["m"]) - s["m"]) / (s["sigma"] * self._A)
        length = np.linalg.norm((s["B"].T @ y) / s["D"])
        bound = math.sqrt(n) + 2 * n / (n + 2)
        return (y * min(1.0, bound / length) if length > 0 else y)[None]

    def _eigen(self) -> None:
        s = self._s
        C = s["C"].copy()
        C[self._upper[::-1]] = C[self._upper]  # enforce symmetry: lower mirrors upper
        eigenvalues, s["B"] = np.linalg.eigh(C)
        s["D"] = np.sqrt(np.maximum(eigenvalues, 1e-300))
        s["C"], s["eigen_evals"] = C, s["evals"]

    def _stop(self, f: np.ndarray) -> bool:
        """Whether a termination criterion of Hansen (2016), App. B, fires (:func:`terminated`)."""
        return terminated(self._s, self._best_history, self._median_history, self.lambda_, f)

    def _stagnated(self) -> bool:
        return stagnated(self._best_history, self._median_history, len(self._s["m"]),
                         self.lambda_)

    def explain(self) -> dict[str, Any]:
        """The generation's distribution, samples, paths and restarts, as plain data
        (:mod:`._explain_cmaes`: the math); changes neither state nor stream.

        Returns
        -------
        dict
            ``kind="cmaes"``, ``axes``, ``n_asked``, ``n_told``, ``generation``,
            ``run_generation``, ``lambda``, ``mu``, ``weights`` (of the mean),
            ``negative_weights`` (of the :math:`\\lambda - \\mu` worst in the active
            covariance update, zeros without ``active``), ``mueff``; ``mean``
            (``unbounded``, ``unit``, ``config``, ``point``, ``axis``), ``sigma``, ``sigma0``,
            ``C``, ``B``, ``D``, ``margin`` :math:`A`; ``covariance_unit``
            :math:`\\sigma^2 A B D^2 B^\\top A` of the samples and ``covariance`` in axis
            units (of :math:`\\ln x` on log axes); ``ellipse`` (1-sigma, first two
            dimensions); ``paths`` (``sigma`` :math:`p_\\sigma`, ``c`` :math:`p_c`,
            ``sigma_norm``, ``chi_n``); ``parameters``; ``samples`` (``unbounded``, ``unit``,
            ``configs``, ``points``, ``steps``, ``values``, ``told``, ``rank``, ``weight``)
            and ``pool`` (to inject); ``due`` (the next ask updates); ``history`` (best,
            median per generation of this run); ``restarts`` (``rule``, ``count``, ``max``,
            ``runs``: ``run``, ``regime``, ``lambda``, ``sigma0``, ``mean0``, ``evals``).
        """
        return explain_cmaes(self)

    # --- the protocol ---------------------------------------------------------------------
    def _hand_out(self, n: int, rows: bool = False) -> list[dict[str, Any]] | np.ndarray:
        self._advance_if_due()  # tells only come between batches
        return self._gen.hand_out(n, self._extend_stream, rows=rows)

    def ask(self) -> dict[str, Any]:
        """The next configuration (:meth:`Strategy.ask`): decoded from the unit cube, it lies
        inside the space without being validated again."""
        config = self._hand_out(1)[0]  # decoded from the cube: inside the space
        self.n_asked += 1
        return config

    def ask_batch(self, n: int) -> list[dict[str, Any]]:
        """The next ``n`` configurations (:meth:`Strategy.ask_batch`), decoded a generation
        at a time."""
        n = check_scalar(n, "n", kind=int, low=1)
        configs = self._hand_out(n)
        self.n_asked += n
        return configs

    def _ask(self) -> dict[str, Any]:
        return self._hand_out(1)[0]

    def _ask_rows(self, n: int) -> np.ndarray:
        return self._hand_out(n, rows=True)

    def _tell_rows(self, X: np.ndarray, values: np.ndarray) -> np.ndarray | None:
        return self._gen.record_rows(X, values)

    def _recall(self, config: Any) -> dict[str, Any] | None:
        return self._gen.recall(config)

    def _tell_batch(self, configs: list[Any], values: list[float]) -> list[dict] | None:
        return self._gen.record_batch(configs, values)

    def _tell(self, config: dict[str, Any], value: float) -> None:
        if self._gen.record(config, value):
            return
        x = pop_stale(self._stale, config)
        self._pool.append((reflect(x) if x is not None else self.space.to_unit(config), value))


def _sorted_median(values: np.ndarray) -> float:
    """Median of sorted values."""
    n = len(values)
    return float(values[n // 2] if n % 2 else 0.5 * (values[n // 2 - 1] + values[n // 2]))
