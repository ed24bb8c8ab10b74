"""Timings of the multi-layer perceptron: one epoch on digits, one minibatch pass, one update.

scikit-learn's MLPClassifier (and PyTorch on the CPU, when installed) run the same epoch beside
ours: one hidden layer of 100 ReLU units, Adam, minibatches of 32, float64, one thread.
``benchmarks/compare_mlp.py`` prints the side-by-side table with test accuracies.

Run with ``pytest benchmarks/bench_mlp.py --benchmark-enable`` (benchmarks are disabled by
default in the test configuration).
"""

import warnings

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from tunelab.models import _mlp_layers as layers
from tunelab.models.mlp import MLPClassifier
from tunelab.optim.rules import SGD, Adam, Momentum, Nesterov

BATCH = 32


@pytest.fixture(scope="module")
def digits():
    datasets = pytest.importorskip("sklearn.datasets")
    model_selection = pytest.importorskip("sklearn.model_selection")
    X, y = datasets.load_digits(return_X_y=True)
    return model_selection.train_test_split(X / 16.0, y, test_size=0.25, stratify=y,
                                            random_state=0)


@pytest.fixture(autouse=True)
def one_thread():
    with threadpool_limits(1):
        yield


@pytest.mark.parametrize("hidden", [(100,), (256, 128)], ids=["100", "256-128"])
def test_epoch_tunelab(benchmark, digits, hidden):
    Xtr, _, ytr, _ = digits
    model = MLPClassifier(hidden_layer_sizes=hidden, batch_size=BATCH, random_state=0)
    model.partial_fit(Xtr, ytr)  # first call: initialization outside the timing
    benchmark(model.partial_fit, Xtr, ytr)


@pytest.mark.parametrize("hidden", [(100,), (256, 128)], ids=["100", "256-128"])
def test_epoch_sklearn(benchmark, digits, hidden):
    nn = pytest.importorskip("sklearn.neural_network")
    Xtr, _, ytr, _ = digits
    peer = nn.MLPClassifier(hidden_layer_sizes=hidden, solver="adam", batch_size=BATCH,
                            random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer.partial_fit(Xtr, ytr, classes=np.unique(ytr))
        benchmark(peer.partial_fit, Xtr, ytr)


def test_epoch_pytorch(benchmark, digits):
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    torch.manual_seed(0)
    Xtr, _, ytr, _ = (torch.as_tensor(a) for a in digits)
    net = torch.nn.Sequential(torch.nn.Linear(64, 100), torch.nn.ReLU(),
                              torch.nn.Linear(100, 10)).double()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)

    def epoch():
        order = torch.randperm(len(Xtr))
        for i in range(0, len(Xtr), BATCH):
            idx = order[i:i + BATCH]
            loss = torch.nn.functional.cross_entropy(net(Xtr[idx]), ytr[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()

    benchmark(epoch)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_minibatch_forward_backward(benchmark, activation):
    rng = np.random.default_rng(0)
    sizes = (64, 100, 10)
    theta = layers.init_params(sizes, activation, rng)
    work = layers.workspace(theta, sizes, BATCH)
    X, y = rng.random((BATCH, 64)), rng.integers(0, 10, BATCH)
    benchmark(layers.loss_grad_into, work, X, y, activation, "softmax", 1e-4)


@pytest.mark.parametrize("rule", [SGD(0.01), Momentum(0.01), Nesterov(0.01), Adam(1e-3)],
                         ids=["sgd", "momentum", "nesterov", "adam"])
def test_update_rule_step(benchmark, rule):
    rng = np.random.default_rng(0)
    theta = rng.normal(size=layers.n_params((64, 100, 10)))
    grad = rng.normal(size=theta.size)
    benchmark(rule.step, [theta], [grad])
