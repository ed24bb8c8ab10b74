"""tunelab: the two loops of machine learning, written by hand.

The inner loop estimates a model's parameters (``tunelab.models``, ``tunelab.optim``); the
outer loop searches its hyperparameters (``tunelab.space``, ``tunelab.search``, ``tunelab.gp``,
``tunelab.study``); ``tunelab.bench`` compares search strategies.

Public names are loaded lazily, so ``import tunelab`` is fast.
"""

from tunelab._lazy import attach

__version__ = "0.1.0"

__getattr__, __dir__, __all__ = attach(
    __name__,
    submodules=[
        "bench", "exceptions", "gp", "hypergrad", "losses", "metrics", "model_selection",
        "models", "optim", "plot", "pruners", "search", "space", "study",
    ],
    names={
        "NotFittedError": "exceptions",
        "ConvergenceWarning": "exceptions",
        "TunelabError": "exceptions",
        "SearchExhausted": "exceptions",
        "TrialFailedWarning": "exceptions",
        "AllTrialsFailedError": "exceptions",
        "WorkerStartError": "exceptions",
        "LinearRegression": "models",
        "BayesianLinearRegression": "models",
        "LogisticRegression": "models",
        "MLPClassifier": "models",
        "MLPRegressor": "models",
        "Space": "space",
        "Real": "space",
        "Integer": "space",
        "Categorical": "space",
        "minimize": "study",
        "Study": "study",
        "Trial": "study",
        "TrialState": "study",
        "TrialPruned": "study",
        "train_test_split": "model_selection",
        "KFold": "model_selection",
        "StratifiedKFold": "model_selection",
        "cross_val_score": "model_selection",
        "SearchCV": "search_cv",
    },
)
