"""Trajectories beyond the target year: each zone's and the city's path, with intervals.

The target year comes from the attainability engine (its joint paths, path by path); the
years after it from the annual forecasters (:func:`zzforecast.estimate.annual.sample_paths`)
applied to each scope's published full-year growth followed by the engine's median for
the target year, whose intervals are calibrated from their own rolling-origin validation
errors (docs/models.md). Levels are chained from the
simulated target-year level by the forecast growth, so a scope's path starts where the
engine ends the year. The city's history is the base-weighted mean of the zones' published
growth (the same definition as the engine's totals); growth is never derived from levels
across years.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exceptions import UserError

__all__ = ["trajectories", "MIN_ANNUAL_POINTS"]

MIN_ANNUAL_POINTS = 6  # published full-year growth rates the annual forecasters need


def _growth_history(observations: pd.DataFrame, cluster_ids, indicator: str, before: int):
    """Published full-year growth by zone (rows: zones, columns: years before ``before``)."""
    obs = observations[(observations["indicator"] == indicator)
                       & (observations["frequency"] == "annual")]
    years = pd.to_numeric(obs["period"].astype(str).str[:4], errors="coerce")
    obs = obs.assign(year=years)[years < before]
    growth = obs[obs["measure"] == "growth"].pivot_table(
        index="cluster_id", columns="year", values="value", aggfunc="last")
    level = obs[obs["measure"] == "level"].pivot_table(
        index="cluster_id", columns="year", values="value", aggfunc="last")
    return growth.reindex(list(cluster_ids)), level.reindex(list(cluster_ids))


def trajectories(simulation, observations: pd.DataFrame, indicator: str, through: int,
                 level=(80,), scopes=None, seed: int = 0) -> pd.DataFrame:
    """Median and intervals of level and growth for every year from the target year on.

    Parameters
    ----------
    simulation : zzforecast.simulate.simulation.Simulation
        The engine's joint paths for the target year.
    observations : pandas.DataFrame
        The bundle's observations (annual published growth and levels).
    indicator : str
    through : int
        Last year of the path (the target year itself at least).
    level : sequence of float
        Interval levels in percent.
    scopes : list of str, optional
        Zone ids and/or ``city`` (default: every zone and the city).
    seed : int

    Returns
    -------
    pandas.DataFrame
        ``unique_id`` (scope), ``ds`` (year), ``source`` ("engine" for the target year,
        "annual forecaster" after it), ``growth_median``, ``level_median`` and
        ``growth_lo-<L>`` / ``growth_hi-<L>`` / ``level_lo-<L>`` / ``level_hi-<L>``.
        Scopes with fewer than :data:`MIN_ANNUAL_POINTS` published growth rates stop at
        the target year.
    """
    from ..estimate.annual import sample_paths

    year = int(simulation.year)
    if int(through) < year:
        raise UserError(f"through={through} is before the target year {year}")
    j = simulation.indicator_index(indicator)
    scopes = list(simulation.cluster_ids) + ["city"] if scopes is None else list(scopes)
    growth_hist, level_hist = _growth_history(observations, simulation.cluster_ids, indicator,
                                              year)
    series, start = [], {}
    for scope in scopes:
        if scope == "city":
            w = level_hist.shift(1, axis=1)  # last year's level weights this year's growth
            ok = growth_hist.notna() & w.notna()
            hist = (growth_hist.where(ok) * w.where(ok)).sum() / w.where(ok).sum()
            hist = hist[ok.any()]
            tot = simulation.total("city")
            start[scope] = (tot.annual[:, j], tot.growth[:, j])
        else:
            hist = growth_hist.loc[scope].dropna() if scope in growth_hist.index else pd.Series()
            c = simulation.cluster_ids.index(scope)
            start[scope] = (simulation.annual[:, c, j].astype(float),
                            simulation.growth[:, c, j].astype(float))
        if len(hist) >= MIN_ANNUAL_POINTS and int(through) > year:
            # The history ends with the engine's median for the target year (what is known
            # of it by the vintage). The growth factor 1 + g: its floor at 0 (the
            # forecasters keep positive series positive) is growth of -100%, the real bound.
            hist = hist[hist.index < year]
            hist.loc[year] = float(np.nanmedian(start[scope][1]))
            series.append(pd.DataFrame({"unique_id": scope, "ds": hist.index.astype(int),
                                        "y": 1.0 + hist.to_numpy(float)}))
    n_paths = len(next(iter(start.values()))[0])
    future = None
    if series:
        hist_all = pd.concat(series, ignore_index=True)
        h = int(through) - year
        future = sample_paths(hist_all, h=h, n_paths=n_paths, seed=seed)
    rows = []
    for scope in scopes:
        level_p, growth_p = start[scope]
        if not np.isfinite(level_p).any():
            continue
        rows.append(_summary(scope, year, "engine", level_p, growth_p, level))
        if future is None:
            continue
        mine = future[(future["unique_id"] == scope) & (future["ds"] > year)]
        for yr, part in mine.groupby("ds"):
            if int(yr) > int(through):
                break
            g = part.sort_values("sample_id")["y"].to_numpy(float) - 1.0
            level_p = level_p * (1 + g)
            rows.append(_summary(scope, int(yr), "annual forecaster", level_p, g, level))
    return pd.DataFrame(rows)


def _summary(scope, year, source, level_p, growth_p, level) -> dict:
    out = {"unique_id": scope, "ds": year, "source": source,
           "growth_median": float(np.nanmedian(growth_p)),
           "level_median": float(np.nanmedian(level_p))}
    for lv in level:
        a = (1 - float(lv) / 100) / 2
        for name, p in (("growth", growth_p), ("level", level_p)):
            lo, hi = np.nanquantile(p, [a, 1 - a])
            out[f"{name}_lo-{lv:g}"], out[f"{name}_hi-{lv:g}"] = float(lo), float(hi)
    return out
