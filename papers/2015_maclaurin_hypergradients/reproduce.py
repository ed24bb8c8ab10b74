r"""Maclaurin, Duvenaud & Adams (2015), "Gradient-based hyperparameter optimization through
reversible learning", ICML: learning-rate schedules per iteration and per layer, learned by
reverse mode through SGD with momentum (the paper's Sec. 3.1, Figs. 2 and 3).

A ``tanh`` network 64-50-10 trained on 1,000 scikit-learn digits by 100 steps of SGD with
momentum 0.5 (batches of 20: two epochs, as the paper's 100 steps of 200 on 10,000 MNIST
images). The hyperparameters are :math:`\log\eta_{t,g}`, one learning rate per step
:math:`t` and per parameter group :math:`g \in (W_1, b_1, W_2, b_2)`: 400 of them. Their
gradient is tunelab's ``UnrolledValidationLoss`` reverse pass (checkpointed recomputation,
not the paper's exact reversal), summed over each group's parameters; Adam (step 0.04)
takes 200 meta-steps on it (the paper: 50), each with a fresh seed for the initial weights
and the batches, as the paper did. The meta-objective is the final training loss (the
paper's choice, "because learning schedules can implicitly regularize networks"); a second
run learns on the validation loss. Both are compared with the best constant rate of a
grid, at equal steps, on held-out seeds.

Run ``python papers/2015_maclaurin_hypergradients/reproduce.py`` (both objectives, 200
meta-steps, snapshots after 50, 100 and 200 and where a stopping rule fires; about 5 minutes
on 2 cores) or ``--quick`` (the training objective, 100 meta-steps), and ``--json PATH`` to
write the checked figures.
"""

from __future__ import annotations

import math
import sys
import time
import tracemalloc
from typing import Any

import numpy as np
from sklearn.datasets import load_digits

import tunelab as tl
from tunelab._papers import script_main
from tunelab.hypergrad import UnrolledValidationLoss

GROUPS = ("W1", "b1", "W2", "b2")
HIDDEN, BATCH, EPOCHS, MOMENTUM = 50, 20, 2, 0.5
INIT_RATE = 0.05  # about 1/8 of the best constant rate: the paper starts small, "from the left"
META_STEP = 0.04  # the paper's Adam step, on log learning rates
GRID = np.geomspace(0.05, 1.6, 21)  # constant rates, shared by all groups and steps
EVAL_SEEDS = range(1000, 1020)  # held out: never seen by the meta-optimizer or the grid
PAPER_META_STEPS, LONG_META_STEPS, QUICK_META_STEPS = 50, 200, 100


