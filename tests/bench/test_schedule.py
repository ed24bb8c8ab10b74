"""The warm-up before the cells: once per strategy, first, and apart from the cells."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from tunelab.bench import _schedule


@dataclass(frozen=True)
class _Cell:
    strategy: str
    seed: int
    budget: int = 50
    kind: str = "search"
    problem_spec: object = "branin"
    max_cost: float | None = None

    @property
    def strategy_spec(self):
        return self.kind, self.strategy


def _recorder():
    events, lock = [], threading.Lock()

    def execute(cell):
        with lock:
            events.append(("start", cell))
        time.sleep(0.01)
        with lock:
            events.append(("end", cell))
        return [cell.seed], {"seed": cell.seed}

    return events, execute


def test_warm_up_cells_one_per_own_strategy_with_a_short_budget():
    cells = [_Cell("a", 0, max_cost=9.0), _Cell("a", 1), _Cell("p", 0, kind="peer"),
             _Cell("b", 0, budget=5)]
    warm = _schedule.warm_up_cells(cells)
    assert list(warm) == ["a", "b"]
    assert all(c.max_cost is None for c in warm.values())  # a warm-up is not cut by cost
    assert [(c.strategy, c.seed, c.budget) for c in warm.values()] == [
        ("a", 0, _schedule.WARM_UP_BUDGET), ("b", 0, 5)]
    assert all(c.problem_spec.spec == "branin" for c in warm.values())


def test_the_stand_in_has_the_problem_space_and_a_cheap_value_of_its_own():
    from tunelab.bench import problems

    called = []

    class Problem:
        name, space, optimum = "p", problems.get("branin").space, 0.0

        def __call__(self, config):
            called.append(config)
            return 1.0

    stand_in = _schedule.StandIn(Problem())
    assert stand_in.space == Problem.space and stand_in.optimum is None
    config = Problem.space.from_unit([0.3, 0.8])
    assert abs(stand_in(config) - 0.25) < 1e-12 and called == []


def test_in_a_pool_every_cell_of_a_strategy_starts_after_its_warm_up_ended():
    events, execute = _recorder()
    cells = [_Cell(s, k, kind=kind) for s, kind in (("a", "search"), ("b", "search"),
                                                    ("p", "peer")) for k in range(4)]
    seconds = {}
    out = list(_schedule.execute_all(cells, 2, execute, ThreadPoolExecutor, seconds))
    assert sorted((c.strategy, c.seed) for c, _, _ in out) == sorted(
        (c.strategy, c.seed) for c in cells)  # every cell once, warm-ups not among them
    assert all(rows == [c.seed] for c, rows, _ in out)
    assert set(seconds) == {"a", "b"} and all(s > 0 for s in seconds.values())
    for label in ("a", "b"):
        warm_end = next(i for i, (e, c) in enumerate(events) if e == "end"
                        and c.strategy == label and c.budget == _schedule.WARM_UP_BUDGET)
        starts = [i for i, (e, c) in enumerate(events)
                  if e == "start" and c.strategy == label and c.budget == 50]
        assert len(starts) == 4 and min(starts) > warm_end


def test_in_process_the_warm_ups_come_first():
    events, execute = _recorder()
    cells = [_Cell("a", 0), _Cell("a", 1)]
    seconds = {}
    out = list(_schedule.execute_all(cells, 1, execute, ThreadPoolExecutor, seconds))
    assert [c for c, _, _ in out] == cells and set(seconds) == {"a"}
    started = [c for e, c in events if e == "start"]
    assert started[1:] == cells and started[0].budget == _schedule.WARM_UP_BUDGET


def test_warnings_are_relayed_once_per_strategy_and_kind_with_their_count():
    import warnings

    import pytest

    from tunelab.exceptions import ConvergenceWarning

    def meta(strategy, seed, *messages):
        with _schedule.recording() as caught:
            for m in messages:
                warnings.warn(m, ConvergenceWarning, stacklevel=1)
        return {"strategy": strategy, "problem": "p", "seed": seed, "warnings": caught}

    metas = [meta("a", 0, "after 18 points x", "after 18 points x"), meta("a", 1),
             meta("a", 2, "after 24 points x", "other"), meta("b", 0, "after 3 points x")]
    assert metas[0]["warnings"] == [{"category": "tunelab.exceptions.ConvergenceWarning",
                                     "message": "after 18 points x"}]
    with pytest.warns(ConvergenceWarning) as record:
        _schedule.relay_warnings(metas)
    assert [str(w.message) for w in record] == [
        "after 18 points x [strategy 'a': in 2 of 3 runs; the first: problem 'p', seed 0]",
        "other [strategy 'a': in 1 of 3 runs; the first: problem 'p', seed 2]",
        "after 3 points x [strategy 'b': in 1 of 1 runs; the first: problem 'p', seed 0]",
    ]
