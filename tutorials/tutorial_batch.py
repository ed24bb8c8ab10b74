"""
Batches: asking again before the values come back
=================================================

With several workers, Bayesian optimization must propose a new point while others are still
being evaluated. An asked configuration without a value is *pending*. Asking again with the
same posterior would return the same point, so each ask accounts for the pending points
:math:`x_1, \\dots, x_p`, by one of two ideas.

*Fantasies* (Ginsbourger, Le Riche & Carraro, "Kriging is well-suited to parallelize
optimization", Springer 2010, Sec. 4): tell the GP a made-up value at each pending point and
maximize the acquisition of that fantasized posterior. The *constant liar* tells every
pending point the same lie :math:`L`, the minimum (``"cl_min"``, optimistic), the mean
(``"cl_mean"``) or the maximum (``"cl_max"``, pessimistic) of the observed values; the
*kriging believer* (``"kb"``) tells each its posterior mean :math:`\\mu(x_j)`. Either way the
band closes at the pending points, so their neighbourhood loses its exploration value; a
high lie also lowers the exploitation value around it.

*Local penalization* (González, Dai, Hennig & Lawrence, "Batch Bayesian optimization via
local penalization", AISTATS 2016, Eq. 4; ``"lp"``) leaves the GP alone and multiplies the
acquisition by a penalty around each pending point,

.. math:: \\varphi(x; x_j) = \\Phi\\!\\left(\\frac{L\\,\\lVert x - x_j \\rVert - \\mu(x_j) + M}
   {\\sigma(x_j)}\\right),

the probability that :math:`x` lies outside the ball around :math:`x_j` in which, with
:math:`f(x_j) \\sim N(\\mu(x_j), \\sigma^2(x_j))`, a function of Lipschitz constant
:math:`L` cannot go below the best value :math:`M`. :math:`L` is estimated as the largest
gradient norm of the posterior mean (their Sec. 3.2).

``BayesianOptimization(batch=...)`` picks the rule; ``ask_batch(q)`` is :math:`q` asks in a
row, each adding its point to the pending ones, and ``explain()`` shows them in
``pending``: ``configs``, ``points``, ``rule``, and ``lies`` or ``penalty``.
"""

# %%
# Four observations of the Forrester function :math:`(6x - 2)^2 \sin(12x - 4)` on
# :math:`[0, 1]` (minimum -6.02 at :math:`x = 0.757`), told to one strategy per rule, and a
# batch of four asked from each, one ask at a time with a snapshot before each.
import os

import numpy as np
from scipy.stats import norm

import tunelab as tl
from tunelab.space import Real, Space

QUICK = os.environ.get("TUNELAB_QUICK", "0") == "1"


def forrester(x):
    return float((6 * x - 2) ** 2 * np.sin(12 * x - 4))


space = Space({"x": Real(0.0, 1.0)})
observed = [0.1, 0.4, 0.6, 0.9]
print("observations:", {x: round(forrester(x), 3) for x in observed})
q = 4
rules = ("cl_max", "cl_mean", "cl_min", "kb", "lp")


def strategy(rule):
    bo = tl.search.BayesianOptimization(space, batch=rule, n_initial=3, seed=0)
    for x in observed:
        bo.tell({"x": x}, forrester(x))
    return bo


snaps, batches = {}, {}
for rule in rules:
    bo = strategy(rule)
    snaps[rule] = []
    for _ in range(q):
        snaps[rule].append(bo.explain())
        bo.ask()
    snaps[rule].append(bo.explain())  # with all four pending
    batches[rule] = [s["chosen"]["config"]["x"] for s in snaps[rule][:q]]
    xs = np.array(batches[rule])
    others = [np.abs(np.delete(np.r_[observed, xs], len(observed) + i) - x).min()
              for i, x in enumerate(xs)]
    print(f"{rule:8s} batch x = {np.round(xs, 3)}; distance of each to its nearest "
          f"other point {np.round(others, 3)}")
same = strategy("cl_max").ask_batch(q)
print("ask_batch(4) gives the same batch:", [c["x"] for c in same] == batches["cl_max"])

# %%
# The first ask has nothing pending, so every rule starts with EI's own choice, 0.214, in
# the widest gap beside the best value (-0.657 at 0.1). The next two agree too: the left
# edge, then the gap between 0.4 and 0.6. The fourth tells the rules apart. The pessimistic
# lies (``cl_max``, ``cl_mean``) make the left half look bad, and the batch goes right, to
# 0.66 and 0.68, towards the unseen global minimum at 0.757. The optimistic lie
# (``cl_min``) and the believer (``kb``) make the pending points look good, and the fourth
# point returns beside the incumbent (0.161, 0.145), 0.045 to 0.053 from its nearest
# neighbour. Local penalization lands between the two (0.28). ``ask_batch(4)`` is the same as
# four asks in a row.
#
# The pending fields of the last snapshots, with all four points pending.
for rule in rules:
    pend = snaps[rule][q]["pending"]
    print(rule, "pending x:", np.round(np.asarray(pend["points"])[:, 0], 3))
    if pend["lies"] is not None:
        print("   lies:", np.round(pend["lies"], 3))
    else:
        pen = pend["penalty"]
        print("   penalty: mean", np.round(pen["mean"], 3), "std", np.round(pen["std"], 3),
              f"Lipschitz {pen['lipschitz']:.3f} (standardized units), best {pen['best']:.3f}")