def digits() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Digits scaled to [0, 1], shuffled by seed 0: 1,000 train, 400 valid, 397 test."""
    X, y = load_digits(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(X))
    X, y = X[order] / 16.0, y[order]
    return {"train": (X[:1000], y[:1000]), "valid": (X[1000:1400], y[1000:1400]),
            "test": (X[1400:], y[1400:])}


class _StepRates:
    """``rates[t]``: step ``t``'s rate of every parameter, expanded from (T, 4) on demand
    (a (T, d) array would take as much memory as the states the checkpoints spare)."""

    def __init__(self, rates: np.ndarray, group: np.ndarray) -> None:
        self.rates, self.group = rates, group

    def __getitem__(self, t: int) -> np.ndarray:
        return self.rates[t][self.group]


class LayerwiseSchedule(UnrolledValidationLoss):
    r"""``UnrolledValidationLoss`` with one learning rate per step and parameter group.

    Each step is made an "epoch" of its own, so the parent's per-epoch rate is per step;
    the rate of step :math:`t` is the vector :math:`\eta_t` with :math:`\eta_{t,g}` on every
    entry of group :math:`g`, which the parent's update :math:`w_{t+1} = w_t - \eta_t \odot
    v_{t+1}` applies elementwise. The reverse pass is the parent's with
    :math:`\bar\eta_{t,g} = -\sum_{i \in g} \bar w_{t+1,i} v_{t+1,i}` in place of the sum over
    all entries.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._batches = [(t, rows) for t, (_, rows) in enumerate(self._batches)]
        self.epochs = self.n_steps
        sizes = [math.prod(s) for s in self.net.shapes]
        self.group = np.repeat(np.arange(len(GROUPS)), sizes)

    def _rates(self, log_eta: np.ndarray) -> _StepRates:
        log_eta = np.asarray(log_eta, dtype=float)
        if log_eta.shape != (self.n_steps, len(GROUPS)) or not np.all(np.isfinite(log_eta)):
            raise ValueError(f"log_eta must be finite of shape ({self.n_steps}, "
                             f"{len(GROUPS)}); got {log_eta.shape}")
        return _StepRates(np.exp(log_eta), self.group)

    def weights(self, log_eta: np.ndarray) -> np.ndarray:
        """The flat weights after one training run with rates ``exp(log_eta)``."""
        w, v = self._w0.copy(), np.zeros(self.n_params)
        eta = self._rates(log_eta)
        for t in range(self.n_steps):
            w, v = self._step(t, w, v, eta, MOMENTUM, 0.0)
        return w

    def loss(self, log_eta: np.ndarray) -> float:
        """The objective after one training run (no reverse pass)."""
        return self.net.loss(self.weights(log_eta), self._Xv, self._Yv)

    def hypergradient(self, log_eta: np.ndarray) -> tuple[float, np.ndarray]:
        """The objective and its gradient with respect to ``log_eta``, shape (T, 4)."""
        eta = self._rates(log_eta)
        value, d_eta = self._reverse_grouped(eta, MOMENTUM)
        return value, d_eta * np.exp(log_eta)  # chain rule: d/dlog eta = eta d/deta

    def _reverse_grouped(self, eta: _StepRates, mu: float) -> tuple[float, np.ndarray]:
        C, T, k = self.checkpoint_every, self.n_steps, len(GROUPS)
        w, v = self._w0.copy(), np.zeros(self.n_params)
        checkpoints = {}
        for t in range(T):
            if t % C == 0:
                checkpoints[t] = (w, v)
            w, v = self._step(t, w, v, eta, mu, 0.0)
        value = self.net.loss(w, self._Xv, self._Yv)
        w_bar, v_bar = self.net.grad(w, self._Xv, self._Yv), np.zeros(self.n_params)
        d_eta = np.zeros((T, k))
        for start in range((T - 1) // C * C, -1, -C):
            states = [checkpoints[start]]  # recompute the segment's states
            for t in range(start, min(start + C, T) - 1):
                states.append(self._step(t, *states[-1], eta, mu, 0.0))
            for t in range(min(start + C, T) - 1, start - 1, -1):
                w_t, v_t = states[t - start]
                rows = self._batches[t][1]
                Xb, Yb = self._X[rows], self._Y[rows]
                v_next = mu * v_t + self.net.grad(w_t, Xb, Yb)
                d_eta[t] = -np.bincount(self.group, weights=w_bar * v_next, minlength=k)
                u = v_bar - eta[t] * w_bar
                w_bar = w_bar + self.net.hvp(w_t, Xb, Yb, u)
                v_bar = mu * u
        return value, d_eta


def problem(data: dict, objective: str, seed: int) -> LayerwiseSchedule:
    """The training run of ``seed`` (initial weights and batches), scored on ``objective``."""
    return LayerwiseSchedule(*data["train"], *data[objective], hidden=HIDDEN, epochs=EPOCHS,
                             batch_size=BATCH, seed=seed)


def n_steps(data: dict) -> int:
    """T, the SGD steps of one training run."""
    return problem(data, "train", 0).n_steps


def meta_learn(data: dict, objective: str, n_meta: int) -> dict[str, Any]:
    """Adam on the log rates, a fresh seed per meta-step: the meta-learning curve, the
    meta-gradients' norms, and the schedule after each meta-step (``history[i]`` after i)."""
    log_eta = np.full((n_steps(data), len(GROUPS)), math.log(INIT_RATE))
    adam = tl.optim.Adam(learning_rate=META_STEP)
    curve, norms, history = [], [], [log_eta.copy()]
    for i in range(n_meta):
        value, grad = problem(data, objective, seed=i).hypergradient(log_eta)
        curve.append(value)
        norms.append(float(np.linalg.norm(grad)))
        adam.step([log_eta], [grad])
        history.append(log_eta.copy())
    return {"curve": curve, "norms": norms, "history": history}


def stopping_step(norms: list[float], window: int = 10, factor: float = 2.0) -> int | None:
    """The paper's remedy for chaos, "stopping meta-optimization when the magnitude of the
    meta-gradient began to grow", made a rule: the first meta-step count i at which the mean
    norm of the last ``window`` meta-gradients exceeds ``factor`` times the least such mean
    before it (``None``: never). It reads only the past, so it could run online."""
    means = np.convolve(norms, np.ones(window) / window, mode="valid")
    for j in range(1, len(means)):
        if means[j] > factor * means[:j].min():
            return j + window
    return None


def evaluate(data: dict, log_eta: np.ndarray, seeds: range) -> dict[str, Any]:
    """Train, valid and test log loss and test error of the runs of ``seeds``: their means,
    and per seed under ``"runs"``."""
    runs: dict[str, list[float]] = {"train": [], "valid": [], "test": [], "test_error": []}
    for seed in seeds:
        f = problem(data, "train", seed)
        w = f.weights(log_eta)
        for part in ("train", "valid", "test"):
            X, y = data[part]
            runs[part].append(f.net.loss(w, X, np.eye(10)[y]))
        runs["test_error"].append(float(np.mean(f.predict(w, data["test"][0])
                                                != data["test"][1])))
    return {**{k: float(np.mean(v)) for k, v in runs.items()}, "runs": runs}


def best_constant(data: dict, objective: str, seeds: range) -> dict[str, Any]:
    """The grid rate of least mean ``objective`` over ``seeds`` (the meta-steps' seeds)."""
    T = n_steps(data)
    means = [float(np.mean([problem(data, objective, s).loss(np.full((T, 4), math.log(r)))
                            for s in seeds])) for r in GRID]
    return {"rate": float(GRID[int(np.argmin(means))]), "grid_means": means}


def finite_difference_check(data: dict) -> dict[str, float]:
    """Relative error of the hypergradient along a random direction and on three entries,
    against central differences (step 1e-5 in log rate), at a random non-constant point."""
    rng = np.random.default_rng(7)
    T = n_steps(data)
    log_eta = math.log(0.2) + 0.3 * rng.standard_normal((T, 4))
    f = problem(data, "valid", seed=3)
    _, grad = f.hypergradient(log_eta)
    h, errors = 1e-5, []
    directions = [rng.standard_normal((T, 4))]
    for t, g in ((0, 0), (T // 2, 2), (T - 1, 1)):
        e = np.zeros((T, 4))
        e[t, g] = 1.0
        directions.append(e)
    for d in directions:
        fd = (f.loss(log_eta + h * d) - f.loss(log_eta - h * d)) / (2 * h)
        ad = float(np.sum(grad * d))
        errors.append(abs(ad - fd) / max(abs(fd), 1e-12))
    # the parent's own reverse pass, one rate per step shared by all groups: its gradient
    # is the sum over the groups of ours (with respect to eta, not log eta)
    rates = np.exp(log_eta[:, 0])
    _, parent = f({"learning_rate": rates, "momentum": MOMENTUM})
    _, ours = f.hypergradient(np.repeat(log_eta[:, :1], 4, axis=1))
    ours_sum = ours.sum(axis=1) / rates
    parent_error = float(np.max(np.abs(ours_sum - parent["learning_rate"]))
                         / np.max(np.abs(parent["learning_rate"])))
    return {"max_rel_error": max(errors), "directional": errors[0], "parent": parent_error}


def cost(data: dict) -> dict[str, float]:
    """Peak traced memory and time of one hypergradient and of one training run."""
    f = problem(data, "train", seed=0)
    log_eta = np.full((f.n_steps, 4), math.log(0.2))
    out = {}
    for name, call in (("hypergradient", f.hypergradient), ("training_run", f.loss)):
        tracemalloc.start()
        call(log_eta)
        out[f"{name}_peak_MB"] = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        times = []
        for _ in range(5):
            start = time.perf_counter()
            call(log_eta)
            times.append(time.perf_counter() - start)
        out[f"{name}_ms"] = 1e3 * float(np.median(times))
    C, T, d = f.checkpoint_every, f.n_steps, f.n_params
    out["checkpoint_MB"] = (math.ceil(T / C) + C) * 2 * d * 8 / 1e6
    out["store_all_MB"] = T * 2 * d * 8 / 1e6
    out.update(n_params=d, n_steps=T, checkpoint_every=C)
    return out


def shape(log_eta: np.ndarray) -> dict[str, float]:
    """The schedule's shape, the paper's Fig. 2 in numbers: per group the mean rate over the
    first, the middle and the last tenth of the steps, and two ratios."""
    rates = np.exp(log_eta)
    T = len(rates)
    k = max(T // 10, 1)
    out = {}
    for g, name in enumerate(GROUPS):
        out[f"{name}_first"] = float(rates[:k, g].mean())
        out[f"{name}_middle"] = float(rates[k:-k, g].mean())
        out[f"{name}_last"] = float(rates[-k:, g].mean())
    out["top_over_first_layer_early"] = out["W2_first"] / out["W1_first"]
    out["W1_middle_over_first"] = out["W1_middle"] / out["W1_first"]
    for name in ("W1", "W2"):
        out[f"{name}_last_over_middle"] = out[f"{name}_last"] / out[f"{name}_middle"]
    return out


def run_objective(data: dict, objective: str, n_meta: int, snapshots: list[int],
                  grid_seeds: range) -> dict:
    learned = meta_learn(data, objective, n_meta)
    stop = stopping_step(learned["norms"])
    marks = {str(n): n for n in snapshots} | ({"stop": stop} if stop is not None else {})
    constant = best_constant(data, objective, grid_seeds)
    T = n_steps(data)
    base = evaluate(data, np.full((T, 4), math.log(constant["rate"])), EVAL_SEEDS)
    out = {"curve": learned["curve"], "norms": learned["norms"], "stop": stop,
           "constant": constant, "eval_constant": base, "learned": {},
           "eval_initial": evaluate(data, np.full((T, 4), math.log(INIT_RATE)), EVAL_SEEDS)}
    for name, n in marks.items():
        le = learned["history"][n]
        e = evaluate(data, le, EVAL_SEEDS)
        diff = {p: np.subtract(e["runs"][p], base["runs"][p]) for p in ("train", "test")}
        out["learned"][name] = {
            "meta_steps": n, "log_eta": le, "shape": shape(le), "eval": e,
            "paired": {p: (float(d.mean()), float(d.std(ddof=1) / math.sqrt(len(d))))
                       for p, d in diff.items()}}
    return out


def figures(quick: bool) -> dict[str, Any]:
    start = time.perf_counter()
    data = digits()
    objectives = ["train"] if quick else ["train", "valid"]
    n_meta = QUICK_META_STEPS if quick else LONG_META_STEPS
    snapshots = [QUICK_META_STEPS] if quick else [PAPER_META_STEPS, 100, LONG_META_STEPS]
    grid_seeds = range(10 if quick else PAPER_META_STEPS)  # seeds of the first meta-steps
    result: dict[str, Any] = {"fd": finite_difference_check(data), "cost": cost(data)}
    for objective in objectives:
        result[objective] = run_objective(data, objective, n_meta, snapshots, grid_seeds)
    result["seconds"] = time.perf_counter() - start
    return result


def checked(result: dict[str, Any]) -> dict[str, float]:
    flat = {"fd_max_rel_error": result["fd"]["max_rel_error"],
            "parent_rel_error": result["fd"]["parent"]}
    for objective in ("train", "valid"):
        if objective not in result:
            continue
        r = result[objective]
        curve = r["curve"]
        flat[f"{objective}_meta_curve_first5"] = float(np.mean(curve[:5]))
        flat[f"{objective}_meta_curve_last5"] = float(np.mean(curve[-5:]))
        flat[f"{objective}_best_constant_rate"] = r["constant"]["rate"]
        for part in ("train", "valid", "test"):
            flat[f"{objective}_constant_{part}_loss"] = r["eval_constant"][part]
        for n, learned in r["learned"].items():
            if n in ("stop", str(LONG_META_STEPS)):
                continue  # past the onset of chaos: figures that turn on the last digits
            for part in ("train", "valid", "test"):
                flat[f"{objective}_learned{n}_{part}_loss"] = learned["eval"][part]
            for key in ("top_over_first_layer_early", "W1_middle_over_first",
                        "W1_last_over_middle", "W2_last_over_middle"):
                flat[f"{objective}_learned{n}_{key}"] = learned["shape"][key]
    return flat


def print_report(result: dict[str, Any]) -> None:
    fd, c = result["fd"], result["cost"]
    print(f"hypergradient vs central differences: max relative error {fd['max_rel_error']:.1e}"
          f" (random direction {fd['directional']:.1e}); against UnrolledValidationLoss's "
          f"per-step gradient (all groups at one rate): {fd['parent']:.1e}")
    print(f"{c['n_params']} weights, {c['n_steps']} steps, checkpoints every "
          f"{c['checkpoint_every']}: hypergradient {c['hypergradient_ms']:.0f} ms, peak "
          f"{c['hypergradient_peak_MB']:.2f} MB traced; training run {c['training_run_ms']:.0f}"
          f" ms, peak {c['training_run_peak_MB']:.2f} MB; checkpoints {c['checkpoint_MB']:.2f}"
          f" MB, all states {c['store_all_MB']:.2f} MB")
    for objective in ("train", "valid"):
        if objective not in result:
            continue
        r = result[objective]
        print(f"\nmeta-objective: final {objective} loss")
        print("meta-learning curve (per meta-step, its own seed): "
              + " ".join(f"{v:.3f}" for v in r["curve"]))
        print(f"best constant rate of the grid: {r['constant']['rate']:.3g} "
              f"(grid means {' '.join(f'{m:.3g}' for m in r['constant']['grid_means'])})")
        print(f"{'schedule':<26}{'train':>9}{'valid':>9}{'test':>9}{'test err':>10}"
              f"   (mean of {len(EVAL_SEEDS)} held-out seeds)")
        rows = [("initial", r["eval_initial"]), ("best constant", r["eval_constant"])]
        rows += [(f"learned, {v['meta_steps']} steps" + (" (rule)" if n == "stop" else ""),
                  v["eval"]) for n, v in r["learned"].items()]
        for who, e in rows:
            print(f"{who:<26}{e['train']:>9.4f}{e['valid']:>9.4f}{e['test']:>9.4f}"
                  f"{e['test_error']:>10.4f}")
        print("meta-gradient norms: " + " ".join(f"{v:.3g}" for v in r["norms"]))
        print(f"stopping rule fires after {r['stop']} meta-steps")
        for n, learned in r["learned"].items():
            print(f"learned - constant, {n}, mean (standard error) over the seeds: " + ", ".join(
                f"{p} {m:+.4f} ({se:.4f})" for p, (m, se) in learned["paired"].items()))
        for n, learned in r["learned"].items():
            rates = np.exp(learned["log_eta"])
            blocks = np.array_split(np.arange(len(rates)), 10)
            print(f"learned rate ({n}: {learned['meta_steps']} meta-steps), mean over steps "
                  + " ".join(f"{b[0]}-{b[-1]}" for b in blocks))
            for g, name in enumerate(GROUPS):
                print(f"  {name:<4}" + " ".join(f"{rates[b, g].mean():.3f}" for b in blocks))
    print(f"{result['seconds']:.0f} s")


def main(argv: list[str] | None = None) -> dict[str, float]:
    return script_main(__doc__, figures, print_report, checked, argv)


if __name__ == "__main__":
    main(sys.argv[1:])
