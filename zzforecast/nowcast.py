"""Nowcasting the full year from monthly year-to-date data (1–m月累计).

For a year Y and the latest month m seen by ``as_of``, with published cumulative growth
g(m) (comparable basis) and cumulative shares s_t(m) = C(m, t) / C(12, t) (within-year
ratios of levels, which share a scope), full-year growth is

    1 + G(Y) = (1 + g(m)) * s_{Y-1}(m) / s_Y(m) = (1 + g(m)) * exp(r),

where r is the log change of the year's back-loading between last year and this year.
The rule "the year-to-date growth carries to year end" assumes r = 0. Here r is
predicted as the average of two damped estimates, each from the five most recent years
before Y: (a) minus half the mean year-on-year change of the log share log s_t(m)
(levels), (b) half the mean of the published log ratios log((1 + G_t) / (1 + g_t(m)))
(growth). Uncertainty comes from the out-of-sample errors of that prediction in earlier
years (a rolling origin per year, same month): today's spread is the exponentially
weighted root mean square of the earlier errors at the same month (the weight halves with
each year of age, so a volatile decade stops dominating the spread of calmer years), and
the shape comes from a conformal recalibration: every past error divided by the spread
known at its time (pooled over months, centred), resampled with kernel smoothing. With
fewer than 20 such standardised errors a Student-t (5 degrees of freedom) is used; with
fewer than three errors, a default spread by month. Everything uses only rows with
``ds <= as_of``.

Measured on the national FAI series (NBS, 1994–2016, benchmarks/nowcast_national.py):
see docs/models.md for the coverage and Brier-score tables.
"""

from __future__ import annotations

import sys
import types

import numpy as np
import pandas as pd

from .exceptions import DataError, Problem, UserError

__all__ = ["nowcast", "nowcast_paths", "required_growth", "DEFAULT_SIGMA", "REQUIRED_COLUMNS"]

REQUIRED_COLUMNS = ("unique_id", "ds", "cum_value", "cum_growth")

# Spread (standard deviation of r) by latest month m when a series has too little history
# of its own: about 1.25 x the mean absolute prediction error measured on national FAI.
# Index 0 is "no data yet this year" (full-year growth from last year's).
DEFAULT_SIGMA = {0: 0.08, 2: 0.06, 3: 0.045, 4: 0.038, 5: 0.031, 6: 0.026, 7: 0.022,
                 8: 0.019, 9: 0.016, 10: 0.015, 11: 0.013, 12: 0.0}

N_RECENT = 5  # years used to predict the change in back-loading
DAMPING = 0.5  # weight on the recent mean change (0 = the carry rule)
MIN_ERRORS = 3
MIN_ERRORS_Z = 6  # earlier errors behind a spread before its z-score is pooled
MIN_Z = 20  # standardised past errors needed for the conformal recalibration
T_DF = 5  # degrees of freedom of the error distribution
MAX_ERRORS = 10  # most recent year-on-year changes behind the January spread
# Yearly decay of the weights of past errors in the spread. Chosen among 0.5-0.9 and the
# former robust spread of the last ten errors by the Brier score of rolling-origin
# nowcasts of target years 1996-1999 (before the 2000-2016 test years), and again by that
# score over all earlier years at every origin: both pick 0.5 (docs/models.md).
ERROR_DECAY = 0.5


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


def _as_of(as_of) -> pd.Timestamp:
    try:
        p = pd.Period(as_of, freq="M")
    except (ValueError, TypeError) as exc:
        raise UserError(f"as_of must be a month like 2017-07, got {as_of!r}") from exc
    return p.to_timestamp(how="end").normalize()


