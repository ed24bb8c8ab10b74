"""Stationary covariance functions: squared exponential (RBF) and Matern 1/2, 3/2, 5/2.

Every kernel is a profile of the squared scaled distance between two points,

.. math::

    r^2(x, y) = \\sum_{k=1}^{d} \\frac{(x_k - y_k)^2}{\\ell_k^2}, \\qquad
    k(x, y) = s\\,\\kappa(r^2),

with one lengthscale :math:`\\ell` shared by all inputs (a scalar ``lengthscale``) or one per
input (automatic relevance determination, ARD: a ``(d,)`` array), and a variance :math:`s`.
Hyperparameters are handled in log space: ``theta = [log l_1, ..., log l_d, log s]``, and
``bounds`` are the log bounds used by maximum likelihood. With
:math:`\\gamma = -2\\,d\\kappa/d(r^2)`,

.. math::

    \\frac{\\partial k}{\\partial \\log \\ell_k} = s\\,\\gamma\\,\\frac{(x_k - y_k)^2}{\\ell_k^2},
    \\qquad \\frac{\\partial k}{\\partial \\log s} = k, \\qquad
    \\frac{\\partial k}{\\partial x_k} = -s\\,\\gamma\\,\\frac{x_k - y_k}{\\ell_k^2}.

The default bounds suit inputs scaled to the unit cube (lengthscales in ``[1e-3, 1e2]``) and
targets of unit variance (variance in ``[1e-4, 1e4]``).

References
----------
.. [1] C. E. Rasmussen and C. K. I. Williams, "Gaussian Processes for Machine Learning", MIT
   Press, 2006, Sec. 4.2: Eq. (4.9) squared exponential, Eqs. (4.16)-(4.17) Matern with
   nu = 1/2, 3/2, 5/2; Sec. 5.1 ARD.
"""

from __future__ import annotations

import abc
import copy
from typing import Any

import numpy as np

from tunelab._validation import check_array, check_choice, check_scalar
from tunelab.gp import _jit
from tunelab.models.base import BaseEstimator

__all__ = ["RBF", "Kernel", "Matern", "kernel_matrix_numpy"]

_MATERN_KINDS = {0.5: _jit.MATERN12, 1.5: _jit.MATERN32, 2.5: _jit.MATERN52}


def _kappa(r2: np.ndarray, kind: int) -> np.ndarray:
    """NumPy twin of :func:`tunelab.gp._jit._kappa`: the unit-variance profile."""
    if kind == _jit.RBF:
        return np.exp(-0.5 * r2)  # R&W Eq. (4.9)
    r = np.sqrt(r2)
    if kind == _jit.MATERN12:
        return np.exp(-r)  # R&W Eq. (4.14), the exponential kernel
    if kind == _jit.MATERN32:
        a = np.sqrt(3.0) * r
        return (1.0 + a) * np.exp(-a)  # R&W Eq. (4.17), nu = 3/2
    a = np.sqrt(5.0) * r
    return (1.0 + a + a * a / 3.0) * np.exp(-a)  # R&W Eq. (4.17), nu = 5/2


def _gamma(r2: np.ndarray, kind: int) -> np.ndarray:
    """NumPy twin of :func:`tunelab.gp._jit._gamma`: ``-2 d kappa / d(r^2)``."""
    if kind == _jit.RBF:
        return np.exp(-0.5 * r2)
    r = np.sqrt(r2)
    if kind == _jit.MATERN12:
        safe = np.where(r > 0.0, r, 1.0)
        return np.where(r > 0.0, np.exp(-r) / safe, 0.0)
    if kind == _jit.MATERN32:
        return 3.0 * np.exp(-np.sqrt(3.0) * r)
    a = np.sqrt(5.0) * r
    return (5.0 / 3.0) * (1.0 + a) * np.exp(-a)


