"""Time per epoch of tunelab's MLPClassifier beside scikit-learn's and PyTorch's (CPU).

The same problem for every library: scikit-learn's digits (pixels scaled to [0, 1]), a 75/25
stratified split with seed 0, one hidden layer of 100 ReLU units, softmax cross-entropy, Adam
(learning rate 1e-3, betas 0.9/0.999, eps 1e-8), minibatches of 32 reshuffled every epoch, a
fixed number of epochs with every stopping rule off, float64, one BLAS/torch thread.

The L2 penalty is the same objective everywhere: scikit-learn adds
``alpha / (2 * batch_size) * ||W||^2`` to each minibatch's mean loss, tunelab adds
``alpha / 2 * ||W||^2``, so tunelab runs with ``alpha_sklearn / batch_size``; PyTorch gets the
penalty written into its loss (weights only, as the others). The peers' timings interleave
round by round, so that a slow spell of a shared machine hits them all alike; the table
reports each library's median over the rounds.

Run: ``python benchmarks/compare_mlp.py [--epochs 30] [--rounds 5]``. PyTorch is skipped when
it is not installed.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

import tunelab
from tunelab.models.mlp import MLPClassifier

HIDDEN, BATCH, LR, ALPHA_SKLEARN = 100, 32, 1e-3, 1e-4


def load_problem(seed: int = 0):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    return train_test_split(X, y, test_size=0.25, stratify=y, random_state=seed)


def run_tunelab(data, epochs: int, seed: int) -> tuple[float, float]:
    Xtr, Xte, ytr, yte = data
    model = MLPClassifier(hidden_layer_sizes=(HIDDEN,), optimizer="adam", learning_rate=LR,
                          batch_size=BATCH, alpha=ALPHA_SKLEARN / BATCH, epochs=epochs,
                          patience=epochs + 1, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        model.fit(Xtr, ytr)
        seconds = time.perf_counter() - start
    return seconds / model.n_iter_, float(np.mean(model.predict(Xte) == yte))


def run_sklearn(data, epochs: int, seed: int) -> tuple[float, float]:
    from sklearn.neural_network import MLPClassifier as SkMLP

    Xtr, Xte, ytr, yte = data
    model = SkMLP(hidden_layer_sizes=(HIDDEN,), solver="adam", learning_rate_init=LR,
                  batch_size=BATCH, alpha=ALPHA_SKLEARN, max_iter=epochs, tol=0.0,
                  n_iter_no_change=epochs + 1, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        model.fit(Xtr, ytr)
        seconds = time.perf_counter() - start
    return seconds / model.n_iter_, float(model.score(Xte, yte))


def run_torch(data, epochs: int, seed: int) -> tuple[float, float]:
    import torch

    torch.manual_seed(seed)
    Xtr, Xte, ytr, yte = (torch.as_tensor(a) for a in data)
    net = torch.nn.Sequential(torch.nn.Linear(Xtr.shape[1], HIDDEN), torch.nn.ReLU(),
                              torch.nn.Linear(HIDDEN, 10)).double()
    weights = [net[0].weight, net[2].weight]
    opt = torch.optim.Adam(net.parameters(), lr=LR, betas=(0.9, 0.999), eps=1e-8)
    alpha = ALPHA_SKLEARN / BATCH
    start = time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(len(Xtr))
        for i in range(0, len(Xtr), BATCH):
            idx = order[i:i + BATCH]
            loss = torch.nn.functional.cross_entropy(net(Xtr[idx]), ytr[idx])
            loss = loss + 0.5 * alpha * sum((W * W).sum() for W in weights)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    seconds = time.perf_counter() - start
    with torch.no_grad():
        accuracy = float((net(Xte).argmax(1) == yte).double().mean())
    return seconds / epochs, accuracy


def peers() -> dict:
    import sklearn

    found = {"tunelab": (run_tunelab, tunelab.__version__),
             "scikit-learn": (run_sklearn, sklearn.__version__)}
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed: its row is skipped")
    else:
        torch.set_num_threads(1)
        found["pytorch (cpu)"] = (run_torch, torch.__version__)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    data = load_problem(args.seed)
    runners = peers()
    times = {name: [] for name in runners}
    accuracies = {name: [] for name in runners}
    with threadpool_limits(1):
        for run, _ in runners.values():
            run(data, 2, args.seed)  # warm-up: imports, caches, allocator
        for _ in range(args.rounds):
            for name, (run, _) in runners.items():
                seconds, accuracy = run(data, args.epochs, args.seed)
                times[name].append(seconds)
                accuracies[name].append(accuracy)
    reference = statistics.median(times["scikit-learn"])
    print(f"digits: {len(data[0])} train / {len(data[1])} test, MLP 64-{HIDDEN}-10 relu, adam, "
          f"batch {BATCH}, {args.epochs} epochs, {args.rounds} rounds, 1 thread, "
          f"numpy {np.__version__}, python {platform.python_version()}")
    print(f"{'library':<15} {'version':<14} {'s/epoch (median)':>17} {'min':>10} "
          f"{'vs sklearn':>11} {'test acc':>9}")
    for name, (_, version) in runners.items():
        median = statistics.median(times[name])
        print(f"{name:<15} {version:<14} {median:>17.5f} {min(times[name]):>10.5f} "
              f"{median / reference:>10.2f}x {statistics.mean(accuracies[name]):>9.4f}")


if __name__ == "__main__":
    main()