def _validate(df: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"expected a DataFrame with columns {', '.join(REQUIRED_COLUMNS)}")
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise DataError([Problem("<input>", None, c, "required column is missing")
                         for c in missing])
    d = df[list(REQUIRED_COLUMNS)].copy()
    problems = []
    d["ds"] = pd.to_datetime(d["ds"], errors="coerce")
    for col in ("cum_value", "cum_growth"):
        num = pd.to_numeric(d[col], errors="coerce")
        bad = num.isna() & d[col].notna()
        for i in d.index[bad][:3]:
            problems.append(Problem("<input>", None, col,
                                    f"series '{d.at[i, 'unique_id']}': non-numeric value "
                                    f"{d.at[i, col]!r}"))
        d[col] = num
    for i in d.index[d["ds"].isna()][:3]:
        problems.append(Problem("<input>", None, "ds",
                                f"series '{d.at[i, 'unique_id']}': unparsable date"))
    if problems:
        raise DataError(problems)
    d["ds"] = d["ds"] + pd.offsets.MonthEnd(0)
    for uid, g in d.groupby("unique_id", sort=False):
        if g["ds"].duplicated().any():
            problems.append(Problem("<input>", None, "ds", f"series '{uid}': duplicated ds "
                                    f"{g.loc[g['ds'].duplicated(), 'ds'].iloc[0]:%Y-%m}"))
        if (g["ds"].dt.month == 1).any():
            problems.append(Problem("<input>", None, "ds", f"series '{uid}': a January row; "
                                    "January is published only with February (1–2月)"))
        big = g["cum_growth"].abs() > 3
        if big.any():
            problems.append(Problem("<input>", None, "cum_growth",
                                    f"series '{uid}': growth {g.loc[big, 'cum_growth'].iloc[0]}"
                                    " looks like percent; growth must be a fraction"))
    if problems:
        raise DataError(problems)
    d["year"] = d["ds"].dt.year
    d["month"] = d["ds"].dt.month
    return d


