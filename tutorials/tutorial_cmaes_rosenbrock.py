"""
CMA-ES learns the shape of the Rosenbrock valley
================================================

The Rosenbrock function

.. math:: f(x_0, x_1) = (1 - x_0)^2 + 100\\,(x_1 - x_0^2)^2

has its minimum :math:`f(1, 1) = 0` at the end of a narrow curved valley along the parabola
:math:`x_1 = x_0^2`: across the valley :math:`f` rises a hundred times faster than along it.
The covariance matrix adaptation evolution strategy (CMA-ES; Hansen 2016, arXiv:1604.00772)
samples each generation from a Gaussian,

.. math:: x_k = m + \\sigma\\, y_k, \\qquad y_k \\sim \\mathcal N(0, C), \\qquad
   k = 1, \\dots, \\lambda,

moves the mean to the weighted average of the :math:`\\mu` best samples,
:math:`m \\leftarrow m + \\sigma \\sum_i w_i y_{i:\\lambda}`, and learns :math:`C` from the
steps that worked: the rank-:math:`\\mu` update adds :math:`\\sum_i w_i y_{i:\\lambda}
y_{i:\\lambda}^\\top`, the rank-one update the outer product of the *evolution path*
:math:`p_c`, an exponentially smoothed sum of the mean's recent steps. The step size
follows a second path, :math:`p_\\sigma = (1 - c_\\sigma) p_\\sigma + \\sqrt{c_\\sigma
(2 - c_\\sigma) \\mu_\\text{eff}}\\, C^{-1/2} (m' - m)/\\sigma`, which under random selection
is distributed as :math:`\\mathcal N(0, I)`:

.. math:: \\sigma \\leftarrow \\sigma \\exp\\left(\\frac{c_\\sigma}{d_\\sigma}
   \\left(\\frac{\\lVert p_\\sigma \\rVert}{\\mathbb E \\lVert \\mathcal N(0, I) \\rVert}
   - 1\\right)\\right).

Steps that keep going the same way make :math:`\\lVert p_\\sigma \\rVert` longer than
expected and :math:`\\sigma` grows; steps that cancel make it shorter and :math:`\\sigma`
shrinks. We watch the sampling ellipse turn and stretch along the valley as the mean
walks down it.
"""

# %%
# The function from ``tl.bench.problems`` on a box that frames the valley, and the search
# from the classical start :math:`(-1.2, 1)`. CMA-ES works in the unit cube of the space, so
# :math:`\sigma` is a fraction of the box's side (here 4 wide): :math:`\sigma_0 = 0.1` is a
# step of about 0.4.
import os

import numpy as np
from matplotlib.figure import Figure

import tunelab as tl
from tunelab.space import Real, Space

QUICK = os.environ.get("TUNELAB_QUICK", "0") == "1"
rosenbrock = tl.bench.problems.get("rosenbrock", dim=2)
space = Space({"x0": Real(-2.0, 2.0), "x1": Real(-1.0, 3.0)})


def f(config):
    return float(rosenbrock.evaluate([[config["x0"], config["x1"]]])[0])


es = tl.search.CMAES(space, sigma0=0.1, mean0={"x0": -1.2, "x1": 1.0}, seed=0)
n_generations = 80 if QUICK else 120

# %%
# One generation per ask/tell round: ``ask_batch(lambda)`` hands out the generation's
# samples, and after they are told ``explain()`` holds the generation with its ranks (the
# update itself happens at the next ask). We keep one snapshot per generation.
snapshots = []
for _ in range(n_generations):
    configs = es.ask_batch(es.lambda_)
    es.tell_batch(configs, [f(c) for c in configs])
    snapshots.append(es.explain())
print(f"lambda = {es.lambda_} samples per generation, mu = {snapshots[0]['mu']} recombined")


def shape(step):
    """Axis ratio of the sampling ellipse, angle of its long axis, and the valley's angle
    at the mean (the tangent of x1 = x0^2 is (1, 2 x0)), in degrees."""
    lam, V = np.linalg.eigh(step["covariance"])
    long_axis = V[:, 1] * np.sign(V[0, 1] or 1.0)
    x0 = step["mean"]["point"][0]
    return (np.sqrt(lam[1] / lam[0]), np.degrees(np.arctan2(long_axis[1], long_axis[0])),
            np.degrees(np.arctan(2 * x0)))


