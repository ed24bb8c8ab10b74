"""Bayesian optimization: a Gaussian process of the objective, and an acquisition maximized.

Notation: :math:`d` dimensions, relaxed points :math:`z \\in [0, 1]^D` and kernel inputs
:math:`x = T(z)` (:mod:`tunelab.search._bo_encoding`); observed values :math:`y_i`, standardized
to :math:`\\tilde y_i = (y_i - \\bar y)/s_y`; GP posterior :math:`\\mu, \\sigma` of
:math:`\\tilde y` (:mod:`tunelab.search._bo_surrogate`); acquisition :math:`a`
(:mod:`tunelab.search._bo_acquisition`, the acquisitions themselves in
:mod:`tunelab.gp.acquisition`); pending configurations (:mod:`tunelab.search._bo_batch`).

References
----------
.. [1] D. R. Jones, M. Schonlau and W. J. Welch, "Efficient global optimization of expensive
   black-box functions", J. Global Optim. 13, 455-492, 1998.
.. [2] J. Snoek, H. Larochelle and R. P. Adams, "Practical Bayesian optimization of machine
   learning algorithms", NeurIPS 2012.
.. [3] E. C. Garrido-Merchán and D. Hernández-Lobato, "Dealing with categorical and
   integer-valued variables in Bayesian optimization with Gaussian processes",
   Neurocomputing 380, 2020.
.. [4] D. Ginsbourger, R. Le Riche and L. Carraro, "Kriging is well-suited to parallelize
   optimization", Springer, 2010; J. González, Z. Dai, P. Hennig and N. Lawrence, "Batch
   Bayesian optimization via local penalization", AISTATS 2016.
.. [5] S. Ament, S. Daulton, D. Eriksson, M. Balandat and E. Bakshy, "Unexpected improvements
   to expected improvement for Bayesian optimization", NeurIPS 2023.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from tunelab._validation import check_choice, check_scalar
from tunelab.gp import GaussianProcess
from tunelab.gp import acquisition as A
from tunelab.search import _bo_acquisition, _bo_batch, _bo_surrogate
from tunelab.search import _bo_encoding as enc_
from tunelab.search._base import Strategy, warn_replay_differs
from tunelab.search._bo_warnings import Degradation, DegradedWarning
from tunelab.search._explain_bayes import explain_bayes
from tunelab.space import Space

__all__ = ["BayesianOptimization", "DegradedWarning"]

KERNELS, HYPERPARAMETERS = _bo_surrogate.KERNELS, _bo_surrogate.HYPERPARAMETERS
_FIT, _PROBE = 21, 22  # spawn-key tags: the fit's random starts, the Lipschitz probe
_N_CENTRES = 5  # incumbents around which local candidates are drawn
_CHECKPOINTS = list(range(1, 17))  # numbers of observations where hyperparameters start afresh
while _CHECKPOINTS[-1] < 10**7:
    _CHECKPOINTS.append(math.ceil(1.25 * _CHECKPOINTS[-1]))


@dataclass
class _Fit:
    """The GP(s) of the told data, standardized; a function of the history alone."""

    gps: list[Any]  # conditioned on every observation, failures told the largest value
    X: np.ndarray  # kernel inputs of the observations, failures last
    y: np.ndarray  # the standardized finite values
    Z: np.ndarray  # the relaxed codes of the finite observations


class BayesianOptimization(Degradation, Strategy):
    """Bayesian optimization with a Gaussian process on the unit cube.

    Parameters
    ----------
    space : Space
        The search space; reals and integers on their unit (log-scaled) coordinate,
        categories one-hot (see Notes).
    acquisition : {"logei", "ei", "pi", "ucb", "thompson"}, default="logei"
        Log expected improvement (Ament et al. 2023), expected improvement, (log) probability
        of improvement, lower confidence bound :math:`\\mu - \\beta\\sigma` (``ucb_beta``), or
        Thompson sampling (one joint posterior draw at the candidates).
    kernel : {"matern52", "matern32", "matern12", "rbf"}, default="matern52"
        The GP's covariance, with one lengthscale per relaxed column (ARD).
    n_initial : int or None, default=None
        Finite observations needed before the GP is used; ``None`` is
        ``min(max(5, 2 d), 20)`` (measured: on Hartmann-6, 5 initial points let half the
        runs stall in the local minimum; on Branin, 10 are worse than 5). Until then, points
        of ``initial_design``.
    initial_design : {"sobol", "lhs", "random"}, default="sobol"
        Scrambled Sobol' sequence, Latin hypercube of ``n_initial`` points, or uniform draws.
    hyperparameters : {"ml2", "map", "fixed", "slice"}, default="ml2"
        Kernel hyperparameters: maximum marginal likelihood, maximum a posteriori under the
        prior of :func:`~tunelab.search._bo_surrogate.log_prior`, the initial values, or 8 slice
        samples of the posterior whose acquisitions are averaged (Snoek et al. 2012; about
        500 marginal likelihoods per refit, so slow). Measured over 20 seeds, ML-II gave
        median regrets 2.9e-5 (Branin, 50 evaluations) and 7.2e-5 (Hartmann-6, 100), MAP
        3.0e-5 and 1.0e-4 (10 seeds).
    batch : {"cl_max", "cl_min", "cl_mean", "kb", "lp"}, default="cl_max"
        How an ask accounts for pending (asked, not told) configurations: constant liar,
        kriging believer or local penalization (:mod:`tunelab.search._bo_batch`).
    n_candidates : int, default=1024
        Sobol' candidates of the acquisition per ask (plus a quarter as many local ones).
    n_restarts : int, default=5
        Best candidates refined by L-BFGS-B.
    ucb_beta : float, default=2.0
        :math:`\\beta \\ge 0` of the lower confidence bound.
    xi : float or None, default=None
        Margin of EI and PI, in standardized units, ``>= 0``; ``None`` is 0 for EI and log
        EI and 0.01 for PI, whose argmax with no margin sits next to the incumbent and crawls
        (measured on a 2-D quadratic, 4 seeds: median best after 14 evaluations 0.07 with
        ``xi=0``, 0.008 with ``xi=0.01``).
    noise : float or "fit", default=1e-6
        Noise variance of the GP in standardized units, or ``"fit"`` to estimate it in
        ``[1e-6, 0.1]`` with the other hyperparameters (noisy objectives).
    seed : int or None, default=None
        Seed of all randomness (see :class:`~tunelab.search.Strategy`).

    Attributes
    ----------
    n_initial_ : int
        The resolved ``n_initial``.
    gp_ : GaussianProcess or None
        The last GP fitted on the told data (the first sample with ``"slice"``).

    Notes
    -----
    *Model.* Told configurations are encoded as kernel inputs :math:`T(z)`: integers rounded
    to their value's code and categories one-hot by argmax, inside the kernel (Garrido-Merchán
    & Hernández-Lobato 2020); values are standardized. The GP is refitted at an ask only if
    something was told since the last fit. Hyperparameters are fitted afresh, from the
    initial kernel and one random restart, at *checkpoints*: every observation up to 16, then
    each time the data grew by a quarter (20, 25, 32, ...); in between, L-BFGS-B starts from
    the fit of the last checkpoint, which is a function of that prefix of the history. With
    more than 200 observations, hyperparameters come from the 100 best and 100 others drawn
    at random, then the GP conditions on all.

    *Acquisition.* Maximized over ``n_candidates`` Sobol' points and points near the 5 best
    observed ones, the ``n_restarts`` best refined by L-BFGS-B with analytic gradients
    (:mod:`tunelab.search._bo_acquisition`). A proposal never repeats an evaluated or pending
    configuration: the next best candidate is taken, then random points, and only when all
    of these are taken (a small discrete space) a repeat is proposed, with a warning.

    *Failures* (``nan``, ``inf``) are told to the GP as the largest finite value observed
    (after standardization, which uses the finite values only), so that the model steers away
    from them, as SMAC does; the incumbent and the local candidates come from finite values
    only, and a failed configuration is never proposed again. Until ``n_initial`` finite
    values are known the initial design goes on. A pruned trial is told its last
    intermediate value (:meth:`~tunelab.search.Strategy.tell_pruned` says why).

    *Warnings.* :class:`DegradedWarning`, once per kind: fallback to random proposals when
    the GP fails, a repeated proposal, a lengthscale at its lower bound (the model sees
    noise), jitter added to a covariance (an upper-bound lengthscale is an irrelevant input,
    and not reported).

    *Reproducibility.* Ask :math:`k` depends only on the told history, the pending
    configurations, the seed and :math:`k`: its candidates come from ``self._rng()``, seeded
    by ``(seed, k)``; the fit of the first :math:`m` observations draws its random starts
    from a stream seeded by ``(seed, m)`` and starts from the fit of a prefix of them, so that
    it does not depend on when it happens. :meth:`replay_ask` records a stored
    configuration as pending and fits nothing; as a study replays the tells in order, the
    state after the replay equals the original one, and the next ask is the same. The stored
    configuration is checked against the proposal during the initial design, where that
    costs nothing.

    Examples
    --------
    >>> from tunelab.space import Real, Space
    >>> space = Space({"x": Real(-3.0, 3.0), "y": Real(-3.0, 3.0)})
    >>> bo = BayesianOptimization(space, n_initial=5, seed=0)
    >>> for _ in range(20):
    ...     config = bo.ask()
    ...     bo.tell(config, (config["x"] - 1) ** 2 + (config["y"] + 0.5) ** 2)
    >>> min(value for _, value in bo.history) < 1e-2
    True
    """

    name = "bayes"
    _pruned_as_value = True

    def __init__(
        self,
        space: Space,
        *,
        acquisition: str = "logei",
        kernel: str = "matern52",
        n_initial: int | None = None,
        initial_design: str = "sobol",
        hyperparameters: str = "ml2",
        batch: str = "cl_max",
        n_candidates: int = 1024,
        n_restarts: int = 5,
        ucb_beta: float = 2.0,
        xi: float | None = None,
        noise: float | str = 1e-6,
        seed: int | None = None,
    ) -> None:
        super().__init__(space, seed=seed)
        self.acquisition = check_choice(acquisition, "acquisition", tuple(A.ACQUISITIONS))
        self.kernel = check_choice(kernel, "kernel", tuple(KERNELS))
        if n_initial is not None:
            check_scalar(n_initial, "n_initial", kind=int, low=1)
        self.n_initial = n_initial
        self.initial_design = check_choice(initial_design, "initial_design", enc_.DESIGNS)
        self.hyperparameters = check_choice(hyperparameters, "hyperparameters", HYPERPARAMETERS)
        self.batch = check_choice(batch, "batch", _bo_batch.BATCH_RULES)
        self.n_candidates = check_scalar(n_candidates, "n_candidates", kind=int, low=1)
        self.n_restarts = check_scalar(n_restarts, "n_restarts", kind=int, low=0)
        self.ucb_beta = check_scalar(ucb_beta, "ucb_beta", low=0.0)
        if xi is not None:
            check_scalar(xi, "xi", low=0.0)
        self.xi = xi
        if not (isinstance(noise, str) and noise == "fit"):
            if isinstance(noise, str):
                raise ValueError(f"noise must be a float >= 0 or 'fit'; got {noise!r}")
            check_scalar(noise, "noise", low=0.0)
        self.noise = noise
        d = len(space)
        self.n_initial_ = n_initial if n_initial is not None else min(max(5, 2 * d), 20)
        self.gp_: GaussianProcess | None = None
        self._enc = enc_.make_encoding(space)
        self._Z: list[np.ndarray] = []  # relaxed codes of the told configurations
        self._X: list[np.ndarray] = []  # their kernel inputs
        self._y: list[float] = []
        self._seen: set[tuple] = set()
        self._pending = _bo_batch.Pending()
        self._fit_cache: tuple[int, _Fit] | None = None
        self._checkpoint_cache: tuple[int, Any, float] | None = None
        self._warned: set[str] = set()

    # --- the protocol ---------------------------------------------------------------------
    def ask(self) -> dict[str, Any]:
        config = super().ask()
        self._pending.add(config)
        return config

    def replay_ask(self, config: Mapping[str, Any]) -> None:
        """Record ``config`` as asked, without fitting (class Notes: why this is exact)."""
        config = self.space.validate(config)
        if self._in_design():
            expected = self._design_proposal(self._rng())
            if expected != config:
                warn_replay_differs(self, "ask()", expected, config)
        self.n_asked += 1
        self._pending.add(config)

    def _tell(self, config: dict[str, Any], value: float) -> None:
        self._pending.remove(config)
        z = enc_.to_relaxed(self._enc, self.space.to_unit(config))
        self._Z.append(z[0])
        self._X.append(enc_.kernel_input(self._enc, z)[0])
        self._y.append(value)
        self._seen.add(_bo_batch.config_key(config))

    def _ask(self) -> dict[str, Any]:
        rng = self._rng()
        if self._in_design():
            return self._design_proposal(rng)
        try:
            ranked = self._ranked_proposals(rng)
        except (np.linalg.LinAlgError, ValueError, FloatingPointError) as exc:
            self._degrade("fallback", f"the GP could not be used ({exc}); proposing a random "
                                      f"configuration")
            return self._random_new(rng, self.space.sample(rng))
        return self._first_new(ranked, rng)

    def explain(self) -> dict[str, Any]:
        """What decides the next ask, as plain data; changes neither the state nor a stream.

        Returns
        -------
        dict
            ``kind="bayes"``; ``phase``: ``"initial_design"`` (then only ``chosen``,
            ``observations``, ``pending``, ``axes``) or ``"model"``. ``axes``: one dict per
            dimension (name, kind, ``log``: drawn on a log axis, range). ``observations``:
            ``configs``, ``points`` ``(n, d)`` (axis coordinates: values, categories as
            indices), ``values``. ``grid`` (1-D or 2-D numeric spaces, else ``None``) or
            ``slices`` (one per dimension, through the next point, with ``name``): ``points``,
            ``unit``, posterior ``mean`` and ``std`` in the objective's units, ``acquisition``
            (the maximized value: log EI, log PI, EI or -LCB in standardized units),
            ``parts`` (EI: ``exploitation`` :math:`(f^*-\\xi-\\mu)\\Phi(z)`, ``exploration``
            :math:`\\sigma\\varphi(z)`; PI: ``probability``; LCB: ``mean``, ``exploration``
            :math:`-\\beta\\sigma`; Thompson: ``draw``), ``total`` (their sum: EI, PI, LCB),
            ``penalty`` under local penalization, ``shape`` of a grid. ``candidates``: every
            point the next ask scores (``unit``, ``points``, ``source``: sobol/local/refined,
            ``acquisition`` or the Thompson ``draw``, ``starts`` and ``ends`` of L-BFGS-B).
            ``chosen``: the next ask (``config``, ``unit``, ``point``, ``index`` into the
            candidates) or ``None`` when it falls back to a random one. ``incumbent``
            :math:`f^*`, ``xi``, ``beta``, ``standardization`` (mean, std of the values).
            ``hyperparameters``: per GP (several when slice-sampled) ``lengthscale_unit``,
            ``lengthscale`` (in the axis' units, of :math:`\\ln x` on log axes), ``variance``
            and ``noise`` (objective units squared), ``columns``. ``pending``: ``configs``,
            ``points``, ``rule``, ``lies`` or ``penalty`` (:mod:`._explain_bayes`: the math).
        """
        return explain_bayes(self, _N_CENTRES)

    def _in_design(self) -> bool:
        return int(np.isfinite(self._y).sum()) < self.n_initial_

    def _taken(self) -> set[tuple]:
        return self._seen | self._pending.keys()

    def _design_proposal(self, rng: np.random.Generator) -> dict[str, Any]:
        u = enc_.design_point(self.initial_design, len(self.space), self.n_initial_, self.seed,
                              self.n_asked)
        return self._random_new(rng, self.space.from_unit(u))

    def _random_new(self, rng: np.random.Generator, config: dict[str, Any]) -> dict[str, Any]:
        """``config`` if it is new, else the first new of 100 uniform draws (else a repeat)."""
        taken = self._taken()
        if _bo_batch.config_key(config) not in taken:
            return config
        for candidate in self.space.sample(rng, 100):
            if _bo_batch.config_key(candidate) not in taken:
                return candidate
        self._degrade("exhausted", "every configuration tried is evaluated or pending; "
                                   "proposing a repeat")
        return config

    def _first_new(self, ranked: np.ndarray, rng: np.random.Generator) -> dict[str, Any]:
        taken = self._taken()
        configs = self.space.from_unit(enc_.to_unit(self._enc, ranked[:64]))
        for i, config in enumerate(configs):
            if _bo_batch.config_key(config) not in taken:
                if i:
                    self._degrade("duplicate", "the acquisition's best point repeats an "
                                               "evaluated or pending configuration; taking the "
                                               "next best")
                return config
        self._degrade("duplicate", "the acquisition's best points repeat evaluated or pending "
                                   "configurations; taking a random one")
        return self._random_new(rng, configs[0])

    def _ranked_proposals(self, rng: np.random.Generator) -> np.ndarray:
        fit = self._fitted()
        sur = self._surrogate(fit)
        centres = fit.Z[np.argsort(fit.y, kind="stable")[:_N_CENTRES]]
        acq = A.ACQUISITIONS[self.acquisition]
        if acq.draws:
            gp = sur.gps[int(rng.integers(len(sur.gps)))]
            return _bo_acquisition.thompson(gp, self._enc, rng, self.n_candidates, centres)
        xi = self.xi if self.xi is not None else acq.xi
        Z, _ = _bo_acquisition.maximize(self.acquisition, sur, self._enc, rng, self.n_candidates,
                                        self.n_restarts, centres, xi, self.ucb_beta)
        return Z

    # --- the model ------------------------------------------------------------------------
    def _fitted(self) -> _Fit:
        """The GP(s) of the told data, refitted only if something was told since (Notes)."""
        m = self.n_told
        if self._fit_cache is None or self._fit_cache[0] != m:
            X, y, y_all, Z = self._data(m)
            s = _CHECKPOINTS[bisect.bisect_right(_CHECKPOINTS, m) - 1]
            start = self._checkpoint_fit(s) if s < m else None
            gps = self._watch(_bo_surrogate.fit_gps, X, y_all, self._gp_options(X.shape[1]),
                              self._fit_rng(m), start)
            if s == m:
                self._checkpoint_cache = (m, gps[0].kernel_, gps[0].noise_)
            self._fit_cache = (m, _Fit(gps, X, y, Z))
            self.gp_ = gps[0]
        return self._fit_cache[1]

    def _checkpoint_fit(self, s: int) -> tuple[Any, float] | None:
        """``(kernel_, noise_)`` fitted afresh on the first ``s`` observations."""
        if self._checkpoint_cache is None or self._checkpoint_cache[0] != s:
            if not np.isfinite(self._y[:s]).any():
                return None
            X, _, y_all, _ = self._data(s)
            gp = self._watch(_bo_surrogate.fit_gps, X, y_all, self._gp_options(X.shape[1]),
                             self._fit_rng(s), None)[0]
            self._checkpoint_cache = (s, gp.kernel_, gp.noise_)
        return self._checkpoint_cache[1], self._checkpoint_cache[2]

    def _fit_rng(self, m: int) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(_FIT, m)))

    def _data(self, m: int) -> tuple[np.ndarray, ...]:
        """Of the first ``m`` observations: kernel inputs (failures last), standardized finite
        values, the same with failures told the largest one, relaxed codes of the finite."""
        values, X = np.array(self._y[:m]), np.array(self._X[:m])
        ok = np.isfinite(values)
        y = _bo_surrogate.standardize(values[ok])
        y_all = np.concatenate([y, np.full(int((~ok).sum()), y.max())])
        return np.vstack([X[ok], X[~ok]]), y, y_all, np.array(self._Z[:m])[ok]

    def _gp_options(self, D: int) -> dict[str, Any]:
        return _bo_surrogate.gp_options(self.kernel, self.noise, self.hyperparameters, D)

    def _surrogate(self, fit: _Fit) -> _bo_surrogate.Surrogate:
        """The fit, with the pending configurations as lies or penalties (``batch``)."""
        if not len(self._pending):
            return _bo_surrogate.Surrogate(fit.gps, float(fit.y.min()))
        Xp = np.array([self._kernel_input(c) for c in self._pending.configs])
        probe_rng = np.random.default_rng(np.random.SeedSequence(
            self.seed, spawn_key=(_PROBE, self.n_asked)))
        return _bo_batch.pending_surrogate(self.batch, fit.gps, fit.X, fit.y, Xp, self._enc,
                                           probe_rng, self._watch)

    def _kernel_input(self, config: dict[str, Any]) -> np.ndarray:
        return enc_.kernel_input(self._enc,
                                 enc_.to_relaxed(self._enc, self.space.to_unit(config)))[0]