def _tables(g: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    lv = g.pivot(index="year", columns="month", values="cum_value").reindex(
        columns=range(2, 13))
    gr = g.pivot(index="year", columns="month", values="cum_growth").reindex(
        columns=range(2, 13))
    return lv, gr


def _history(lv: pd.DataFrame, gr: pd.DataFrame) -> dict:
    """Rolling-origin predictions and errors of r for every year row and month 2..11.

    Row i's prediction uses rows before i only. Returns arrays indexed [row, month - 2]:
    ``pred``, ``err`` (realised minus predicted, NaN when unknown), ``sigma`` (root mean
    square of the same month's earlier errors, weighted ``ERROR_DECAY ** age`` in years)
    and ``z`` (err / sigma).
    """
    years = lv.index.to_numpy()
    levels = lv.to_numpy(dtype=float)
    growth = gr.to_numpy(dtype=float)
    n = len(years)
    with np.errstate(invalid="ignore", divide="ignore"):
        log_share = np.log(levels[:, :10] / levels[:, 10:11])
        ratio = np.log((1 + growth[:, 10:11]) / (1 + growth[:, :10]))
    change = np.vstack([np.full((1, 10), np.nan), np.diff(log_share, axis=0)])
    pred = np.zeros((n, 10))
    for i in range(n):
        for j in range(10):
            parts = []
            c = change[:i, j]
            c = c[np.isfinite(c)][-N_RECENT:]
            if len(c):
                parts.append(-DAMPING * float(c.mean()))
            r = ratio[:i, j]
            r = r[np.isfinite(r)][-N_RECENT:]
            if len(r):
                parts.append(DAMPING * float(r.mean()))
            pred[i, j] = float(np.mean(parts)) if parts else 0.0
    has_prev = np.isin(years - 1, years)[:, None]
    err = np.where(np.isfinite(ratio) & has_prev, ratio - pred, np.nan)
    sigma = np.full((n, 10), np.nan)
    for i in range(n):
        for j in range(10):
            known = np.isfinite(err[:i, j])
            if known.sum() >= MIN_ERRORS:
                weight = ERROR_DECAY ** (years[i] - years[:i][known])
                mean_square = float(np.sum(weight * err[:i, j][known] ** 2) / weight.sum())
                sigma[i, j] = max(np.sqrt(mean_square), 0.25 * DEFAULT_SIGMA[j + 2])
    counts = np.vstack([np.zeros((1, 10)), np.cumsum(np.isfinite(err), axis=0)[:-1]])
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(counts >= MIN_ERRORS_Z, err / sigma, np.nan)
    return {"years": years, "pred": pred, "err": err, "sigma": sigma, "z": z}


def _series_nowcast(uid, g: pd.DataFrame, as_of: pd.Timestamp) -> dict:
    """Point prediction, spread and standardised past errors for one series."""
    year = as_of.year
    lv, gr = _tables(g)
    this = g[g["year"] == year]
    if len(this):
        m = int(this["month"].max())
        gm = float(this.loc[this["month"] == m, "cum_growth"].iloc[0])
        if not np.isfinite(gm):
            raise DataError([Problem("<input>", None, "cum_growth",
                                     f"series '{uid}': no published growth for {year}-{m:02d}")])
    else:
        m, gm = 0, np.nan
    info = {"unique_id": uid, "year": year, "month": m, "ytd_growth": gm,
            "z": np.zeros(0), "sigma": np.nan}
    if m == 12:
        info.update(mu=np.log1p(gm), sigma=0.0)
        return info
    if m == 0:
        annual = gr[12].dropna()
        annual = annual[annual.index < year]
        if len(annual) < 1:
            raise DataError([Problem("<input>", None, "cum_growth",
                                     f"series '{uid}': no data for {year} by {as_of:%Y-%m} "
                                     "and no earlier full-year growth to start from")])
        changes = np.log1p(annual).diff().dropna().to_numpy()[-MAX_ERRORS:]
        sigma = 1.4826 * float(np.median(np.abs(changes - np.median(changes)))) \
            if len(changes) >= MIN_ERRORS else DEFAULT_SIGMA[0]
        info.update(mu=np.log1p(float(annual.iloc[-1])), sigma=max(sigma, 0.01))
        return info
    hist = _history(lv, gr)
    row = int(np.nonzero(hist["years"] == year)[0][0])
    j = m - 2
    sigma = hist["sigma"][row, j]
    info.update(mu=np.log1p(gm) + hist["pred"][row, j],
                sigma=float(sigma) if np.isfinite(sigma) else DEFAULT_SIGMA.get(m, 0.03))
    z = hist["z"][:row]
    info["z"] = z[np.isfinite(z)]
    info["last_cum"] = float(lv.at[year - 1, m]) if (year - 1) in lv.index else np.nan
    info["last_annual"] = float(lv.at[year - 1, 12]) if (year - 1) in lv.index else np.nan
    return info


def _draw(info: dict, n_paths: int, rng: np.random.Generator) -> np.ndarray:
    """Draws of log(1 + full-year growth)."""
    if info["month"] == 12:
        return np.full(n_paths, info["mu"])
    z = info["z"]
    if len(z) >= MIN_Z:
        # Conformal recalibration: past errors standardised by the spread that was known
        # at the time, resampled with kernel smoothing, times today's spread.
        z = z - np.median(z)  # spread and shape from the past; the centre stays mu
        # Silverman's bandwidth, at least a quarter of today's spread (identical past
        # errors must not give a zero-width interval).
        bw = max(1.06 * float(np.std(z)) * len(z) ** (-0.2), 0.25)
        draws = rng.choice(z, size=n_paths) + bw * rng.standard_normal(n_paths)
        return info["mu"] + info["sigma"] * draws
    return info["mu"] + info["sigma"] * rng.standard_t(T_DF, size=n_paths)


def nowcast_paths(df: pd.DataFrame, as_of, n_paths: int = 10000, seed: int = 0
                  ) -> pd.DataFrame:
    """Simulated full-year growth for each series (the draws behind ``nowcast``).

    Returns
    -------
    pandas.DataFrame
        ``unique_id``, ``year``, ``month`` (latest month used; 0 when the year has no
        release yet), ``sample_id``, ``growth`` (full-year growth, fraction).
    """
    d, as_of_ts, rng = _prepare(df, as_of, n_paths, seed)
    frames = []
    for uid, g in d.groupby("unique_id", sort=False):
        info = _series_nowcast(uid, g, as_of_ts)
        draws = np.expm1(_draw(info, n_paths, rng))
        frames.append(pd.DataFrame({"unique_id": uid, "year": info["year"],
                                    "month": info["month"], "sample_id": np.arange(n_paths),
                                    "growth": draws}))
    return pd.concat(frames, ignore_index=True)


def _prepare(df, as_of, n_paths, seed):
    if not isinstance(n_paths, int | np.integer) or n_paths < 1:
        raise UserError(f"n_paths must be a positive integer, got {n_paths!r}")
    as_of_ts = _as_of(as_of)
    d = _validate(df)
    d = d[d["ds"] <= as_of_ts]
    if d.empty:
        raise DataError(f"no rows on or before as_of {as_of_ts:%Y-%m}")
    return d, as_of_ts, np.random.default_rng(seed)


def nowcast(df: pd.DataFrame, as_of, level=(80, 95), thresholds=(), n_paths: int = 10000,
            seed: int = 0) -> pd.DataFrame:
    """Full-year growth from year-to-date data, with intervals and threshold probabilities.

    Parameters
    ----------
    df : pandas.DataFrame
        Long frame ``unique_id``, ``ds`` (month end; February stands for January–February,
        January rows are rejected), ``cum_value`` (cumulative level, comparable only
        within a year) and ``cum_growth`` (published cumulative growth, fraction).
    as_of : str or Timestamp
        Data vintage, e.g. ``"2017-07"``; only rows with ``ds <= as_of`` are used, and
        the nowcast is for the year of ``as_of``.
    level : sequence of float
        Interval levels in percent.
    thresholds : sequence of float
        Growth thresholds (fractions) for ``p_ge_<t>`` and ``required_<t>``.
    n_paths : int
        Monte-Carlo draws per series.
    seed : int
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    pandas.DataFrame
        One row per series: ``unique_id``, ``year``, ``as_of`` (YYYY-MM), ``month``
        (latest month used, 0 if none yet this year), ``ytd_growth``, ``mean``,
        ``lo-<L>`` / ``hi-<L>``, and per threshold t: ``p_ge_<t>`` (probability that
        full-year growth >= t) and ``required_<t>`` (growth the remaining months must
        deliver over the same months last year; NaN when not defined).

    Raises
    ------
    ValueError
        (``DataError``) naming the series for non-numeric values, duplicated months,
        January rows, percent-looking growth, or no usable history.
    """
    level = tuple(level)
    for lv in level:
        if not 0 < float(lv) < 100:
            raise UserError(f"level must be between 0 and 100, got {lv!r}")
    thresholds = tuple(float(t) for t in thresholds)
    d, as_of_ts, rng = _prepare(df, as_of, n_paths, seed)
    rows = []
    for uid, g in d.groupby("unique_id", sort=False):
        info = _series_nowcast(uid, g, as_of_ts)
        draws = np.expm1(_draw(info, n_paths, rng))
        row = {"unique_id": uid, "year": info["year"], "as_of": f"{as_of_ts:%Y-%m}",
               "month": info["month"], "ytd_growth": info["ytd_growth"],
               "mean": float(draws.mean())}
        for lv in level:
            a = (1 - float(lv) / 100) / 2
            row[f"lo-{lv:g}"] = float(np.quantile(draws, a))
            row[f"hi-{lv:g}"] = float(np.quantile(draws, 1 - a))
        for t in thresholds:
            row[f"p_ge_{t:g}"] = float(np.mean(draws >= t - 1e-12))
            c_last = info.get("last_cum", np.nan)
            a_last = info.get("last_annual", np.nan)
            if info["month"] in (0, 12) or not np.isfinite(c_last):
                row[f"required_{t:g}"] = np.nan if info["month"] else t
            else:
                row[f"required_{t:g}"] = float(required_growth(
                    t, (1 + info["ytd_growth"]) * c_last, a_last, c_last))
        rows.append(row)
    return pd.DataFrame(rows)


class _CallableModule(types.ModuleType):
    """Lets ``zzforecast.nowcast`` be called even when it names this module.

    ``import zzforecast.nowcast`` binds the module to the package attribute that the
    public function ``zzforecast.nowcast`` shares; calling the module calls the function.
    """

    def __call__(self, *args, **kwargs):
        return nowcast(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
