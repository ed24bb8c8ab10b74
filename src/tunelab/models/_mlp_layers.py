"""Forward and backward passes of a fully connected network, side by side.

Notation (one minibatch of :math:`b` rows):

- :math:`n_0, n_1, \\dots, n_L`: the layer widths; :math:`n_0` features, :math:`n_L` outputs.
- :math:`W_l \\in \\mathbb{R}^{n_{l-1} \\times n_l}`, :math:`c_l \\in \\mathbb{R}^{n_l}`: the
  weights and biases of layer :math:`l = 1, \\dots, L` (``Ws[l-1]``, ``bs[l-1]``).
- :math:`A_0 = X`, :math:`Z_l = A_{l-1} W_l + \\mathbf{1} c_l^\\top`,
  :math:`A_l = \\phi(Z_l)` for hidden layers; :math:`Z_L` are the output scores.
- :math:`\\Delta_l = \\partial J / \\partial Z_l`, the backpropagated errors.

The objective is the mean loss plus an L2 penalty on the weights (biases unpenalized):

.. math::

    J(\\theta) = \\frac{1}{b} \\sum_{i=1}^{b} \\ell(z_{L,i}, y_i)
        + \\frac{\\alpha}{2} \\sum_{l=1}^{L} \\|W_l\\|_F^2,

with :math:`\\ell` the softmax cross-entropy (``head="softmax"``, ``y`` integer class indices)
or half the squared error averaged over the :math:`k` outputs (``head="squared"``,
:math:`\\ell = \\frac{1}{2k}\\|z - y\\|^2`). Backpropagation (Rumelhart et al., 1986;
Goodfellow et al., 2016, Algorithm 6.4):

.. math::

    \\Delta_L = \\frac{1}{b}(P - Y) \\text{ (softmax) or } \\frac{1}{bk}(Z_L - Y)
    \\text{ (squared)}, \\quad
    \\nabla_{W_l} J = A_{l-1}^\\top \\Delta_l + \\alpha W_l, \\quad
    \\nabla_{c_l} J = \\Delta_l^\\top \\mathbf{1}, \\quad
    \\Delta_{l-1} = (\\Delta_l W_l^\\top) \\odot \\phi'(Z_{l-1}).

All parameters live in one flat vector ``theta``: every weight matrix (row-major) first, then
every bias, so that the penalty and the update rules act on one contiguous array. ``Ws``,
``bs`` are views into it. Every pass is a matrix product over the whole minibatch, written into
preallocated buffers; activations are applied in place.

References
----------
Rumelhart, D. E., Hinton, G. E. and Williams, R. J. (1986). Learning representations by
back-propagating errors. *Nature* 323, 533-536.
Goodfellow, I., Bengio, Y. and Courville, A. (2016). *Deep Learning*, MIT Press,
Algorithms 6.3-6.4, Sec. 6.2.2.3 (softmax), Sec. 7.1.1 (L2 penalty).
Glorot, X. and Bengio, Y. (2010). Understanding the difficulty of training deep feedforward
neural networks. *AISTATS*, Eq. (16).
He, K., Zhang, X., Ren, S. and Sun, J. (2015). Delving deep into rectifiers. *ICCV*, Eq. (10).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.special import expit

ACTIVATIONS = ("relu", "tanh", "sigmoid")
HEADS = ("softmax", "squared")


# ----------------------------------------------------------------------------- parameters
def n_weights(sizes: tuple[int, ...]) -> int:
    """The number of weights (not biases) of a network with layer widths ``sizes``."""
    return sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=False))


def n_params(sizes: tuple[int, ...]) -> int:
    """The number of weights and biases of a network with layer widths ``sizes``."""
    return n_weights(sizes) + sum(sizes[1:])


def unpack(theta: np.ndarray, sizes: tuple[int, ...]) -> tuple[list, list]:
    """Views ``(Ws, bs)`` into the flat vector ``theta`` (weights first, then biases)."""
    Ws, bs = [], []
    start = 0
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=False):
        Ws.append(theta[start:start + fan_in * fan_out].reshape(fan_in, fan_out))
        start += fan_in * fan_out
    for fan_out in sizes[1:]:
        bs.append(theta[start:start + fan_out])
        start += fan_out
    return Ws, bs


def pack(Ws: list[np.ndarray], bs: list[np.ndarray]) -> np.ndarray:
    """The flat vector of ``unpack``'s layout, a new array."""
    return np.concatenate([W.ravel() for W in Ws] + [b.ravel() for b in bs]).astype(np.float64)


