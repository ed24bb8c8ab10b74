"""
Four acquisitions, one posterior
================================

Bayesian optimization asks next where an *acquisition* of the GP posterior is best. For a
minimization with posterior mean :math:`\\mu(x)`, standard deviation :math:`\\sigma(x)`,
best value :math:`f^*`, margin :math:`\\xi` and :math:`z = (f^* - \\xi - \\mu)/\\sigma`:

- expected improvement (Jones, Schonlau & Welch, J. Global Optim. 13, 1998, Eq. 15),
  maximized: :math:`\\mathrm{EI} = (f^* - \\xi - \\mu)\\Phi(z) + \\sigma\\varphi(z)`, an
  exploitation and an exploration term; ``"logei"`` maximizes its logarithm (Ament et al.,
  NeurIPS 2023), same argmax;
- probability of improvement (Kushner, J. Basic Eng. 86, 1964), maximized:
  :math:`\\mathrm{PI} = \\Phi(z)`; it counts how likely an improvement is, not how large;
- lower confidence bound (Srinivas et al., "Gaussian process optimization in the bandit
  setting", ICML 2010), minimized: :math:`\\mathrm{LCB} = \\mu - \\beta\\sigma`, an
  optimistic value of the objective;
- Thompson sampling (Thompson, Biometrika 25, 1933): draw one function from the posterior,
  jointly at the candidates, and ask where the draw is lowest; the randomness of the draw is
  the exploration.

We give the same four observations to four ``BayesianOptimization`` strategies that differ
only in ``acquisition`` (``"ei"``, ``"pi"``, ``"ucb"``, ``"thompson"``), so that they share
one GP posterior, and read in each snapshot the parts that decide its next ask.
"""

# %%
# The objective is the Forrester function :math:`(6x - 2)^2 \sin(12x - 4)` on
# :math:`[0, 1]`: global minimum -6.02 at :math:`x = 0.757`, a local one, -0.99, at
# :math:`x = 0.143`. The four observations were told, not asked (``tell`` takes any
# configuration of the space, as a warm start).
import os

import numpy as np
from matplotlib.figure import Figure

import tunelab as tl
from tunelab.space import Real, Space

QUICK = os.environ.get("TUNELAB_QUICK", "0") == "1"


def forrester(x):
    return float((6 * x - 2) ** 2 * np.sin(12 * x - 4))


space = Space({"x": Real(0.0, 1.0)})
observed = [0.1, 0.4, 0.6, 0.9]
print("observations:", {x: round(forrester(x), 4) for x in observed})


def strategy(acquisition, seed=0, **options):
    bo = tl.search.BayesianOptimization(space, acquisition=acquisition, n_initial=3,
                                        seed=seed, **options)
    for x in observed:
        bo.tell({"x": x}, forrester(x))
    return bo


snapshots = {}
for name in ("ei", "pi", "ucb", "thompson"):
    snapshots[name] = step = strategy(name).explain()
    print(f"{name:9s} next x = {step['chosen']['config']['x']:.4f}")
ei = snapshots["ei"]
hp = ei["hyperparameters"]
print("shared GP: lengthscale", hp["lengthscale"].ravel().round(4), "variance",
      hp["variance"].round(3), " incumbent f* =", round(ei["incumbent"], 4))
same = all(np.allclose(s["grid"]["mean"], ei["grid"]["mean"]) for s in snapshots.values())
print("all four posteriors equal:", same)

# %%
# The four strategies fitted the same GP (same data, same seed of the fit), so their
# posteriors agree to the last digit; only the acquisitions differ, and with them the next
# ask: four different points, all but Thompson's between 0.1 and 0.25, in the widest gap of
# the data beside the best value :math:`f^* = -0.657` (at :math:`x = 0.1`). None goes to the
# global minimum at 0.757: the data show nothing low there, and the high value at 0.9 pulls
# the mean up.
#
# Expected improvement. Its exploitation part is positive only where the mean is below
# :math:`f^*`; the exploration part is largest where the band is wide.
fig_ei = tl.plot.explain(snapshots["ei"])
fig_ei.savefig("acquisitions_ei.png", dpi=120)
g = ei["grid"]
x = g["points"][:, 0]
i = int(np.argmax(g["total"]))
print(f"EI peaks at x = {x[i]:.4f}: exploitation {g['parts']['exploitation'][i]:.4f} + "
      f"exploration {g['parts']['exploration'][i]:.4f} = {g['total'][i]:.4f}")
far = int(np.argmax(g["std"]))
print(f"widest band at x = {x[far]:.4f} (sd {g['std'][far]:.3f}): EI there "
      f"{g['total'][far]:.4f}")

