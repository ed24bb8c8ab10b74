r"""Hypergradient search: first-order steps on the validation loss, inside the bounds.

The objective returns its value and its gradient in the hyperparameters (for instance
:class:`tunelab.hypergrad.ValidationLoss`, by implicit differentiation), and each
``tell(config, value, gradient=grad)`` moves the iterate. The steps are taken in the space's
coordinates :math:`t = F(x)`, with :math:`F = \log` for a ``Real(..., log=True)`` dimension
and the identity otherwise; the chain rule gives

.. math:: \frac{\partial f}{\partial t} = \frac{\partial f}{\partial x}\,\frac{dx}{dt}
    = x\,\frac{\partial f}{\partial x} \quad (\log), \qquad
    \frac{\partial f}{\partial x} \quad \text{(linear)},

and every step ends in the projection :math:`P(t) = \min(\max(t, F(\mathrm{low})),
F(\mathrm{high}))` onto the box of the bounds.

Optimizers (:math:`g_k = \partial f/\partial t` at the iterate :math:`t_k`, :math:`\eta`
the learning rate):

* ``"gd"``: projected gradient descent, :math:`t_{k+1} = P(t_k - \eta g_k)`.
* ``"adam"``: Adam (Kingma & Ba 2015) with bias-corrected moments,
  :math:`t_{k+1} = P(t_k - \eta \hat m_k / (\sqrt{\hat v_k} + \epsilon))`; each coordinate
  moves by about :math:`\eta` per step whatever the gradient's scale.
* ``"lbfgsb"``: limited-memory BFGS with bounds, in the projected-search form of Bertsekas
  (1982) rather than the Cauchy-point form of Byrd, Lu, Nocedal & Zhu (1995): the two-loop
  recursion on the free coordinates (a coordinate at a bound whose gradient points out of the
  box is held fixed), then a backtracking Armijo search along the projection arc,
  :math:`f(P(t_k + a d_k)) \le f(t_k) + c_1 g_k^\top (P(t_k + a d_k) - t_k)`, halving
  :math:`a` from 1. Its first step has length :math:`\eta` in the max-norm, and so has a
  steepest-descent step after the memory is reset, unless the last step found no positive
  curvature (:math:`s^\top y \le 0`, as on the edge of a plateau of the validation loss):
  the next step is then twice as long as the last, so that a start far out on a plateau
  is left in a few steps. It uses the told values, the other two only the gradients.

Stopping rule: the search stops (``ask`` raises :class:`~tunelab.exceptions.SearchExhausted`,
which ends a study's run) once the projected gradient :math:`\|P(t_k - g_k) - t_k\|_\infty`
is at most ``gtol``, or once a step (or a backtracking line-search step) moves the iterate by
at most ``xtol`` in the max-norm; ``stopped`` says which.

References
----------
.. [1] F. Pedregosa, "Hyperparameter optimization with approximate gradient", ICML 2016.
.. [2] D. P. Kingma and J. Ba, "Adam: a method for stochastic optimization", ICLR 2015.
.. [3] D. P. Bertsekas, "Projected Newton methods for optimization problems with simple
   constraints", SIAM J. Control Optim. 20(2), 1982.
.. [4] R. H. Byrd, P. Lu, J. Nocedal and C. Zhu, "A limited memory algorithm for bound
   constrained optimization", SIAM J. Sci. Comput. 16(5), 1995.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from tunelab._validation import check_choice, check_scalar
from tunelab.exceptions import SearchExhausted
from tunelab.search._base import Strategy
from tunelab.search._explain_common import axes, configs_to_axis
from tunelab.space import Space

OPTIMIZERS = ("adam", "gd", "lbfgsb")
_ARMIJO = 1e-4  # c_1 of the sufficient-decrease condition
_MEMORY = 10  # (s, y) pairs kept by L-BFGS


class HypergradientSearch(Strategy):
    """Follow the gradient of the objective in the hyperparameters, inside the bounds.

    Parameters
    ----------
    space : Space
        Real dimensions only (log or linear); ``ValueError`` names any other. A
        hyperparameter with one value per feature is one ``Real`` per feature (a space has
        no array-valued dimension).
    optimizer : {"adam", "gd", "lbfgsb"}, default="adam"
        See the module's notes.
    learning_rate : float, default=0.1
        :math:`\\eta`, in the space's coordinates (natural-log units on log dimensions:
        0.1 is about a 10% change of the value).
    seed : int or None, default=None
        Seed of the only random choice: a new starting point, drawn uniformly in the box,
        when the starting point's evaluation fails.
    x0 : dict or None, default=None
        The starting point; ``None`` is the centre of the box in the space's coordinates
        (the geometric mean of the bounds on a log dimension).
    gtol : float or None, default=1e-6
        Stop once the projected gradient's max-norm is at most ``gtol`` (``None``: never).
    xtol : float or None, default=1e-8
        Stop once a step moves the iterate by at most ``xtol`` (``None``: never).
    beta1, beta2, epsilon : float, default=0.9, 0.999, 1e-8
        Adam's moment decay rates and denominator offset.

    Attributes
    ----------
    stopped : str or None
        Why the search stopped, or ``None`` while it runs.
    n_failed : int
        Evaluations of an iterate that failed (non-finite value or no gradient).

    Notes
    -----
    The search is sequential: ``ask`` returns the current iterate, and again the same one
    until it is told (``ask_batch`` returns one configuration). ``tell(config, value,
    gradient=grad)`` of the current iterate takes a step; a tell of any other configuration
    is recorded in ``history`` only. A failed evaluation of the iterate (``nan`` or ``inf``)
    moves it halfway back to the last evaluated iterate (for ``"lbfgsb"``, halves the line
    search's step); without one, a new starting point is drawn from ``seed``. A finite value
    without a gradient is a ``ValueError``: the search cannot go on without one. The
    strategy is a deterministic function of its arguments and of the told values and
    gradients, so a stored study that keeps the gradients replays exactly.

    Examples
    --------
    >>> from tunelab.space import Real, Space
    >>> hs = HypergradientSearch(Space({"x": Real(-5.0, 5.0)}), optimizer="gd",
    ...                          learning_rate=0.25, seed=0)
    >>> while hs.stopped is None:
    ...     c = hs.ask()
    ...     hs.tell(c, (c["x"] - 1.0) ** 2, gradient={"x": 2 * (c["x"] - 1.0)})
    >>> round(hs.explain()["path"][-1]["x"], 6), hs.n_told, hs.stopped
    (1.0, 22, 'projected gradient max-norm <= gtol=1e-06')
    """

    name = "hypergradient"
    accepts_gradient = True

    def __init__(
        self,
        space: Space,
        optimizer: str = "adam",
        learning_rate: float = 0.1,
        *,
        seed: int | None = None,
        x0: Mapping[str, float] | None = None,
        gtol: float | None = 1e-6,
        xtol: float | None = 1e-8,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-8,
    ) -> None:
        super().__init__(space, seed=seed)
        other = [f"{n!r} ({space[n].kind})" for n in space.names if space[n].kind != "real"]
        if other:
            raise ValueError(
                f"space: HypergradientSearch needs Real dimensions only; "
                f"{', '.join(other)} cannot be differentiated"
            )
        self.optimizer = check_choice(optimizer, "optimizer", OPTIMIZERS)
        self.learning_rate = check_scalar(
            learning_rate, "learning_rate", low=0.0, low_inclusive=False
        )
        self.gtol = None if gtol is None else check_scalar(gtol, "gtol", low=0.0)
        self.xtol = None if xtol is None else check_scalar(xtol, "xtol", low=0.0)
        self.beta1 = check_scalar(beta1, "beta1", low=0.0, high=1.0, high_inclusive=False)
        self.beta2 = check_scalar(beta2, "beta2", low=0.0, high=1.0, high_inclusive=False)
        self.epsilon = check_scalar(epsilon, "epsilon", low=0.0, low_inclusive=False)
        dims = [space[n] for n in space.names]
        self._log = np.array([d.log for d in dims])
        self._lo = np.array([math.log(d.low) if d.log else d.low for d in dims])
        self._hi = np.array([math.log(d.high) if d.log else d.high for d in dims])
        if x0 is None:
            self.x0 = None
            self._t = 0.5 * (self._lo + self._hi)
        else:
            self.x0 = space.validate(x0)
            self._t = self._coords(self.x0)
        self.stopped: str | None = None
        self.n_failed = 0
        self._asked: dict[str, float] | None = None
        self._base: tuple[np.ndarray, float, np.ndarray] | None = None  # t, f, g accepted
        self._m = np.zeros(len(dims))  # Adam's moments, or the L-BFGS direction in _m
        self._v = np.zeros(len(dims))
        self._k = 0  # accepted steps
        self._step = 1.0  # L-BFGS line-search step
        self._length = self.learning_rate  # L-BFGS steepest-descent step length
        self._memory: list[tuple[np.ndarray, np.ndarray]] = []
        self._gradient: dict[str, Any] | None = None
        self._path: list[tuple[dict[str, float], float, np.ndarray]] = []

    # -- coordinates -------------------------------------------------------------------------

    def _coords(self, config: Mapping[str, float]) -> np.ndarray:
        x = np.array([config[n] for n in self.space.names], dtype=float)
        return np.where(self._log, np.log(np.where(self._log, x, 1.0)), x)

    def _config(self, t: np.ndarray) -> dict[str, float]:
        x = np.where(self._log, np.exp(t), t)
        dims = [self.space[n] for n in self.space.names]
        return {
            n: min(max(float(v), d.low), d.high)
            for n, v, d in zip(self.space.names, x, dims, strict=True)
        }

    def _project(self, t: np.ndarray) -> np.ndarray:
        return np.minimum(np.maximum(t, self._lo), self._hi)

    def _check_gradient(self, gradient: Any) -> np.ndarray:
        if not isinstance(gradient, Mapping):
            raise TypeError(
                f"gradient must be a dict of parameter -> derivative; got {type(gradient).__name__}"
            )
        names = self.space.names
        if set(gradient) != set(names):
            raise ValueError(f"gradient must have the keys {names}; got {sorted(gradient)}")
        out = np.empty(len(names))
        for i, name in enumerate(names):
            g = gradient[name]
            g = g.item() if isinstance(g, np.ndarray) and g.ndim == 0 else g
            if not isinstance(g, numbers.Real) or isinstance(g, bool):
                raise TypeError(f"gradient[{name!r}] must be a real number; got {g!r}")
            out[i] = float(g)
        return out

    # -- the protocol --------------------------------------------------------------------------

    def _ask(self) -> dict[str, float]:
        if self.stopped is not None:
            raise SearchExhausted(f"HypergradientSearch stopped: {self.stopped}")
        self._asked = self._config(self._t)
        return self._asked

    def ask_batch(self, n: int) -> list[dict[str, Any]]:
        """One configuration: the search is sequential (see Notes)."""
        check_scalar(n, "n", kind=int, low=1)
        return [self.ask()]

    def tell(
        self, config: Mapping[str, Any], value: float, gradient: Mapping[str, Any] | None = None
    ) -> None:
        """Record ``value`` and, for the current iterate, step along ``-gradient``.

        Parameters
        ----------
        config : dict
            A configuration inside the space.
        value : float
            The objective, to be minimized; ``nan`` or ``inf`` for a failed evaluation.
        gradient : dict or None
            ``{name: d value / d name}`` for every parameter, with respect to the values as
            given (not their logarithms). Needed with a finite value of the current iterate.
        """
        self._gradient = None if gradient is None else self._check_gradient(gradient)
        try:
            super().tell(config, value)
        finally:
            self._gradient = None

    def _tell(self, config: dict[str, Any], value: float) -> None:
        if self._asked is None or config != self._asked or self.stopped is not None:
            return  # not the iterate: recorded in history only
        t, g_x = self._t, self._gradient
        if math.isfinite(value) and g_x is None:
            raise ValueError(
                "HypergradientSearch.tell needs the gradient of the current "
                "iterate: tell(config, value, gradient={name: derivative})"
            )
        failed = not math.isfinite(value) or not np.all(np.isfinite(g_x))
        self._asked = None
        if failed:
            self.n_failed += 1
            if self._base is None:  # the start failed: a new one, from the seed
                self._t = self._lo + self._rng().random(len(t)) * (self._hi - self._lo)
                return
            self._backtrack()
            return
        g = g_x * np.where(self._log, np.exp(t), 1.0)  # chain rule: df/dt
        if self.optimizer == "lbfgsb" and self._base is not None:
            t0, f0, g0 = self._base
            if value > f0 + _ARMIJO * float(g0 @ (t - t0)):
                self._backtrack()
                return
            s, y = t - t0, g - g0
            if s @ y > 1e-12 * np.linalg.norm(s) * np.linalg.norm(y):
                self._memory = [*self._memory[-(_MEMORY - 1) :], (s, y)]
                self._length = self.learning_rate
            else:  # no positive curvature along the step (a plateau's edge): go twice as far
                self._memory, self._length = [], 2.0 * float(np.max(np.abs(s)))
        self._path.append((config, value, g))
        self._base = (t.copy(), value, g)
        self._k += 1
        if self.gtol is not None and np.max(np.abs(self._project(t - g) - t)) <= self.gtol:
            self.stopped = f"projected gradient max-norm <= gtol={self.gtol:g}"
            return
        new = self._project(t + self._direction(t, g))
        if self.xtol is not None and np.max(np.abs(new - t)) <= self.xtol:
            self.stopped = f"step max-norm <= xtol={self.xtol:g}"
            return
        self._t = new

    def _backtrack(self) -> None:
        """Halve the step from the last accepted iterate (a line-search step for L-BFGS)."""
        t0 = self._base[0]
        if self.optimizer == "lbfgsb":
            self._step *= 0.5
            new = self._project(t0 + self._step * self._m)
        else:
            new = t0 + 0.5 * (self._t - t0)
        if self.xtol is not None and np.max(np.abs(new - t0)) <= self.xtol:
            self.stopped = f"backtracking step max-norm <= xtol={self.xtol:g}"
            self._t = t0
            return
        self._t = new

    def _direction(self, t: np.ndarray, g: np.ndarray) -> np.ndarray:
        eta = self.learning_rate
        if self.optimizer == "gd":
            return -eta * g
        if self.optimizer == "adam":
            self._m = self.beta1 * self._m + (1 - self.beta1) * g
            self._v = self.beta2 * self._v + (1 - self.beta2) * g**2
            m_hat = self._m / (1 - self.beta1**self._k)
            v_hat = self._v / (1 - self.beta2**self._k)
            return -eta * m_hat / (np.sqrt(v_hat) + self.epsilon)
        free = ~(((t <= self._lo) & (g > 0)) | ((t >= self._hi) & (g < 0)))
        d = -_two_loop(g * free, self._memory) * free
        if not self._memory or g @ d >= 0:  # the first step, or no descent: steepest
            self._memory = []
            scale = np.max(np.abs(g * free))
            d = -g * free * (self._length / scale if scale > 0 else 0.0)
        self._m, self._step = d, 1.0
        return d

    def explain(self) -> dict[str, Any]:
        """The path so far, as plain data.

        Returns
        -------
        dict
            ``kind="hypergradient"``, ``axes`` (one dict per dimension, as in every snapshot:
            name, kind, ``log``, range), ``optimizer``, ``learning_rate``; ``path``: the
            accepted iterates (configurations), ``points`` their axis coordinates ``(n, d)``;
            ``values``: their values; ``gradients``: their gradients in the space's
            coordinates (:math:`x\\,\\partial f/\\partial x` on log dimensions), one list per
            iterate in the space's order; ``next``: the configuration ``ask`` returns next,
            or ``None`` once ``stopped`` (also given); ``n_failed``.
        """
        path = [dict(c) for c, _, _ in self._path]
        return {
            "kind": "hypergradient", "axes": axes(self.space),
            "points": configs_to_axis(self.space, path).reshape(len(path), len(self.space)),
            "optimizer": self.optimizer,
            "learning_rate": self.learning_rate,
            "path": path,
            "values": [v for _, v, _ in self._path],
            "gradients": [g.tolist() for _, _, g in self._path],
            "next": None if self.stopped else self._config(self._t),
            "stopped": self.stopped,
            "n_failed": self.n_failed,
        }


def _two_loop(g: np.ndarray, memory: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """:math:`H_k g` by the L-BFGS two-loop recursion (Nocedal & Wright, Algorithm 7.4)."""
    q, alphas = g.copy(), []
    for s, y in reversed(memory):
        a = (s @ q) / (y @ s)
        alphas.append(a)
        q -= a * y
    if memory:
        s, y = memory[-1]
        q *= (s @ y) / (y @ y)
    for (s, y), a in zip(memory, reversed(alphas), strict=True):
        q += (a - (y @ q) / (y @ s)) * s
    return q
