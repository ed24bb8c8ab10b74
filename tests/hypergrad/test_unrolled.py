"""Reverse mode through SGD with momentum against central differences and PyTorch autograd
through the same loop (same initial weights, batches and update rule)."""

import numpy as np
import pytest

from tunelab.hypergrad import UnrolledValidationLoss


def _data(n=90, p=4, k=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    y = np.digitize(X @ rng.normal(size=p) + 0.3 * rng.normal(size=n), [-0.5, 0.5])[:n]
    y = y % k
    return X[:60], y[:60], X[60:], y[60:]


def _loss(hidden=6, epochs=3, batch_size=16, **kw):
    return UnrolledValidationLoss(
        *_data(), hidden=hidden, epochs=epochs, batch_size=batch_size, **kw
    )


PARAMS = {"learning_rate": np.array([0.3, 0.2, 0.1]), "momentum": 0.8, "alpha": 1e-2}


def _fd(f, params, name, index=None, h=1e-5):
    def at(delta):
        q = {k: np.array(v, dtype=float) for k, v in params.items()}
        if index is None:
            q[name] = q[name] + delta
        else:
            q[name][index] += delta
        return f(q)[0]

    return (at(h) - at(-h)) / (2 * h)


@pytest.mark.parametrize("name", ["learning_rate", "momentum", "alpha"])
def test_central_differences(name):
    f = _loss()
    grad = f(PARAMS)[1][name]
    indices = range(3) if name == "learning_rate" else [None]
    for i in indices:
        analytic = grad[i] if i is not None else grad
        assert analytic == pytest.approx(_fd(f, PARAMS, name, i), rel=1e-6)


def test_scalar_learning_rate_is_the_sum_of_the_schedule():
    f = _loss()
    scalar = f({"learning_rate": 0.2, "momentum": 0.5})
    schedule = f({"learning_rate": np.full(3, 0.2), "momentum": 0.5})
    assert scalar[0] == schedule[0]
    assert scalar[1]["learning_rate"] == pytest.approx(
        schedule[1]["learning_rate"].sum(), rel=1e-13
    )
    assert set(scalar[1]) == {"learning_rate", "momentum"}


def test_checkpointing_changes_nothing():
    results = [_loss(checkpoint_every=c)(PARAMS) for c in (1, 2, 5, 100)]
    for value, grad in results[1:]:
        assert value == results[0][0]
        for k in grad:
            np.testing.assert_array_equal(grad[k], results[0][1][k])


def test_equals_pytorch_autograd_through_the_same_loop():
    torch = pytest.importorskip("torch")
    f = _loss()
    value, grad = f(PARAMS)
    Xt, yt, Xv, yv = _data()
    X, Xv = torch.tensor(Xt), torch.tensor(Xv)
    classes = np.unique(yt)
    Y = torch.tensor(np.searchsorted(classes, yt))
    Yv = torch.tensor(np.searchsorted(classes, yv))
    lr = torch.tensor(PARAMS["learning_rate"], requires_grad=True)
    mu = torch.tensor(PARAMS["momentum"], dtype=torch.float64, requires_grad=True)
    alpha = torch.tensor(PARAMS["alpha"], dtype=torch.float64, requires_grad=True)
    p, h, k = X.shape[1], 6, len(classes)
    sizes = [p * h, h, h * k, k]

    def unpack(w):
        W1, b1, W2, b2 = torch.split(w, sizes)
        return W1.reshape(p, h), b1, W2.reshape(h, k), b2

    def loss(w, X, Y):
        W1, b1, W2, b2 = unpack(w)
        z = torch.tanh(X @ W1 + b1) @ W2 + b2
        return torch.nn.functional.cross_entropy(z, Y)

    def penalty(w):
        W1, _, W2, _ = unpack(w)
        return 0.5 * alpha * ((W1**2).sum() + (W2**2).sum())

    w = torch.tensor(f._w0)
    v = torch.zeros_like(w)
    for epoch, rows in f._batches:
        w_leaf = w if w.requires_grad else w.requires_grad_()
        rows = torch.tensor(rows)
        L = loss(w_leaf, X[rows], Y[rows]) + penalty(w_leaf)
        g = torch.autograd.grad(L, w_leaf, create_graph=True)[0]
        v = mu * v + g
        w = w_leaf - lr[epoch] * v
    ref = loss(w, Xv, Yv)
    ref.backward()
    assert value == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose(grad["learning_rate"], lr.grad.numpy(), rtol=1e-8)
    assert grad["momentum"] == pytest.approx(mu.grad.item(), rel=1e-8)
    assert grad["alpha"] == pytest.approx(alpha.grad.item(), rel=1e-8)


def test_errors():
    f = _loss()
    with pytest.raises(ValueError, match="shape \\(3,\\)"):
        f({"learning_rate": np.ones(2)})
    with pytest.raises(ValueError, match="momentum"):
        f({"learning_rate": 0.1, "momentum": 1.0})
    with pytest.raises(ValueError, match="can differentiate"):
        f({"learning_rate": 0.1, "hidden": 3})
    with pytest.raises(ValueError, match="> 0"):
        f({"learning_rate": -0.1})
    with pytest.raises(ValueError, match="checkpoint_every"):
        _loss(checkpoint_every=0)
    with pytest.raises(ValueError, match="mode"):
        _loss(mode="sideways")
    with pytest.raises(ValueError, match="epochs"):
        _loss(epochs=0)


def test_forward_mode_equals_reverse_mode():
    value, grad = _loss()(PARAMS)
    fwd_value, fwd = _loss(mode="forward")(PARAMS)
    assert fwd_value == value
    for k in grad:
        np.testing.assert_allclose(fwd[k], grad[k], rtol=1e-10, atol=0)


def test_value_and_train_are_the_same_run():
    f = _loss()
    value, _ = f(PARAMS)
    assert f.value(PARAMS) == value
    X, y, Xv, yv = _data()
    w = f.train(PARAMS)
    pred = f.predict(w, Xv)
    assert set(pred) <= set(f.classes_) and len(pred) == len(yv)
    other = f.predict(f.train({**PARAMS, "learning_rate": np.array([1e-6] * 3)}), Xv)
    assert np.mean(pred == yv) > np.mean(other == yv)  # training changes the predictions
