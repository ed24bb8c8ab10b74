"""
A genetic algorithm on the Rastrigin function
=============================================

The Rastrigin function in :math:`d` dimensions,

.. math:: f(x) = 10 d + \\sum_{i=1}^d \\left(x_i^2 - 10 \\cos 2\\pi x_i\\right),
   \\qquad x \\in [-5.12, 5.12]^d,

is a bowl covered with a lattice of local minima, one near every integer point; the global
minimum is :math:`f(0) = 0`. A local method stops in the first dimple it meets. A genetic
algorithm (Goldberg 1989) keeps a *population* of :math:`N` points and breeds each
generation from the last: it *selects* parents by tournament (the best of 3 drawn at
random, Goldberg & Deb 1991), *recombines* each pair by simulated binary crossover (SBX,
Deb & Agrawal 1995), *mutates* genes by polynomial mutation (Deb & Goyal 1996), and keeps
the :math:`N` best of the children and the :math:`k` best parents (elitism):

.. math:: P_{g+1} = \\text{best}_N\\big(\\text{best}_k(P_g) \\cup O_g\\big).

Selection pulls the population towards the better basins, crossover mixes coordinates
of good points, and mutation keeps some spread. We watch the population shrink onto the
global basin and its diversity fall generation by generation.
"""

# %%
# The problem and the search. ``tl.bench.problems`` gives the function on its standard box
# together with its known minimum; ``GeneticSearch`` works in the unit cube of the space
# (each coordinate scaled to [0, 1]), so its diversity is measured there.
import os

import numpy as np

import tunelab as tl

QUICK = os.environ.get("TUNELAB_QUICK", "0") == "1"
problem = tl.bench.problems.get("rastrigin", dim=2)
print(problem.space)
print("global minimum", problem.optimum, "at", problem.minimizers[0])

N = 20
n_generations = 12 if QUICK else 25
ga = tl.search.GeneticSearch(problem.space, population_size=N, seed=0)

# %%
# We drive the ask/tell loop a generation at a time: ``ask_batch`` never hands out more
# than the rest of one generation, and after the whole generation is told ``explain()``
# shows it complete: the population it was bred from, its children with how each was made,
# and the survivors that will form the next population.
snapshots = []
while ga.generation_ < n_generations:
    configs = ga.ask_batch(N)
    ga.tell_batch(configs, [problem(c) for c in configs])
    step = ga.explain()
    if step["generation"] >= 1 and step["survivors"]["complete"]:
        if not snapshots or snapshots[-1]["generation"] != step["generation"]:
            snapshots.append(step)

print(" gen  evaluated  best f   mean distance  distinct  operations of the children")
for step in snapshots:
    ops = step["offspring"]["operation"]
    counts = {op: ops.count(op) for op in ("copy", "crossover", "mutation",
                                             "crossover+mutation")}
    print(f"{step['generation']:4d}  {step['n_told']:9d}  {step['population']['values'][0]:7.4f}"
          f"  {step['diversity']['mean_distance']:13.4f}  {step['diversity']['n_unique']:8d}  "
          + ", ".join(f"{k} {v}" for k, v in counts.items()))

# %%
# In the table, ``evaluated`` counts the values told so far. Generation 1 costs 19
# evaluations, not 20: one child is a copy of its parent (the pair did not mate and no gene
# mutated), and a copy takes its parent's value without being evaluated again. With the
# mutation rate :math:`1/d = 1/2` per gene, three children in four are mutated in
# expectation, most of them after a crossover. The best value falls from 6.3 to 1.1 (a
# neighbouring dimple of the origin, :math:`f \approx 1`) by generation 3, and below 1 (the
# global basin) at generation 9; the mean distance of the population falls from 0.50 to
# below 0.1 of the unit cube by generation 6.
#
# To see the basins the population moves between, we draw each snapshot over the contour
# lines of the function: ``tl.plot.explain(step, ax=ax)`` draws into axes we made.
from matplotlib.figure import Figure  # noqa: E402

grid = np.linspace(-5.12, 5.12, 201)
X0, X1 = np.meshgrid(grid, grid)
F = problem.evaluate(np.column_stack([X0.ravel(), X1.ravel()])).reshape(X0.shape)


def on_contours(step):
    fig = Figure(figsize=(8.0, 5.2))
    ax = fig.add_subplot()
    ax.contour(X0, X1, F, levels=[5, 20, 40], colors="0.8", linewidths=0.6)
    tl.plot.explain(step, ax=ax)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    fig.subplots_adjust(left=0.08, right=0.66, top=0.92)
    return fig


