"""Random search: independent uniform draws, or a low-discrepancy sequence (Sobol, LHS).

The shortest strategy, and the worked example of the protocol: ``_ask`` returns a point of
the unit cube, which :meth:`Space.from_unit` decodes, and there is nothing to ``_tell``.

References
----------
.. [1] J. Bergstra and Y. Bengio, "Random search for hyper-parameter optimization", JMLR 13,
   2012.
.. [2] I. M. Sobol', "On the distribution of points in a cube and the approximate evaluation
   of integrals", USSR Comput. Math. Math. Phys. 7(4), 1967.
.. [3] A. B. Owen, "Scrambling Sobol' and Niederreiter-Xing points", J. Complexity 14, 1998.
.. [4] M. D. McKay, R. J. Beckman and W. J. Conover, "A comparison of three methods for
   selecting values of input variables in the analysis of output from a computer code",
   Technometrics 21(2), 1979.
"""

from __future__ import annotations

import warnings
from operator import is_
from typing import Any

import numpy as np
from scipy.stats import qmc

from tunelab._validation import check_choice, check_scalar
from tunelab.search._base import Strategy
from tunelab.search._explain_samplers import explain_points, sampler_points
from tunelab.space import Space

SAMPLERS = ("random", "sobol", "lhs")
_BLOCK = 256  # random points drawn and decoded at once


class RandomSearch(Strategy):
    """Propose configurations without looking at their values.

    Parameters
    ----------
    space : Space
        The search space.
    sampler : {"random", "sobol", "lhs"}, default="random"
        ``"random"``: independent uniform points of the unit cube, drawn and decoded in
        blocks of 256 asks, block ``b`` from ``default_rng([seed, b])``; ask ``i`` is row
        ``i % 256`` of block ``i // 256``. ``"sobol"``: the scrambled Sobol' sequence
        ``scipy.stats.qmc.Sobol(d, rng=seed)``; ask ``i`` is its point ``i``. ``"lhs"``:
        consecutive scrambled Latin hypercube designs of ``design_size`` points, design
        ``b`` seeded with ``SeedSequence(seed, spawn_key=(b,))``; ask ``i`` is point
        ``i % design_size`` of design ``i // design_size``.
    seed : int or None, default=None
        Seed of the sampler (see :class:`Strategy`).
    design_size : int, default=64
        Points per Latin hypercube design (``sampler="lhs"`` only): the number of strata of
        each coordinate. Set it to the evaluation budget for a single design.

    Notes
    -----
    Uniform unit points give the space's uniform (log-uniform) law. Sobol' points are
    balanced over prefixes of :math:`2^m` points; scipy warns when other counts are drawn,
    and that warning is silenced here on purpose, since a study stops wherever its budget
    says. The ``i``-th ask depends only on ``seed`` and ``i``, so ``replay_ask`` is exact.
    Values, failures (``nan``/``inf``) included, do not change the proposals: no special
    handling is needed.

    Examples
    --------
    >>> from tunelab.space import Real, Space
    >>> search = RandomSearch(Space({"x": Real(0.0, 1.0)}), sampler="sobol", seed=0)
    >>> config = search.ask()
    >>> search.tell(config, (config["x"] - 0.3) ** 2)
    >>> search.n_asked, search.n_told
    (1, 1)
    """

    name = "random"

    def __init__(
        self,
        space: Space,
        sampler: str = "random",
        *,
        seed: int | None = None,
        design_size: int = 64,
    ) -> None:
        super().__init__(space, seed=seed)
        self.sampler = check_choice(sampler, "sampler", SAMPLERS)
        self.design_size = check_scalar(design_size, "design_size", kind=int, low=1)
        self._engine: qmc.Sobol | None = None
        self._design: tuple[int, np.ndarray] | None = None  # (index, points) of the LHS design
        self._block: tuple[int, list[dict]] | None = None  # (index, configs) of a random block

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
            ask (``config``, ``unit``, ``point``) or ``None``; ``n_asked``, ``n_told``.
        """
        U = sampler_points(self, self.n_asked + 1)
        return explain_points(self, self.sampler, U[:-1], U[-1], sampler=self.sampler)

    def _ask(self) -> np.ndarray | dict:
        if self.sampler == "sobol":
            return self._sobol_point()
        if self.sampler == "lhs":
            return self._lhs_point()
        return self._random_config()

    # The "random" sampler's fast path. Drawing and decoding 256 points at once costs about
    # as much as one point at a time, and decoded points lie inside the space by construction,
    # so an ask is a dict copy, with no validation; a tell of an unchanged copy (equal, with
    # values of the same types) is recognized and not validated again. Ask i still depends
    # only on (seed, i).
    def ask(self) -> dict[str, Any]:
        if self.sampler != "random":
            return super().ask()
        config = dict(self._decoded(self.n_asked // _BLOCK)[self.n_asked % _BLOCK])
        self.n_asked += 1
        return config

    def ask_batch(self, n: int) -> list[dict[str, Any]]:
        if self.sampler != "random":
            return super().ask_batch(n)
        n = check_scalar(n, "n", kind=int, low=1)
        configs: list[dict[str, Any]] = []
        while len(configs) < n:
            block, i = divmod(self.n_asked, _BLOCK)
            rows = self._decoded(block)[i:i + n - len(configs)]
            configs += map(dict, rows)
            self.n_asked += len(rows)
        return configs

    def _recall(self, config: Any) -> dict[str, Any] | None:
        """The decoded configuration of ask ``n_told`` when ``config`` is an unchanged copy
        of it: the tell of a study that asks and tells in order."""
        block, i = divmod(self.n_told, _BLOCK)
        if (self.sampler != "random" or self._block is None or self._block[0] != block
                or type(config) is not dict):
            return None
        own = self._block[1][i]
        if config == own and all(map(is_, map(type, config.values()), map(type, own.values()))):
            return own
        return None

    def _decoded(self, block: int) -> list[dict[str, Any]]:
        if self._block is None or self._block[0] != block:
            u = np.random.default_rng([self.seed, block]).random((_BLOCK, len(self.space)))
            self._block = (block, self.space.from_unit(u))
        return self._block[1]

    def _random_config(self) -> dict:
        return dict(self._decoded(self.n_asked // _BLOCK)[self.n_asked % _BLOCK])

    def _sobol_point(self) -> np.ndarray:
        if self._engine is None:  # one engine: its point i is ask i
            self._engine = qmc.Sobol(
                len(self.space), scramble=True, seed=np.random.default_rng(self.seed)
            )
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "The balance properties", UserWarning)
            return self._engine.random(1)[0]

    def _lhs_point(self) -> np.ndarray:
        block, i = divmod(self.n_asked, self.design_size)
        if self._design is None or self._design[0] != block:
            ss = np.random.SeedSequence(self.seed, spawn_key=(block,))
            engine = qmc.LatinHypercube(
                len(self.space), scramble=True, seed=np.random.default_rng(ss)
            )
            self._design = (block, engine.random(self.design_size))
        return self._design[1][i]
