"""Cholesky with adaptive jitter, against a brute-force ladder checked by NumPy's Cholesky.

The documented rule (module docstring of ``tunelab.gp._linalg``; Rasmussen and Williams 2006,
Sec. A.4): no jitter when ``A`` factors; else the first of
:math:`\\epsilon_k = 10^{k-10}\\,s`, :math:`k = 0, \\dots, 6`, with :math:`A + \\epsilon_k I`
positive definite, :math:`s` the mean diagonal (1 where that is not positive); past
:math:`10^{-4} s` a ``LinAlgError``. The reference ladder below asks ``numpy.linalg.cholesky``
(LAPACK ``potrf`` through NumPy, not SciPy) at each rung.
"""

import warnings

import numpy as np
import pytest

from tunelab.gp import RBF, GaussianProcess
from tunelab.gp._linalg import JitterWarning, cholesky_jitter


def reference_jitter(A):
    """The first rung of the ladder at which NumPy factors ``A + eps I``, or None."""
    try:
        np.linalg.cholesky(A)
        return 0.0
    except np.linalg.LinAlgError:
        pass
    s = float(np.mean(np.diag(A)))
    s = s if s > 0.0 else 1.0
    for k in range(7):
        eps = 10.0 ** (k - 10) * s
        try:
            np.linalg.cholesky(A + eps * np.eye(len(A)))
            return eps
        except np.linalg.LinAlgError:
            continue
    return None


def shifted(eigenvalue, scale, n=4, seed=0):
    """A symmetric ``n x n`` matrix with mean diagonal ``scale`` and least eigenvalue
    ``eigenvalue`` (the others positive), by a random rotation."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    rest = (n * scale - eigenvalue) / (n - 1)
    A = Q @ np.diag([eigenvalue] + [rest] * (n - 1)) @ Q.T
    return 0.5 * (A + A.T)


def check_factor(A, L, jitter):
    assert np.array_equal(L, np.tril(L))
    np.testing.assert_allclose(L @ L.T, A + jitter * np.eye(len(A)), rtol=0, atol=1e-12 * (
        1.0 + np.abs(A).max()))


def test_positive_definite_needs_no_jitter():
    A = shifted(0.5, 2.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        L, jitter = cholesky_jitter(A)
    assert jitter == 0.0
    check_factor(A, L, 0.0)
    np.testing.assert_allclose(L, np.linalg.cholesky(A), rtol=1e-12)


@pytest.mark.parametrize("scale", [1e-3, 0.3, 1.0, 50.0])
@pytest.mark.parametrize("rung", range(7))
def test_jitter_is_the_first_rung_that_factors(scale, rung):
    # Least eigenvalue -0.5 eps_rung: rung `rung` is the first with A + eps I positive definite.
    eps = 10.0 ** (rung - 10) * scale
    A = shifted(-0.5 * eps, scale)
    want = reference_jitter(A)
    assert want == pytest.approx(eps, rel=1e-9)
    with pytest.warns(JitterWarning, match="jitter"):
        L, jitter = cholesky_jitter(A)
    assert jitter == pytest.approx(want, rel=1e-9)
    check_factor(A, L, jitter)


@pytest.mark.parametrize("scale", [1e-3, 1.0, 50.0])
def test_past_the_last_rung_it_gives_up(scale):
    # Least eigenvalue -2e-4 s: even 1e-4 s of jitter is not enough, 1e-3 s would be.
    A = shifted(-2e-4 * scale, scale)
    assert reference_jitter(A) is None
    np.linalg.cholesky(A + 1e-3 * scale * np.eye(4))  # a next rung would have worked
    with pytest.raises(np.linalg.LinAlgError, match=f"{1e-4 * scale:.1e} on its diagonal"):
        cholesky_jitter(A)


def test_non_positive_mean_diagonal_uses_scale_one():
    # diag(1e-5, -1e-5): the mean diagonal is 0, so the ladder is 1e-10, ..., 1e-4 itself.
    A = np.diag([1e-5, -1e-5])
    want = reference_jitter(A)
    assert want == pytest.approx(1e-4, rel=1e-9)
    _, jitter = cholesky_jitter(A, warn=False)
    assert jitter == pytest.approx(want, rel=1e-9)


def test_warns_by_default_and_not_with_warn_false():
    A = shifted(-1e-9, 1.0)
    with pytest.warns(JitterWarning):
        cholesky_jitter(A)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, jitter = cholesky_jitter(A, warn=False)
    assert jitter > 0.0


def test_jitter_warning_points_at_the_callers_fit_line():
    # Duplicate inputs and no noise: the kernel matrix is singular; the warning is attributed
    # to the line calling ``fit`` (stack level 3: cholesky_jitter, fit, the caller).
    X = np.repeat(np.linspace(0.0, 1.0, 5)[:, None], 2, axis=0)
    y = np.sin(X[:, 0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        GaussianProcess(RBF(0.5), noise=0.0).fit(X, y)
    jitter_warnings = [w for w in caught if issubclass(w.category, JitterWarning)]
    assert len(jitter_warnings) == 1
    assert jitter_warnings[0].filename == __file__
