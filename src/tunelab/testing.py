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

    # --- the array protocol ----------------------------------------------------------------
    def _array_objective(self, space: Space, X: np.ndarray) -> np.ndarray:
        configs = [space.validate(c) for c in _decoded(space, X)]
        return np.array([quadratic_objective(space, c) for c in configs])

    def test_ask_array_is_ask_batch_encoded(self):
        """ask_array/tell_array hand out and learn what ask_batch/tell_batch do, in the
        same order: the same rows, the same history and the same next asks."""
        space = self.make_space()
        by_rows, by_dicts = self.make_strategy(space, seed=8), self.make_strategy(space, seed=8)
        for size in (3, 1, 4, 2, 5):
            X = by_rows.ask_array(size)
            configs = by_dicts.ask_batch(size)
            assert isinstance(X, np.ndarray) and X.dtype == np.float64
            assert X.shape == (len(configs), len(space)) and 1 <= len(X) <= size
            assert _decoded(space, X) == configs
            self.assert_inside(space, _decoded(space, X))
            values = self._array_objective(space, X)
            values[::3] = math.nan  # failures too
            by_rows.tell_array(X, values)
            by_dicts.tell_batch(configs, values.tolist())
        assert (by_rows.n_asked, by_rows.n_told) == (by_dicts.n_asked, by_dicts.n_told)
        assert [c for c, _ in by_rows.history] == [c for c, _ in by_dicts.history]
        np.testing.assert_array_equal([v for _, v in by_rows.history],
                                      [v for _, v in by_dicts.history])
        assert all(type(v) is float for _, v in by_rows.history)
        assert by_rows.ask() == by_dicts.ask()

    def test_tell_array_of_rows_not_asked(self):
        """Edited rows, rows of another array and a copy in another order are told as the
        configurations they encode."""
        space = self.make_space()
        strategy, twin = self.make_strategy(space, seed=2), self.make_strategy(space, seed=2)
        X = strategy.ask_array(3)
        twin.ask_batch(3)
        Y = X[::-1].copy()
        Y[0, 0] = 1.25  # x, a real parameter
        strategy.tell_array(Y, self._array_objective(space, Y))
        for config in _decoded(space, Y):
            twin.tell(config, quadratic_objective(space, space.validate(config)))
        assert strategy.history == twin.history
        assert strategy.history[0][0]["x"] == 1.25
        assert strategy.ask() == twin.ask()

    def test_the_caller_owns_the_arrays(self):
        space = self.make_space()
        strategy, twin = self.make_strategy(space, seed=6), self.make_strategy(space, seed=6)
        X = strategy.ask_array(2)
        asked = X.copy()
        values = self._array_objective(space, X)
        strategy.tell_array(X, values)
        twin.tell_array(twin.ask_array(2), values.copy())
        X[:] = 0.0  # the caller reuses its arrays
        values[:] = -1.0
        assert [c for c, _ in strategy.history] == _decoded(space, asked)
        assert strategy.history == twin.history

    @pytest.mark.parametrize(
        ("change", "error", "match"),
        [
            (lambda X: X[:, :3], ValueError, "shape"),
            (lambda X: X[0], ValueError, "shape"),
            (lambda X: np.where(np.arange(4) == 0, np.nan, X), ValueError, "finite"),
            (lambda X: np.where(np.arange(4) == 2, X + 0.5, X), ValueError, "units"),
            (lambda X: np.where(np.arange(4) == 3, 3.0, X), ValueError, "act"),
            (lambda X: np.where(np.arange(4) == 3, -1.0, X), ValueError, "act"),
            (lambda X: np.where(np.arange(4) == 0, 9.0, X), ValueError, "x"),
            (lambda X: X.astype(str), TypeError, "X"),
        ],
    )
    def test_tell_array_validates_rows(self, change, error, match):
        space = self.make_space()
        strategy = self.make_strategy(space)
        X = strategy.ask_array(2)
        with pytest.raises(error, match=match):
            strategy.tell_array(change(X), [1.0] * len(X))
        assert strategy.n_told == 0 and strategy.history == []

    @pytest.mark.parametrize(
        ("values", "error", "match"),
        [([1.0], ValueError, "length"), (np.ones((2, 1)), ValueError, "one-dimensional"),
         (["1.0", 2.0], TypeError, "value"), ([True, 1.0], TypeError, "value"),
         (np.array([True, False]), TypeError, "value"), (1.0, TypeError, "values")],
    )
    def test_tell_array_validates_values(self, values, error, match):
        strategy = self.make_strategy(self.make_space())
        X = strategy.ask_array(2)
        if len(X) < 2:
            X = np.vstack([X, X])
        with pytest.raises(error, match=match):
            strategy.tell_array(X, values)
        assert strategy.n_told == 0

    def test_array_protocol_needs_an_unconditional_space(self):
        strategy = self.make_strategy(self.make_conditional_space())
        with pytest.raises(ValueError, match="conditions"):
            strategy.ask_array(2)
        with pytest.raises(ValueError, match="conditions"):
            strategy.tell_array(np.zeros((1, 4)), [1.0])
        with pytest.raises(ValueError, match="n"):
            self.make_strategy(self.make_space()).ask_array(0)


def _decoded(space: Space, X: np.ndarray) -> list[dict[str, Any]]:
    """The configurations the rows of ``X`` encode (as :meth:`Strategy.ask_array` gives
    them), written out one value at a time: an independent reading of the encoding."""
    configs = []
    for row in np.asarray(X).tolist():
        config = {}
        for (name, dim), value in zip(space.items(), row, strict=True):
            if isinstance(dim, Categorical):
                config[name] = dim.choices[int(value)]
            elif isinstance(dim, Integer):
                config[name] = int(value)
            else:
                config[name] = float(value)
        configs.append(config)
    return configs
