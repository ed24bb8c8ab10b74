"""Grid search: every point of a Cartesian grid, once, in a fixed order.

References
----------
.. [1] J. Bergstra and Y. Bengio, "Random search for hyper-parameter optimization", JMLR 13,
   2012, Sec. 2 (grid search, and why it spends its budget poorly in high dimension).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tunelab.exceptions import SearchExhausted
from tunelab.search._base import Strategy
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
