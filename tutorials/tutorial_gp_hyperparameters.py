"""
GP hyperparameters: a point estimate or an average
==================================================

The GP of Bayesian optimization has hyperparameters :math:`\\theta` (a lengthscale
:math:`\\ell` per input, a signal variance :math:`s^2`), which set how far one observation
informs its neighbours. The usual choice is a point estimate, maximum marginal likelihood
(type-II maximum likelihood, ML-II):

.. math:: \\hat\\theta = \\arg\\max_\\theta \\log p(y \\mid X, \\theta), \\qquad
   \\log p(y \\mid X, \\theta) = -\\tfrac12 y^T K_\\theta^{-1} y - \\tfrac12 \\log |K_\\theta|
   - \\tfrac n2 \\log 2\\pi

(Rasmussen & Williams, *Gaussian processes for machine learning*, MIT Press 2006, Eq. 5.8).
With few observations that maximum is poorly determined, and a single value can be far off.
Snoek, Larochelle & Adams ("Practical Bayesian optimization of machine learning algorithms",
NeurIPS 2012, Sec. 3.2) instead integrate the acquisition over the posterior of
:math:`\\theta`, with samples :math:`\\theta_1, \\dots, \\theta_M` drawn by slice sampling
(Neal, "Slice sampling", Ann. Statist. 31, 2003):

.. math:: \\hat a(x) = \\int a(x; \\theta)\\, p(\\theta \\mid y)\\, d\\theta
   \\approx \\frac1M \\sum_{m=1}^M a(x; \\theta_m),

and the posterior of :math:`f` becomes a mixture of :math:`M` GPs, with mean
:math:`\\bar\\mu = \\frac1M\\sum_m \\mu_m` and variance
:math:`\\frac1M\\sum_m (\\sigma_m^2 + \\mu_m^2) - \\bar\\mu^2`: the spread between the GPs
widens the band. In tunelab ``hyperparameters="ml2"`` is the point estimate,
``"slice"`` the average over :math:`M = 8` samples of the posterior under a log-normal
prior, and ``"map"`` the maximum of that same posterior: a point estimate with the prior,
which tells the prior's effect apart from the averaging's.
"""

# %%
# Data: the Forrester function :math:`(6x - 2)^2 \sin(12x - 4)` (global minimum -6.02 at
# :math:`x = 0.757`) at the first points of a scrambled Sobol' sequence. We tell the same
# :math:`n` values to three strategies that differ only in ``hyperparameters``, for
# :math:`n` = 3, 6 and 10, and read their snapshots.
import os
import warnings

import numpy as np
from matplotlib.figure import Figure
from scipy.stats import qmc

import tunelab as tl
from tunelab.space import Real, Space

QUICK = os.environ.get("TUNELAB_QUICK", "0") == "1"


def forrester(x):
    return float((6 * x - 2) ** 2 * np.sin(12 * x - 4))


space = Space({"x": Real(0.0, 1.0)})
xs = qmc.Sobol(1, seed=3).random(16)[:, 0]
sizes = (3, 6, 10) if QUICK else (3, 4, 5, 6, 8, 10, 13, 16)
methods = ("ml2", "map", "slice")
print("points:", np.round(xs[:max(sizes)], 3))


def snapshot(n, method):
    bo = tl.search.BayesianOptimization(space, hyperparameters=method, n_initial=3, seed=0)
    for x in xs[:n]:
        bo.tell({"x": float(x)}, forrester(x))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        step = bo.explain()
    for w in caught:
        print(f"  n = {n}, {method}: {w.category.__name__}: {str(w.message)[:95]}...")
    return step


snaps = {(n, m): snapshot(n, m) for n in sizes for m in methods}

# %%
# What each snapshot holds: ``hyperparameters["lengthscale_unit"]`` has one row per GP (one
# for a point estimate, eight for slice samples), on the unit cube (here the same as
# :math:`x`); ``variance`` is in the objective's units squared. With the band we take its
# average half-width, two posterior standard deviations, over the grid.
print("  n  method  lengthscale (median [min, max])   variance (median)  mean 2 sd  next x")
for (n, m), s in snaps.items():
    ls = s["hyperparameters"]["lengthscale_unit"][:, 0]
    var = s["hyperparameters"]["variance"]
    print(f"{n:3d}  {m:6s}  {np.median(ls):7.3f} [{ls.min():.3f}, {ls.max():.3f}]"
          f"{np.median(var):18.1f}{2 * s['grid']['std'].mean():15.2f}"
          f"  {s['chosen']['config']['x']:.3f}")

# %%
# With three points, ML-II picks one lengthscale, 0.169; the slice samples range over a
# factor of five around it (0.10 to 0.57), and their band is a little wider on average.
# With six points ML-II collapses: the marginal likelihood is largest at the lower bound of
# the lengthscale, 0.001, the GP sees the values as unrelated noise-free spikes, and
# tunelab says so with a ``DegradedWarning``. Its band is the prior's everywhere but at the
# observations, and the next ask, 0.700, sits next to the observed 0.699. The prior keeps
# MAP's lengthscale at 0.097, and the slice samples (0.010 to 0.27) mostly away from the
# bound; both ask 0.76, next to the global minimum. With ten points ML-II is confident
# again (lengthscale 0.274, the narrowest band), and all three ask the same place, 0.76;
# the slice samples still reach down to 0.014, so the mixture's band stays wider (4.27
# against 0.77). The full run adds 4, 5, 8, 13 and 16 points: ML-II sits at or near the
# bound from 5 to 8 points (0.001, 0.001, 0.007; the warning starts at
# :math:`2 n_\text{initial} = 6` values, since with fewer a tiny lengthscale is common on
# smooth functions too), and by 13 and 16 points the samples have gathered (0.165 to 0.324,
# 0.339 to 0.600) and the three bands agree within a factor of two.
#
# The pictures of the six-point snapshots, ML-II first. Its band is :math:`\pm 2` prior
# standard deviations (:math:`s = 4.96`) right up to each observation; the spikes towards
# the observations are narrower than the picture's grid step (0.005), so the drawn curve
# barely reaches most of them. EI is nearly flat, largest beside the best point.
fig_ml2 = tl.plot.explain(snaps[6, "ml2"])
fig_ml2.savefig("gp_hyperparameters_ml2_6.png", dpi=120)

