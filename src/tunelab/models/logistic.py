r"""Logistic regression, binary and multinomial, by maximum (penalized) likelihood.

Notation follows :mod:`tunelab.losses`: ``theta`` is ``[w, b]`` (binary) or the row-major
``(K, p + 1)`` array of one row per class (multinomial), intercepts last.

References
----------
.. [1] Hastie, Tibshirani and Friedman (2009), *The Elements of Statistical Learning*, 2nd ed.,
   Sec. 4.4 (logistic regression, IRLS = Newton, Eqs. (4.20)-(4.28)).
.. [2] Albert and Anderson (1984), "On the existence of maximum likelihood estimates in logistic
   regression models", *Biometrika* 71(1), 1-10 (the MLE exists iff the classes overlap).
.. [3] Nocedal and Wright (2006), *Numerical Optimization*, 2nd ed., Algorithm 7.5 (L-BFGS).
.. [4] Gower, Loizou, Qian, Sailanbayev, Shulgin and Richtarik (2019), "SGD: general analysis
   and improved rates", *ICML* (expected smoothness of b-nice sampling).
.. [5] Defazio, Bach and Lacoste-Julien (2014), "SAGA: A fast incremental gradient method with
   support for non-strongly convex composite objectives", *NeurIPS 27*.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from scipy.special import expit, log_softmax

from tunelab._validation import (
    check_choice,
    check_random_state,
    check_sample_weight,
    check_scalar,
    check_X_y,
)
from tunelab.exceptions import ConvergenceWarning
from tunelab.models._logistic_problem import LogisticProblem
from tunelab.models._separation import separation
from tunelab.models.base import BaseEstimator, ClassifierMixin, encode_labels
from tunelab.optim.result import OptimizeResult

__all__ = ["LogisticRegression"]

_SOLVERS = ("newton", "lbfgs", "gd", "sgd")
_DEFAULT_MAX_ITER = {"newton": 100, "lbfgs": 1000, "gd": 10_000, "sgd": 1000}
_DEFAULT_TOL = {"newton": 1e-8, "lbfgs": 1e-6, "gd": 1e-6, "sgd": 1e-6}
_NEWTON_MAX_PARAMS = 1500  # a larger dense Hessian costs O(n d^2) per iteration: use lbfgs


class LogisticRegression(ClassifierMixin, BaseEstimator):
    r"""Binary and multinomial logistic regression with an L2 penalty.

    Minimizes the mean negative log-likelihood plus :math:`\tfrac{\alpha}{2}\|w\|^2`
    (intercepts unpenalized; ``alpha=0`` is maximum likelihood, one argument away). Two
    classes use the logistic model :math:`P(y = c_1 \mid x) = \sigma(x^\top w + b)`;
    ``K > 2`` classes use the softmax with one coefficient row per class, as scikit-learn
    does, so the penalty treats classes alike.

    Parameters
    ----------
    alpha : float, default=1e-4
        L2 penalty strength, >= 0. scikit-learn's ``C`` is ``1 / (n_samples * alpha)``.
        The default is small and positive, as scikit-learn's ``SGDClassifier`` (the same
        ``alpha`` on the same mean loss), because the maximum-likelihood estimate does not
        exist on separable data, which is common (many features, few samples, a fold of a
        small data set): with ``alpha > 0`` the optimum always exists and is unique. Pass
        ``alpha=0`` for maximum likelihood (and for ``stderr_``).
    solver : {"newton", "lbfgs", "gd", "sgd"}, default="newton"
        ``"newton"``: damped Newton (IRLS) with the exact Hessian, Cholesky-solved; falls back to
        ``"lbfgs"`` with a warning above 1500 parameters. ``"lbfgs"``: SciPy's L-BFGS-B on the
        loss and gradient of :mod:`tunelab.losses` (one pass over ``X`` per evaluation).
        ``"gd"``: gradient descent, Barzilai-Borwein trial steps with Armijo backtracking.
        ``"sgd"``: stochastic gradient steps in Numba epochs, by default SAGA, which converges
        to the exact minimizer (see ``variance_reduction``).
    fit_intercept : bool, default=True
    max_iter : int or None, default=None
        Iterations (epochs for ``"sgd"``); None means 100 (newton), 1000 (lbfgs),
        10000 (gd), 1000 (sgd).
    tol : float or None, default=None
        Converged once the full-batch :math:`\|\nabla L\|_\infty \le` ``tol``, the test every
        solver stops on (SAGA checks it after every epoch; plain SGD, whose gradient does not
        vanish, runs ``max_iter`` epochs and is checked at the end). None means 1e-8 (newton)
        and 1e-6 (lbfgs, gd, sgd).
    learning_rate : float or None, default=None
        gd: a constant step (None: Armijo backtracking line search). sgd: a constant SAGA step
        (None: :math:`1/(3\hat L)` with the smoothness :math:`\hat L` estimated along the way,
        :func:`tunelab.optim.saga.saga_linear`), or plain SGD's initial step :math:`\eta_0` of
        :math:`\eta_0/\sqrt{1 + \text{epoch}}` (None: :math:`1/L_b`, the inverse expected
        smoothness of a minibatch of ``batch_size`` samples, Gower et al. (2019)). Ignored by
        newton and lbfgs.
    batch_size : int or None, default=None
        Samples per step of ``"sgd"``; None means 1 (SAGA) or 8 (plain SGD).
    variance_reduction : bool, default=True
        ``"sgd"`` only. True: SAGA (Defazio, Bach and Lacoste-Julien, 2014): each step corrects
        the sample's gradient by the one stored at its last visit, so the steps' noise vanishes
        at the optimum and a constant step converges to it. False: plain minibatch SGD with
        decaying steps, which gets there only sublinearly (the bench tasks train it so).
    random_state : int, Generator or None, default=None
        Seeds the shuffles of ``"sgd"``.

    Attributes
    ----------
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Zeros when ``fit_intercept=False``. Multinomial intercepts are centred to sum to zero.
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    n_iter_ : int
    loss_curve_ : ndarray
        The objective per iteration (per epoch for ``"sgd"``).
    stderr_ : ndarray of shape (1, n_features)
        Binary with ``alpha == 0`` only: standard errors of ``coef_``, the square roots of the
        diagonal of the inverse observed Fisher information :math:`(\tilde X^\top S \tilde X)^{-1}`
        (via its Cholesky factor), as statsmodels' ``Logit`` reports them.

    Notes
    -----
    .. math::

        L(\theta) = -\frac{1}{n}\sum_{i=1}^n \log P(y_i \mid x_i; \theta)
                    + \frac{\alpha}{2}\sum_k \|w_k\|^2 .

    The MLE (``alpha=0``) exists only if the classes overlap (Albert and Anderson, 1984). On
    separated data every solver drives :math:`\|w\|` to infinity, so with ``alpha=0`` ``fit``
    first decides, by the linear programs of :mod:`tunelab.models._separation` (Konis 2007),
    whether the classes are completely or quasi-completely separated (binary or multinomial),
    and then raises ``ValueError`` naming which and advising ``alpha > 0``, whatever the
    solver.
    The softmax is invariant to adding one vector to every class row: the fitted rows are
    centred (the intercepts always, the weights too, which the penalized optimum already is).

    References
    ----------
    Hastie, Tibshirani and Friedman (2009), Sec. 4.4; Albert and Anderson (1984);
    Nocedal and Wright (2006), Algorithm 7.5.

    Examples
    --------
    >>> import numpy as np
    >>> from tunelab.models import LogisticRegression
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]])
    >>> y = np.array(["a", "a", "b", "a", "b", "b"])
    >>> clf = LogisticRegression().fit(X, y)
    >>> clf.predict([[0.5], [4.5]]).tolist()
    ['a', 'b']
    >>> clf.predict_proba([[2.5]]).round(3).tolist()
    [[0.5, 0.5]]
    """

    def __init__(
        self,
        *,
        alpha: float = 1e-4,
        solver: str = "newton",
        fit_intercept: bool = True,
        max_iter: int | None = None,
        tol: float | None = None,
        learning_rate: float | None = None,
        batch_size: int | None = None,
        variance_reduction: bool = True,
        random_state: int | np.random.Generator | None = None,
    ) -> None:
        self.alpha = alpha
        self.solver = solver
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.variance_reduction = variance_reduction
        self.random_state = random_state

    def _check_params(self) -> str:
        """Validate the hyperparameters; return the solver."""
        solver = check_choice(self.solver, "solver", _SOLVERS)
        check_scalar(self.alpha, "alpha", low=0.0)
        if not isinstance(self.fit_intercept, (bool, np.bool_)):
            raise TypeError(f"fit_intercept must be a bool; got {self.fit_intercept!r}")
        if self.max_iter is not None:
            check_scalar(self.max_iter, "max_iter", kind=int, low=1)
        if self.tol is not None:
            check_scalar(self.tol, "tol", low=0.0, low_inclusive=False)
        if self.learning_rate is not None:
            check_scalar(self.learning_rate, "learning_rate", low=0.0, low_inclusive=False)
        if self.batch_size is not None:
            check_scalar(self.batch_size, "batch_size", kind=int, low=1)
        if not isinstance(self.variance_reduction, (bool, np.bool_)):
            raise TypeError(
                f"variance_reduction must be True or False; got {self.variance_reduction!r}")
        return solver

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> LogisticRegression:
        r"""Fit the model to features ``X`` of shape (n_samples, n_features) and labels ``y``.

        ``sample_weight`` (n_samples,) weighs each sample's negative log-likelihood in the
        mean loss, :math:`\sum_i s_i \ell_i / \sum_i s_i + \frac{\alpha}{2}\|W\|^2`
        (scikit-learn's objective with :math:`C = 1/(\alpha\sum_i s_i)`): an integer weight
        repeats a sample, a zero weight removes it, and ``stderr_`` uses the information
        :math:`\tilde X^\top \mathrm{diag}(s_i \sigma_i(1-\sigma_i))\tilde X` (frequency
        weights). ``solver='sgd'`` with ``variance_reduction=False`` accepts only equal weights.
        """
        X, y = check_X_y(X, y, y_numeric=False, estimator=type(self).__name__)
        solver = self._check_params()
        rng = check_random_state(self.random_state)
        weights = check_sample_weight(sample_weight, len(X))
        if weights is not None and np.any(weights == 0):
            X, y, weights = X[weights > 0], y[weights > 0], weights[weights > 0]
        plain_sgd = solver == "sgd" and not self.variance_reduction
        if weights is not None and plain_sgd and np.ptp(weights) > 0:
            raise ValueError(
                "solver='sgd' with variance_reduction=False does not support unequal "
                "sample_weight; use variance_reduction=True (SAGA), solver='lbfgs' or 'newton', "
                "which minimize the same weighted objective."
            )
        classes, y_index = encode_labels(y)
        problem = LogisticProblem(X, y_index, len(classes), float(self.alpha),
                                  bool(self.fit_intercept), weights)
        if problem.alpha == 0.0:
            _check_overlap(X, y_index, len(classes), problem.fit_intercept)
        if solver == "newton" and problem.n_params > _NEWTON_MAX_PARAMS:
            warnings.warn(
                f"solver='newton' builds a dense {problem.n_params} x {problem.n_params} Hessian "
                f"(more than {_NEWTON_MAX_PARAMS} parameters); using solver='lbfgs' instead.",
                UserWarning,
                stacklevel=2,
            )
            solver = "lbfgs"
        max_iter = _DEFAULT_MAX_ITER[solver] if self.max_iter is None else int(self.max_iter)
        tol = _DEFAULT_TOL[solver] if self.tol is None else float(self.tol)
        if plain_sgd:
            batch_size = 8 if self.batch_size is None else self.batch_size
            lr = self.learning_rate or problem.default_sgd_step(batch_size)
            result = problem.solve_sgd(lr, batch_size, max_iter, rng)
        elif solver == "sgd":
            batch_size = 1 if self.batch_size is None else self.batch_size
            result = problem.solve_saga(self.learning_rate, batch_size, max_iter, tol, rng)
        else:
            result = getattr(problem, f"solve_{solver}")(max_iter, tol, self.learning_rate)
        if not (np.isfinite(result.fun) and np.all(np.isfinite(result.x))):
            raise ValueError(
                f"solver={solver!r} diverged: the objective overflowed. Lower learning_rate "
                "or scale the features."
            )
        coef, intercept = problem.unpack(result.x)
        converged = result.converged
        if solver == "sgd":
            converged = _check_sgd_optimum(problem, result, tol, plain_sgd)
        elif not result.converged:
            _warn_not_converged(solver, result, max_iter, tol)
        self.__dict__.pop("stderr_", None)  # from an earlier fit
        if problem.alpha == 0.0 and problem.K == 2 and converged:
            self.stderr_ = problem.stderr(result.x)
        self.classes_, self.n_features_in_ = classes, X.shape[1]
        self.coef_, self.intercept_ = coef, intercept
        self.n_iter_, self.loss_curve_ = result.n_iter, result.loss_curve
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        """Linear predictor: shape (n_samples,) for two classes, (n_samples, n_classes) else."""
        return self._decision(self._check_n_features(X))

    def _decision(self, X: np.ndarray) -> np.ndarray:
        Z = X @ self.coef_.T + self.intercept_
        return Z[:, 0] if len(self.classes_) == 2 else Z

    def predict_log_proba(self, X: Any) -> np.ndarray:
        r"""Log class probabilities, shape (n_samples, n_classes), computed in log space:
        :math:`\log\sigma(z) = -\log(1 + e^{-z})` and the log-softmax."""
        Z = self.decision_function(X)
        if Z.ndim == 1:
            return -np.logaddexp(0.0, np.column_stack([Z, -Z]))
        return log_softmax(Z, axis=1)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes), columns in ``classes_`` order."""
        Z = self.decision_function(X)
        if Z.ndim == 1:
            return np.column_stack([expit(-Z), expit(Z)])
        return np.exp(log_softmax(Z, axis=1))

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each sample."""
        Z = self.decision_function(X)
        index = (Z > 0).astype(np.intp) if Z.ndim == 1 else np.argmax(Z, axis=1)
        return self.classes_[index]


def _check_overlap(X: np.ndarray, y_index: np.ndarray, K: int, fit_intercept: bool) -> None:
    """Raise when the classes are separated, completely or quasi-completely: no MLE exists."""
    kind = separation(X, y_index, K, fit_intercept)
    if kind is None:
        return
    which = ("every training sample is on its class's side of a hyperplane" if kind == "complete"
             else "a hyperplane puts every sample on its class's side or on the plane itself")
    raise ValueError(
        f"The classes are linearly separable ({kind} separation, Albert and Anderson 1984): "
        f"{which}, so scaling the coefficients along it always raises the likelihood and the "
        "maximum-likelihood estimate (alpha=0) does not exist. Use alpha > 0 (an L2 penalty) "
        "to get finite coefficients."
    )


def _check_sgd_optimum(problem: LogisticProblem, result: OptimizeResult, tol: float,
                       plain: bool) -> bool:
    """Whether SGD ended at the optimum (full-batch ``||grad||_inf <= tol``); if not, warn
    with the objective's gap to the minimum, found by L-BFGS to ``||grad||_inf <= 1e-10``."""
    value, grad = problem.loss(result.x)
    g = float(np.max(np.abs(grad)))
    if g <= tol:
        return True
    best = problem.solve_lbfgs(10_000, 1e-10, None).fun
    gap = value - best
    method, advice = (("plain SGD", "use variance_reduction=True, increase max_iter (epochs)")
                      if plain else ("SAGA", "increase max_iter (epochs) or alpha"))
    warnings.warn(
        f"solver='sgd' ({method}) stopped after {result.n_iter} epoch(s) short of the optimum: "
        f"full-batch ||grad||_inf = {g:.2e} > tol={tol:g}, objective {gap:.3g} above the "
        f"minimum {best:.6g} (relative {gap / max(abs(best), 1e-300):.2e}); {advice}, or use "
        "solver='newton' or 'lbfgs'. stderr_ is not set.",
        ConvergenceWarning,
        stacklevel=3,
    )
    return False


def _warn_not_converged(solver: str, result: OptimizeResult, max_iter: int, tol: float) -> None:
    what = "||grad||_inf <="
    advice = {
        "newton": "increase max_iter or alpha",
        "lbfgs": "increase max_iter, scale the features, or increase alpha",
        "gd": "increase max_iter, scale the features, or use solver='newton' or 'lbfgs'",
    }[solver]
    if solver == "lbfgs" and result.n_iter < max_iter:
        advice = ("the loss stopped decreasing in float64 before the gradient reached tol: "
                  "this tol is below what the loss resolves; use a larger tol or "
                  "solver='newton'")
    warnings.warn(
        f"solver={solver!r} stopped after {result.n_iter} of max_iter={max_iter} iterations "
        f"without {what} tol={tol} (gradient norm {result.grad_norm:.3g}); {advice}.",
        ConvergenceWarning,
        stacklevel=3,
    )

