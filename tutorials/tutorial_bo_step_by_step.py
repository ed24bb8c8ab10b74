"""
Bayesian optimization, one ask at a time
========================================

Bayesian optimization (Jones, Schonlau & Welch, "Efficient global optimization of expensive
black-box functions", J. Global Optim. 13, 1998) models the objective with a Gaussian
process (GP) fitted to the values seen so far, and asks next where an *acquisition* of the
posterior is largest. With the posterior mean :math:`\\mu(x)`, standard deviation
:math:`\\sigma(x)` and the best value :math:`f^*`, expected improvement is

.. math:: \\mathrm{EI}(x) = \\underbrace{(f^* - \\xi - \\mu)\\,\\Phi(z)}_{\\text{exploitation}}
   + \\underbrace{\\sigma\\,\\varphi(z)}_{\\text{exploration}},
   \\qquad z = \\frac{f^* - \\xi - \\mu}{\\sigma},

(Jones et al. 1998, Eq. 15): the first term is large where the mean is already low, the
second where the model is unsure. tunelab maximizes its logarithm, log EI (Ament et al.,
"Unexpected improvements to expected improvement for Bayesian optimization", NeurIPS 2023),
which has the same argmax and no flat zero regions.

Two changes of units happen inside. The GP never sees the parameter itself but its
coordinate :math:`u \\in [0, 1]` of the *unit cube* (:meth:`Space.to_unit`; on a log-scaled
parameter :math:`u = (\\ln x - \\ln a)/(\\ln b - \\ln a)`), and it models *standardized*
values :math:`\\tilde y = (y - \\bar y)/s_y`. ``explain()`` undoes both: its snapshot speaks in
the space's own units and the objective's, so the pictures can be read directly.

We watch it on the Forrester function :math:`g(t) = (6t - 2)^2 \\sin(12t - 4)`,
:math:`t \\in [0, 1]` (Forrester, Sóbester & Keane, *Engineering design via surrogate
modelling*, Wiley 2008), here posed as a function of a log-scaled "learning rate"
:math:`x \\in [10^{-4}, 1]` with :math:`t = 1 + \\log_{10}(x)/4`, so that the unit-cube
coordinate of :math:`x` is exactly :math:`t`.
"""

# %%
# The objective and its space. Its global minimum is at :math:`t \approx 0.7573`
# (:math:`x \approx 0.107`), with a local one near :math:`t \approx 0.14` and a plateau
# around the middle.
import os

import numpy as np

import tunelab as tl
from tunelab.space import Real, Space

QUICK = os.environ.get("TUNELAB_QUICK", "0") == "1"


def forrester(t):
    return (6 * t - 2) ** 2 * np.sin(12 * t - 4)


def objective(config):
    return float(forrester(1 + np.log10(config["lr"]) / 4))


space = Space({"lr": Real(1e-4, 1.0, log=True)})
t_dense = np.linspace(0, 1, 100001)
t_best = t_dense[np.argmin(forrester(t_dense))]
print(f"true minimum: t = {t_best:.4f}, lr = {10 ** (4 * (t_best - 1)):.4f}, "
      f"value {forrester(t_best):.4f}")
print("unit coordinate of lr = 0.01:", space.to_unit({"lr": 0.01}))

# %%
# Ask and tell by hand. Before each ask we take the snapshot ``bo.explain()``: it is what
# decides that ask, and its ``chosen`` entry is the configuration the ask then returns.
# The first ``n_initial = 4`` points come from a scrambled Sobol' sequence (the initial
# design); from the fifth on, the GP and the acquisition decide.
bo = tl.search.BayesianOptimization(space, n_initial=4, seed=0)
n_evaluations = 10 if QUICK else 16
snapshots = []
for _ in range(n_evaluations):
    step = bo.explain()
    config = bo.ask()
    assert step["chosen"]["config"] == config
    snapshots.append(step)
    value = objective(config)
    bo.tell(config, value)
    print(f"{step['phase']:>14s}: lr = {config['lr']:.3e}  "
          f"(u = {space.to_unit(config)[0]:.4f})  value {value:8.4f}")

# %%
# The four design points sit at unit coordinates 0.13, 0.63, 0.77 and 0.27: Sobol' points
# spread over :math:`[0, 1]`, which the log scale maps to learning rates spread over four
# decades. The third one already lands in the basin of the global minimum (-5.88).
#
# The picture of the snapshot before the fourth ask: three observations and the next design
# point, a tick on the bottom edge since it has no value yet. No model is fitted during the
# design, so that is all the snapshot holds.
fig_design = tl.plot.explain(snapshots[3])
fig_design.savefig("bo_step_initial_design.png", dpi=120)

