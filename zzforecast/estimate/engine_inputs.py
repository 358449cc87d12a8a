"""Inputs of the joint simulation, estimated from history (see :mod:`zzforecast.simulate.paths`).

As of a data vintage, for every cluster and indicator: last year's level, the cumulative
seasonal share ``s`` and year-to-date growth ``g`` (monthly indicators), and the
predictive distribution of full-year growth from the within-year model
(:class:`zzforecast.estimate.ytd.YearToDateModel`, fitted per indicator on every
cluster's complete years before the target year: centre, spread and the measured shock
distribution); for annual-only indicators, a centre and spread from annual history. Also
the correlation of shocks across every series (Ledoit-Wolf shrinkage toward a
constant-correlation target, :mod:`.shrinkage`, with an equicorrelation fallback when
history is short).
Growth is never derived from levels across years: a series without published growth for
its latest month is left out, with a note. Pandas and scikit-learn live here, outside the
hot loop.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data.asof import parse_as_of
from ..data.schemas import ANNUAL_INDICATORS as _ANNUAL
from ..data.schemas import INDICATORS
from ..data.schemas import MONTHLY_INDICATORS as _MONTHLY
from ..exceptions import DataError, Problem, UserError
from .robust import PROBS
from .shrinkage import shrunk_correlation
from .ytd import YearToDateModel

__all__ = [
    "SimInputs",
    "prepare_inputs",
    "parse_as_of",
    "DEFAULT_RHO",
    "MIN_YEARS_FOR_CORR",
    "MONTHLY_INDICATORS",
    "ANNUAL_INDICATORS",
]

# simulated month by month from year-to-date data / from annual history: both derived from
# the indicator registry (schemas.INDICATORS, ``monthly``)
MONTHLY_INDICATORS = _MONTHLY
ANNUAL_INDICATORS = _ANNUAL
DEFAULT_RHO = 0.5  # equicorrelation used when history is too short to estimate one
MIN_YEARS_FOR_CORR = 3  # distinct past years needed to estimate the correlation
DEFAULT_SURPRISE_SD = 0.05  # sd of remaining-months growth surprise with no history
DEFAULT_ANNUAL_SD = 0.05  # sd of annual growth with no history
SHRINK_K = 3.0  # pseudo-observations of the pooled value in per-cluster estimates
ANNUAL_WINDOW = 5  # years of annual growth used for the centre of annual growth


@dataclass(frozen=True)
class SimInputs:
    """Everything the numpy engine needs, estimated from history (no scenario applied).

    Arrays are indexed ``[cluster, indicator]`` (and ``[..., month]`` with month 1..12 at
    index 0..11). ``ytd_month`` is the last published month of the target year used for
    a series (0 when the series is simulated from its annual history instead).
    """

    cluster_ids: tuple[str, ...]
    cluster_levels: tuple[str, ...]
    indicators: tuple[str, ...]
    year: int
    as_of_month: int
    base: np.ndarray  # A(t-1): last year's annual level (canonical units; NaN unknown)
    ytd_month: np.ndarray  # int, m per series (0: annual model)
    share: np.ndarray  # s = C(m, t-1) / A(t-1)
    ytd_growth: np.ndarray  # g, published year-to-date growth (indicator's basis)
    profile_last: np.ndarray  # C(k, t-1) for k = 1..12 (pooled shares where missing)
    observed: np.ndarray  # C(k, t) published this year for k <= m, NaN elsewhere
    mu: np.ndarray  # centre of r (year-to-date series) or of G (annual model)
    sigma: np.ndarray  # spread of r or of G
    corr: np.ndarray  # correlation of shocks, series flattened indicator-major
    corr_method: str
    n_history: np.ndarray  # years of history behind mu/sigma per series
    deflated: tuple[bool, ...]  # indicator's level is nominal and growth real (IAV)
    notes: tuple[str, ...] = ()  # series left out and why
    # Year-to-date series: log(1 + full-year growth) = g_loc + g_scale * Z, Z with the
    # quantiles shock_quantiles[indicator] at estimate.ytd.PROBS (NaN: annual model).
    g_loc: np.ndarray | None = None
    g_scale: np.ndarray | None = None
    shock_quantiles: np.ndarray | None = None  # (n_indicators, len(PROBS))
    models: dict | None = None  # indicator -> fitted YearToDateModel
    # Indicators whose level is nominal and growth real (IAV): the price change already
    # visible in the year's data, (C(m,t) / C(m,t-1)) / (1 + g(m)) - 1 from published
    # cumulative levels and real growth (NaN where either is missing).
    price_gap: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.cluster_ids), len(self.indicators)


def _period_parts(period) -> tuple[np.ndarray, np.ndarray]:
    text = np.asarray(period, dtype=str)
    years = np.array([int(p[:4]) for p in text], dtype=int)
    months = np.array([int(p[5:7]) if len(p) >= 7 else 12 for p in text], dtype=int)
    return years, months


def _tables(observations, cluster_ids, indicators, year, as_of_month):
    """Dense arrays of the observations we may use as of (year, as_of_month)."""
    obs = observations
    index = {cid: i for i, cid in enumerate(cluster_ids)}
    ind_index = {ind: j for j, ind in enumerate(indicators)}
    years_all, months_all = _period_parts(obs["period"])
    first_year = int(years_all.min()) if len(years_all) else year - 1
    first_year = min(first_year, year - 1)
    n_years = year - first_year + 1
    shape_m = (len(cluster_ids), len(indicators), n_years, 12)
    mlevel = np.full(shape_m, np.nan)
    mgrowth = np.full(shape_m, np.nan)
    alevel = np.full(shape_m[:3], np.nan)
    agrowth = np.full(shape_m[:3], np.nan)
    c_idx = obs["cluster_id"].map(index)
    i_idx = obs["indicator"].map(ind_index)
    keep = c_idx.notna().to_numpy() & i_idx.notna().to_numpy()
    freq = obs["frequency"].to_numpy()
    measure = obs["measure"].to_numpy()
    values = obs["value"].to_numpy(dtype=float)
    monthly = freq == "monthly_ytd"
    # What was known as of the vintage: this year's months up to as_of, and last
    # year's annual figures (this year's annual figure only once the year is over).
    visible = np.where(monthly, (years_all < year) | ((years_all == year) & (months_all <= as_of_month)),
                       (years_all < year) | ((years_all == year) & (as_of_month == 12)))
    keep &= visible & (years_all >= first_year) & (years_all <= year)
    c = c_idx.to_numpy()[keep].astype(int)
    i = i_idx.to_numpy()[keep].astype(int)
    y = years_all[keep] - first_year
    mo = months_all[keep] - 1
    mon = monthly[keep]
    lev = measure[keep] == "level"
    val = values[keep]
    mlevel[c[mon & lev], i[mon & lev], y[mon & lev], mo[mon & lev]] = val[mon & lev]
    mgrowth[c[mon & ~lev], i[mon & ~lev], y[mon & ~lev], mo[mon & ~lev]] = val[mon & ~lev]
    alevel[c[~mon & lev], i[~mon & lev], y[~mon & lev]] = val[~mon & lev]
    agrowth[c[~mon & ~lev], i[~mon & ~lev], y[~mon & ~lev]] = val[~mon & ~lev]
    # Annual level from December's cumulative value where the annual row is missing (the
    # same figure); full-year growth from December's published cumulative growth. Growth
    # is never derived from levels across years (scope changes, revisions; for IAV it
    # would be nominal growth taken for real).
    alevel = np.where(np.isnan(alevel), mlevel[..., 11], alevel)
    agrowth = np.where(np.isnan(agrowth), mgrowth[..., 11], agrowth)
    return first_year, mlevel, mgrowth, alevel, agrowth


def _normal_quantiles() -> np.ndarray:
    from scipy import stats

    return stats.norm.ppf(PROBS)


# The shock distribution of a series with no history to measure one: standard normal.
_NORMAL_Q = _normal_quantiles()


def _shrunk(values: np.ndarray, pooled: float, k: float = SHRINK_K) -> tuple[float, int]:
    """Mean of the finite values shrunk toward ``pooled`` with ``k`` pseudo-observations."""
    v = values[np.isfinite(values)]
    n = v.size
    if n == 0:
        return pooled, 0
    centre = float(v.mean())
    return (n * centre + k * pooled) / (n + k), n


def _shrunk_sd(values: np.ndarray, pooled_sd: float, k: float = SHRINK_K) -> float:
    v = values[np.isfinite(values)]
    n = v.size
    var = float(v.var(ddof=1)) if n >= 2 else pooled_sd**2
    return float(np.sqrt(((n - 1) * var + k * pooled_sd**2) / (n - 1 + k))) if n >= 2 else pooled_sd


def _equicorr(n: int, rho: float = DEFAULT_RHO) -> np.ndarray:
    corr = np.full((n, n), rho)
    np.fill_diagonal(corr, 1.0)
    return corr


def prepare_inputs(clusters, observations, year: int, as_of: str, *,
                   indicators: tuple[str, ...] | None = None, model=None,
                   fitted: dict | None = None, source: str = "observations") -> SimInputs:
    """Estimate the simulation's inputs from the clusters and observations frames.

    Parameters
    ----------
    clusters : pandas.DataFrame
        The cluster registry (``cluster_id``, ``level``).
    observations : pandas.DataFrame
        Long observations (schemas.OBSERVATIONS_COLUMNS) in canonical units, growth as
        fractions; ``period`` is ``YYYY`` (annual) or ``YYYY-MM`` (monthly year-to-date).
    year : int
        The target year.
    as_of : str
        Data vintage ``YYYY-MM`` within ``year``; only data published through it is used.
    indicators : tuple of str, optional
        Indicators to simulate; by default every indicator with data.
    model : YearToDateModel, optional
        The within-year model to fit per monthly indicator (its parameters are used; it is
        not changed). Default ``YearToDateModel()``. Any object with the same ``fit`` /
        ``predict`` / ``shock_quantiles_`` protocol can stand in.
    fitted : dict, optional
        Indicator -> model already fitted on the years before ``year`` (skips the fit).
    source : str
        The observations' file, named in errors.

    Returns
    -------
    SimInputs

    Raises
    ------
    UserError
        For an as-of outside the target year or after the latest data.
    DataError
        When there are no observations at all.

    Notes
    -----
    A series without a positive level for last year cannot have a growth rate; it is
    left out (NaN paths, excluded from totals) and ``SimInputs.notes`` says so.
    """
    as_year, as_month = parse_as_of(as_of)
    if as_year != int(year):
        raise UserError(f"as-of {as_of} is not in the target year {year}; "
                        f"use a month of {year} (e.g. {year}-07)")
    from threadpoolctl import threadpool_limits

    # One BLAS thread: the correlation estimate is then bit-identical on every machine
    # set-up (threaded BLAS may sum in another order), so the same seed gives the same
    # probabilities to the last digit.
    with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
        # nan-aware means over empty slices (clusters or months without history) are
        # expected here and handled explicitly below.
        warnings.simplefilter("ignore", RuntimeWarning)
        return _prepare(clusters, observations, int(year), as_month, indicators,
                        model if model is not None else YearToDateModel(), fitted or {},
                        source)


def _ytd_frame(cluster_ids, mlevel, mgrowth, first_year, j) -> pd.DataFrame:
    """Indicator ``j`` of every cluster as a year-to-date long frame (published months)."""
    c, y, m = np.nonzero(np.isfinite(mgrowth[:, j, :, 1:]))
    m = m + 1  # month index 1..11 is February..December
    return pd.DataFrame({
        "unique_id": np.asarray(cluster_ids, dtype=object)[c],
        "ds": pd.to_datetime({"year": first_year + y, "month": m + 1, "day": 1})
        + pd.offsets.MonthEnd(0),
        "cum_growth": mgrowth[c, j, y, m], "cum_value": mlevel[c, j, y, m]})


def _prepare(clusters, observations, year: int, as_month: int, indicators, model,
             fitted, source) -> SimInputs:
    cluster_ids = tuple(str(c) for c in clusters["cluster_id"])
    levels = tuple(str(v) for v in clusters["level"])
    if indicators is None:
        present = set(observations["indicator"].unique())
        indicators = tuple(i for i in INDICATORS if i in present)
    indicators = tuple(indicators)
    if not indicators:
        raise DataError("no observations for any indicator: nothing to simulate")
    first_year, mlevel, mgrowth, alevel, agrowth = _tables(
        observations, cluster_ids, indicators, year, as_month)
    ty = year - first_year  # index of the target year
    n_c, n_i = len(cluster_ids), len(indicators)
    base = alevel[:, :, ty - 1].copy()
    notes: list[str] = []
    for c, j in zip(*np.where(np.isfinite(base) & (base <= 0)), strict=True):
        notes.append(f"cluster '{cluster_ids[c]}', {indicators[j]}: level {year - 1} is "
                     f"{base[c, j]:g}, not positive; left out (growth undefined)")
        base[c, j] = np.nan
    # Growth-only years (levels no longer published, as for FAI after 2018): last year's
    # level is the last published level carried forward by the published full-year growth
    # since. It weighs the zone in the totals; it is an estimate, never a published level.
    for c, j in zip(*np.where(~np.isfinite(alevel[:, :, ty - 1])), strict=True):
        known = np.nonzero(np.isfinite(alevel[c, j, :ty]) & (alevel[c, j, :ty] > 0))[0]
        if not known.size:
            continue
        k = int(known[-1])
        growth_since = agrowth[c, j, k + 1:ty]
        if growth_since.size and np.isfinite(growth_since).all():
            base[c, j] = float(alevel[c, j, k] * np.prod(1 + growth_since))
            notes.append(f"cluster '{cluster_ids[c]}', {indicators[j]}: no level published "
                         f"for {year - 1}; the {first_year + k} level carried forward by the "
                         f"published growth since ({base[c, j]:,.1f}) weighs it in the totals")
    ytd_month = np.zeros((n_c, n_i), dtype=int)
    share = np.zeros((n_c, n_i))
    ytd_growth = np.zeros((n_c, n_i))
    observed = np.full((n_c, n_i, 12), np.nan)
    profile_last = np.full((n_c, n_i, 12), np.nan)
    mu = np.zeros((n_c, n_i))
    sigma = np.zeros((n_c, n_i))
    n_history = np.zeros((n_c, n_i), dtype=int)
    # Seasonal shares s(k) = C(k, y) / A(y) of every past year, pooled across clusters.
    with np.errstate(invalid="ignore", divide="ignore"):
        shares_hist = mlevel[:, :, :ty, :] / alevel[:, :, :ty, None]
    annual_dev: dict[int, np.ndarray] = {}
    g_loc = np.full((n_c, n_i), np.nan)
    g_scale = np.full((n_c, n_i), np.nan)
    shock_q = np.tile(_NORMAL_Q, (n_i, 1))
    models: dict = {}
    errors: dict[int, pd.DataFrame] = {}
    for j, ind in enumerate(indicators):
        # Any indicator with published year-to-date growth goes through the within-year
        # model (revenue too, where a bureau publishes it monthly); annual history otherwise.
        monthly_ind = bool(np.isfinite(mgrowth[:, j]).any())
        pooled_share = np.nanmean(shares_hist[:, j], axis=(0, 1)) if monthly_ind else np.full(12, np.nan)
        pooled_share = np.where(np.isfinite(pooled_share), pooled_share, (np.arange(1, 13)) / 12.0)
        pooled_share[11] = 1.0
        # Annual growth history (for the annual model and as a fallback).
        ag = agrowth[:, j, :ty]
        window = ag[:, -ANNUAL_WINDOW:]
        pooled_mu = float(np.nanmean(window)) if np.isfinite(window).any() else 0.0
        dev = ag - np.nanmean(ag, axis=1, keepdims=True)
        pooled_sd_a = float(np.sqrt(np.nanmean(dev**2))) if np.isfinite(dev).sum() > n_c else DEFAULT_ANNUAL_SD
        if not np.isfinite(pooled_sd_a) or pooled_sd_a <= 0:
            pooled_sd_a = DEFAULT_ANNUAL_SD
        annual_dev[j] = dev
        pred = None
        if monthly_ind:
            frame = _ytd_frame(cluster_ids, mlevel, mgrowth, first_year, j)
            past = frame[frame["ds"].dt.year < year]
            fm = fitted.get(ind)
            if fm is None and (past["ds"].dt.month == 12).any():
                fm = type(model)(**model.get_params()).fit(past, before=year)
            if fm is not None:
                models[ind] = fm
                shock_q[j] = fm.shock_quantiles_
                errors[j] = fm.errors_
                pred = fm.predict(frame[frame["ds"].dt.year == year]).set_index("unique_id")
        for c in range(n_c):
            if not np.isfinite(base[c, j]):
                has_data = np.isfinite(mlevel[c, j]).any() or np.isfinite(alevel[c, j]).any()
                if has_data and not any(n.startswith(f"cluster '{cluster_ids[c]}', {ind}:")
                                        for n in notes):
                    notes.append(f"cluster '{cluster_ids[c]}', {ind}: no level for {year - 1} "
                                 f"(needed as the base of {year}'s growth); left out")
                continue  # not simulated: NaN paths, excluded from every total
            m_c = 0
            if monthly_ind:
                seen = np.where(np.isfinite(mlevel[c, j, ty, :]) | np.isfinite(mgrowth[c, j, ty, :]))[0]
                if seen.size and np.isfinite(mgrowth[c, j, ty, seen[-1]]):
                    m_c = int(seen[-1]) + 1
                elif seen.size:
                    period = f"{year}-{int(seen[-1]) + 1:02d}"
                    if INDICATORS[ind].growth_price_basis == "real":
                        # Real growth at comparable prices cannot come from nominal levels.
                        raise DataError([Problem(
                            source, None, "value",
                            f"cluster '{cluster_ids[c]}', {ind}, period {period}: a level but "
                            f"no published growth; {ind} growth is real (at comparable "
                            "prices) and is never derived from nominal levels: add the "
                            "growth row")])
                    notes.append(f"cluster '{cluster_ids[c]}', {ind}: no published growth for "
                                 f"{period} (growth is never derived from levels across years); "
                                 "simulated from annual history")
                observed[c, j, :] = mlevel[c, j, ty, :]
                last = mlevel[c, j, ty - 1, :]
                prof = np.where(np.isfinite(last), last, pooled_share * base[c, j])
                prof[11] = base[c, j]
                profile_last[c, j] = prof
            n_history[c, j] = int(np.isfinite(ag[c]).sum())
            if m_c >= 2:
                ytd_month[c, j] = m_c
                share[c, j] = profile_last[c, j, m_c - 1] / base[c, j]
                ytd_growth[c, j] = mgrowth[c, j, ty, m_c - 1]
                if m_c == 12:
                    mu[c, j] = ytd_growth[c, j]
                    continue
                s_c, g_c = share[c, j], ytd_growth[c, j]
                if pred is not None and cluster_ids[c] in pred.index:
                    row = pred.loc[cluster_ids[c]]
                    g_loc[c, j], g_scale[c, j] = float(row["loc"]), float(row["scale"])
                    if row["warning"]:
                        notes.append(f"cluster '{cluster_ids[c]}', {ind}: {row['warning']}")
                else:  # no complete year to learn from: the pace carries, default spread
                    g_loc[c, j], g_scale[c, j] = np.log1p(g_c), DEFAULT_SURPRISE_SD * (1 - s_c)
                # Centre and spread of the remaining months' growth r (G = s g + (1 - s) r),
                # for the months between now and December.
                mu[c, j] = (np.expm1(g_loc[c, j]) - s_c * g_c) / (1 - s_c)
                sigma[c, j] = np.exp(g_loc[c, j]) * g_scale[c, j] / (1 - s_c)
            else:
                m, n = _shrunk(ag[c, -ANNUAL_WINDOW:], pooled_mu, k=2.0)
                mu[c, j] = m
                sigma[c, j] = _shrunk_sd(dev[c], pooled_sd_a) * np.sqrt(1 + 1 / max(n, 1))
                n_history[c, j] = n
                if ind in MONTHLY_INDICATORS:
                    profile_last[c, j] = pooled_share * base[c, j]
    # ---- correlation of shocks across every simulated series: the within-year model's
    # standardised out-of-sample errors (year x month), annual deviations otherwise.
    n_cols = n_c * n_i
    cols_u = []
    years_seen = set()
    for j in range(n_i):
        err = errors.get(j)
        for c in range(n_c):
            col = np.full((ty, 11), np.nan)
            if ytd_month[c, j] >= 2 and err is not None:
                mine = err[err["unique_id"] == cluster_ids[c]]
                yi = mine["year"].to_numpy(int) - first_year
                ok = (yi >= 0) & (yi < ty)
                col[yi[ok], mine["month"].to_numpy(int)[ok] - 2] = mine["z"].to_numpy(float)[ok]
            elif np.isfinite(base[c, j]):
                col[:, :] = annual_dev[j][c][:, None]
            years_seen.update(np.where(np.isfinite(col).any(axis=1))[0].tolist())
            cols_u.append(col.reshape(-1))
    rows = np.stack(cols_u, axis=1) if cols_u else np.zeros((0, 0))
    good_rows = np.isfinite(rows).any(axis=1)
    rows = rows[good_rows]
    if len(years_seen) >= MIN_YEARS_FOR_CORR and n_cols > 1 and rows.shape[0] >= 2:
        corr, method = shrunk_correlation(rows)
    else:
        corr = _equicorr(n_cols)
        method = (f"fallback: one-factor equicorrelation rho={DEFAULT_RHO} "
                  f"({len(years_seen)} past years < {MIN_YEARS_FOR_CORR})")
    deflated = tuple(INDICATORS[i].level_price_basis == "nominal"
                     and INDICATORS[i].growth_price_basis == "real" for i in indicators)
    price_gap = np.full((n_c, n_i), np.nan)
    for c, j in zip(*np.nonzero(ytd_month >= 2), strict=True):
        if deflated[j]:
            m_c = ytd_month[c, j]
            with np.errstate(invalid="ignore", divide="ignore"):
                nominal = mlevel[c, j, ty, m_c - 1] / mlevel[c, j, ty - 1, m_c - 1]
                price_gap[c, j] = nominal / (1 + ytd_growth[c, j]) - 1
    return SimInputs(
        cluster_ids=cluster_ids, cluster_levels=levels, indicators=indicators, year=year,
        as_of_month=as_month, base=base, ytd_month=ytd_month, share=share,
        ytd_growth=ytd_growth, profile_last=profile_last, observed=observed, mu=mu,
        sigma=sigma, corr=corr, corr_method=method, n_history=n_history, deflated=deflated,
        notes=tuple(notes), g_loc=g_loc, g_scale=g_scale, shock_quantiles=shock_q,
        models=models, price_gap=price_gap,
    )
