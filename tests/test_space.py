"""Search spaces: validation, the unit-cube map, sampling laws, grids, conditions, JSON."""

import itertools
import json
import math
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from tunelab.space import Categorical, Integer, Real, Space

EPS = np.finfo(float).eps
SETTINGS = settings(max_examples=60, deadline=None)


# --- hypothesis strategies ------------------------------------------------------------------
@st.composite
def reals(draw):
    if draw(st.booleans()):
        low = draw(st.floats(1e-12, 1e6))
        high = low * draw(st.floats(1.0 + 1e-9, 1e9))
        return Real(low, high, log=True)
    bounds = st.floats(-1e9, 1e9, allow_subnormal=False)
    low, high = sorted(draw(st.lists(bounds, min_size=2, max_size=2, unique=True)))
    return Real(low, high)


@st.composite
def integers(draw):
    if draw(st.booleans()):
        low = draw(st.integers(1, 10**6))
        return Integer(low, low + draw(st.integers(1, 10**9)), log=True)
    low = draw(st.integers(-(2**50), 2**50 - 1))
    return Integer(low, draw(st.integers(low + 1, 2**50)))


scalars = st.one_of(
    st.text(max_size=4), st.integers(-5, 5), st.floats(-10, 10), st.booleans(), st.none()
)
categoricals = st.lists(scalars, min_size=1, max_size=6, unique_by=lambda v: (
    isinstance(v, bool), v)).map(Categorical)
dimensions = st.one_of(reals(), integers(), categoricals)
spaces = st.dictionaries(st.text(min_size=1, max_size=5), dimensions, min_size=1,
                         max_size=5).map(Space)


def values_of(dim):
    """A hypothesis strategy of the valid values of ``dim``."""
    if isinstance(dim, Real):
        return st.floats(dim.low, dim.high)
    if isinstance(dim, Integer):
        return st.integers(dim.low, dim.high)
    return st.sampled_from(dim.choices)


def configs_of(space):
    return st.fixed_dictionaries({name: values_of(dim) for name, dim in space.items()})


def assert_same_config(space, got, want):
    """Integers and categories exactly (type included); reals up to the map's rounding."""
    assert list(got) == list(want)
    for name, dim in space.items():
        a, b = got[name], want[name]
        assert type(a) is type(b), (name, a, b)
        if isinstance(dim, Real) and dim.log:
            span = abs(math.log(dim.low)) + abs(math.log(dim.high))
            assert abs(a - b) <= 8 * EPS * (1 + span) * b, (name, a, b)
        elif isinstance(dim, Real):
            assert abs(a - b) <= 8 * EPS * (abs(dim.low) + abs(dim.high)), (name, a, b)
        else:
            assert a == b


