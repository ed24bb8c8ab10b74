"""Behaviours of :mod:`tunelab.search._bo_warnings` found untested by mutation testing: how
:meth:`Degradation._watch` sorts the GP's warnings, and from how many observations a
lengthscale at its lower bound is reported (``min(2 n_initial, 20)``)."""

import warnings

import pytest

from tunelab.exceptions import ConvergenceWarning
from tunelab.gp import JitterWarning
from tunelab.search._bo_warnings import Degradation, DegradedWarning


class Host(Degradation):
    """The smallest host the mixin asks for: ``_warned``, ``n_told`` and ``n_initial_``."""

    def __init__(self, n_told=100, n_initial=5):
        self._warned, self.n_told, self.n_initial_ = set(), n_told, n_initial

    def fit(self, *emitted):
        def fn():
            for category, message in emitted:
                warnings.warn(message, category, stacklevel=1)
            return "fitted"

        return self._watch(fn)


def _caught(host, *emitted):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert host.fit(*emitted) == "fitted"
    return [(w.category, str(w.message)) for w in caught]


LOWER = "lengthscale 0 sits at its lower bound 1e-05: the data are explained as noise"
UPPER = "lengthscale 1 sits at its upper bound 1e+05: the input barely matters"


def test_each_kind_of_gp_warning_becomes_its_degradation():
    got = _caught(Host(), (JitterWarning, "added 1e-8 to the diagonal"),
                  (ConvergenceWarning, UPPER),
                  (ConvergenceWarning, "every ML-II start failed"),
                  (RuntimeWarning, "overflow in exp"))
    assert got == [
        (DegradedWarning, "Host: the GP needed jitter: added 1e-8 to the diagonal"),
        (DegradedWarning, "Host: GP hyperparameters: every ML-II start failed"),
        (RuntimeWarning, "overflow in exp"),
    ]


def test_a_convergence_warning_that_names_no_bound_is_no_lengthscale_alarm():
    # a ConvergenceWarning is a lengthscale alarm only when it names the lower bound
    got = _caught(Host(), (ConvergenceWarning, "the optimizer stopped early"))
    assert got == [(DegradedWarning, "Host: GP hyperparameters: the optimizer stopped early")]
    assert not any("lower bound" in m for _, m in got)


def test_another_warning_that_mentions_a_lower_bound_passes_through_unchanged():
    got = _caught(Host(), (UserWarning, "x is at its lower bound"))
    assert got == [(UserWarning, "x is at its lower bound")]


@pytest.mark.parametrize(("n_initial", "threshold"), [(1, 2), (3, 6), (7, 14), (10, 20),
                                                     (15, 20), (40, 20)])
def test_lower_bound_alarm_from_min_two_n_initial_and_twenty_observations(n_initial, threshold):
    for n_told in (threshold - 1, threshold, threshold + 1):
        got = _caught(Host(n_told=n_told, n_initial=n_initial), (ConvergenceWarning, LOWER))
        alarms = [m for c, m in got if c is DegradedWarning]
        if n_told < threshold:
            assert alarms == [], f"alarm after {n_told} observations"
        else:
            assert len(alarms) == 1 and f"after {n_told} observations" in alarms[0]
            assert "lower bound" in alarms[0] and "noise='fit'" in alarms[0]


def test_each_degradation_kind_is_issued_once_per_host():
    host = Host()
    first = _caught(host, (ConvergenceWarning, LOWER), (JitterWarning, "1e-8"))
    again = _caught(host, (ConvergenceWarning, "stopped early"), (JitterWarning, "1e-6"),
                    (ConvergenceWarning, LOWER))
    assert [c for c, _ in first] == [DegradedWarning, DegradedWarning]
    assert again == []  # "hyperparameters" and "jitter" were both issued already
    assert len(_caught(Host(), (JitterWarning, "1e-6"))) == 1  # another host warns again
