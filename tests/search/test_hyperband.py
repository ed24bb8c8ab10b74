"""Hyperband and successive halving: the schedule, the promotions, the protocol, bad input."""

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tunelab import search
from tunelab.search import Hyperband, SuccessiveHalving
from tunelab.space import Categorical, Integer, Real, Space

SPACE = Space({"x": Real(0.0, 1.0), "k": Integer(1, 5), "c": Categorical(["a", "b"])})

LI_TABLE = [  # Li et al. (2018), Table 1: R = 81, eta = 3
    [(81, 1), (27, 3), (9, 9), (3, 27), (1, 81)],
    [(34, 3), (11, 9), (3, 27), (1, 81)],
    [(15, 9), (5, 27), (1, 81)],
    [(8, 27), (2, 81)],
    [(5, 81)],
]


def test_brackets_are_li_et_al_table():
    hb = Hyperband(SPACE, min_budget=1, max_budget=81, eta=3, seed=0)
    assert hb.brackets() == LI_TABLE
    assert hb.budgets == [1, 3, 9, 27, 81] and hb.s_max == 4
    assert all(type(r) is int for bracket in hb.brackets() for _, r in bracket)


def _brute_schedule(min_budget, max_budget, eta):
    """Li et al.'s formulas by enumeration, with exact rationals: s_max the largest s with
    eta**s <= R, n = ceil((s_max+1)/(s+1) eta**s), n_i = floor(n / eta**i),
    r_i = max_budget * eta**(i - s)."""
    ratio = Fraction(max_budget) / Fraction(min_budget)
    s_max = max(s for s in range(200) if Fraction(eta) ** s <= ratio)
    table = []
    for s in range(s_max, -1, -1):
        n = math.ceil(Fraction(s_max + 1, s + 1) * eta**s)
        rungs = []
        for i in range(s + 1):
            exact = Fraction(max_budget) * Fraction(eta) ** (i - s)
            r = math.floor(exact) if isinstance(max_budget, int) else float(exact)
            rungs.append((math.floor(Fraction(n, eta**i)), r))
        table.append(rungs)
    return s_max, table


@settings(max_examples=200, deadline=None)
@given(
    min_budget=st.integers(1, 50),
    ratio=st.integers(1, 5000),
    extra=st.integers(0, 40),
    eta=st.integers(2, 9),
)
def test_schedule_formulas_against_brute_force(min_budget, ratio, extra, eta):
    max_budget = min_budget * ratio + extra
    hb = Hyperband(SPACE, min_budget=min_budget, max_budget=max_budget, eta=eta, seed=0)
    s_max, table = _brute_schedule(min_budget, max_budget, eta)
    assert hb.s_max == s_max
    assert hb.brackets() == table
    assert min_budget <= hb.budgets[0] < eta * min_budget or s_max == 0
    assert hb.budgets[-1] == max_budget
    assert all(n >= 1 for bracket in table for n, _ in bracket)


@settings(max_examples=100, deadline=None)
@given(min_budget=st.floats(1e-3, 10.0), ratio=st.floats(1.0, 1e4), eta=st.integers(2, 6))
def test_schedule_formulas_with_float_budgets(min_budget, ratio, eta):
    max_budget = min_budget * ratio
    hb = Hyperband(SPACE, min_budget=min_budget, max_budget=max_budget, eta=eta, seed=0)
    assert (hb.s_max, hb.brackets()) == _brute_schedule(min_budget, max_budget, eta)
    assert all(type(b) is float for b in hb.budgets)


@pytest.mark.parametrize(
    ("ratio", "eta", "s_max"),
    [(243, 3, 5), (3**20, 3, 20), (5**10, 5, 10), (5**10 - 1, 5, 9), (1000, 10, 3), (999, 10, 2)],
)
def test_s_max_is_exact_at_powers(ratio, eta, s_max):
    # math.log(243, 3) is 4.999999999999999: a float log would give s_max = 4
    assert Hyperband(SPACE, min_budget=1, max_budget=ratio, eta=eta).s_max == s_max
    assert Hyperband(SPACE, min_budget=0.5, max_budget=0.5 * ratio, eta=eta).s_max == s_max


def test_successive_halving_schedule():
    assert SuccessiveHalving(SPACE, 1, 81).brackets() == [LI_TABLE[0]]
    assert SuccessiveHalving(SPACE, 1, 27, eta=3, n_configs=40).brackets() == [
        [(40, 1), (13, 3), (4, 9), (1, 27)]
    ]
    assert SuccessiveHalving(SPACE, 2, 16, eta=2).brackets() == [[(8, 2), (4, 4), (2, 8), (1, 16)]]


