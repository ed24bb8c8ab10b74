"""An async-mode ReportLink reads only what changed since its last call, and sees all that
was stored (states, reports, replaced reports, rung values), whatever came in between."""

import tempfile
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tunelab.study import Trial, TrialState
from tunelab.study.storage import SQLiteStorage

OPS = st.lists(st.tuples(st.sampled_from(["ask", "report", "replace", "rung", "finish",
                                          "look"]),
                         st.integers(0, 3), st.integers(0, 4),
                         st.floats(-10, 10, allow_nan=False)),
               min_size=1, max_size=60)


def _view(history):
    return [(t.number, t.state, t.intermediate_values, t.rung_values) for t in history.trials]


@settings(max_examples=100, deadline=None)
@given(OPS, st.integers(0, 3))
@example([("ask", 1, 0, 0.0), ("look", 0, 0, 0.0), ("finish", 1, 0, 1.0), ("look", 0, 0, 0.0)],
         0)  # a state that changes after the link has seen the trial
@example([("ask", 1, 0, 0.0), ("report", 1, 2, 1.0), ("look", 0, 0, 0.0), ("replace", 1, 2, 3.0),
          ("rung", 1, 0, 2.0), ("look", 0, 0, 0.0)], 0)  # a report replaced after a read
def test_incremental_history_equals_a_fresh_read(ops, me):
    with tempfile.TemporaryDirectory() as folder:
        storage = SQLiteStorage(Path(folder) / "s.db")
        storage.add_trials([Trial(me, {})], [0])
        kept = storage.link(None, "minimize")  # async mode: reads what changed
        writer = storage.link(None, "minimize")
        trials, seq = {me: Trial(me, {})}, 1
        reports, rungs = {}, {}  # what was written, by hand: the oracle

        def expected():
            return [(n, trials[n].state, reports.get(n, {}), rungs.get(n, {}))
                    for n in sorted(trials) if n != me]

        for op, n, step, value in ops:
            if op == "ask" and n not in trials:
                trials[n] = Trial(n, {})
                storage.add_trials([trials[n]], [seq])
                seq += 1
            elif op in ("report", "replace") and n in trials:
                writer.write(n, step, value)  # "replace": the same step again, a new value
                reports.setdefault(n, {})[step] = value
                if op == "replace":
                    writer.write(n, step, value + 1.0)
                    reports[n][step] = value + 1.0
            elif op == "rung" and n in trials:
                writer.write_rung(n, step, value)
                rungs.setdefault(n, {})[step] = value
            elif op == "finish" and n in trials and n != me:
                t = trials[n]
                t.state = TrialState.PRUNED if step % 2 else TrialState.COMPLETE
                t.value = value
                storage.finish_trial(t, seq)
                seq += 1
            elif op == "look":
                assert _view(kept.history(me)) == expected()
        assert _view(kept.history(me)) == expected()
        assert _view(storage.link(None, "minimize").history(me)) == expected()  # afresh
        storage.close()
