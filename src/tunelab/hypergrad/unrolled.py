r"""Hypergradients through training: reverse mode through SGD with momentum, checkpointed.

The model is a one-hidden-layer ``tanh`` network with a softmax output, parameters
:math:`w = (W_1, b_1, W_2, b_2)`, trained by minibatch SGD with heavy-ball momentum in
PyTorch's form (Sutskever et al. 2013; Maclaurin, Duvenaud & Adams 2015, Algorithm 1):

.. math::

    v_{t+1} = \mu v_t + \nabla L_t(w_t), \qquad w_{t+1} = w_t - \eta_t v_{t+1},
    \qquad t = 0, \dots, T - 1,

with :math:`L_t(w) = \frac1{|B_t|}\sum_{i \in B_t} \ell_i(w) + \frac\alpha2(\|W_1\|^2 +
\|W_2\|^2)` on the batch :math:`B_t`, :math:`v_0 = 0`. The validation loss is
:math:`f = g(w_T)`, the mean log loss on the validation set. Reverse mode runs the chain
rule backwards, :math:`\bar w_T = \nabla g(w_T)`, :math:`\bar v_T = 0`, and for
:math:`t = T-1, \dots, 0`:

.. math::

    \bar\eta_t = -\bar w_{t+1}^\top v_{t+1}, \quad
    u = \bar v_{t+1} - \eta_t \bar w_{t+1}, \quad
    \bar\mu \mathrel{+}= u^\top v_t, \quad
    \bar\alpha \mathrel{+}= u^\top W_t, \quad
    \bar w_t = \bar w_{t+1} + \nabla^2 L_t(w_t)\,u, \quad \bar v_t = \mu u,

the Hessian-vector product by Pearlmutter's R-operator (exact, one forward and one
backward pass). The reverse pass needs every :math:`(w_t, v_t)`; they are recomputed from
checkpoints stored every ``checkpoint_every`` steps (Griewank & Walther 2008, Ch. 12), which
needs :math:`(T/C + C)` parameter vectors of memory instead of :math:`T` and one more forward
pass of time. Recomputation repeats the forward pass's operations in the same order, so it
is exact in floating point; Maclaurin et al.'s exact reversal of the momentum update keeps
no states but needs fixed-point arithmetic to undo the rounding, hence the checkpoints here.

Memory: :math:`(\lceil T/C\rceil + C) \times 2d` floats, :math:`d` the number of weights
(:math:`C = \lceil\sqrt T\rceil` by default). Time: about three training runs (the forward
pass, the recomputation, and a reverse pass of one gradient and one Hessian-vector product
per step).

References
----------
.. [1] D. Maclaurin, D. Duvenaud and R. P. Adams, "Gradient-based hyperparameter
   optimization through reversible learning", ICML 2015.
.. [2] B. A. Pearlmutter, "Fast exact multiplication by the Hessian", Neural Computation
   6(1), 1994.
.. [3] A. Griewank and A. Walther, "Evaluating derivatives", 2nd ed., SIAM, 2008.
.. [4] L. Franceschi, M. Donini, P. Frasconi and M. Pontil, "Forward and reverse
   gradient-based hyperparameter optimization", ICML 2017.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.special import log_softmax, softmax

_NAMES = ("learning_rate", "momentum", "alpha")


class _Net:
    """The network's loss, gradient and Hessian-vector product on flat parameter vectors."""

    def __init__(self, p: int, hidden: int, k: int):
        self.shapes = [(p, hidden), (hidden,), (hidden, k), (k,)]
        sizes = [math.prod(s) for s in self.shapes]
        self.splits = np.cumsum(sizes)[:-1]
        self.size = int(sum(sizes))
        self.weights = np.zeros(self.size, dtype=bool)  # the penalized entries
        self.weights[: sizes[0]] = True
        self.weights[sizes[0] + sizes[1] : sizes[0] + sizes[1] + sizes[2]] = True

    def unpack(self, w):
        return [a.reshape(s) for a, s in zip(np.split(w, self.splits), self.shapes, strict=True)]

    def _forward(self, w, X):
        W1, b1, W2, b2 = self.unpack(w)
        a = np.tanh(X @ W1 + b1)
        return W1, W2, a, a @ W2 + b2

    def loss(self, w, X, Y):
        z = self._forward(w, X)[3]
        return float(-np.mean(np.sum(Y * log_softmax(z, axis=1), axis=1)))

    def grad(self, w, X, Y):
        """Gradient of the mean log loss (no penalty)."""
        W1, W2, a, z = self._forward(w, X)
        G2 = (softmax(z, axis=1) - Y) / len(X)
        dZ1 = (G2 @ W2.T) * (1 - a**2)
        return np.concatenate([(X.T @ dZ1).ravel(), dZ1.sum(0), (a.T @ G2).ravel(), G2.sum(0)])

    def hvp(self, w, X, Y, v):
        """Hessian of the mean log loss times ``v`` (Pearlmutter's R-operator)."""
        W1, W2, a, z = self._forward(w, X)
        V1, c1, V2, c2 = self.unpack(v)
        P = softmax(z, axis=1)
        G2 = (P - Y) / len(X)
        s = 1 - a**2
        Ra = s * (X @ V1 + c1)
        Rz = Ra @ W2 + a @ V2 + c2
        RG2 = P * (Rz - np.sum(P * Rz, axis=1, keepdims=True)) / len(X)
        dA = G2 @ W2.T
        RdZ1 = (RG2 @ W2.T + G2 @ V2.T) * s - 2 * dA * a * Ra
        return np.concatenate(
            [(X.T @ RdZ1).ravel(), RdZ1.sum(0), (Ra.T @ G2 + a.T @ RG2).ravel(), RG2.sum(0)]
        )


