"""The benchmark runner: reproducible cells, exact records, resumable output, saved results."""

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tunelab as tl
from tunelab.bench import functions, problems
from tunelab.bench._results import COLUMNS, Results, load
from tunelab.bench.runner import drive, run, strategy_seed
from tunelab.exceptions import SearchExhausted

CALLS: list[str] = []  # evaluations of CountingProblem, across copies of the object


class CountingProblem:
    """A 2-D quadratic that logs each call; optimum known, picklable."""

    name = "counting"
    optimum = 0.0
    space = tl.Space({"x": tl.Real(-1.0, 1.0), "y": tl.Real(-1.0, 1.0)})

    def __init__(self, fail_after=None):
        self.fail_after = fail_after

    def __call__(self, config):
        if self.fail_after is not None and len(CALLS) >= self.fail_after:
            raise KeyboardInterrupt("simulated interruption")
        CALLS.append(json.dumps(config))
        return config["x"] ** 2 + config["y"] ** 2


class ChoiceProblem:
    """Three categories only: a grid over it is exhausted after three asks."""

    name = "choice"
    optimum = 1.0
    space = tl.Space({"c": tl.Categorical(["a", "b", "c"])})

    def __call__(self, config):
        return {"a": 3.0, "b": 1.0, "c": 2.0}[config["c"]]


class NaNProblem:
    """Fails (nan) on the left half of the square."""

    name = "nan_left"
    optimum = 0.0
    space = CountingProblem.space

    def __call__(self, config):
        return math.nan if config["x"] < 0 else config["x"] + config["y"] ** 2


def grid_factory(space, seed):
    from tunelab.search import make_strategy

    return make_strategy("grid", space, seed=seed)


@pytest.fixture(autouse=True)
def _reset_calls():
    CALLS.clear()


def _without_seconds(records):
    """Records with times dropped and NaN made comparable."""
    return [{k: ("nan" if isinstance(v, float) and math.isnan(v) else v)
             for k, v in r.items() if not k.endswith("seconds")} for r in records]


def test_records_have_the_documented_columns_and_grid_order():
    res = run(["branin", "hartmann3"], ["random", "sobol"], budget=3, seeds=2)
    records = res.to_records()
    assert len(records) == 2 * 2 * 2 * 3 == len(res)
    assert all(tuple(r) == COLUMNS for r in records)
    cells = [(r["problem"], r["strategy"], r["seed"]) for r in records[::3]]
    assert cells == [(p, s, k) for p in ("branin", "hartmann3") for s in ("random", "sobol")
                     for k in (0, 1)]
    assert [r["evaluation"] for r in records[:3]] == [1, 2, 3]
    assert res.problems == ["branin", "hartmann3"] and res.strategies == ["random", "sobol"]


def test_values_best_and_regret_against_the_functions_themselves():
    res = run(["branin", "six_hump_camel"], ["random"], budget=8, seeds=[3])
    for name, fn in (("branin", functions.branin), ("six_hump_camel", functions.six_hump_camel)):
        rows = [r for r in res.to_records() if r["problem"] == name]
        X = np.array([list(json.loads(r["config"]).values()) for r in rows])
        values = np.array([r["value"] for r in rows])
        np.testing.assert_array_equal(values, fn(X))  # the objective at the recorded config
        best = np.minimum.accumulate(values)
        np.testing.assert_array_equal([r["best"] for r in rows], best)
        optimum = problems.get(name).optimum
        np.testing.assert_array_equal([r["regret"] for r in rows], best - optimum)
        assert all(r["regret"] >= -1e-12 for r in rows)


def test_same_seeds_give_identical_runs_in_any_order_and_any_number_of_workers():
    a = run(["branin", "hartmann3"], ["random", "lhs"], budget=4, seeds=2)
    b = run(["hartmann3", "branin"], ["lhs", "random"], budget=4, seeds=[1, 0])
    c = run(["branin", "hartmann3"], ["random", "lhs"], budget=4, seeds=2, n_jobs=2)
    key = lambda r: (r["problem"], r["strategy"], r["seed"], r["evaluation"])  # noqa: E731
    ra, rb = _without_seconds(a.to_records()), _without_seconds(b.to_records())
    assert sorted(ra, key=key) == sorted(rb, key=key)
    assert _without_seconds(c.to_records()) == ra
    assert [m["strategy_seed"] for m in c.cells] == [m["strategy_seed"] for m in a.cells]


def test_other_seeds_give_other_runs():
    a = run(["branin"], ["random"], budget=4, seeds=[0, 1]).to_records()
    assert [r["value"] for r in a[:4]] != [r["value"] for r in a[4:]]


