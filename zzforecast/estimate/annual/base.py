"""Base forecasters: pure functions on one 1-D array returning ``h`` point forecasts.

Each kernel takes a float array ``y`` (oldest first, no missing values, at least three
points) and a horizon ``h`` and returns an array of ``h`` point forecasts. The
combination layer (``selection.py``) chooses among them and the calibration layer
(``calibration.py``) puts honest intervals around the result, so the kernels only need
good point forecasts and must be fast: they run once per series and per validation
origin.

The exponential-smoothing and Theta kernels use Nixtla statsforecast (measured here
faster and more accurate than statsmodels on short annual series); the others are
closed-form and written in numpy.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["KERNELS", "DEFAULT_POOL", "forecast_kernels"]


def _naive(y: np.ndarray, h: int) -> np.ndarray:
    return np.full(h, y[-1], dtype=float)


def _drift(y: np.ndarray, h: int) -> np.ndarray:
    """Random walk with drift: the mean first difference carried forward."""
    slope = (y[-1] - y[0]) / (len(y) - 1)
    return y[-1] + slope * np.arange(1, h + 1)


def _damped_steps(h: int, phi: float) -> np.ndarray:
    """Cumulative damping factors phi + phi^2 + ... + phi^k for k = 1..h."""
    return np.cumsum(phi ** np.arange(1, h + 1))


def _robust_trend(y: np.ndarray, h: int, phi: float = 0.9) -> np.ndarray:
    """Last value plus the damped median first difference (robust to one-off jumps)."""
    slope = float(np.median(np.diff(y)))
    return y[-1] + slope * _damped_steps(h, phi)


def _log_trend(y: np.ndarray, h: int, phi: float = 0.85, window: int = 10) -> np.ndarray:
    """Damped linear trend on logs, anchored at the last value; drift on levels otherwise.

    The slope is the least-squares slope of log(y) over the last ``window`` points.
    """
    if np.any(y <= 0):
        return _robust_trend(y, h, phi)
    z = np.log(y[-window:])
    t = np.arange(len(z), dtype=float)
    slope = float(np.polyfit(t, z, 1)[0])
    return np.exp(np.log(y[-1]) + slope * _damped_steps(h, phi))


def _arima110(y: np.ndarray, h: int) -> np.ndarray:
    """ARIMA(1,1,0) with drift by least squares on first differences (ARIMA-lite).

    The autoregressive coefficient is clipped to [-0.8, 0.8] so that short series cannot
    produce explosive or near-unit-root difference dynamics.
    """
    d = np.diff(y)
    if len(d) < 4:
        return _drift(y, h)
    mu = d.mean()
    x, z = d[:-1] - mu, d[1:] - mu
    denom = float(x @ x)
    phi = float(np.clip((x @ z) / denom, -0.8, 0.8)) if denom > 0 else 0.0
    steps = mu + (d[-1] - mu) * phi ** np.arange(1, h + 1)
    return y[-1] + np.cumsum(steps)


def _ses_drift_theta(y: np.ndarray, h: int) -> np.ndarray:
    """Classic Theta (Assimakopoulos & Nikolopoulos): SES plus half the linear-trend slope."""
    from statsforecast.models import Theta

    return Theta(season_length=1).forecast(y=y, h=h)["mean"]


def _dotm(y: np.ndarray, h: int) -> np.ndarray:
    """Dynamic optimised Theta model (Fiorucci et al. 2016), statsforecast."""
    from statsforecast.models import DynamicOptimizedTheta

    return DynamicOptimizedTheta(season_length=1).forecast(y=y, h=h)["mean"]


def _ets(y: np.ndarray, h: int) -> np.ndarray:
    """Automatic ETS without seasonality (damped trend among the candidates), statsforecast."""
    from statsforecast.models import AutoETS

    return AutoETS(season_length=1, model="ZZN").forecast(y=y, h=h)["mean"]


def _ets_log(y: np.ndarray, h: int) -> np.ndarray:
    """Additive damped-trend ETS on log values (damped growth), back-transformed by exp."""
    if np.any(y <= 0):
        return _ets(y, h)
    from statsforecast.models import AutoETS

    return np.exp(AutoETS(season_length=1, model="AAN", damped=True).forecast(y=np.log(y), h=h)["mean"])


KERNELS: dict[str, Callable[[np.ndarray, int], np.ndarray]] = {
    "naive": _naive,
    "drift": _drift,
    "robust_trend": _robust_trend,
    "log_trend": _log_trend,
    "arima110": _arima110,
    "theta": _ses_drift_theta,
    "dotm": _dotm,
    "ets": _ets,
    "ets_log": _ets_log,
}

# Kernels the automatic combination chooses among.
DEFAULT_POOL = ("naive", "drift", "robust_trend", "log_trend", "arima110", "dotm", "ets",
                "ets_log")


def forecast_kernels(y: np.ndarray, h: int, names: tuple[str, ...] = DEFAULT_POOL
                     ) -> np.ndarray:
    """Point forecasts of several kernels for one series.

    Parameters
    ----------
    y : numpy.ndarray
        The observed values, oldest first (float, finite, at least three points).
    h : int
        Forecast horizon.
    names : tuple of str
        Keys of ``KERNELS``.

    Returns
    -------
    numpy.ndarray
        Shape ``(len(names), h)``. A kernel that fails or returns non-finite values falls
        back to the naive forecast, so one bad fit never breaks a batch.
    """
    y = np.asarray(y, dtype=float)
    out = np.empty((len(names), h))
    for i, name in enumerate(names):
        try:
            f = np.asarray(KERNELS[name](y, h), dtype=float)
        except Exception:  # noqa: BLE001 - any failed fit falls back to naive
            f = _naive(y, h)
        if f.shape != (h,) or not np.all(np.isfinite(f)):
            f = _naive(y, h)
        out[i] = f
    return out
