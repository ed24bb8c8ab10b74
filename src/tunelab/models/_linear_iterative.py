r"""The iterative solvers of :class:`~tunelab.models.LinearRegression` on the centred problem.

Both minimize :math:`F(w) = \frac{1}{2n}\|y_c - X_c w\|^2 + \frac{\alpha}{2}\|w\|^2` and end
with the same test: the full-batch gradient :math:`X_c^\top(X_c w - y_c)/n + \alpha w` within
``tol``, or a :class:`~tunelab.exceptions.ConvergenceWarning` that states the objective's gap to
the exact minimizer (the closed form). Each returns ``(w, n_iter, loss_curve, converged)``.
"""

from __future__ import annotations

import warnings

import numpy as np

from tunelab.exceptions import ConvergenceWarning
from tunelab.models._least_squares import ridge_cholesky

__all__ = ["fit_gd", "fit_sgd"]

PLAIN_SGD_STEP, PLAIN_SGD_BATCH = 0.01, 32  # plain SGD's defaults (variance_reduction=False)


def fit_gd(est, Xc: np.ndarray, yc: np.ndarray) -> tuple:
    """Gradient descent with Barzilai-Borwein trial steps and Armijo backtracking."""
    # imported here so that the closed form never loads the optimizers (nor Numba)
    from tunelab.losses import squared_loss
    from tunelab.optim import gradient_descent

    alpha = float(est.alpha)

    def fun(theta: np.ndarray) -> tuple[float, np.ndarray]:
        return squared_loss(theta, Xc, yc, alpha, fit_intercept=False)

    result = gradient_descent(fun, np.zeros(Xc.shape[1]), learning_rate=est.learning_rate,
                              max_iter=est.max_iter, tol=est.tol, line_search=True)
    if not result.converged:
        why = (f"at max_iter={est.max_iter}" if result.n_iter >= est.max_iter
               else f"after {result.n_iter} iterations, where no step decreased the objective")
        _warn(f"solver='gd' stopped {why} with max|gradient| = {result.grad_norm:.2e} > "
              f"tol={est.tol!r}; increase max_iter or tol", stacklevel=5)
    return result.x, result.n_iter, result.loss_curve, bool(result.converged)


def fit_sgd(est, Xc: np.ndarray, yc: np.ndarray, rng: np.random.Generator) -> tuple:
    """SAGA (``variance_reduction=True``) or plain minibatch SGD at a constant step."""
    if est.variance_reduction:
        from tunelab.optim.saga import saga_linear

        result = saga_linear(
            Xc, yc, np.zeros(Xc.shape[1]), loss="squared", alpha=float(est.alpha),
            fit_intercept=False, epochs=est.epochs, tol=est.tol, step=est.learning_rate,
            batch_size=1 if est.batch_size is None else est.batch_size, random_state=rng,
        )
    else:
        from tunelab.optim.sgd import sgd_linear

        result = sgd_linear(
            Xc, yc, np.zeros(Xc.shape[1]), loss="squared", alpha=float(est.alpha),
            fit_intercept=False,
            learning_rate=PLAIN_SGD_STEP if est.learning_rate is None else est.learning_rate,
            batch_size=PLAIN_SGD_BATCH if est.batch_size is None else est.batch_size,
            epochs=est.epochs, schedule="constant", random_state=rng,
        )
    # Unstable steps make the objective grow geometrically; ending above twice the objective
    # at the start (w = 0) marks them.
    start = 0.5 * float(yc @ yc) / len(yc)
    if not (np.all(np.isfinite(result.x)) and result.fun <= 2.0 * start):
        raise ValueError(
            f"solver='sgd' diverged: the objective went from {start:.3g} at w = 0 to "
            f"{result.fun:.3g} after {result.n_iter} epoch(s); lower learning_rate "
            f"(got {est.learning_rate!r}) or standardize the features"
        )
    converged = _at_optimum(est, Xc, yc, result.x, result.n_iter)
    return result.x, result.n_iter, result.loss_curve, converged


def _at_optimum(est, Xc: np.ndarray, yc: np.ndarray, w: np.ndarray, n_iter: int) -> bool:
    """Whether the full-batch gradient is within ``tol``; if not, warn with the gap."""
    n, alpha = len(yc), float(est.alpha)
    grad = Xc.T @ (Xc @ w - yc) / n + alpha * w
    g = float(np.max(np.abs(grad))) if grad.size else 0.0
    if g <= est.tol:
        return True
    exact = np.linalg.lstsq(Xc, yc, rcond=None)[0] if alpha == 0 else ridge_cholesky(Xc, yc, alpha)

    def objective(v: np.ndarray) -> float:
        r = yc - Xc @ v
        return 0.5 * float(r @ r) / n + 0.5 * alpha * float(v @ v)

    best = objective(exact)
    gap = objective(w) - best
    method = "SAGA" if est.variance_reduction else "plain SGD"
    _warn(
        f"solver='sgd' ({method}) ran all epochs={est.epochs} and stopped short of the optimum "
        f"after {n_iter} epoch(s): full-batch max|gradient| = {g:.2e} > tol={est.tol!r}, "
        f"objective {gap:.3g} above the minimum {best:.6g} (relative "
        f"{gap / max(abs(best), 1e-300):.2e}); stderr_ and log_likelihood_ are not set. "
        "Increase epochs" + ("" if est.variance_reduction else " or use variance_reduction=True"),
    )
    return False


def _warn(message: str, stacklevel: int = 6) -> None:
    """Warn at the caller of ``fit``: 6 frames up from here through ``_at_optimum``."""
    warnings.warn(f"{message}, or use solver='normal' (the exact closed form).",
                  ConvergenceWarning, stacklevel=stacklevel)
