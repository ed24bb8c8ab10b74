"""Search spaces: dimensions, and the map between configurations and the unit cube.

A configuration ``c`` is a dict ``name -> value``. A :class:`Space` of ``d`` dimensions maps it
to a point ``u`` of the unit cube :math:`[0, 1]^d`, one coordinate per dimension in the space's
order, and back. Each dimension is the image of a uniform ``u`` under a monotone map:

- ``Real(low, high)``: :math:`x = F^{-1}(F(a) + u\\,(F(b) - F(a)))` with :math:`a, b` the bounds
  and :math:`F` the identity, or :math:`\\log` when ``log=True`` (log-uniform values).
- ``Integer(low, high)``: the same map over :math:`[low - \\tfrac12, high + \\tfrac12]`, rounded,
  so value :math:`k` owns the bin :math:`[F(k - \\tfrac12), F(k + \\tfrac12)]` (equal width
  without ``log``) and is encoded as the bin's centre.
- ``Categorical(choices)``: ``n`` equal bins, choice ``i`` encoded as :math:`(i + \\tfrac12)/n`.

Hence ``from_unit(to_unit(c)) == c`` exactly for integers and categories (and up to rounding
for reals), and a uniform ``u`` gives uniform (log-uniform) values.

A parameter may be conditional: ``Space(dims, conditions={"hidden": ("model", "mlp")})``
makes ``hidden`` active only when the categorical ``model`` is ``"mlp"``. Configurations omit
inactive parameters; their unit coordinate is 0.5.

References
----------
.. [1] J. Bergstra and Y. Bengio, "Random search for hyper-parameter optimization", JMLR 13,
   2012 (log-uniform priors for scale parameters, Sec. 2).
.. [2] T. Akiba et al., "Optuna: a next-generation hyperparameter optimization framework",
   KDD 2019 (define-by-run conditional spaces, Sec. 2; integer log domains).
"""

from __future__ import annotations

import abc
import math
import numbers
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from tunelab._validation import check_array, check_scalar

_INT_LIMIT = 2**50  # integers beyond this do not survive a float64 unit coordinate exactly


def _plain(value: Any) -> Any:
    """NumPy scalars as Python scalars."""
    return value.item() if isinstance(value, np.generic) else value


def _key(value: Any) -> tuple[bool, Any]:
    """Match key of a category: ``1 == True`` in Python, but not here."""
    value = _plain(value)
    return isinstance(value, bool), value


