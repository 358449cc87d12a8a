"""Robust statistics of the within-year model (statsmodels where it is the right tool).

- :func:`mad_scale`: normalised median absolute deviation (statsmodels ``mad``);
- :func:`huber_location`: Huber M-estimate of location (statsmodels ``estimate_location``);
- :func:`jump_slope`: Huber-robust regression slope (statsmodels ``RLM``), bounded;
- :func:`smoothed_quantiles`: quantiles of a kernel-smoothed empirical distribution;
- :func:`fit_t_at_80_95`: the Student-t matching the 80% and 95% levels of errors.
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = ["mad_scale", "huber_location", "jump_slope", "smoothed_quantiles",
           "fit_t_at_80_95", "PROBS"]

PROBS = np.linspace(0.0005, 0.9995, 1999)  # probability grid of the shock distribution


def mad_scale(values: np.ndarray, default: float) -> float:
    """Normalised median absolute deviation (statsmodels), ``default`` for < 3 values."""
    from statsmodels.robust.scale import mad

    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size < 3:
        return float(default)
    s = float(mad(v))
    return s if s > 0 else float(np.std(v)) or float(default)


def huber_location(values: np.ndarray) -> float:
    """Huber M-estimate of location with the MAD as scale (statsmodels); median if MAD is 0."""
    from statsmodels.robust.norms import HuberT, estimate_location
    from statsmodels.robust.scale import mad

    v = np.asarray(values, dtype=float)
    s = float(mad(v))
    if not s > 0:
        return float(np.median(v))
    try:
        return float(estimate_location(v, s, norm=HuberT()))
    except ValueError:  # no convergence in 30 steps: the median is the robust fallback
        return float(np.median(v))


def jump_slope(d: np.ndarray, jump: np.ndarray) -> float:
    """Slope of d on the jump by Huber-robust regression (statsmodels RLM), in [-1, 0]."""
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    X = np.column_stack([np.ones_like(jump), jump])
    try:
        with warnings.catch_warnings():  # a perfect fit (identical years) is a fit
            warnings.simplefilter("ignore", ConvergenceWarning)
            res = sm.RLM(d, X, M=sm.robust.norms.HuberT()).fit()
        b = float(res.params[1])
    except (ValueError, np.linalg.LinAlgError):
        return 0.0
    return float(np.clip(b, -1.0, 0.0)) if np.isfinite(b) else 0.0


def smoothed_quantiles(z: np.ndarray) -> np.ndarray:
    """Quantiles at :data:`PROBS` of the kernel-smoothed empirical distribution of ``z``.

    Gaussian kernel with Silverman's bandwidth: the standardised out-of-sample errors
    themselves, skew and tails as measured, smoothed so that a quantile between two
    errors is not a step.
    """
    from scipy import stats

    z = np.sort(np.asarray(z, dtype=float))
    n = z.size
    iqr = float(np.subtract(*np.quantile(z, [0.75, 0.25])))
    spread = min(float(np.std(z)), iqr / 1.349) if iqr > 0 else float(np.std(z))
    bw = max(0.9 * spread * n ** -0.2, 1e-3)
    grid = np.linspace(z[0] - 5 * bw, z[-1] + 5 * bw, 4001)
    cdf = np.zeros_like(grid)
    for chunk in np.array_split(z, max(1, n // 256)):
        cdf += stats.norm.cdf((grid[:, None] - chunk[None, :]) / bw).sum(axis=1)
    cdf /= n
    return np.interp(PROBS, cdf, grid)


def fit_t_at_80_95(z: np.ndarray) -> tuple[float, float]:
    """Student-t (df, scale) whose central 80% and 95% intervals hold the same shares of the
    standardised out-of-sample errors ``z`` as their empirical quantiles do.

    The ratio of the 95% to the 80% quantile of ``|z|`` sets the tail shape (1.53 for a
    normal, 1.94 for t(3), 2.28 for t(2)); the 80% quantile then sets the scale. Matching
    the two interval levels a report shows, rather than the likelihood of the centre, is
    what keeps those intervals honest.
    """
    from scipy import optimize, stats

    a = np.abs(np.asarray(z, dtype=float))
    q80, q95 = float(np.quantile(a, 0.80)), float(np.quantile(a, 0.95))
    ratio = q95 / q80 if q80 > 0 else 1.53

    def gap(log_df):
        df = np.exp(log_df)
        return stats.t.ppf(0.975, df) / stats.t.ppf(0.90, df) - ratio

    lo, hi = np.log(2.0), np.log(100.0)
    if gap(hi) >= 0:  # tails no heavier than a normal's: the lightest allowed
        df = 100.0
    elif gap(lo) <= 0:  # heavier than t(2): the heaviest allowed, scale from the 95% level
        df = 2.0
    else:
        df = float(np.exp(optimize.brentq(gap, lo, hi)))
    scale = q80 / stats.t.ppf(0.90, df) if df > 2.0 else q95 / stats.t.ppf(0.975, df)
    return float(df), float(max(scale, 0.3))
