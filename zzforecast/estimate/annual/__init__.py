"""Forecasts with calibrated uncertainty for short annual series (DESIGN.md section 4).

``forecast`` and ``sample_paths`` work on long frames (``unique_id, ds, y``). With
``model="auto"`` each call runs a pool of fast base forecasters (damped trends, ARIMA-lite,
Theta, ETS), chooses their combination by rolling-origin validation inside the training
data, and calibrates intervals from the scale-free errors at those origins, by horizon.
See docs/models.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...exceptions import UserError
from .engine import MODELS, Fit, fit_batch
from .frames import future_ds, split_series

__all__ = ["forecast", "sample_paths", "fit", "MODELS"]


def _check_args(h, level=(), n_paths=None, seed=0, n_series=None):
    if not isinstance(h, int | np.integer) or isinstance(h, bool) or h < 1:
        raise UserError(f"h must be a positive integer, got {h!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise UserError(f"seed must be a whole number >= 0, got {seed!r}")
    for lv in level:
        if not isinstance(lv, int | float | np.number) or not 0 < lv < 100:
            raise UserError(f"level must be percentages strictly between 0 and 100, got {lv!r}")
    if n_paths is not None and (isinstance(n_paths, bool) or not isinstance(n_paths, int | np.integer)
                                or n_paths < 1):
        raise UserError(f"n_paths must be a positive integer, got {n_paths!r}")
    if n_series is not None:  # refuse what cannot fit in memory before allocating it
        from ...memory import check_memory, forecast_bytes

        check_memory(forecast_bytes(int(h), n_series), f"h={h}")
        if n_paths is not None:
            check_memory(24.0 * int(n_paths) * int(h) * n_series,
                         f"n_paths={n_paths:,} x h={h} x {n_series} series",
                         "use fewer paths or a shorter horizon")


def _n_series(df) -> int:
    if isinstance(df, pd.DataFrame) and "unique_id" in df.columns:
        return max(int(df["unique_id"].nunique()), 1)
    return 1  # the frame's own checks (split_series) name what is wrong with it


def _level_name(lv) -> str:
    return f"{lv:g}"


def fit(df: pd.DataFrame, h: int, model: str = "auto", n_jobs: int = 1,
        pooling: bool = True) -> Fit:
    """Validate ``df`` and fit the forecaster; the object behind ``forecast``.

    Returns
    -------
    Fit
        With ``mean`` (n_series, h), ``combination`` (the chosen members and aggregation),
        ``calibrator`` (the quantile table by horizon) and ``intervals(level)``.
    """
    _check_args(h)
    return fit_batch(split_series(df), int(h), model=model, n_jobs=n_jobs, pooling=pooling)


def forecast(df: pd.DataFrame, h: int, level=(80, 95), model: str = "auto", seed: int = 0,
             n_jobs: int = 1, pooling: bool = True) -> pd.DataFrame:
    """Point forecasts and calibrated intervals for every series of a long frame.

    Parameters
    ----------
    df : pandas.DataFrame
        Long frame with ``unique_id``, ``ds`` (integer years or timestamps, consecutive)
        and ``y``; any number of series, each with at least 3 observations.
    h : int
        Forecast horizon (steps after each series' last ``ds``).
    level : sequence of float
        Interval levels in percent.
    model : str
        ``"auto"`` (validated combination of the base forecasters) or one base forecaster
        (``naive``, ``drift``, ``robust_trend``, ``log_trend``, ``arima110``, ``theta``,
        ``dotm``, ``ets``, ``ets_log``).
    seed : int
        Accepted for symmetry with ``sample_paths``; the forecasts are deterministic.
    n_jobs : int
        Worker processes for the model fits.
    pooling : bool
        Shrink the growth and volatility of series shorter than 10 points toward the
        other series of the call (``zzforecast.estimate.annual.pooling``); needs 3+ series.

    Returns
    -------
    pandas.DataFrame
        One row per series and step: ``unique_id``, ``ds``, ``mean``, and ``lo-<L>`` /
        ``hi-<L>`` for each level L (lo <= mean <= hi).

    Raises
    ------
    ValueError
        (``zzforecast.exceptions.DataError``) naming the series for input that is too
        short, non-numeric, has duplicated ``ds`` or gaps between years; ``UserError`` for
        bad ``h``, ``level`` or ``model``.
    """
    level = tuple(level)
    _check_args(h, level, seed=seed, n_series=_n_series(df))
    result = fit(df, h, model=model, n_jobs=n_jobs, pooling=pooling)
    frames = []
    bounds = {lv: result.intervals(lv) for lv in level}
    for i, s in enumerate(result.series):
        part = {"unique_id": np.repeat(s.unique_id, h), "ds": future_ds(s.ds, h),
                "mean": result.mean[i]}
        for lv in level:
            lo, hi = bounds[lv]
            part[f"lo-{_level_name(lv)}"] = np.minimum(lo[i], result.mean[i])
            part[f"hi-{_level_name(lv)}"] = np.maximum(hi[i], result.mean[i])
        frames.append(pd.DataFrame(part))
    return pd.concat(frames, ignore_index=True)


def sample_paths(df: pd.DataFrame, h: int, n_paths: int = 1000, model: str = "auto",
                 seed: int = 0, n_jobs: int = 1, pooling: bool = True) -> pd.DataFrame:
    """Simulated future paths whose spread matches the calibrated intervals.

    Each path is the point forecast plus a scale-free error vector times the series'
    scale. Errors have, at every horizon, the empirical distribution of the pooled
    validation errors and, across horizons, their dependence (Gaussian copula), so
    quantiles of the paths reproduce ``forecast``'s intervals and cumulative outcomes keep
    realistic persistence. Series that never go below 0 stay non-negative.

    Parameters
    ----------
    df : pandas.DataFrame
        Long frame ``unique_id, ds, y`` (see ``forecast``).
    h : int
        Horizon.
    n_paths : int
        Paths per series.
    model : str
        As in ``forecast``.
    seed : int
        Seed of ``numpy.random.default_rng``; the same seed gives the same paths.
    n_jobs : int
        Worker processes for the model fits.
    pooling : bool
        As in ``forecast``.

    Returns
    -------
    pandas.DataFrame
        ``unique_id``, ``ds``, ``sample_id`` (0..n_paths-1), ``y``; sorted by series,
        sample, date.
    """
    _check_args(h, (), n_paths, seed=seed, n_series=_n_series(df))
    result = fit(df, h, model=model, n_jobs=n_jobs, pooling=pooling)
    rng = np.random.default_rng(seed)
    frames = []
    spread = result.spread if result.spread is not None else np.ones(len(result.series))
    for i, s in enumerate(result.series):
        errors = result.calibrator.draw(n_paths, rng)
        paths = result.mean[i][None, :] + result.scales[i] * spread[i] * errors
        if np.all(s.y >= 0):
            paths = np.maximum(paths, 0.0)
        frames.append(pd.DataFrame({
            "unique_id": np.repeat(s.unique_id, n_paths * h),
            "ds": np.tile(future_ds(s.ds, h), n_paths),
            "sample_id": np.repeat(np.arange(n_paths), h),
            "y": paths.ravel(),
        }))
    return pd.concat(frames, ignore_index=True)