print(" gen  evals  mean (x0, x1)      sigma   axis ratio  long axis  valley  best f")
for step in snapshots[::10] + [snapshots[-1]]:
    ratio, angle, valley = shape(step)
    m = step["mean"]["point"]
    turn = f"{angle:8.0f}°" if ratio > 1.05 else "       - "  # a circle has no long axis
    print(f"{step['generation']:4d}  {step['n_told']:5d}  ({m[0]:6.3f}, {m[1]:6.3f})  "
          f"{step['sigma']:7.4f}  {ratio:10.1f}  {turn}  {valley:5.0f}°  "
          f"{np.nanmin(step['samples']['values']):.1e}")

# %%
# The table reads the ellipse through the eigendecomposition of the covariance
# :math:`\sigma^2 C` in the units of :math:`x`: the axis ratio is
# :math:`\sqrt{\lambda_\max / \lambda_\min}`, the long axis the angle of the top
# eigenvector, the valley the angle of the parabola's tangent at the mean. The ellipse
# starts as a circle; by generation 30 its long axis lies within a few degrees of the
# valley's direction (46° against 52°) and from then on it follows the valley as it turns,
# from 46° to 63°, while the axis ratio grows from 4 to 26 at generation 50, when the mean
# arrives at the minimum: the search has learned that steps along the valley succeed and
# steps across it fail (the rank-:math:`\mu` update stretches the ellipse along the best
# samples' steps, and the active update, with negative weights on the worst, shrinks it
# along theirs). Meanwhile the best value of a generation falls from 3.7 to
# :math:`5 \times 10^{-3}` at generation 50 and :math:`10^{-8}` at generation 79.
#
# Near the minimum a quadratic model holds, and the covariance CMA-ES learns there should
# approach the inverse Hessian, :math:`C \propto H^{-1}` (Hansen 2016): the
# same axis ratio :math:`\sqrt{\operatorname{cond} H}` and the same long axis. The
# Hessian of Rosenbrock at :math:`(1, 1)` is :math:`\begin{pmatrix} 802 & -400 \\ -400 &
# 200 \end{pmatrix}`.
H = np.array([[802.0, -400.0], [-400.0, 200.0]])
lam_H, V_H = np.linalg.eigh(H)
print(f"inverse Hessian at (1, 1): axis ratio {np.sqrt(lam_H[1] / lam_H[0]):.1f}, long axis "
      f"{np.degrees(np.arctan2(V_H[1, 0], V_H[0, 0])) % 180:.1f}°")
ratio, angle, _ = shape(snapshots[-1])
print(f"CMA-ES, generation {snapshots[-1]['generation']}: axis ratio {ratio:.1f}, long axis "
      f"{angle:.1f}°")

# %%
# In the full run (120 generations) the last ellipse has an axis ratio of 50.3 against the
# inverse Hessian's 50.1, its long axis at 63.1° against the Hessian's 63.5°; the quick run
# stops at generation 79, already at the minimum, with a ratio of 47 and an axis at 63.3°.
#
# The ellipses of generations 0, 10, 20, ... over the contour lines of :math:`f` (at
# :math:`10^{-1}` to :math:`10^3`), with the path of the mean. The long axis of the
# 1-sigma ellipse follows the valley as it curves.
grid0, grid1 = np.linspace(-2, 2, 241), np.linspace(-1, 3, 241)
X0, X1 = np.meshgrid(grid0, grid1)
F = rosenbrock.evaluate(np.column_stack([X0.ravel(), X1.ravel()])).reshape(X0.shape)
levels = 10.0 ** np.arange(-1, 4)

fig_ellipses = Figure(figsize=(6.4, 5.6))
ax = fig_ellipses.add_subplot()
cs = ax.contour(X0, X1, F, levels=levels, colors="0.75", linewidths=0.7)
ax.clabel(cs, fmt="%g", fontsize=7)
means = np.array([s["mean"]["point"] for s in snapshots])
ax.plot(means[:, 0], means[:, 1], "-", color="0.3", linewidth=1, label="path of the mean")
shown = snapshots[::10]
colors = [f"C{k % 10}" for k in range(len(shown))]
for step, color in zip(shown, colors, strict=True):
    e = np.asarray(step["ellipse"]["boundary"])
    ax.plot(e[:, 0], e[:, 1], color=color, label=f"generation {step['generation']}")
