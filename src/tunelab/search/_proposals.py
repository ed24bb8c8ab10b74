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
whole batch of handed-out copies at once (``Strategy.tell_batch``).

Given the values already known (a dict keyed by :meth:`Decoder.keys`), proposals may also
screen out clones: a proposal whose configuration has a known value takes that value and is
not handed out, and one equal to a proposal still waiting for its value takes that value when
it comes (see :class:`Proposals`). :class:`Streams` gives each block its own random stream.

References
----------
.. [1] T. Head et al., scikit-optimize, ``skopt.Optimizer``: ``tell`` validates what it did
   not propose.
.. [2] F.-A. Fortin et al., "DEAP: evolutionary algorithms made easy", JMLR 13, 2012;
   ``deap.algorithms.eaSimple`` evaluates only the offspring whose fitness is invalid.
.. [3] J. K. Salmon, M. A. Moraes, R. O. Dror and D. E. Shaw, "Parallel random numbers: as
   easy as 1, 2, 3", SC 2011 (Philox: a counter-based generator, one stream per counter).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Hashable, Iterable
from itertools import chain
from operator import is_
from typing import Any

import numpy as np

from tunelab.search import _jit
from tunelab.search._decoder import Decoder, config_key


class Streams:
    """Independent random streams, one per index ``(tag, i, j)``, each a pure function of
    ``seed`` and its index.

    Philox (Salmon et al. 2011) keyed by ``SeedSequence(seed)``, with the counter set to
    ``(0, tag, i, j)``: a stream starts where no other's draws can reach (each would need
    :math:`2^{64}` blocks of four words), and opening one costs a state assignment, not a
    seeding. Calling it returns one shared generator, positioned at the start of the stream
    asked for and valid until the next call.
    """

    def __init__(self, seed: int) -> None:
        key = np.random.SeedSequence(seed).generate_state(2, np.uint64)
        self._bitgen = np.random.Philox(key=key)
        self._rng = np.random.Generator(self._bitgen)
        self._state = self._bitgen.state  # buffer empty: the stream starts at its counter

    def __call__(self, tag: int, i: int, j: int) -> np.random.Generator:
        self._state["state"]["counter"] = np.array([0, tag, i, j], dtype=np.uint64)
        self._bitgen.state = self._state
        return self._rng