# %%
# EI's maximum, 0.528 at :math:`x = 0.216`, is mostly exploration (0.757), less a negative
# exploitation (-0.229: the mean there is above :math:`f^*`). It lies left of the widest band
# (0.251, where EI is 0.497): the low mean near the incumbent pulls it that way. The
# second-highest bump, near 0.5, is the next widest gap.
#
# Probability of improvement, with its default margin :math:`\xi = 0.01` (standardized
# units). It is a probability, so a sure small gain beats a likely large one.
pi = snapshots["pi"]
fig_pi = tl.plot.explain(pi)
fig_pi.savefig("acquisitions_pi.png", dpi=120)
gp_ = pi["grid"]
i = int(np.argmax(gp_["total"]))
print(f"PI peaks at x = {x[i]:.4f} with probability {gp_['total'][i]:.3f}; "
      f"at EI's peak it is {gp_['total'][int(np.argmax(g['total']))]:.3f}")
for xi in (0.01, 0.1, 0.5):
    nxt = strategy("pi", xi=xi).explain()["chosen"]["config"]["x"]
    print(f"  PI, xi = {xi:4}: next x = {nxt:.4f}")

# %%
# PI peaks at 0.116, just beside the incumbent, where the mean is barely above
# :math:`f^*` and the band already opens: a probability of 0.464 of improving at all, against
# 0.376 at EI's peak, where an improvement would be larger. A larger margin :math:`\xi`
# asks for a larger improvement and pushes the ask away from the incumbent, towards EI's
# choice (0.117, 0.156, 0.212 for :math:`\xi` = 0.01, 0.1, 0.5).
#
# Lower confidence bound with :math:`\beta = 2`: its parts are the mean and the bonus
# :math:`-\beta\sigma`, and the next ask is where their sum is *lowest*.
lcb = snapshots["ucb"]
fig_lcb = tl.plot.explain(lcb)
fig_lcb.savefig("acquisitions_lcb.png", dpi=120)
gl = lcb["grid"]
i = int(np.argmin(gl["total"]))
print(f"LCB is lowest at x = {x[i]:.4f}: mean {gl['parts']['mean'][i]:.3f} "
      f"+ bonus {gl['parts']['exploration'][i]:.3f} = {gl['total'][i]:.3f}")
for beta in (0.5, 2.0, 5.0):
    print(f"  LCB, beta = {beta}: next x = "
          f"{strategy('ucb', ucb_beta=beta).explain()['chosen']['config']['x']:.4f}")

# %%
# The bonus :math:`-2\sigma` (-4.14) dwarfs the mean (0.06) at LCB's minimum, 0.236: with
# :math:`\beta = 2` the optimistic value is mostly the band's lower edge, whose lowest point
# is in the widest gap. :math:`\beta` sets the trade-off directly: 0.5 asks 0.175, nearer the
# incumbent; 5 asks 0.244, nearer the widest band (0.251).
#
# Thompson sampling. The ask draws one function from the posterior, jointly at its
# candidates (``candidates["draw"]`` in the snapshot), and asks where it is lowest; the
# lower panel shows that draw.
ts = snapshots["thompson"]
fig_ts = tl.plot.explain(ts)
fig_ts.savefig("acquisitions_thompson.png", dpi=120)
cand = ts["candidates"]
print(f"{len(cand['draw'])} candidates; lowest draw {cand['draw'].min():.3f} at x = "
      f"{cand['points'][np.argmin(cand['draw']), 0]:.4f}")
seeds = range(4) if QUICK else range(12)
picks = [strategy("thompson", seed=s).explain()["chosen"]["config"]["x"] for s in seeds]
print("Thompson's next x for seeds", list(seeds), ":", np.round(picks, 3))

# %%
# This draw is lowest at 0.058, left of the incumbent, a place no other acquisition picks:
# a draw may dip anywhere the band is wide. Another seed is another draw: the first four
# seeds ask 0.058, 0, 0.259 and 0.514, the last in the gap between 0.4 and 0.6 (the full
# run's twelve seeds spread from 0 to 0.537, none right of 0.6, where the data are high,
# nor near the global minimum at 0.757). Thompson
# sampling explores by its randomness, in proportion to the posterior probability that a
# point is the minimum, with no parameter to set.
#
# The four choices on the shared posterior. ``tl.plot.explain(step, ax=ax)`` draws a
# snapshot's first panel into our own axes.
fig_all = Figure(figsize=(6.4, 4.0))
ax = fig_all.add_subplot()
tl.plot.explain(ei, ax=ax)
for k, (name, step) in enumerate(snapshots.items()):
    ax.axvline(step["chosen"]["point"][0], color=f"C{k + 1}", linestyle="--",
               label=f"{name}: next x = {step['chosen']['point'][0]:.3f}")
for line in ax.get_lines():
    if line.get_label() == "next ask":
        line.remove()
ax.set_title("the same posterior, four next asks", fontsize=10)
ax.legend(fontsize=7)
fig_all.tight_layout()
fig_all.savefig("acquisitions_choices.png", dpi=120)

# %%
# EI, PI and LCB are deterministic functions of the posterior, and order their choices by
# how much they weigh the band against the mean: PI nearest the incumbent, then EI, then
# LCB with :math:`\beta = 2`. Thompson's choice is a random one.
