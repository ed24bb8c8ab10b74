"""Grid search: every point of a Cartesian grid, once, in a fixed order.

References
----------
.. [1] J. Bergstra and Y. Bengio, "Random search for hyper-parameter optimization", JMLR 13,
   2012, Sec. 2 (grid search, and why it spends its budget poorly in high dimension).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from tunelab.exceptions import SearchExhausted
from tunelab.search._base import Strategy
from tunelab.search._explain_samplers import explain_points
from tunelab.space import Space


def _point_key(config: Mapping[str, Any]) -> tuple:
    """Hashable identity of a validated configuration (``True`` and ``1`` stay apart)."""
    return tuple((name, type(value), value) for name, value in config.items())


class GridSearch(Strategy):
    """Propose each point of ``space.grid(resolution)`` once, in the grid's order.

    Parameters
    ----------
    space : Space
        The search space.
    resolution : int or dict of str to int, default=5
        Points per numeric dimension, as in :meth:`Space.grid` (categories use all choices).
    seed : int or None, default=None
        Accepted for the protocol and stored, but unused: the grid's order is fixed.

    Attributes
    ----------
    n_points : int
        Size of the grid.

    Notes
    -----
    The order is the Cartesian product's, the last name varying fastest. A point told
    before it is asked (a warm start) counts as done and is skipped. After the last point,
    ``ask`` raises :class:`~tunelab.exceptions.SearchExhausted`; ``ask_batch(n)`` returns
    the next ``n`` points, fewer at the end. Values, failures included, are not looked at.
    The grid is built in full at construction, so its size must fit in memory.

    Examples
    --------
    >>> from tunelab.space import Categorical, Integer, Space
    >>> search = GridSearch(Space({"k": Integer(1, 3), "c": Categorical(["a", "b"])}))
    >>> [search.ask() for _ in range(3)]
    [{'k': 1, 'c': 'a'}, {'k': 1, 'c': 'b'}, {'k': 2, 'c': 'a'}]
    >>> search.n_points
    6
    """

    name = "grid"

    def __init__(
        self, space: Space, resolution: int | Mapping[str, int] = 5, *, seed: int | None = None
    ) -> None:
        super().__init__(space, seed=seed)
        self.resolution = resolution
        self._points = space.grid(resolution)
        self._done: set[tuple] = set()
        self._cursor = 0

    @property
    def n_points(self) -> int:
        return len(self._points)

    def explain(self) -> dict[str, Any]:
        """The points proposed so far and the next one, as plain data (nothing changes).

        Returns
        -------
        dict
            ``kind``; ``axes`` (one dict per dimension: name, kind, ``log`` for a log axis,
            range); ``unit`` ``(n, d)``: the unit points of the ``n = n_asked`` asks so far;
            ``points``: the same in axis coordinates (values, categories as indices);
            ``values``: the values told in order (``nan`` where not yet); ``discrepancy``:
            the squared centered :math:`L_2` discrepancy of ``unit`` (Hickernell 1998, the
            ``scipy.stats.qmc.discrepancy(method="CD")`` quantity); ``chosen``: the next
            ask, skipping points told already (``config``, ``unit``, ``point``) or ``None``;
            ``n_asked``, ``n_told``, ``n_points``.
        """
        asked = self._points[: self._cursor]
        U = self.space.to_unit(asked) if asked else np.empty((0, len(self.space)))
        left = [p for p in self._points[self._cursor:] if _point_key(p) not in self._done]
        nxt = self.space.to_unit([left[0]])[0] if left else None
        return explain_points(self, "grid", np.atleast_2d(U), nxt, left[0] if left else None,
                              n_points=self.n_points)

    def _ask(self) -> dict[str, Any]:
        while self._cursor < len(self._points) and (
            _point_key(self._points[self._cursor]) in self._done
        ):
            self._cursor += 1
        if self._cursor == len(self._points):
            raise SearchExhausted(f"GridSearch: all {len(self._points)} grid points were proposed")
        self._cursor += 1
        return dict(self._points[self._cursor - 1])

    def _tell(self, config: dict[str, Any], value: float) -> None:
        self._done.add(_point_key(config))
