"""Correlation of shocks across series, shrunk toward a constant correlation.

Ledoit and Wolf (2004), "Honey, I shrunk the sample covariance matrix" (Journal of
Portfolio Management 30(4)): the sample covariance ``S`` of ``T`` observations of ``N``
series is pulled toward the constant-correlation target ``F`` (``f_ii = s_ii``,
``f_ij = rbar * sqrt(s_ii * s_jj)``, ``rbar`` the average sample correlation) with the
intensity that minimises the expected squared (Frobenius) error,

    delta = max(0, min(1, kappa / T)),   kappa = (pi - rho) / gamma,

where, with ``y`` the centred observations,

- ``pi = sum_ij mean_t (y_it y_jt - s_ij)^2`` (the sampling variance of ``S``),
- ``rho = sum_i pi_ii + rbar * sum_{i != j} sqrt(s_jj / s_ii) * theta_ij`` with
  ``theta_ij = mean_t (y_it^2 - s_ii)(y_it y_jt - s_ij)`` (how the target co-moves with
  ``S``),
- ``gamma = sum_ij (f_ij - s_ij)^2`` (how far the target is from ``S``).

scikit-learn's ``LedoitWolf`` computes the intensity for a different target (a scaled
identity); applied to this target it is not the optimal one.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ledoit_wolf_constant_correlation", "shrunk_correlation", "MAX_TARGET_CORRELATION"]

MAX_TARGET_CORRELATION = 0.95  # the target's common correlation is kept in [0, 0.95]


def ledoit_wolf_constant_correlation(x: np.ndarray, *, assume_centered: bool = False,
                                     rbar: float | None = None
                                     ) -> tuple[np.ndarray, float, float]:
    """Shrink the sample covariance of ``x`` toward constant correlation (Ledoit-Wolf 2004).

    Parameters
    ----------
    x : array (n_obs, n_series)
        Observations, no missing values.
    assume_centered : bool
        If true, ``x`` is used as it is (its mean is taken to be zero); else each column
        is centred first.
    rbar : float, optional
        The target's common correlation; default the average sample correlation.

    Returns
    -------
    shrunk : array (n_series, n_series)
        ``delta * F + (1 - delta) * S``.
    delta : float
        The intensity, in [0, 1]; 0 when the sample correlation is already constant
        (the target is the sample: there is nothing to shrink).
    rbar : float
        The target's common correlation.
    """
    y = np.asarray(x, dtype=float)
    if not assume_centered:
        y = y - y.mean(axis=0)
    t, n = y.shape
    sample = y.T @ y / t
    var = np.clip(np.diag(sample), 1e-12, None)
    sd = np.sqrt(var)
    off = ~np.eye(n, dtype=bool)
    if rbar is None:
        rbar = float((sample / np.outer(sd, sd))[off].mean()) if n > 1 else 1.0
    target = rbar * np.outer(sd, sd)
    np.fill_diagonal(target, np.diag(sample))
    gamma = float(((target - sample) ** 2).sum())
    if gamma <= 1e-12 * float((sample**2).sum()):
        return sample, 0.0, rbar
    pi_mat = (y**2).T @ (y**2) / t - sample**2
    theta = (y**3).T @ y / t - np.diag(sample)[:, None] * sample
    rho = float(np.trace(pi_mat)) + rbar * float((np.outer(1 / sd, sd) * theta)[off].sum())
    kappa = (float(pi_mat.sum()) - rho) / gamma
    delta = float(np.clip(kappa / t, 0.0, 1.0))
    return delta * target + (1 - delta) * sample, delta, rbar


def shrunk_correlation(rows: np.ndarray) -> tuple[np.ndarray, str]:
    """Correlation of the columns of ``rows`` (NaN = missing), shrunk toward a constant one.

    ``rows`` is (n_obs, n_cols) of surprises. Each column is centred and scaled on its
    observed values and a missing value becomes 0 (the column's mean). The target's common
    correlation is the average sample correlation kept in [0, MAX_TARGET_CORRELATION], so
    shrinkage does not pull the aggregate risk toward independence (as a scaled-identity
    target would); the intensity is Ledoit and Wolf's optimum for that target.

    Returns
    -------
    corr : array (n_cols, n_cols)
    description : str
        The method, intensity and target correlation (for the provenance).
    """
    n_cols = rows.shape[1]
    if n_cols == 1:
        return np.ones((1, 1)), "single series"
    x = np.where(np.isfinite(rows), rows, np.nan)
    mean = np.nanmean(x, axis=0) if x.size else np.zeros(n_cols)
    x = x - np.where(np.isfinite(mean), mean, 0.0)
    sd = np.sqrt(np.nanmean(x**2, axis=0)) if x.size else np.ones(n_cols)
    sd = np.where(np.isfinite(sd) & (sd > 0), sd, 1.0)
    x = np.where(np.isfinite(x), x / sd, 0.0)
    sample = x.T @ x / max(x.shape[0], 1)
    d = np.sqrt(np.clip(np.diag(sample), 1e-12, None))
    off = ~np.eye(n_cols, dtype=bool)
    rho = float(np.clip((sample / np.outer(d, d))[off].mean(), 0.0, MAX_TARGET_CORRELATION))
    shrunk, delta, _ = ledoit_wolf_constant_correlation(x, assume_centered=True, rbar=rho)
    ds = np.sqrt(np.clip(np.diag(shrunk), 1e-12, None))
    corr = shrunk / np.outer(ds, ds)
    np.fill_diagonal(corr, 1.0)
    return corr, f"ledoit-wolf shrinkage {delta:.2f} toward constant correlation {rho:.2f}"
