"""Industrial value added linked to investment, and nominal/real conversion.

Two pieces the attainability engine combines:

1. **IAV growth conditional on the FAI path.** Real IAV growth of a cluster responds to
   its (nominal) investment growth with a lag: capacity built last year produces this
   year. :func:`fit_iav_link` fits, pooled across clusters by least squares,

       iav_t = a + sum_l b_l * fai_{t-l} + e_t,   e_t ~ N(0, sigma^2),

   and :func:`simulate_iav_growth` draws IAV growth for simulated FAI growth paths,
   parameter uncertainty included (coefficients drawn from their sampling distribution).
2. **Deflation.** IAV growth is real (comparable prices) while the IAV level target is
   nominal. With price growth p (industrial producer prices), nominal growth is
   (1 + real) * (1 + p) - 1. The deflator is uncertain: :func:`sample_price_growth` draws
   it from a normal on log(1 + p) with a stated mean and spread.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import DataError, Problem

__all__ = ["IavLink", "fit_iav_link", "simulate_iav_growth", "real_to_nominal_growth",
           "nominal_to_real_growth", "sample_price_growth", "nominal_level"]


@dataclass(frozen=True)
class IavLink:
    """Fitted link: ``coef`` = [a, b_0, b_1, ...] for ``lags``, covariance, residual sd."""

    lags: tuple[int, ...]
    coef: np.ndarray
    cov: np.ndarray
    sigma: float
    n_obs: int


def fit_iav_link(iav: pd.DataFrame, fai: pd.DataFrame, lags=(0, 1)) -> IavLink:
    """Fit real IAV growth on current and lagged FAI growth, pooled across series.

    Parameters
    ----------
    iav, fai : pandas.DataFrame
        Long frames ``unique_id, ds, y`` of annual growth rates (fractions): real IAV
        growth and nominal FAI growth, with matching ids and integer years.
    lags : sequence of int
        FAI lags in years (0 = same year).

    Returns
    -------
    IavLink

    Raises
    ------
    DataError
        When fewer than ``len(lags) + 3`` complete observations remain.
    """
    lags = tuple(int(lag) for lag in lags)
    f = fai.pivot(index="ds", columns="unique_id", values="y")
    cols = {f"lag{lag}": f.shift(lag).stack(future_stack=True) for lag in lags}
    x = pd.DataFrame(cols)
    y = iav.set_index(["ds", "unique_id"])["y"]
    data = x.join(y.rename("iav"), how="inner").dropna()
    k = len(lags) + 1
    if len(data) < k + 2:
        raise DataError([Problem("<input>", None, "y",
                                 f"the IAV-FAI link needs at least {k + 2} years with IAV "
                                 f"growth and FAI growth at lags {lags}; got {len(data)}")])
    design = np.column_stack([np.ones(len(data)), data[[f"lag{lag}" for lag in lags]]])
    target = data["iav"].to_numpy()
    coef, *_ = np.linalg.lstsq(design, target, rcond=None)
    resid = target - design @ coef
    dof = max(len(target) - k, 1)
    sigma2 = float(resid @ resid) / dof
    cov = sigma2 * np.linalg.pinv(design.T @ design)
    return IavLink(lags=lags, coef=coef, cov=cov, sigma=float(np.sqrt(sigma2)),
                   n_obs=len(target))


def simulate_iav_growth(link: IavLink, fai_paths: np.ndarray, fai_history=(),
                        rng: np.random.Generator | None = None,
                        parameter_uncertainty: bool = True) -> np.ndarray:
    """IAV growth paths conditional on simulated FAI growth paths.

    Parameters
    ----------
    link : IavLink
    fai_paths : numpy.ndarray
        (n_paths, h) simulated FAI growth for the next h years.
    fai_history : sequence of float
        Observed FAI growth of the most recent years, oldest first (needed for lags > 0).
    rng : numpy.random.Generator
    parameter_uncertainty : bool
        Draw the coefficients per path from their estimated sampling distribution.

    Returns
    -------
    numpy.ndarray
        (n_paths, h) real IAV growth.
    """
    rng = rng if rng is not None else np.random.default_rng(0)
    fai_paths = np.atleast_2d(np.asarray(fai_paths, dtype=float))
    n_paths, h = fai_paths.shape
    hist = np.asarray(fai_history, dtype=float)
    max_lag = max(link.lags)
    if len(hist) < max_lag:
        raise DataError(f"the IAV link uses FAI lags up to {max_lag}; give at least "
                        f"{max_lag} years of FAI history")
    full = np.hstack([np.tile(hist[len(hist) - max_lag:], (n_paths, 1)), fai_paths]) \
        if max_lag else fai_paths
    if parameter_uncertainty:
        coefs = rng.multivariate_normal(link.coef, link.cov, size=n_paths)
    else:
        coefs = np.tile(link.coef, (n_paths, 1))
    out = np.tile(coefs[:, :1], (1, h))
    for j, lag in enumerate(link.lags):
        out += coefs[:, j + 1:j + 2] * full[:, max_lag - lag:max_lag - lag + h]
    return out + link.sigma * rng.standard_normal((n_paths, h))


def real_to_nominal_growth(real_growth, price_growth):
    """Nominal growth from real growth and price growth: (1 + r)(1 + p) - 1."""
    return (1 + np.asarray(real_growth, dtype=float)) * (1 + np.asarray(price_growth,
                                                                       dtype=float)) - 1


def nominal_to_real_growth(nominal_growth, price_growth):
    """Real growth from nominal growth and price growth: (1 + n) / (1 + p) - 1."""
    return (1 + np.asarray(nominal_growth, dtype=float)) / (1 + np.asarray(price_growth,
                                                                          dtype=float)) - 1


def sample_price_growth(mean: float, sd: float, n_paths: int, rng: np.random.Generator
                        ) -> np.ndarray:
    """Deflator growth draws: log(1 + p) ~ Normal(log(1 + mean), sd).

    Parameters
    ----------
    mean : float
        Central price growth (fraction), e.g. a PPI forecast of 0.03.
    sd : float
        Uncertainty of log(1 + p) (about the spread of p in fractions), e.g. 0.02.
    """
    if sd < 0:
        raise DataError(f"deflator sd must be >= 0, got {sd}")
    return np.expm1(np.log1p(mean) + sd * rng.standard_normal(n_paths))


def nominal_level(last_nominal_level, real_growth, price_growth):
    """Next nominal level from last year's nominal level, real growth and price growth."""
    return np.asarray(last_nominal_level, dtype=float) * (1 + real_to_nominal_growth(
        real_growth, price_growth))
