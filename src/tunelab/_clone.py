"""Unfitted copies of estimators, for fitting one per fold or per trial."""

from __future__ import annotations

import copy
from typing import Any


def clone(estimator: Any) -> Any:
    """Return a new, unfitted estimator with the same constructor parameters.

    The copy is ``type(estimator)(**params)`` where ``params`` come from
    ``estimator.get_params(deep=False)``. Parameter values that are estimators themselves are
    cloned in turn; every other value is deep-copied, so the copy shares no mutable state
    (arrays, lists, generators) with the original. Fitted attributes are not carried over.
    Works for tunelab's and scikit-learn's estimators alike.

    Parameters
    ----------
    estimator : object
        Anything with ``get_params(deep=False)`` whose constructor accepts those parameters as
        keywords.

    Returns
    -------
    estimator : object
        The unfitted copy.

    References
    ----------
    .. [1] Buitinck et al. (2013). API design for machine learning software: experiences from
       the scikit-learn project. *ECML PKDD Workshop*, Sec. 2.2 (estimators and parameters).
    """
    if not hasattr(estimator, "get_params") or isinstance(estimator, type):
        raise TypeError(
            f"estimator must be an estimator instance with get_params; got {estimator!r} of "
            f"type {type(estimator).__name__}"
        )
    params = estimator.get_params(deep=False)
    copied = {
        name: clone(value)
        if hasattr(value, "get_params") and not isinstance(value, type)
        else copy.deepcopy(value)
        for name, value in params.items()
    }
    return type(estimator)(**copied)
