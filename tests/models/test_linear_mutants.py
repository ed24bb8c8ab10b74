"""LinearRegression: a column-vector ``y`` fitted as its ravel, the documented ``n_iter_`` of the
closed form, and zero weights removing their rows from the inference too (the residual degrees
of freedom, the noise variance and the log-likelihood), checked against statsmodels' WLS."""

import numpy as np
import pytest

from tunelab.exceptions import DataConversionWarning
from tunelab.models import LinearRegression


def data(rng, n=30, p=3):
    X = rng.normal(size=(n, p))
    y = X @ np.array([1.0, -2.0, 0.5][:p]) + 0.3 + rng.normal(scale=0.5, size=n)
    return X, y


def test_column_vector_y_is_fitted_as_its_ravel(rng):
    X, y = data(rng)
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        column = LinearRegression().fit(X, y[:, None])
    flat = LinearRegression().fit(X, y)
    np.testing.assert_array_equal(column.coef_, flat.coef_)
    assert column.intercept_ == flat.intercept_
    np.testing.assert_array_equal(column.stderr_, flat.stderr_)


@pytest.mark.parametrize("alpha", [0.0, 0.7])
def test_closed_form_counts_one_iteration(rng, alpha):
    X, y = data(rng)
    for solver in ("auto", "normal"):
        assert LinearRegression(alpha=alpha, solver=solver).fit(X, y).n_iter_ == 1


@pytest.mark.parametrize("positive", [1.0, 2.5])
def test_zero_weights_drop_their_rows_from_the_inference(rng, positive):
    sm = pytest.importorskip("statsmodels.api")
    X, y = data(rng, n=24)
    w = np.where(np.arange(24) % 3 == 0, 0.0, positive)
    w[1] = 4.0  # unequal positive weights
    model = LinearRegression().fit(X, y, sample_weight=w)
    keep = w > 0
    wls = sm.WLS(y[keep], sm.add_constant(X[keep]), weights=w[keep]).fit()
    np.testing.assert_allclose(model.coef_, wls.params[1:], rtol=1e-10)
    np.testing.assert_allclose(model.stderr_, wls.bse[1:], rtol=1e-10)
    assert model.intercept_stderr_ == pytest.approx(wls.bse[0], rel=1e-10)
    assert model.log_likelihood_ == pytest.approx(wls.llf, rel=1e-10)
    resid = y[keep] - model.predict(X[keep])
    v = w[keep] / w[keep].mean()
    assert model.sigma2_ == pytest.approx(float(v @ resid**2) / keep.sum(), rel=1e-10)
