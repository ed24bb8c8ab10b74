"""Acquisition functions: closed forms (scipy.stats), Monte Carlo, high-precision references
(mpmath) and an asymptotic series, finite differences for every gradient, invariants, errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from tunelab.gp import GaussianProcess, Matern
from tunelab.gp import acquisition as acq

H = 1e-6
MEANS = np.array([-3.0, -0.4, 0.0, 0.2, 0.5, 1.3, 4.0, 9.0, 35.0, 65.0])
STDS = np.array([0.05, 0.3, 1.0, 2.0, 0.7, 1.1, 1.0, 1.0, 1.0, 1.0])

GRADS = {
    "ei": (acq.expected_improvement, acq.expected_improvement_grad, {"best": 0.5, "xi": 0.1}),
    "logei": (
        acq.log_expected_improvement, acq.log_expected_improvement_grad,
        {"best": 0.5, "xi": 0.1},
    ),
    "pi": (
        acq.probability_of_improvement, acq.probability_of_improvement_grad,
        {"best": 0.5, "xi": 0.1},
    ),
    "logpi": (
        acq.log_probability_of_improvement, acq.log_probability_of_improvement_grad,
        {"best": 0.5, "xi": 0.1},
    ),
    "lcb": (acq.lower_confidence_bound, acq.lower_confidence_bound_grad, {"beta": 1.7}),
}


def test_ei_equals_closed_form_from_scipy_stats():
    best, xi = 0.5, 0.1
    improvement = best - xi - MEANS
    z = improvement / STDS
    expected = improvement * stats.norm.cdf(z) + STDS * stats.norm.pdf(z)  # Jones et al. (15)
    mask = expected > 1e-250
    np.testing.assert_allclose(acq.expected_improvement(MEANS, STDS, best, xi)[mask],
                               expected[mask], rtol=1e-10)


def test_ei_equals_monte_carlo():
    rng = np.random.default_rng(0)
    mean, std, best = 0.3, 0.7, 0.5
    f = rng.normal(mean, std, size=1_000_000)
    gain = np.maximum(best - f, 0.0)
    se = gain.std() / np.sqrt(len(gain))
    assert abs(acq.expected_improvement(mean, std, best) - gain.mean()) < 4 * se
    pi = acq.probability_of_improvement(mean, std, best)
    assert abs(pi - np.mean(f < best)) < 4 * np.sqrt(pi * (1 - pi) / len(f))


def test_pi_and_log_pi_equal_scipy_stats():
    z = (0.4 - MEANS) / STDS
    np.testing.assert_allclose(acq.probability_of_improvement(MEANS, STDS, 0.5, 0.1),
                               stats.norm.cdf(z), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(acq.log_probability_of_improvement(MEANS, STDS, 0.5, 0.1),
                               stats.norm.logcdf(z), rtol=1e-12)


def test_lcb_formula():
    np.testing.assert_allclose(acq.lower_confidence_bound(MEANS, STDS, beta=1.7),
                               MEANS - 1.7 * STDS, rtol=1e-15)


@pytest.mark.parametrize("name", sorted(GRADS))
def test_gradients_match_finite_differences(name):
    value_fn, grad_fn, kw = GRADS[name]
    value, dmean, dstd = grad_fn(MEANS, STDS, **kw)
    np.testing.assert_array_equal(value, value_fn(MEANS, STDS, **kw))
    fd_mean = (value_fn(MEANS + H, STDS, **kw) - value_fn(MEANS - H, STDS, **kw)) / (2 * H)
    fd_std = (value_fn(MEANS, STDS + H, **kw) - value_fn(MEANS, STDS - H, **kw)) / (2 * H)
    roundoff = 1e-9 * np.abs(value)  # what rounding the value does to a difference quotient
    for analytic, fd in ((dmean, fd_mean), (dstd, fd_std)):
        assert np.all(np.abs(analytic - fd) <= 1e-5 * np.abs(fd) + roundoff), (analytic, fd)


@pytest.mark.parametrize("z0", [-1.0, -50.0])
def test_log_ei_gradient_across_its_branch_points(z0):
    means = -(z0 + np.array([-1e-3, 1e-3]))  # best 0, std 1: z = z0 -+ 1e-3
    value, dmean, dstd = acq.log_expected_improvement_grad(means, 1.0, 0.0)
    fd_mean = (acq.log_expected_improvement(means + H, 1.0, 0.0)
               - acq.log_expected_improvement(means - H, 1.0, 0.0)) / (2 * H)
    fd_std = (acq.log_expected_improvement(means, 1.0 + H, 0.0)
              - acq.log_expected_improvement(means, 1.0 - H, 0.0)) / (2 * H)
    np.testing.assert_allclose(dmean, fd_mean, rtol=1e-5)
    np.testing.assert_allclose(dstd, fd_std, rtol=1e-5)
    assert abs(value[1] - value[0]) < 2e-3 * abs(dmean[0])  # continuous through z0


def test_log_ei_and_its_gradient_match_mpmath():
    mpmath = pytest.importorskip("mpmath")
    zs = [-1e4, -1e3, -200.0, -60.0, -50.0001, -49.9999, -30.0, -7.0, -1.0001, -1.0, -0.9999,
          0.0, 0.5, 3.0, 30.0]
    std = 0.37
    value, dmean, dstd = acq.log_expected_improvement_grad(-std * np.array(zs), std, 0.0)
    with mpmath.workdps(60):
        for i, z in enumerate(zs):
            zm = mpmath.mpf(z)
            h = mpmath.npdf(zm) + zm * mpmath.ncdf(zm)
            ref = float(mpmath.log(std * h))
            # log EI to a few units in its last place: EI itself to ~1e-13 relative
            assert abs(value[i] - ref) <= 1e-13 + 8 * np.spacing(abs(ref)), (z, value[i], ref)
            assert dmean[i] == pytest.approx(float(-mpmath.ncdf(zm) / (h * std)), rel=1e-11)
            assert dstd[i] == pytest.approx(float(mpmath.npdf(zm) / (h * std)), rel=1e-11)


def test_log_ei_matches_an_asymptotic_series_in_the_far_tail():
    # h(z) = phi(z) / z^2 (1 - 3/z^2 + 15/z^4 - 105/z^6 + ...) as z -> -inf (Mills ratio)
    z = np.array([-120.0, -400.0, -3e3, -1e5])
    u = 1.0 / z**2
    ref = -0.5 * z**2 - 0.5 * np.log(2 * np.pi) + np.log(u) + np.log1p(-3 * u + 15 * u**2)
    np.testing.assert_allclose(acq.log_expected_improvement(-z, 1.0, 0.0), ref,
                               rtol=1e-15, atol=1e-9)


def test_log_ei_is_finite_where_ei_underflows():
    means = np.array([40.0, 1e3, 1e6])
    assert np.all(acq.expected_improvement(means, 1.0, 0.0) == 0.0)
    log_ei = acq.log_expected_improvement(means, 1.0, 0.0)
    assert np.all(np.isfinite(log_ei)) and np.all(np.diff(log_ei) < 0)


def test_log_ei_equals_log_of_ei_where_ei_is_representable():
    means = np.linspace(-30, 30, 121)
    np.testing.assert_allclose(acq.log_expected_improvement(means, 1.0, 0.0),
                               np.log(acq.expected_improvement(means, 1.0, 0.0)), rtol=1e-10)


@settings(max_examples=60, deadline=None)
@given(
    m1=st.floats(-50, 5e3), gap=st.floats(1e-3, 1e3), std=st.floats(1e-3, 1e2),
    best=st.floats(-10, 10),
)
def test_log_ei_decreases_in_mean_and_increases_in_std(m1, gap, std, best):
    a, b = acq.log_expected_improvement([m1, m1 + gap], std, best)
    assert a > b
    c, d = acq.log_expected_improvement(m1, [std, std * 1.01], best)
    assert d >= c - 1e-14 * (1 + abs(c))  # up to round-off where EI ~ the improvement


def test_zero_std_limits():
    mean = np.array([0.0, 1.0, 2.0])
    std = np.zeros(3)
    ei, dmean, dstd = acq.expected_improvement_grad(mean, std, 1.0)
    np.testing.assert_array_equal(ei, [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(dmean, [-1.0, 0.0, 0.0])
    np.testing.assert_array_equal(dstd, 0.0)
    log_ei, dmean, _ = acq.log_expected_improvement_grad(mean, std, 1.0)
    np.testing.assert_array_equal(log_ei, [0.0, -np.inf, -np.inf])
    np.testing.assert_array_equal(dmean, [-1.0, 0.0, 0.0])
    np.testing.assert_array_equal(acq.probability_of_improvement(mean, std, 1.0), [1, 0, 0])
    np.testing.assert_array_equal(acq.log_probability_of_improvement(mean, std, 1.0),
                                  [0.0, -np.inf, -np.inf])


def test_shapes_broadcast_and_scalars_stay_scalars():
    assert acq.expected_improvement(np.zeros((4, 3)), 1.0, 0.5).shape == (4, 3)
    assert np.ndim(acq.log_expected_improvement(0.0, 1.0, 0.5)) == 0
    value, dmean, dstd = acq.lower_confidence_bound_grad(np.zeros(5), 2.0)
    assert value.shape == dmean.shape == dstd.shape == (5,)


@pytest.mark.parametrize("name", ["ei", "logei", "pi", "logpi", "lcb"])
def test_chain_rule_with_predict_gradient(name, rng):
    value_fn, grad_fn, kw = GRADS[name]
    X = rng.random((15, 2))
    gp = GaussianProcess(Matern(2.5, [0.3, 0.4]), noise=1e-4, normalize_y=True)
    gp.fit(X, np.sin(5 * X).sum(axis=1))
    kw = {**kw, "best": float(gp.y_train_.min())} if "best" in kw else kw
    x = np.array([0.37, 0.61])
    mean, std, dmean_dx, dstd_dx = gp.predict_gradient(x)
    _, dmean, dstd = grad_fn(mean, std, **kw)
    grad = dmean * dmean_dx + dstd * dstd_dx

    def acq_at(p):
        m, s = gp.predict(p[None], return_std=True)
        return value_fn(m, s, **kw)[0]

    fd = np.array([(acq_at(x + e) - acq_at(x - e)) / (2 * H) for e in H * np.eye(2)])
    np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-9 * np.abs(fd).max())


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: acq.expected_improvement(0.0, -1.0, 0.0), "std"),
        (lambda: acq.expected_improvement(np.nan, 1.0, 0.0), "mean"),
        (lambda: acq.log_expected_improvement(0.0, np.inf, 0.0), "std"),
        (lambda: acq.log_expected_improvement(0.0, 1.0, np.nan), "best"),
        (lambda: acq.probability_of_improvement(0.0, 1.0, 0.0, xi=np.inf), "xi"),
        (lambda: acq.lower_confidence_bound(0.0, 1.0, beta=-1.0), "beta"),
        (lambda: acq.expected_improvement(0.0, 1.0, "best"), "best"),
    ],
)
def test_bad_inputs(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_log_ei_series_branch_is_accurate_to_a_few_ulp():
    # At z <= -50 the Mills-ratio series: its fifth term is 945 t^-10, 2.6e-14 of the sum at
    # t = 50, so the gradient (phi / h = 1 / q) checks each coefficient to that level.
    mpmath = pytest.importorskip("mpmath")
    zs = np.array([-50.0, -50.5, -53.0])
    _, dmean, dstd = acq.log_expected_improvement_grad(-zs, 1.0, 0.0)
    with mpmath.workdps(60):
        for i, z in enumerate(zs):
            zm = mpmath.mpf(z)
            h = mpmath.npdf(zm) + zm * mpmath.ncdf(zm)
            assert dstd[i] == pytest.approx(float(mpmath.npdf(zm) / h), rel=2e-15, abs=0)
            assert dmean[i] == pytest.approx(float(-mpmath.ncdf(zm) / h), rel=2e-15, abs=0)


def test_log_pi_gradient_is_zero_where_std_is_zero():
    value, dmean, dstd = acq.log_probability_of_improvement_grad([0.0, 2.0], [0.0, 0.0], 1.0)
    np.testing.assert_array_equal(value, [0.0, -np.inf])
    np.testing.assert_array_equal(dmean, [0.0, 0.0])
    np.testing.assert_array_equal(dstd, [0.0, 0.0])


def test_grad_functions_default_to_no_margin_and_beta_two():
    mean, std, best = np.array([0.3, -0.2, 1.5]), np.array([0.5, 1.2, 0.1]), 0.4
    z = (best - mean) / std  # xi = 0 by default
    ei, ei_dmean, _ = acq.expected_improvement_grad(mean, std, best)
    np.testing.assert_allclose(ei, (best - mean) * stats.norm.cdf(z) + std * stats.norm.pdf(z),
                               rtol=1e-12)
    np.testing.assert_allclose(ei_dmean, -stats.norm.cdf(z), rtol=1e-12)
    log_ei, _, _ = acq.log_expected_improvement_grad(mean, std, best)
    np.testing.assert_allclose(log_ei, np.log(ei), rtol=1e-12)
    pi, pi_dmean, _ = acq.probability_of_improvement_grad(mean, std, best)
    np.testing.assert_allclose(pi, stats.norm.cdf(z), rtol=1e-12)
    np.testing.assert_allclose(pi_dmean, -stats.norm.pdf(z) / std, rtol=1e-12)
    log_pi, log_pi_dmean, _ = acq.log_probability_of_improvement_grad(mean, std, best)
    np.testing.assert_allclose(log_pi, stats.norm.logcdf(z), rtol=1e-12)
    np.testing.assert_allclose(log_pi_dmean, -stats.norm.pdf(z) / (stats.norm.cdf(z) * std),
                               rtol=1e-12)
    lcb, lcb_dmean, lcb_dstd = acq.lower_confidence_bound_grad(mean, std)
    np.testing.assert_allclose(lcb, mean - 2.0 * std, rtol=1e-12)
    np.testing.assert_array_equal(lcb_dmean, 1.0)
    np.testing.assert_array_equal(lcb_dstd, -2.0)