def _value(config, budget):
    """A known function with ties (rounded) and failures (nan for x > 0.85)."""
    if config["x"] > 0.85:
        return math.nan
    return round((config["x"] - 0.4) ** 2 + 0.1 * config["k"] / budget, 2)


def _brute_halving(configs, rungs):
    """Successive halving by hand: each rung ranks its configurations by (value, order),
    failures excluded, and keeps the first n_{i+1}; returns the (config, budget) jobs."""
    jobs, alive = [], list(configs)
    for i, (_, r) in enumerate(rungs):
        jobs += [(c, r) for c in alive]
        if i + 1 == len(rungs):
            break
        scored = [(_value(c, r), j, c) for j, c in enumerate(alive)]
        finite = sorted((v, j, c) for v, j, c in scored if not math.isnan(v))
        alive = [c for _, _, c in finite[: rungs[i + 1][0]]]
    return jobs


def _run(strategy, n, value=_value):
    out = []
    for _ in range(n):
        config, budget = strategy.ask_budget()
        out.append((config, budget))
        strategy.tell(config, value(config, budget), budget=budget)
    return out


@pytest.mark.parametrize(
    "strategy",
    [
        Hyperband(SPACE, 1, 81, eta=3, seed=3),
        SuccessiveHalving(SPACE, 1, 27, eta=3, n_configs=50, seed=4),
    ],
)
def test_promotions_match_brute_force_successive_halving(strategy):
    for _ in range(2):  # two rounds of the schedule
        for rungs in strategy.brackets():
            got = _run(strategy, rungs[0][0])
            expected = _brute_halving([c for c, _ in got], rungs)
            got += _run(strategy, len(expected) - len(got))
            assert got == expected
    assert not strategy._open  # every bracket ended with its last rung


def test_ties_and_failures_in_a_rung():
    sh = SuccessiveHalving(Space({"x": Real(0.0, 1.0)}), 1, 9, eta=3, seed=0)
    jobs = [sh.ask_budget() for _ in range(9)]
    values = [5.0, math.nan, 1.0, 1.0, math.inf, 1.0, 0.5, math.nan, 2.0]
    for (config, budget), value in zip(jobs, values, strict=True):
        sh.tell(config, value, budget=budget)
    promoted = [sh.ask_budget() for _ in range(3)]
    # best 0.5 (position 6), then the ties at 1.0 by position: 2, 3
    assert promoted == [(jobs[6][0], 3), (jobs[2][0], 3), (jobs[3][0], 3)]


def test_all_failures_end_the_bracket():
    sh = SuccessiveHalving(Space({"x": Real(0.0, 1.0)}), 1, 9, eta=3, seed=0)
    first = [sh.ask_budget() for _ in range(9)]
    for config, budget in first:
        sh.tell(config, math.nan, budget=budget)
    config, budget = sh.ask_budget()  # a new bracket, at the smallest budget
    assert budget == 1 and config not in [c for c, _ in first]


def test_plain_ask_and_tell_follow_the_schedule():
    a = Hyperband(SPACE, 1, 27, seed=5)
    b = Hyperband(SPACE, 1, 27, seed=5)
    for _ in range(80):
        config, budget = a.ask_budget()
        a.tell(config, _value(config, budget), budget=budget)
        plain = b.ask()
        assert plain == config
        b.tell(plain, _value(config, budget))  # budget found from the pending job
    assert a.history == b.history and a.observations == b.observations


def test_asks_before_tells_open_the_next_bracket_and_order_of_tells_does_not_matter():
    a = Hyperband(SPACE, 1, 27, seed=2)
    b = Hyperband(SPACE, 1, 27, seed=2)
    batch_a = a.ask_budget_batch(30)  # bracket s=3 has 27 jobs at budget 1; then s=2
    assert [r for _, r in batch_a] == [1] * 27 + [3, 3, 3]
    batch_b = b.ask_budget_batch(30)
    assert batch_a == batch_b
    for config, budget in batch_a:
        a.tell(config, _value(config, budget), budget=budget)
    for config, budget in reversed(batch_b):
        b.tell(config, _value(config, budget), budget=budget)
    assert a.ask_budget_batch(12) == b.ask_budget_batch(12)


def test_deterministic_given_the_seed():
    assert _run(Hyperband(SPACE, 1, 27, seed=7), 60) == _run(Hyperband(SPACE, 1, 27, seed=7), 60)
    assert _run(Hyperband(SPACE, 1, 27, seed=7), 5) != _run(Hyperband(SPACE, 1, 27, seed=8), 5)


