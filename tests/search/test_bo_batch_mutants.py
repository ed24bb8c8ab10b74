"""Behaviours of the batch surrogates (liars, local penalization) found untested by mutation."""

import numpy as np

from tunelab.gp import RBF, GaussianProcess
from tunelab.search import _bo_batch as B
from tunelab.search import _bo_encoding as E
from tunelab.space import Real, Space


def setup(n=80, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((n, 2))
    y = np.sin(6 * X[:, 0]) + X[:, 1] ** 2
    y = (y - y.mean()) / y.std()
    gp = GaussianProcess(RBF(lengthscale=np.array([0.3, 0.3])), noise=1e-6, n_restarts=0)
    gp.fit(X, y)
    enc = E.make_encoding(Space({"a": Real(0.0, 1.0), "b": Real(0.0, 1.0)}))
    return gp, X, y, enc


def grad_norm_fd(gp, P, h=1e-6):
    """||grad mu|| at the rows of P by central differences of gp.predict."""
    g = np.empty_like(P)
    for j in range(P.shape[1]):
        e = np.zeros(P.shape[1])
        e[j] = h
        g[:, j] = (gp.predict(P + e) - gp.predict(P - e)) / (2 * h)
    return np.linalg.norm(g, axis=1)


def test_lipschitz_estimate_is_the_largest_mean_gradient_on_the_probes():
    """González et al. (2016), Sec. 3.2: L = max ||grad mu|| over the 64 best observed
    points and 64 Sobol' points; the steepest candidate is ranked 65th, so it must not count."""
    gp, X, y, enc = setup()
    g = np.linspace(0, 1, 201)
    grid = np.array(np.meshgrid(g, g)).reshape(2, -1).T
    X = np.vstack([X, grid[np.argmax(grad_norm_fd(gp, grid))]])  # the steepest grid point
    sobol = E.kernel_input(enc, E.sobol_points(64, 2, np.random.default_rng(5)))
    norms = grad_norm_fd(gp, X)
    rank = np.argsort(norms)[::-1]
    y_rank = np.empty(len(X))
    order = np.concatenate([rank[1:65], rank[:1], rank[65:]])  # steepest point 65th best
    y_rank[order] = np.arange(len(X), dtype=float)
    Xp = X[:1]
    _, mu_p, sigma_p, L, M = B.penalty_terms(gp, X, y_rank, Xp, -1.5, enc,
                                             np.random.default_rng(5))
    want = max(norms[order[:64]].max(), grad_norm_fd(gp, sobol).max())
    assert want < norms[rank[0]]  # the test can tell the 65th point apart
    np.testing.assert_allclose(L, want, rtol=1e-5)
    assert M == -1.5
    np.testing.assert_allclose(mu_p, gp.predict(Xp), rtol=1e-12)
    assert np.all(sigma_p > 0)


def test_local_penalization_keeps_the_gps_and_liars_condition_on_their_lies():
    gp, X, y, enc = setup(n=30)
    Xp = np.array([[0.2, 0.7], [0.9, 0.1]])
    lp = B.pending_surrogate("lp", [gp], X, y, Xp, enc, np.random.default_rng(0),
                             lambda fn, *a: fn(*a))
    assert lp.gps == [gp] and lp.penalty is not None and lp.best == y.min()
    for rule, lie in (("cl_max", y.max()), ("cl_min", y.min())):
        s = B.pending_surrogate(rule, [gp], X, y, Xp, enc, np.random.default_rng(0),
                                lambda fn, *a: fn(*a))
        assert s.penalty is None and s.gps[0] is not gp
        np.testing.assert_array_equal(s.gps[0].X_train_, np.vstack([X, Xp]))
        np.testing.assert_array_equal(s.gps[0].y_train_, np.concatenate([y, [lie, lie]]))
        assert s.best == min(y.min(), lie)


def test_lipschitz_estimate_reads_exactly_64_sobol_probes():
    """A bump whose steepest point is the 65th Sobol' point of the probe stream: L must miss
    it (the first 64 points of a scrambled Sobol' sequence are those drawn 64 at a time)."""
    enc = E.make_encoding(Space({"a": Real(0.0, 1.0), "b": Real(0.0, 1.0)}))
    s = E.sobol_points(65, 2, np.random.default_rng(9))
    ls = 0.01
    x0 = s[64] + np.array([ls, 0.0]) if s[64, 0] < 0.5 else s[64] - np.array([ls, 0.0])
    gp = GaussianProcess(RBF(lengthscale=ls), noise=1e-6, n_restarts=0)
    gp.fit(x0[None, :], np.array([1.0]))
    X = np.array([[0.0, 0.0]]) if np.linalg.norm(x0) > 0.2 else np.array([[1.0, 1.0]])
    L = B.penalty_terms(gp, X, np.zeros(1), X, 0.0, enc, np.random.default_rng(9))[3]
    want = grad_norm_fd(gp, np.vstack([X, s[:64]])).max()
    assert want < 1e-7 < grad_norm_fd(gp, s[64:]).max()  # flat on the probes, not at s[64]
    assert L == 10.0  # González et al. (2016), Sec. 3.2: the fallback of a flat mean


def test_liar_fantasies_are_reproducible():
    """The fantasy GP refits from the fitted kernel alone: no random restarts, same result."""
    gp, X, y, enc = setup(n=30)
    Xp = np.array([[0.2, 0.7], [0.9, 0.1]])
    thetas = [B.pending_surrogate("cl_max", [gp], X, y, Xp, enc, np.random.default_rng(0),
                                  lambda fn, *a: fn(*a)).gps[0].kernel_.theta for _ in range(3)]
    np.testing.assert_array_equal(thetas[0], thetas[1])
    np.testing.assert_array_equal(thetas[0], thetas[2])
