"""Models of the inner loop, each with its own estimators.

The estimator contract they share (``BaseEstimator``, ``ClassifierMixin``, ``RegressorMixin``)
lives in :mod:`tunelab.models.base`, public so that :mod:`tunelab.gp` and
:mod:`tunelab.search_cv` build on it too.
"""

from tunelab._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    names={
        "LinearRegression": "linear",
        "BayesianLinearRegression": "bayes_linear",
        "LogisticRegression": "logistic",
        "MLPClassifier": "mlp",
        "MLPRegressor": "mlp",
    },
)
