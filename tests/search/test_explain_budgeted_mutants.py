"""Behaviours of :mod:`tunelab.search._explain_budgeted` found untested by mutation testing:
which rungs a bracket has reached (the current one included)."""

from tunelab.search import SuccessiveHalving
from tunelab.space import Real, Space


def test_reached_rungs_are_those_up_to_the_current_one():
    sh = SuccessiveHalving(Space({"x": Real(0.0, 1.0)}), 1, 9, seed=0)

    def reached():
        (bracket,) = sh.explain()["brackets"]
        return bracket["rung"], [r["reached"] for r in bracket["rungs"]]

    config, budget = sh.ask_budget()
    assert reached() == (0, [True, False, False])  # rung 0 handed out, not complete
    sh.tell(config, config["x"], budget=budget)
    for _ in range(8):
        config, budget = sh.ask_budget()
        sh.tell(config, config["x"], budget=budget)
    assert reached() == (1, [True, True, False])  # rung 0 complete: rung 1 is current
    for _ in range(3):
        config, budget = sh.ask_budget()
        assert budget == 3
        sh.tell(config, config["x"], budget=budget)
    assert reached() == (2, [True, True, True])