# %%
# Generation 1, over the contour lines of :math:`f` at 5, 20 and 40: the population is 20
# uniform points (grey); the ringed ones are the 9 that tournaments picked as parents; each
# child is joined to its first parent by a thin line and marked by the operators that made
# it; the crosses are the 20 that survive into generation 2. Selection has already thrown
# out the corners: all the survivors lie within about 4 of the origin, and crossover
# children land far from their first parent, in other basins.
fig_first = on_contours(snapshots[0])
fig_first.savefig("genetic_rastrigin_first.png", dpi=120)

# %%
# Generation 7: the population sits mostly in the dimple at :math:`(0, -1)`, where
# :math:`f \approx 1` (its best value is 1.0085), with a few members in the dimples around
# it. Many children line up on :math:`x_0 \approx 0`: parents that share :math:`x_0`
# give crossover children that differ only in :math:`x_1`, one dimple up or down; this is
# how the population reaches the global basin at :math:`(0, 0)` two generations later.
fig_middle = on_contours(snapshots[6])
fig_middle.savefig("genetic_rastrigin_middle.png", dpi=120)

# %%
# The last generation, and how its population is spread over the dimples (each member
# rounded to its nearest integer point).
fig_last = on_contours(snapshots[-1])
P = snapshots[-1]["population"]["points"]
dimples = np.rint(P).astype(int)  # the integer point of each member's dimple
print(f"generation {snapshots[-1]['generation']}: {np.all(dimples == 0, axis=1).sum()} of {N} "
      f"in the global basin, the rest in {len({tuple(p) for p in dimples if p.any()})} "
      "other dimples")
fig_last.savefig("genetic_rastrigin_last.png", dpi=120)

# %%
# The best members are in the global basin, but only 6 of the 20 at generation 12 (8 at
# generation 25 in the full run); the others sit in 7 (8) neighbouring dimples. With
# ``elitism=2`` only the two best parents are sure to survive; the other 18 places go to
# children, and crossover and mutation keep throwing some of them into other basins.
#
# The whole run as an animation, one frame per generation, on axes that keep the full box.
tl.plot.animate(snapshots, "genetic_rastrigin.gif", fps=2)

# %%
# Best so far against evaluations, for five seeds of the genetic search and of random
# search at the same budget: the median line with a bootstrap band of the median.
# Evaluations of a generation's clones are not spent again (a child equal to a known point
# takes its value), so a run of ``G`` generations costs at most ``N G`` evaluations.
budget = 20 * N if QUICK else 40 * N
seeds = range(5)


def best_so_far(strategy):
    values = []
    while len(values) < budget:
        configs = strategy.ask_batch(min(N, budget - len(values)))
        batch = [problem(c) for c in configs]
        strategy.tell_batch(configs, batch)
        values.extend(batch)
    return np.minimum.accumulate(values)


curves = {
    "genetic search": np.array([best_so_far(tl.search.GeneticSearch(
        problem.space, population_size=N, seed=s)) for s in seeds]),
    "random search": np.array([best_so_far(tl.search.RandomSearch(
        problem.space, seed=s)) for s in seeds]),
}
for name, c in curves.items():
    print(f"{name:15s} median best after {budget // 4:4d}, {budget // 2:4d}, {budget:4d}"
          f" evaluations: " + ", ".join(f"{np.median(c[:, k - 1]):.2e}"
                                        for k in (budget // 4, budget // 2, budget)))
fig_curve = tl.plot.convergence(curves, title="2-D Rastrigin, 5 seeds",
                                ylabel="best f so far (minimum 0)")
fig_curve.savefig("genetic_rastrigin_convergence.png", dpi=120)

# %%
# The genetic search's median best is below random search's at every budget: after 400
# evaluations 0.12 against 2.6. Random search must land a point within about 0.1 of the
# origin by chance; the genetic search finds the global basin and then refines inside it.
#
# Diversity against generation: the mean pairwise distance of the population in the unit
# cube, and the spread (standard deviation) of each coordinate. It falls fast during the
# first six generations, while selection empties the outer basins, then stays at a floor
# between about 0.05 and 0.15 of the unit cube, that is 0.5 to 1.5 in the units of
# :math:`x`: the spread that mutation and the children in neighbouring dimples keep up. This
# floor is what lets the search still move from a dimple to a better one late in the run.
gens = [s["generation"] for s in snapshots]
fig_div = Figure(figsize=(6.4, 4.0))
ax = fig_div.add_subplot()
ax.semilogy(gens, [s["diversity"]["mean_distance"] for s in snapshots], "o-",
            label="mean pairwise distance")
for j, name in enumerate(problem.space.names):
    ax.semilogy(gens, [s["diversity"]["gene_std"][j] for s in snapshots], ".--",
                label=f"standard deviation of {name}")
ax.set_xlabel("generation")
ax.set_ylabel("spread of the population (unit cube)")
ax.set_title("Diversity of the population")
ax.legend()
fig_div.tight_layout()
fig_div.savefig("genetic_rastrigin_diversity.png", dpi=120)
