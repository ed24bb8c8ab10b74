"""Peers: other libraries' optimizers behind ask/tell, over our spaces, seeded, optional."""

import importlib.util
import math
import random
import subprocess
import sys

import numpy as np
import pytest

import tunelab as tl
from tunelab.bench import peers
from tunelab.bench.runner import run

REQUIRES = {"optuna_tpe": ("optuna",), "optuna_gp": ("optuna", "torch"),
            "optuna_cmaes": ("optuna", "cmaes"), "optuna_random": ("optuna",),
            "skopt_gp": ("skopt",), "hyperopt_tpe": ("hyperopt",), "deap_ga": ("deap",),
            "cma_es": ("cma",), "cma_es_ipop": ("cma",)}
FAST = ["optuna_tpe", "optuna_cmaes", "optuna_random", "hyperopt_tpe", "deap_ga", "cma_es"]


def mixed_space():
    return tl.Space({
        "lr": tl.Real(1e-4, 1.0, log=True),
        "units": tl.Integer(2, 512, log=True),
        "act": tl.Categorical(["relu", "tanh", "sigmoid"]),
        "x": tl.Real(-2.0, 3.0),
        "k": tl.Integer(0, 4),
    })


def objective(c):
    return (math.log10(c["lr"]) + 2) ** 2 + (math.log2(c["units"]) - 5) ** 2 / 10 + (
        c["act"] != "tanh") + (c["x"] - 1) ** 2 + abs(c["k"] - 3)


def drive(name, space, seed, n):
    strategy = peers.make(name, space, seed=seed)
    configs, values = [], []
    for _ in range(n):
        config = strategy.ask()
        configs.append(config)
        unit_sum = float(space.to_unit(config).sum())
        values.append(objective(config) if "units" in config else unit_sum)
        strategy.tell(config, values[-1])
    return configs, values


def installed(name):
    return all(importlib.util.find_spec(m) is not None for m in REQUIRES[name])


def needs(name):
    if not installed(name):
        pytest.skip(f"could not import {REQUIRES[name]}, which {name} needs")


def test_table_lists_every_peer_with_availability_and_install_hint():
    rows = peers.table()
    assert [r["name"] for r in rows] == sorted(REQUIRES) == peers.names()
    for r in rows:
        assert r["available"] == installed(r["name"])
        assert r["install"].startswith("pip install ")
    assert "scikit-optimize" in peers.install_hint("skopt_gp")