ax.plot(1, 1, "k*", markersize=12, label="minimum (1, 1)")
ax.set_xlim(-2, 2)
ax.set_ylim(-1, 3)
ax.set_xlabel("x0")
ax.set_ylabel("x1")
ax.set_title("1-sigma sampling ellipses of CMA-ES on Rosenbrock")
ax.legend(fontsize=7, loc="upper left", ncol=2)
fig_ellipses.tight_layout()
fig_ellipses.savefig("cmaes_rosenbrock_ellipses.png", dpi=120)

# %%
# One generation up close, as ``tl.plot.explain`` draws it: the samples (the
# :math:`\mu` best in red, recombined into the next mean), the 1- and 2-sigma ellipses and
# the mean, here zoomed to four long semi-axes around the mean. At generation 40 every
# sample lies close to the long axis, which follows the valley; the three best are those
# that stayed on the valley floor, the three worst overshoot it up and to the right. The next
# mean is the weighted mean of the best; the rank-:math:`\mu` update stretches the ellipse
# along their steps and the active update shrinks it along the worst ones'.


def zoomed(step):
    fig = Figure(figsize=(6.4, 4.8))
    ax = fig.add_subplot()
    ax.contour(X0, X1, F, levels=10.0 ** np.arange(-4, 4), colors="0.8", linewidths=0.6)
    tl.plot.explain(step, ax=ax)
    half = 4 * np.sqrt(np.linalg.eigvalsh(step["covariance"])[1])
    m = step["mean"]["point"]
    ax.set_xlim(m[0] - half, m[0] + half)
    ax.set_ylim(m[1] - half, m[1] + half)
    ax.set_aspect("equal")
    fig.tight_layout()
    return fig


middle = snapshots[40]
fig_middle = zoomed(middle)
fig_middle.savefig("cmaes_rosenbrock_generation40.png", dpi=120)

# %%
# The whole run as a GIF, one frame per generation, on the full box.
tl.plot.animate(snapshots[::4 if QUICK else 2], "cmaes_rosenbrock.gif", fps=6)

# %%
# The step size and the two evolution paths against generation. The dashed line is
# :math:`\mathbb E \lVert \mathcal N(0, I) \rVert = \chi_n`, which :math:`\lVert p_\sigma
# \rVert` is compared with.
gens = np.array([s["generation"] for s in snapshots])
sigma = np.array([s["sigma"] for s in snapshots])
p_sigma = np.array([s["paths"]["sigma_norm"] for s in snapshots])
p_c = np.array([np.linalg.norm(s["paths"]["c"]) for s in snapshots])
chi_n = snapshots[0]["paths"]["chi_n"]
above = p_sigma[1:] > chi_n
print(f"chi_n = {chi_n:.3f}; |p_sigma| > chi_n in {above.mean():.0%} of the generations")
print(f"sigma at generations 0, 20, 40, 60, {gens[-1]}: "
      + ", ".join(f"{sigma[g]:.4f}" for g in (0, 20, 40, 60, -1)))

# %%
# The step size is not monotone: it falls from 0.16 to 0.04 by generation 12 while the
# mean settles into the bottom of the valley (the path :math:`p_\sigma` shorter than
# :math:`\chi_n`: successive steps cancel), then climbs back to 0.05-0.14 while the mean
# travels along the valley (generations 12-48), when :math:`\lVert p_\sigma \rVert` often
# rises above :math:`\chi_n`; once the mean is at the minimum (generation 50) it falls
# steadily, by about a factor 10 every 20 generations. Cumulative step-size adaptation thus
# speeds the search up on the long stretch and slows it down where it has arrived. The path
# :math:`p_c` of the rank-one update is longest in the first generations, when the mean
# moves far in one direction, from the start down to the valley.
fig_paths = Figure(figsize=(6.4, 5.6))
ax_s, ax_p = fig_paths.subplots(2, 1, sharex=True)
ax_s.semilogy(gens, sigma, color="C0")
ax_s.set_ylabel("step size \N{GREEK SMALL LETTER SIGMA} (unit cube)")
ax_s.set_title("Step size and evolution paths")
ax_p.plot(gens, p_sigma, color="C1", label="|p_\N{GREEK SMALL LETTER SIGMA}|")
ax_p.plot(gens, p_c, color="C2", label="|p_c|")
ax_p.axhline(chi_n, color="k", linestyle="--", linewidth=1,
             label=f"E|N(0, I)| = {chi_n:.3f}")
ax_p.set_xlabel("generation")
ax_p.set_ylabel("path length")
ax_p.legend(fontsize=8)
fig_paths.tight_layout()
fig_paths.savefig("cmaes_rosenbrock_paths.png", dpi=120)
