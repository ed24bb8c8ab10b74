"""A generation's proposals: decoded a block at a time, handed out, recognized when told.

Shared by the evolutionary strategies, which draw a whole generation of unit-cube points at
once and decode it in one pass (:class:`tunelab.search._decoder.Decoder`). :class:`Proposals`
hands out copies of the configurations and, when one comes back to ``tell``, finds its slot
without validating it again:

- the very dict handed out, with the same keys and the same value objects in the same order
  (identity, not equality: ``True == 1`` yet ``True`` is no integer): a dict lookup;
- an equal configuration (same names in order, equal values of the same types), as a study
  passes back, or equal configurations handed out twice ("twins"): a lookup by
  :func:`config_key`, which takes the first untold of equal slots, so that the slot a value
  lands in depends only on the configurations told, as when a stored run is replayed.

Anything else is validated by ``tell`` as usual. :meth:`Proposals.record_batch` records a
whole batch of handed-out copies at once (``Strategy.tell_batch``). Proposals may also go out
as rows of values, without a dict (``Strategy.ask_array``), and come back as rows:
:meth:`Proposals.record_rows` recognizes rows equal to a block it handed out. The dicts of
an unconditional space are built only when first handed out.

Given the values already known (:class:`~tunelab.search._told_table.KnownValues`), proposals
may also screen out clones: a proposal whose configuration has a known value takes that value
and is not handed out, and one equal to a proposal still waiting for its value takes that value
when it comes (see :class:`Proposals`).

References
----------
.. [1] T. Head et al., scikit-optimize, ``skopt.Optimizer``: ``tell`` validates what it did
   not propose.
.. [2] F.-A. Fortin et al., "DEAP: evolutionary algorithms made easy", JMLR 13, 2012;
   ``deap.algorithms.eaSimple`` evaluates only the offspring whose fitness is invalid.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable
from itertools import chain
from operator import is_
from typing import Any

import numpy as np

from tunelab.search._decoder import Decoder, config_key
from tunelab.search._told_table import (
    KnownValues,
    first_equal,
    first_equal_keys,
    store_untold,
)


class Proposals:
    """One generation's proposals in draw order: genomes, configurations and told values.

    Parameters
    ----------
    decoder : Decoder
        Decodes the unit points of each block of genomes.
    d : int
        Genes per genome.
    known : KnownValues or None, default=None
        The values known so far (the strategy's, shared and kept up to date: :meth:`record`
        adds each value it stores). When given, each block
        is screened as it is drawn: a slot whose configuration has a known value takes it
        and is not handed out ("inherited"), and one equal to a slot of this generation
        still waiting for its value (a "twin") is not handed out either and takes that value
        when it is recorded. A block with nothing new (all inherited or twins) queues
        nothing, or, when :meth:`extend` is told so, is handed out whole, as without
        screening.

    Attributes
    ----------
    genomes : ndarray of shape (n, d)
        The genomes drawn so far (in the strategy's own coordinates), one per slot.
    configs : list of dict
        Their configurations, kept here (``None`` for slots not decoded yet: those screened
        out, or not handed out as dicts); :meth:`hand_out` returns copies.
    values, told : ndarray of shape (n,)
        The value of each slot (``nan`` until told or inherited), and whether it has one.
    queue : list of int
        The slots to hand out, in order (all of them without screening).
    cursor : int
        Slots of ``queue`` handed out.
    n_told, n_done : int
        Slots told, and slots with a value (told or inherited).
    n_blocks : int
        Blocks drawn.
    """

    def __init__(self, decoder: Decoder, d: int, known: KnownValues | None = None) -> None:
        self.decoder = decoder
        self.known = known
        self.genomes = np.empty((0, d))
        self.configs: list[dict[str, Any]] = []
        self.values = np.empty(0)
        self.told = np.empty(0, dtype=bool)
        self.queue: list[int] = []
        self.cursor = 0
        self.n_told = self.n_done = self.n_blocks = 0
        self._out = np.empty(0, dtype=bool)  # per slot: handed out
        self._V = np.empty((0, d))  # per slot, its values (Decoder.values), if the space has
        self._row_blocks: list[tuple[np.ndarray, np.ndarray]] = []  # slots, rows handed out
        self._twins: dict[int, list[int]] = {}  # slot -> the slots equal to it, itself included
        self._names = None if decoder.conditional else list(decoder.names)
        self._recalled: tuple[dict[str, Any] | None, int] = (None, -1)  # recall's last answer
        self._blocks: list[tuple[list[dict], list[int]]] = []  # copies handed out, slots
        self._handed: dict[int, int] = {}  # id of a copy -> its slot (the blocks indexed)
        self._handed_blocks = 0
        self._index: dict[tuple, list[int]] = {}  # config_key -> slots handed out
        self._indexed = 0  # queue entries indexed
        self._waiting: dict[int, list[int]] = {}  # queued slot -> its twins
        self._repeats = False  # a screened block was handed out whole

    def extend(self, genomes: np.ndarray, unit: np.ndarray | None = None,
               whole: bool = False) -> bool:
        """Append a block of genomes; ``unit`` are their unit points (default: themselves).
        With ``whole``, a screened block with nothing new is handed out whole. Returns
        whether the block queued anything."""
        unit = genomes if unit is None else unit
        self.n_blocks += 1
        start, n = len(self.configs), len(unit)
        if start:
            self.genomes = np.vstack([self.genomes, genomes])
            self.values = np.concatenate([self.values, np.full(n, math.nan)])
            self.told = np.concatenate([self.told, np.zeros(n, dtype=bool)])
            self._out = np.concatenate([self._out, self.told[start:]])
        else:
            self.genomes, self.values = genomes, np.full(n, math.nan)
            self.told, self._out = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
        V = self.decoder.values(unit)
        if V is None:  # a conditional space (or non-finite points): decoded by the space
            self.configs.extend(self.decoder.space.from_unit(unit))
        else:  # decoded into dicts when handed out
            self.configs.extend([None] * n)
            self._V = np.vstack([self._V, V]) if start else V
        if self.known is not None:
            return self._extend_screened(V, start, whole)
        self.queue.extend(range(start, start + n))
        self._twins = self._twin_groups(self.queue)
        return True

    def _first_equal(self, slots: list[int]) -> np.ndarray:
        """For each of ``slots``, the position in ``slots`` of the first with an equal
        configuration."""
        if self.decoder.conditional:
            return first_equal_keys([config_key(self.configs[slot]) for slot in slots])
        return first_equal(self._V[slots])

    def _twin_groups(self, slots: list[int]) -> dict[int, list[int]]:
        """Slot -> the slots of ``slots`` with its configuration (itself included), for
        configurations that several share."""
        first = self._first_equal(slots)
        if (first == np.arange(len(slots))).all():
            return {}
        groups: dict[int, list[int]] = {}
        for slot, i in zip(slots, first.tolist(), strict=True):
            groups.setdefault(i, []).append(slot)
        return {slot: group for group in groups.values() if len(group) > 1 for slot in group}

    def _extend_screened(self, V: np.ndarray | None, start: int, whole: bool) -> bool:
        """:meth:`extend` with screening, the block's values ``V`` (or dicts) in place.

        Queue the new slots of the block, give the inherited ones their value and file the
        twins; with ``whole``, queue the whole block when nothing is new. Returns whether
        anything was queued."""
        queue, conditional = self.queue, self.decoder.conditional
        new, known, hits, twins, leaders = self.known.screen(  # queued: untold (or known)
            V, self.configs[start:] if conditional else None,
            self._V[queue] if queue and not conditional else None,
            self._configs_at(queue) if conditional else None)
        new = (start + new).tolist()
        if not new and whole:  # nothing new: the block goes out whole, as unscreened
            self._repeats = True
            queue.extend(range(start, len(self.configs)))
            self._twins = self._twin_groups(queue)
            return True
        if known.size:
            self._take(start + known, hits)
        if twins.size:  # twins wait for their leader's value
            m = len(queue)
            slots = np.where(leaders < m, np.asarray(queue + [0])[np.minimum(leaders, m)],
                             start + leaders - m)
            for leader, slot in zip(slots.tolist(), (start + twins).tolist(), strict=True):
                self._waiting.setdefault(leader, []).append(slot)
        queue += new
        if self._repeats:  # kept slots differ, unless a block went out whole
            self._twins = self._twin_groups(queue)
        return bool(new)

    def _take(self, slots: Any, values: Any) -> None:
        """Give slots not handed out (inherited, twins) their values."""
        self.values[slots] = values
        self.told[slots] = True
        self.n_done += len(slots)

    def hand_out(self, n: int, refill: Callable[[], None], ahead: bool = True,
                 rows: bool = False) -> list[dict[str, Any]] | np.ndarray:
        """Copies of the next ``n`` configurations; ``refill()`` extends the stream when it
        runs dry. Fewer when a refill queues nothing, and with ``ahead=False``, where the
        stream runs dry once it has handed out any. With ``rows``, their values instead, as
        the rows of a new array (an unconditional space only)."""
        slots: list[int] = []
        while len(slots) < n:
            if self.cursor == len(self.queue):
                if slots and not ahead:
                    break
                refill()
                if self.cursor == len(self.queue):  # the block queued nothing
                    break
            start = self.cursor
            self.cursor = min(len(self.queue), start + n - len(slots))
            slots += self.queue[start:self.cursor]
        if rows:
            index = np.array(slots, dtype=np.int64)
            self._out[index] = True
            own = self._V[index]
            self._row_blocks.append((index, own))
            return own.copy()
        self._out[slots] = True
        block = list(map(dict.copy, self._configs_at(slots)))
        self._blocks.append((block, slots))  # kept alive: their ids stay theirs
        return block[:]  # the caller's list

    def _configs_at(self, slots: list[int]) -> list[dict[str, Any]]:
        """The kept configurations of ``slots``, decoded from their values if not yet."""
        configs = self.configs
        missing = [slot for slot in slots if configs[slot] is None]
        if missing:
            for slot, config in zip(missing, self.decoder.configs(self._V[missing]),
                                    strict=True):
                configs[slot] = config
        return list(map(configs.__getitem__, slots))

    def _slot_of(self, config: Any) -> int:
        """The slot of a handed-out copy (ids indexed when first needed), or -1. A copy
        told back stays indexed: told again, it finds its slot told and goes to the first
        untold of its twins, the slot :meth:`find` would give an equal dict."""
        for block, slots in self._blocks[self._handed_blocks:]:
            self._handed.update(zip(map(id, block), slots, strict=True))
        self._handed_blocks = len(self._blocks)
        return self._handed.get(id(config), -1)

    def recall(self, config: Any) -> dict[str, Any] | None:
        """The kept configuration of the slot ``config``'s value goes to (see
        :meth:`record`) when ``config`` is a handed-out copy, unchanged, or a dict equal to
        an untold one; else ``None``."""
        slot = self._slot_of(config)
        if slot >= 0:
            own = self.configs[slot]
            if not (list(config) == (self._names or list(own)) and all(
                    map(is_, config.values(), own.values()))):  # changed: not the same objects
                slot = -1
            elif self.told[slot] or slot in self._twins:
                slot = self._first_untold(self._twins.get(slot, ()))
        elif type(config) is dict:
            try:
                slot = self.find(config_key(config))
            except TypeError:  # an unhashable value: not one of ours
                pass
        own = (self.configs[slot] or self._configs_at([slot])[0]) if slot >= 0 else None
        self._recalled = own, slot
        return own

    def find(self, key: tuple) -> int:
        """The first untold slot handed out with configuration ``key``, or -1."""
        slots = self.queue[self._indexed:self.cursor]
        for slot, config in zip(slots, self._configs_at(slots), strict=True):
            self._index.setdefault(config_key(config), []).append(slot)
        self._indexed = self.cursor
        return self._first_untold(self._index.get(key, ()))

    def _first_untold(self, slots: Iterable[int]) -> int:
        return next((s for s in slots if self._out[s] and not self.told[s]), -1)

    def record(self, config: dict[str, Any], value: float) -> bool:
        """Store the value of a validated configuration in its slot: its own, for one the
        last :meth:`recall` returned, else the first untold slot handed out with an equal
        configuration; ``False`` when there is none."""
        own, slot = self._recalled
        if own is not config:
            slot = self.find(config_key(config))
            if slot < 0:
                return False
        self.values[slot] = value
        self.told[slot] = True
        self.n_told += 1
        self.n_done += 1
        if self.known is None:
            return True
        if self.decoder.conditional:
            self._settle([slot], [value])
        else:  # one row: filed without a block
            self.known.file(self._V[slot], value)
            if slot in self._waiting:
                twins = self._waiting.pop(slot)
                self._take(twins, [value] * len(twins))
        return True

    def record_batch(self, configs: list[Any], values: list[float]) -> list[dict] | None:
        """Store a batch of values at once when every configuration is a distinct copy
        handed out, unchanged (same keys and value objects, in order), of an untold slot
        without twins: the slots :meth:`record` would pick, one by one. Returns the kept
        configurations, or ``None`` (and stores nothing) otherwise."""
        block, slots = self._blocks[-1] if self._blocks else ([], [])
        n = len(configs)
        if n != len(block) or not all(map(is_, configs, block)):  # not the last batch asked
            slots = list(map(self._slot_of, configs))
            if -1 in slots or len(set(slots)) < n:
                return None
        if self.told[slots].any():
            return None
        if self._twins and not self._twins.keys().isdisjoint(slots):
            return None
        owns = list(map(self.configs.__getitem__, slots))
        if (list(map(len, configs)) != list(map(len, owns))  # the same keys, in order
                or [*chain.from_iterable(configs)] != [*chain.from_iterable(owns)]
                or not all(map(is_, chain.from_iterable(map(dict.values, configs)),
                               chain.from_iterable(map(dict.values, owns))))):  # same objects
            return None
        self._store(slots, values)
        return owns

    def record_rows(self, X: np.ndarray, values: np.ndarray) -> np.ndarray | None:
        """Store the values of rows equal to an array handed out (the last such first), when
        its slots are untold and have no twins: the slots :meth:`record` would pick for
        their configurations, one by one. Returns the rows, or ``None`` (and stores
        nothing) otherwise."""
        for slots, own in reversed(self._row_blocks):
            if own.shape == X.shape and (own == X).all():
                return self._record_block(slots, own, values)
        return None

    def _record_block(self, slots: np.ndarray, own: np.ndarray,
                      values: np.ndarray) -> np.ndarray | None:
        """:meth:`record_rows` of the block of rows ``own`` handed out for ``slots``."""
        if self._twins and not self._twins.keys().isdisjoint(slots.tolist()):
            return None
        if not store_untold(self.values, self.told, slots, values):
            return None
        self.n_told += len(slots)
        self.n_done += len(slots)
        if self.known is not None:
            self._settle(slots, values, own)
        return own

    def _store(self, slots: list[int], values: Any) -> None:
        """Store the values of handed-out, untold slots."""
        self.values[slots] = values
        self.told[slots] = True
        self.n_told += len(slots)
        self.n_done += len(slots)
        if self.known is not None:
            self._settle(slots, values)

    def _settle(self, slots: list[int], values: Any, V: np.ndarray | None = None) -> None:
        """File the values of newly told slots as known, and pass them to waiting twins."""
        if V is None and not self.decoder.conditional:
            V = self._V[slots]
        self.known.update(V,
                          self._configs_at(slots) if self.decoder.conditional else None,
                          values)
        if self._waiting and not self._waiting.keys().isdisjoint(slots):
            for slot, value in zip(slots, values, strict=True):
                twins = self._waiting.pop(slot, ())
                self._take(list(twins), [value] * len(twins))

    def told_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Genomes and values of the slots with a value (told or inherited), in slot order."""
        if self.n_done == len(self.told):  # every slot
            return self.genomes, self.values
        told = np.flatnonzero(self.told)
        return self.genomes[told], self.values[told]

    def retire(self, stale: dict[tuple, deque]) -> None:
        """File the genomes handed out and not told under their configurations' keys."""
        untold = [slot for slot in (self.queue[:self.cursor] if self.n_told < self.cursor
                                    else ()) if not self.told[slot]]
        for slot, config in zip(untold, self._configs_at(untold), strict=True):
            stale.setdefault(config_key(config), deque()).append(self.genomes[slot])


def pop_stale(stale: dict[tuple, deque], config: dict[str, Any]) -> np.ndarray | None:
    """The oldest genome filed under ``config``'s key (see :meth:`Proposals.retire`), or
    ``None``."""
    key = config_key(config)
    genomes = stale.get(key)
    if not genomes:
        return None
    genome = genomes.popleft()
    if not genomes:
        del stale[key]
    return genome
