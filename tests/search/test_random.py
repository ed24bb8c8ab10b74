"""RandomSearch (uniform, Sobol', LHS), the Strategy base class and the strategy registry."""

import warnings

import numpy as np
import pytest
from scipy import stats
from scipy.stats import qmc

from tunelab import search
from tunelab.search import GridSearch, RandomSearch, Strategy, make_strategy
from tunelab.space import Categorical, Integer, Real, Space
from tunelab.testing import StrategyContract


class TestRandomContract(StrategyContract):
    strategy_class = RandomSearch


class TestSobolContract(StrategyContract):
    strategy_class = RandomSearch
    options = {"sampler": "sobol"}


class TestLHSContract(StrategyContract):
    strategy_class = RandomSearch
    options = {"sampler": "lhs", "design_size": 5}  # several designs within one run


@pytest.fixture
def mixed():
    return Space({"x": Real(-1.0, 2.0), "lr": Real(1e-5, 1.0, log=True),
                  "k": Integer(1, 100, log=True), "c": Categorical(["a", "b", "c"])})


def sobol(d, seed, n):
    """scipy's scrambled Sobol' points, the generator built from ``seed`` as NumPy's."""
    return qmc.Sobol(d, scramble=True, seed=np.random.default_rng(seed)).random(n)


@pytest.mark.filterwarnings("ignore:The balance properties:UserWarning")  # the oracle's own
@pytest.mark.parametrize("seed", [0, 12345])
def test_sobol_is_scipy_sequence(mixed, seed):
    strategy = RandomSearch(mixed, "sobol", seed=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the non-power-of-two warning is silenced on purpose
        asks = [strategy.ask() for _ in range(3)] + strategy.ask_batch(10)
    assert asks == mixed.from_unit(sobol(4, seed, 13))


def test_sobol_unit_points_equal_scipy():
    space = Space({"a": Real(0.0, 1.0), "b": Real(-3.0, 5.0), "c": Real(1e-3, 10.0, log=True)})
    asks = RandomSearch(space, "sobol", seed=7).ask_batch(16)
    np.testing.assert_allclose(space.to_unit(asks), sobol(3, 7, 16), rtol=0, atol=1e-12)
    if "rng" in qmc.Sobol.__init__.__code__.co_varnames:  # scipy >= 1.15: rng=seed
        np.testing.assert_allclose(space.to_unit(asks), qmc.Sobol(3, rng=7).random(16), atol=1e-12)


def test_sobol_balance_over_powers_of_two():
    space = Space({"a": Real(0.0, 1.0), "b": Real(0.0, 1.0)})
    u = space.to_unit(RandomSearch(space, "sobol", seed=1).ask_batch(64))
    for j in range(2):  # a (0, m, 2) net: each of 64 equal intervals holds exactly one point
        assert sorted(np.floor(u[:, j] * 64).astype(int)) == list(range(64))


def test_lhs_designs_are_latin_and_match_scipy():
    space = Space({"a": Real(0.0, 1.0), "b": Real(0.0, 1.0), "c": Real(0.0, 1.0)})
    n = 10
    u = space.to_unit(RandomSearch(space, "lhs", seed=3, design_size=n).ask_batch(2 * n))
    for block in (u[:n], u[n:]):
        for j in range(3):  # one point per stratum in every coordinate
            assert sorted(np.floor(block[:, j] * n).astype(int)) == list(range(n))
    assert not np.allclose(u[:n], u[n:])
    for b in range(2):
        rng = np.random.default_rng(np.random.SeedSequence(3, spawn_key=(b,)))
        want = qmc.LatinHypercube(3, scramble=True, seed=rng).random(n)
        np.testing.assert_allclose(u[b * n:(b + 1) * n], want, atol=1e-12)


def test_random_sampler_draws_blocks_from_seed_and_block_index(mixed):
    strategy = RandomSearch(mixed, seed=5)
    asks = strategy.ask_batch(300)  # crosses the first block of 256
    blocks = [np.random.default_rng([5, b]).random((256, 4)) for b in (0, 1)]
    want = [mixed.from_unit(blocks[i // 256][i % 256]) for i in range(300)]
    assert asks == want


def test_random_sampler_is_uniform_and_log_uniform():
    space = Space({"x": Real(-1.0, 2.0), "lr": Real(1e-5, 1.0, log=True)})
    asks = RandomSearch(space, seed=0).ask_batch(2000)
    x, lr = np.array([[c["x"], c["lr"]] for c in asks]).T
    assert stats.kstest(x, stats.uniform(-1.0, 3.0).cdf).pvalue > 0.01
    assert stats.kstest(lr, stats.loguniform(1e-5, 1.0).cdf).pvalue > 0.01


@pytest.mark.parametrize("sampler", ["random", "sobol", "lhs"])
def test_values_do_not_change_proposals(mixed, sampler):
    told = RandomSearch(mixed, sampler, seed=2, design_size=4)
    silent = RandomSearch(mixed, sampler, seed=2, design_size=4)
    for value in [np.nan, np.inf, 1.0, -3.0, np.nan, 0.5, 2.0]:
        config = told.ask()
        told.tell(config, value)
        assert silent.ask() == config


def test_different_seeds_differ(mixed):
    for sampler in ("random", "sobol", "lhs"):
        a = RandomSearch(mixed, sampler, seed=0).ask_batch(4)
        assert a != RandomSearch(mixed, sampler, seed=1).ask_batch(4)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"sampler": "halton"}, ValueError, "sampler must be one of 'random', 'sobol', 'lhs'"),
        ({"design_size": 0}, ValueError, "design_size must be in"),
        ({"design_size": 2.5}, TypeError, "design_size must be an integer"),
        ({"seed": -1}, ValueError, "seed must be in"),
        ({"seed": 1.5}, TypeError, "seed must be an integer"),
        ({"seed": "0"}, TypeError, "seed must be an integer"),
    ],
)
def test_constructor_errors(mixed, kwargs, error, match):
    with pytest.raises(error, match=match):
        RandomSearch(mixed, **kwargs)