# --- dimensions: construction errors --------------------------------------------------------
@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: Real(1.0, 1.0), ValueError, "low must be < high"),
        (lambda: Real(2.0, 1.0), ValueError, "low must be < high"),
        (lambda: Real(0.0, math.inf), ValueError, "high must be finite"),
        (lambda: Real(math.nan, 1.0), ValueError, "low must be finite"),
        (lambda: Real(-1e308, 1e308), ValueError, "high - low must be finite"),
        (lambda: Real("0", 1.0), TypeError, "low"),
        (lambda: Real(0.0, 1.0, log=True), ValueError, "low must be > 0 when log"),
        (lambda: Real(-1.0, 1.0, log=True), ValueError, "low must be > 0"),
        (lambda: Real(1.0, 2.0, log="yes"), TypeError, "log must be a bool"),
        (lambda: Integer(0, 0), ValueError, "low must be < high"),
        (lambda: Integer(0.5, 3), TypeError, "low must be an integer"),
        (lambda: Integer(0, 3.0), TypeError, "high must be an integer"),
        (lambda: Integer(True, 3), TypeError, "low"),
        (lambda: Integer(0, 10, log=True), ValueError, "low must be > 0 when log"),
        (lambda: Integer(0, 2**51), ValueError, "high must be in"),
        (lambda: Categorical([]), ValueError, "choices must be non-empty"),
        (lambda: Categorical(["a", "b", "a"]), ValueError, "choices must be distinct"),
        (lambda: Categorical([1, 1.0]), ValueError, "choices must be distinct"),
        (lambda: Categorical("ab"), TypeError, "choices must be a list"),
        (lambda: Categorical({"a", "b"}), TypeError, "choices must be a list"),
        (lambda: Categorical([[1], [2]]), TypeError, "choices must be str"),
        (lambda: Categorical([1.0, math.nan]), ValueError, "choices must be finite"),
    ],
)
def test_dimension_errors(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_dimension_types_and_equality():
    assert Real(1, 2).low == 1.0 and type(Real(1, 2).low) is float
    assert type(Integer(np.int64(1), 3).low) is int
    assert Real(1, 2) == Real(1.0, 2.0) and Real(1, 2) != Real(1, 2, log=True)
    assert Integer(1, 2) != Real(1, 2)
    assert Categorical([1, True]) != Categorical([True, 1])
    assert Categorical([0, False]).choices == (0, False)  # True == 1 in Python, but not here
    assert len({Real(1, 2), Real(1.0, 2.0), Integer(1, 2)}) == 2
    assert eval(repr(Integer(1, 9, log=True))) == Integer(1, 9, log=True)


# --- space: construction and validation errors ---------------------------------------------
@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        (([("a", Real(0, 1))],), TypeError, "dims must be a dict"),
        (({},), ValueError, "dims must hold at least one"),
        (({"": Real(0, 1)},), TypeError, "names must be non-empty strings"),
        (({1: Real(0, 1)},), TypeError, "names must be non-empty strings"),
        (({"a": (0, 1)},), TypeError, r"dims\['a'\] must be a Real"),
        (({"a": Real(0, 1)}, [("b", "a")]), TypeError, "conditions must be a dict"),
        (({"a": Real(0, 1)}, {"b": ("a", 1)}), ValueError, "unknown parameter 'b'"),
        (({"m": Categorical(["x"]), "a": Real(0, 1)}, {"a": "m"}), ValueError, "parent, values"),
        (({"a": Real(0, 1), "m": Categorical(["x"])}, {"a": ("m", "x")}), ValueError,
         "parent 'm' must be a parameter before 'a'"),
        (({"a": Real(0, 1)}, {"a": ("a", 0.5)}), ValueError, "parent 'a' must be a parameter"),
        (({"r": Real(0, 1), "a": Real(0, 1)}, {"a": ("r", 0.5)}), ValueError,
         "parent 'r' must be Categorical"),
        (({"m": Categorical(["x"]), "a": Real(0, 1)}, {"a": ("m", "y")}), ValueError,
         "values must be choices of 'm'"),
        (({"m": Categorical(["x"]), "a": Real(0, 1)}, {"a": ("m", [])}), ValueError,
         "values must be choices of 'm'"),
    ],
)
def test_space_errors(args, error, match):
    with pytest.raises(error, match=match):
        Space(*args)


@pytest.fixture
def space():
    return Space(
        {
            "alpha": Real(1e-6, 1e2, log=True),
            "hidden": Integer(8, 256, log=True),
            "layers": Integer(1, 4),
            "act": Categorical(["relu", "tanh", None]),
        }
    )


