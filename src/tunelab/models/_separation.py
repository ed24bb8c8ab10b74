r"""Detecting separated classes, where the logistic maximum-likelihood estimate does not exist.

Albert and Anderson (1984) show that the MLE of logistic regression exists if and only if the
classes *overlap*: no direction :math:`\beta` of the augmented inputs
:math:`\tilde x_i = (x_i, 1)` has signed margins :math:`s_i \tilde x_i^\top \beta \ge 0` for
every sample (:math:`s_i = \pm 1` by class) and :math:`> 0` for some. *Complete* separation
has every margin positive; *quasi-complete* separation has some margins zero. In both, the
likelihood grows without bound along :math:`\beta`, and every solver walks off to infinity.

Both are decided by linear programs (Konis 2007): maximize the sum of margins subject to
every margin being non-negative, with :math:`\beta` in a box so that the program is bounded.
The optimum is positive exactly when the data are separated; a second program maximizing the
least margin tells complete from quasi-complete. For :math:`K` classes (the multinomial
model, one row :math:`\beta_k` per class, the last fixed at zero) a margin is
:math:`\tilde x_i^\top(\beta_{c_i} - \beta_k)` for every class :math:`k \ne c_i`.

References
----------
.. [1] A. Albert and J. A. Anderson, "On the existence of maximum likelihood estimates in
   logistic regression models", Biometrika 71(1):1-10, 1984.
.. [2] K. Konis, "Linear programming algorithms for detecting separated data in binary
   logistic regression models", DPhil thesis, University of Oxford, 2007.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog

_TOL = 1e-7  # margins below this (inputs scaled to max |x| = 1) count as zero
_LEAST_MARGIN_SECONDS = 2.0


def margin_matrix(X: np.ndarray, y_index: np.ndarray, n_classes: int,
                  fit_intercept: bool) -> np.ndarray:
    r"""Rows: the linear maps from the parameters to each margin (one per sample and rival).

    Binary: :math:`s_i \tilde x_i`. ``K`` classes, parameters :math:`(\beta_0, ...,
    \beta_{K-2})` with :math:`\beta_{K-1} = 0`: for sample ``i`` and rival ``k``, the row puts
    :math:`\tilde x_i` at block :math:`c_i` and :math:`-\tilde x_i` at block ``k``.
    """
    scale = np.max(np.abs(X), axis=0)
    Xt = X / np.where(scale > 0, scale, 1.0)
    if fit_intercept:
        Xt = np.column_stack([Xt, np.ones(len(Xt))])
    if n_classes == 2:
        return np.where(y_index == 1, 1.0, -1.0)[:, None] * Xt
    d = Xt.shape[1]
    rows = []
    for k in range(n_classes):
        mine = np.flatnonzero(y_index != k)  # samples for which class k is a rival
        block = np.zeros((len(mine), n_classes * d))
        block[np.arange(len(mine))[:, None], y_index[mine][:, None] * d + np.arange(d)] = Xt[mine]
        block[:, k * d:(k + 1) * d] = -Xt[mine]
        rows.append(block[:, : (n_classes - 1) * d])  # the last class is the reference
    return np.vstack(rows)


def separation(X: np.ndarray, y_index: np.ndarray, n_classes: int,
               fit_intercept: bool = True) -> str | None:
    """``"complete"``, ``"quasi-complete"`` or ``None`` (the classes overlap: the MLE exists).

    ``"complete or quasi-complete"`` when the data are separated but the second program, which
    tells the two apart, did not finish within ``_LEAST_MARGIN_SECONDS``.
    """
    M = margin_matrix(X, y_index, n_classes, fit_intercept)
    n_rows, n_params = M.shape
    box = [(-1.0, 1.0)] * n_params
    total = linprog(-M.sum(axis=0), A_ub=-M, b_ub=np.zeros(n_rows), bounds=box,
                    method="highs-ds")
    if total.status != 0 or -total.fun <= _TOL * n_rows:
        return None
    if np.min(M @ total.x) > _TOL:
        return "complete"
    # the least margin t: maximize t with M beta >= t (variables beta, then t <= 1); a large
    # multinomial program may not finish in time, and then the kind is left open
    least = linprog(np.r_[np.zeros(n_params), -1.0],
                    A_ub=np.column_stack([-M, np.ones(n_rows)]), b_ub=np.zeros(n_rows),
                    bounds=[*box, (None, 1.0)], method="highs-ds",
                    options={"time_limit": _LEAST_MARGIN_SECONDS})
    if least.status != 0:
        return "complete or quasi-complete"
    return "complete" if -least.fun > _TOL else "quasi-complete"
