"""Parameter optimizers: first-order update rules, line searches, Newton, L-BFGS, and jitted epoch
loops."""

from tunelab._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    names={
        # first-order update rules and their driver (rules.py), learning-rate schedules
        "UpdateRule": "rules",
        "SGD": "rules",
        "Momentum": "rules",
        "Nesterov": "rules",
        "Adam": "rules",
        "make_rule": "rules",
        "minimize": "rules",
        "make_schedule": "schedules",
        # full-batch and stochastic solvers for the linear models
        "OptimizeResult": "result",
        "sgd_linear": "sgd",
        "backtracking_line_search": "line_search",
        "gradient_descent": "_gradient_descent",
        "newton": "_newton",
        "lbfgs": "_lbfgs",
        "wolfe_line_search": "wolfe",
        "EarlyStopping": "early_stopping",
    },
)