# %%
# The slice-sampled mixture on the same six points: a band that closes smoothly at the
# observations, and an EI (averaged over the eight GPs) that peaks between 0.70 and 0.83,
# around the minimum the points bracket.
fig_slice = tl.plot.explain(snaps[6, "slice"])
fig_slice.savefig("gp_hyperparameters_slice_6.png", dpi=120)

# %%
# Each slice sample is a GP of its own. The snapshot keeps their hyperparameters; the
# strategy's ``gp_`` is the first of them. We draw the posterior mean of each sample's GP,
# rebuilt from its lengthscale and variance with :class:`tunelab.gp.GaussianProcess`.
# They must match the snapshot's mixture mean on average: we check that too.
step = snaps[6, "slice"]
hp = step["hyperparameters"]
obs = step["observations"]
X_obs = np.asarray(obs["points"], dtype=float)
y_obs = np.asarray(obs["values"], dtype=float)
ybar, sy = step["standardization"]["mean"], step["standardization"]["std"]
grid = step["grid"]["points"]
means = []
for ls, var, noise in zip(hp["lengthscale_unit"][:, 0], hp["variance"], hp["noise"],
                          strict=True):
    kernel = tl.gp.Matern(nu=2.5, lengthscale=ls, variance=var / sy**2)
    gp = tl.gp.GaussianProcess(kernel, noise=noise / sy**2, n_restarts=0)
    gp.fit(X_obs, (y_obs - ybar) / sy)
    means.append(ybar + sy * gp.predict(grid))
means = np.array(means)
print("max |mean of the samples' means - snapshot mean|:",
      np.abs(means.mean(axis=0) - step["grid"]["mean"]).max())

fig_samples = Figure(figsize=(6.4, 4.0))
ax = fig_samples.add_subplot()
for k, mean in enumerate(means):
    ax.plot(grid[:, 0], mean, color="C0", alpha=0.5, linewidth=1,
            label="the mean of one sample's GP" if k == 0 else None)
ax.plot(grid[:, 0], step["grid"]["mean"], color="k", linewidth=2, label="mixture mean")
ax.plot(grid[:, 0], snaps[6, "ml2"]["grid"]["mean"], color="C3", linestyle="--",
        label="ML-II mean")
ax.plot(X_obs[:, 0], y_obs, "ko", markersize=5, label="observations (6)")
ax.set_xlabel("x")
ax.set_ylabel("objective value")
ax.set_xlim(0, 1)
ax.set_title("six points: the eight slice-sampled GPs and ML-II", fontsize=10)
ax.legend(fontsize=7)
fig_samples.tight_layout()
fig_samples.savefig("gp_hyperparameters_samples.png", dpi=120)

# %%
# Lengthscales against the number of observations: ML-II and MAP one point each, the slice
# samples eight. On a log axis, since the lengthscale's scale is what matters.
fig_ls = Figure(figsize=(6.4, 4.0))
ax = fig_ls.add_subplot()
for k, m in enumerate(methods):
    for n in sizes:
        ls = snaps[n, m]["hyperparameters"]["lengthscale_unit"][:, 0]
        ax.plot(np.full(len(ls), n + 0.15 * (k - 1)), ls, "o^s"[k], color=f"C{k}",
                markersize=5, alpha=0.8, label={"ml2": "ML-II", "map": "MAP",
                                                 "slice": "slice samples (8)"}[m]
                if n == sizes[0] else None)
ax.axhline(1e-3, color="0.5", linestyle=":", label="lower bound 0.001")
ax.set_yscale("log")
ax.set_xlabel("number of observations")
ax.set_ylabel("lengthscale (unit cube = x)")
ax.set_xticks(sizes)
ax.legend(fontsize=7)
fig_ls.tight_layout()
fig_ls.savefig("gp_hyperparameters_lengthscales.png", dpi=120)

# %%
# The samples' means are spread most between 0.70 and 0.94, where the six points say least
# about the shape; the ML-II mean is flat but for its spikes. The lengthscales: at three
# points the samples spread over a factor of five; at six the ML-II estimate sits on the
# bound while MAP and the samples do not; at ten the point estimates (0.274, 0.177) lie at
# the top of the samples' range (0.014 to 0.257).
#
# Integrating matters while the data leave the hyperparameters open: with few points, and
# whenever the point estimate sits at a bound. Then the average over samples hedges, and
# the prior keeps the samples in a sensible range (MAP alone already avoids the collapse
# here). Once the data determine the lengthscale, point estimates and the average ask the
# same place, and the slice samples are only a cost: about 500 marginal likelihoods per
# refit (``BayesianOptimization``'s docstring).
