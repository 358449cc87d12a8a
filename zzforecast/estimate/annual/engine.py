"""The forecasting engine behind ``forecast`` and ``sample_paths``.

Steps for a batch of series: (1) run the base kernels at the forecast origin and at
rolling validation origins inside each series; (2) choose the combination on the
validation windows (``selection.py``); (3) pool scale-free validation errors of the
chosen combination by horizon into a calibrator (``calibration.py``); (4) for short
series, shrink growth and volatility toward peers (``pooling.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...exceptions import UnknownModelError
from .base import DEFAULT_POOL, KERNELS, forecast_kernels
from .calibration import Calibrator, error_scale, fit_calibrator, scale_of
from .frames import Series
from .pooling import SHORT_LENGTH, pooled_adjustment
from .selection import Combination, choose_combination, validation_origins

__all__ = ["Fit", "fit_batch", "MODELS"]

# Accepted values of ``model``: "auto" (validated combination) or one kernel name.
MODELS = ("auto", *KERNELS)


@dataclass
class Fit:
    """Fitted batch: point forecasts, scales, the chosen combination and the calibrator."""

    series: list[Series]
    h: int
    mean: np.ndarray  # (n_series, h)
    scales: np.ndarray  # (n_series,)
    combination: Combination
    calibrator: Calibrator
    val_errors: np.ndarray  # (n_windows, h) scaled errors of the chosen combination
    pooled: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    spread: np.ndarray | None = None  # (n_series,) multiplier of the error spread

    def intervals(self, level: float) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds (n_series, h) of a central ``level`` % interval."""
        lo_q, hi_q = self.calibrator.bounds(level)
        mult = (self.scales * (self.spread if self.spread is not None else 1.0))[:, None]
        lo, hi = self.mean + mult * lo_q, self.mean + mult * hi_q
        pos = np.array([np.all(s.y >= 0) for s in self.series])
        lo[pos] = np.maximum(lo[pos], 0.0)
        return lo, hi


def _kernel_chunk(tasks: list[tuple[np.ndarray, int]], names: tuple[str, ...]) -> list:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [forecast_kernels(y, h, names) for y, h in tasks]


def _run_tasks(tasks: list[tuple[np.ndarray, int]], names: tuple[str, ...], n_jobs: int
               ) -> list[np.ndarray]:
    if n_jobs == 1 or len(tasks) < 200:
        return _kernel_chunk(tasks, names)
    from joblib import Parallel, delayed

    n_chunks = n_jobs * 4
    bounds = np.linspace(0, len(tasks), n_chunks + 1).astype(int)
    parts = Parallel(n_jobs=n_jobs)(
        delayed(_kernel_chunk)(tasks[a:b], names) for a, b in zip(bounds[:-1], bounds[1:], strict=True)
    )
    return [f for part in parts for f in part]


def fit_batch(series: list[Series], h: int, model: str = "auto", n_jobs: int = 1,
              n_windows: int = 2, pooling: bool = True) -> Fit:
    """Fit the forecaster on a batch of validated series.

    Parameters
    ----------
    series : list of Series
        From ``frames.split_series``.
    h : int
        Forecast horizon (>= 1).
    model : str
        ``"auto"`` or a kernel name (see ``MODELS``).
    n_jobs : int
        Worker processes for the kernel fits.
    n_windows : int
        Validation origins per series.
    pooling : bool
        Shrink short series toward their peers (``pooling.py``).

    Returns
    -------
    Fit
    """
    if model not in MODELS:
        raise UnknownModelError(f"unknown model {model!r}; expected one of {', '.join(MODELS)}")
    names = DEFAULT_POOL if model == "auto" else (("naive", model) if model != "naive"
                                                   else ("naive",))
    tasks, owners = [], []
    for i, s in enumerate(series):
        tasks.append((s.y, h))
        owners.append((i, None))
        for o in validation_origins(len(s.y), h, n_windows):
            tasks.append((s.y[:o], h))
            owners.append((i, o))
    results = _run_tasks(tasks, names, n_jobs)

    final = np.empty((len(series), len(names), h))
    val_f, val_y, val_s, val_e = [], [], [], []
    for (i, o), f in zip(owners, results, strict=True):
        if o is None:
            final[i] = f
            continue
        y = series[i].y
        actual = np.full(h, np.nan)
        seen = y[o:o + h]
        actual[:len(seen)] = seen
        val_f.append(f)
        val_y.append(actual)
        val_s.append(scale_of(y[:o]))
        val_e.append(error_scale(y[:o]))
    val_f = np.array(val_f).reshape(len(val_f), len(names), h)
    val_y = np.array(val_y).reshape(len(val_y), h)
    val_s = np.array(val_s)
    val_e = np.array(val_e)

    if model == "auto":
        combo = choose_combination(val_f, val_y, val_s, names)
    else:
        combo = Combination((model,), "mean")
    mean = combo.apply(final, names)
    val_mean = combo.apply(val_f, names) if len(val_f) else np.empty((0, h))
    errors = (val_y - val_mean) / val_e[:, None] if len(val_f) else np.empty((0, h))
    scales = np.array([error_scale(s.y) for s in series])
    pooled = np.zeros(len(series), dtype=bool)
    spread = np.ones(len(series))
    if pooling and len(series) >= 3:
        mean, spread, pooled = pooled_adjustment(series, mean, scales, SHORT_LENGTH)
    calibrator = fit_calibrator(errors, h)
    return Fit(series=series, h=h, mean=mean, scales=scales, combination=combo,
               calibrator=calibrator, val_errors=errors, pooled=pooled, spread=spread)
