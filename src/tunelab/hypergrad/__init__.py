"""Gradient-based hyperparameter optimization: exact hypergradients of validation losses."""

from tunelab.hypergrad.implicit import CrossValidationLoss, ValidationLoss

__all__ = ["CrossValidationLoss", "ValidationLoss"]
