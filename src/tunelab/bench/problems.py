"""The registry of benchmark problems: test functions on their standard domains, known optima.

``names()`` lists the problems and ``get(name, **options)`` builds one. A :class:`Problem` is
an objective for the outer loop (``problem(config)``, with ``problem.space``) and a vectorized
function for array-based code (``problem.evaluate(X)``), together with what is known of its
global minimum: ``optimum`` (the value) and ``minimizers`` (points where it is attained).

Options of :func:`get`, for every problem:

- ``dim``: the dimension. Scalable functions accept any ``dim >= 1`` (``>= 2`` for
  Rosenbrock) and default to 10; fixed-dimension functions accept only their own.
- ``noise_std`` (default 0): the standard deviation of additive Gaussian noise
  :math:`\\varepsilon \\sim \\mathcal N(0, \\sigma^2)`, drawn from
  ``numpy.random.default_rng(seed)``; ``optimum`` stays the noiseless minimum.
- ``seed`` (default None): the seed of that noise.

``michalewicz`` also takes its steepness, an integer ``m >= 1`` (default 10).

Known optima are stored as data to the most precise published value, and checked in the tests
by refining each minimizer with :func:`scipy.optimize.minimize`; for the separable functions
(Styblinski-Tang, Michalewicz) they are computed coordinate by coordinate, in closed form or by
one-dimensional search (see :mod:`tunelab.bench.functions`).

References
----------
.. [SB] S. Surjanovic and D. Bingham, "Virtual Library of Simulation Experiments: Test
   Functions and Datasets", Simon Fraser University, https://www.sfu.ca/~ssurjano (2013).
.. [JY] M. Jamil and X.-S. Yang, "A literature survey of benchmark functions for global
   optimization problems", Int. J. Math. Model. Numer. Optim. 4(2), 150-194, 2013.
.. [DS] L. C. W. Dixon and G. P. Szegö, "The global optimization problem: an introduction",
   in *Towards Global Optimisation 2*, North-Holland, 1978, pp. 1-15.
.. [HN] W. Huyer and A. Neumaier, "Global optimization by multilevel coordinate search",
   J. Global Optim. 14, 331-355, 1999 (its test set).

Examples
--------
>>> from tunelab.bench import problems
>>> branin = problems.get("branin")
>>> round(branin({"x0": 3.141592653589793, "x1": 2.275}), 6)
0.397887
>>> problems.get("rastrigin", dim=3).evaluate([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
array([0., 1.])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

from tunelab._validation import check_array, check_scalar
from tunelab.bench import functions as F
from tunelab.space import Real, Space

__all__ = ["Problem", "get", "names"]

DEFAULT_DIM = 10


class Problem:
    """A test function on a box, with its known global minimum.

    Parameters
    ----------
    name : str
        The problem's name.
    function : callable
        ``function(X) -> values``: ``X`` of shape ``(n, d)``, values of shape ``(n,)``.
    bounds : array-like of shape (d, 2)
        The domain :math:`\\prod_i [l_i, u_i]`, one row ``(low, high)`` per coordinate.
    optimum : float
        The global minimum of the noiseless function over the domain.
    minimizers : array-like of shape (m, d) or (d,)
        Known points of the domain where the minimum is attained (at least one).
    noise_std : float, default=0.0
        Standard deviation :math:`\\sigma` of additive Gaussian noise on every evaluation.
    seed : int or None, default=None
        Seed of the noise generator ``numpy.random.default_rng(seed)``.
    options : dict, default=None
        Further options the problem was built with (shown by ``repr``).

    Attributes
    ----------
    dim : int
        The dimension :math:`d`.
    space : Space
        ``Real(l_i, u_i)`` dimensions named ``"x0"``, ..., ``"x{d-1}"``.

    Notes
    -----
    A problem pickles (for process pools) with its noise generator's state. An evaluation
    returns :math:`y = f(x) + \\varepsilon` with
    :math:`\\varepsilon \\sim \\mathcal N(0, \\sigma^2)` drawn afresh each time, so the noise is
    reproducible given ``seed`` and the sequence of evaluations. ``regret(y)`` is
    :math:`y - f^*` with :math:`f^*` the noiseless ``optimum``.
    """

    def __init__(
        self,
        name: str,
        function: Callable[[np.ndarray], np.ndarray],
        bounds: Any,
        optimum: float,
        minimizers: Any,
        *,
        noise_std: float = 0.0,
        seed: int | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"name must be a non-empty string; got {name!r}")
        if not callable(function):
            raise TypeError(f"function must be callable; got {function!r}")
        bounds = check_array(bounds, "bounds")
        if bounds.shape[1] != 2 or not np.all(bounds[:, 0] < bounds[:, 1]):
            raise ValueError(f"bounds must have shape (d, 2) with low < high; got {bounds!r}")
        minimizers = np.atleast_2d(check_array(minimizers, "minimizers", ndim=(1, 2)))
        if minimizers.shape[1] != len(bounds):
            raise ValueError(
                f"minimizers must have {len(bounds)} columns, like bounds; got {minimizers.shape}"
            )
        self.name, self.function = name, function
        self.bounds = _frozen(bounds)
        self.optimum = float(check_scalar(optimum, "optimum"))
        self.minimizers = _frozen(minimizers)
        self.noise_std = float(check_scalar(noise_std, "noise_std", low=0.0))
        self.seed = None if seed is None else int(check_scalar(seed, "seed", kind=int, low=0))
        self.options = dict(options or {})
        self.space = Space({f"x{i}": Real(float(lo), float(hi)) for i, (lo, hi) in
                            enumerate(self.bounds)})
        self._rng = np.random.default_rng(self.seed)

    @property
    def dim(self) -> int:
        """The dimension :math:`d`."""
        return len(self.bounds)

    def evaluate(self, X: Any, *, noise: bool = True) -> np.ndarray:
        """Values at the rows of ``X``, with noise when ``noise_std > 0`` and ``noise``.

        Parameters
        ----------
        X : array-like of shape (n, d) or (d,)
            Points in native coordinates. The function is defined outside ``bounds`` too, but
            ``optimum`` holds only inside.
        noise : bool, default=True
            Add the noise; ``False`` gives the noiseless values (and draws nothing).

        Returns
        -------
        ndarray of shape (n,), or of shape () for a single point ``(d,)``
        """
        X = check_array(X, "X", ndim=(1, 2), min_samples=0)
        X2 = np.atleast_2d(X)
        if X2.shape[1] != self.dim:
            raise ValueError(f"X must have {self.dim} columns, one per dimension; got {X.shape}")
        values = np.asarray(self.function(X2), dtype=np.float64)
        if values.shape != (len(X2),):
            raise ValueError(
                f"function must return shape ({len(X2)},) for X of shape {X2.shape}; "
                f"got {values.shape}"
            )
        if noise and self.noise_std > 0:
            values = values + self.noise_std * self._rng.standard_normal(len(values))
        return values[0] if X.ndim == 1 else values

    def __call__(self, config: Mapping[str, Any]) -> float:
        """The value at a configuration ``{"x0": ..., "x{d-1}": ...}`` inside the space."""
        config = self.space.validate(config)
        return float(self.evaluate(np.fromiter(config.values(), np.float64, self.dim)))

    def regret(self, value: Any) -> Any:
        """``value - optimum``: the simple regret of an observed value (float or array)."""
        out = np.asarray(value, dtype=np.float64) - self.optimum
        return float(out) if out.ndim == 0 else out

    def __repr__(self) -> str:
        extra = {**self.options, "noise_std": self.noise_std, "seed": self.seed}
        shown = [f"dim={self.dim}"]
        shown += [f"{k}={v!r}" for k, v in extra.items() if k != "dim" and v not in (None, 0.0)]
        return f"Problem({self.name!r}, {', '.join(shown)})"


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=np.float64)
    a.flags.writeable = False
    return a


@dataclass(frozen=True)
class _Entry:
    """How to build one problem: its function and what is known of it, given ``dim``.

    ``bounds``, ``optimum`` and ``minimizers`` are callables of ``(dim, **params)``;
    ``dims`` is ``(min_dim, fixed_dim or None)``; ``params`` maps each extra option to its
    default and its checker.
    """

    function: Callable[..., np.ndarray]
    bounds: Callable[..., np.ndarray]
    optimum: Callable[..., float]
    minimizers: Callable[..., np.ndarray]
    dims: tuple[int, int | None]
    params: Mapping[str, tuple[Any, Callable[[Any], Any]]] = field(default_factory=dict)


def _fixed(function, bounds, optimum, minimizers) -> _Entry:
    bounds, minimizers = np.asarray(bounds, float), np.atleast_2d(np.asarray(minimizers, float))
    return _Entry(function, lambda d: bounds, lambda d: optimum, lambda d: minimizers,
                  (len(bounds), len(bounds)))


def _scalable(function, box, optimum, minimizer, min_dim=1, params=None) -> _Entry:
    """A function of any ``dim >= min_dim`` on the cube ``box**dim``; ``minimizer(dim)``."""
    return _Entry(function, lambda d, **p: np.tile(box, (d, 1)), optimum,
                  lambda d, **p: np.atleast_2d(minimizer(d, **p)), (min_dim, None), params or {})


def _styblinski_tang_optimum(d: int) -> float:
    return float(F.styblinski_tang(F.styblinski_tang_minimizer() * np.ones((1, d)))[0])


def _michalewicz_optimum(d: int, m: int) -> float:
    return float(F.michalewicz(F.michalewicz_minimizer(d, m)[None, :], m)[0])


def _check_m(value: Any) -> int:
    return int(check_scalar(value, "m", kind=int, low=1))


_CAMEL_X = np.array([0.08984201310031806, -0.7126564030207396])
_GP_MIN = [0.0, -1.0]
_PI = np.pi

# Optima: the most precise published values (for [DS]_'s functions, as tabulated with the
# MCS test set [HN]_); each agrees within 5e-14 with the function at its minimizer below,
# a stationary point refined in 40-digit arithmetic and rounded to float64.
_REGISTRY: dict[str, _Entry] = {
    "ackley": _scalable(F.ackley, (-32.768, 32.768), lambda d: 0.0, np.zeros),
    "rastrigin": _scalable(F.rastrigin, (-5.12, 5.12), lambda d: 0.0, np.zeros),
    "rosenbrock": _scalable(F.rosenbrock, (-5.0, 10.0), lambda d: 0.0, np.ones, min_dim=2),
    "levy": _scalable(F.levy, (-10.0, 10.0), lambda d: 0.0, np.ones),
    "griewank": _scalable(F.griewank, (-600.0, 600.0), lambda d: 0.0, np.zeros),
    "styblinski_tang": _scalable(
        F.styblinski_tang, (-5.0, 5.0), _styblinski_tang_optimum,
        lambda d: np.full(d, F.styblinski_tang_minimizer()),
    ),
    "michalewicz": _scalable(
        F.michalewicz, (0.0, _PI), _michalewicz_optimum, F.michalewicz_minimizer,
        params={"m": (10, _check_m)},
    ),
    "branin": _fixed(
        F.branin, [[-5.0, 10.0], [0.0, 15.0]], 5 / (4 * _PI),  # 0.397887357729738
        [[-_PI, 12.275], [_PI, 2.275], [3 * _PI, 2.475]],
    ),
    "goldstein_price": _fixed(F.goldstein_price, [[-2.0, 2.0]] * 2, 3.0, _GP_MIN),
    "log_goldstein_price": _fixed(F.log_goldstein_price, [[-2.0, 2.0]] * 2, np.log(3.0), _GP_MIN),
    "six_hump_camel": _fixed(
        F.six_hump_camel, [[-3.0, 3.0], [-2.0, 2.0]], -1.03162845348988, [_CAMEL_X, -_CAMEL_X]
    ),
    "hartmann3": _fixed(
        F.hartmann3, [[0.0, 1.0]] * 3, -3.86278214782076,
        [0.11461433858967197, 0.5556488499718569, 0.8525469535208657],
    ),
    "hartmann6": _fixed(
        F.hartmann6, [[0.0, 1.0]] * 6, -3.32236801141551,
        [0.20168951100670543, 0.15001069182345797, 0.476873974221897, 0.2753324304940561,
         0.31165161660011326, 0.6573005340656203],
    ),
    "shekel5": _fixed(
        partial(F.shekel, m=5), [[0.0, 10.0]] * 4, -10.1531996790582,
        [4.000037152819676, 4.00013327659156, 4.000037152819676, 4.00013327659156],
    ),
    "shekel7": _fixed(
        partial(F.shekel, m=7), [[0.0, 10.0]] * 4, -10.4029405668187,
        [4.000572916185823, 4.000689366185305, 3.9994897088591506, 3.9996061588586316],
    ),
    "shekel10": _fixed(
        partial(F.shekel, m=10), [[0.0, 10.0]] * 4, -10.5364098166920,
        [4.000746531592046, 4.000592934138532, 3.9996633980403224, 3.9995098005868077],
    ),
}


def names() -> list[str]:
    """The registered problem names, sorted."""
    return sorted(_REGISTRY)


def get(name: str, **options: Any) -> Problem:
    """Build the problem ``name`` with ``options`` (see the module's docstring).

    ``name`` may also be a tuning task of :mod:`tunelab.bench.tasks` (``tasks.names()``),
    which is then built by ``tasks.get(name, **options)``.

    Raises ``ValueError`` for an unknown name (listing the known ones) and ``TypeError`` for
    an option the problem does not take.
    """
    if name not in _REGISTRY:
        from tunelab.bench import tasks

        if name in tasks.names():
            return tasks.get(name, **options)
        known = ", ".join(map(repr, names() + tasks.names()))
        raise ValueError(f"name must be one of {known}; got {name!r}")
    entry = _REGISTRY[name]
    allowed = ["dim", "noise_std", "seed", *entry.params]
    unknown = [k for k in options if k not in allowed]
    if unknown:
        raise TypeError(
            f"unknown option(s) {', '.join(map(repr, unknown))} for problem {name!r}; "
            f"allowed: {', '.join(allowed)}"
        )
    dim = _check_dim(name, options.get("dim"), entry.dims)
    params = {k: check(options.get(k, default)) for k, (default, check) in entry.params.items()}
    return Problem(
        name,
        _bind(entry.function, params),
        entry.bounds(dim, **params),
        entry.optimum(dim, **params),
        entry.minimizers(dim, **params),
        noise_std=options.get("noise_std", 0.0),
        seed=options.get("seed"),
        options={"dim": dim, **params} if entry.dims[1] is None else params,
    )


def _check_dim(name: str, dim: Any, dims: tuple[int, int | None]) -> int:
    low, fixed = dims
    if fixed is not None:
        if dim is not None and check_scalar(dim, "dim", kind=int) != fixed:
            raise ValueError(f"dim must be {fixed} for problem {name!r}; got {dim!r}")
        return fixed
    return int(check_scalar(DEFAULT_DIM if dim is None else dim, "dim", kind=int, low=low))


def _bind(function: Callable[..., np.ndarray], params: Mapping[str, Any]):
    return partial(function, **params) if params else function  # picklable, unlike a lambda
