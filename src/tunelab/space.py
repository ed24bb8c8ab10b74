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
for reals), and a uniform ``u`` gives uniform (log-uniform) values, as random search draws
them [1]_; the dimension types follow Optuna's distributions [2]_.

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

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from tunelab._dimensions import _KINDS, Categorical, Dimension, Integer, Real
from tunelab._validation import check_array, check_scalar

__all__ = ["Categorical", "Dimension", "Integer", "Real", "Space"]


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
        values = {
            name: dim.grid(m)
            for (name, dim), m in zip(
                self._dims.items(), _resolutions(resolution, self._dims), strict=True
            )
        }
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
