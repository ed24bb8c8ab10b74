"""log_loss's documented check that probability rows sum to 1 to within 1e-6, on both sides."""

import numpy as np
import pytest

from tunelab.metrics import log_loss


@pytest.mark.parametrize("excess", [1.5e-6, -1.5e-6, 1e-3])
def test_rows_off_by_more_than_1e_minus_6_are_rejected(excess):
    P = np.array([[0.3, 0.7 + excess], [0.5, 0.5]])
    with pytest.raises(ValueError, match="sum to 1"):
        log_loss([0, 1], P)


@pytest.mark.parametrize("excess", [0.5e-6, -0.5e-6, 0.0])
def test_rows_within_1e_minus_6_are_accepted(excess):
    P = np.array([[0.3, 0.7 + excess], [0.5, 0.5]])
    assert log_loss([0, 1], P) == pytest.approx(-(np.log(0.3) + np.log(0.5)) / 2, rel=1e-12)
