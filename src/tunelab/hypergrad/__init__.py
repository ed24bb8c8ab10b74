"""Gradient-based hyperparameter optimization: exact hypergradients of validation losses."""

from tunelab.hypergrad.implicit import CrossValidationLoss, ValidationLoss
from tunelab.hypergrad.unrolled import UnrolledValidationLoss

__all__ = ["CrossValidationLoss", "UnrolledValidationLoss", "ValidationLoss"]