def init_params(sizes: tuple[int, ...], activation: str, rng: np.random.Generator) -> np.ndarray:
    """Draw initial parameters: zero biases; He normal weights into ReLU layers, Glorot uniform
    weights into tanh and sigmoid layers and into the output layer.

    .. math::

        W \\sim \\mathcal{N}(0, 2 / n_{in}) \\text{ (He, Eq. 10)}, \\qquad
        W \\sim \\mathcal{U}(-r, r),\\ r = \\sqrt{6 / (n_{in} + n_{out})} \\text{ (Glorot, Eq. 16)}.
    """
    theta = np.zeros(n_params(sizes))
    Ws, _ = unpack(theta, sizes)
    for l, W in enumerate(Ws):
        fan_in, fan_out = W.shape
        if activation == "relu" and l < len(Ws) - 1:
            W[...] = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=W.shape)
        else:
            bound = np.sqrt(6.0 / (fan_in + fan_out))
            W[...] = rng.uniform(-bound, bound, size=W.shape)
    return theta


# ----------------------------------------------------------------------------- activations
def activate(activation: str, Z: np.ndarray) -> None:
    """Apply :math:`\\phi` to ``Z`` in place."""
    if activation == "relu":
        np.maximum(Z, 0.0, out=Z)
    elif activation == "tanh":
        np.tanh(Z, out=Z)
    else:
        expit(Z, out=Z)


def activation_backward(activation: str, A: np.ndarray, delta: np.ndarray,
                        tmp: np.ndarray) -> None:
    """Multiply ``delta`` in place by :math:`\\phi'(Z)`, written through :math:`A = \\phi(Z)`.

    :math:`\\mathrm{relu}' = [A > 0]`, :math:`\\tanh' = 1 - A^2`,
    :math:`\\sigma' = A (1 - A)`; ``tmp`` is a scratch buffer shaped like ``A``.
    """
    if activation == "relu":
        np.greater(A, 0.0, out=tmp)
    elif activation == "tanh":
        np.multiply(A, A, out=tmp)
        np.subtract(1.0, tmp, out=tmp)
    else:
        np.subtract(1.0, A, out=tmp)
        tmp *= A
    delta *= tmp


# ----------------------------------------------------------------------------- output heads
def softmax(Z: np.ndarray) -> None:
    """Turn scores into probabilities in place, row by row (max-shifted for stability)."""
    Z -= Z.max(axis=1, keepdims=True)
    np.exp(Z, out=Z)
    Z /= Z.sum(axis=1, keepdims=True)


def softmax_head(Z: np.ndarray, y: np.ndarray, rows: np.ndarray) -> float:
    """Mean cross-entropy of scores ``Z`` for class indices ``y``; ``Z`` becomes :math:`\\Delta_L`.

    .. math:: \\ell_i = \\log \\sum_k e^{z_{ik}} - z_{i y_i}, \\qquad
              \\Delta_L = (\\mathrm{softmax}(Z) - Y) / b.

    ``rows`` is ``arange(b)``.
    """
    b = Z.shape[0]
    Z -= np.maximum.reduce(Z, axis=1, keepdims=True)  # shift: exp never overflows
    true_scores = Z[rows, y]
    np.exp(Z, out=Z)
    totals = np.add.reduce(Z, axis=1, keepdims=True)
    Z /= totals * b
    Z[rows, y] -= 1.0 / b
    return float(np.add.reduce(np.log(totals[:, 0]) - true_scores)) / b


def squared_head(Z: np.ndarray, Y: np.ndarray) -> float:
    """Half the mean squared error of ``Z`` against ``Y`` (both (b, k)); ``Z`` becomes
    :math:`\\Delta_L = (Z - Y) / (bk)`."""
    Z -= Y
    loss = 0.5 * np.vdot(Z, Z) / Z.size
    Z /= Z.size
    return float(loss)


# ----------------------------------------------------------------------------- passes
class Workspace(NamedTuple):
    """The flat parameters and gradient, their per-layer views, and the pass buffers.

    ``acts[l]`` holds :math:`A_l` (``acts[0]`` is unused: the input is passed in),
    ``deltas[l]`` holds :math:`\\Delta_l` of hidden layers, ``tmps[l]`` is scratch space
    shaped like them, all for up to ``len(rows)`` rows; ``scratch`` is shaped like the weights.
    """

    theta: np.ndarray
    grad: np.ndarray
    Ws: list
    bs: list
    gWs: list
    gbs: list
    acts: list
    deltas: list
    tmps: list
    scratch: np.ndarray
    rows: np.ndarray
    ones: np.ndarray


