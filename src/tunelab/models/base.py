"""The estimator contract shared by every model (scikit-learn's conventions).

``__init__`` stores its keyword arguments unchanged and does nothing else; ``get_params`` and
``set_params`` are derived from its signature, so ``sklearn.base.clone``, pipelines and
scikit-learn's own searches work on tunelab's models.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from tunelab._validation import check_array, check_is_fitted


class BaseEstimator:
    """Parameters from the constructor's signature, and a readable ``repr``."""

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return sorted(
            p.name
            for p in signature.parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        )

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Return the constructor arguments as a dict (``deep`` is accepted for compatibility)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> BaseEstimator:
        """Set constructor arguments by name; unknown names raise ``ValueError``."""
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(
                    f"Invalid parameter {name!r} for {type(self).__name__}; "
                    f"valid parameters are {', '.join(valid)}"
                )
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = {
            p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()
        }
        changed = []
        for name, value in self.get_params().items():
            default = defaults.get(name, inspect.Parameter.empty)
            same = default is value or (
                not isinstance(value, np.ndarray) and _safe_equal(default, value)
            )
            if not same:
                changed.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(changed)})"

    def _check_n_features(self, X: Any) -> np.ndarray:
        """Validate ``X`` at predict time against the number of features seen in ``fit``."""
        check_is_fitted(self)
        X = check_array(X, "X")
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input (the number seen in fit)"
            )
        return X


def _safe_equal(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:  # comparisons that are not booleans (arrays) count as different
        return False


class RegressorMixin:
    """``score`` is the coefficient of determination R²."""

    _estimator_type = "regressor"

    def score(self, X: Any, y: Any) -> float:
        """Return R² of ``predict(X)`` against ``y``."""
        from tunelab.metrics import r2_score

        return r2_score(y, self.predict(X))

    def __sklearn_tags__(self):  # called only by scikit-learn, so it is installed then
        from sklearn.utils import RegressorTags, Tags, TargetTags

        return Tags(
            estimator_type="regressor",
            target_tags=TargetTags(required=True),
            regressor_tags=RegressorTags(),
        )


class ClassifierMixin:
    """``score`` is accuracy."""

    _estimator_type = "classifier"

    def score(self, X: Any, y: Any) -> float:
        """Return the accuracy of ``predict(X)`` against ``y``."""
        from tunelab.metrics import accuracy_score

        return accuracy_score(y, self.predict(X))

    def __sklearn_tags__(self):  # called only by scikit-learn, so it is installed then
        from sklearn.utils import ClassifierTags, Tags, TargetTags

        return Tags(
            estimator_type="classifier",
            target_tags=TargetTags(required=True),
            classifier_tags=ClassifierTags(),
        )


def encode_labels(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(classes, y_index)``: the sorted unique labels and each label's index.

    Raises ``ValueError`` when fewer than two classes are present.
    """
    if y.dtype.kind == "f" and np.any(y != np.round(y)):
        raise ValueError(
            "Unknown label type: continuous. A classifier needs discrete class labels; y "
            "holds non-integer numbers, as a regression target does (use a regressor, or "
            "bin y into classes)"
        )
    classes, y_index = np.unique(y, return_inverse=True)
    if len(classes) < 2:
        raise ValueError(
            f"y must contain at least two classes to fit a classifier; got 1 class: "
            f"{classes.tolist()}"
        )
    return classes, y_index