def kernel_matrix_numpy(
    X: np.ndarray, Y: np.ndarray | None, lengthscale: np.ndarray, variance: float, kind: int
) -> np.ndarray:
    """Vectorized kernel matrix, twin of :func:`tunelab.gp._jit.kernel_matrix`.

    Squared distances by :math:`\\|a\\|^2 + \\|b\\|^2 - 2 a^T b` on the scaled inputs, clipped
    at zero; with ``Y=None`` the diagonal distance is set to exactly zero.
    """
    A = X / lengthscale
    B = A if Y is None else Y / lengthscale
    a2 = np.einsum("ij,ij->i", A, A)
    b2 = a2 if Y is None else np.einsum("ij,ij->i", B, B)
    r2 = a2[:, None] + b2[None, :] - 2.0 * (A @ B.T)
    np.maximum(r2, 0.0, out=r2)
    if Y is None:
        np.fill_diagonal(r2, 0.0)
    return variance * _kappa(r2, kind)


def _check_positive(value: Any, name: str) -> None:
    check_scalar(value, name, kind=float, low=0.0, low_inclusive=False)


def _check_bounds(bounds: Any, name: str) -> None:
    ok = isinstance(bounds, tuple | list) and len(bounds) == 2
    if ok:
        for end in bounds:
            _check_positive(end, name)
        ok = bounds[0] < bounds[1]
    if not ok:
        raise ValueError(f"{name} must be a pair (low, high) with 0 < low < high; got {bounds!r}")


def _check_lengthscale(lengthscale: Any) -> None:
    if np.ndim(lengthscale) == 0:
        _check_positive(lengthscale, "lengthscale")
        return
    arr = check_array(lengthscale, "lengthscale", ndim=1)
    if not np.all(arr > 0):
        raise ValueError(f"lengthscale must be positive (all entries > 0); got {arr!r}")


