"""Bergstra & Bengio (2012), "Random search for hyper-parameter optimization", JMLR 13:281-305.

Two experiments, both with fixed seeds (see README.md beside this file for the claims, the
published figures and ours):

1. **Simulation** (the paper's Section 5): the probability that a set of N points of the unit
   cube puts at least one point in a target, an axis-aligned box of volume 1 % with random
   aspect ratio and position, for a grid, pseudo-random points, a Latin hypercube and a
   scrambled Sobol' sequence, in 3 and 5 dimensions.
2. **A one-layer network** (the paper's Section 3, scaled to digits): 256 i.i.d. random
   configurations of 7 hyperparameters of :class:`tunelab.MLPClassifier` trained by SGD with
   momentum, split into experiments of s trials (the efficiency curve); a 2^7 = 128-point grid
   over the same space; and a GP with one lengthscale per hyperparameter (ARD) fitted to the
   256 validation errors, whose inverse lengthscales say how many hyperparameters matter.

Run ``python papers/2012_bergstra_random_search/reproduce.py`` (the full protocol, about
45 s on 2 cores) or with ``--quick`` (smaller network and data, the simulation in 3-D only;
about 6 s), and ``--json PATH`` to write the checked figures.
"""

from __future__ import annotations

import sys
import time
import warnings
from typing import Any

import numpy as np

import tunelab as tl
from tunelab._papers import script_main
from tunelab.exceptions import ConvergenceWarning

VOLUME = 0.01
SIZES = (8, 16, 32, 64, 128, 256, 512)


