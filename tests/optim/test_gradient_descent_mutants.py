"""Gradient descent: the Barzilai-Borwein step when the secant curvature ``s'y`` is small.

On a one-dimensional quadratic :math:`f(x) = a x^2 / 2` the secant pair of any step satisfies
:math:`y = a s`, so the Barzilai-Borwein step :math:`s^\\top s / s^\\top y = 1/a` (Barzilai and
Borwein 1988) lands on the minimum whatever the scale of :math:`x_0`. Only the sign of
:math:`s^\\top y` decides between that step and the fallback; its size must not.
"""

import numpy as np
import pytest

from tunelab.optim import gradient_descent


def quadratic(a):
    def fun(x):
        return 0.5 * a * float(x @ x), a * x

    return fun


@pytest.mark.parametrize("x0", [1e-3, 0.1, 1.0, 1e3])
def test_barzilai_borwein_step_is_scale_invariant_on_a_quadratic(x0):
    # a = 3: t = 1 is rejected (x1 = -2 x0), t = 1/2 is accepted (x1 = -x0 / 2), so
    # s = -3 x0 / 2 and s'y = 27 x0^2 / 4, below 1 for x0 <= 0.1; the step 1/3 then gives
    # x2 = 0 (up to round-off): two iterations for every x0.
    a = 3.0
    res = gradient_descent(quadratic(a), np.array([x0]), record_path=True)
    assert res.converged and res.n_iter == 2
    np.testing.assert_allclose(res.path["step"][1:], [0.5, 1.0 / a], rtol=1e-12)
    assert abs(res.x[0]) <= 1e-12 * x0


def test_small_secant_curvature_in_several_dimensions():
    # f = 3 |x|^2 / 2 in R^3 from a point of norm 0.01: s'y = 3 |s|^2 << 1, same two steps.
    x0 = np.array([0.004, -0.009, 0.002])
    res = gradient_descent(quadratic(3.0), x0)
    assert res.converged and res.n_iter == 2
    np.testing.assert_allclose(res.x, 0.0, atol=1e-15)
