"""Models of the inner loop, each with its own estimators."""

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
