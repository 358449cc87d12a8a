"""Nowcasting the full year from monthly year-to-date data (1–m月累计).

The nowcast is the within-year model of :mod:`zzforecast.estimate.ytd` applied to any long
frame: fitted on the complete years before the year of ``as_of`` (every series in the frame
pooled), it gives each series' predictive distribution of full-year growth from its latest
published month. Intervals and threshold probabilities are read from that distribution
directly (no Monte Carlo noise); ``nowcast_paths`` draws from it. The same model feeds the
attainability engine, so the nowcast is its top-down cross-check, not a second opinion with
other assumptions. Only rows with ``ds <= as_of`` are used; levels, where given, only
within a year (for the required growth of the remaining months).

Measured in real time on the national series in ../shared/data (NBS): docs/models.md and
``zzforecast backtest --dataset ytd``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.asof import as_of_month_end
from ..exceptions import DataError, UserError
from .ytd import YearToDateModel
from .ytd_frame import check_ytd_frame

__all__ = ["nowcast", "nowcast_paths", "required_growth", "REQUIRED_COLUMNS"]

REQUIRED_COLUMNS = ("unique_id", "ds", "cum_value", "cum_growth")


def required_growth(target_growth, cum_now, annual_last, cum_last):
    """Growth the remaining months must deliver to reach a full-year growth target.

    To grow ``target_growth`` for the year from cumulative ``cum_now`` after month m, the
    months m+1..12 must deliver (1 + g*) A(t-1) - C(m, t), which is growth of

        [(1 + g*) A(t-1) - C(m, t)] / [A(t-1) - C(m, t-1)] - 1

    over the same months last year (DESIGN.md section 1). Levels must be on one basis:
    with published data, pass ``cum_now = (1 + g(m)) * cum_last`` (the comparable-basis
    level), as ``nowcast`` does.

    Parameters
    ----------
    target_growth, cum_now, annual_last, cum_last : float or array_like
        Broadcast together: g* (fraction), C(m, t), A(t-1), C(m, t-1).

    Returns
    -------
    numpy.ndarray or float
        Required growth as a fraction; NaN where last year's remaining months are zero or
        negative (e.g. after December).
    """
    g = np.asarray(target_growth, dtype=float)
    c_now = np.asarray(cum_now, dtype=float)
    a_last = np.asarray(annual_last, dtype=float)
    c_last = np.asarray(cum_last, dtype=float)
    rest_last = a_last - c_last
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(rest_last > 0, ((1 + g) * a_last - c_now) / rest_last - 1, np.nan)
    return out.item() if out.ndim == 0 else out


def _check_args(n_paths, level=(), thresholds=()):
    if isinstance(n_paths, bool) or not isinstance(n_paths, int | np.integer) or n_paths < 1:
        raise UserError(f"n_paths must be a positive integer, got {n_paths!r}")
    for lv in level:
        try:
            ok = 0 < float(lv) < 100
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise UserError(f"level must be a number between 0 and 100, got {lv!r}")
    out = []
    for t in thresholds:
        try:
            value = float(t)
        except (TypeError, ValueError):
            raise UserError(f"thresholds must be numbers (fractions), got {t!r}") from None
        if not np.isfinite(value) or value <= -1:
            raise UserError(f"threshold {t!r} is not a growth rate above -100%")
        if abs(value) > 3:
            raise UserError(f"threshold {t!r} looks like percent; thresholds are fractions "
                            "(0.13 for 13%)")
        out.append(value)
    return tuple(out)


def _fit_predict(df, as_of, model):
    as_of_ts = as_of_month_end(as_of)
    d = check_ytd_frame(df)
    d = d[d["ds"] <= as_of_ts]
    if d.empty:
        raise DataError(f"no rows on or before as_of {as_of_ts:%Y-%m}")
    year = as_of_ts.year
    if d["year"].max() < year - 1:
        raise DataError(f"the data end in {d['year'].max()}: nothing was published for "
                        f"{year - 1} or {year} by {as_of_ts:%Y-%m}")
    fitted = (model if model is not None else YearToDateModel())
    fitted = type(fitted)(**fitted.get_params()).fit(d, before=year)
    pred = fitted.predict(d[d["year"] == year])
    pred = pred[pred["unique_id"].isin(d["unique_id"].unique())].reset_index(drop=True)
    return d, as_of_ts, fitted, pred


def nowcast_paths(df: pd.DataFrame, as_of, n_paths: int = 10000, seed: int = 0, *,
                  model: YearToDateModel | None = None) -> pd.DataFrame:
    """Simulated full-year growth for each series (draws from the ``nowcast`` distribution).

    Returns
    -------
    pandas.DataFrame
        ``unique_id``, ``year``, ``month`` (latest month used; 0 when the year has no
        release yet), ``sample_id``, ``growth`` (full-year growth, fraction).
    """
    _check_args(n_paths)
    _, _, fitted, pred = _fit_predict(df, as_of, model)
    draws = fitted.sample(pred, int(n_paths), np.random.default_rng(seed))
    return pd.DataFrame({
        "unique_id": np.repeat(pred["unique_id"].to_numpy(), n_paths),
        "year": np.repeat(pred["year"].to_numpy(), n_paths),
        "month": np.repeat(pred["month"].to_numpy(), n_paths),
        "sample_id": np.tile(np.arange(n_paths), len(pred)),
        "growth": draws.reshape(-1)})


def nowcast(df: pd.DataFrame, as_of, level=(80, 95), thresholds=(), n_paths: int = 10000,
            seed: int = 0, *, model: YearToDateModel | None = None) -> pd.DataFrame:
    """Full-year growth from year-to-date data, with intervals and threshold probabilities.

    Parameters
    ----------
    df : pandas.DataFrame
        Long frame ``unique_id``, ``ds`` (month end; February stands for January–February,
        January rows are rejected), ``cum_growth`` (published cumulative growth, fraction)
        and optionally ``cum_value`` (cumulative level, comparable only within a year).
    as_of : str or Timestamp
        Data vintage, e.g. ``"2017-07"``; only rows with ``ds <= as_of`` are used, and the
        nowcast is for the year of ``as_of``.
    level : sequence of float
        Interval levels in percent.
    thresholds : sequence of float
        Growth thresholds (fractions) for ``p_ge_<t>`` and ``required_<t>``.
    n_paths, seed : int
        Kept for the API's shape; the distribution is read exactly (see
        :func:`nowcast_paths` for draws).
    model : YearToDateModel, optional
        The within-year model (its parameters; default ``YearToDateModel()``).

    Returns
    -------
    pandas.DataFrame
        One row per series: ``unique_id``, ``year``, ``as_of`` (YYYY-MM), ``month``
        (latest month used, 0 if none yet this year), ``ytd_growth``, ``mean`` (the
        centre: the median of the predictive distribution, whose measured tails give the
        mean no stable value), ``lo-<L>`` / ``hi-<L>``, per threshold t ``p_ge_<t>`` and
        ``required_<t>`` (growth the remaining months must deliver over the same months
        last year; NaN when levels are not given or the year is complete), and
        ``warning`` ("" or why the centre lies outside the growth the year has shown).

    Raises
    ------
    ValueError
        (``DataError`` / ``UserError``) naming the series or argument: non-numeric values,
        duplicated months, January rows, percent-looking growth or thresholds, growth at or
        below -100%, an as-of beyond the data, no usable history.
    """
    level = tuple(level)
    thresholds = _check_args(n_paths, level, thresholds)
    d, as_of_ts, fitted, pred = _fit_predict(df, as_of, model)
    rows = []
    for i, p in pred.iterrows():
        one = pred.iloc[[i]]
        row = {"unique_id": p["unique_id"], "year": int(p["year"]), "as_of": f"{as_of_ts:%Y-%m}",
               "month": int(p["month"]), "ytd_growth": p["ytd_growth"], "mean": p["median"]}
        for lv in level:
            a = (1 - float(lv) / 100) / 2
            lo, hi = fitted.quantile(one, [a, 1 - a])[0]
            row[f"lo-{lv:g}"], row[f"hi-{lv:g}"] = float(lo), float(hi)
        series = d[d["unique_id"] == p["unique_id"]]
        last = series[series["year"] == p["year"] - 1].set_index("month")["cum_value"]
        m = int(p["month"])
        c_last = float(last.get(m, np.nan)) if 2 <= m < 12 else np.nan
        a_last = float(last.get(12, np.nan))
        for t in thresholds:
            row[f"p_ge_{t:g}"] = float(fitted.prob_at_least(one, t)[0])
            if m == 0:
                row[f"required_{t:g}"] = t
            else:
                row[f"required_{t:g}"] = float(required_growth(
                    t, (1 + p["ytd_growth"]) * c_last, a_last, c_last))
        row["warning"] = p["warning"]
        rows.append(row)
    return pd.DataFrame(rows)