class Kernel(BaseEstimator, abc.ABC):
    """A stationary kernel :math:`k(x, y) = s\\,\\kappa(r^2)` with log hyperparameters.

    Subclasses name their profile through :attr:`kind`. Calling the kernel, ``k(X, Y=None)``,
    returns the ``(n, m)`` covariance matrix between the rows of ``X`` and ``Y`` (``Y=X`` by
    default).
    """

    def __init__(
        self,
        lengthscale: float | np.ndarray = 1.0,
        variance: float = 1.0,
        *,
        lengthscale_bounds: tuple[float, float] = (1e-3, 1e2),
        variance_bounds: tuple[float, float] = (1e-4, 1e4),
    ) -> None:
        _check_lengthscale(lengthscale)
        _check_positive(variance, "variance")
        _check_bounds(lengthscale_bounds, "lengthscale_bounds")
        _check_bounds(variance_bounds, "variance_bounds")
        self.lengthscale = lengthscale
        self.variance = variance
        self.lengthscale_bounds = lengthscale_bounds
        self.variance_bounds = variance_bounds

    @property
    @abc.abstractmethod
    def kind(self) -> int:
        """The profile's code in :mod:`tunelab.gp._jit`."""

    @property
    def ard(self) -> bool:
        """Whether each input has its own lengthscale."""
        return np.ndim(self.lengthscale) == 1

    @property
    def n_dims(self) -> int:
        """The number of hyperparameters, ``len(theta)``."""
        return int(np.size(self.lengthscale)) + 1

    @property
    def theta(self) -> np.ndarray:
        """Log hyperparameters: log lengthscale(s), then log variance."""
        return np.log(np.append(np.asarray(self.lengthscale, dtype=float), self.variance))

    @theta.setter
    def theta(self, theta: Any) -> None:
        theta = check_array(theta, "theta", ndim=1)
        if theta.shape != (self.n_dims,):
            raise ValueError(f"theta must have shape ({self.n_dims},); got {theta.shape}")
        values = np.exp(theta)
        self.lengthscale = values[:-1].copy() if self.ard else float(values[0])
        self.variance = float(values[-1])

    @property
    def bounds(self) -> np.ndarray:
        """Log bounds of ``theta``, shape ``(n_dims, 2)``."""
        rows = [self.lengthscale_bounds] * (self.n_dims - 1) + [self.variance_bounds]
        return np.log(np.asarray(rows, dtype=float))

    def clone_with_theta(self, theta: Any) -> Kernel:
        """A copy of the kernel with log hyperparameters ``theta``."""
        clone = copy.deepcopy(self)
        clone.theta = theta
        return clone

    def __call__(self, X: Any, Y: Any = None) -> np.ndarray:
        """The covariance matrix ``(n, m)`` between the rows of ``X`` and of ``Y`` (or ``X``)."""
        X = self._check_X(X, "X")
        return self._matrix(X, None if Y is None else self._check_X(Y, "Y"))

    def diag(self, X: Any) -> np.ndarray:
        """The diagonal of ``k(X)``, shape ``(n,)``: the variance at every point."""
        X = self._check_X(X, "X")
        return np.full(len(X), float(self.variance))

    def gradient(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """``(K, dK)``: the matrix ``k(X)`` and its derivatives ``(n, n, n_dims)`` wrt ``theta``."""
        X = self._check_X(X, "X")
        Z = X / self._lengthscale_array(X.shape[1])
        D = (Z[:, None, :] - Z[None, :, :]) ** 2  # (x_k - y_k)^2 / l_k^2
        r2 = D.sum(axis=2)
        K = self.variance * _kappa(r2, self.kind)
        sg = self.variance * _gamma(r2, self.kind)
        dls = sg[:, :, None] * D if self.ard else (sg * r2)[:, :, None]
        return K, np.concatenate([dls, K[:, :, None]], axis=2)

    def gradient_x(self, x: Any, X: Any) -> np.ndarray:
        """Derivatives :math:`\\partial k(x, X_j)/\\partial x`, shape ``(m, d)``, at a point ``x``.

        For Matern 1/2, not differentiable where ``x = X_j``, the derivative there is zero.
        """
        X = self._check_X(X, "X")
        x = check_array(x, "x", ndim=1)
        if x.shape != (X.shape[1],):
            raise ValueError(f"x must have shape ({X.shape[1]},); got {x.shape}")
        return self._gradient_x(x, X)

    def _check_X(self, X: Any, name: str) -> np.ndarray:
        X = check_array(X, name)
        if self.ard and X.shape[1] != np.size(self.lengthscale):
            raise ValueError(
                f"{name} has {X.shape[1]} features, but the kernel has "
                f"{np.size(self.lengthscale)} lengthscales"
            )
        return X

    def _lengthscale_array(self, d: int) -> np.ndarray:
        return np.broadcast_to(np.asarray(self.lengthscale, dtype=float), (d,)).copy()

    def _matrix(self, X: np.ndarray, Y: np.ndarray | None = None) -> np.ndarray:
        """The kernel matrix of checked inputs, by the Numba loop (the faster path)."""
        ls = self._lengthscale_array(X.shape[1])
        symmetric = Y is None
        return _jit.kernel_matrix(X, X if symmetric else Y, ls, float(self.variance),
                                  self.kind, symmetric)

    def _gradient_trace(self, X: np.ndarray, W: np.ndarray) -> np.ndarray:
        """:math:`\\sum_{ij} W_{ij}\\,\\partial K_{ij}/\\partial\\theta`, shape ``(n_dims,)``."""
        ls = self._lengthscale_array(X.shape[1])
        return _jit.gradient_trace(X, ls, float(self.variance), self.kind, self.ard, W)

    def _gradient_x(self, x: np.ndarray, X: np.ndarray) -> np.ndarray:
        inv_l2 = 1.0 / self._lengthscale_array(X.shape[1]) ** 2
        diff = x[None, :] - X
        r2 = (diff * diff) @ inv_l2
        sg = self.variance * _gamma(r2, self.kind)
        return -sg[:, None] * diff * inv_l2

    def _gradient_x_weighted(self, Xq: np.ndarray, X: np.ndarray, W: np.ndarray) -> np.ndarray:
        r""":math:`\sum_j W_{ij}\,\partial k(x_i, X_j)/\partial x_i`, shape ``(r, d)``, for
        the rows :math:`x_i` of ``Xq`` ``(r, d)`` and weights ``W`` ``(r, m)``.

        With :math:`\partial k(x, y)/\partial x = -g(r^2)\,(x - y)/\ell^2`, the sum is
        :math:`-\ell^{-2}\odot(x_i \sum_j S_{ij} - \sum_j S_{ij} X_j)` with
        :math:`S = g \odot W`: two matrix products, no ``(r, m, d)`` array.
        """
        inv_l2 = 1.0 / self._lengthscale_array(X.shape[1]) ** 2
        r2 = ((Xq[:, None, :] - X[None, :, :]) ** 2) @ inv_l2
        S = self.variance * _gamma(r2, self.kind) * W
        return -inv_l2 * (Xq * S.sum(axis=1)[:, None] - S @ X)


class RBF(Kernel):
    """Squared exponential kernel :math:`k(x, y) = s \\exp(-r^2/2)`.

    Parameters
    ----------
    lengthscale : float or array-like of shape (d,), default=1.0
        One lengthscale for all inputs, or one per input (ARD).
    variance : float, default=1.0
        The signal variance :math:`s = k(x, x)`.
    lengthscale_bounds : tuple of float, default=(1e-3, 1e2)
        Bounds on every lengthscale when maximizing the marginal likelihood.
    variance_bounds : tuple of float, default=(1e-4, 1e4)
        Bounds on the variance when maximizing the marginal likelihood.

    Notes
    -----
    :math:`\\kappa(r^2) = e^{-r^2/2}` and :math:`\\gamma = \\kappa`, so
    :math:`\\partial k/\\partial\\log\\ell_k = k\\,(x_k - y_k)^2/\\ell_k^2`.

    References
    ----------
    .. [1] Rasmussen and Williams (2006), Eq. (4.9).

    Examples
    --------
    >>> import numpy as np
    >>> from tunelab.gp import RBF
    >>> k = RBF(lengthscale=[0.5, 2.0])
    >>> k(np.zeros((1, 2)), np.array([[0.5, 0.0]])).round(4)
    array([[0.6065]])
    >>> k.theta.round(4)
    array([-0.6931,  0.6931,  0.    ])
    """

    @property
    def kind(self) -> int:
        return _jit.RBF


class Matern(Kernel):
    """Matern kernel with smoothness ``nu`` in {0.5, 1.5, 2.5}.

    Parameters
    ----------
    nu : {0.5, 1.5, 2.5}, default=2.5
        Smoothness: sample paths are ``ceil(nu) - 1`` times differentiable.
    lengthscale : float or array-like of shape (d,), default=1.0
        One lengthscale for all inputs, or one per input (ARD).
    variance : float, default=1.0
        The signal variance :math:`s = k(x, x)`.
    lengthscale_bounds : tuple of float, default=(1e-3, 1e2)
        Bounds on every lengthscale when maximizing the marginal likelihood.
    variance_bounds : tuple of float, default=(1e-4, 1e4)
        Bounds on the variance when maximizing the marginal likelihood.

    Notes
    -----
    With :math:`r = \\sqrt{r^2}`:

    .. math::

        \\kappa_{1/2} = e^{-r}, \\quad
        \\kappa_{3/2} = (1 + \\sqrt3 r) e^{-\\sqrt3 r}, \\quad
        \\kappa_{5/2} = (1 + \\sqrt5 r + 5r^2/3) e^{-\\sqrt5 r},

    and :math:`\\gamma_{1/2} = e^{-r}/r`, :math:`\\gamma_{3/2} = 3 e^{-\\sqrt3 r}`,
    :math:`\\gamma_{5/2} = \\tfrac53 (1 + \\sqrt5 r) e^{-\\sqrt5 r}`.

    References
    ----------
    .. [1] Rasmussen and Williams (2006), Eqs. (4.14), (4.16) and (4.17).

    Examples
    --------
    >>> import numpy as np
    >>> from tunelab.gp import Matern
    >>> k = Matern(nu=1.5, lengthscale=1.0, variance=2.0)
    >>> float(k(np.zeros((1, 1)), np.ones((1, 1)))[0, 0].round(4))
    0.9667
    """

    def __init__(
        self,
        nu: float = 2.5,
        lengthscale: float | np.ndarray = 1.0,
        variance: float = 1.0,
        *,
        lengthscale_bounds: tuple[float, float] = (1e-3, 1e2),
        variance_bounds: tuple[float, float] = (1e-4, 1e4),
    ) -> None:
        check_choice(nu, "nu", tuple(_MATERN_KINDS))
        super().__init__(
            lengthscale,
            variance,
            lengthscale_bounds=lengthscale_bounds,
            variance_bounds=variance_bounds,
        )
        self.nu = nu

    @property
    def kind(self) -> int:
        return _MATERN_KINDS[self.nu]