def test_replay_gives_the_same_state():
    original = Hyperband(SPACE, 1, 27, seed=11)
    events = []  # asks and tells interleaved, several asks before their tells
    for _ in range(6):
        batch = original.ask_budget_batch(7)
        events += [("ask", c, b) for c, b in batch]
        for config, budget in batch[::-1]:
            original.tell(config, _value(config, budget), budget=budget)
            events.append(("tell", config, budget))
    rebuilt = Hyperband(SPACE, **original.get_params())
    for kind, config, budget in events:
        if kind == "ask":
            rebuilt.replay_ask(config, budget=budget)
        else:
            rebuilt.tell(config, _value(config, budget), budget=budget)
    assert (rebuilt.n_asked, rebuilt.n_told) == (original.n_asked, original.n_told)
    assert _run(rebuilt, 40) == _run(original, 40)


def test_replay_of_another_run_warns():
    hb = Hyperband(SPACE, 1, 27, seed=0)
    with pytest.warns(UserWarning, match="differs from the stored run"):
        hb.replay_ask({"x": 0.5, "k": 1, "c": "a"}, budget=1)
    hb.tell({"x": 0.5, "k": 1, "c": "a"}, 1.0, budget=1)  # the stored job is followed
    assert hb.observations[1] == [({"x": 0.5, "k": 1, "c": "a"}, 1.0)]


def test_warm_start_tells_are_observations_only():
    hb = Hyperband(SPACE, 1, 9, seed=0)
    hb.tell({"x": 0.1, "k": 2, "c": "b"}, 0.3)
    hb.tell({"x": 0.2, "k": 2, "c": "b"}, 0.4, budget=3)
    assert hb.observations[9] == [({"x": 0.1, "k": 2, "c": "b"}, 0.3)]
    assert hb.observations[3] == [({"x": 0.2, "k": 2, "c": "b"}, 0.4)]
    assert _run(hb, 20) == _run(Hyperband(SPACE, 1, 9, seed=0), 20)


def test_registry_and_params_rebuild():
    assert {"hyperband", "successive_halving"} <= set(search.names())
    hb = search.make_strategy("hyperband", SPACE, seed=1, max_budget=27, sampler="bayes")
    assert isinstance(hb, Hyperband) and hb.name == "hyperband"
    again = search.make_strategy(hb.name, SPACE, **hb.get_params())
    assert repr(again) == repr(hb)
    sh = search.make_strategy("successive_halving", SPACE, min_budget=1, max_budget=9)
    assert isinstance(sh, SuccessiveHalving)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"min_budget": 10, "max_budget": 9}, ValueError, "min_budget must be <= max_budget"),
        ({"min_budget": 0}, ValueError, r"min_budget must be in \(0.0, inf\); got 0"),
        ({"min_budget": -1.0}, ValueError, "min_budget"),
        ({"max_budget": 0.0}, ValueError, "max_budget"),
        ({"max_budget": math.inf}, ValueError, "max_budget must be finite"),
        ({"max_budget": "81"}, TypeError, "max_budget must be a real number"),
        ({"eta": 1}, ValueError, r"eta must be in \[2, inf\); got 1"),
        ({"eta": 0}, ValueError, r"eta must be in \[2, inf\)"),
        ({"eta": 2.5}, TypeError, "eta must be an integer"),
        ({"sampler": "tpe"}, ValueError, "sampler"),
        ({"random_fraction": 1.5}, ValueError, "random_fraction"),
        ({"min_points": 0}, ValueError, "min_points"),
        ({"bo_options": {"n_initial": 3}}, ValueError, "min_points"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        Hyperband(SPACE, **kwargs)


def test_bad_n_configs():
    with pytest.raises(ValueError, match=r"n_configs must be in \[27, inf\); got 26"):
        SuccessiveHalving(SPACE, 1, 27, n_configs=26)


@pytest.mark.parametrize("budget", [2, 0, -3, 81.5, 243, math.nan])
def test_tell_at_a_budget_never_asked(budget):
    hb = Hyperband(SPACE, 1, 81, seed=0)
    config, _ = hb.ask_budget()
    with pytest.raises(
        ValueError,
        match=r"budget must be one of the rung budgets "
        r"\[1, 3, 9, 27, 81\].*min_budget=1 to max_budget=81",
    ):
        hb.tell(config, 1.0, budget=budget)
    assert hb.n_told == 0 and hb.history == []


def test_tell_bad_budget_type_and_equal_float_budget():
    hb = Hyperband(SPACE, 1, 9, seed=0)
    config, budget = hb.ask_budget()
    with pytest.raises(ValueError, match="budget must be one of"):
        hb.tell(config, 1.0, budget=True)
    hb.tell(config, 1.0, budget=np.float64(1.0))  # equal to the int budget 1
    assert hb.observations[1] == [(config, 1.0)]
