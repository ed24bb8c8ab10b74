"""Newton's modified-Cholesky direction when the smallest Hessian diagonal is exactly zero.

Nocedal and Wright (2006), Algorithm 3.3: the first shift is :math:`\\tau_0 = 0` only when
:math:`\\min_i a_{ii} > 0`, else :math:`\\tau_0 = \\beta - \\min_i a_{ii}`; then
:math:`\\tau_{k+1} = \\max(2\\tau_k, \\beta)`, here for at most 100 factorizations. A zero
diagonal entry can never be positive definite, so it starts at :math:`\\beta` and all 100 tries
are shifts :math:`\\beta, 2\\beta, \\dots, 2^{99}\\beta`.
"""

import numpy as np

from tunelab.optim._newton import _newton_direction


def is_positive_definite(A):
    return bool(np.linalg.eigvalsh(A).min() > 0)


def test_zero_diagonal_starts_at_beta():
    # diag(0, 2): beta = 1e-3 * max(1, 2) = 2e-3 is the first shift and is enough.
    H = np.diag([0.0, 2.0])
    g = np.array([1.0, -3.0])
    np.testing.assert_allclose(_newton_direction(H, g), -g / (np.diag(H) + 2e-3), rtol=1e-13)


def test_zero_diagonal_gets_all_100_shifts():
    # min H_ii = 0, beta = 1e-3: the 100th shift 1e-3 * 2^99 = 6.3e26 makes H + tau I positive
    # definite, the 99th (3.2e26) does not; a first unshifted try would use up the 100th.
    beta = 1e-3
    H = np.array([[0.0, 5e26], [5e26, 1.0]])
    g = np.array([1.0, -2.0])
    assert not is_positive_definite(H + beta * 2.0**98 * np.eye(2))
    assert is_positive_definite(H + beta * 2.0**99 * np.eye(2))
    want = -np.linalg.solve(H + beta * 2.0**99 * np.eye(2), g)
    got = _newton_direction(H, g)
    np.testing.assert_allclose(got, want, rtol=1e-9)
    assert not np.allclose(got, -g)