class Dimension(abc.ABC):
    """One coordinate of a :class:`Space`: encode values to ``[0, 1]`` and decode them back."""

    kind: str

    @abc.abstractmethod
    def to_unit(self, values: Sequence[Any]) -> np.ndarray:
        """Encode valid values as unit coordinates, shape ``(n,)``."""

    @abc.abstractmethod
    def from_unit(self, u: np.ndarray) -> list[Any]:
        """Decode unit coordinates (already in ``[0, 1]``) to Python values."""

    @abc.abstractmethod
    def validate(self, value: Any, name: str = "value") -> Any:
        """Return ``value`` as a Python scalar of this dimension; ``ValueError`` naming ``name``."""

    @abc.abstractmethod
    def grid(self, resolution: int) -> list[Any]:
        """Distinct values spread over the dimension, in order (see :meth:`Space.grid`)."""

    @abc.abstractmethod
    def _params(self) -> dict[str, Any]: ...

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description, inverse of :meth:`Space.from_dict` for one dimension."""
        params = self._params()
        if "choices" in params:
            params["choices"] = list(params["choices"])
        return {"type": self.kind, **params}

    def _eq_key(self) -> tuple:
        return type(self), tuple(self._params().items())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Dimension) and self._eq_key() == other._eq_key()

    def __hash__(self) -> int:
        return hash(self._eq_key())

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._params().items())
        return f"{type(self).__name__}({args})"


class _Numeric(Dimension):
    """Shared by :class:`Real` and :class:`Integer`: bounds and the (log-)linear map."""

    _kind_type: type
    _pad = 0.0  # half a bin for integers

    def __init__(self, low: float, high: float, log: bool = False) -> None:
        low = check_scalar(_plain(low), "low", kind=self._kind_type)
        high = check_scalar(_plain(high), "high", kind=self._kind_type)
        if not isinstance(log, (bool, np.bool_)):
            raise TypeError(f"log must be a bool; got {log!r}")
        if low >= high:
            raise ValueError(f"low must be < high; got low={low!r}, high={high!r}")
        if log and low <= 0:
            raise ValueError(f"low must be > 0 when log=True; got low={low!r}")
        self.low, self.high, self.log = self._kind_type(low), self._kind_type(high), bool(log)
        a, b = (float(self._forward(x)) for x in (self.low - self._pad, self.high + self._pad))
        if not math.isfinite(b - a):
            raise ValueError(f"high - low must be finite; got low={low!r}, high={high!r}")
        self._a, self._width = a, b - a

    def _forward(self, x: Any) -> Any:
        return np.log(x) if self.log else np.asarray(x, dtype=np.float64)

    def _params(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high, "log": self.log}

    def _check_range(self, value: Any, name: str) -> None:
        if not self.low <= value <= self.high:
            raise ValueError(
                f"parameter {name!r} must be in [{self.low}, {self.high}]; got {value!r}"
            )


class Real(_Numeric):
    """A real parameter in ``[low, high]``, uniform or log-uniform (``log=True``).

    Parameters
    ----------
    low, high : float
        Finite bounds, ``low < high``; ``low > 0`` when ``log``.
    log : bool, default=False
        Encode :math:`\\log x` linearly, so that uniform unit points give log-uniform values.

    Notes
    -----
    .. math:: u = \\frac{F(x) - F(low)}{F(high) - F(low)}, \\qquad F = \\log \\text{ or identity.}
    """

    kind = "real"
    _kind_type = float

    def to_unit(self, values: Sequence[Any]) -> np.ndarray:
        t = self._forward(np.asarray(values, dtype=np.float64))
        return np.clip((t - self._a) / self._width, 0.0, 1.0)

    def from_unit(self, u: np.ndarray) -> list[float]:
        u = np.asarray(u, dtype=np.float64)
        t = self._a + u * self._width
        x = np.clip(np.exp(t) if self.log else t, self.low, self.high)
        return np.where(u <= 0.0, self.low, np.where(u >= 1.0, self.high, x)).tolist()  # exact ends

    def validate(self, value: Any, name: str = "value") -> float:
        value = _plain(value)
        if not isinstance(value, numbers.Real) or isinstance(value, bool):
            raise ValueError(f"parameter {name!r} must be a real number; got {value!r}")
        if not math.isfinite(value):
            raise ValueError(f"parameter {name!r} must be finite; got {value!r}")
        self._check_range(value, name)
        return float(value)

    def grid(self, resolution: int) -> list[float]:
        if resolution == 1:
            return self.from_unit(np.array([0.5]))
        space = np.geomspace if self.log else np.linspace
        return space(self.low, self.high, resolution).tolist()


class Integer(_Numeric):
    """An integer parameter in ``{low, ..., high}``, uniform or log-uniform (``log=True``).

    Parameters
    ----------
    low, high : int
        Bounds, both included, ``low < high`` and ``|low|, |high| <= 2**50``; ``low >= 1`` when
        ``log``.
    log : bool, default=False
        Bins of equal width in :math:`\\log`: small values are proposed more often.

    Notes
    -----
    A uniform :math:`u` gives :math:`k` with probability

    .. math:: P(k) = \\frac{F(k + \\frac12) - F(k - \\frac12)}
                         {F(high + \\frac12) - F(low - \\frac12)},

    that is, equal probabilities without ``log``, and the continuous log-uniform law over
    :math:`[low - \\frac12, high + \\frac12]` rounded to the nearest integer with it (as
    Optuna's ``IntDistribution(log=True)``).
    """

    kind = "integer"
    _kind_type = int
    _pad = 0.5

    def __init__(self, low: int, high: int, log: bool = False) -> None:
        for name, value in (("low", low), ("high", high)):
            if isinstance(_plain(value), numbers.Integral) and abs(value) > _INT_LIMIT:
                raise ValueError(f"{name} must be in [-2**50, 2**50]; got {value!r}")
        super().__init__(low, high, log)

    def to_unit(self, values: Sequence[Any]) -> np.ndarray:
        k = np.asarray(values, dtype=np.float64)
        centre = (self._forward(k - 0.5) + self._forward(k + 0.5)) / 2  # bin centre in F-space
        return np.clip((centre - self._a) / self._width, 0.0, 1.0)

    def from_unit(self, u: np.ndarray) -> list[int]:
        t = self._a + np.asarray(u, dtype=np.float64) * self._width
        if self.log:
            k = np.floor(np.exp(t) + 0.5)
        else:  # low + floor(u n): exact for bin centres, unlike rounding t
            k = self.low + np.floor(np.asarray(u) * (self.high - self.low + 1))
        return np.clip(k, self.low, self.high).astype(np.int64).tolist()

    def validate(self, value: Any, name: str = "value") -> int:
        value = _plain(value)
        integral = isinstance(value, numbers.Integral) or (
            isinstance(value, float) and value.is_integer()
        )
        if not integral or isinstance(value, bool):
            raise ValueError(f"parameter {name!r} must be an integer; got {value!r}")
        self._check_range(value, name)
        return int(value)

    def grid(self, resolution: int) -> list[int]:
        m = min(resolution, self.high - self.low + 1)
        if m == 1:
            return self.from_unit(np.array([0.5]))
        space = np.geomspace if self.log else np.linspace
        k = np.round(space(self.low, self.high, m)).astype(np.int64)
        for j in range(1, m):  # rounding may merge neighbours on a log scale: push them apart
            k[j] = max(k[j], k[j - 1] + 1)
        for j in range(m - 1, -1, -1):
            k[j] = min(k[j], self.high if j == m - 1 else k[j + 1] - 1)
        return k.tolist()


class Categorical(Dimension):
    """A parameter taking one of a few unordered ``choices``.

    Parameters
    ----------
    choices : sequence
        Non-empty, distinct values of type str, int, float (finite), bool or None. ``True`` and
        ``1`` are distinct choices; ``1`` and ``1.0`` are the same.

    Notes
    -----
    Choice :math:`i` of :math:`n` owns the bin :math:`[i/n, (i+1)/n)` and is encoded as
    :math:`(i + \\frac12)/n`. The order is only a convention (it fixes the grid's order):
    models of the unit cube should not read it as a ranking.
    """

    kind = "categorical"

    def __init__(self, choices: Sequence[Any]) -> None:
        if isinstance(choices, (str, bytes, Mapping)) or not isinstance(choices, Sequence):
            raise TypeError(f"choices must be a list or tuple of values; got {choices!r}")
        choices = tuple(_plain(c) for c in choices)
        if not choices:
            raise ValueError("choices must be non-empty; got an empty sequence")
        for c in choices:
            if c is not None and not isinstance(c, (str, int, float, bool)):
                raise TypeError(
                    f"choices must be str, int, float, bool or None; got {c!r} of type "
                    f"{type(c).__name__}"
                )
            if isinstance(c, float) and not math.isfinite(c):
                raise ValueError(f"choices must be finite; got {c!r}")
        self._index = {_key(c): i for i, c in enumerate(choices)}
        if len(self._index) != len(choices):
            raise ValueError(f"choices must be distinct; got {list(choices)!r}")
        self.choices = choices

    def _params(self) -> dict[str, Any]:
        return {"choices": self.choices}

    def _eq_key(self) -> tuple:
        return type(self), tuple((type(c), c) for c in self.choices)

    def index(self, value: Any) -> int | None:
        """Position of ``value`` in ``choices``, or ``None`` when it is not a choice."""
        try:
            return self._index.get(_key(value))
        except TypeError:  # unhashable
            return None

    def to_unit(self, values: Sequence[Any]) -> np.ndarray:
        i = np.array([self.index(v) for v in values], dtype=np.float64)
        return (i + 0.5) / len(self.choices)

    def from_unit(self, u: np.ndarray) -> list[Any]:
        n = len(self.choices)
        i = np.minimum(np.floor(np.asarray(u) * n), n - 1).astype(np.int64)
        return [self.choices[j] for j in i]

    def validate(self, value: Any, name: str = "value") -> Any:
        i = self.index(value)
        if i is None:
            allowed = ", ".join(map(repr, self.choices))
            raise ValueError(f"parameter {name!r} must be one of {allowed}; got {value!r}")
        return self.choices[i]

    def grid(self, resolution: int) -> list[Any]:
        return list(self.choices)


_KINDS = {cls.kind: cls for cls in (Real, Integer, Categorical)}


class Space(Mapping):
    """Named dimensions, in order, and the maps between configurations and the unit cube.

    A ``Space`` is a read-only mapping ``name -> Dimension`` (``space[name]``, ``len``,
    iteration over names in insertion order).

    Parameters
    ----------
    dims : dict of str to Dimension
        The parameters, in the order of the unit cube's coordinates.
    conditions : dict of str to (str, value or list of values), default=None
        ``{child: (parent, values)}``: ``child`` is active only when the categorical ``parent``
        (which must come before it in ``dims``) is active and takes one of ``values``.

    Examples
    --------
    >>> import numpy as np
    >>> space = Space({"alpha": Real(1e-6, 1e2, log=True), "act": Categorical(["relu", "tanh"])})
    >>> config = space.sample(np.random.default_rng(0))
    >>> space.from_unit(space.to_unit(config))["act"] == config["act"]
    True
    >>> space.grid(2)
    [{'alpha': 1e-06, 'act': 'relu'}, {'alpha': 1e-06, 'act': 'tanh'}, \
{'alpha': 100.0, 'act': 'relu'}, {'alpha': 100.0, 'act': 'tanh'}]
    """

    def __init__(
        self,
        dims: Mapping[str, Dimension],
        conditions: Mapping[str, tuple[str, Any]] | None = None,
    ) -> None:
        if not isinstance(dims, Mapping):
            raise TypeError(f"dims must be a dict of name -> dimension; got {type(dims).__name__}")
        if not dims:
            raise ValueError("dims must hold at least one dimension; got an empty dict")
        for name, dim in dims.items():
            if not isinstance(name, str) or not name:
                raise TypeError(f"dims: names must be non-empty strings; got {name!r}")
            if not isinstance(dim, Dimension):
                raise TypeError(
                    f"dims[{name!r}] must be a Real, Integer or Categorical; got {dim!r}"
                )
        self._dims = dict(dims)
        self._conditions = _check_conditions(conditions or {}, self._dims)

    @property
    def names(self) -> list[str]:
        """Parameter names, in order."""
        return list(self._dims)

    @property
    def conditions(self) -> dict[str, tuple[str, tuple[Any, ...]]]:
        """``{child: (parent, values)}`` for the conditional parameters."""
        return {
            child: (parent, tuple(self._dims[parent].choices[i] for i in sorted(index)))
            for child, (parent, index) in self._conditions.items()
        }

    def __getitem__(self, name: str) -> Dimension:
        return self._dims[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._dims)

    def __len__(self) -> int:
        return len(self._dims)

    def _active(self, name: str, partial: Mapping[str, Any]) -> bool:
        """Whether ``name`` is active given the parameters before it (inactive ones absent)."""
        if name not in self._conditions:
            return True
        parent, values = self._conditions[name]
        return parent in partial and self._dims[parent].index(partial[parent]) in values

    def sample(self, rng: np.random.Generator, n: int | None = None) -> Any:
        """Draw one configuration (``n=None``) or a list of ``n`` from the uniform law.

        The values are ``from_unit`` of uniform points, so log dimensions are log-uniform.
        """
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy Generator; got {type(rng).__name__}")
        if n is None:
            return self.from_unit(rng.random(len(self)))
        n = check_scalar(n, "n", kind=int, low=0)
        return self.from_unit(rng.random((n, len(self))))

    def validate(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """Check a configuration and return it in order, as Python scalars.

        Raises ``ValueError`` naming the parameter: missing, unknown or inactive keys, values
        out of range, of the wrong type or not among the choices.
        """
        if not isinstance(config, Mapping):
            raise TypeError(f"config must be a dict; got {type(config).__name__}")
        extra = [k for k in config if k not in self._dims]
        if extra:
            raise ValueError(f"unknown parameter(s) {extra!r}; the space has {self.names!r}")
        out: dict[str, Any] = {}
        for name, dim in self._dims.items():
            active = self._active(name, out)
            if active and name not in config:
                raise ValueError(f"parameter {name!r} is missing")
            if not active and name in config:
                parent, choices = self.conditions[name]
                raise ValueError(
                    f"parameter {name!r} is inactive: it needs {parent!r} in {choices!r}"
                )
            if active:
                out[name] = dim.validate(config[name], name)
        return out

    def contains(self, config: Mapping[str, Any]) -> bool:
        """Whether :meth:`validate` accepts ``config``."""
        try:
            self.validate(config)
        except (TypeError, ValueError):
            return False
        return True

    def to_unit(self, config: Any) -> np.ndarray:
        """Encode one configuration as shape ``(d,)``, or a list of them as ``(n, d)``.

        Inactive parameters get the coordinate 0.5.
        """
        if isinstance(config, Mapping):
            return self.to_unit([config])[0]
        if isinstance(config, (str, bytes)) or not isinstance(config, Sequence):
            raise TypeError(f"config must be a dict or a list of dicts; got {config!r}")
        rows = [self.validate(c) for c in config]
        u = np.full((len(rows), len(self)), 0.5)
        for j, (name, dim) in enumerate(self._dims.items()):
            present = [i for i, row in enumerate(rows) if name in row]
            if present:
                u[present, j] = dim.to_unit([rows[i][name] for i in present])
        return u

    def from_unit(self, u: Any) -> Any:
        """Decode a point ``(d,)`` to a configuration, or ``(n, d)`` to a list; ``u`` is clipped."""
        u = check_array(u, "u", ndim=(1, 2), min_samples=0)
        if u.shape[-1] != len(self):
            raise ValueError(f"u must have {len(self)} columns, one per dimension; got {u.shape}")
        u2 = np.clip(np.atleast_2d(u), 0.0, 1.0)
        columns = [dim.from_unit(u2[:, j]) for j, dim in enumerate(self._dims.values())]
        configs = [self._drop_inactive(values) for values in zip(*columns, strict=True)]
        return configs[0] if u.ndim == 1 else configs

    def _drop_inactive(self, values: Sequence[Any]) -> dict[str, Any]:
        if not self._conditions:
            return dict(zip(self._dims, values, strict=True))
        config: dict[str, Any] = {}
        for name, value in zip(self._dims, values, strict=True):
            if self._active(name, config):
                config[name] = value
        return config

    def grid(self, resolution: int | Mapping[str, int]) -> list[dict[str, Any]]:
        """The Cartesian product of per-dimension grids, the last name varying fastest.

        Parameters
        ----------
        resolution : int or dict of str to int
            Points per numeric dimension (a dict needs every Real and Integer name). A Real
            gets ``resolution`` points evenly spaced (geometrically when ``log``), ends
            included, or its midpoint when 1; an Integer gets ``min(resolution, n values)``
            distinct values spread the same way; a Categorical gets all its choices, in order.
            Inactive parameters are left out, and each configuration appears once.
        """
        values = {name: dim.grid(m) for (name, dim), m in zip(
            self._dims.items(), _resolutions(resolution, self._dims), strict=True)}
        configs: list[dict[str, Any]] = [{}]
        for name in self._dims:
            grown = []
            for c in configs:
                if self._active(name, c):
                    grown.extend({**c, name: v} for v in values[name])
                else:
                    grown.append(c)
            configs = grown
        return configs

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description; ``Space.from_dict(space.to_dict()) == space``."""
        return {
            "dims": [{"name": name, **dim.to_dict()} for name, dim in self._dims.items()],
            "conditions": {
                child: [parent, list(values)] for child, (parent, values) in self.conditions.items()
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Space:
        """Rebuild a space from :meth:`to_dict`'s output (for instance after a JSON round trip)."""
        dims = {}
        for entry in data["dims"]:
            entry = dict(entry)
            name, kind = entry.pop("name"), entry.pop("type")
            if kind not in _KINDS:
                raise ValueError(f"dims[{name!r}]: type must be in {sorted(_KINDS)}; got {kind!r}")
            dims[name] = _KINDS[kind](**entry)
        conditions = {child: tuple(rule) for child, rule in data.get("conditions", {}).items()}
        return cls(dims, conditions)

    def _eq_key(self) -> tuple:
        return tuple(self._dims.items()), tuple(sorted(self._conditions.items()))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Space) and self._eq_key() == other._eq_key()

    def __hash__(self) -> int:
        return hash(self._eq_key())

    def __repr__(self) -> str:
        extra = f", conditions={self.conditions!r}" if self._conditions else ""
        return f"Space({self._dims!r}{extra})"


def _resolutions(resolution: int | Mapping[str, int], dims: Mapping[str, Dimension]) -> list[int]:
    """One grid resolution per dimension (Categorical ones are ignored)."""
    if not isinstance(resolution, Mapping):
        return [check_scalar(resolution, "resolution", kind=int, low=1)] * len(dims)
    unknown = [k for k in resolution if k not in dims]
    if unknown:
        raise ValueError(f"resolution has unknown parameter(s) {unknown!r}")
    out = []
    for name, dim in dims.items():
        if isinstance(dim, Categorical):
            out.append(1)
        elif name not in resolution:
            raise ValueError(f"resolution needs an entry for parameter {name!r}")
        else:
            out.append(check_scalar(resolution[name], f"resolution[{name!r}]", kind=int, low=1))
    return out


def _check_conditions(
    conditions: Mapping[str, Any], dims: Mapping[str, Dimension]
) -> dict[str, tuple[str, frozenset[int]]]:
    """Validate ``{child: (parent, values)}``; store the indices of the allowed choices."""
    if not isinstance(conditions, Mapping):
        raise TypeError(f"conditions must be a dict; got {type(conditions).__name__}")
    names = list(dims)
    out = {}
    for child, rule in conditions.items():
        if child not in dims:
            raise ValueError(f"conditions: unknown parameter {child!r}")
        if not isinstance(rule, (tuple, list)) or len(rule) != 2:
            raise ValueError(f"conditions[{child!r}] must be (parent, values); got {rule!r}")
        parent, values = rule
        if parent not in dims or names.index(parent) >= names.index(child):
            raise ValueError(
                f"conditions[{child!r}]: parent {parent!r} must be a parameter before {child!r}"
            )
        if not isinstance(dims[parent], Categorical):
            raise ValueError(f"conditions[{child!r}]: parent {parent!r} must be Categorical")
        values = list(values) if isinstance(values, (list, tuple)) else [values]
        index = [dims[parent].index(v) for v in values]
        if not values or None in index:
            raise ValueError(
                f"conditions[{child!r}]: values must be choices of {parent!r}; got {values!r}"
            )
        out[child] = (parent, frozenset(index))
    return out
