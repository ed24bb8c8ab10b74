"""Behaviours of :mod:`tunelab.search._pending` found untested by mutation testing: twins of a
queued slot across blocks, what :meth:`Proposals.recall` gives back (slot 0, a conditional
space), recording by equality into slot 0, and the stale genomes of :func:`pop_stale`."""

from collections import deque

import numpy as np
import pytest

from tunelab.search._decoder import Decoder, config_key
from tunelab.search._pending import Proposals, pop_stale
from tunelab.search._told_table import KnownValues
from tunelab.space import Categorical, Integer, Real, Space

TINY = Space({"k": Integer(0, 9), "c": Categorical(["a", "b"])})
A, B, C = {"k": 1, "c": "a"}, {"k": 2, "c": "b"}, {"k": 3, "c": "a"}


def _genomes(configs):
    return TINY.to_unit(configs)


def test_a_later_block_equal_to_a_queued_slot_waits_for_its_value():
    decoder = Decoder(TINY)
    gen = Proposals(decoder, 2, KnownValues(decoder))
    assert gen.extend(_genomes([B]))
    assert gen.extend(_genomes([B, C]))  # this B equals slot 0, queued and untold
    assert gen.queue == [0, 2]
    handed = gen.hand_out(3, lambda: pytest.fail("no refill"), ahead=False)
    assert handed == [B, C]
    assert gen.record(gen.recall(handed[0]), 4.0)
    assert gen.told.tolist() == [True, True, False] and gen.values[:2].tolist() == [4.0, 4.0]
    assert gen.n_done == 2 and gen.n_told == 1


@pytest.mark.parametrize("screened", [False, True])
def test_recall_of_the_first_copy_handed_out_gives_the_kept_configuration(screened):
    decoder = Decoder(TINY)
    gen = Proposals(decoder, 2, KnownValues(decoder) if screened else None)
    gen.extend(_genomes([A, B, C]))
    handed = gen.hand_out(3, lambda: pytest.fail("no refill"))
    for slot, copy in enumerate(handed):
        assert gen.recall(copy) is gen.configs[slot]
        assert copy is not gen.configs[slot]
    assert gen.recall(dict(A)) is gen.configs[0]  # an equal dict finds slot 0 too


def test_recall_in_a_conditional_space_gives_the_kept_configuration():
    space = Space({"model": Categorical(["linear", "mlp"]), "alpha": Real(1e-3, 1.0, log=True),
                   "h": Integer(4, 64)}, conditions={"h": ("model", "mlp")})
    gen = Proposals(Decoder(space), 3)
    U = np.random.default_rng(0).random((6, 3))
    gen.extend(U)
    handed = gen.hand_out(6, lambda: pytest.fail("no refill"))
    assert handed == space.from_unit(U)
    for slot, copy in enumerate(handed):
        own = gen.recall(copy)
        assert own is gen.configs[slot] and own == copy
    changed = dict(handed[1], alpha=0.5)
    assert gen.recall(changed) is None  # not a copy handed out, and equal to none


def test_record_without_recall_finds_slot_zero_by_equality():
    gen = Proposals(Decoder(TINY), 2)
    gen.extend(_genomes([A, B]))
    gen.hand_out(2, lambda: pytest.fail("no refill"))
    assert gen.record(dict(A), 1.5)  # a validated equal dict, never recalled
    assert gen.record(dict(B), 2.5)
    assert gen.values.tolist() == [1.5, 2.5] and gen.n_told == 2
    assert not gen.record(dict(C), 3.5)  # never handed out


def test_retired_genomes_come_back_oldest_first_then_none():
    gen = Proposals(Decoder(TINY), 2)
    G = _genomes([A, B, A])
    gen.extend(G)
    handed = gen.hand_out(3, lambda: pytest.fail("no refill"))
    gen.record(gen.recall(handed[1]), 1.0)  # B told: not stale
    stale: dict[tuple, deque] = {}
    gen.retire(stale)
    assert set(stale) == {config_key(A)}
    np.testing.assert_array_equal(pop_stale(stale, dict(A)), G[0])
    np.testing.assert_array_equal(pop_stale(stale, dict(A)), G[2])
    assert stale == {}  # an emptied key is dropped
    assert pop_stale(stale, dict(A)) is None
    assert pop_stale(stale, dict(B)) is None


def test_a_copy_told_again_goes_to_its_first_untold_twin_even_one_handed_out_as_a_row():
    # A copy told back stays indexed: told again, it finds its slot told and goes to the
    # first untold of its twins (here one handed out as a row, so never decoded into a dict).
    gen = Proposals(Decoder(TINY), 2)
    gen.extend(_genomes([A, B, A]))
    (first,) = gen.hand_out(1, lambda: pytest.fail("no refill"))
    rows = gen.hand_out(2, lambda: pytest.fail("no refill"), rows=True)
    np.testing.assert_array_equal(rows, Decoder(TINY).rows([B, A]))
    assert gen.configs[2] is None
    assert gen.record(gen.recall(first), 1.0)
    own = gen.recall(first)  # told again
    assert own == A and own is gen.configs[2]
    assert gen.record(own, 2.0)
    assert gen.told.tolist() == [True, False, True] and gen.values[[0, 2]].tolist() == [1.0, 2.0]
