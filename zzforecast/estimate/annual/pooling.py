"""Pooling across peers for series too short to stand alone.

A cluster with seven annual observations says little about its own trend growth or its
volatility. When several series are forecast together (the clusters of one city, the
provinces of a panel), a short series borrows strength from its peers:

- **growth**: the weight a series' own growth deserves comes from empirical Bayes (the
  normal-normal model: w_i = tau^2 / (tau^2 + sigma_i^2 / n_i), with the between-series
  variance tau^2 of mean log growth estimated by the method of moments). The log growth
  path the models imply for a short series, log(forecast_k / last value), becomes
  w_i * own + (1 - w_i) * the peers' median implied path, so damping is kept;
- **volatility**: the series' scale relative to its level (log of the mean absolute first
  difference over the mean level) is shrunk toward the peers' median with weight
  n_i / (n_i + N0), and interval widths follow.

Only series with fewer than ``SHORT_LENGTH`` points and strictly positive values are
adjusted; the others are left as the models made them and serve as peers.

Measured on the real provincial FAI panel (31 provinces, 6-year training windows, 3 years
held out, five rolling origins; ``pooling_backtest.py``): sMAPE 10.78 pooled vs 11.31
unpooled, MASE 1.136 vs 1.203, MSIS 10.39 vs 10.99, 80 %/95 % coverage 83.9/94.4 vs
79.8/92.7.
"""

from __future__ import annotations

import numpy as np

from .frames import Series

__all__ = ["SHORT_LENGTH", "PRIOR_POINTS", "shrink_growth", "pooled_adjustment"]

SHORT_LENGTH = 10  # series with fewer observations are pooled
PRIOR_POINTS = 8.0  # N0: pseudo-observations behind the peers' relative volatility


def shrink_growth(means: np.ndarray, variances: np.ndarray, counts: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Empirical-Bayes shrinkage of per-series mean growth rates toward their pooled mean.

    Parameters
    ----------
    means, variances, counts : numpy.ndarray
        Per series: mean log growth, variance of log growth, number of growth rates.

    Returns
    -------
    shrunk : numpy.ndarray
        Posterior means.
    weights : numpy.ndarray
        Weight on each series' own mean (0 = all peers, 1 = all own).
    """
    se2 = variances / np.maximum(counts, 1)
    w_prec = 1.0 / np.maximum(se2, 1e-12)
    grand = float(np.sum(w_prec * means) / np.sum(w_prec)) if len(means) > 1 else \
        float(means[0])
    tau2 = max(float(np.var(means, ddof=1) - np.mean(se2)), 1e-6) if len(means) > 1 else 1.0
    weights = tau2 / (tau2 + se2)
    return weights * means + (1 - weights) * grand, weights


def pooled_adjustment(series: list[Series], mean: np.ndarray, scales: np.ndarray,
                      short_length: int = SHORT_LENGTH
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Adjust the forecasts of short series toward their peers.

    Parameters
    ----------
    series : list of Series
        The batch (peers are all positive series of the batch).
    mean : numpy.ndarray
        (n_series, h) point forecasts from the models.
    scales : numpy.ndarray
        (n_series,) mean absolute first differences.
    short_length : int
        Series shorter than this are adjusted.

    Returns
    -------
    mean : numpy.ndarray
        Adjusted point forecasts (a copy).
    spread : numpy.ndarray
        (n_series,) multipliers of each series' interval width (1 when not adjusted).
    pooled : numpy.ndarray
        (n_series,) True where a series was adjusted.
    """
    n = len(series)
    mean = mean.copy()
    spread = np.ones(n)
    pooled = np.zeros(n, dtype=bool)
    pos = np.array([np.all(s.y > 0) and len(s.y) >= 3 for s in series])
    if pos.sum() < 3:
        return mean, spread, pooled
    idx = np.nonzero(pos)[0]
    g_mean = np.empty(len(idx))
    g_var = np.empty(len(idx))
    counts = np.empty(len(idx))
    rel = np.empty(len(idx))
    for j, i in enumerate(idx):
        d = np.diff(np.log(series[i].y))
        g_mean[j] = d.mean()
        g_var[j] = d.var(ddof=1) if len(d) > 1 else np.nan
        counts[j] = len(d)
        rel[j] = np.log(scales[i] / np.mean(series[i].y))
    # Short series have noisy variances: fill and stabilise with the peers' median.
    med_var = float(np.nanmedian(g_var))
    g_var = np.where(np.isfinite(g_var), g_var, med_var)
    g_var = (counts * g_var + PRIOR_POINTS * med_var) / (counts + PRIOR_POINTS)
    rel_peer = float(np.median(rel))
    w_rel = counts / (counts + PRIOR_POINTS)
    rel_shrunk = w_rel * rel + (1 - w_rel) * rel_peer
    # Growth the models imply for each positive series, log(mean_k / last), and the peers'
    # median path: a short series' path moves toward the peers' by the empirical-Bayes
    # weight of its own historical growth.
    last = np.array([series[i].y[-1] for i in idx])
    with np.errstate(invalid="ignore", divide="ignore"):
        implied = np.log(np.maximum(mean[idx], 1e-12) / last[:, None])
    peer_path = np.median(implied, axis=0)
    _, weights = shrink_growth(g_mean, g_var, counts)
    for j, i in enumerate(idx):
        if len(series[i].y) >= short_length:
            continue
        w = weights[j]
        mean[i] = last[j] * np.exp(w * implied[j] + (1 - w) * peer_path)
        spread[i] = float(np.exp(rel_shrunk[j] - rel[j]))
        pooled[i] = True
    return mean, spread, pooled