def test_strategy_seed_is_seedsequence_of_the_three_labels():
    s = strategy_seed(0, "branin", "random")
    assert s == strategy_seed(0, "branin", "random") and 0 <= s < 2**63
    others = {strategy_seed(1, "branin", "random"), strategy_seed(0, "hartmann3", "random"),
              strategy_seed(0, "branin", "sobol")}
    assert s not in others and len(others) == 3
    import hashlib

    h = [int.from_bytes(hashlib.sha256(x.encode()).digest()[:8], "little")
         for x in ("branin", "random")]
    word = np.random.SeedSequence([0, *h]).generate_state(1, dtype=np.uint64)[0]
    assert s == int(word) >> 1


def test_the_cell_strategy_is_seeded_with_strategy_seed():
    res = run(["branin"], ["random"], budget=3, seeds=[5])
    from tunelab.search import make_strategy

    strategy = make_strategy("random", problems.get("branin").space,
                             seed=strategy_seed(5, "branin", "random"))
    configs = [strategy.ask() for _ in range(3)]
    assert [json.loads(r["config"]) for r in res.to_records()] == configs


def test_resume_skips_finished_cells(tmp_path):
    out = tmp_path / "res"
    first = run([CountingProblem()], ["random", "sobol"], budget=4, seeds=2, out=out)
    assert len(CALLS) == 2 * 2 * 4
    again = run([CountingProblem()], ["random", "sobol"], budget=4, seeds=2, out=out)
    assert len(CALLS) == 16  # nothing ran again
    assert _without_seconds(again.to_records()) == _without_seconds(first.to_records())
    assert again.to_records() == first.to_records()  # times too: read back from the files
    run([CountingProblem()], ["random", "sobol"], budget=4, seeds=3, out=out)
    assert len(CALLS) == 16 + 2 * 4  # only the new seed's cells


def test_an_interrupted_run_resumes_where_it_stopped(tmp_path):
    out = tmp_path / "res"
    with pytest.raises(KeyboardInterrupt):
        run([CountingProblem(fail_after=10)], ["random"], budget=4, seeds=4, out=out)
    assert len(list((out / "runs").glob("*.csv"))) == 2  # 10 calls: two whole cells saved
    assert not [p for p in (out / "runs").iterdir() if p.name.startswith(".")]  # no temp file
    CALLS.clear()
    resumed = run([CountingProblem()], ["random"], budget=4, seeds=4, out=out)
    assert len(CALLS) == 2 * 4
    full = run([CountingProblem()], ["random"], budget=4, seeds=4)
    assert _without_seconds(resumed.to_records()) == _without_seconds(full.to_records())


def test_resume_with_another_budget_is_refused(tmp_path):
    run(["branin"], ["random"], budget=2, seeds=1, out=tmp_path)
    with pytest.raises(ValueError, match="budget"):
        run(["branin"], ["random"], budget=3, seeds=1, out=tmp_path)


def test_save_load_round_trip(tmp_path):
    res = run(["branin", NaNProblem()], ["random", ("grid", grid_factory)], budget=5, seeds=2)
    res.save(tmp_path)
    back = load(tmp_path)
    assert _without_seconds(back.to_records()) == _without_seconds(res.to_records())
    for a, b in zip(back.to_records(), res.to_records(), strict=True):
        assert a["objective_seconds"] == b["objective_seconds"]  # repr: exact floats
    assert back.cells == res.cells
    assert back.manifest["versions"] == res.manifest["versions"]


def test_load_of_a_directory_without_manifest_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="manifest"):
        load(tmp_path)


def test_results_from_bare_records_save_and_load(tmp_path):
    rows = [{"problem": "p", "strategy": "s", "seed": 0, "evaluation": i + 1, "value": v,
             "best": b, "regret": None, "objective_seconds": 0.1, "strategy_seconds": 0.2,
             "config": "{}"} for i, (v, b) in enumerate([(2.0, 2.0), (math.nan, 2.0)])]
    Results(rows).save(tmp_path)
    back = load(tmp_path)
    filled = [{**r, "budget": None, "cost": 1.0} for r in rows]  # no fidelity: 1 each
    assert _without_seconds(back.to_records()) == _without_seconds(filled)
    assert back.cells[0]["evaluations"] == 2 and back.cells[0]["status"] == "complete"


