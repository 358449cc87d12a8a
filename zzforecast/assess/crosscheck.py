"""A second opinion on the city and provincial totals from the models engineer's nowcast.

The joint simulation builds totals bottom-up from cluster paths. :func:`nowcast_check`
instead aggregates the clusters' year-to-date data into one series per scope (comparable
basis: ``sum((1 + g_c) C_c(m, t-1)) / sum(C_c(m, t-1)) - 1``) and runs
:func:`zzforecast.estimate.nowcast.nowcast` on it, a top-down model calibrated on the series' own
rolling-origin errors. When the two disagree a lot, read both with care.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.schemas import CITY_SCOPE, MONTHLY_INDICATORS, PROVINCIAL_SCOPE
from ..data.vintages import as_published, release_lags_of
from ..estimate.nowcast import nowcast
from ..exceptions import UserError

__all__ = ["scope_ytd_series", "nowcast_check"]

_INDICATORS = MONTHLY_INDICATORS  # the year-to-date indicators the nowcast checks


def scope_ytd_series(simulation, observations: pd.DataFrame,
                     scopes=(CITY_SCOPE, PROVINCIAL_SCOPE)) -> pd.DataFrame:
    """Year-to-date series of each scope, aggregated from the simulated clusters' data.

    Returns
    -------
    pandas.DataFrame
        ``unique_id`` (``<scope>_<indicator>``), ``ds`` (month end), ``cum_value`` (sum of
        the clusters' cumulative levels) and ``cum_growth`` (comparable-basis growth of the
        sum), using in each month the clusters that report both years.
    """
    obs = observations[(observations["frequency"] == "monthly_ytd")
                       & observations["indicator"].isin(_INDICATORS)
                       & observations["cluster_id"].isin(simulation.cluster_ids)]
    if obs.empty:
        return pd.DataFrame(columns=["unique_id", "ds", "cum_value", "cum_growth"])
    obs = obs.assign(year=obs["period"].str[:4].astype(int),
                     month=obs["period"].str[5:7].astype(int))
    wide = obs.pivot_table(index=["indicator", "cluster_id", "month", "year"],
                           columns="measure", values="value").reset_index()
    prev = wide[["indicator", "cluster_id", "month", "year", "level"]].assign(
        year=lambda d: d["year"] + 1).rename(columns={"level": "level_prev"})
    both = wide.merge(prev, on=["indicator", "cluster_id", "month", "year"], how="inner")
    if "growth" not in both.columns:
        return pd.DataFrame(columns=["unique_id", "ds", "cum_value", "cum_growth"])
    both = both.dropna(subset=["level", "level_prev", "growth"])
    levels = dict(zip(simulation.cluster_ids, simulation.cluster_levels, strict=True))
    frames = []
    for scope in scopes:
        part = both if scope == CITY_SCOPE else both[both["cluster_id"].map(levels) == scope]
        if part.empty:
            continue
        part = part.assign(comparable=(1 + part["growth"]) * part["level_prev"])
        agg = part.groupby(["indicator", "year", "month"], sort=True).agg(
            cum_value=("level", "sum"), comparable=("comparable", "sum"),
            base=("level_prev", "sum")).reset_index()
        agg["cum_growth"] = agg["comparable"] / agg["base"] - 1
        agg["unique_id"] = scope + "_" + agg["indicator"]
        agg["ds"] = pd.to_datetime(dict(year=agg["year"], month=agg["month"], day=1)) \
            + pd.offsets.MonthEnd(0)
        frames.append(agg[["unique_id", "ds", "cum_value", "cum_growth"]])
    if not frames:
        return pd.DataFrame(columns=["unique_id", "ds", "cum_value", "cum_growth"])
    return pd.concat(frames, ignore_index=True)


def nowcast_check(simulation, bundle, *, level: int = 80) -> pd.DataFrame:
    """Compare the simulated totals with the top-down nowcast of the same scopes.

    Returns
    -------
    pandas.DataFrame
        ``scope, indicator, target, sim_mean, sim_lo, sim_hi, sim_p_attain,
        nowcast_mean, nowcast_lo, nowcast_hi, nowcast_p_attain`` (growth fractions; the
        interval is the central ``level`` %), one row per scope and indicator with a
        growth target. Empty when the data are missing; empty with ``attrs["skipped"]``
        (the reason) when the totals cannot be nowcast.
    """
    cols = ["scope", "indicator", "target", "sim_mean", "sim_lo", "sim_hi", "sim_p_attain",
            "nowcast_mean", "nowcast_lo", "nowcast_hi", "nowcast_p_attain"]
    targets = {(t.scope, t.indicator): float(t.value) for t in (bundle.targets or [])
               if t.kind == "growth" and t.indicator in _INDICATORS
               and t.scope in (CITY_SCOPE, PROVINCIAL_SCOPE)}
    # only what was published by the simulation's as-of (data/vintages.py)
    observations = as_published(bundle.observations, simulation.as_of,
                                release_lags_of(bundle))
    series = scope_ytd_series(simulation, observations)
    if series.empty or not targets:
        return pd.DataFrame(columns=cols)
    series = series[series["unique_id"].isin([f"{s}_{i}" for s, i in targets])]
    thresholds = tuple(sorted(set(targets.values())))
    try:
        result = nowcast(series, simulation.as_of, level=(level,), thresholds=thresholds,
                         n_paths=simulation.n_paths, seed=simulation.seed)
    except UserError as exc:  # the totals cannot be nowcast (e.g. too few years before
        # as_of): the cross-check is left out and says why; the assessment stands.
        empty = pd.DataFrame(columns=cols)
        empty.attrs["skipped"] = " ".join(str(exc).split())
        return empty
    result = result.set_index("unique_id")
    lo_q, hi_q = (100 - level) / 200, 1 - (100 - level) / 200
    rows = []
    for (scope, ind), target in sorted(targets.items()):
        uid = f"{scope}_{ind}"
        if uid not in result.index or ind not in simulation.indicators:
            continue
        g = simulation.total(scope).growth[:, simulation.indicators.index(ind)]
        g = g[np.isfinite(g)]
        if not g.size:
            continue
        r = result.loc[uid]
        p_col = [c for c in result.columns if c.startswith("p_ge_")
                 and abs(float(c[5:]) - target) < 1e-12]
        rows.append({
            "scope": scope, "indicator": ind, "target": target,
            "sim_mean": float(g.mean()), "sim_lo": float(np.quantile(g, lo_q)),
            "sim_hi": float(np.quantile(g, hi_q)), "sim_p_attain": float(np.mean(g >= target)),
            "nowcast_mean": float(r["mean"]), "nowcast_lo": float(r[f"lo-{level}"]),
            "nowcast_hi": float(r[f"hi-{level}"]),
            "nowcast_p_attain": float(r[p_col[0]]) if p_col else np.nan,
        })
    return pd.DataFrame(rows, columns=cols)