GOOD = {"alpha": 0.1, "hidden": 32, "layers": 2, "act": "tanh"}


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"alpha": 1e3}, r"'alpha' must be in \[1e-06, 100.0\]; got 1000.0"),
        ({"alpha": 0.0}, "'alpha' must be in"),
        ({"alpha": math.nan}, "'alpha' must be finite"),
        ({"alpha": math.inf}, "'alpha' must be finite"),
        ({"alpha": "0.1"}, "'alpha' must be a real number"),
        ({"alpha": True}, "'alpha' must be a real number"),
        ({"hidden": 7}, r"'hidden' must be in \[8, 256\]"),
        ({"hidden": 32.5}, "'hidden' must be an integer"),
        ({"hidden": "32"}, "'hidden' must be an integer"),
        ({"hidden": True}, "'hidden' must be an integer"),
        ({"act": "gelu"}, "'act' must be one of 'relu', 'tanh', None; got 'gelu'"),
        ({"act": ["relu"]}, "'act' must be one of"),
        ({"extra": 1}, r"unknown parameter\(s\) \['extra'\]"),
    ],
)
def test_validate_errors(space, change, match):
    with pytest.raises(ValueError, match=match):
        space.validate({**GOOD, **change})
    assert not space.contains({**GOOD, **change})


def test_validate_missing_and_not_a_dict(space):
    with pytest.raises(ValueError, match="parameter 'layers' is missing"):
        space.validate({k: v for k, v in GOOD.items() if k != "layers"})
    with pytest.raises(TypeError, match="config must be a dict"):
        space.validate([0.1, 32, 2, "tanh"])
    assert not space.contains("alpha")


def test_validate_converts_to_python_types_in_order(space):
    config = {"act": np.str_("relu"), "layers": np.int64(3), "hidden": 64.0,
              "alpha": np.float32(0.5)}
    out = space.validate(config)
    assert list(out) == space.names
    assert out == {"alpha": 0.5, "hidden": 64, "layers": 3, "act": "relu"}
    assert [type(v) for v in out.values()] == [float, int, int, str]
    assert space.contains(config)


def test_mapping_interface(space):
    assert space.names == ["alpha", "hidden", "layers", "act"] == list(space)
    assert len(space) == 4 and space["layers"] == Integer(1, 4) and "act" in space
    with pytest.raises(KeyError):
        space["nope"]


# --- the unit-cube map ----------------------------------------------------------------------
@SETTINGS
@given(st.data())
def test_round_trip_config_unit_config(data):
    space = data.draw(spaces)
    configs = data.draw(st.lists(configs_of(space), min_size=1, max_size=4))
    u = space.to_unit(configs)
    assert u.shape == (len(configs), len(space))
    assert np.all((u >= 0) & (u <= 1))
    for config, row, back in zip(configs, u, space.from_unit(u), strict=True):
        assert_same_config(space, back, space.validate(config))
        np.testing.assert_array_equal(space.to_unit(config), row)


@SETTINGS
@given(st.data())
def test_round_trip_unit_config_unit(data):
    space = data.draw(spaces)
    u = np.array(data.draw(st.lists(st.floats(0, 1), min_size=len(space), max_size=len(space))))
    config = space.from_unit(u)
    assert space.validate(config) == config
    assert_same_config(space, space.from_unit(space.to_unit(config)), config)
    for j, dim in enumerate(space.values()):  # reals come back to u itself
        if isinstance(dim, Real):
            assert abs(space.to_unit(config)[j] - u[j]) <= 1e-6


@SETTINGS
@given(spaces, st.integers(0, 2**32 - 1))
def test_samples_lie_inside(space, seed):
    configs = space.sample(np.random.default_rng(seed), 20)
    assert all(space.validate(c) == c for c in configs)
    assert all(list(c) == space.names for c in configs)


def test_from_unit_clips_and_checks_shape(space):
    lo = space.from_unit([-0.5, -1.0, -2.0, -3.0])
    hi = space.from_unit([1.5, 2.0, 1e9, 1.0 + 1e-12])
    assert lo == {"alpha": 1e-6, "hidden": 8, "layers": 1, "act": "relu"}
    assert hi == {"alpha": 1e2, "hidden": 256, "layers": 4, "act": None}
    with pytest.raises(ValueError, match="u must have 4 columns"):
        space.from_unit([0.5, 0.5])
    with pytest.raises(ValueError, match="u must be 1-D or 2-D"):
        space.from_unit(np.zeros((2, 2, 4)))
    with pytest.raises(ValueError, match="u contains NaN"):
        space.from_unit([0.5, math.nan, 0.5, 0.5])
    assert space.from_unit(np.zeros((0, 4))) == []
    with pytest.raises(TypeError, match="config must be a dict or a list"):
        space.to_unit("alpha")


