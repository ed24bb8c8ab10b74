"""The value every solver of :mod:`tunelab.optim` returns."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["OptimizeResult", "Trace"]


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


class Trace:
    """What a full-batch solver records on its way: the objective at ``x0`` and after each
    iteration (``loss_curve``) and, with ``record_path``, each iterate and the step taken to it
    (:attr:`OptimizeResult.path`)."""

    def __init__(self, x0: np.ndarray, f0: float, record_path: bool) -> None:
        self.curve = [float(f0)]
        self.record_path = record_path
        self._xs, self._steps = [np.array(x0, dtype=np.float64)], [np.nan]

    def add(self, x: np.ndarray, f: float, step: float) -> None:
        """Record the iterate ``x``, its objective ``f`` and the step that led to it."""
        self.curve.append(float(f))
        if self.record_path:
            self._xs.append(np.array(x, dtype=np.float64))
            self._steps.append(float(step))

    def path(self) -> dict | None:
        """:attr:`OptimizeResult.path`, or ``None`` without ``record_path``."""
        if not self.record_path:
            return None
        return {"x": np.array(self._xs), "loss": np.array(self.curve),
                "step": np.array(self._steps)}
