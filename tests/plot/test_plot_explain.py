"""plot.explain and plot.animate: the artists drawn, checked against the snapshots."""

import math

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from PIL import Image  # noqa: E402

import tunelab as tl  # noqa: E402
from tunelab.search import CMAES, BayesianOptimization, GeneticSearch, RandomSearch  # noqa: E402
from tunelab.space import Integer, Real, Space  # noqa: E402

S2 = Space({"x": Real(1e-3, 1.0, log=True), "y": Real(-1.0, 1.0)})
S3 = Space({"x": Real(1e-3, 1.0, log=True), "y": Real(-1.0, 1.0), "k": Integer(1, 5)})


def _f(c):
    a = math.log10(c["x"]) + 1.5
    y = c.get("y", 0.0)
    return float(a**2 + 3 * a * y + 4 * y**2 + 0.3 * c.get("k", 0))


def _run(s, n):
    for _ in range(n):
        c = s.ask()
        s.tell(c, _f(c))
    return s


def _line(ax, label):
    found = [ln for ln in ax.lines if ln.get_label() == label]
    assert len(found) == 1, [ln.get_label() for ln in ax.lines]
    return found[0]


def _legend(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_sampler_points_and_next():
    rs = _run(RandomSearch(S2, "sobol", seed=0), 12)
    snap = rs.explain()
    ax = tl.plot.explain(snap).axes[0]
    asked = _line(ax, "asked (12)")
    np.testing.assert_allclose(asked.get_xdata(), snap["points"][:, 0])
    np.testing.assert_allclose(asked.get_ydata(), snap["points"][:, 1])
    nxt = _line(ax, "next ask")
    assert nxt.get_xdata()[0] == pytest.approx(snap["chosen"]["config"]["x"])
    assert ax.get_xscale() == "log" and ax.get_yscale() == "linear"
    assert ax.get_xlabel() == "x (log scale)" and ax.get_ylabel() == "y"
    assert ax.get_xlim() == pytest.approx((1e-3, 1.0))


def test_one_parameter_points_against_values():
    rs = _run(RandomSearch(Space({"x": Real(1e-3, 1.0, log=True)}), seed=0), 5)
    ax = tl.plot.explain(rs.explain()).axes[0]
    line = _line(ax, "asked (5)")
    np.testing.assert_allclose(line.get_ydata(), [v for _, v in rs.history])
    assert ax.get_ylabel() == "objective value"


def test_one_parameter_next_ask_is_a_labelled_tick():
    # a point without a value is a tick on the bottom edge; its legend entry is that tick
    bo = _run(BayesianOptimization(Space({"x": Real(1e-3, 1.0, log=True)}), n_initial=4,
                                   seed=0), 2)
    snap = bo.explain()
    ax = tl.plot.explain(snap).axes[0]
    nxt = _line(ax, "next ask")
    assert nxt.get_marker() == "|"
    assert nxt.get_xdata()[0] == pytest.approx(snap["chosen"]["config"]["x"])
    assert nxt.get_ydata()[0] == 0.0 and nxt.get_transform() == ax.get_xaxis_transform()
    handles = ax.get_legend().legend_handles
    assert [h.get_marker() for h in handles] == ["o", "|"]


def test_genetic_scatter():
    N = 8
    ga = _run(GeneticSearch(S3, population_size=N, seed=1, crossover_rate=0.6), 3 * N + 3)
    snap = ga.explain()
    ax = tl.plot.explain(snap, ("y", "k")).axes[0]
    pop = _line(ax, f"population ({N})")
    np.testing.assert_allclose(pop.get_xdata(), snap["population"]["points"][:, 1])
    np.testing.assert_allclose(pop.get_ydata(), snap["population"]["points"][:, 2])
    off = snap["offspring"]
    drawn = 0
    for op in set(off["operation"]):
        n = off["operation"].count(op)
        line = _line(ax, f"offspring: {op} ({n})")
        rows = np.array(off["operation"]) == op
        np.testing.assert_allclose(line.get_xdata(), off["points"][rows, 1])
        drawn += len(line.get_xdata())
    assert drawn == len(off["unit"])
    par = _line(ax, f"parents ({len(snap['parents']['index'])})")
    assert len(par.get_xdata()) == len(snap["parents"]["index"])
    links = [ln for ln in ax.lines if ln.get_gid() == "parent link"]
    assert len(links) == len(off["unit"])  # one line from each child to its first parent
    first = snap["population"]["points"][off["parents"][0, 0]]
    np.testing.assert_allclose(links[0].get_xdata(), [first[1], off["points"][0, 1]])
    assert ax.get_xlabel() == "y" and ax.get_ylabel() == "k"
    assert ax.get_ylim() == pytest.approx((0.5, 5.5))  # the integers' bins, whole
    label = "survivors" if snap["survivors"]["complete"] else "survivors so far"
    assert len(_line(ax, label).get_xdata()) == len(snap["survivors"]["values"])


def _nearest_image(U, m):
    """Per coordinate, the pre-image of the folded ``U`` (period 2, mirrored) nearest ``m``."""
    k = np.arange(-3, 4)[:, None, None]
    images = np.concatenate([U[None] + 2 * k, -U[None] + 2 * k])
    best = np.abs(images - m).argmin(axis=0)
    return np.take_along_axis(images, best[None], axis=0)[0]


def test_cmaes_ellipse_geometry():
    es = _run(CMAES(S2, seed=0), 40)
    snap = es.explain()
    ax = tl.plot.explain(snap).axes[0]
    # back to unit coordinates: inside the box, and unfolded, the points at Mahalanobis
    # distance 1 and 2 from the mean
    m, cov = snap["mean"]["unbounded"], snap["covariance_unit"]
    for k in (1, 2):
        drawn = _line(ax, f"{k}-sigma ellipse of the samples").get_xydata()
        U = np.column_stack([np.log(drawn[:, 0] / 1e-3) / np.log(1e3), (drawn[:, 1] + 1) / 2])
        assert np.all((U >= -1e-12) & (U <= 1 + 1e-12))
        d = _nearest_image(U, m) - m
        np.testing.assert_allclose(np.einsum("ni,ij,nj->n", d, np.linalg.inv(cov), d), k**2,
                                   rtol=1e-9)
        far = np.sqrt((d**2).sum(axis=1)).max()  # semi-major axis: k sqrt(largest eigenvalue)
        assert far == pytest.approx(k * math.sqrt(np.linalg.eigvalsh(cov)[-1]), rel=1e-3)
    mean = _line(ax, "mean")
    assert mean.get_xdata()[0] == pytest.approx(snap["mean"]["point"][0])
    told = [ln for ln in ax.lines if ln.get_label().startswith(("told", "the"))]
    assert sum(len(ln.get_xdata()) for ln in told) == int(snap["samples"]["told"].sum())


def test_cmaes_mean_outside_the_box_is_drawn_folded_where_the_samples_are():
    space = Space({"x": Real(-5.0, 5.0), "y": Real(-5.0, 5.0)})
    es = CMAES(space, active=False, seed=0)

    def f(c):
        return (c["x"] - 1) ** 2 + 10 * (c["y"] + c["x"]) ** 2

    snap = None
    for _ in range(40):  # this run's mean leaves the box (x > 1 in unit coordinates)
        for c in [es.ask() for _ in range(es.lambda_)]:
            es.tell(c, f(c))
        snap = es.explain()
        if np.any(np.abs(snap["mean"]["unbounded"] - 0.5) > 0.5):
            break
    assert np.any(np.abs(snap["mean"]["unbounded"] - 0.5) > 0.5), "the mean stayed in the box"
    ax = tl.plot.explain(snap).axes[0]
    mean = _line(ax, "mean").get_xydata()[0]
    np.testing.assert_allclose(mean, snap["mean"]["point"], rtol=1e-12)
    assert np.all(np.abs(mean) <= 5.0)
    E = _line(ax, "1-sigma ellipse of the samples").get_xydata()
    assert np.all(np.abs(E) <= 5.0 + 1e-9)
    # the folded centre of the ellipse sits among the samples drawn
    pts = snap["samples"]["points"][snap["samples"]["told"]]
    assert np.linalg.norm(pts.mean(axis=0) - mean) < np.linalg.norm(pts.mean(axis=0) - (
        np.asarray(snap["mean"]["axis"])))


def test_bayes_one_dimension_curves_and_parts():
    bo = _run(BayesianOptimization(Space({"x": Real(1e-3, 1.0, log=True)}), n_initial=3,
                                   seed=0), 5)
    snap = bo.explain()
    fig = tl.plot.explain(snap)
    top, bottom = fig.axes
    g = snap["grid"]
    np.testing.assert_allclose(_line(top, "posterior mean").get_ydata(), g["mean"])
    band = [c for c in top.collections if isinstance(c, PolyCollection)]
    assert len(band) == 1 and band[0].get_label() == "mean \N{PLUS-MINUS SIGN} 2 sd"
    ys = band[0].get_paths()[0].vertices[:, 1]
    assert ys.max() == pytest.approx((g["mean"] + 2 * g["std"]).max())
    assert len(_line(top, "observations (5)").get_xdata()) == 5
    total = _line(bottom, "total: EI").get_ydata()
    parts = [ln.get_ydata() for ln in bottom.lines if ln.get_label().startswith("explo")]
    assert len(parts) == 2
    np.testing.assert_allclose(parts[0] + parts[1], total)
    assert _line(top, "next ask").get_xdata()[0] == pytest.approx(snap["chosen"]["point"][0])
    assert top.get_xscale() == "log" and bottom.get_xlabel() == "x (log scale)"


def test_bayes_thompson_draws_the_draw_that_ranks():
    # the lower panel is the candidates' joint draw, whose lowest point is the next ask
    bo = _run(BayesianOptimization(Space({"x": Real(1e-3, 1.0, log=True)}), n_initial=3,
                                   acquisition="thompson", n_candidates=64, seed=0), 5)
    snap = bo.explain()
    bottom = tl.plot.explain(snap).axes[1]
    cand = snap["candidates"]
    line = _line(bottom, f"the posterior draw the ask ranks ({len(cand['draw'])} candidates)")
    x, y = line.get_xdata(), line.get_ydata()
    assert np.all(np.diff(x) >= 0)
    order = np.argsort(cand["points"][:, 0], kind="stable")
    np.testing.assert_allclose(y, cand["draw"][order])
    assert x[np.argmin(y)] == pytest.approx(bo.ask()["x"])
    assert bottom.get_ylabel() == "posterior draw (objective units)"


def test_bayes_lcb_total_says_its_lowest_is_asked():
    bo = _run(BayesianOptimization(Space({"x": Real(1e-3, 1.0, log=True)}), n_initial=3,
                                   acquisition="ucb", seed=0), 5)
    snap = bo.explain()
    bottom = tl.plot.explain(snap).axes[1]
    total = _line(bottom, "total: LCB (its lowest is asked)")
    np.testing.assert_allclose(total.get_ydata(), snap["grid"]["total"])
    g = snap["grid"]
    lowest = g["points"][np.argmin(g["total"]), 0]
    assert np.log(lowest) == pytest.approx(np.log(bo.ask()["x"]), abs=0.05)  # grid step 0.035


def _pending_snapshot(batch):
    bo = _run(BayesianOptimization(Space({"x": Real(1e-3, 1.0, log=True)}), n_initial=3,
                                   batch=batch, seed=0), 4)
    asked = [bo.ask()["x"] for _ in range(2)]
    return bo, asked, bo.explain()


def test_bayes_pending_at_their_lies():
    bo, asked, snap = _pending_snapshot("cl_max")
    top = tl.plot.explain(snap).axes[0]
    line = _line(top, "pending (2), at the lie of cl_max")
    np.testing.assert_allclose(line.get_xdata(), asked)
    np.testing.assert_allclose(line.get_ydata(), [max(v for _, v in bo.history)] * 2)
    assert top.get_title().endswith("after 4 values, 2 pending")


def test_bayes_local_penalty_times_ei_is_what_the_ask_maximizes():
    bo, asked, snap = _pending_snapshot("lp")
    top, bottom = tl.plot.explain(snap).axes
    ticks = _line(top, "pending (2)")
    np.testing.assert_allclose(ticks.get_xdata(), asked)
    assert ticks.get_marker() == "|"
    g = snap["grid"]
    product = _line(bottom, "EI \N{MULTIPLICATION SIGN} local penalty (maximized)").get_ydata()
    np.testing.assert_allclose(product, g["total"] * g["penalty"])
    # the maximized log EI + log penalty (standardized) is the log of the product drawn, in
    # objective units (EI times s_y), where the product does not underflow
    ok = product > 1e-100
    assert ok.sum() > 50
    np.testing.assert_allclose(np.log(product[ok]) - g["acquisition"][ok],
                               np.log(snap["standardization"]["std"]), rtol=1e-6)


def test_bayes_thompson_two_dimensions_colours_the_candidates_by_their_draw():
    bo = _run(BayesianOptimization(S2, n_initial=4, acquisition="thompson", n_candidates=64,
                                   seed=0), 6)
    snap = bo.explain()
    right = tl.plot.explain(snap).axes[1]
    (sc,) = right.collections
    cand = snap["candidates"]
    np.testing.assert_allclose(sc.get_offsets(), cand["points"])
    np.testing.assert_allclose(sc.get_array(), cand["draw"])
    assert len(_line(right, "observations (6)").get_xdata()) == 6
    star = _line(right, "next ask (the lowest new draw)")
    nxt = bo.ask()
    assert star.get_xdata()[0] == pytest.approx(nxt["x"])
    assert star.get_ydata()[0] == pytest.approx(nxt["y"])
    lowest = cand["points"][np.argmin(cand["draw"])]
    assert lowest == pytest.approx([nxt["x"], nxt["y"]])


def test_bayes_two_dimensions_contours_and_slices():
    bo = _run(BayesianOptimization(S2, n_initial=4, seed=0), 6)
    snap = bo.explain()
    fig = tl.plot.explain(snap)
    assert len(fig.axes) == 4  # two panels, two colour bars
    left, right = fig.axes[0], fig.axes[1]
    for ax, field in ((left, "mean"), (right, "total")):
        (cs,) = ax.collections
        assert cs.levels.min() <= snap["grid"][field].min()
        assert cs.levels.max() >= snap["grid"][field].max()
        assert cs.levels.max() - cs.levels.min() < 2 * np.ptp(snap["grid"][field])
    assert fig.axes[2].get_ylabel() == "objective value"
    assert len(_line(left, "observations (6)").get_xdata()) == 6
    bo3 = _run(BayesianOptimization(S3, n_initial=4, seed=0), 5)
    snap3 = bo3.explain()
    fig = tl.plot.explain(snap3)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == ["slice along x", "slice along y",
                                                  "slice along k"]
    for ax, view in zip(visible, snap3["slices"], strict=True):
        np.testing.assert_allclose(_line(ax, "posterior mean").get_ydata(), view["mean"])


def test_ax_argument_and_errors():
    rs = _run(RandomSearch(S2, seed=0), 3)
    fig = Figure()
    ax = fig.add_subplot()
    assert tl.plot.explain(rs.explain(), ax=ax) is fig
    assert len(_line(ax, "asked (3)").get_xdata()) == 3
    with pytest.raises(TypeError, match="step"):
        tl.plot.explain([1, 2])
    with pytest.raises(ValueError, match="kind"):
        tl.plot.explain({"kind": "nope", "axes": []})
    with pytest.raises(ValueError, match="params"):
        tl.plot.explain(rs.explain(), ["x", "nope"])
    with pytest.raises(ValueError, match="params"):
        tl.plot.explain(rs.explain(), ["x", "x"])


def test_animate_writes_one_frame_per_snapshot(tmp_path):
    es = CMAES(S2, seed=0)
    snaps = []
    for _ in range(5):
        _run(es, es.lambda_)
        snaps.append(es.explain())
    path = tl.plot.animate(snaps, tmp_path / "cma.gif", fps=4)
    with Image.open(path) as im:
        assert im.format == "GIF" and im.n_frames == 5
        assert im.size == (512, 384)
        assert im.info["duration"] == 250
    with pytest.raises(ValueError, match="fps"):
        tl.plot.animate(snaps, tmp_path / "a.gif", fps=0)
    with pytest.raises(ValueError, match="snapshots"):
        tl.plot.animate([], tmp_path / "a.gif")
    with pytest.raises(ValueError, match="path"):
        tl.plot.animate(snaps, tmp_path / "a.mp4")


def test_inactive_points_are_counted_in_the_legend():
    space = Space({"model": tl.Categorical(["lin", "mlp"]), "hidden": Integer(1, 64, log=True),
                   "lr": Real(1e-4, 1.0, log=True)}, conditions={"hidden": ("model", "mlp")})
    ga = _run_cond(GeneticSearch(space, population_size=10, seed=0), 10)
    snap = ga.explain()
    ax = tl.plot.explain(snap, ["hidden", "lr"]).axes[0]
    off = int(np.isnan(snap["offspring"]["points"][:, 1]).sum())
    assert 0 < off < 10
    line = _line(ax, f"offspring: random (10), {off} not drawn (inactive parameter)")
    assert np.isfinite(line.get_xdata()).sum() == 10 - off


def _run_cond(s, n):
    for _ in range(n):
        c = s.ask()
        s.tell(c, math.log(c["lr"]) ** 2 + c.get("hidden", 0) / 10)
    return s


def test_hyperband_brackets_and_promotion_lines():
    from tunelab.search import Hyperband, SuccessiveHalving

    def f(c, b):
        return (math.log10(c["x"]) + 1.5) ** 2 + 0.2 * c["k"] + 1.0 / b

    hb = Hyperband(S3, 1, 9, eta=3, seed=0)
    for _ in range(9 + 3 + 1 + 5 + 1 + 3):  # one round: brackets s = 2, 1, 0
        c, b = hb.ask_budget()
        hb.tell(c, f(c, b), budget=b)
    snap = hb.explain()
    fig = tl.plot.explain(snap)
    assert len(fig.axes) == len(snap["schedule"]) == 3
    n_links = 0
    for ax, br in zip(fig.axes, snap["brackets"][-3:], strict=True):
        assert ax.get_xscale() == "log" and ax.get_xlabel() == "budget"
        assert ax.get_title().startswith(f"bracket {br['number']} ")
        links = [ln for ln in ax.lines if ln.get_gid() == "promotion"]
        rungs = br["rungs"]
        expected = [(r["budget"], r["values"][j], rungs[i + 1]["budget"],
                     rungs[i + 1]["values"][to])
                    for i, r in enumerate(rungs[:-1]) for j, to in enumerate(r["promoted_to"])
                    if to is not None and rungs[i + 1]["told"][to]]
        got = [(*ln.get_xdata(), *ln.get_ydata()) for ln in links]
        n_links += len(got)
        np.testing.assert_allclose(np.array([(a, c, b, d) for a, b, c, d in got]).reshape(
            -1, 4), np.array(expected, dtype=float).reshape(-1, 4))
        drawn = sum(len(ln.get_xdata()) for ln in ax.lines if ln.get_gid() == "jobs")
        assert drawn == sum(int(r["told"].sum()) for r in rungs)
    assert n_links >= 3
    ax = tl.plot.explain(snap, ax=Figure().add_subplot()).axes[0]
    assert ax.get_title().startswith(f"bracket {snap['brackets'][-1]['number']} ")
    sh = SuccessiveHalving(S3, 1, 9, eta=3, seed=0)
    for _ in range(9 + 3):
        c, b = sh.ask_budget()
        sh.tell(c, f(c, b), budget=b)
    ax = tl.plot.explain(sh.explain()).axes[0]
    assert "promoted" in _legend(ax) and "not promoted" in _legend(ax)
    assert len(_line(ax, "promoted").get_xdata()) == 3


def test_animate_bayes_from_the_design_to_the_model(tmp_path):
    bo = BayesianOptimization(S2, n_initial=3, seed=0)
    snaps = []
    for _ in range(5):
        snaps.append(bo.explain())
        c = bo.ask()
        bo.tell(c, _f(c))
    assert [s["phase"] for s in snaps] == ["initial_design"] * 3 + ["model"] * 2
    path = tl.plot.animate(snaps, tmp_path / "bo.gif", dpi=50)
    with Image.open(path) as im:
        assert im.n_frames == 5
        assert im.size == (550, 240)  # widest (the model: 11 in) and tallest (design: 4.8 in)


def _hypergradient_run(n=12):
    """Gradient descent on an explicit quadratic in (ln x, y), its gradient by hand."""
    hs = tl.search.HypergradientSearch(S2, optimizer="gd", learning_rate=0.2)
    for _ in range(n):
        c = hs.ask()
        a = math.log(c["x"]) + 3.0  # the optimum at x = e^-3, y = 0.5
        value = a**2 + 2 * (c["y"] - 0.5) ** 2
        hs.tell(c, value, gradient={"x": 2 * a / c["x"], "y": 4 * (c["y"] - 0.5)})
    return hs


def test_hypergradient_snapshot_is_in_the_space_units():
    hs = _hypergradient_run()
    snap = hs.explain()
    assert snap["kind"] == "hypergradient" and [a["name"] for a in snap["axes"]] == ["x", "y"]
    assert snap["axes"][0]["log"] and not snap["axes"][1]["log"]
    np.testing.assert_array_equal(snap["points"][:, 0], [c["x"] for c in snap["path"]])
    np.testing.assert_array_equal(snap["points"][:, 1], [c["y"] for c in snap["path"]])
    # gradients in the space's coordinates: x df/dx on the log axis
    for c, g in zip(snap["path"], snap["gradients"], strict=True):
        a = math.log(c["x"]) + 3.0
        assert g == pytest.approx([2 * a, 4 * (c["y"] - 0.5)], rel=1e-12)


def test_hypergradient_picture_draws_the_path_arrows_and_next():
    hs = _hypergradient_run()
    snap = hs.explain()
    ax = tl.plot.explain(snap).axes[0]
    it = _line(ax, "iterates (12)").get_xydata()
    np.testing.assert_allclose(it, snap["points"], rtol=1e-12)
    np.testing.assert_allclose(_line(ax, "path, in order").get_xydata(), snap["points"])
    np.testing.assert_allclose(_line(ax, "start").get_xydata()[0], snap["points"][0])
    nxt = _line(ax, "next ask").get_xydata()[0]
    assert nxt == pytest.approx([snap["next"]["x"], snap["next"]["y"]])
    arrows = [t for t in ax.texts if t.get_gid() == "descent"]
    assert len(arrows) == 12
    for arrow, p, g in zip(arrows, snap["points"], snap["gradients"], strict=True):
        tip, tail = np.array(arrow.xy, dtype=float), np.array(arrow.xyann, dtype=float)
        np.testing.assert_allclose(tail, p)
        step = [math.log(tip[0] / tail[0]), tip[1] - tail[1]]  # in the space's coordinates
        if np.linalg.norm(g) > 0:  # along -g, relative to each axis span
            d = -np.array(g) / np.array([math.log(1e3), 2.0])
            got = np.array(step) / np.array([math.log(1e3), 2.0])
            assert got @ d == pytest.approx(np.linalg.norm(got) * np.linalg.norm(d), rel=1e-9)
    assert ax.get_xscale() == "log"


def test_hypergradient_picture_of_one_parameter_and_a_stop():
    space = Space({"x": Real(-2.0, 2.0)})
    hs = tl.search.HypergradientSearch(space, optimizer="lbfgsb", learning_rate=0.5)
    while hs.stopped is None:
        c = hs.ask()
        hs.tell(c, (c["x"] - 0.7) ** 2, gradient={"x": 2 * (c["x"] - 0.7)})
    snap = hs.explain()
    ax = tl.plot.explain(snap).axes[0]
    it = _line(ax, f"iterates ({len(snap['values'])})").get_xydata()
    np.testing.assert_allclose(it, np.column_stack([snap["points"][:, 0], snap["values"]]))
    path = _line(ax, "path, in order").get_xydata()  # the iterates joined in their order
    np.testing.assert_allclose(path, np.column_stack([snap["points"][:, 0], snap["values"]]))
    assert snap["next"] is None and not [ln for ln in ax.lines if ln.get_label() == "next ask"]
    assert any(t.get_gid() == "stopped" and snap["stopped"] in t.get_text() for t in ax.texts)