def test_unit_coordinates_closed_form():
    space = Space({"r": Real(-1.0, 3.0), "l": Real(1e-2, 1e2, log=True),
                   "k": Integer(0, 3), "g": Integer(1, 3, log=True), "c": Categorical(list("xyz"))})
    u = space.to_unit({"r": 0.0, "l": 1.0, "k": 2, "g": 2, "c": "z"})
    want_g = (math.log(2.5) + math.log(1.5)) / 2 - math.log(0.5)
    np.testing.assert_allclose(u, [0.25, 0.5, 2.5 / 4, want_g / (math.log(3.5) - math.log(0.5)),
                                   2.5 / 3], rtol=1e-15)


def test_sample_shapes_types_and_determinism(space):
    one = space.sample(np.random.default_rng(3))
    assert isinstance(one, dict) and space.contains(one)
    many = space.sample(np.random.default_rng(3), 5)
    assert many[0] == one and len(many) == 5
    assert space.sample(np.random.default_rng(3), 5) == many
    assert space.sample(np.random.default_rng(4), 5) != many
    assert space.sample(np.random.default_rng(3), 0) == []
    with pytest.raises(TypeError, match="rng must be a numpy Generator"):
        space.sample(3)
    with pytest.raises(ValueError, match="n must be in"):
        space.sample(np.random.default_rng(3), -1)


# --- sampling laws (fixed seeds: these tests are deterministic) ----------------------------
def test_log_real_is_log_uniform():
    space = Space({"x": Real(1e-3, 1e2, log=True), "y": Real(-2.0, 5.0)})
    configs = space.sample(np.random.default_rng(0), 4000)
    x, y = np.array([c["x"] for c in configs]), np.array([c["y"] for c in configs])
    assert stats.kstest(x, stats.loguniform(1e-3, 1e2).cdf).pvalue > 0.01
    assert stats.kstest(y, stats.uniform(-2.0, 7.0).cdf).pvalue > 0.01
    # the test has power: the log-uniform sample is far from uniform
    assert stats.kstest(x, stats.uniform(1e-3, 1e2 - 1e-3).cdf).pvalue < 1e-10


def test_integer_bins_equally_likely():
    configs = Space({"k": Integer(3, 12)}).sample(np.random.default_rng(1), 5000)
    counts = np.bincount([c["k"] - 3 for c in configs], minlength=10)
    assert counts.sum() == 5000
    assert stats.chisquare(counts).pvalue > 0.01


def test_log_integer_is_rounded_log_uniform():
    low, high = 1, 20
    configs = Space({"k": Integer(low, high, log=True)}).sample(np.random.default_rng(2), 8000)
    counts = np.bincount([c["k"] - low for c in configs], minlength=high - low + 1)
    k = np.arange(low, high + 1)
    law = stats.loguniform(low - 0.5, high + 0.5)
    expected = 8000 * (law.cdf(k + 0.5) - law.cdf(k - 0.5))
    assert stats.chisquare(counts, expected).pvalue > 0.01
    assert stats.chisquare(counts).pvalue < 1e-10  # and not uniform


def test_categorical_bins_equally_likely():
    choices = ["a", 1, None, True, 2.5]
    configs = Space({"c": Categorical(choices)}).sample(np.random.default_rng(4), 5000)
    index = [next(i for i, ch in enumerate(choices) if type(ch) is type(c["c"]) and ch == c["c"])
             for c in configs]  # by type and value: True and 1 are different choices
    counts = np.bincount(index, minlength=5)
    assert len(counts) == 5 and stats.chisquare(counts).pvalue > 0.01


