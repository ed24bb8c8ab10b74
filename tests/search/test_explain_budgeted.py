"""SuccessiveHalving/Hyperband.explain: brackets, rungs and promotions against a brute-force
replay of the schedule and against the history told."""

import math
import pickle

import numpy as np
import pytest

from tunelab.search import Hyperband, SuccessiveHalving
from tunelab.space import Integer, Real, Space

SPACE = Space({"x": Real(1e-3, 1.0, log=True), "k": Integer(1, 4)})


def _f(c, b):
    v = (math.log10(c["x"]) + 1.5) ** 2 + 0.1 * c["k"] + 1.0 / b
    return float("nan") if c["k"] == 4 and b > 1 else round(v, 1)  # ties and failures


def _run(s, n, explain=False):
    asks = []
    for _ in range(n):
        if explain:
            s.explain()
        c, b = s.ask_budget()
        asks.append((c, b))
        s.tell(c, _f(c, b), budget=b)
    return asks


def test_explain_changes_no_ask():
    a = _run(Hyperband(SPACE, 1, 27, eta=3, seed=1), 80)
    b = _run(Hyperband(SPACE, 1, 27, eta=3, seed=1), 80, explain=True)
    assert a == b


def test_schedule_and_past_rungs():
    hb = Hyperband(SPACE, 1, 27, eta=3, seed=0)
    _run(hb, 70)
    snap = hb.explain()
    pickle.dumps(snap)
    # Li et al. (2018), Table 1, R = 27, eta = 3: n = ceil(4 * 3^s / (s + 1)) at r = 27 / 3^s
    for s_, rungs in zip(range(3, -1, -1), snap["schedule"], strict=True):
        n = math.ceil(4 * 3**s_ / (s_ + 1))
        assert rungs == [(n // 3**i, 27 // 3 ** (s_ - i)) for i in range(s_ + 1)]
    first = snap["brackets"][0]
    assert first["done"] and first["s"] == 3
    assert len(first["rungs"][0]["configs"]) == 27  # rung 0 kept after its promotion
    for i in range(1, 4):  # each rung holds the promoted of the one before, at most n_i
        rung = first["rungs"][i]
        assert len(rung["configs"]) == first["rungs"][i - 1]["promoted"].sum() <= rung["planned"]
    assert len(first["rungs"][3]["configs"]) == 1
    xs = [c["x"] for c in first["rungs"][0]["configs"]]
    np.testing.assert_array_equal(first["rungs"][0]["points"][:, 0], xs)  # in its units
    assert snap["axes"][0]["log"]
    assert [r["budget"] for r in first["rungs"]] == [1, 3, 9, 27]
    assert [b["number"] for b in snap["brackets"]] == list(range(len(snap["brackets"])))


@pytest.mark.parametrize("make", [lambda: Hyperband(SPACE, 1, 27, eta=3, seed=2),
                                  lambda: SuccessiveHalving(SPACE, 1, 9, eta=3, seed=2)])
def test_promotions_match_brute_force(make):
    s = make()
    _run(s, 90)
    snap = s.explain()
    checked = 0
    for br in snap["brackets"]:
        for i, rung in enumerate(br["rungs"][:-1]):
            nxt = br["rungs"][i + 1]
            if not nxt["reached"]:
                continue
            v = rung["values"]
            assert rung["told"].all()
            finite = [j for j in range(len(v)) if math.isfinite(v[j])]
            best = sorted(finite, key=lambda j: (v[j], j))[: br["schedule"][i + 1][0]]
            assert np.flatnonzero(rung["promoted"]).tolist() == sorted(best)
            for pos, j in enumerate(best):  # the next rung lists them by rank
                assert rung["promoted_to"][j] == pos
                assert nxt["configs"][pos] == rung["configs"][j]
            checked += 1
    assert checked >= 2


def test_jobs_match_the_history():
    hb = Hyperband(SPACE, 1, 9, eta=3, seed=3)
    asks = _run(hb, 40)
    c, b = hb.ask_budget()  # one job asked, not told
    snap = hb.explain()
    told = [(cfg, r["budget"], val) for br in snap["brackets"] for r in br["rungs"]
            for cfg, val, t in zip(r["configs"], r["values"], r["told"], strict=True) if t]
    assert len(told) == hb.n_told == 40
    expected = sorted(((str(cfg), bud, _f(cfg, bud)) for cfg, bud in asks), key=str)
    got = sorted(((str(cfg), bud, val) for cfg, bud, val in told), key=str)
    for (c1, b1, v1), (c2, b2, v2) in zip(expected, got, strict=True):
        assert (c1, b1) == (c2, b2)
        assert v1 == v2 or (math.isnan(v1) and math.isnan(v2))
    untold = [(cfg, r["budget"]) for br in snap["brackets"] for r in br["rungs"]
              for cfg, a, t in zip(r["configs"], r["asked"], r["told"], strict=True)
              if a and not t]
    assert untold == [(c, b)] and snap["n_pending"] == 1
    assert snap["n_observations"] == {bud: sum(1 for _, x in asks if x == bud)
                                      for bud in hb.budgets}
    assert all(np.isnan(r["values"][~r["told"]]).all() for br in snap["brackets"]
               for r in br["rungs"])
