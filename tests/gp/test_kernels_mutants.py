"""Kernels: the documented defaults, a Matern 5/2 profile and bounds of lengthscales in
[1e-3, 1e2] and variances in [1e-4, 1e4] (inputs in the unit cube, targets of unit variance)."""

import numpy as np
import pytest

from tunelab.gp.kernels import RBF, Matern

sk_kernels = pytest.importorskip("sklearn.gaussian_process.kernels")


def test_the_default_matern_is_the_five_halves_profile(rng):
    """``Matern()`` is nu = 5/2: the closed form (1 + a + a^2/3) exp(-a), a = sqrt(5) r, and
    scikit-learn's ``Matern(nu=2.5)``."""
    X = rng.uniform(size=(7, 3))
    kernel = Matern(lengthscale=0.4)
    assert kernel.nu == 2.5
    r = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(axis=2)) / 0.4
    a = np.sqrt(5.0) * r
    np.testing.assert_allclose(kernel(X), (1.0 + a + a * a / 3.0) * np.exp(-a), rtol=1e-12)
    np.testing.assert_allclose(
        kernel(X), sk_kernels.Matern(length_scale=0.4, nu=2.5)(X), rtol=1e-12
    )


@pytest.mark.parametrize("make", [lambda: RBF(), lambda: Matern(), lambda: RBF([0.5, 2.0])])
def test_default_bounds_are_the_documented_ones(make):
    """Log bounds: every lengthscale in [1e-3, 1e2], the variance in [1e-4, 1e4]."""
    kernel = make()
    expected = [[1e-3, 1e2]] * (kernel.n_dims - 1) + [[1e-4, 1e4]]
    np.testing.assert_allclose(np.exp(kernel.bounds), expected, rtol=1e-12)
