"""Checks at the public boundary.

Every check raises ``ValueError`` or ``TypeError`` with a message that names the argument, the
value received and what is allowed, so that a user can fix the call without reading the source.
"""

from __future__ import annotations

import math
import numbers
import sys
import warnings
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

import numpy as np

from tunelab.exceptions import DataConversionWarning, NotFittedError

_RESHAPE_ADVICE = ("Reshape your data either using array.reshape(-1, 1) if your data has a single "
                   "feature or array.reshape(1, -1) if it contains a single sample.")


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
    if type(X).__module__.startswith("scipy.sparse"):
        raise TypeError(
            f"{name} is a sparse {type(X).__name__}; sparse input is not supported, pass a "
            f"dense array ({name}.toarray())"
        )
    raw = np.asarray(X) if not isinstance(X, np.ndarray) else X
    if raw.dtype.kind == "c":
        raise ValueError(f"Complex data not supported: {name} has dtype {raw.dtype}; pass the "
                         "real part, the modulus or both as features")
    try:
        arr = raw if dtype is None else raw.astype(dtype, copy=False)
    except TypeError as exc:
        raise TypeError(
            f"{name} must be array-like of numbers; got {type(X).__name__}: {exc}"
        ) from exc
    except ValueError as exc:
        raise ValueError(
            f"{name} must be array-like of numbers; got {type(X).__name__}: {exc}"
        ) from exc
    if arr.ndim not in allowed:
        want = " or ".join(f"{d}-D" for d in allowed)
        advice = f" {_RESHAPE_ADVICE}" if 2 in allowed and arr.ndim < 2 else ""
        raise ValueError(f"{name} must be {want}; got an array of shape {arr.shape}.{advice}")
    n = arr.shape[0] if arr.ndim else 1
    if n < min_samples:
        raise ValueError(f"{name} has {n} sample(s) (shape={arr.shape}) while a minimum of "
                         f"{min_samples} is required.")
    if arr.ndim == 2 and arr.shape[1] == 0:
        raise ValueError(f"{name} has 0 feature(s) (shape={arr.shape}) while a minimum of 1 is "
                         "required.")
    if finite and arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinity; all values must be finite")
    return arr


def check_X_y(
    X: Any, y: Any, *, y_numeric: bool = True, multi_output: bool = False,
    estimator: str = "this estimator",
) -> tuple[np.ndarray, np.ndarray]:
    """Check features and targets together: shapes, finiteness, equal lengths.

    ``y`` is converted to float64 when ``y_numeric``; otherwise its dtype is kept (class labels).
    Without ``multi_output``, a column vector ``y`` of shape (n, 1) is raveled, with a
    :class:`~tunelab.exceptions.DataConversionWarning`.
    """
    X = check_array(X, "X")
    if y is None:
        raise ValueError(f"{estimator} requires y to be passed, but the target y is None")
    y = _as_array_if_possible(y)
    if not multi_output and getattr(y, "ndim", 0) == 2 and y.shape[1] == 1:
        warnings.warn(
            "A column-vector y was passed when a 1d array was expected. Please change the "
            "shape of y to (n_samples,), for example using ravel().",
            DataConversionWarning, stacklevel=3,
        )
        y = np.ravel(y)
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


def check_sample_weight(sample_weight: Any, n_samples: int) -> np.ndarray | None:
    """Validate per-sample weights: ``None``, a scalar, or ``n_samples`` finite values >= 0
    that are not all zero. Returns ``None`` (unweighted) or a float64 array."""
    if sample_weight is None:
        return None
    sample_weight = _as_array_if_possible(sample_weight)
    if np.ndim(sample_weight) == 0:
        check_scalar(sample_weight, "sample_weight", low=0.0, low_inclusive=False)
        return np.full(n_samples, float(sample_weight))
    w = check_array(sample_weight, "sample_weight", ndim=1)
    if len(w) != n_samples:
        raise ValueError(
            f"sample_weight must have one weight per sample, {n_samples}; got {len(w)}"
        )
    if np.any(w < 0) or not np.any(w > 0):
        raise ValueError("sample_weight must be >= 0 with at least one positive weight (Sample "
                         "weights must contain at least one non-zero number); got min "
                         f"{w.min():g}, max {w.max():g}")
    return w


def _as_array_if_possible(a: Any) -> Any:
    """``a`` as a NumPy array, or unchanged when NumPy cannot convert it (checked later)."""
    if isinstance(a, np.ndarray):
        return a
    try:
        return np.asarray(a)
    except (TypeError, ValueError):
        return a


def check_random_state(seed: Any) -> np.random.Generator:
    """Turn ``None``, an int, a ``SeedSequence``, a ``Generator`` or a ``RandomState`` into a
    ``Generator``.

    A ``Generator`` is returned as is (shared, not copied), as NumPy's ``default_rng`` does. A
    legacy ``RandomState`` (scikit-learn's convention) seeds a new ``Generator`` from one
    draw of its stream, so the result is a function of its state, and the state advances.
    """
    if isinstance(seed, np.random.RandomState):
        return np.random.default_rng(int(seed.randint(np.iinfo(np.int64).max, dtype=np.int64)))
    if seed is None or isinstance(seed, (numbers.Integral, np.random.SeedSequence)):
        if isinstance(seed, numbers.Integral) and seed < 0:
            raise ValueError(f"random_state must be a non-negative integer; got {seed}")
        return np.random.default_rng(seed)
    if isinstance(seed, np.random.Generator):
        return seed
    raise TypeError(
        "random_state must be None, a non-negative int, a numpy Generator or a RandomState; "
        f"got {seed!r}"
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
        raise not_fitted_error_class()(
            f"This {type(estimator).__name__} instance is not fitted yet; call fit(X, y) first."
        )


def not_fitted_error_class() -> type[NotFittedError]:
    """tunelab's :class:`NotFittedError`, also scikit-learn's where scikit-learn is loaded.

    scikit-learn's searches and checks catch their own ``NotFittedError``; once scikit-learn
    is imported, the error raised is a subclass of both classes, so that either library's
    ``except`` clause catches it. tunelab itself never imports scikit-learn.
    """
    sklearn_exceptions = sys.modules.get("sklearn.exceptions")
    if sklearn_exceptions is None:
        return NotFittedError
    return _with_sklearn_base(sklearn_exceptions.NotFittedError)


@cache
def _with_sklearn_base(sklearn_error: type) -> type[NotFittedError]:
    return type("NotFittedError", (NotFittedError, sklearn_error),
                {"__module__": NotFittedError.__module__, "__doc__": NotFittedError.__doc__})
