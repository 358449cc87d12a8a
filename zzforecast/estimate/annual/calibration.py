"""Calibrated uncertainty: conformal quantiles of scale-free errors, by horizon.

Model-based intervals on short annual series are far too narrow (statsforecast AutoETS's
80 % intervals cover about 70 % on M3 yearly). Instead, the errors the chosen forecaster
made at rolling origins inside each training series are divided by the series' scale
(the mean absolute first difference of the training data at that origin, as in MASE),
pooled across series and summarised by horizon as empirical quantiles. Intervals are
``mean + scale * q``; simulated paths draw errors whose marginal distribution at every
horizon is that empirical distribution and whose dependence across horizons is a
Gaussian copula estimated from the same errors.

When few errors are available (one short series), the quantiles are shrunk toward a
default table measured the same way on the training parts of the 645 M3 yearly series
(never their test periods); beyond the horizons seen, the spread grows like sqrt(h).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .calibration_defaults import DEFAULT_QUANTILES

__all__ = ["PROBS", "Calibrator", "fit_calibrator", "scale_of", "error_scale"]

# Probability grid of the quantile tables (fine enough for 80 / 90 / 95 / 99 % intervals).
PROBS = np.array([0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45,
                  0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.975, 0.99, 0.995])

# Pseudo-count: the empirical table gets weight n / (n + PRIOR_WEIGHT) against the default.
PRIOR_WEIGHT = 60.0


def default_table(h: int) -> np.ndarray:
    """Default quantile table for horizons 1..h, extended beyond its rows by sqrt(h).

    The table (``calibration_defaults.py``, rows h = 1..6, columns :data:`PROBS`) holds the
    scaled-error quantiles of the default combination's rolling-origin validation errors on
    the training parts of M3 yearly; ``benchmarks/calibration_defaults.py`` regenerates it.
    """
    base = np.asarray(DEFAULT_QUANTILES, dtype=float)
    if h <= len(base):
        return base[:h].copy()
    k = len(base)
    extra = base[-1] * np.sqrt(np.arange(k + 1, h + 1) / k)[:, None]
    return np.vstack([base, extra])


def scale_of(y: np.ndarray) -> float:
    """Scale of a series: mean absolute first difference (MASE denominator), never zero."""
    d = np.abs(np.diff(y))
    s = float(d.mean()) if len(d) else 0.0
    if s > 0 and np.isfinite(s):
        return s
    level = float(np.mean(np.abs(y)))
    return level * 0.01 if level > 0 else 1.0


RECENT = 6
ERROR_SCALE = "mase"  # alternatives measured on M3 yearly in docs/models.md: "log", "recent"


def error_scale(y: np.ndarray) -> float:
    """Scale that makes forecast errors comparable across series and origins.

    For a positive series: the last value times the mean absolute log growth, i.e. the
    typical one-step change at the current level (errors of growing series scale with
    their level, not with their average past change). Otherwise the MASE scale.
    """
    if ERROR_SCALE == "recent" and len(y) >= 3:
        d = np.abs(np.diff(y))
        s = float(np.sqrt(d.mean() * d[-RECENT:].mean()))
        if s > 0 and np.isfinite(s):
            return s
    if ERROR_SCALE == "log" and len(y) >= 2 and np.all(y > 0):
        s = float(y[-1] * np.mean(np.abs(np.diff(np.log(y)))))
        if s > 0 and np.isfinite(s):
            return s
    return scale_of(y)


@dataclass
class Calibrator:
    """Quantile table of scaled errors (rows: horizon 1..h; columns: PROBS) and copula."""

    table: np.ndarray
    corr: np.ndarray
    n_errors: np.ndarray

    def bounds(self, level: float) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper scaled-error quantiles of a central ``level`` % interval."""
        a = (1 - level / 100) / 2
        lo = np.array([np.interp(a, PROBS, row) for row in self.table])
        hi = np.array([np.interp(1 - a, PROBS, row) for row in self.table])
        return lo, hi

    def draw(self, n_paths: int, rng: np.random.Generator) -> np.ndarray:
        """Scaled errors, shape (n_paths, h): calibrated marginals, Gaussian copula."""
        from scipy.stats import norm

        h = len(self.table)
        chol = np.linalg.cholesky(self.corr + 1e-9 * np.eye(h))
        z = rng.standard_normal((n_paths, h)) @ chol.T
        u = norm.cdf(z)
        # Extend the probability grid to (0, 1) by linear extrapolation of the tails.
        p = np.concatenate([[0.0], PROBS, [1.0]])
        out = np.empty_like(u)
        for k in range(h):
            row = self.table[k]
            lo = row[0] - (row[1] - row[0]) / (PROBS[1] - PROBS[0]) * PROBS[0]
            hi = row[-1] + (row[-1] - row[-2]) / (PROBS[-1] - PROBS[-2]) * (1 - PROBS[-1])
            out[:, k] = np.interp(u[:, k], p, np.concatenate([[lo], row, [hi]]))
        return out


