r"""Exact hypergradients of a validation loss by implicit differentiation.

At the fitted parameters :math:`\theta(\lambda) = \arg\min_\theta h(\theta, \lambda)` the
implicit function theorem gives (Bengio 2000; Pedregosa 2016)

.. math::

    \nabla f(\lambda) = \nabla_\lambda g - (\nabla^2_{\theta\lambda} h)^\top
    (\nabla^2_{\theta\theta} h)^{-1} \nabla_\theta g,

with :math:`g(\theta)` the validation loss (it does not depend on :math:`\lambda` directly
here, so :math:`\nabla_\lambda g = 0`). The linear system is solved by Cholesky when the
number of parameters is at most ``cholesky_max`` and otherwise by conjugate gradients on
Hessian-vector products. ``BayesianLinearRegression`` has a closed-form posterior, which is
differentiated directly (see :mod:`tunelab.hypergrad._bayes`).

References
----------
.. [1] Bengio (2000). Gradient-based optimization of hyperparameters. Neural Computation.
.. [2] Pedregosa (2016). Hyperparameter optimization with approximate gradient. ICML.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from scipy.linalg import cho_factor, cho_solve
from scipy.sparse.linalg import LinearOperator, cg

from tunelab.exceptions import ConvergenceWarning
from tunelab.hypergrad import _bayes
from tunelab.hypergrad._problems import Logistic, Ridge

_SUPPORTED = {"LinearRegression": ("alpha",), "LogisticRegression": ("alpha",),
              "BayesianLinearRegression": ("alpha", "beta")}
_METRICS = {"LinearRegression": "mse", "LogisticRegression": "log_loss",
            "BayesianLinearRegression": "nlpd"}


def _as_data(X, y, name):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    if X.ndim != 2 or y.ndim != 1 or len(X) != len(y) or len(X) == 0:
        raise ValueError(f"{name}: X must be 2-D (n, p) and y 1-D (n,) with n >= 1; got "
                         f"shapes {X.shape} and {y.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name}: X contains NaN or infinity")
    return X, y


class ValidationLoss:
    r"""Validation loss at the fitted parameters and its exact hypergradient.

    Parameters
    ----------
    estimator : LinearRegression, LogisticRegression or BayesianLinearRegression
        Read with ``get_params`` (``fit_intercept``); its alpha is never used, the call's is.
    X_train, y_train, X_val, y_val : array-like
        Training and validation data.
    metric : {"log_loss", "mse", "nlpd"} or None
        The one differentiable loss of each model: ``"mse"`` for ridge, ``"log_loss"``
        for logistic regression, ``"nlpd"`` (mean negative log predictive density) for
        Bayesian linear regression. None picks it. Accuracy is not differentiable (its
        gradient is zero almost everywhere); its stated smooth surrogate is the log loss,
        which bounds the error rate: a misclassified point has :math:`p_{y_i} \le 1/2`, so
        :math:`\frac1m\sum_i [\hat y_i \ne y_i] \le \mathrm{log\_loss} / \log 2`.
        ``metric="accuracy"`` raises ``ValueError`` naming it; ``SearchCV`` with
        ``scoring="accuracy"`` minimizes the log loss.
    method : {"implicit"}
    solver : {"auto", "cholesky", "cg"}
        The linear system; ``"auto"`` is Cholesky up to ``cholesky_max`` parameters.
    cholesky_max : int, default=2000
    tol : float, default=1e-12
        Inner fit: stop once the max-norm of the training objective's gradient is at most
        ``tol``; a larger gap warns (``ConvergenceWarning``), the hypergradient is then inexact.
    max_iter : int, default=100
        Newton iterations of the inner fit.
    warm_start : bool, default=True
        Start each inner fit from the previous call's solution (and, with ``tol_schedule``,
        each conjugate-gradient solve from the previous call's solution of the system).
    tol_schedule : (float, float) or None, default=None
        HOAG's inexact hypergradients (Pedregosa 2016): ``(eps0, rate)`` stops the ``k``-th
        call's (``k = 0, 1, ...``) inner fit once the max-norm of the training objective's
        gradient is at most :math:`\epsilon_k = \epsilon_0\,\mathrm{rate}^k` and solves the
        linear system by conjugate gradients to a residual norm of at most
        :math:`\epsilon_k` (Pedregosa's setting is ``(0.01, 0.9)``). ``None``: exact, to
        ``tol``. See Notes for the error this leaves in the hypergradient. A warm-started fit
        at a new alpha takes at least one Newton step even when its start meets
        :math:`\epsilon_k`, so that the value moves with alpha.

    Attributes
    ----------
    n_calls : int
        Calls so far (the ``k`` of ``tol_schedule``).
    n_inner_iter : int
        Newton iterations of the inner fits, summed over the calls.
    n_cg_iter : int
        Conjugate-gradient iterations, summed over the calls (0 with Cholesky).
    last_tol : float
        The inner tolerance of the last call.

    Notes
    -----
    With the inner fit :math:`\hat\theta` stopped at :math:`\|\nabla_\theta
    h(\hat\theta)\|_\infty \le \epsilon` and the system solved to a residual
    :math:`\|H q - \nabla_\theta g\|_2 \le \epsilon`, and with :math:`\mu` a lower bound
    of the Hessian's eigenvalues near :math:`\theta^*` (:math:`\delta = \sqrt{d}\,
    \epsilon/\mu \ge \|\hat\theta - \theta^*\|_2`), the returned gradient
    :math:`p = -\hat B^\top q` obeys (Pedregosa 2016, Theorem 1, with its constants made
    explicit)

    .. math::

        \|p - \nabla f\|_2 \le \frac{\|\hat B\|_2\,\epsilon}{\mu}
        + \frac{\|\hat B\|_2}{\mu}\Big(L_g + \frac{L_H\,\gamma}{\mu}\Big)\delta
        + \frac{\gamma\,\delta}{\mu},

    :math:`L_g, L_H` the Lipschitz constants of :math:`\nabla_\theta g` and of the Hessian,
    :math:`\gamma = \|\nabla_\theta g(\theta^*)\|_2`, and :math:`\|B - \hat B\|_2 \le
    \|\hat\theta - \theta^*\|_2` (here :math:`B = \partial^2 h/\partial\theta\,
    \partial\lambda` is :math:`\mathrm{diag}(w)`, so :math:`L_B = 1`): the error is
    :math:`O(\epsilon_k)`, which HOAG drives to zero while the outer loop converges.

    Examples
    --------
    >>> import numpy as np, tunelab as tl
    >>> from tunelab.hypergrad import ValidationLoss
    >>> rng = np.random.default_rng(0); X = rng.normal(size=(40, 3))
    >>> y = (X[:, 0] + rng.normal(size=40) > 0).astype(int)
    >>> f = ValidationLoss(tl.LogisticRegression(), X[:30], y[:30], X[30:], y[30:])
    >>> value, grad = f({"alpha": 0.1})
    >>> bool(value > 0), np.shape(grad["alpha"])
    (True, ())
    """

    def __init__(self, estimator: Any, X_train: Any, y_train: Any, X_val: Any, y_val: Any,
                 metric: str | None = None, method: str = "implicit", solver: str = "auto",
                 cholesky_max: int = 2000, tol: float = 1e-12, max_iter: int = 100,
                 warm_start: bool = True,
                 tol_schedule: tuple[float, float] | None = None):
        kind = type(estimator).__name__
        if kind not in _SUPPORTED or not hasattr(estimator, "get_params"):
            raise TypeError(f"estimator: cannot differentiate {kind}; supported: "
                            f"{sorted(_SUPPORTED)}")
        if metric == "accuracy" and kind == "LogisticRegression":
            raise ValueError("metric='accuracy' is not differentiable; use its smooth "
                             "surrogate metric='log_loss' (error rate <= log_loss / log 2)")
        if metric is not None and metric != _METRICS[kind]:
            raise ValueError(f"metric must be {_METRICS[kind]!r} for {kind}; got {metric!r}")
        if method != "implicit":
            raise ValueError(f"method must be 'implicit' for {kind}; got {method!r}")
        if solver not in ("auto", "cholesky", "cg"):
            raise ValueError(f"solver must be 'auto', 'cholesky' or 'cg'; got {solver!r}")
        self.kind, self.metric = kind, _METRICS[kind]
        self.solver, self.cholesky_max = solver, int(cholesky_max)
        self.tol, self.max_iter = float(tol), int(max_iter)
        if not isinstance(warm_start, bool):
            raise TypeError(f"warm_start must be True or False; got {warm_start!r}")
        self.warm_start, self.tol_schedule = warm_start, _check_schedule(tol_schedule)
        self.n_calls = self.n_inner_iter = self.n_cg_iter = 0
        self.last_tol = self.tol
        self._q = None
        X, y = _as_data(X_train, y_train, "X_train, y_train")
        Xv, yv = _as_data(X_val, y_val, "X_val, y_val")
        if Xv.shape[1] != X.shape[1]:
            raise ValueError(f"X_val has {Xv.shape[1]} features, X_train {X.shape[1]}")
        fit_intercept = bool(estimator.get_params().get("fit_intercept", True))
        self.n_features = X.shape[1]
        self._theta = self._lam = None
        self._beta = float(estimator.get_params().get("beta", 1.0))
        if kind == "LogisticRegression":
            self.classes_ = np.unique(y)
            if len(self.classes_) < 2 or not np.all(np.isin(yv, self.classes_)):
                raise ValueError("y_train needs >= 2 classes and y_val only classes of y_train")
            self.problem = Logistic(X, np.searchsorted(self.classes_, y),
                                    len(self.classes_), fit_intercept)
            self._val = (Xv, np.searchsorted(self.classes_, yv))
        else:
            y, yv = y.astype(float), yv.astype(float)
            if not (np.all(np.isfinite(y)) and np.all(np.isfinite(yv))):
                raise ValueError("y_train and y_val must be finite")
            self.problem = (Ridge(X, y, fit_intercept) if kind == "LinearRegression"
                            else _bayes.Posterior(X, y, fit_intercept))
            self._val = (Xv, yv)

    def _params(self, params):
        if not isinstance(params, dict):
            raise TypeError(f"params must be a dict of hyperparameters; got {type(params)}")
        names = _SUPPORTED[self.kind]
        unknown = sorted(set(params) - set(names))
        if unknown or "alpha" not in params:
            raise ValueError(f"{self.kind}: can differentiate {list(names)} only (alpha "
                             f"required); got {sorted(params)}")
        out = {}
        for name in params:
            value = np.asarray(params[name], dtype=float)
            scalar_only = name == "beta" or self.kind == "BayesianLinearRegression"
            if value.shape not in ((),) + (() if scalar_only else ((self.n_features,),)):
                raise ValueError(f"{name} must be a scalar" + ("" if scalar_only else
                                 f" or an array of shape ({self.n_features},)")
                                 + f"; got shape {value.shape}")
            if not np.all(np.isfinite(value)) or np.any(value <= 0):
                raise ValueError(f"{name} must be finite and > 0; got {params[name]!r}")
            out[name] = value
        return out

    def __call__(self, params: dict) -> tuple[float, dict]:
        """Return ``(value, {name: gradient})``, each gradient shaped as its hyperparameter."""
        params = self._params(params)
        alpha = params["alpha"]
        if self.kind == "BayesianLinearRegression":
            value, ga, gb = self.problem.nlpd_and_grad(float(alpha), float(params.get(
                "beta", self._beta)), *self._val)
            grad = {"alpha": np.float64(ga)}
            if "beta" in params:
                grad["beta"] = np.float64(gb)
            return value, grad
        lam = np.broadcast_to(alpha, (self.n_features,)).astype(float)
        tol = self.tol
        if self.tol_schedule is not None:
            tol = self.tol_schedule[0] * self.tol_schedule[1] ** self.n_calls
        self.n_calls += 1
        self.last_tol = tol
        start = self._theta if self.warm_start else None
        # A warm start at another lambda takes at least one Newton step: one step from
        # theta(lambda_prev) is theta(lambda) up to O(|lambda - lambda_prev|^2), so the value
        # and hypergradient move with lambda even when the start already meets a loose tol.
        moved = start is not None and not np.array_equal(lam, self._lam)
        theta, gap, n_iter = self.problem.fit(lam, start, self.max_iter, tol,
                                              min_iter=1 if moved else 0)
        self.n_inner_iter += n_iter
        if gap > tol:
            warnings.warn(f"the inner fit did not converge: max |gradient| = {gap:.3g} > tol="
                          f"{tol:g}; the hypergradient is inexact. Raise max_iter.",
                          ConvergenceWarning, stacklevel=2)
        self._theta, self._lam = theta, lam.copy()
        value, gv = self.problem.validation(theta, *self._val)
        v = self._solve(theta, lam, gv, None if self.tol_schedule is None else tol)
        g_lam = -(self.problem.mixed(theta).T @ v)
        return value, {"alpha": np.float64(g_lam.sum()) if alpha.ndim == 0 else g_lam}

    def fitted(self, params: dict):
        """``(coef, intercept)`` of the inner fit at ``params`` (ridge and logistic)."""
        lam = np.broadcast_to(self._params(params)["alpha"], (self.n_features,)).astype(float)
        return self.problem.coef(self.problem.fit(lam, None, self.max_iter, self.tol)[0])

    def _solve(self, theta, lam, rhs, atol=None):
        """Solve :math:`H v = \\nabla_\\theta g` by Cholesky or conjugate gradients (to a
        residual norm of ``atol`` when given, from the previous solution with warm starts)."""
        use_cg = self.solver == "cg" or (self.solver == "auto" and len(theta) > self.cholesky_max)
        if not use_cg and atol is None:
            return cho_solve(cho_factor(self.problem.hessian(theta, lam)), rhs)
        count = [0]

        def matvec(u):
            count[0] += 1
            return self.problem.hvp(theta, lam, u)

        op = LinearOperator((len(theta),) * 2, matvec=matvec)
        x0 = self._q if self.warm_start and self._q is not None else None
        rtol, atol = (1e-12, 0.0) if atol is None else (0.0, atol)
        v, info = cg(op, rhs, x0=x0, rtol=rtol, atol=atol, maxiter=10 * len(theta))
        self.n_cg_iter += count[0]
        self._q = v
        if info != 0:
            gap = np.linalg.norm(self.problem.hvp(theta, lam, v) - rhs)
            warnings.warn(f"conjugate gradients stopped with residual {gap:.3g}; the "
                          "hypergradient is inexact. Use solver='cholesky'.",
                          ConvergenceWarning, stacklevel=3)
        return v


def _check_schedule(schedule):
    if schedule is None:
        return None
    try:
        eps0, rate = (float(x) for x in schedule)
    except (TypeError, ValueError):
        raise TypeError(f"tol_schedule must be (eps0, rate) or None; got {schedule!r}") from None
    if not (eps0 > 0 and 0 < rate <= 1):
        raise ValueError(f"tol_schedule needs eps0 > 0 and 0 < rate <= 1; got {schedule!r}")
    return eps0, rate


class CrossValidationLoss:
    """Mean over folds of the validation loss and of its hypergradient.

    Parameters
    ----------
    estimator, metric, **kwargs
        As :class:`ValidationLoss`.
    X, y : array-like
    cv : int, splitter or list of (train, test) index pairs, default=5
        An int is ``StratifiedKFold`` for logistic regression, ``KFold`` otherwise.
    """

    def __init__(self, estimator: Any, X: Any, y: Any, cv: Any = 5,
                 metric: str | None = None, **kwargs: Any):
        from tunelab.model_selection import KFold, StratifiedKFold

        X, y = _as_data(X, y, "X, y")
        if isinstance(cv, (int, np.integer)) and not isinstance(cv, bool):
            if cv < 2:
                raise ValueError(f"cv must be >= 2; got {cv}")
            classifier = type(estimator).__name__ == "LogisticRegression"
            cv = (StratifiedKFold if classifier else KFold)(n_splits=int(cv))
        elif not hasattr(cv, "split") and not isinstance(cv, (list, tuple)):
            raise TypeError(f"cv must be an int >= 2, a splitter with split() or a list of "
                            f"(train, test) index pairs; got {cv!r}")
        splits = cv.split(X, y) if hasattr(cv, "split") else cv
        self.folds = [ValidationLoss(estimator, X[tr], y[tr], X[te], y[te], metric, **kwargs)
                      for tr, te in splits]

    @property
    def n_inner_iter(self) -> int:
        """Newton iterations of the folds' inner fits, summed."""
        return sum(f.n_inner_iter for f in self.folds)

    def __call__(self, params: dict) -> tuple[float, dict]:
        """Return the mean of the folds' values and the mean of their hypergradients."""
        results = [f(params) for f in self.folds]
        value = float(np.mean([r[0] for r in results]))
        grad = {k: np.mean([r[1][k] for r in results], axis=0) for k in results[0][1]}
        return value, grad