def test_importing_peers_imports_no_peer_library():
    code = ("import sys, tunelab.bench.peers as p; p.table(); libs = ('optuna', 'skopt', "
            "'hyperopt', 'deap', 'cma'); print([m for m in libs if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_missing_library_is_reported_with_the_pip_command(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "hyperopt" else real(name, *a))
    assert not peers.available("hyperopt_tpe")
    row = next(r for r in peers.table() if r["name"] == "hyperopt_tpe")
    assert row == {"name": "hyperopt_tpe", "available": False,
                   "install": peers.install_hint("hyperopt_tpe")}
    with pytest.raises(ImportError, match="pip install hyperopt"):
        peers.make("hyperopt_tpe", mixed_space(), seed=0)
    with pytest.raises(ImportError, match="pip install hyperopt"):
        run(["branin"], ["hyperopt_tpe"], budget=1, seeds=1)


def test_unknown_peer_name():
    with pytest.raises(ValueError, match="name must be one of"):
        peers.make("nope", mixed_space())


@pytest.mark.parametrize("name", FAST)
def test_configs_are_inside_the_space_and_reproducible(name):
    needs(name)
    space = mixed_space()
    configs, values = drive(name, space, seed=3, n=14)
    for c in configs:
        assert space.validate(c) == c  # inside, with Python types
        assert isinstance(c["units"], int) and isinstance(c["k"], int)
    assert drive(name, space, seed=3, n=14)[0] == configs
    assert drive(name, space, seed=4, n=14)[0] != configs
    units = [c["units"] for c in configs]
    assert min(units) < 100  # log scale: a uniform law on [2, 512] would rarely go below 100


@pytest.mark.parametrize("name", FAST)
def test_log_dimensions_are_sampled_log_uniformly(name):
    needs(name)
    space = tl.Space({"a": tl.Real(1e-6, 1.0, log=True), "b": tl.Real(0.0, 1.0)})
    strategy = peers.make(name, space, seed=0)
    lows = 0
    for _ in range(10):  # the first proposals: random or a wide initial distribution
        c = strategy.ask()
        lows += c["a"] < 1e-2  # 2/3 of the log range; a linear law gives 1 %
        strategy.tell(c, c["b"])
    assert lows >= 3


@pytest.mark.parametrize("name", FAST)
def test_failures_are_told_and_the_search_goes_on(name):
    needs(name)
    space = tl.Space({"x": tl.Real(0.0, 1.0), "y": tl.Real(0.0, 1.0)})
    strategy = peers.make(name, space, seed=1)
    for i in range(12):
        c = strategy.ask()
        strategy.tell(c, math.nan if i % 3 == 0 else (math.inf if i % 3 == 1 else c["x"]))
    assert space.contains(strategy.ask())
    assert strategy.n_told == 12


@pytest.mark.parametrize("name", FAST)
def test_tell_refuses_a_configuration_that_was_not_asked(name):
    needs(name)
    space = tl.Space({"x": tl.Real(0.0, 1.0)})
    strategy = peers.make(name, space, seed=0)
    c = strategy.ask()
    other = {"x": 0.5 if c["x"] != 0.5 else 0.25}
    with pytest.raises(ValueError, match="config was not asked"):
        strategy.tell(other, 1.0)
    strategy.tell(c, 1.0)
    with pytest.raises(ValueError, match="config was not asked"):
        strategy.tell(c, 1.0)


@pytest.mark.parametrize("name", FAST)
def test_conditional_parameters_appear_only_when_active(name):
    needs(name)
    space = tl.Space({"model": tl.Categorical(["linear", "mlp"]), "hidden": tl.Integer(1, 64),
                      "alpha": tl.Real(0.0, 1.0)}, conditions={"hidden": ("model", "mlp")})
    strategy = peers.make(name, space, seed=2)
    seen = set()
    for _ in range(12):
        c = strategy.ask()
        assert ("hidden" in c) == (c["model"] == "mlp")
        seen.add(c["model"])
        strategy.tell(c, c["alpha"])
    assert seen == {"linear", "mlp"}


@pytest.mark.parametrize("name", ["deap_ga", "cma_es", "optuna_tpe"])
def test_peers_minimize_a_quadratic(name):
    needs(name)
    space = tl.Space({"x": tl.Real(-5.0, 5.0), "y": tl.Real(-5.0, 5.0)})
    strategy = peers.make(name, space, seed=0)
    best = math.inf
    for _ in range(150):
        c = strategy.ask()
        value = (c["x"] - 1.2) ** 2 + (c["y"] + 0.7) ** 2
        strategy.tell(c, value)
        best = min(best, value)
    assert best < 0.05  # random search: about 0.02 * 100 / 150 ~ chance of 1.3 % per draw


def test_deap_and_cma_leave_the_global_generators_alone():
    needs("deap_ga")
    needs("cma_es")
    py_state = random.getstate()
    np_state = np.random.get_state()  # noqa: NPY002 (the legacy global state is the point)
    for name in ("deap_ga", "cma_es"):
        drive(name, mixed_space(), seed=0, n=25)
    assert random.getstate() == py_state
    after = np.random.get_state()  # noqa: NPY002
    assert all(np.array_equal(a, b) for a, b in zip(after, np_state, strict=True))


def test_deap_ga_keeps_the_best_and_breeds_inside_the_cube():
    needs("deap_ga")
    space = tl.Space({"x": tl.Real(0.0, 1.0), "y": tl.Real(0.0, 1.0), "z": tl.Real(0.0, 1.0)})
    strategy = peers.make("deap_ga", space, seed=0)
    tools, pools = strategy._tools, []

    class Spy:  # records the pool that each generation's tournaments draw from
        def __getattr__(self, name):
            return getattr(tools, name)

        def selTournament(self, parents, k, **kw):  # noqa: N802 (DEAP's name)
            pools.append((sorted(-p.score for p in parents), list(told)))
            return tools.selTournament(parents, k, **kw)

    strategy._tools, told, genomes = Spy(), [], []
    for _ in range(60):
        c = strategy.ask()
        genomes += [list(g) for g in strategy._queue]
        told.append((c["x"] - 0.9) ** 2 + c["y"] + c["z"])
        strategy.tell(c, told[-1])
    assert len(pools) == 5  # generations 1..5 of 10 children each
    for pool, seen in pools:  # (mu + lambda): the 10 best of all evaluated, of every generation
        np.testing.assert_allclose(pool, sorted(seen)[:10])
    genomes = np.array(genomes)
    assert genomes.min() >= 0.0 and genomes.max() <= 1.0  # bounded operators: inside the cube
    first, last = told[:10], told[-10:]  # generation 0 and generation 5
    assert np.median(last) < np.median(first)  # selection pressure towards the minimum


def test_cma_tells_a_whole_generation():
    needs("cma_es")
    strategy = peers.make("cma_es", tl.Space({"x": tl.Real(0.0, 1.0), "y": tl.Real(0.0, 1.0)}),
                          seed=0)
    popsize = strategy._es.popsize
    for _ in range(popsize):
        c = strategy.ask()
        strategy.tell(c, c["x"])
    assert strategy._es.countiter == 1 and strategy._told == []


def test_peers_run_through_the_runner_reproducibly():
    needs("optuna_random")
    needs("deap_ga")
    a = run(["branin"], ["optuna_random", "deap_ga"], budget=4, seeds=2).to_records()
    b = run(["branin"], ["optuna_random", "deap_ga"], budget=4, seeds=2).to_records()
    assert [r["config"] for r in a] == [r["config"] for r in b]
    assert {r["strategy"] for r in a} == {"optuna_random", "deap_ga"}


@pytest.mark.slow
@pytest.mark.parametrize("name", ["skopt_gp", "optuna_gp"])
def test_gaussian_process_peers_past_their_random_start(name):
    needs(name)
    space = tl.Space({"lr": tl.Real(1e-4, 1.0, log=True), "k": tl.Integer(0, 4),
                      "act": tl.Categorical(["relu", "tanh"])})
    options = {"skopt_gp": 10, "optuna_gp": 10}[name]  # random points before the model
    configs, _ = drive(name, space, seed=0, n=options + 2)
    assert all(space.contains(c) for c in configs)
    assert drive(name, space, seed=0, n=options + 2)[0] == configs


def test_cma_ipop_restarts_with_a_doubled_population():
    needs("cma_es_ipop")
    space = tl.Space({"x": tl.Real(0.0, 1.0), "y": tl.Real(0.0, 1.0)})
    strategy = peers.make("cma_es_ipop", space, seed=3)
    plain = peers.make("cma_es", space, seed=3)
    first = strategy._es.popsize
    sizes = set()
    for _ in range(400):  # a flat function: pycma's tolflatfitness stops each run early
        for s in (strategy, plain):
            c = s.ask()
            s.tell(c, 1.0)
        sizes.add(strategy._es.popsize)
    assert strategy.n_restarts_ >= 2 and plain.n_restarts_ == 0
    assert {first, 2 * first, 4 * first} <= sizes
    assert strategy._es.popsize == first * 2 ** strategy.n_restarts_
    with pytest.raises(ValueError, match="restarts"):
        peers.CMAAdapter(space, restarts="bipop")


def _skopt_after_start(seed=0):
    """A scikit-optimize peer told its 4 random starting points."""
    space = tl.Space({"x": tl.Real(-2.0, 3.0), "k": tl.Integer(0, 4)})
    strategy = peers.SkoptGP(space, seed=seed, n_initial_points=4)
    strategy.tell_batch(configs := strategy.ask_batch(4),
                        [(c["x"] - 1) ** 2 + c["k"] for c in configs])
    return strategy


@pytest.mark.slow
def test_skopt_batch_ask_proposes_distinct_points_and_tell_batch_records_them():
    needs("skopt_gp")
    strategy = _skopt_after_start()
    assert strategy.n_told == 4 and len(strategy._optimizer.yi) == 4
    batch = strategy.ask_batch(3)
    assert len({tuple(sorted(c.items())) for c in batch}) == 3  # the liar moves each one
    assert all(strategy.space.contains(c) for c in batch)
    assert _skopt_after_start().ask_batch(3) == batch  # seeded
    strategy.tell_batch(batch, [1.0, float("nan"), 2.0])
    assert strategy.n_asked == strategy.n_told == 7
    # the failure is told the worst finite value seen, as tell does
    assert strategy._optimizer.yi[-3:] == [1.0, max(strategy._optimizer.yi[:4] + [2.0]), 2.0]


@pytest.mark.slow
def test_skopt_tell_batch_refuses_unasked_or_unmatched_configs():
    needs("skopt_gp")
    strategy = _skopt_after_start()
    batch = strategy.ask_batch(2)
    with pytest.raises(ValueError, match="differ in length"):
        strategy.tell_batch(batch, [1.0])
    with pytest.raises(ValueError, match="not asked"):
        strategy.tell_batch([batch[0], batch[0]], [1.0, 2.0])
    assert strategy.n_told == 4 and len(strategy._optimizer.yi) == 4  # nothing was told
    strategy.tell_batch(batch, [1.0, 2.0])
    assert strategy.n_told == 6 and strategy._optimizer.yi[-2:] == [1.0, 2.0]
    with pytest.raises(ValueError, match="n must"):
        strategy.ask_batch(0)
