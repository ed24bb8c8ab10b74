"""The value every solver of :mod:`tunelab.optim` returns."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["OptimizeResult"]


@dataclass
class OptimizeResult:
    """The outcome of a minimization.

    Parameters
    ----------
    x : ndarray of shape (n_params,)
        The last iterate (converted to a float64 array).
    fun : float
        The objective at ``x``.
    grad_norm : float
        The infinity norm :math:`\\|\\nabla f(x)\\|_\\infty` of the gradient at ``x``.
    n_iter : int
        Iterations taken (epochs for the stochastic solvers).
    converged : bool
        Whether the solver's stopping rule fired before its iteration budget ran out.
    loss_curve : ndarray
        The objective along the way: for the full-batch solvers the value at ``x0`` and after
        each iteration; for the stochastic ones the mean loss over each epoch (converted to a
        float64 array).
    path : dict or None, default=None
        Filled only when the solver was called with ``record_path=True``: ``"x"`` of shape
        (n_iter + 1, n_params), the iterates from ``x0`` to ``x``; ``"loss"``, the objective
        at each; ``"step"``, the step size taken to reach each (NaN for ``x0``).
    """

    x: np.ndarray
    fun: float
    grad_norm: float
    n_iter: int
    converged: bool
    loss_curve: np.ndarray
    path: dict | None = None

    def __post_init__(self) -> None:
        self.x = np.asarray(self.x, dtype=np.float64)
        self.fun = float(self.fun)
        self.grad_norm = float(self.grad_norm)
        self.n_iter = int(self.n_iter)
        self.converged = bool(self.converged)
        self.loss_curve = np.asarray(self.loss_curve, dtype=np.float64)
