"""
Random search against grid search when only one parameter matters
=================================================================

Bergstra and Bengio ([BB12]_, Sec. 2 and Fig. 1) observed that a validation loss of many
hyperparameters usually depends on a few of them: with two parameters,

.. math:: f(x_1, x_2) = g(x_1) + h(x_2), \\qquad h \\text{ nearly constant}.

A grid of :math:`m \\times m` points spends :math:`m^2` trials but tries only :math:`m`
distinct values of the parameter that matters, each :math:`m` times; :math:`m^2` random
points try :math:`m^2` distinct values of it. If :math:`g` has a narrow dip of width
:math:`w` (as a fraction of the range), :math:`n` independent uniform points miss it with
probability :math:`(1 - w)^n`, whatever the number of unimportant parameters, while the grid
either has a column inside it or not, and only a finer grid can change that.

.. [BB12] J. Bergstra and Y. Bengio, "Random search for hyper-parameter optimization",
   Journal of Machine Learning Research 13, 281-305, 2012.
"""

# %%
# The function: a narrow dip in :math:`x_1` at 0.71 (a Gaussian of width 0.08) and a
# shallow bowl in :math:`x_2` that changes :math:`f` by at most 0.021.
import os

import numpy as np
from matplotlib.figure import Figure

import tunelab as tl

QUICK = os.environ.get("TUNELAB_QUICK", "0") == "1"
space = tl.Space({"x1": tl.Real(0.0, 1.0), "x2": tl.Real(0.0, 1.0)})


def g(x1):
    return 1.0 - np.exp(-((x1 - 0.71) ** 2) / (2 * 0.08**2))


def h(x2):
    return 0.05 * (x2 - 0.35) ** 2


def f(config):
    return float(g(config["x1"]) + h(config["x2"]))


# %%
# Twenty-five trials each: a 5 x 5 grid, and 25 uniform random points (seed 0). We count
# the distinct values each tried on the important axis.
grid = tl.minimize(f, space, strategy="grid", n_trials=25, strategy_options={"resolution": 5},
                   progress=False)
rand = tl.minimize(f, space, strategy="random", n_trials=25, seed=0, progress=False)
for name, study in [("grid", grid), ("random", rand)]:
    x1 = [t.params["x1"] for t in study.trials]
    x2 = [t.params["x2"] for t in study.trials]
    print(f"{name:6s} distinct x1: {len(set(x1)):2d}, distinct x2: {len(set(x2)):2d}, best f "
          f"{study.best_value:.4f} at x1 = {study.best_params['x1']:.3f}")

# %%
# The grid tried 5 values of each parameter, random search 25 of each. The grid's best,
# 0.118, sits at its column :math:`x_1 = 0.75`, the nearest of its five to the dip; random
# search's best, 0.031, at :math:`x_1 = 0.730`.
#
# The points on the contours of :math:`f` (left), and every point's :math:`x_1` dropped onto
# :math:`g` (right): the grid's 25 points land on 5 values, stacked five deep, four of them
# on the flat part of :math:`g`; the five trials per value spent on :math:`x_2` buy almost
# nothing, since :math:`h` changes :math:`f` by at most 0.021.
fig = Figure(figsize=(9.6, 4.2))
fig.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.9, wspace=0.25)
ax, ax_g = fig.subplots(1, 2)
u = np.linspace(0.0, 1.0, 1001)
cs = ax.contour(u, u, g(u)[None, :] + h(u)[:, None], levels=[0.05, 0.2, 0.5, 0.8, 0.95],
                colors="0.6", linewidths=0.8)
ax.clabel(cs, fontsize=7)
styles = {"grid": ("s", "C0"), "random": ("o", "C1")}
for name, study in [("grid", grid), ("random", rand)]:
    marker, color = styles[name]
    pts = np.array([[t.params["x1"], t.params["x2"]] for t in study.trials])
    ax.plot(pts[:, 0], pts[:, 1], marker, color=color, markersize=5, linestyle="none",
            label=f"{name} (25 trials)")
    ax_g.plot(pts[:, 0], g(pts[:, 0]), marker, color=color, markersize=5, linestyle="none",
              alpha=0.6, label=f"{name}: {len(np.unique(pts[:, 0]))} distinct $x_1$")
