"""Mixed spaces for Bayesian optimization: relaxed points, kernel inputs, initial designs.

Notation. A space of :math:`d` dimensions has unit points :math:`u \\in [0, 1]^d`
(:meth:`Space.to_unit`, log-scaled where the space says so). Bayesian optimization works on
*relaxed* points :math:`z \\in [0, 1]^D` with one column per real or integer dimension and one
column per choice of each categorical dimension, so :math:`D = d_{num} + \\sum_c n_c`. The GP
never sees :math:`z` itself but the kernel input :math:`x = T(z)`:

.. math::

   T(z)_j = \\begin{cases}
       z_j & \\text{real dimension} \\\\
       \\operatorname{centre}(\\operatorname{bin}(z_j)) & \\text{integer dimension} \\\\
       [\\,j = \\arg\\max_{i \\in c} z_i\\,] & \\text{column } j \\text{ of categorical } c
   \\end{cases}

(Garrido-Merchán & Hernández-Lobato 2020, Eq. 6): integers are rounded to the unit code of
the value they decode to, categories become the one-hot vector of the largest relaxed column.
Relaxed points that decode to the same configuration thus share one kernel input, and the
GP's covariance is constant over each such set, as the objective is. A dimension inactive under
the space's conditions gets a constant input (0.5, or an all-zero one-hot block), so that
inactive values never separate two configurations. The acquisition optimizer moves the relaxed
point; gradients pass through the columns of active real dimensions only (:math:`T` is
piecewise constant elsewhere).

References
----------
.. [1] E. C. Garrido-Merchán and D. Hernández-Lobato, "Dealing with categorical and
   integer-valued variables in Bayesian optimization with Gaussian processes",
   Neurocomputing 380, 20-35, 2020, Sec. 3 (the transformation :math:`T`, Eq. 6).
.. [2] I. M. Sobol', "On the distribution of points in a cube and the approximate evaluation
   of integrals", USSR Comput. Math. Math. Phys. 7(4), 1967.
.. [3] M. D. McKay, R. J. Beckman and W. J. Conover, "A comparison of three methods for
   selecting values of input variables in the analysis of output from a computer code",
   Technometrics 21(2), 1979.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.stats import qmc

from tunelab.space import Categorical, Dimension, Integer, Space

DESIGNS = ("sobol", "lhs", "random")
_SOBOL, _LHS, _RANDOM = 11, 12, 13  # spawn-key tags of the design streams
_INACTIVE = 0.5  # kernel input of an inactive numeric dimension


@dataclass(frozen=True)
class Encoding:
    """How a space's dimensions lay out in relaxed points.

    Attributes
    ----------
    dims : tuple of Dimension
        The space's dimensions, in order.
    columns : tuple of ndarray
        The relaxed columns of each dimension (one, or one per choice).
    parents : tuple of (int, ndarray) or None
        For a conditional dimension, its parent's position and the allowed choice indices.
    n_columns : int
        :math:`D`, the number of relaxed columns.
    """

    dims: tuple[Dimension, ...]
    columns: tuple[np.ndarray, ...]
    parents: tuple[tuple[int, np.ndarray] | None, ...]
    n_columns: int

    @property
    def real_columns(self) -> np.ndarray:
        """Boolean mask ``(D,)`` of the columns of real dimensions."""
        mask = np.zeros(self.n_columns, dtype=bool)
        for dim, cols in zip(self.dims, self.columns, strict=True):
            mask[cols] = not isinstance(dim, (Integer, Categorical))
        return mask


def make_encoding(space: Space) -> Encoding:
    """The relaxed layout of ``space``: one column per numeric dimension, one per choice."""
    columns, start = [], 0
    for dim in space.values():
        width = len(dim.choices) if isinstance(dim, Categorical) else 1
        columns.append(np.arange(start, start + width))
        start += width
    names = space.names
    parents = []
    for name in names:
        if name in space.conditions:
            parent, values = space.conditions[name]
            allowed = np.array([space[parent].index(v) for v in values])
            parents.append((names.index(parent), allowed))
        else:
            parents.append(None)
    return Encoding(tuple(space.values()), tuple(columns), tuple(parents), start)


def choice_index(enc: Encoding, Z: np.ndarray, j: int) -> np.ndarray:
    """Index of the chosen category of dimension ``j``: the first largest relaxed column."""
    return np.argmax(Z[:, enc.columns[j]], axis=1)


def active_mask(enc: Encoding, Z: np.ndarray) -> np.ndarray:
    """Boolean ``(n, d)``: whether each dimension is active at each relaxed point."""
    Z = np.atleast_2d(Z)
    active = np.ones((len(Z), len(enc.dims)), dtype=bool)
    for j, rule in enumerate(enc.parents):
        if rule is not None:  # parents come first, so active[:, parent] is final
            parent, allowed = rule
            active[:, j] = active[:, parent] & np.isin(choice_index(enc, Z, parent), allowed)
    return active


def to_relaxed(enc: Encoding, U: np.ndarray) -> np.ndarray:
    """Relaxed points ``(n, D)`` of unit points ``(n, d)``: categories as one-hot blocks."""
    U = np.atleast_2d(U)
    Z = np.zeros((len(U), enc.n_columns))
    for j, (dim, cols) in enumerate(zip(enc.dims, enc.columns, strict=True)):
        if isinstance(dim, Categorical):
            k = np.minimum(np.floor(U[:, j] * len(cols)), len(cols) - 1).astype(np.int64)
            Z[np.arange(len(U)), cols[k]] = 1.0
        else:
            Z[:, cols[0]] = U[:, j]
    return Z


def to_unit(enc: Encoding, Z: np.ndarray) -> np.ndarray:
    """Unit points ``(n, d)`` of relaxed points ``(n, D)``; ``Space.from_unit`` decodes them.

    A category's unit code is its bin centre :math:`(i + 1/2)/n_c`, :math:`i` the argmax.
    """
    Z = np.clip(np.atleast_2d(Z), 0.0, 1.0)
    U = np.empty((len(Z), len(enc.dims)))
    for j, (dim, cols) in enumerate(zip(enc.dims, enc.columns, strict=True)):
        if isinstance(dim, Categorical):
            U[:, j] = (choice_index(enc, Z, j) + 0.5) / len(cols)
        else:
            U[:, j] = Z[:, cols[0]]
    return U


def kernel_input(enc: Encoding, Z: np.ndarray) -> np.ndarray:
    """The transformation :math:`T` (module docstring): ``(n, D)`` relaxed -> kernel inputs.

    Garrido-Merchán & Hernández-Lobato (2020), Eq. 6; inactive dimensions get constants.
    """
    Z = np.clip(np.atleast_2d(Z), 0.0, 1.0)
    X = Z.copy()
    active = active_mask(enc, Z)
    for j, (dim, cols) in enumerate(zip(enc.dims, enc.columns, strict=True)):
        if isinstance(dim, Categorical):
            block = np.zeros((len(Z), len(cols)))
            block[np.arange(len(Z)), choice_index(enc, Z, j)] = 1.0
            X[:, cols] = block * active[:, j : j + 1]
        else:
            if isinstance(dim, Integer):  # the code of the decoded integer: its bin centre
                X[:, cols[0]] = dim.to_unit(dim.from_unit(Z[:, cols[0]]))
            X[:, cols[0]] = np.where(active[:, j], X[:, cols[0]], _INACTIVE)
    return X


def gradient_mask(enc: Encoding, Z: np.ndarray) -> np.ndarray:
    """Boolean ``(n, D)``: :math:`\\partial T_j / \\partial z_j = 1` (active real columns).

    Every other entry of the Jacobian of :math:`T` is zero.
    """
    Z = np.atleast_2d(Z)
    mask = np.zeros(Z.shape, dtype=bool)
    active = active_mask(enc, Z)
    for j, (dim, cols) in enumerate(zip(enc.dims, enc.columns, strict=True)):
        if not isinstance(dim, (Integer, Categorical)):
            mask[:, cols[0]] = active[:, j]
    return mask


def design_point(design: str, d: int, n_initial: int, seed: int, k: int) -> np.ndarray:
    """Point ``k`` of the initial design, a unit point ``(d,)``: a function of ``(seed, k)``.

    ``"sobol"``: point ``k`` of one scrambled Sobol' sequence; ``"lhs"``: point
    ``k mod n_initial`` of Latin hypercube design number ``k // n_initial``; ``"random"``:
    independent uniform draws. Each has its own stream ``SeedSequence(seed, spawn_key=...)``.
    """
    if design == "sobol":
        ss = np.random.SeedSequence(seed, spawn_key=(_SOBOL,))
        engine = qmc.Sobol(d, scramble=True, rng=np.random.default_rng(ss))
        if k:
            engine.fast_forward(k)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "The balance properties", UserWarning)
            return engine.random(1)[0]
    if design == "lhs":
        block, i = divmod(k, n_initial)
        ss = np.random.SeedSequence(seed, spawn_key=(_LHS, block))
        engine = qmc.LatinHypercube(d, scramble=True, rng=np.random.default_rng(ss))
        return engine.random(n_initial)[i]
    ss = np.random.SeedSequence(seed, spawn_key=(_RANDOM, k))
    return np.random.default_rng(ss).random(d)


def sobol_points(n: int, D: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` scrambled Sobol' points of :math:`[0, 1]^D` (the acquisition's candidates)."""
    engine = qmc.Sobol(D, scramble=True, rng=rng)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "The balance properties", UserWarning)
        return engine.random(n)