def test_manifest_records_versions_machine_settings_and_blas_threads(tmp_path):
    res = run(["branin"], ["random"], budget=2, seeds=1, out=tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    for package in ("python", "numpy", "scipy", "numba", "tunelab", "optuna"):
        assert package in manifest["versions"]
    assert manifest["versions"]["numpy"] == np.__version__
    assert manifest["machine"]["cpu_count"] >= 1
    assert any(p["user_api"] == "blas" for p in manifest["machine"]["threadpools"])
    assert manifest["settings"]["budget"] == 2 and manifest["settings"]["blas_threads"] == 1
    (cell,) = manifest["cells"].values()
    assert cell["blas_threads"] == 1 and cell["status"] == "complete"
    assert cell == res.cells[0]


def test_blas_threads_none_leaves_them_alone():
    from threadpoolctl import threadpool_info

    res = run(["branin"], ["random"], budget=1, seeds=1, blas_threads=None)
    counts = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
    assert res.cells[0]["blas_threads"] == max(counts)


def test_an_exhausted_strategy_ends_its_run_early():
    res = run([ChoiceProblem()], [("grid", grid_factory)], budget=5, seeds=1)
    records = res.to_records()
    assert [json.loads(r["config"])["c"] for r in records] == ["a", "b", "c"]
    assert [r["best"] for r in records] == [3.0, 1.0, 1.0]
    assert [r["regret"] for r in records] == [2.0, 0.0, 0.0]
    assert res.cells[0]["status"] == "exhausted" and res.cells[0]["evaluations"] == 3


def test_failed_evaluations_are_recorded_and_skipped_by_best():
    records = run([NaNProblem()], ["random"], budget=12, seeds=1).to_records()
    values = np.array([r["value"] for r in records])
    assert np.isnan(values).any() and not np.isnan(values).all()
    np.testing.assert_array_equal([r["best"] for r in records], np.fmin.accumulate(values))


class _Scripted:
    """A strategy that proposes x = 0, 1, 2, ... and ignores what it is told."""

    def __init__(self):
        self.n, self.told = 0, []

    def ask(self):
        self.n += 1
        return {"x": float(self.n - 1)}

    def tell(self, config, value):
        self.told.append((config, value))


class _Table:
    name, optimum = "table", -1.0

    def __init__(self, values):
        self.values = values

    def __call__(self, config):
        return self.values[int(config["x"])]


finite_or_nan = st.one_of(st.floats(-1e6, 1e6), st.just(math.nan))


@settings(max_examples=40, deadline=None)
@given(st.lists(finite_or_nan, min_size=1, max_size=30))
def test_drive_records_the_running_minimum_over_non_nan_values(values):
    strategy = _Scripted()
    rows, status = drive(_Table(values), strategy, len(values))
    assert status == "complete" and [r["evaluation"] for r in rows] == list(
        range(1, len(values) + 1))
    np.testing.assert_array_equal([r["value"] for r in rows], values)
    np.testing.assert_array_equal([r["best"] for r in rows], np.fmin.accumulate(values))
    np.testing.assert_array_equal([r["regret"] for r in rows],
                                  np.fmin.accumulate(values) + 1.0)
    assert [v for _, v in strategy.told] == pytest.approx(values, nan_ok=True)
    assert all(r["objective_seconds"] >= 0 and r["strategy_seconds"] >= 0 for r in rows)


def test_drive_stops_on_search_exhausted():
    class Two(_Scripted):
        def ask(self):
            if self.n == 2:
                raise SearchExhausted("done")
            return super().ask()

    rows, status = drive(_Table([1.0, 0.5, 0.0]), Two(), 3)
    assert status == "exhausted" and len(rows) == 2


def test_problems_may_be_labelled_pairs():
    res = run([("rastrigin_2d", problems.get("rastrigin", dim=2)),
               ("rastrigin_3d", problems.get("rastrigin", dim=3))], ["random"], budget=2, seeds=1)
    assert res.problems == ["rastrigin_2d", "rastrigin_3d"]
    assert [len(json.loads(r["config"])) for r in res.to_records()] == [2, 2, 3, 3]


def test_a_task_name_runs_and_has_no_regret():
    pytest.importorskip("sklearn")
    from tunelab.bench import tasks

    records = run(["logreg_wine"], ["random"], budget=3, seeds=1).to_records()
    assert all(r["regret"] is None for r in records)
    task = tasks.get("logreg_wine")
    values = [task(json.loads(r["config"])) for r in records]  # evaluated again, afresh
    np.testing.assert_allclose([r["value"] for r in records], values, rtol=1e-12)
    np.testing.assert_allclose([r["best"] for r in records], np.minimum.accumulate(values))
    assert len({r["config"] for r in records}) == 3


def test_warm_up_seconds_of_our_strategies_are_in_the_manifest_and_change_no_result():
    args = (["branin"], ["random", "genetic", ("grid_f", grid_factory)])
    pooled = run(*args, budget=25, seeds=2, n_jobs=2)
    alone = run(*args, budget=25, seeds=2, n_jobs=1)
    for res in (pooled, alone):
        warm = res.manifest["warm_up_seconds"]
        assert set(warm) == {"random", "genetic"} and all(s > 0 for s in warm.values())
    assert pooled.to_records()[0]["config"] == alone.to_records()[0]["config"]
    assert [r["value"] for r in pooled.to_records()] == [r["value"] for r in alone.to_records()]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"problems": ["nope"]}, ValueError, "problems: unknown name 'nope'.*branin"),
        ({"problems": []}, ValueError, "problems"),
        ({"problems": "branin"}, TypeError, "problems"),
        ({"problems": [object()]}, TypeError, "problems"),
        ({"problems": ["branin", "branin"]}, ValueError, "distinct"),
        ({"strategies": ["nope"]}, ValueError, "strategies: unknown name 'nope'.*random"),
        ({"strategies": [("label", 3)]}, TypeError, "strategies"),
        ({"strategies": ["random", ("random", grid_factory)]}, ValueError, "distinct"),
        ({"budget": 0}, ValueError, "budget"),
        ({"budget": 2.5}, TypeError, "budget"),
        ({"seeds": 0}, ValueError, "seeds"),
        ({"seeds": [0, 0]}, ValueError, "seeds"),
        ({"seeds": [-1]}, ValueError, "seeds"),
        ({"n_jobs": 0}, ValueError, "n_jobs"),
        ({"blas_threads": 0}, ValueError, "blas_threads"),
        ({"strategies": [("a/b", grid_factory), ("a_b", grid_factory)]}, ValueError, "file"),
    ],
)
def test_bad_arguments_name_themselves(kwargs, error, match):
    args = {"problems": ["branin"], "strategies": ["random"], "budget": 2, "seeds": 1, **kwargs}
    with pytest.raises(error, match=match):
        run(**args)


