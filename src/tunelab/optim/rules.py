"""First-order update rules: plain, heavy-ball and Nesterov momentum SGD, and Adam.

Notation: :math:`\\theta` the parameters, :math:`g_t` the (stochastic) gradient at step
:math:`t`, :math:`\\eta` the learning rate, :math:`\\mu` the momentum, :math:`v` the velocity,
:math:`m, s` Adam's first and second moment estimates.

A rule updates a list of arrays in place, ``rule.step(params, grads)``, so that a network can
hand it the views of one flat parameter vector without copying. Its state (velocities, moments)
is allocated on the first step, shaped like the parameters, and kept between calls: training
resumed with the same rule continues the same trajectory. ``learning_rate`` is a plain attribute
that a schedule may change between steps.

``minimize(fun, x0, rule)`` drives any rule on a differentiable function ``fun(x) -> (f, g)``.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import Any

import numpy as np

from tunelab._validation import check_array, check_choice, check_scalar
from tunelab.optim.result import OptimizeResult

__all__ = ["SGD", "Adam", "Momentum", "Nesterov", "UpdateRule", "make_rule", "minimize"]


class UpdateRule(abc.ABC):
    """Base class: ``step(params, grads)`` updates ``params`` in place.

    Subclasses implement ``_update(params, grads)``, which applies one step, and may override
    ``_init_state(params)``, which returns the per-array state (by default one scratch buffer
    per array); ``step`` allocates the state lazily and counts the steps in ``t``.

    Attributes
    ----------
    t : int
        The number of steps taken so far.
    """

    def __init__(self, learning_rate: float) -> None:
        self.learning_rate = check_scalar(learning_rate, "learning_rate", low=0.0,
                                          low_inclusive=False)
        self.t = 0
        self._state: list[Any] | None = None

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        """Apply one update to each array of ``params`` in place, given its gradient."""
        if len(params) != len(grads):
            raise ValueError(
                f"params and grads must have the same length; got {len(params)} and {len(grads)}"
            )
        if self._state is None:
            self._state = self._init_state(params)
        self.t += 1
        self._update(params, grads)

    def reset(self) -> None:
        """Forget the state: the next step starts afresh, as a new rule would."""
        self.t = 0
        self._state = None

    def _init_state(self, params: list[np.ndarray]) -> list[Any]:
        return [np.empty_like(p) for p in params]

    @abc.abstractmethod
    def _update(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        """Apply step number ``self.t`` (counted from 1) to ``params`` in place."""

    def _hyperparameters(self) -> dict[str, float]:
        return {"learning_rate": self.learning_rate}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._hyperparameters().items())
        return f"{type(self).__name__}({args})"


class SGD(UpdateRule):
    """Plain (stochastic) gradient descent.

    .. math:: \\theta_{t+1} = \\theta_t - \\eta\\, g_t

    Parameters
    ----------
    learning_rate : float
        The step size :math:`\\eta > 0`.

    References
    ----------
    Robbins, H. and Monro, S. (1951). A stochastic approximation method. *Ann. Math.
    Statist.* 22(3), 400-407.
    """

    def _update(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        for p, g, tmp in zip(params, grads, self._state, strict=True):
            np.multiply(g, self.learning_rate, out=tmp)
            p -= tmp


class Momentum(UpdateRule):
    """Gradient descent with heavy-ball (Polyak) momentum.

    .. math::

        v_{t+1} = \\mu v_t - \\eta\\, g_t, \\qquad \\theta_{t+1} = \\theta_t + v_{t+1},
        \\qquad v_0 = 0.

    Parameters
    ----------
    learning_rate : float
        The step size :math:`\\eta > 0`.
    momentum : float, default=0.9
        The momentum :math:`\\mu \\in [0, 1)`.

    References
    ----------
    Polyak, B. T. (1964). Some methods of speeding up the convergence of iteration methods.
    *USSR Comput. Math. Math. Phys.* 4(5), 1-17.
    Sutskever, I., Martens, J., Dahl, G. and Hinton, G. (2013). On the importance of
    initialization and momentum in deep learning. *ICML*, Eqs. (1)-(2).
    """

    def __init__(self, learning_rate: float, momentum: float = 0.9) -> None:
        super().__init__(learning_rate)
        self.momentum = check_scalar(momentum, "momentum", low=0.0, high=1.0,
                                     high_inclusive=False)

    def _init_state(self, params: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
        # per array: the velocity v and a scratch buffer
        return [(np.zeros_like(p), np.empty_like(p)) for p in params]

    def _hyperparameters(self) -> dict[str, float]:
        return {"learning_rate": self.learning_rate, "momentum": self.momentum}

    def _update(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        for p, g, (v, tmp) in zip(params, grads, self._state, strict=True):
            np.multiply(g, self.learning_rate, out=tmp)
            v *= self.momentum
            v -= tmp  # Sutskever et al. (2013) Eq. (1)
            p += v  # Eq. (2)


class Nesterov(Momentum):
    """Nesterov's accelerated gradient, in the look-ahead form used for networks.

    Sutskever et al. (2013, Eqs. 3-4) evaluate the gradient at the look-ahead point
    :math:`\\theta_t + \\mu v_t`. Storing that point, :math:`\\Theta_t = \\theta_t + \\mu v_t`,
    instead of :math:`\\theta_t` gives an update that needs the gradient at the stored
    parameters only (Bengio et al., 2013, Eq. 7):

    .. math::

        v_{t+1} = \\mu v_t - \\eta\\, g_t, \\qquad
        \\Theta_{t+1} = \\Theta_t + \\mu v_{t+1} - \\eta\\, g_t,
        \\qquad g_t = \\nabla f(\\Theta_t),\\ v_0 = 0.

    The parameters held are therefore the look-ahead points :math:`\\Theta_t`; the iterates
    :math:`\\theta_t` of Sutskever's form are :math:`\\Theta_t - \\mu v_t`.

    Parameters
    ----------
    learning_rate : float
        The step size :math:`\\eta > 0`.
    momentum : float, default=0.9
        The momentum :math:`\\mu \\in [0, 1)`.

    References
    ----------
    Nesterov, Y. (1983). A method for solving the convex programming problem with convergence
    rate O(1/k^2). *Soviet Math. Dokl.* 27, 372-376.
    Sutskever, I., Martens, J., Dahl, G. and Hinton, G. (2013). On the importance of
    initialization and momentum in deep learning. *ICML*, Eqs. (3)-(4).
    Bengio, Y., Boulanger-Lewandowski, N. and Pascanu, R. (2013). Advances in optimizing
    recurrent networks. *ICASSP*, Eqs. (6)-(7).
    """

    def _update(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        mu, eta = self.momentum, self.learning_rate
        for p, g, (v, tmp) in zip(params, grads, self._state, strict=True):
            np.multiply(g, eta, out=tmp)
            v *= mu
            v -= tmp  # v_{t+1} = mu v_t - eta g_t
            p -= tmp
            np.multiply(v, mu, out=tmp)
            p += tmp  # Bengio et al. (2013) Eq. (7)


class Adam(UpdateRule):
    """Adam: steps scaled by bias-corrected moment estimates of the gradient.

    .. math::

        m_t = \\beta_1 m_{t-1} + (1 - \\beta_1) g_t, \\qquad
        s_t = \\beta_2 s_{t-1} + (1 - \\beta_2) g_t^2,

        \\hat m_t = \\frac{m_t}{1 - \\beta_1^t}, \\qquad
        \\hat s_t = \\frac{s_t}{1 - \\beta_2^t}, \\qquad
        \\theta_t = \\theta_{t-1} - \\eta \\frac{\\hat m_t}{\\sqrt{\\hat s_t} + \\epsilon},

    with :math:`m_0 = s_0 = 0` and :math:`t` counted from 1.

    Parameters
    ----------
    learning_rate : float, default=1e-3
        The step size :math:`\\eta > 0`.
    beta1, beta2 : float, default=0.9, 0.999
        Decay rates of the moment estimates, in :math:`[0, 1)`.
    eps : float, default=1e-8
        Added to :math:`\\sqrt{\\hat s_t}`, :math:`\\epsilon > 0`.

    References
    ----------
    Kingma, D. P. and Ba, J. (2015). Adam: a method for stochastic optimization. *ICLR*,
    Algorithm 1.
    """

    def __init__(
        self,
        learning_rate: float = 1e-3,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
    ) -> None:
        super().__init__(learning_rate)
        self.beta1 = check_scalar(beta1, "beta1", low=0.0, high=1.0, high_inclusive=False)
        self.beta2 = check_scalar(beta2, "beta2", low=0.0, high=1.0, high_inclusive=False)
        self.eps = check_scalar(eps, "eps", low=0.0, low_inclusive=False)

    def _init_state(self, params: list[np.ndarray]) -> list[tuple[np.ndarray, ...]]:
        # per array: first moment m, second moment s, and a scratch buffer
        return [(np.zeros_like(p), np.zeros_like(p), np.empty_like(p)) for p in params]

    def _hyperparameters(self) -> dict[str, float]:
        return {"learning_rate": self.learning_rate, "beta1": self.beta1,
                "beta2": self.beta2, "eps": self.eps}

    def _update(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        b1, b2, t = self.beta1, self.beta2, self.t
        # Alg. 1's last line, rewritten exactly with c2 = sqrt(1 - b2^t) to spare a pass:
        #   eta m_hat / (sqrt(s_hat) + eps) = eta c2 / (1 - b1^t) * m / (sqrt(s) + eps c2)
        # (the reordering of Kingma & Ba's Sec. 2, keeping Alg. 1's eps rather than an eps-hat)
        c2 = np.sqrt(1.0 - b2**t)
        step = self.learning_rate * c2 / (1.0 - b1**t)
        eps = self.eps * c2
        for p, g, (m, s, tmp) in zip(params, grads, self._state, strict=True):
            # Alg. 1's products as written: m + (1 - b1)(g - m) would lose a small g after a
            # large m (with b1 = 0, m_t would not be g_t exactly), and so for s
            np.multiply(g, 1.0 - b1, out=tmp)
            m *= b1
            m += tmp  # m_t = b1 m + (1 - b1) g
            np.multiply(g, g, out=tmp)
            tmp *= 1.0 - b2
            s *= b2
            s += tmp  # s_t = b2 s + (1 - b2) g^2
            np.sqrt(s, out=tmp)
            tmp += eps
            np.divide(m, tmp, out=tmp)
            tmp *= step
            p -= tmp  # theta_t = theta_{t-1} - eta m_hat / (sqrt(s_hat) + eps)


_RULES: dict[str, type[UpdateRule]] = {
    "sgd": SGD,
    "momentum": Momentum,
    "nesterov": Nesterov,
    "adam": Adam,
}


def make_rule(name: str, **kwargs: Any) -> UpdateRule:
    """Build an update rule by name: ``"sgd"``, ``"momentum"``, ``"nesterov"`` or ``"adam"``.

    Keyword arguments go to the rule's constructor (``learning_rate``, ``momentum``, ...).
    """
    check_choice(name, "name", _RULES)
    return _RULES[name](**kwargs)


def minimize(
    fun: Callable[[np.ndarray], tuple[float, np.ndarray]],
    x0: Any,
    rule: UpdateRule,
    *,
    max_iter: int = 1000,
    tol: float = 1e-6,
    record_path: bool = False,
) -> OptimizeResult:
    """Minimize a differentiable function with a first-order update rule.

    Iterates :math:`x \\leftarrow \\mathrm{rule}(x, \\nabla f(x))` until
    :math:`\\|\\nabla f(x)\\|_\\infty \\le` ``tol`` or ``max_iter`` steps. The rule keeps its
    state, so a second call with the same rule continues where the first stopped.

    Parameters
    ----------
    fun : callable
        ``fun(x) -> (f, g)``: the value and gradient at a 1-D float array ``x``.
    x0 : array-like of shape (n_params,)
        The starting point; it is copied, never modified.
    rule : UpdateRule
        The update rule, e.g. ``Adam(learning_rate=0.1)``.
    max_iter : int, default=1000
        The most steps taken.
    tol : float, default=1e-6
        Stop once the largest absolute gradient entry is at most ``tol``.
    record_path : bool, default=False
        Keep every iterate and its objective in ``OptimizeResult.path``; its ``"step"`` is
        the Euclidean length of each move, :math:`\\|x_{k+1} - x_k\\|_2` (a rule such as Adam
        scales each coordinate by itself, so no single step size describes the move).

    Returns
    -------
    OptimizeResult
        ``x``, ``fun`` (its value), ``grad_norm`` (the infinity norm of the gradient at ``x``),
        ``n_iter`` (steps taken), ``converged``, ``loss_curve`` (the value before each step
        and at the end), and ``path`` with ``record_path``.
    """
    if not isinstance(rule, UpdateRule):
        raise TypeError(f"rule must be an UpdateRule; got {rule!r}")
    check_scalar(max_iter, "max_iter", kind=int, low=0)
    check_scalar(tol, "tol", low=0.0)
    x = check_array(x0, "x0", ndim=1).copy()
    f, g = fun(x)
    curve, xs = [float(f)], [x.copy()]
    n_iter = 0
    while np.max(np.abs(g)) > tol and n_iter < max_iter:
        rule.step([x], [np.asarray(g, dtype=np.float64)])
        n_iter += 1
        f, g = fun(x)
        curve.append(float(f))
        if record_path:
            xs.append(x.copy())
    grad_norm = float(np.max(np.abs(g)))
    path = None
    if record_path:
        X = np.array(xs)
        path = {"x": X, "loss": np.array(curve),
                "step": np.concatenate([[np.nan], np.linalg.norm(np.diff(X, axis=0), axis=1)])}
    return OptimizeResult(x=x, fun=float(f), grad_norm=grad_norm, n_iter=n_iter,
                          converged=grad_norm <= tol, loss_curve=np.array(curve), path=path)