# --------------------------------------------------------------------------- simulation
def targets(n: int, dim: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` boxes of volume :data:`VOLUME` in the unit cube: side ``i`` is ``VOLUME**w_i``
    with ``w`` uniform on the simplex (so the sides multiply to the volume), the position
    uniform among those that keep the box inside the cube. Returns lower and upper corners."""
    weights = rng.dirichlet(np.ones(dim), size=n)
    sides = VOLUME**weights
    low = rng.uniform(size=(n, dim)) * (1.0 - sides)
    return low, low + sides


def grid_points(n: int, dim: int) -> np.ndarray:
    """The largest full grid with at most ``n`` points: ``k = floor(n**(1/dim))`` levels per
    axis at the cell centres ``(j + 1/2) / k``."""
    k = int(np.floor(n ** (1.0 / dim) + 1e-9))
    levels = (np.arange(k) + 0.5) / k
    return np.stack(np.meshgrid(*[levels] * dim, indexing="ij"), axis=-1).reshape(-1, dim)


def sampler_points(sampler: str, n: int, dim: int, seed: int) -> np.ndarray:
    """``n`` points of tunelab's ``RandomSearch(sampler=...)`` on the unit cube."""
    space = tl.Space({f"x{i}": tl.Real(0.0, 1.0) for i in range(dim)})
    options = {"design_size": n} if sampler == "lhs" else {}
    search = tl.search.RandomSearch(space, sampler=sampler, seed=seed, **options)
    return space.to_unit(search.ask_batch(n))


def hit_rate(points: np.ndarray, low: np.ndarray, high: np.ndarray) -> float:
    """The fraction of the boxes ``[low, high]`` that hold at least one of ``points``."""
    inside = (points[None] >= low[:, None]) & (points[None] <= high[:, None])
    return float(inside.all(axis=2).any(axis=1).mean())


def simulation(dims: tuple[int, ...], n_targets: int, n_seeds: int) -> dict[str, Any]:
    """Hit probabilities by method, dimension and number of points."""
    out: dict[str, Any] = {}
    for dim in dims:
        low, high = targets(n_targets, dim, np.random.default_rng(dim))
        table: dict[str, dict[int, float]] = {}
        for n in SIZES:
            table.setdefault("grid", {})[n] = hit_rate(grid_points(n, dim), low, high)
            for sampler in ("random", "lhs", "sobol"):
                rates = [hit_rate(sampler_points(sampler, n, dim, s), low, high)
                         for s in range(n_seeds)]
                table.setdefault(sampler, {})[n] = float(np.mean(rates))
        out[f"d{dim}"] = table
    return out


# --------------------------------------------------------------------------- network
def network_space(quick: bool) -> tl.Space:
    """The 7 hyperparameters (the paper's network had SGD, a learning rate, annealing, L2,
    hidden units, a nonlinearity and initialization choices; these are tunelab's)."""
    return tl.Space({
        "learning_rate": tl.Real(1e-3, 1.0, log=True),
        "momentum": tl.Real(0.0, 0.95),
        "alpha": tl.Real(1e-7, 1e-1, log=True),
        "hidden": tl.Integer(16, 128 if quick else 512, log=True),
        "batch_size": tl.Integer(16, 256, log=True),
        "activation": tl.Categorical(["relu", "tanh"]),
        "epochs": tl.Integer(3 if quick else 5, 15 if quick else 50, log=True),
    })


def digits_split(quick: bool) -> tuple[np.ndarray, ...]:
    """Digits scaled to [0, 1]; train / validation / test, stratified, seed 0."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    X_rest, X_test, y_rest, y_test = tl.train_test_split(
        X, y, test_size=400, random_state=0, stratify=y)
    n_train = 600 if quick else 1000
    X_train, X_val, y_train, y_val = tl.train_test_split(
        X_rest, y_rest, train_size=n_train, random_state=0, stratify=y_rest)
    return X_train, y_train, X_val, y_val, X_test, y_test


def train(config: dict[str, Any], data: tuple[np.ndarray, ...], seed: int) -> tuple[float, float]:
    """Validation and test error (1 - accuracy) of one configuration; a fit that diverges
    (non-finite weights) scores as the chance error 0.9."""
    X_train, y_train, X_val, y_val, X_test, y_test = data
    model = tl.MLPClassifier(
        hidden_layer_sizes=(config["hidden"],), activation=config["activation"],
        optimizer="sgd", learning_rate=config["learning_rate"], momentum=config["momentum"],
        alpha=config["alpha"], batch_size=config["batch_size"], epochs=config["epochs"],
        random_state=seed)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            model.fit(X_train, y_train)
            val = 1.0 - float(np.mean(model.predict(X_val) == y_val))
            test = 1.0 - float(np.mean(model.predict(X_test) == y_test))
        except (ValueError, FloatingPointError):
            return 0.9, 0.9
    return val, test


def efficiency_curve(val: np.ndarray, test: np.ndarray) -> dict[int, list[float]]:
    """For each experiment size s, the test errors of the best-by-validation trial of each of
    the ``len(val) // s`` consecutive groups of s trials."""
    curve = {}
    s = 1
    while s <= len(val):
        groups = len(val) // s
        v, t = val[: groups * s].reshape(groups, s), test[: groups * s].reshape(groups, s)
        curve[s] = [float(x) for x in t[np.arange(groups), v.argmin(axis=1)]]
        s *= 2
    return curve


def grid_configs(space: tl.Space) -> list[dict[str, Any]]:
    """Two levels per hyperparameter, the centres of two equal cells of its unit coordinate
    (every choice of a categorical): 2^7 = 128 configurations."""
    unit = np.stack(np.meshgrid(*[[0.25, 0.75]] * len(space.names), indexing="ij"), axis=-1)
    return space.from_unit(unit.reshape(-1, len(space.names)))


def relevance(space: tl.Space, configs: list[dict[str, Any]], val: np.ndarray) -> dict[str, float]:
    """Inverse ARD lengthscales of a Matérn-5/2 GP fitted (ML-II, noise fitted) to the
    validation errors in unit coordinates, normalized to sum to one."""
    X = space.to_unit(configs)
    kernel = tl.gp.Matern(2.5, lengthscale=np.ones(X.shape[1]), lengthscale_bounds=(1e-2, 1e3))
    gp = tl.gp.GaussianProcess(kernel, normalize_y=True, optimize_noise=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gp.fit(X, val, optimize=True)
    inverse = 1.0 / np.asarray(gp.kernel_.lengthscale, dtype=float)
    return {name: float(r) for name, r in zip(space.names, inverse / inverse.sum(), strict=True)}


def network(quick: bool, n_random: int) -> dict[str, Any]:
    space = network_space(quick)
    data = digits_split(quick)
    configs = tl.search.RandomSearch(space, seed=0).ask_batch(n_random)
    scores = np.array([train(c, data, seed=i) for i, c in enumerate(configs)])
    grid = grid_configs(space)
    grid_scores = np.array([train(c, data, seed=i) for i, c in enumerate(grid)])
    best = int(grid_scores[:, 0].argmin())
    curve = efficiency_curve(scores[:, 0], scores[:, 1])
    grid_test = float(grid_scores[best, 1])
    eight = np.array(curve[8])
    return {
        "grid_size": len(grid),
        "grid_best_test_error": grid_test,
        "grid_best_config": grid[best],
        "curve_median": {s: float(np.median(v)) for s, v in curve.items()},
        "curve_quartiles": {s: [float(np.percentile(v, 25)), float(np.percentile(v, 75))]
                            for s, v in curve.items()},
        "s8_share_at_or_below_grid": float(np.mean(eight <= grid_test)),
        "relevance": relevance(space, configs, scores[:, 0]),
        "diverged": int(np.sum(scores[:, 0] >= 0.9)),
    }


# --------------------------------------------------------------------------- report
def figures(quick: bool) -> dict[str, Any]:
    start = time.perf_counter()
    sim = simulation((3,) if quick else (3, 5), 500 if quick else 2000, 10 if quick else 20)
    net = network(quick, 64 if quick else 256)
    return {"simulation": sim, "network": net, "seconds": time.perf_counter() - start}


def checked(result: dict[str, Any]) -> dict[str, float]:
    """The figures the README states and CI compares (flat, ``name: value``)."""
    sim, net = result["simulation"]["d3"], result["network"]
    flat = {f"sim_d3_n64_{m}": sim[m][64] for m in ("grid", "random", "lhs", "sobol")}
    flat["net_grid_best_test_error"] = net["grid_best_test_error"]
    flat["net_s8_median_test_error"] = net["curve_median"][8]
    flat["net_s8_share_at_or_below_grid"] = net["s8_share_at_or_below_grid"]
    top2 = sorted(net["relevance"].values(), reverse=True)[:2]
    flat["net_top2_relevance"] = float(sum(top2))
    return flat


def print_report(result: dict[str, Any]) -> None:
    for key, table in result["simulation"].items():
        print(f"Simulation, {key[1:]}-D, target volume {VOLUME:.0%}: P(a point in the target)")
        print("  N      " + "".join(f"{n:>7}" for n in SIZES))
        for method, row in table.items():
            print(f"  {method:<7}" + "".join(f"{row[n]:7.3f}" for n in SIZES))
    net = result["network"]
    print(f"Network: grid of {net['grid_size']}, best-by-validation test error "
          f"{net['grid_best_test_error']:.4f} ({net['grid_best_config']})")
    print("  random experiments of s trials: median test error [quartiles]")
    for s, m in net["curve_median"].items():
        q = net["curve_quartiles"][s]
        print(f"  s = {s:<4} {m:.4f} [{q[0]:.4f}, {q[1]:.4f}]")
    print(f"  experiments of 8 at or below the grid: {net['s8_share_at_or_below_grid']:.2f}")
    print("  relevance (1/lengthscale, normalized): " + ", ".join(
        f"{k} {v:.2f}" for k, v in sorted(net["relevance"].items(), key=lambda kv: -kv[1])))
    print(f"  random trials that diverged: {net['diverged']}")
    print(f"{result['seconds']:.0f} s")


def main(argv: list[str] | None = None) -> dict[str, float]:
    return script_main(__doc__, figures, print_report, checked, argv)


if __name__ == "__main__":
    main(sys.argv[1:])
