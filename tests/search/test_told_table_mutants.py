"""Behaviours of :mod:`tunelab.search._told_table` found untested by mutation testing: values
filed one by one (as single tells file them) keep the latest per configuration, ``-0.0`` and
``0.0`` alike, and the table keeps every value as it grows."""

import numpy as np
import pytest

from tunelab.search._decoder import Decoder
from tunelab.search._told_table import KnownValues
from tunelab.space import Categorical, Integer, Real, Space


def test_single_filings_keep_the_latest_value_with_minus_zero_as_zero():
    space = Space({"z": Real(-1.0, 1.0), "k": Integer(0, 3)})
    known = KnownValues(Decoder(space))
    known.file(np.array([-0.0, 1.0]), 1.0)
    known.file(np.array([0.0, 1.0]), 2.0)
    known.file(np.array([-0.0, 1.0]), 3.0)  # the latest of the three, all one configuration
    assert len(known) == 1
    assert known.get({"z": 0.0, "k": 1}) == 3.0
    assert known.get({"z": -0.0, "k": 1}) == 3.0


def test_single_filings_before_and_after_a_bulk_update_keep_the_latest():
    space = Space({"k": Integer(0, 9), "c": Categorical(["a", "b"])})
    decoder = Decoder(space)
    known = KnownValues(decoder)
    row = decoder.rows([{"k": 4, "c": "b"}])
    known.file(row[0], 1.0)
    known.update(row, None, [2.0])  # a block filed after the single one: it wins
    assert known.get({"k": 4, "c": "b"}) == 2.0
    known.file(row[0], 3.0)
    assert known.get({"k": 4, "c": "b"}) == 3.0 and len(known) == 1


@pytest.mark.parametrize("n", [31, 32, 33, 64, 65, 1500])
def test_the_table_keeps_every_value_as_it_grows(n):
    space = Space({"k": Integer(0, 5000)})
    decoder = Decoder(space)
    known = KnownValues(decoder)
    rng = np.random.default_rng(n)
    keys = rng.permutation(5001)[:n]
    half = n // 2
    known.update(keys[:half, None].astype(float), None, keys[:half] + 0.5)
    for k in keys[half:]:
        known.file(np.array([float(k)]), k + 0.5)  # single filings, joined in bulk later
    assert len(known) == n
    found, values = known.lookup(keys[:, None].astype(float))
    assert found.all() and values.tolist() == (keys + 0.5).tolist()
    absent = np.setdiff1d(np.arange(5001), keys)[:50, None].astype(float)
    assert not known.lookup(absent)[0].any()


def _conditional():
    return Space({"model": Categorical(["linear", "mlp"]), "h": Integer(1, 3)},
                 conditions={"h": ("model", "mlp")})


def test_conditional_screening_against_known_values_and_pending_configurations():
    # a dict of config keys stands in for the table: known, new (first of its kind among
    # the pending configurations and the block) or a twin of the first equal one
    known = KnownValues(Decoder(_conditional()))
    lin, m1, m2, m3 = ({"model": "linear"}, {"model": "mlp", "h": 1},
                       {"model": "mlp", "h": 2}, {"model": "mlp", "h": 3})
    known[m1] = 0.5
    block = [m2, lin, m1, m2, m3, lin]
    new, known_rows, hits, twins, leads = known.screen(None, block, None, None)
    assert new.tolist() == [0, 1, 4]
    assert known_rows.tolist() == [2] and hits.tolist() == [0.5]
    assert twins.tolist() == [3, 5] and leads.tolist() == [0, 1]
    # with m3 and lin pending (handed out, untold): their equals in the block are twins
    new, known_rows, hits, twins, leads = known.screen(None, block, None, [m3, lin])
    assert new.tolist() == [0]
    assert twins.tolist() == [1, 3, 4, 5] and leads.tolist() == [1, 2, 0, 1]
    assert known_rows.tolist() == [2]
