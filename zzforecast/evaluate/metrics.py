"""Forecast accuracy and calibration metrics (M3/M4 definitions).

All functions take 1-D or 2-D arrays (series x horizon) and return the mean over every
forecast, so that a batch is summarised the way the M-competitions report it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["smape", "mase", "coverage", "msis", "mase_scale"]


def smape(actual, pred) -> float:
    """Symmetric MAPE, M3 definition, 0–200: mean of 200 |y - f| / (|y| + |f|).

    Terms where both the actual and the forecast are zero count as 0.
    """
    y = np.asarray(actual, dtype=float)
    f = np.asarray(pred, dtype=float)
    denom = np.abs(y) + np.abs(f)
    with np.errstate(invalid="ignore", divide="ignore"):
        terms = np.where(denom > 0, 200.0 * np.abs(y - f) / denom, 0.0)
    return float(np.mean(terms))


def mase_scale(insample, season: int = 1) -> float:
    """In-sample mean absolute (seasonal) first difference, the MASE denominator."""
    x = np.asarray(insample, dtype=float)
    if len(x) <= season:
        raise ValueError(f"need more than {season} in-sample points to scale MASE")
    return float(np.mean(np.abs(x[season:] - x[:-season])))


def mase(actual, pred, scale) -> float:
    """Mean absolute scaled error: mean |y - f| / scale, one scale per series (row)."""
    y = np.asarray(actual, dtype=float)
    f = np.asarray(pred, dtype=float)
    s = np.asarray(scale, dtype=float)
    if y.ndim == 2:
        s = s.reshape(-1, 1)
    return float(np.mean(np.abs(y - f) / s))


def coverage(actual, lo, hi) -> float:
    """Share (0–1) of actual values inside [lo, hi]."""
    y = np.asarray(actual, dtype=float)
    return float(np.mean((y >= np.asarray(lo)) & (y <= np.asarray(hi))))


def msis(actual, lo, hi, scale, level: float = 95.0) -> float:
    """Mean scaled interval score (M4): width plus 2/alpha times misses, over the scale."""
    y = np.asarray(actual, dtype=float)
    lo = np.asarray(lo, dtype=float)
    hi = np.asarray(hi, dtype=float)
    s = np.asarray(scale, dtype=float)
    if y.ndim == 2:
        s = s.reshape(-1, 1)
    a = 1 - level / 100
    score = (hi - lo) + (2 / a) * (lo - y) * (y < lo) + (2 / a) * (y - hi) * (y > hi)
    return float(np.mean(score / s))