# %%
# The first model step, after the four design points. Top: the posterior mean with a band of
# two standard deviations, which closes at the observations (the GP interpolates: its noise
# variance is :math:`10^{-6}` in standardized units). Bottom: EI's two parts and their sum,
# in the objective's units. The x axis is the learning rate on its log scale, as the space
# defines it, though the GP worked on :math:`u`.
first = snapshots[4]
fig_first = tl.plot.explain(first)
fig_first.savefig("bo_step_first_model.png", dpi=120)
hp = first["hyperparameters"]
print("standardization (mean, std of the values):", first["standardization"])
print("incumbent f*:", round(first["incumbent"], 4))
print("lengthscale on the unit cube:", hp["lengthscale_unit"].ravel().round(4),
      " in ln(lr):", hp["lengthscale"].ravel().round(4))
print("signal variance (objective units squared):", hp["variance"].round(3))
print("chosen:", first["chosen"]["config"], " unit coordinate:", first["chosen"]["unit"])

# %%
# Four values are little to learn a lengthscale from: the marginal likelihood picks 0.017 of
# the unit interval (0.158 in :math:`\ln` lr, since the interval spans
# :math:`\ln 10^4 = 9.21`), so the GP treats the observations as nearly unrelated, and away
# from them the posterior falls back to its prior: the mean of the values (-2.10) and a
# band of :math:`\pm 2 s_y`, with :math:`s_y = 2.24` (the signal variance 5.01 is
# :math:`s_y^2` times a standardized variance of about 1). Exploitation is negative
# wherever the mean lies above :math:`f^* = -5.88`; EI stays positive because exploration
# outweighs it. Their sum peaks on either side of the best point, where a mean still near
# :math:`f^*` meets a band that is already wide again, and the next ask (u = 0.782) sits
# just right of the incumbent (u = 0.773).
#
# The snapshot's curves are the GP's own prediction, moved back to the objective's units.
# We check it: predict with the fitted GP ``bo.gp_`` at unit coordinates, then undo the
# standardization, :math:`\bar y + s_y \mu` and :math:`s_y \sigma`. ``bo.gp_`` now holds
# the last fit, so we rebuild the first model step: the same seed asks the same four design
# points.
first_bo = tl.search.BayesianOptimization(space, n_initial=4, seed=0)
for _ in range(4):
    config = first_bo.ask()
    first_bo.tell(config, objective(config))
check = first_bo.explain()
gp = first_bo.gp_
u_grid = check["grid"]["unit"]
mu, sd = gp.predict(u_grid, return_std=True)
s = check["standardization"]
print("max |snapshot mean - (ybar + s_y mu)|:",
      np.abs(check["grid"]["mean"] - (s["mean"] + s["std"] * mu)).max())
print("max |snapshot std - s_y sigma|:", np.abs(check["grid"]["std"] - s["std"] * sd).max())
print("GP training targets (standardized):", gp.y_train_.round(4))

# %%
# They agree to rounding, and the GP's targets are the standardized values: the best one,
# -5.88, is -1.69 standard deviations from the mean.
#
# Every model step, in one table: the lengthscale on the unit cube, the next ask's unit
# coordinate, and, at the grid point where EI is largest, its two parts.
print(" told  lengthscale(u)  next u   EI at its peak = exploitation + exploration")
for snap in snapshots[4:]:
    g = snap["grid"]
    i = int(np.argmax(g["total"]))
    ex, er = g["parts"]["exploitation"][i], g["parts"]["exploration"][i]
    print(f"{snap['n_told']:5d}  {snap['hyperparameters']['lengthscale_unit'][0, 0]:14.4f}  "
          f"{snap['chosen']['unit'][0]:6.4f}   {g['total'][i]:.3g} = {ex:.3g} + {er:.3g}")

# %%
# As values accumulate the lengthscale grows (0.017, 0.077, 0.11, then about 0.25 to 0.32),
# and the model starts to generalize. After six values, the two ends of the interval are
# the least known places: EI's peak there is exploration (0.53) net of a negative
# exploitation (-0.36), and BO asks lr = 1 (u = 1, the dotted line on the right edge
# below), then lr = 1e-4. With both ends known to be high, the step after eight values is
# the opposite: EI peaks where the mean is lowest, almost all exploitation (0.066 against
# 0.0002), and the ask lands on u = 0.7573, the global minimum. In the full run, the later
# asks stay next to it, with EI near 1e-3 and falling.
fig_later = tl.plot.explain(snapshots[6])
fig_later.savefig("bo_step_after_6.png", dpi=120)

# %%
# After nine values the band is narrow around every observation, and EI is small
# everywhere (its peak is 0.004): the largest is in the widest gap of the band, between
# lr = 1e-3 and 3e-2, where exploitation and exploration nearly cancel.
fig_last = tl.plot.explain(snapshots[9])
fig_last.savefig("bo_step_after_9.png", dpi=120)

# %%
# The best value found, and the animation of every snapshot (one frame per ask). Frames
# share the x axis, the space's whole range; the y axis follows the values.
best_config, best_value = min(bo.history, key=lambda cv: cv[1])
print(f"best after {bo.n_told} evaluations: lr = {best_config['lr']:.4f}, value {best_value:.4f}"
      f" (true minimum {forrester(t_best):.4f})")
gif = tl.plot.animate(snapshots, "bo.gif", fps=1.0)
print("wrote", gif)
