"""Gaussian process regression and acquisition functions for Bayesian optimization.

``kernels`` holds the covariance functions (``RBF``, ``Matern``), ``regression`` the
``GaussianProcess`` (exact inference, maximum-likelihood hyperparameters) and ``acquisition``
the acquisition functions, all written for minimization.
"""

from tunelab._lazy import attach

_ACQUISITIONS = [
    "expected_improvement",
    "expected_improvement_grad",
    "log_expected_improvement",
    "log_expected_improvement_grad",
    "probability_of_improvement",
    "probability_of_improvement_grad",
    "log_probability_of_improvement",
    "log_probability_of_improvement_grad",
    "lower_confidence_bound",
    "lower_confidence_bound_grad",
]

__getattr__, __dir__, __all__ = attach(
    __name__,
    submodules=["acquisition", "kernels", "regression"],
    names={
        "Kernel": "kernels",
        "RBF": "kernels",
        "Matern": "kernels",
        "GaussianProcess": "regression",
        "JitterWarning": "regression",
        **dict.fromkeys(_ACQUISITIONS, "acquisition"),
    },
)