def test_space_must_be_a_space():
    with pytest.raises(TypeError, match="space must be a tunelab Space"):
        RandomSearch({"x": Real(0, 1)})


def test_seed_kept_and_repr(mixed):
    strategy = RandomSearch(mixed, "sobol", seed=np.int64(3))
    assert type(strategy.seed) is int and strategy.seed == 3
    assert repr(strategy) == "RandomSearch(sampler='sobol', seed=3, design_size=64)"
    assert strategy.get_params() == {"sampler": "sobol", "seed": 3, "design_size": 64}
    assert RandomSearch(mixed).seed != RandomSearch(mixed).seed  # fresh entropy each time


# --- the Strategy base class ----------------------------------------------------------------
class _Fixed(Strategy):
    """A strategy that proposes what it is given: the base class's checks, alone."""

    name = "fixed"

    def __init__(self, space, proposal=None, *, seed=None):
        super().__init__(space, seed=seed)
        self.proposal = proposal

    def _ask(self):
        return self.proposal


def test_ask_validates_and_decodes_proposals(mixed):
    with pytest.raises(ValueError, match="'k' must be in"):
        _Fixed(mixed, {"x": 0.0, "lr": 0.1, "k": 1000, "c": "a"}).ask()
    strategy = _Fixed(mixed, np.array([0.0, 1.0, 0.0, 0.99]))
    assert strategy.ask() == {"x": -1.0, "lr": 1.0, "k": 1, "c": "c"}
    converted = _Fixed(mixed, {"c": "b", "k": np.int64(3), "lr": 1, "x": 0}).ask()
    assert converted == {"x": 0.0, "lr": 1.0, "k": 3, "c": "b"}
    assert [type(v) for v in converted.values()] == [float, float, int, str]


def test_rng_depends_on_seed_and_ask_count(mixed):
    strategy = _Fixed(mixed, np.full(4, 0.5), seed=8)
    first = strategy._rng().random(3)
    np.testing.assert_array_equal(first, np.random.default_rng([8, 0]).random(3))
    np.testing.assert_array_equal(strategy._rng().random(3), first)  # same count, same draws
    strategy.ask()
    assert not np.array_equal(strategy._rng().random(3), first)


def test_tell_accepts_numpy_values_and_stores_floats(mixed):
    strategy = _Fixed(mixed)
    config = mixed.sample(np.random.default_rng(0))
    strategy.tell(config, np.float32(0.5))
    strategy.tell(config, 2)
    assert strategy.history == [(config, 0.5), (config, 2.0)]
    assert all(type(v) is float for _, v in strategy.history)
    with pytest.raises(TypeError, match="value must be a real number"):
        strategy.tell(config, np.bool_(True))


# --- the registry ---------------------------------------------------------------------------
def test_registry_names_and_lazy_exports():
    assert {"grid", "random", "sobol", "lhs"} <= set(search.names())
    assert search.names() == sorted(search.names())
    assert {"Strategy", "GridSearch", "RandomSearch", "make_strategy", "names"} <= set(dir(search))
    assert set(search.__all__) == set(dir(search))


@pytest.mark.parametrize(
    ("name", "cls", "params"),
    [
        ("random", RandomSearch, {"sampler": "random"}),
        ("sobol", RandomSearch, {"sampler": "sobol"}),
        ("lhs", RandomSearch, {"sampler": "lhs"}),
        ("grid", GridSearch, {"resolution": 5}),
    ],
)
def test_make_strategy_by_name(mixed, name, cls, params):
    strategy = make_strategy(name, mixed, seed=4)
    assert type(strategy) is cls and strategy.seed == 4 and strategy.space is mixed
    assert params.items() <= strategy.get_params().items()
    assert strategy.name in search.names()


def test_make_strategy_options_class_and_instance(mixed):
    assert make_strategy("lhs", mixed, seed=1, design_size=8).design_size == 8
    assert make_strategy("random", mixed, seed=1, sampler="sobol").sampler == "sobol"
    assert type(make_strategy(RandomSearch, mixed, seed=1)) is RandomSearch
    instance = RandomSearch(mixed, seed=2)
    assert make_strategy(instance, mixed) is instance
    assert make_strategy(instance, mixed, seed=2) is instance


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda s: make_strategy("bayesian", s), ValueError,
         r"name_or_strategy must be one of .*'grid'.*'random'"),
        (lambda s: make_strategy(3, s), TypeError, "name_or_strategy must be a strategy name"),
        (lambda s: make_strategy("sobol", s, sampler="lhs"), ValueError,
         "'sobol' sets sampler='sobol'; got sampler='lhs'"),
        (lambda s: make_strategy("random", s, colour="red"), TypeError, "colour"),
        (lambda s: make_strategy(RandomSearch(s, seed=1), s, seed=2), ValueError, "seed=2"),
        (lambda s: make_strategy(RandomSearch(s), s, sampler="lhs"), ValueError, "options"),
        (lambda s: make_strategy(RandomSearch(Space({"z": Real(0, 1)})), s), ValueError,
         "space must be the strategy instance's own space"),
    ],
)
def test_make_strategy_errors(mixed, call, error, match):
    with pytest.raises(error, match=match):
        call(mixed)