# --- grids ----------------------------------------------------------------------------------
def test_grid_order_is_cartesian_last_fastest(space):
    grid = space.grid(3)
    axes = [np.geomspace(1e-6, 1e2, 3).tolist(), [8, 45, 256], [1, 2, 4], ["relu", "tanh", None]]
    assert [tuple(c.values()) for c in grid] == list(itertools.product(*axes))
    assert grid[:2] == [{"alpha": 1e-6, "hidden": 8, "layers": 1, "act": "relu"},
                        {"alpha": 1e-6, "hidden": 8, "layers": 1, "act": "tanh"}]


@SETTINGS
@given(spaces, st.integers(1, 4))
def test_grid_size_uniqueness_and_membership(space, resolution):
    grid = space.grid(resolution)
    sizes = [len(dim.choices) if isinstance(dim, Categorical) else
             min(resolution, dim.high - dim.low + 1) if isinstance(dim, Integer) else resolution
             for dim in space.values()]
    assert len(grid) == math.prod(sizes)
    keys = {tuple((type(v), v) for v in c.values()) for c in grid}
    assert len(keys) == len(grid)
    assert all(space.validate(c) == c for c in grid)


@SETTINGS
@given(st.integers(1, 10**6), st.integers(1, 10**6), st.integers(1, 12), st.booleans())
def test_integer_grid_distinct_sorted_with_ends(low, span, resolution, log):
    dim = Integer(low, low + span, log=log)
    values = dim.grid(resolution)
    m = min(resolution, span + 1)
    assert len(values) == m and values == sorted(set(values))
    assert all(type(v) is int and dim.low <= v <= dim.high for v in values)
    if m > 1:
        assert (values[0], values[-1]) == (dim.low, dim.high)


def test_real_grid_ends_and_midpoint():
    assert Real(-1.0, 3.0).grid(5) == [-1.0, 0.0, 1.0, 2.0, 3.0]
    np.testing.assert_allclose(Real(1e-4, 1.0, log=True).grid(5), [1e-4, 1e-3, 1e-2, 0.1, 1.0])
    assert Real(-1.0, 3.0).grid(1) == [1.0]
    assert Integer(0, 10).grid(1) == [5] and Integer(1, 6, log=True).grid(6) == [1, 2, 3, 4, 5, 6]


def test_grid_resolution_per_name(space):
    grid = space.grid({"alpha": 2, "hidden": 1, "layers": 4})
    assert len(grid) == 2 * 1 * 4 * 3
    assert len(space.grid({"alpha": 2, "hidden": 1, "layers": 4, "act": 1})) == len(grid)


@pytest.mark.parametrize(
    ("resolution", "error", "match"),
    [
        (0, ValueError, "resolution must be in"),
        (2.0, TypeError, "resolution must be an integer"),
        ({"alpha": 2, "hidden": 2}, ValueError, "resolution needs an entry for parameter 'layers'"),
        ({"alpha": 2, "hidden": 2, "layers": 2, "x": 2}, ValueError, r"unknown parameter\(s\)"),
        ({"alpha": 2, "hidden": 0, "layers": 2}, ValueError, r"resolution\['hidden'\]"),
    ],
)
def test_grid_errors(space, resolution, error, match):
    with pytest.raises(error, match=match):
        space.grid(resolution)


# --- conditional parameters -----------------------------------------------------------------
@pytest.fixture
def cond():
    dims = {
        "model": Categorical(["linear", "mlp", "cnn"]),
        "alpha": Real(1e-6, 1.0, log=True),
        "hidden": Integer(4, 128, log=True),
        "act": Categorical(["relu", "tanh"]),
        "slope": Real(0.0, 0.3),
    }
    conditions = {"hidden": ("model", ["mlp", "cnn"]), "act": ("model", ("mlp", "cnn")),
                  "slope": ("act", "relu")}
    return Space(dims, conditions)


