"""The acquisitions as objects: each registered one's value, log value and gradients against
the public functions, closed forms and central differences."""

import numpy as np
import pytest

from tunelab.gp import acquisition as A

MEAN = np.array([-1.0, 0.0, 0.3, 2.0])
STD = np.array([0.5, 1.0, 0.2, 1.5])
BEST, BETA = 0.1, 1.5


def test_the_registry_holds_the_five_acquisitions_in_order():
    assert list(A.ACQUISITIONS) == ["ei", "logei", "pi", "ucb", "thompson"]
    assert all(a.name == n for n, a in A.ACQUISITIONS.items())
    assert A.ACQUISITIONS["pi"].xi == 0.01
    assert [n for n, a in A.ACQUISITIONS.items() if a.draws] == ["thompson"]
    assert [n for n, a in A.ACQUISITIONS.items() if a.log_scale] == ["logei", "pi"]


def test_register_rejects_what_is_no_acquisition():
    with pytest.raises(TypeError, match="Acquisition"):
        A.register("ei")


@pytest.mark.parametrize("name", ["ei", "logei", "pi", "ucb"])
def test_values_are_the_public_functions_and_logs_of_them(name):
    acq = A.ACQUISITIONS[name]
    xi = 0.05
    value = acq.terms(False, MEAN, STD, BEST, xi, BETA)[0]
    log_value = acq.terms(True, MEAN, STD, BEST, xi, BETA)[0]
    want = {"ei": A.expected_improvement(MEAN, STD, BEST, xi),
            "logei": A.log_expected_improvement(MEAN, STD, BEST, xi),
            "pi": A.log_probability_of_improvement(MEAN, STD, BEST, xi),
            "ucb": -A.lower_confidence_bound(MEAN, STD, BETA)}[name]
    np.testing.assert_allclose(value, want, rtol=1e-12)
    positive = {"ei": A.expected_improvement(MEAN, STD, BEST, xi),
                "logei": A.expected_improvement(MEAN, STD, BEST, xi),
                "pi": A.probability_of_improvement(MEAN, STD, BEST, xi),
                "ucb": np.log1p(np.exp(-(MEAN - BETA * STD)))}[name]  # softplus(-LCB)
    np.testing.assert_allclose(log_value, np.log(positive), rtol=1e-10)


@pytest.mark.parametrize("name", ["ei", "logei", "pi", "ucb"])
@pytest.mark.parametrize("log_scale", [False, True])
def test_gradients_are_central_differences(name, log_scale):
    acq, h = A.ACQUISITIONS[name], 1e-6
    _, dm, ds = acq.terms(log_scale, MEAN, STD, BEST, 0.0, BETA)

    def f(m, s):
        return acq.terms(log_scale, m, s, BEST, 0.0, BETA)[0]

    np.testing.assert_allclose(dm, (f(MEAN + h, STD) - f(MEAN - h, STD)) / (2 * h),
                               rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ds, (f(MEAN, STD + h) - f(MEAN, STD - h)) / (2 * h),
                               rtol=1e-6, atol=1e-8)
