r"""Bayesian linear regression: the closed-form posterior differentiated directly.

With :math:`A = \alpha I + \beta X_c^\top X_c`, :math:`S = A^{-1}` and
:math:`m = \beta S X_c^\top y_c` (PRML Eqs. 3.53-3.54, data centred by the training means
when fitting an intercept), a validation point :math:`x` has predictive mean
:math:`\mu = \bar y + (x - \bar x)^\top m` and variance
:math:`\sigma^2 = 1/\beta + z^\top S z + c/(n\beta)`, :math:`z = x - \bar x`, :math:`c = 1`
with an intercept (0 otherwise). The validation loss is the mean negative log predictive
density :math:`g = \mathrm{mean}_i[\frac12\ln(2\pi\sigma_i^2) + \frac{r_i^2}{2\sigma_i^2}]`,
:math:`r_i = y_i - \mu_i`. No inner optimization is needed, so instead of the implicit
function theorem the closed form is differentiated:

.. math::

    \partial_\alpha m = -S m, \quad \partial_\beta m = S(X_c^\top y_c - X_c^\top X_c m),
    \quad \partial_\alpha \sigma^2 = -\|S z\|^2, \quad
    \partial_\beta \sigma^2 = -\frac{1 + c/n}{\beta^2} - (Sz)^\top X_c^\top X_c (Sz),

and :math:`\partial g = \mathrm{mean}_i[\frac{\partial\sigma_i^2}{2\sigma_i^2}
- \frac{r_i\,\partial\mu_i}{\sigma_i^2} - \frac{r_i^2\,\partial\sigma_i^2}{2\sigma_i^4}]`.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import cho_factor, cho_solve


class Posterior:
    """The posterior of ``BayesianLinearRegression`` and the NLPD's derivatives."""

    def __init__(self, X, y, fit_intercept):
        self.x_mean = X.mean(axis=0) if fit_intercept else np.zeros(X.shape[1])
        self.y_mean = float(y.mean()) if fit_intercept else 0.0
        Xc, yc = X - self.x_mean, y - self.y_mean
        self.XtX, self.Xty = Xc.T @ Xc, Xc.T @ yc
        self.c_over_n = 1.0 / len(y) if fit_intercept else 0.0

    def nlpd_and_grad(self, alpha, beta, X_val, y_val):
        """Return ``(nlpd, d nlpd / d alpha, d nlpd / d beta)``."""
        A = alpha * np.eye(len(self.XtX)) + beta * self.XtX
        factor = cho_factor(A)
        m = beta * cho_solve(factor, self.Xty)
        Z = X_val - self.x_mean
        SZ = cho_solve(factor, Z.T)  # (p, m_val)
        var = (1.0 + self.c_over_n) / beta + np.einsum("ij,ji->i", Z, SZ)
        r = y_val - self.y_mean - Z @ m
        value = float(np.mean(0.5 * np.log(2 * np.pi * var) + 0.5 * r**2 / var))
        dm_a = -cho_solve(factor, m)
        dm_b = cho_solve(factor, self.Xty - self.XtX @ m)
        dv_a = -np.sum(SZ**2, axis=0)
        dv_b = -(1.0 + self.c_over_n) / beta**2 - np.einsum("ji,jk,ki->i", SZ, self.XtX, SZ)

        def total(dmu, dvar):
            return float(np.mean(0.5 * dvar / var - r * dmu / var - 0.5 * r**2 * dvar / var**2))

        return value, total(Z @ dm_a, dv_a), total(Z @ dm_b, dv_b)
