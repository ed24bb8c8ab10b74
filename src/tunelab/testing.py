"""Conformance suites that every implementation of a tunelab protocol runs through.

:class:`StrategyContract` checks the ask/tell protocol of a search strategy. A strategy's test
module subclasses it and names the class under test (pytest collects the ``Test*`` subclass)::

    from tunelab.search import RandomSearch
    from tunelab.testing import StrategyContract

    class TestSobolContract(StrategyContract):
        strategy_class = RandomSearch
        options = {"sampler": "sobol"}

Override :meth:`StrategyContract.make_strategy` for strategies with other needs, and
``n_asks`` to shorten the runs of an expensive one. This module needs pytest.

References
----------
.. [1] Optuna's ``optuna.testing`` samplers suite and scikit-learn's
   ``utils.estimator_checks``: one suite of checks that every implementation passes.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from typing import Any, ClassVar

import numpy as np
import pytest

from tunelab.search import Strategy, make_strategy
from tunelab.space import Categorical, Integer, Real, Space


def quadratic_objective(space: Space, config: dict[str, Any]) -> float:
    """A smooth deterministic objective: squared distance of ``to_unit(config)`` to 0.3."""
    return float(np.sum((space.to_unit(config) - 0.3) ** 2))


class StrategyContract:
    """The ask/tell protocol, checked on a mixed space and on a conditional one.

    Attributes
    ----------
    strategy_class : type
        The :class:`~tunelab.search.Strategy` subclass under test.
    options : dict
        Keyword arguments of its constructor, besides ``space`` and ``seed``.
    n_asks : int
        Asks per run; the default spaces hold more than 12 grid points at resolution 5.
    """

    strategy_class: ClassVar[type[Strategy]]
    options: ClassVar[dict[str, Any]] = {}
    n_asks: ClassVar[int] = 12

    # --- hooks -----------------------------------------------------------------------------
    def make_space(self) -> Space:
        return Space(
            {
                "x": Real(-2.0, 3.0),
                "lr": Real(1e-4, 1.0, log=True),
                "units": Integer(1, 64, log=True),
                "act": Categorical(["relu", "tanh", "sigmoid"]),
            }
        )

    def make_conditional_space(self) -> Space:
        dims = {
            "model": Categorical(["linear", "mlp"]),
            "alpha": Real(1e-6, 1.0, log=True),
            "hidden": Integer(4, 128, log=True),
            "dropout": Real(0.0, 0.5),
        }
        return Space(dims, conditions={"hidden": ("model", "mlp"), "dropout": ("model", "mlp")})

    def make_strategy(self, space: Space, seed: int | None = 0) -> Strategy:
        return self.strategy_class(space, seed=seed, **self.options)

    # --- helpers ---------------------------------------------------------------------------
    def run(
        self, strategy: Strategy, n: int, failed: Iterable[int] = ()
    ) -> list[tuple[dict[str, Any], float]]:
        """Ask and tell ``n`` times; evaluations whose index is in ``failed`` give ``nan``."""
        failed = set(failed)
        trials = []
        for i in range(n):
            config = strategy.ask()
            value = math.nan if i in failed else quadratic_objective(strategy.space, config)
            strategy.tell(config, value)
            trials.append((config, value))
        return trials

    def assert_inside(self, space: Space, configs: Iterable[dict[str, Any]]) -> None:
        for config in configs:
            assert isinstance(config, dict)
            assert space.validate(config) == config, config
            assert list(config) == [k for k in space.names if k in config]

    # --- the contract ----------------------------------------------------------------------
    def test_has_a_name(self):
        strategy = self.make_strategy(self.make_space())
        assert isinstance(strategy, Strategy)
        assert isinstance(strategy.name, str) and strategy.name

    def test_asks_inside_space(self):
        space = self.make_space()
        trials = self.run(self.make_strategy(space), self.n_asks)
        self.assert_inside(space, [config for config, _ in trials])

    def test_asks_inside_conditional_space(self):
        space = self.make_conditional_space()
        trials = self.run(self.make_strategy(space), self.n_asks)
        self.assert_inside(space, [config for config, _ in trials])

    def test_same_seed_same_sequence(self):
        space = self.make_space()
        first = self.run(self.make_strategy(space, seed=7), self.n_asks, failed={3})
        second = self.run(self.make_strategy(space, seed=7), self.n_asks, failed={3})
        assert [c for c, _ in first] == [c for c, _ in second]

    def test_seed_none_is_drawn_and_kept(self):
        space = self.make_space()
        strategy = self.make_strategy(space, seed=None)
        assert isinstance(strategy.seed, int) and 0 <= strategy.seed < 2**63
        twin = self.make_strategy(space, seed=strategy.seed)
        assert self.run(strategy, 4) == self.run(twin, 4)

    def test_replay_gives_same_next_ask(self):
        space = self.make_space()
        original = self.make_strategy(space, seed=3)
        trials = self.run(original, self.n_asks // 2, failed={1})
        rebuilt = self.make_strategy(space, seed=3)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            for config, value in trials:
                rebuilt.replay_ask(config)
                rebuilt.tell(config, value)
        assert (rebuilt.n_asked, rebuilt.n_told) == (original.n_asked, original.n_told)
        assert rebuilt.ask() == original.ask()

    def test_replay_of_a_batch(self):
        space = self.make_space()
        original = self.make_strategy(space, seed=4)
        batch = original.ask_batch(3)
        for config in batch:
            original.tell(config, quadratic_objective(space, config))
        rebuilt = self.make_strategy(space, seed=4)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            for config in batch:
                rebuilt.replay_ask(config)
            for config in batch:
                rebuilt.tell(config, quadratic_objective(space, config))
        assert rebuilt.ask() == original.ask()

    def test_replay_warns_on_a_foreign_config(self):
        space = self.make_space()
        proposed = self.make_strategy(space, seed=5).ask()
        other = dict(proposed, x=3.0 if proposed["x"] != 3.0 else -2.0)
        with pytest.warns(UserWarning, match="replay_ask"):
            self.make_strategy(space, seed=5).replay_ask(other)

    @pytest.mark.parametrize(
        ("change", "match"),
        [
            ({"x": 3.5}, "x"),
            ({"lr": 0.0}, "lr"),
            ({"units": 2.5}, "units"),
            ({"act": "gelu"}, "act"),
            ({"extra": 1}, "extra"),
        ],
    )
    def test_tell_validates_config(self, change, match):
        space = self.make_space()
        strategy = self.make_strategy(space)
        config = strategy.ask()
        with pytest.raises(ValueError, match=match):
            strategy.tell({**config, **change}, 1.0)
        missing = {k: v for k, v in config.items() if k != "lr"}
        with pytest.raises(ValueError, match="lr"):
            strategy.tell(missing, 1.0)
        assert strategy.n_told == 0 and strategy.history == []

    def test_tell_of_a_retyped_copy_is_validated(self):
        # an equal value of another type is no proof of validity: True == 1, 1.0 == 1
        space = self.make_space()
        strategy = self.make_strategy(space)
        config = strategy.ask()
        with pytest.raises(ValueError, match="units"):
            strategy.tell({**config, "units": True} if config["units"] == 1 else
                          {**config, "units": float("nan")}, 1.0)
        strategy.tell({**config, "units": float(config["units"])}, 1.0)
        told, _ = strategy.history[-1]
        assert told == space.validate(config) and type(told["units"]) is int

    @pytest.mark.parametrize("value", ["1.0", None, True, [1.0]])
    def test_tell_validates_value(self, value):
        strategy = self.make_strategy(self.make_space())
        with pytest.raises(TypeError, match="value"):
            strategy.tell(strategy.ask(), value)
        assert strategy.n_told == 0

    def test_tell_of_unasked_configs(self):
        space = self.make_space()
        strategy = self.make_strategy(space)
        prior = space.sample(np.random.default_rng(11), 5)
        for config in prior:
            strategy.tell(config, quadratic_objective(space, config))
        assert (strategy.n_asked, strategy.n_told) == (0, 5)
        self.assert_inside(space, [c for c, _ in self.run(strategy, self.n_asks)])

    def test_failures_nan_and_inf(self):
        space = self.make_space()
        strategy = self.make_strategy(space)
        for i in range(self.n_asks):
            config = strategy.ask()
            value = [math.nan, math.inf, quadratic_objective(space, config)][i % 3]
            strategy.tell(config, value)
            self.assert_inside(space, [config])
        values = [v for _, v in strategy.history]
        assert math.isnan(values[0]) and values[1] == math.inf
        self.assert_inside(space, [strategy.ask()])

    def test_all_failed(self):
        space = self.make_space()
        strategy = self.make_strategy(space)
        trials = self.run(strategy, self.n_asks, failed=range(self.n_asks))
        assert all(math.isnan(v) for _, v in trials)
        self.assert_inside(space, strategy.ask_batch(2))

    @pytest.mark.parametrize("n", [1, 3])
    def test_ask_batch_sizes(self, n):
        space = self.make_space()
        strategy = self.make_strategy(space)
        batch = strategy.ask_batch(n)
        assert len(batch) == n and strategy.n_asked == n
        self.assert_inside(space, batch)

    def test_ask_batch_validates_n(self):
        strategy = self.make_strategy(self.make_space())
        with pytest.raises(ValueError, match="n"):
            strategy.ask_batch(0)
        with pytest.raises(TypeError, match="n"):
            strategy.ask_batch(2.0)

    def test_counters_and_history(self):
        space = self.make_space()
        strategy = self.make_strategy(space)
        trials = self.run(strategy, 5)
        assert (strategy.n_asked, strategy.n_told) == (5, 5)
        assert strategy.history == trials
        assert all(type(v) is float for _, v in strategy.history)

    def test_get_params_rebuilds(self):
        space = self.make_space()
        strategy = self.make_strategy(space, seed=9)
        twin = make_strategy(type(strategy), space, **strategy.get_params())
        assert repr(twin) == repr(strategy)
        assert self.run(strategy, 4) == self.run(twin, 4)
