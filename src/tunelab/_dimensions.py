"""The dimensions of a search space: ``Real``, ``Integer`` and ``Categorical``.

Each maps a value to a unit coordinate and back; see :mod:`tunelab.space` for the maps and
the references. This module is private: the public names are re-exported by ``tunelab.space``.
"""

from __future__ import annotations

import abc
import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tunelab._validation import check_scalar

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
        if type(value) is float and self.low <= value <= self.high:  # the common case, fast
            return value
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
        if type(value) is int and self.low <= value <= self.high:  # the common case, fast
            return value
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
