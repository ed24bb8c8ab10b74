"""Implicit hypergradients against PyTorch autograd through the same implicit system.

The oracle is independent of tunelab's solvers and derivatives: the inner problem is solved
in PyTorch (the ridge normal equations by ``torch.linalg.solve``, differentiated through by
autograd; logistic regression by Newton's method on autograd Hessians), and the logistic
hypergradient is the implicit-function-theorem formula with every derivative from autograd
(``torch.autograd.functional.hessian`` and ``jacobian``) in float64, the linear system by a
pseudo-inverse (the softmax's intercept direction is flat).
"""

import numpy as np
import pytest

import tunelab as tl
from tunelab.hypergrad import ValidationLoss

torch = pytest.importorskip("torch")


def _data(task, n=120, p=5, seed=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    z = X @ rng.normal(size=p)
    if task == "regression":
        y = z + rng.normal(size=n)
    elif task == "binary":
        y = (z + rng.normal(size=n) > 0).astype(int)
    else:
        y = np.digitize(z + rng.normal(size=n), [-1.0, 1.0])
    return X[: n // 2], y[: n // 2], X[n // 2 :], y[n // 2 :]


def _alpha(per_feature, p=5):
    return np.geomspace(0.005, 0.5, p) if per_feature else 0.05


def _torch_alpha(alpha, p):
    a = torch.tensor(alpha, dtype=torch.float64, requires_grad=True)
    return a, a.expand(p) if a.ndim == 0 else a


def _ridge_oracle(Xt, yt, Xv, yv, alpha):
    """Autograd through ``torch.linalg.solve`` of the ridge normal equations."""
    X, y = torch.tensor(Xt), torch.tensor(yt, dtype=torch.float64)
    Xv, yv = torch.tensor(Xv), torch.tensor(yv, dtype=torch.float64)
    a, lam = _torch_alpha(alpha, X.shape[1])
    xm, ym = X.mean(0), y.mean()
    Xc, yc, n = X - xm, y - ym, len(y)
    w = torch.linalg.solve(Xc.T @ Xc / n + torch.diag(lam), Xc.T @ yc / n)
    loss = torch.mean((yv - ym - (Xv - xm) @ w) ** 2)
    loss.backward()
    return loss.item(), a.grad.numpy()


def _log_loss(theta, X1, Y, rows):
    T = theta.reshape(rows, -1)
    Z = X1 @ T.T
    if rows == 1:
        return torch.mean(torch.nn.functional.softplus(Z[:, 0]) - Y * Z[:, 0])
    return -torch.mean(
        torch.sum(torch.nn.functional.one_hot(Y, rows) * torch.log_softmax(Z, dim=1), dim=1)
    )


def _logistic_oracle(Xt, yt, Xv, yv, alpha):
    """Newton's method in PyTorch, then the IFT formula with autograd derivatives."""

    def with_ones(X):
        X = torch.tensor(X)
        return torch.cat([X, torch.ones(len(X), 1, dtype=torch.float64)], dim=1)

    X1, Xv1 = with_ones(Xt), with_ones(Xv)
    K = len(np.unique(yt))
    rows = 1 if K == 2 else K
    Y = torch.tensor(yt, dtype=torch.float64 if rows == 1 else torch.int64)
    Yv = torch.tensor(yv, dtype=torch.float64 if rows == 1 else torch.int64)
    p = X1.shape[1] - 1
    a, lam = _torch_alpha(alpha, p)

    def h(theta, lam_vec):
        W = theta.reshape(rows, -1)[:, :p]
        return _log_loss(theta, X1, Y, rows) + 0.5 * torch.sum(lam_vec * W**2)

    lam0 = lam.detach()
    theta = torch.zeros(rows * (p + 1), dtype=torch.float64)
    for _ in range(50):
        g = torch.autograd.functional.jacobian(lambda t: h(t, lam0), theta)
        if g.abs().max() < 1e-13:
            break
        H = torch.autograd.functional.hessian(lambda t: h(t, lam0), theta)
        theta = theta - torch.linalg.pinv(H, hermitian=True) @ g
    H = torch.autograd.functional.hessian(lambda t: h(t, lam0), theta)
    # B[i, j] = d^2 h / d theta_i d lam_j, by autograd of the gradient in lam
    B = torch.autograd.functional.jacobian(
        lambda lv: torch.autograd.grad(h(theta.requires_grad_(), lv), theta, create_graph=True)[0],
        lam0,
    )
    theta = theta.detach()
    value = _log_loss(theta, Xv1, Yv, rows)
    g_theta = torch.autograd.functional.jacobian(lambda t: _log_loss(t, Xv1, Yv, rows), theta)
    d_lam = -(B.T @ (torch.linalg.pinv(H, hermitian=True) @ g_theta))
    # the chain rule from lam to alpha (a sum for a scalar alpha), by autograd too
    (lam * d_lam).sum().backward()
    return value.item(), a.grad.numpy()


@pytest.mark.parametrize("per_feature", [False, True])
def test_ridge_equals_autograd_through_solve(per_feature):
    data = _data("regression")
    alpha = _alpha(per_feature)
    value, grad = ValidationLoss(tl.LinearRegression(), *data)({"alpha": alpha})
    ref_value, ref_grad = _ridge_oracle(*data, alpha)
    assert value == pytest.approx(ref_value, rel=1e-12)
    np.testing.assert_allclose(grad["alpha"], ref_grad, rtol=1e-8, atol=0)


@pytest.mark.parametrize("task", ["binary", "multinomial"])
@pytest.mark.parametrize("per_feature", [False, True])
@pytest.mark.parametrize("solver", ["cholesky", "cg"])
def test_logistic_equals_autograd_ift(task, per_feature, solver):
    data = _data(task)
    alpha = _alpha(per_feature)
    f = ValidationLoss(tl.LogisticRegression(), *data, solver=solver)
    value, grad = f({"alpha": alpha})
    ref_value, ref_grad = _logistic_oracle(*data, alpha)
    assert value == pytest.approx(ref_value, rel=1e-10)
    assert np.shape(grad["alpha"]) == np.shape(alpha)
    np.testing.assert_allclose(grad["alpha"], ref_grad, rtol=1e-8, atol=0)


def test_oracle_detects_a_wrong_gradient():
    """The oracle is sharp: a 1% change of alpha moves its gradient beyond the tolerance."""
    data = _data("binary")
    grad = ValidationLoss(tl.LogisticRegression(), *data)({"alpha": 0.05})[1]["alpha"]
    assert abs(_logistic_oracle(*data, 0.0505)[1] - grad) > 1e-8 * abs(grad)