# %%
# The liars' ``lies`` are the observed maximum (5.712), mean (1.255) or minimum (-0.657);
# the believer's are the posterior means at the pending points, one each. The penalty holds
# the posterior mean and standard deviation at the pending points, the Lipschitz estimate
# :math:`L` and the best value :math:`M`.
#
# The constant liar ``cl_max`` before its fourth ask, three points pending. The posterior
# drawn is the fantasized one: it passes through the lie 5.71 at each pending point (red
# circles), with no band there. Between 0 and 0.55 the mean now rises to the lie beside
# every observation; EI is left with one large peak, right of 0.6, mostly exploitation,
# where the fantasized mean dips below the best value.
fig_cl_max = tl.plot.explain(snaps["cl_max"][3])
fig_cl_max.savefig("batch_cl_max.png", dpi=120)

# %%
# The optimistic liar ``cl_min`` at the same moment: the lie is the best value, -0.657.
# The mean stays low around the pending points, so the small gaps between them and the
# observations keep some EI, and the highest, 0.16, is between the incumbent and the first
# pending point.
fig_cl_min = tl.plot.explain(snaps["cl_min"][3])
fig_cl_min.savefig("batch_cl_min.png", dpi=120)

# %%
# Local penalization at the same moment: the posterior is the GP of the four observations
# alone, the pending points are ticks on the bottom edge (the one at :math:`x = 0` sits on
# the axis), and the dashed line is EI times the penalty, the product the ask maximizes.
step = snaps["lp"][3]
fig_lp = tl.plot.explain(step)
fig_lp.savefig("batch_lp.png", dpi=120)

# %%
# The penalty is mild here: it leaves about 0.37 of EI at the pending points, and half of
# it a few hundredths away; the ask goes to 0.28, on the shoulder of the peak at 0.214.
#
# We recompute the penalty on the grid from the snapshot's fields alone. The fields are in
# the objective's units, with :math:`L` in standardized units per unit of :math:`x` (the
# unit cube is :math:`x` itself here), so the radius term is :math:`s_y L \lVert x - x_j
# \rVert`. The kriging believer's lies and the penalty's means are both the posterior mean at
# the pending points, of the same GP.
pen = step["pending"]["penalty"]
sy = step["standardization"]["std"]
x = step["grid"]["points"][:, 0]
xp = np.asarray(step["pending"]["points"])[:, 0]
z = (sy * pen["lipschitz"] * np.abs(x[:, None] - xp[None, :]) - pen["mean"] + pen["best"]) \
    / pen["std"]
phi = norm.cdf(z).prod(axis=1)
print("max |penalty from the fields - snapshot penalty|:",
      np.abs(phi - step["grid"]["penalty"]).max())
kb_lies = snaps["kb"][3]["pending"]["lies"]
print("kb lies:", np.round(kb_lies, 4), " lp means:", np.round(pen["mean"], 4))
for j, xj in enumerate(xp):
    radius = (pen["mean"][j] - pen["best"]) / (sy * pen["lipschitz"])
    at_point = norm.cdf((pen["best"] - pen["mean"][j]) / pen["std"][j])
    print(f"pending x = {xj:.3f}: penalty 1/2 at distance {radius:.3f}, "
          f"penalty at the point itself {at_point:.3f}")

# %%
# The fields give the penalty to rounding. The believer's lies equal the penalty's means at
# 0.214 and 0, the pending points both rules share (the third differs a little, 0.510
# against 0.509). Each penalty is :math:`\tfrac12` at distance
# :math:`(\mu(x_j) - M)/(s_y L)` from its point, about 0.02 here, and at the point itself
# only about 0.37: with :math:`\sigma(x_j)` large against :math:`\mu(x_j) - M`, the pending
# value might well be an improvement, so the neighbourhood is not ruled out. Penalization
# grows stronger as the posterior at the pending points gets surer.
#
# Last, a few rounds of a parallel loop: ask a batch, evaluate it, tell all of it, for
# each rule. One run from one seed, so it shows the mechanics, not which rule is better.
rounds = 2 if QUICK else 4
for rule in rules:
    bo = strategy(rule)
    for _ in range(rounds):
        batch = bo.ask_batch(q)
        for config in batch:
            bo.tell(config, forrester(config["x"]))
    best_config, best_value = min(bo.history, key=lambda cv: cv[1])
    print(f"{rule:8s} after {rounds} batches of {q}: best {best_value:.4f} at "
          f"x = {best_config['x']:.4f}")

# %%
# After two batches (the quick setting) the pessimistic liars have reached the basin of the
# global minimum (``cl_mean`` -5.88, ``cl_max`` -4.46), the optimistic ones are entering it
# (-3.91), and local penalization is still at the local minimum (-0.986, at 0.145); after
# four batches (the full setting) all five are within 0.025 of the minimum, -6.0207.