class Proposals:
    """One generation's proposals in draw order: genomes, configurations and told values.

    Parameters
    ----------
    decoder : Decoder
        Decodes the unit points of each block of genomes.
    d : int
        Genes per genome.
    known : dict or None, default=None
        The values known so far, keyed by :meth:`Decoder.keys` (the strategy's, shared and
        kept up to date: :meth:`record` adds each value it stores). When given, each block
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
        Their configurations, kept here (``None`` for slots screened out before being
        decoded); :meth:`hand_out` returns copies.
    values, told : list
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

    def __init__(self, decoder: Decoder, d: int, known: dict | None = None) -> None:
        self.decoder = decoder
        self.known = known
        self.genomes = np.empty((0, d))
        self.configs: list[dict[str, Any]] = []
        self.values: list[float] = []
        self.told: list[bool] = []
        self.queue: list[int] = []
        self.cursor = 0
        self.n_told = self.n_done = self.n_blocks = 0
        self.keys: list[Hashable] = []  # per slot, when screening
        self._out: list[bool] = []  # per slot: handed out
        self._V = np.empty((0, d))
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
        self.genomes = np.vstack([self.genomes, genomes]) if start else genomes
        self.values.extend([math.nan] * n)
        self.told.extend([False] * n)
        self._out.extend([False] * n)
        if self.known is not None:
            return self._extend_screened(unit, start, whole)
        configs, V = self.decoder(unit)
        self.configs.extend(configs)
        self.queue.extend(range(start, start + n))
        if V is None:  # equal configurations are found by their keys
            slots = range(len(self.configs))
            keys = map(config_key, self.configs)
        else:  # equal rows of V are equal configurations
            self._V = np.vstack([self._V, V]) if start else V
            slots = np.flatnonzero(_jit.duplicated_rows(self._V)).tolist()
            keys = map(tuple, self._V[slots].tolist())
        self._twins = _groups(slots, keys)
        return True

    def _extend_screened(self, unit: np.ndarray, start: int, whole: bool) -> bool:
        """:meth:`extend` with screening; only the slots queued are decoded into dicts."""
        V = self.decoder.values(unit)
        configs = self.decoder.space.from_unit(unit) if V is None else None  # conditional
        keys = self.decoder.keys(configs, V)
        self.keys += keys
        queued = self._screen(keys, start, whole)
        if configs is None:  # the rest are never handed out
            configs = [None] * len(keys)
            rows = [slot - start for slot in queued]
            for i, config in zip(rows, self.decoder.configs(V[rows]), strict=True):
                configs[i] = config
        self.configs.extend(configs)
        if self._repeats:  # kept slots differ, unless a block went out whole
            self._twins = _groups(self.queue, map(self.keys.__getitem__, self.queue))
        return bool(queued)

    def _screen(self, keys: list[Hashable], start: int, whole: bool) -> list[int]:
        """Queue the new slots of the block of ``keys`` (slots ``start, ...``), give the
        inherited ones their value and file the twins; with ``whole``, queue the whole
        block when nothing is new. Returns the slots queued."""
        queue = self.queue[::-1]  # key -> its first queued slot (untold: else it is known)
        pending = dict(zip(map(self.keys.__getitem__, queue), queue, strict=True))
        slots = range(start, start + len(keys))
        hits = list(map(self.known.get, keys))
        if pending.keys().isdisjoint(keys) and len(set(keys)) == len(keys):  # no twins
            new = [s for s, hit in zip(slots, hits, strict=True) if hit is None]
            waiting: list[tuple[int, int]] = []
        else:
            new, waiting, fresh = [], [], {}
            for slot, key, hit in zip(slots, keys, hits, strict=True):
                if hit is None:
                    leader = pending.get(key, fresh.get(key, -1))
                    if leader < 0:
                        fresh[key] = slot
                        new.append(slot)
                    else:
                        waiting.append((leader, slot))
        if not new and whole:  # nothing new: the block goes out whole, as unscreened
            self._repeats = True
            self.queue.extend(slots)
            return list(slots)
        if len(new) + len(waiting) < len(keys):
            self._take([s for s, hit in zip(slots, hits, strict=True) if hit is not None],
                       [hit for hit in hits if hit is not None])
        for leader, slot in waiting:
            self._waiting.setdefault(leader, []).append(slot)
        self.queue += new
        return new

    def _take(self, slots: list[int], values: list[float]) -> None:
        """Give slots not handed out (inherited, twins) their values."""
        for slot, value in zip(slots, values, strict=True):
            self.values[slot] = value
            self.told[slot] = True
        self.n_done += len(slots)

    def hand_out(self, n: int, refill: Callable[[], None],
                 ahead: bool = True) -> list[dict[str, Any]]:
        """Copies of the next ``n`` configurations; ``refill()`` extends the stream when it
        runs dry. Fewer when a refill queues nothing, and with ``ahead=False``, where the
        stream runs dry once it has handed out any."""
        copies: list[dict[str, Any]] = []
        while len(copies) < n:
            if self.cursor == len(self.queue):
                if copies and not ahead:
                    break
                refill()
                if self.cursor == len(self.queue):  # the block queued nothing
                    break
            start = self.cursor
            self.cursor = min(len(self.queue), start + n - len(copies))
            slots = self.queue[start:self.cursor]
            block = list(map(dict.copy, map(self.configs.__getitem__, slots)))
            for slot in slots:
                self._out[slot] = True
            self._blocks.append((block, slots))  # kept alive: their ids stay theirs
            copies += block
        return copies

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
        own = self.configs[slot] if slot >= 0 else None
        self._recalled = own, slot
        return own

    def find(self, key: tuple) -> int:
        """The first untold slot handed out with configuration ``key``, or -1."""
        for slot in self.queue[self._indexed:self.cursor]:
            self._index.setdefault(config_key(self.configs[slot]), []).append(slot)
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
        if self.known is not None:
            self._settle([slot], [value])
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
        if True in map(self.told.__getitem__, slots):
            return None
        if self._twins and not self._twins.keys().isdisjoint(slots):
            return None
        owns = list(map(self.configs.__getitem__, slots))
        if (list(map(len, configs)) != list(map(len, owns))  # the same keys, in order
                or [*chain.from_iterable(configs)] != [*chain.from_iterable(owns)]
                or not all(map(is_, chain.from_iterable(map(dict.values, configs)),
                               chain.from_iterable(map(dict.values, owns))))):  # same objects
            return None
        stored, told = self.values, self.told
        for slot, value in zip(slots, values, strict=True):
            stored[slot] = value
            told[slot] = True
        self.n_told += n
        self.n_done += n
        if self.known is not None:
            self._settle(slots, values)
        return owns

    def _settle(self, slots: list[int], values: list[float]) -> None:
        """File the values of newly told slots as known, and pass them to waiting twins."""
        self.known.update(zip(map(self.keys.__getitem__, slots), values, strict=True))
        if self._waiting and not self._waiting.keys().isdisjoint(slots):
            for slot, value in zip(slots, values, strict=True):
                twins = self._waiting.pop(slot, ())
                self._take(list(twins), [value] * len(twins))

    def told_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Genomes and values of the slots with a value (told or inherited), in slot order."""
        told = np.flatnonzero(self.told)
        return self.genomes[told], np.asarray(self.values)[told]

    def retire(self, stale: dict[tuple, deque]) -> None:
        """File the genomes handed out and not told under their configurations' keys."""
        for slot in self.queue[:self.cursor] if self.n_told < self.cursor else ():
            if not self.told[slot]:
                stale.setdefault(config_key(self.configs[slot]), deque()).append(
                    self.genomes[slot])


def _groups(slots: Iterable[int], keys: Iterable[Hashable]) -> dict[int, list[int]]:
    """Slot -> the slots sharing its key (itself included), for keys shared by several."""
    groups: dict[Hashable, list[int]] = {}
    for slot, key in zip(slots, keys, strict=True):
        groups.setdefault(key, []).append(slot)
    return {slot: group for group in groups.values() if len(group) > 1 for slot in group}


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
