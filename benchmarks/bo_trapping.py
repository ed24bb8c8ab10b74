"""Trapped runs of Bayesian optimization on Hartmann-6: how many of 20 seeds end in a local
minimum (final regret above 0.05) after 100 evaluations, under a few changes.

Each run drives ``BayesianOptimization(space, seed=s, **options)`` through ``ask_array(1)`` /
``tell_array``. Options: ``--n-initial K``; ``--hyperparameters ml2|map|slice``; ``--epsilon
E`` (epsilon-greedy, De Ath et al. 2021: after the initial design, with probability E a
uniform random point is evaluated and told instead of the ask; its draws come from
``default_rng(1000 + seed)``); ``--prior gamma`` (with ``map``: BoTorch's earlier
Gamma(3, 6) prior on each lengthscale in place of ours, patched into
``tunelab.search._bo_surrogate.log_prior`` for this experiment only). Prints each seed's
regret and seconds, then the median, third quartile and the trapped seeds.

Run: ``OMP_NUM_THREADS=1 python benchmarks/bo_trapping.py [--seeds 20] [--n-initial 24]``.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

import tunelab as tl
from tunelab.bench import problems

TRAPPED = 0.05


def gamma_prior() -> None:
    """Replace the lengthscale terms of the MAP prior by Gamma(3, rate 6) densities."""
    import tunelab.search._bo_surrogate as surrogate

    original = surrogate.log_prior

    def log_prior(D, n_theta):
        base = original(D, n_theta)
        mu = np.sqrt(2.0) + 0.5 * np.log(D)

        def prior(theta):
            f, g = base(theta)
            u = theta[:D]
            ours = -0.5 * np.sum((u - mu) ** 2 / 3.0 + np.log(2 * np.pi * 3.0))
            g = g.copy()
            g[:D] = 3 - 6 * np.exp(u)  # d/du of 3u - 6e^u, the log density of log(lengthscale)
            return f - ours + float(np.sum(3 * u - 6 * np.exp(u))), g

        return prior

    surrogate.log_prior = log_prior


def run(seed: int, options: dict, epsilon: float, n_evals: int = 100) -> float:
    problem = problems.get("hartmann6")
    bo = tl.search.BayesianOptimization(problem.space, seed=seed, **options)
    rng = np.random.default_rng(1000 + seed)
    best = np.inf
    for k in range(n_evals):
        if epsilon and k >= bo.n_initial_ and rng.random() < epsilon:
            X = rng.random((1, len(problem.space)))
        else:
            X = bo.ask_array(1)
        value = problem.evaluate(X)
        bo.tell_array(X, value)
        best = min(best, float(value[0]))
    return best - problem.optimum


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--n-initial", type=int, default=None)
    parser.add_argument("--hyperparameters", default="ml2", choices=["ml2", "map", "slice"])
    parser.add_argument("--epsilon", type=float, default=0.0)
    parser.add_argument("--prior", default="ours", choices=["ours", "gamma"])
    args = parser.parse_args(argv)
    options = {"hyperparameters": args.hyperparameters}
    if args.n_initial is not None:
        options["n_initial"] = args.n_initial
    if args.prior == "gamma":
        gamma_prior()
    regrets = []
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for seed in range(args.seeds):
            start = time.perf_counter()
            regrets.append(run(seed, options, args.epsilon))
            print(f"seed {seed}: regret {regrets[-1]:.3e} ({time.perf_counter() - start:.0f} s)",
                  flush=True)
    r = np.array(regrets)
    print(f"{options}, epsilon {args.epsilon}, prior {args.prior}: median {np.median(r):.3g}, "
          f"third quartile {np.quantile(r, 0.75):.3g}, trapped {int(np.sum(r > TRAPPED))} of "
          f"{len(r)}: seeds {np.flatnonzero(r > TRAPPED).tolist()}")


if __name__ == "__main__":
    main()
