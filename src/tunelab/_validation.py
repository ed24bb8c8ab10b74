"""Checks at the public boundary.

Every check raises ``ValueError`` or ``TypeError`` with a message that names the argument, the
value received and what is allowed, so that a user can fix the call without reading the source.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from tunelab.exceptions import NotFittedError


def check_array(
    X: Any,
    name: str = "X",
    *,
    ndim: int | Sequence[int] = 2,
    dtype: Any = np.float64,
    min_samples: int = 1,
    finite: bool = True,
) -> np.ndarray:
    """Convert ``X`` to a NumPy array and check its dimensions, size and values.

    Parameters
    ----------
    X : array-like
        The input.
    name : str, default="X"
        The argument's name, used in error messages.
    ndim : int or sequence of int, default=2
        The allowed numbers of dimensions.
    dtype : dtype or None, default=float64
        The dtype to convert to; ``None`` keeps the input's.
    min_samples : int, default=1
        The least number of rows (entries along axis 0).
    finite : bool, default=True
        Reject NaN and infinity (numeric arrays only).
    """
    allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    try:
        arr = np.asarray(X, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{name} must be array-like of numbers; got {type(X).__name__}: {exc}"
        ) from exc
    if arr.ndim not in allowed:
        want = " or ".join(f"{d}-D" for d in allowed)
        raise ValueError(f"{name} must be {want}; got an array of shape {arr.shape}")
    n = arr.shape[0] if arr.ndim else 1
    if n < min_samples:
        raise ValueError(f"{name} must have at least {min_samples} sample(s); got {n}")
    if arr.ndim == 2 and arr.shape[1] == 0:
        raise ValueError(f"{name} must have at least one feature; got shape {arr.shape}")
    if finite and arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinity; all values must be finite")
    return arr


def check_X_y(
    X: Any, y: Any, *, y_numeric: bool = True, multi_output: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Check features and targets together: shapes, finiteness, equal lengths.

    ``y`` is converted to float64 when ``y_numeric``; otherwise its dtype is kept (class labels).
    """
    X = check_array(X, "X")
    y = check_array(
        y,
        "y",
        ndim=(1, 2) if multi_output else 1,
        dtype=np.float64 if y_numeric else None,
    )
    if not y_numeric and y.dtype.kind == "f" and not np.all(np.isfinite(y)):
        raise ValueError("y contains NaN or infinity; all labels must be finite")
    if len(y) != len(X):
        raise ValueError(f"X and y must have the same number of samples; got {len(X)} and {len(y)}")
    return X, y


def check_scalar(
    value: Any,
    name: str,
    *,
    kind: type = float,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> Any:
    """Check that a hyperparameter is a finite number of the right kind inside its range.

    Parameters
    ----------
    kind : {float, int}
        ``int`` rejects non-integers (booleans included); ``float`` accepts any real number.
    low, high : float or None
        The range's ends; ``None`` leaves that side open.
    """
    integral = kind is int
    exact = type(value)
    if exact is int or (exact is float and not integral):  # the common cases, cheaply
        if exact is float and not math.isfinite(value):
            raise ValueError(f"{name} must be finite; got {value!r}")
    else:
        ok_type = isinstance(value, numbers.Integral if integral else numbers.Real)
        if not ok_type or isinstance(value, bool):
            what = "an integer" if integral else "a real number"
            raise TypeError(
                f"{name} must be {what}; got {value!r} of type {type(value).__name__}"
            )
        if not np.isfinite(value):
            raise ValueError(f"{name} must be finite; got {value!r}")
    too_low = low is not None and (value < low if low_inclusive else value <= low)
    too_high = high is not None and (value > high if high_inclusive else value >= high)
    if too_low or too_high:
        left = "(-inf" if low is None else ("[" if low_inclusive else "(") + f"{low}"
        right = "inf)" if high is None else f"{high}" + ("]" if high_inclusive else ")")
        raise ValueError(f"{name} must be in {left}, {right}; got {value!r}")
    return value


def check_choice(value: Any, name: str, choices: Iterable[Any]) -> Any:
    """Check that ``value`` is one of ``choices``."""
    choices = tuple(choices)
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


def check_random_state(seed: Any) -> np.random.Generator:
    """Turn ``None``, an int, a ``SeedSequence`` or a ``Generator`` into a ``Generator``.

    A ``Generator`` is returned as is (shared, not copied), as NumPy's ``default_rng`` does.
    """
    if seed is None or isinstance(seed, (numbers.Integral, np.random.SeedSequence)):
        if isinstance(seed, numbers.Integral) and seed < 0:
            raise ValueError(f"random_state must be a non-negative integer; got {seed}")
        return np.random.default_rng(seed)
    if isinstance(seed, np.random.Generator):
        return seed
    raise TypeError(
        f"random_state must be None, a non-negative int or a numpy Generator; got {seed!r}"
    )


def check_is_fitted(estimator: Any, attributes: str | Iterable[str] | None = None) -> None:
    """Raise ``NotFittedError`` unless ``estimator`` has been fitted.

    Fitted means that every name in ``attributes`` is set; by default, that some attribute
    ending in ``_`` (and not starting with one) exists.
    """
    if attributes is None:
        fitted = any(k.endswith("_") and not k.startswith("_") for k in vars(estimator))
    else:
        names = [attributes] if isinstance(attributes, str) else list(attributes)
        fitted = all(hasattr(estimator, a) for a in names)
    if not fitted:
        raise NotFittedError(
            f"This {type(estimator).__name__} instance is not fitted yet; call fit(X, y) first."
        )
