"""
Gradient descent against Newton's method on a logistic loss
===========================================================

The inner loop of a logistic regression minimizes the mean negative log-likelihood

.. math:: f(w, b) = \\frac1n \\sum_i \\log(1 + e^{z_i}) - y_i z_i + \\frac{\\alpha}{2} w^2,
   \\qquad z_i = w x_i + b.

With one feature the parameters are two numbers, so we can draw the loss as contour lines and
watch each solver walk down it. Gradient descent follows :math:`-\\nabla f`, which is
perpendicular to the contour lines: on a stretched valley it zig-zags. Newton's method steps
to the minimum of the local quadratic model, :math:`-H^{-1}\\nabla f`, which rescales the
valley into a round bowl; near the optimum it converges quadratically. L-BFGS sits between
the two: it never computes the Hessian, but learns the curvature from its last few steps and
gradient changes, and after a few iterations it steps almost like Newton.
"""

# %%
# The data: one feature with an offset, so that the slope and the intercept are correlated
# and the valley of the loss is tilted.
import os

import numpy as np

import tunelab as tl
from tunelab.losses import logistic_hessian, logistic_loss

QUICK = os.environ.get("TUNELAB_QUICK", "0") == "1"
rng = np.random.default_rng(0)
n = 200
x = rng.normal(loc=3.0, scale=1.0, size=(n, 1))
y = (rng.random(n) < 1 / (1 + np.exp(-(1.5 * x[:, 0] - 4.0)))).astype(float)
alpha = 1e-2


def fun(theta):
    return logistic_loss(theta, x, y, alpha)


def fun_hess(theta):
    value, grad = fun(theta)
    return value, grad, logistic_hessian(theta, x, y, alpha)


# %%
# Solvers from the same start: gradient descent with a fixed step, gradient descent with
# Barzilai-Borwein steps and Armijo backtracking, heavy-ball momentum, Nesterov's momentum,
# Adam, L-BFGS (with a strong Wolfe line search), and damped Newton. Each records its path (the
# iterates, the loss and the step of every iteration).
x0 = np.array([-1.0, 2.0])
max_iter = 60 if QUICK else 200
paths = {
    "gradient descent, step 0.5": tl.optim.gradient_descent(
        fun, x0, learning_rate=0.5, line_search=False, max_iter=max_iter, record_path=True),
    "gradient descent, line search": tl.optim.gradient_descent(
        fun, x0, max_iter=max_iter, record_path=True),
    "momentum 0.9, step 0.05": tl.optim.minimize(
        fun, x0, tl.optim.Momentum(learning_rate=0.05, momentum=0.9), max_iter=max_iter,
        record_path=True),
    "Nesterov 0.9, step 0.05": tl.optim.minimize(
        fun, x0, tl.optim.Nesterov(learning_rate=0.05, momentum=0.9), max_iter=max_iter,
        record_path=True),
    "Adam, step 0.1": tl.optim.minimize(
        fun, x0, tl.optim.Adam(learning_rate=0.1), max_iter=max_iter, record_path=True),
    "L-BFGS": tl.optim.lbfgs(fun, x0, max_iter=max_iter, record_path=True),
    "Newton": tl.optim.newton(fun_hess, x0, record_path=True),
}
for name, result in paths.items():
    print(f"{name:32s} {result.n_iter:4d} iterations, loss {result.fun:.8f}, "
          f"max |gradient| {result.grad_norm:.1e}, converged: {result.converged}")

# %%
# The paths on the contours of the loss. The fixed-step descent crawls along the valley
# floor; the line search takes longer steps but still bends with the gradient; momentum and
# Nesterov's variant gather speed down the steep wall, overshoot the floor and swing back
# across it before they turn along the valley; Adam, which moves each coordinate by about
# its step whatever the gradient's scale, heads diagonally at first; none of these four is
# at the minimum after the iterations printed above. L-BFGS starts as gradient descent (it
# knows no curvature yet), then, from the pairs of steps and gradient changes it has stored,
# takes long quasi-Newton steps down the valley and arrives in 13. Newton's first step
# overshoots along the valley (its quadratic model is poor that far from the optimum), and the
# next four land on the minimum.
fig = tl.plot.optimizer_paths(fun, paths, xlabel="slope w", ylabel="intercept b")
fig.savefig("gradient_descent_vs_newton.png", dpi=120)

# %%
# Newton's quadratic convergence shows in the loss gaps: each step roughly squares the
# distance to the optimum, while gradient descent shrinks it by a constant factor.
best = min(r.fun for r in paths.values())
for name, result in paths.items():
    gaps = np.asarray(result.path["loss"]) - best
    print(name, " ".join(f"{g:.1e}" for g in gaps[:6]))