def _brownian_corr(h: int) -> np.ndarray:
    k = np.arange(1, h + 1, dtype=float)
    return np.sqrt(np.minimum.outer(k, k) / np.maximum.outer(k, k))


def _rank_corr(errors: np.ndarray, h: int) -> np.ndarray:
    """Normal-scores correlation of complete error rows, shrunk toward Brownian motion."""
    from scipy.stats import norm, rankdata

    prior = _brownian_corr(h)
    m = min(errors.shape[1], h)
    rows = errors[:, :m]
    rows = rows[np.all(np.isfinite(rows), axis=1)]
    if len(rows) < 10 or m < 2:
        return prior
    scores = norm.ppf(rankdata(rows, axis=0) / (len(rows) + 1))
    emp = np.corrcoef(scores, rowvar=False)
    w = len(rows) / (len(rows) + PRIOR_WEIGHT)
    corr = prior.copy()
    corr[:m, :m] = w * emp + (1 - w) * prior[:m, :m]
    # Keep it positive definite after blending.
    vals, vecs = np.linalg.eigh(corr)
    corr = (vecs * np.clip(vals, 1e-6, None)) @ vecs.T
    d = np.sqrt(np.diag(corr))
    return corr / np.outer(d, d)


def fit_calibrator(errors: np.ndarray, h: int) -> Calibrator:
    """Build a calibrator from scaled validation errors.

    Parameters
    ----------
    errors : numpy.ndarray
        Shape (n_windows, h_val): (actual - forecast) / scale at each rolling origin and
        horizon; NaN where the window was shorter than the horizon.
    h : int
        Horizon of the forecasts to calibrate (may exceed ``h_val``).

    Returns
    -------
    Calibrator
    """
    prior = default_table(h)
    table = prior.copy()
    n_errors = np.zeros(h, dtype=int)
    errors = np.asarray(errors, dtype=float).reshape(len(errors), -1) if len(errors) else \
        np.empty((0, 0))
    for k in range(min(h, errors.shape[1])):
        e = errors[:, k]
        e = e[np.isfinite(e)]
        n_errors[k] = len(e)
        if len(e) == 0:
            continue
        w = len(e) / (len(e) + PRIOR_WEIGHT)
        table[k] = w * np.quantile(e, PROBS) + (1 - w) * prior[k]
    # Horizons past those validated: the last validated row's spread grown like sqrt(h).
    last = int(np.max(np.nonzero(n_errors)[0])) + 1 if n_errors.any() else 0
    if 0 < last < h:
        base = table[last - 1]
        for k in range(last, h):
            table[k] = base * np.sqrt((k + 1) / last)
    table = np.maximum.accumulate(table, axis=1)  # monotone in probability
    corr = _rank_corr(errors, h) if errors.size else _brownian_corr(h)
    return Calibrator(table=table, corr=corr, n_errors=n_errors)
