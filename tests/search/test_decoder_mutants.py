"""Behaviours of :mod:`tunelab.search._decoder` found untested by mutation testing: the rows
of given configurations (:meth:`Decoder.rows`), the checks of rows from outside
(:meth:`Decoder.checked_configs`, through ``tell_array``), and :func:`config_key`."""

import numpy as np
import pytest

from tunelab.search import RandomSearch
from tunelab.search._decoder import Decoder, config_key
from tunelab.space import Categorical, Integer, Real, Space

SPACE = Space({"x": Real(-2.0, 3.0), "k": Integer(1, 8), "c": Categorical(["a", True, 2.5]),
               "lr": Real(1e-4, 1.0, log=True), "u": Integer(1, 1000, log=True)})


def test_rows_are_the_values_of_the_configurations_and_configs_inverts_them():
    rng = np.random.default_rng(3)
    decoder = Decoder(SPACE)
    U = rng.random((50, 5))
    configs, V = decoder(U)
    X = decoder.rows(configs)
    np.testing.assert_array_equal(X, V)
    # by hand: reals and integers as floats, a category as its index among the choices
    for row, config in zip(X, configs, strict=True):
        assert row.tolist() == [config["x"], config["k"], ["a", True, 2.5].index(config["c"]),
                                config["lr"], config["u"]]
    assert decoder.configs(X) == configs
    assert decoder.checked_configs(X) == configs


def test_ask_array_of_a_strategy_without_rows_encodes_its_asks():
    a, b = RandomSearch(SPACE, seed=5), RandomSearch(SPACE, seed=5)
    X = a.ask_array(7)
    configs = b.ask_batch(7)
    assert X.shape == (7, 5) and X.dtype == np.float64
    assert Decoder(SPACE).configs(X) == configs
    assert a.n_asked == b.n_asked == 7


@pytest.mark.parametrize(
    ("column", "bad", "match"),
    [
        (1, 3.5, r"X\[2, 1\] \(parameter 'k'\) must be an integer in \[1, 8\]; got 3.5"),
        (1, 0.0, r"X\[2, 1\] \(parameter 'k'\) must be an integer in \[1, 8\]; got 0.0"),
        (1, 9.0, r"X\[2, 1\] \(parameter 'k'\) must be an integer in \[1, 8\]; got 9.0"),
        (4, 1001.0, r"X\[2, 4\] \(parameter 'u'\) must be an integer in \[1, 1000\]"),
        (2, 3.0, r"X\[2, 2\] \(parameter 'c'\) must be a category index in \[0, 2\]; got 3.0"),
        (2, -1.0, r"X\[2, 2\] \(parameter 'c'\) must be a category index in \[0, 2\]"),
        (2, 0.5, r"X\[2, 2\] \(parameter 'c'\) must be a category index in \[0, 2\]"),
    ],
)
def test_rows_from_outside_with_a_bad_integer_or_index_are_refused(column, bad, match):
    X = np.array([[0.0, 1.0, 0.0, 0.01, 1.0], [1.0, 8.0, 2.0, 1.0, 1000.0],
                  [-2.0, 4.0, 1.0, 1e-4, 10.0], [3.0, 2.0, 0.0, 0.5, 7.0]])
    X[2, column] = bad
    X[3, column] = bad  # a later bad row: the message names the first
    strategy = RandomSearch(SPACE, seed=0)
    with pytest.raises(ValueError, match=match):
        strategy.tell_array(X, [1.0, 2.0, 3.0, 4.0])
    assert strategy.n_told == 0


def test_rows_at_the_ends_of_every_range_are_accepted():
    X = np.array([[-2.0, 1.0, 0.0, 1e-4, 1.0], [3.0, 8.0, 2.0, 1.0, 1000.0]])
    strategy = RandomSearch(SPACE, seed=0)
    strategy.tell_array(X, [1.0, 2.0])
    assert [c for c, _ in strategy.history] == [
        {"x": -2.0, "k": 1, "c": "a", "lr": 1e-4, "u": 1},
        {"x": 3.0, "k": 8, "c": 2.5, "lr": 1.0, "u": 1000}]
    assert [type(c["k"]) for c, _ in strategy.history] == [int, int]


def test_config_key_tells_types_and_order_apart():
    assert config_key({"a": 1, "b": 2.0}) == config_key({"a": 1, "b": 2.0})
    assert config_key({"a": True}) != config_key({"a": 1})  # True == 1, but not its type
    assert config_key({"a": 1.0}) != config_key({"a": 1})
    assert config_key({"a": 1, "b": 2}) != config_key({"b": 2, "a": 1})  # names in order
    assert hash(config_key({"a": None, "b": "x"})) == hash(config_key({"a": None, "b": "x"}))


def test_integer_decoding_at_the_bin_edges():
    # Integer(low, high): u in [j / n, (j + 1) / n) gives low + j, n = high - low + 1 bins
    space = Space({"k": Integer(-3, 4)})
    decoder = Decoder(space)
    n = 8
    U = np.array([[j / n] for j in range(n)] + [[(j + 1) / n - 1e-12] for j in range(n)]
                 + [[0.0], [1.0]])
    V = decoder.values(U)
    assert V[:, 0].tolist() == [*range(-3, 5), *range(-3, 5), -3.0, 4.0]
    assert [c["k"] for c in decoder(U)[0]] == [c["k"] for c in space.from_unit(U)]


@pytest.mark.parametrize(("low", "high"), [(1e-3, 5.0), (1e-4, 7.0), (0.5, 1000.0),
                                           (1e-6, 0.3)])
def test_log_reals_decode_the_unit_ends_to_the_exact_bounds(low, high):
    # exp(log(low) + 1 * (log(high) - log(low))) need not round to high: the ends are exact
    space = Space({"lr": Real(low, high, log=True), "k": Integer(1, 3)})
    U = np.array([[0.0, 0.0], [1.0, 1.0], [-0.5, 0.5], [1.5, 0.5]])
    V = Decoder(space).values(U)
    assert V[:, 0].tolist() == [low, high, low, high]
    assert [c["lr"] for c in Decoder(space)(U)[0]] == [low, high, low, high]