def workspace(theta: np.ndarray, sizes: tuple[int, ...], batch_size: int) -> Workspace:
    """A :class:`Workspace` over ``theta`` (not copied) for batches of up to ``batch_size``."""
    grad = np.zeros_like(theta)
    Ws, bs = unpack(theta, sizes)
    gWs, gbs = unpack(grad, sizes)
    acts = [np.empty((batch_size, n)) for n in sizes]
    deltas = [np.empty((batch_size, n)) for n in sizes]
    tmps = [np.empty((batch_size, n)) for n in sizes]
    return Workspace(theta, grad, Ws, bs, gWs, gbs, acts, deltas, tmps,
                     np.empty(n_weights(sizes)), np.arange(batch_size), np.ones(batch_size))


def forward(Ws: list, bs: list, X: np.ndarray, activation: str, acts: list) -> np.ndarray:
    """Fill ``acts[1:]`` (first ``len(X)`` rows) and return the output scores :math:`Z_L`."""
    b = X.shape[0]
    A = X
    for l, (W, c) in enumerate(zip(Ws, bs, strict=True)):
        Z = acts[l + 1][:b]
        np.dot(A, W, out=Z)  # Z_l = A_{l-1} W_l + 1 c_l^T
        Z += c
        if l < len(Ws) - 1:
            activate(activation, Z)  # A_l = phi(Z_l)
        A = Z
    return A


def backward(Ws: list, gWs: list, gbs: list, X: np.ndarray, activation: str,
             acts: list, deltas: list, tmps: list, ones: np.ndarray) -> None:
    """Write the unpenalized gradients into ``gWs``, ``gbs`` from :math:`\\Delta_L` in
    ``acts[L]`` (as the head leaves it) and the activations of ``forward``; ``ones`` holds
    at least ``len(X)`` ones."""
    b = X.shape[0]
    L = len(Ws)
    delta = acts[L][:b]
    for l in range(L - 1, -1, -1):
        A_prev = X if l == 0 else acts[l][:b]
        np.dot(A_prev.T, delta, out=gWs[l])  # A_{l-1}^T Delta_l
        np.dot(ones[:b], delta, out=gbs[l])  # Delta_l^T 1
        if l > 0:
            new = deltas[l][:b]
            np.dot(delta, Ws[l].T, out=new)  # Delta_l W_l^T
            activation_backward(activation, A_prev, new, tmps[l][:b])
            delta = new


def loss_grad_into(work: Workspace, X: np.ndarray, y: np.ndarray, activation: str,
                   head: str, alpha: float) -> float:
    """The objective :math:`J` at ``work.theta`` on the batch ``(X, y)``; its gradient goes
    into ``work.grad``. ``y`` holds class indices (softmax) or targets of shape (b, k)."""
    b = X.shape[0]
    Z = forward(work.Ws, work.bs, X, activation, work.acts)
    if head == "softmax":
        loss = softmax_head(Z, y, work.rows[:b])
    else:
        loss = squared_head(Z, y)
    backward(work.Ws, work.gWs, work.gbs, X, activation, work.acts, work.deltas, work.tmps,
             work.ones)
    if alpha > 0.0:
        nw = len(work.scratch)
        w = work.theta[:nw]
        np.multiply(w, alpha, out=work.scratch)
        work.grad[:nw] += work.scratch  # + alpha W_l, every layer at once
        loss += 0.5 * alpha * float(np.dot(w, w))
    return loss


def objective(theta: np.ndarray, X: np.ndarray, y: np.ndarray, sizes: tuple[int, ...],
              activation: str, head: str, alpha: float) -> tuple[float, np.ndarray]:
    """``(J, grad J)`` at ``theta`` over all of ``(X, y)``, in a workspace of its own."""
    work = workspace(theta, sizes, len(X))
    value = loss_grad_into(work, X, y, activation, head, alpha)
    return value, work.grad


def predict_scores(Ws: list, bs: list, X: np.ndarray, activation: str) -> np.ndarray:
    """The output scores :math:`Z_L` for every row of ``X`` (a new array)."""
    sizes = (X.shape[1],) + tuple(W.shape[1] for W in Ws)
    acts = [np.empty((len(X), n)) for n in sizes]
    return forward(Ws, bs, X, activation, acts)