def active_names(config):
    """Brute-force oracle of the activity rules of ``cond``."""
    names = ["model", "alpha"]
    if config["model"] in ("mlp", "cnn"):
        names += ["hidden", "act"]
        if config["act"] == "relu":
            names.append("slope")
    return names


def test_conditional_from_unit_drops_inactive(cond):
    configs = cond.sample(np.random.default_rng(0), 300)
    assert all(list(c) == active_names(c) for c in configs)
    assert {len(c) for c in configs} == {2, 4, 5}
    for c in configs:
        assert cond.validate(c) == c
        assert cond.from_unit(cond.to_unit(c))["model"] == c["model"]
        u = cond.to_unit(c)
        assert all(u[j] == 0.5 for j, name in enumerate(cond.names) if name not in c)


def test_conditional_validate(cond):
    with pytest.raises(ValueError, match=r"'hidden' is inactive: it needs 'model' in \('mlp', "):
        cond.validate({"model": "linear", "alpha": 0.1, "hidden": 8})
    with pytest.raises(ValueError, match="'slope' is missing"):
        cond.validate({"model": "mlp", "alpha": 0.1, "hidden": 8, "act": "relu"})
    with pytest.raises(ValueError, match="'slope' is inactive"):
        cond.validate({"model": "mlp", "alpha": 0.1, "hidden": 8, "act": "tanh", "slope": 0.1})
    assert cond.validate({"alpha": 0.1, "model": "linear"}) == {"model": "linear", "alpha": 0.1}


def test_conditional_grid_matches_filtered_product(cond):
    grid = cond.grid(2)
    axes = [dim.grid(2) for dim in cond.values()]
    oracle = []
    for values in itertools.product(*axes):
        full = dict(zip(cond.names, values, strict=True))
        config = {k: full[k] for k in active_names(full)}
        if config not in oracle:
            oracle.append(config)
    assert grid == oracle
    assert len(grid) == 2 + 2 * 2 * 2 * (1 * 2 + 1) * 1  # linear; mlp/cnn x alpha x hidden x act


def test_conditions_property_and_repr(cond):
    assert cond.conditions["slope"] == ("act", ("relu",))
    assert cond.conditions["hidden"] == ("model", ("mlp", "cnn"))
    rebuilt = eval(repr(cond), {"Space": Space, "Real": Real, "Integer": Integer,
                                "Categorical": Categorical})
    assert rebuilt == cond


# --- equality, repr and JSON ---------------------------------------------------------------
@SETTINGS
@given(spaces)
def test_json_round_trip(space):
    text = json.dumps(space.to_dict(), allow_nan=False)
    back = Space.from_dict(json.loads(text))
    assert back == space and back.names == space.names and hash(back) == hash(space)
    assert repr(back) == repr(space)


def test_json_and_pickle_round_trip_conditional(cond):
    assert Space.from_dict(json.loads(json.dumps(cond.to_dict()))) == cond
    assert pickle.loads(pickle.dumps(cond)) == cond  # process pools pickle spaces
    plain = Space(dict(cond.items()))
    assert plain != cond


def test_from_dict_unknown_type():
    with pytest.raises(ValueError, match=r"dims\['a'\]: type must be in"):
        Space.from_dict({"dims": [{"name": "a", "type": "complex", "low": 0, "high": 1}]})


def test_equality_respects_order_and_kind(space):
    assert space == Space(dict(space.items()))
    assert space != Space(dict(reversed(list(space.items()))))
    assert space != {"alpha": space["alpha"]} and space != dict(space)
    assert repr(space).startswith("Space({'alpha': Real(low=1e-06, high=100.0, log=True)")
    namespace = {"Space": Space, "Real": Real, "Integer": Integer, "Categorical": Categorical}
    assert eval(repr(space), namespace) == space