def test_unpicklable_factories_are_refused_for_a_pool():
    with pytest.raises(TypeError, match="picklable"):
        run(["branin"], [("lam", lambda space, seed: grid_factory(space, seed))], budget=1,
            seeds=2, n_jobs=2)


def test_a_factory_must_return_a_strategy():
    with pytest.raises(TypeError, match="ask"):
        run(["branin"], [("bad", lambda space, seed: object())], budget=1, seeds=1)


any_float = st.floats(allow_nan=True, allow_infinity=True)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(any_float, any_float, st.one_of(st.none(), any_float)),
                min_size=1, max_size=8))
def test_csv_round_trip_is_exact_for_any_float(tmp_path_factory, triples):
    rows = [{"problem": "p q", "strategy": "s/t", "seed": 7, "evaluation": i + 1, "value": v,
             "best": b, "regret": r, "objective_seconds": abs(v) if math.isfinite(v) else 0.0,
             "strategy_seconds": 1e-300, "config": json.dumps({"a": "x,\"y\"\n"})}
            for i, (v, b, r) in enumerate(triples)]
    directory = tmp_path_factory.mktemp("csv")
    Results(rows).save(directory)
    back = load(directory).to_records()
    assert len(back) == len(rows)
    for a, b in zip(back, rows, strict=True):
        for key, value in b.items():
            got = a[key]
            if isinstance(value, float):  # same bits: nan, infinities and -0.0 included
                assert np.float64(got).tobytes() == np.float64(value).tobytes() or (
                    math.isnan(got) and math.isnan(value))
            else:
                assert got == value


class _Warns:
    """Random search that warns at its second ask."""

    def __init__(self, space, seed):
        from tunelab.search import make_strategy

        self.inner, self.n = make_strategy("random", space, seed=seed), 0

    def ask(self):
        self.n += 1
        if self.n == 2:
            import warnings

            warnings.warn("degraded at evaluation 2", UserWarning, stacklevel=1)
        return self.inner.ask()

    def tell(self, config, value):
        self.inner.tell(config, value)


def warns_factory(space, seed):
    return _Warns(space, seed)


def test_a_warning_of_many_runs_is_relayed_once_with_its_count():
    with pytest.warns(UserWarning) as record:
        res = run(["branin"], [("w", warns_factory)], budget=3, seeds=3, n_jobs=2)
    messages = [str(w.message) for w in record if "degraded" in str(w.message)]
    assert messages == ["degraded at evaluation 2 [strategy 'w': in 3 of 3 runs; the first: "
                        "problem 'branin', seed 0]"]
    assert all(m["warnings"] == [{"category": "builtins.UserWarning",
                                  "message": "degraded at evaluation 2"}] for m in res.cells)