ax.set_xlim(-0.04, 1.04)
ax.set_ylim(-0.04, 1.04)
ax.set_xlabel("$x_1$ (matters)")
ax.set_ylabel("$x_2$ (barely matters)")
ax.plot([], [], color="0.6", linewidth=0.8, label="contours of f")
ax.legend(fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False)
ax_g.plot(u, g(u), color="k", linewidth=1, label="$g(x_1)$")
for v in np.unique([t.params["x1"] for t in grid.trials]):
    ax_g.annotate("x5", (v, g(v)), xytext=(5, 5), textcoords="offset points", fontsize=7,
                  color="C0")
ax_g.set_xlim(-0.05, 1.1)
ax_g.set_xlabel("$x_1$")
ax_g.set_ylabel("$g(x_1)$, the part of f that $x_1$ controls")
ax_g.set_title("The trials seen along the important axis")
ax_g.legend(fontsize=8, loc="lower left")
fig.savefig("random_vs_grid_points.png", dpi=120)

# %%
# One random seed is one draw. Over many seeds, the best value random search finds with 9
# and with 25 trials, against the 3 x 3 and the 5 x 5 grid (which have no seed).
n_seeds = 20 if QUICK else 200
results = {}
for m in (3, 5):
    n = m * m
    grid_best = tl.minimize(f, space, strategy="grid", n_trials=n,
                            strategy_options={"resolution": m}, progress=False).best_value
    random_best = np.array([
        tl.minimize(f, space, strategy="random", n_trials=n, seed=s, progress=False).best_value
        for s in range(n_seeds)])
    results[n] = (grid_best, random_best)
    q25, q50, q75 = np.percentile(random_best, [25, 50, 75])
    # The chance that one of n uniform points lands where f beats the grid: 1 - (1 - A)^n,
    # with A the area of {f < grid_best}, measured on a fine mesh.
    area = np.mean(g(u)[None, :] + h(u)[:, None] < grid_best)
    print(f"{n:2d} trials: grid {grid_best:.4f}; random over {n_seeds} seeds: median {q50:.4f} "
          f"(quartiles {q25:.4f}, {q75:.4f}), better than the grid in "
          f"{np.mean(random_best < grid_best):.0%} of the seeds "
          f"(chance 1 - (1 - {area:.3f})^{n} = {1 - (1 - area) ** n:.0%})")

# %%
# With 9 trials the 3 x 3 grid has no column near the dip (its values are 0, 0.5 and 1) and
# its best is 0.969; random search beat it with all 20 seeds (98 % of 200 in the full run),
# its median best 0.094 (0.105). With 25 trials random search beat the 5 x 5 grid's 0.118
# with 95 % of the seeds (88 % of 200), its median 0.022 (0.023). The printed chances,
# computed from the area where :math:`f` is below the grid's best, are what these fractions
# estimate: 99 % and 87 %. The grid, for its part, gains only by refining every axis at
# once: :math:`m^2` trials for :math:`m` values of :math:`x_1`.
#
# The same as distributions: for each budget, the fraction of seeds whose best value is at
# most a given value (an empirical distribution function), and the grid's one value.
fig_best = Figure(figsize=(6.4, 4.2))
fig_best.subplots_adjust(left=0.12, right=0.97, bottom=0.12, top=0.92)
ax = fig_best.add_subplot()
for k, (n, (grid_best, random_best)) in enumerate(results.items()):
    xs = np.sort(random_best)
    ax.step(xs, np.arange(1, len(xs) + 1) / len(xs), where="post", color=f"C{k}",
            label=f"random, {n} trials ({n_seeds} seeds)")
    ax.axvline(grid_best, color=f"C{k}", linestyle="--", label=f"grid, {n} trials")
ax.set_xscale("log")
ax.set_xlabel("best f found (log scale)")
ax.set_ylabel("fraction of seeds")
ax.set_title("Best value found: random seeds against the grid")
ax.legend(fontsize=8, loc="upper left")
fig_best.savefig("random_vs_grid_best.png", dpi=120)