class UnrolledValidationLoss:
    r"""Validation log loss after SGD with momentum, and its hypergradient by reverse mode.

    Parameters
    ----------
    X_train, y_train, X_val, y_val : array-like
        Classification data (labels of any type; ``y_val`` only classes of ``y_train``).
    hidden : int, default=32
        Units of the ``tanh`` hidden layer.
    epochs : int, default=5
    batch_size : int, default=32
        Batches are consecutive slices of a permutation of the training rows drawn per epoch
        from ``default_rng([seed, epoch])``; the last batch of an epoch may be smaller.
    seed : int, default=0
        Seeds the initial weights, :math:`W \sim N(0, 1/\mathrm{fan\_in})`, biases zero,
        ``default_rng(seed)``, and the batches.
    checkpoint_every : int or None, default=None
        :math:`C`, steps between stored states; ``None`` is :math:`\lceil\sqrt T\rceil`.
    mode : {"reverse", "forward"}, default="reverse"
        ``"forward"`` propagates the tangents :math:`\dot w_t = \partial w_t/\partial h`,
        :math:`\dot v_t` of all :math:`m` = epochs + 2 hyperparameters :math:`h` alongside
        the training run (Franceschi et al. 2017): :math:`\dot v_{t+1} = \mu\dot v_t +
        \nabla^2 L_t\,\dot w_t + v_t e_\mu^\top + W_t e_\alpha^\top`, :math:`\dot w_{t+1} =
        \dot w_t - \eta_t \dot v_{t+1} - v_{t+1} e_{\eta_t}^\top`, then :math:`\nabla f =
        \dot w_T^\top \nabla g(w_T)`: no stored states, :math:`m` Hessian-vector products
        per step, so for a few hyperparameters only.

    Attributes
    ----------
    n_steps : int
        :math:`T`, the SGD steps of one training run.
    n_params : int

    Notes
    -----
    ``__call__({"learning_rate": eta, "momentum": mu, "alpha": a})`` returns ``(value,
    gradient)``. ``learning_rate`` is a scalar or an array with one rate per epoch (a
    schedule); ``momentum`` in ``[0, 1)`` and ``alpha >= 0`` are scalars (``momentum`` and
    ``alpha`` default to 0). Each gradient has its hyperparameter's shape. The value and the
    gradient are those of the floating-point training run itself, not of an idealized one:
    a hypergradient of a diverging run is large, not wrong.

    Examples
    --------
    >>> import numpy as np
    >>> from tunelab.hypergrad import UnrolledValidationLoss
    >>> rng = np.random.default_rng(0); X = rng.normal(size=(80, 4)); y = (X[:, 0] > 0) * 1
    >>> f = UnrolledValidationLoss(X[:60], y[:60], X[60:], y[60:], hidden=8, epochs=3)
    >>> value, grad = f({"learning_rate": np.full(3, 0.1), "momentum": 0.9})
    >>> np.shape(grad["learning_rate"]), bool(grad["momentum"] != 0)
    ((3,), True)
    """

    def __init__(
        self,
        X_train: Any,
        y_train: Any,
        X_val: Any,
        y_val: Any,
        *,
        hidden: int = 32,
        epochs: int = 5,
        batch_size: int = 32,
        seed: int = 0,
        checkpoint_every: int | None = None,
        mode: str = "reverse",
    ):
        X, Xv = np.asarray(X_train, dtype=float), np.asarray(X_val, dtype=float)
        y, yv = np.asarray(y_train), np.asarray(y_val)
        if (
            X.ndim != 2
            or Xv.ndim != 2
            or X.shape[1] != Xv.shape[1]
            or len(X) != len(y)
            or len(Xv) != len(yv)
            or len(X) == 0
            or len(Xv) == 0
        ):
            raise ValueError(
                f"X_train (n, p), y_train (n,), X_val (m, p), y_val (m,) with "
                f"n, m >= 1; got shapes {X.shape}, {y.shape}, {Xv.shape}, "
                f"{yv.shape}"
            )
        if not (np.all(np.isfinite(X)) and np.all(np.isfinite(Xv))):
            raise ValueError("X_train and X_val must be finite")
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2 or not np.all(np.isin(yv, self.classes_)):
            raise ValueError("y_train needs >= 2 classes and y_val only classes of y_train")
        for name, value in (("hidden", hidden), ("epochs", epochs), ("batch_size", batch_size)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1; got {value!r}")
        eye = np.eye(len(self.classes_))
        self._X, self._Y = X, eye[np.searchsorted(self.classes_, y)]
        self._Xv, self._Yv = Xv, eye[np.searchsorted(self.classes_, yv)]
        self.epochs, self.seed = int(epochs), int(seed)
        self.net = _Net(X.shape[1], int(hidden), len(self.classes_))
        rng = np.random.default_rng(self.seed)
        parts = [
            rng.normal(size=s) / math.sqrt(s[0]) if len(s) == 2 else np.zeros(s)
            for s in self.net.shapes
        ]
        self._w0 = np.concatenate([a.ravel() for a in parts])
        self._batches = []  # (epoch, row indices) per step
        for e in range(self.epochs):
            order = np.random.default_rng([self.seed, e]).permutation(len(X))
            self._batches += [
                (e, order[i : i + batch_size]) for i in range(0, len(X), int(batch_size))
            ]
        self.n_steps, self.n_params = len(self._batches), self.net.size
        C = math.ceil(math.sqrt(self.n_steps)) if checkpoint_every is None else checkpoint_every
        if not isinstance(C, (int, np.integer)) or isinstance(C, bool) or C < 1:
            raise ValueError(f"checkpoint_every must be an integer >= 1 or None; got {C!r}")
        self.checkpoint_every = int(C)
        if mode not in ("reverse", "forward"):
            raise ValueError(f"mode must be 'reverse' or 'forward'; got {mode!r}")
        self.mode = mode

    def _params(self, params):
        if not isinstance(params, dict) or "learning_rate" not in params:
            raise TypeError(
                "params must be a dict with 'learning_rate' (and optionally "
                f"'momentum', 'alpha'); got {params!r}"
            )
        unknown = sorted(set(params) - set(_NAMES))
        if unknown:
            raise ValueError(f"can differentiate {list(_NAMES)} only; got {unknown}")
        lr = np.asarray(params["learning_rate"], dtype=float)
        if lr.shape not in ((), (self.epochs,)):
            raise ValueError(
                f"learning_rate must be a scalar or of shape ({self.epochs},) (one "
                f"per epoch); got shape {lr.shape}"
            )
        mu, alpha = (float(params.get(n, 0.0)) for n in ("momentum", "alpha"))
        if not (np.all(np.isfinite(lr)) and np.all(lr > 0)):
            raise ValueError(f"learning_rate must be finite and > 0; got {lr!r}")
        if not 0 <= mu < 1:
            raise ValueError(f"momentum must be in [0, 1); got {mu!r}")
        if not (math.isfinite(alpha) and alpha >= 0):
            raise ValueError(f"alpha must be finite and >= 0; got {alpha!r}")
        return lr, mu, alpha

    def _step(self, t, w, v, eta, mu, alpha):
        """One SGD step from ``(w, v)``: returns ``(w', v')``."""
        rows = self._batches[t][1]
        g = self.net.grad(w, self._X[rows], self._Y[rows]) + alpha * w * self.net.weights
        v = mu * v + g
        return w - eta[self._batches[t][0]] * v, v

    def __call__(self, params: dict) -> tuple[float, dict]:
        """Train, then return ``(validation log loss, {name: gradient})``."""
        lr, mu, alpha = self._params(params)
        eta = np.broadcast_to(lr, (self.epochs,))
        run = self._forward if self.mode == "forward" else self._reverse
        value, d_eta, d_mu, d_alpha = run(eta, mu, alpha)
        grad = {"learning_rate": d_eta if lr.ndim else np.float64(d_eta.sum())}
        if "momentum" in params:
            grad["momentum"] = np.float64(d_mu)
        if "alpha" in params:
            grad["alpha"] = np.float64(d_alpha)
        return value, grad

    def train(self, params: dict) -> np.ndarray:
        """The flat weights after the training run at ``params`` (no hypergradient)."""
        lr, mu, alpha = self._params(params)
        eta = np.broadcast_to(lr, (self.epochs,))
        w, v = self._w0.copy(), np.zeros(self.n_params)
        for t in range(self.n_steps):
            w, v = self._step(t, w, v, eta, mu, alpha)
        return w

    def value(self, params: dict) -> float:
        """The validation log loss alone: one training run, no reverse pass."""
        return self.net.loss(self.train(params), self._Xv, self._Yv)

    def predict(self, weights: np.ndarray, X: Any) -> np.ndarray:
        """Class labels of ``X`` by the network with ``weights`` (from :meth:`train`)."""
        z = self.net._forward(weights, np.asarray(X, dtype=float))[3]
        return self.classes_[np.argmax(z, axis=1)]

    def _forward(self, eta, mu, alpha):
        E, mask = self.epochs, self.net.weights[:, None]
        w, v = self._w0.copy(), np.zeros(self.n_params)
        w_dot, v_dot = np.zeros((self.n_params, E + 2)), np.zeros((self.n_params, E + 2))
        for t, (e, rows) in enumerate(self._batches):
            Xb, Yb = self._X[rows], self._Y[rows]
            hw = np.column_stack([self.net.hvp(w, Xb, Yb, c) for c in w_dot.T])
            v_dot = mu * v_dot + hw + alpha * mask * w_dot
            v_dot[:, E] += v
            v_dot[:, E + 1] += w * self.net.weights
            w, v = self._step(t, w, v, eta, mu, alpha)
            w_dot = w_dot - eta[e] * v_dot
            w_dot[:, e] -= v
        value = self.net.loss(w, self._Xv, self._Yv)
        d = w_dot.T @ self.net.grad(w, self._Xv, self._Yv)
        return value, d[:E], d[E], d[E + 1]

    def _reverse(self, eta, mu, alpha):
        C, T = self.checkpoint_every, self.n_steps
        w, v = self._w0.copy(), np.zeros(self.n_params)
        checkpoints = {}
        for t in range(T):
            if t % C == 0:
                checkpoints[t] = (w, v)
            w, v = self._step(t, w, v, eta, mu, alpha)
        value = self.net.loss(w, self._Xv, self._Yv)
        w_bar, v_bar = self.net.grad(w, self._Xv, self._Yv), np.zeros(self.n_params)
        d_eta, d_mu, d_alpha = np.zeros(self.epochs), 0.0, 0.0
        for start in range((T - 1) // C * C, -1, -C):
            states = [checkpoints[start]]  # recompute the segment's states
            for t in range(start, min(start + C, T) - 1):
                states.append(self._step(t, *states[-1], eta, mu, alpha))
            for t in range(min(start + C, T) - 1, start - 1, -1):
                w_t, v_t = states[t - start]
                rows = self._batches[t][1]
                g = (
                    self.net.grad(w_t, self._X[rows], self._Y[rows])
                    + alpha * w_t * self.net.weights
                )
                v_next = mu * v_t + g
                e = self._batches[t][0]
                d_eta[e] -= w_bar @ v_next
                u = v_bar - eta[e] * w_bar
                d_mu += u @ v_t
                d_alpha += u @ (w_t * self.net.weights)
                w_bar = (
                    w_bar
                    + self.net.hvp(w_t, self._X[rows], self._Y[rows], u)
                    + alpha * u * self.net.weights
                )
                v_bar = mu * u
        return value, d_eta, d_mu, d_alpha
