"""序时进度 (time progress) and each zone's latest month: what a bureau's bulletin shows first.

Pure pandas over the loaded observations and targets; no simulation. For every monthly
indicator (cumulative year-to-date, 1–m月累计) and scope (the city, the provincial subset,
the municipal parks and each zone):

- ``cum_level``: C(m, y), the 1–m月累计 level (the sum of the zones for an aggregate);
- ``cum_growth``: 1–m月累计同比 as published (a zone's own growth row). For an aggregate,
  the zones' published growth rates combined on their comparable bases:
  ``sum C / sum(C / (1 + g)) - 1``, where ``C / (1 + g)`` is the comparable base each
  zone's published growth implies. Levels of different years are never divided;
- ``share_of_target``: C(m, y) / the annual level target (only real targets: the plan's,
  or a zone's entered ``derived=false`` level target);
- ``seasonal_share``: the share a normal year completes by month m, the mean over past
  years y' of C(m, y') / C(12, y') (within-year ratios only; an aggregate sums the same
  zones in numerator and denominator);
- ``last_year_share``: C(m, y-1) / C(12, y-1);
- ``time_share``: m / 12 (时间过半).

A zone's month is its own latest month up to the vintage; an aggregate's month is the
vintage's, and zones without that month are listed in ``missing`` (the total is then
incomplete and says so). :func:`latest_months` gives each zone's latest month and whether
it is behind the vintage ("数据截至" per zone).

Only what was published by the as-of's publication date is used
(:func:`zzforecast.data.vintages.as_published`: a row vintaged later changes nothing), and
where several vintages of the same figure were published by then, the latest.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..data.asof import parse_as_of
from ..data.schemas import CITY_SCOPE, INDICATORS, MUNICIPAL_SCOPE, PROVINCIAL_SCOPE
from ..data.vintages import as_published
from ..exceptions import UserError
from ..i18n import PROGRESS_TEXT
from .cells import format_table, num, pct
from .serialise import clean

__all__ = [
    "PROGRESS_COLUMNS",
    "LATEST_COLUMNS",
    "SEASONAL_YEARS",
    "latest_months",
    "zone_latest",
    "time_progress",
    "progress_records",
    "progress_rows",
    "published_rows",
    "format_progress",
    "format_latest",
]

SEASONAL_YEARS = 5  # past years averaged for the seasonal share ("a normal year")
_AGGREGATES = (CITY_SCOPE, PROVINCIAL_SCOPE, MUNICIPAL_SCOPE)
_MONTHLY = "monthly_ytd"

LATEST_COLUMNS = ("cluster_id", "indicator", "latest_period", "latest_month", "as_of_month",
                  "behind")
PROGRESS_COLUMNS = (
    "indicator", "scope", "month", "period", "behind", "cum_level", "unit", "cum_growth",
    "target_id", "target_level", "share_of_target", "time_share", "seasonal_share",
    "seasonal_years", "last_year_share", "ahead_of_season", "n_zones", "missing",
    "published_level", "published_growth", "level_gap", "growth_gap",
)


def _as_of_parts(year: int, as_of: str) -> tuple[int, int]:
    y, m = parse_as_of(as_of)
    if y != int(year):
        raise UserError(f"as-of {as_of} is not in year {year}")
    return y, m


def _monthly(observations: pd.DataFrame) -> pd.DataFrame:
    """Monthly year-to-date rows with ``year`` and ``month``; the latest vintage of each."""
    obs = observations[observations["frequency"] == _MONTHLY]
    period = obs["period"].astype(str)
    out = obs.assign(year=period.str.slice(0, 4).astype(int),
                     month=period.str.slice(5, 7).astype(int),
                     value=pd.to_numeric(obs["value"], errors="coerce"))
    out = out[np.isfinite(out["value"])]
    keys = ["cluster_id", "indicator", "measure", "year", "month"]
    if "vintage" in out.columns:
        out = out.sort_values([*keys, "vintage"], kind="stable")
    return out.drop_duplicates(keys, keep="last")


def _annual_levels(observations: pd.DataFrame) -> pd.DataFrame:
    obs = observations[(observations["frequency"] == "annual")
                       & (observations["measure"] == "level")]
    out = obs.assign(year=obs["period"].astype(str).str.slice(0, 4).astype(int),
                     value=pd.to_numeric(obs["value"], errors="coerce"))
    keys = ["cluster_id", "indicator", "year"]
    if "vintage" in out.columns:
        out = out.sort_values([*keys, "vintage"], kind="stable")
    return out.drop_duplicates(keys, keep="last")


def latest_months(observations: pd.DataFrame, clusters, year: int, as_of: str,
                  indicators=None, *, lags=None) -> pd.DataFrame:
    """Each zone's latest monthly year-to-date month of ``year`` up to the vintage.

    Parameters
    ----------
    observations : pandas.DataFrame
        Loaded observations (``cluster_id, indicator, measure, frequency, period, value``).
    clusters : pandas.DataFrame or iterable of str
        The registry (``cluster_id``) or the zone ids to report.
    year : int
    as_of : str
        ``YYYY-MM``.
    indicators : iterable of str, optional
        Default: every indicator with monthly data in any year.
    lags : zzforecast.data.vintages.ReleaseLags, optional
        Release lags fixing the as-of's publication date (default: the default lags).

    Returns
    -------
    pandas.DataFrame
        :data:`LATEST_COLUMNS`, one row per zone and indicator: ``latest_period``
        (``YYYY-MM`` or None when the zone has no month of ``year``), ``latest_month``
        (nullable int), ``behind`` (True when the latest month is before the vintage).
    """
    _, m = _as_of_parts(year, as_of)
    ids = list(clusters["cluster_id"]) if isinstance(clusters, pd.DataFrame) else list(clusters)
    monthly = _monthly(as_published(observations, as_of, lags))
    if indicators is None:
        indicators = sorted(set(monthly["indicator"]), key=_indicator_order)
    now = monthly[(monthly["year"] == int(year)) & (monthly["month"] <= m)]
    last = now.groupby(["cluster_id", "indicator"])["month"].max()
    rows = []
    for cid in ids:
        for ind in indicators:
            month = last.get((cid, ind))
            month = None if month is None or pd.isna(month) else int(month)
            rows.append({"cluster_id": cid, "indicator": ind,
                         "latest_period": None if month is None else f"{int(year)}-{month:02d}",
                         "latest_month": month, "as_of_month": m,
                         "behind": month is None or month < m})
    out = pd.DataFrame(rows, columns=list(LATEST_COLUMNS))
    out["latest_month"] = out["latest_month"].astype("Int64")
    return out


def zone_latest(latest: pd.DataFrame) -> pd.DataFrame:
    """One row per zone: its latest month (the stalest of its indicators) and the flag.

    Returns
    -------
    pandas.DataFrame
        ``cluster_id, latest_period, latest_month, behind, by_indicator`` (dict indicator
        -> ``YYYY-MM`` or None).
    """
    rows = []
    for cid, part in latest.groupby("cluster_id", sort=False):
        months = part["latest_month"]
        known = months.dropna()
        month = int(known.min()) if len(known) == len(part) and len(part) else None
        year_text = next((p[:4] for p in part["latest_period"] if p), None)
        rows.append({
            "cluster_id": cid,
            "latest_period": None if month is None or year_text is None
            else f"{year_text}-{month:02d}",
            "latest_month": month, "behind": bool(part["behind"].any()),
            "by_indicator": dict(zip(part["indicator"], part["latest_period"], strict=True)),
        })
    out = pd.DataFrame(rows, columns=["cluster_id", "latest_period", "latest_month", "behind",
                                      "by_indicator"])
    out["latest_month"] = out["latest_month"].astype("Int64")
    return out


def _indicator_order(ind: str) -> tuple[int, str]:
    order = list(INDICATORS)
    return (order.index(ind) if ind in order else len(order), ind)


def _level_targets(targets, cluster_targets, year: int) -> dict[tuple[str, str], tuple]:
    """(scope, indicator) -> (target_id, value) for real annual level targets."""
    out: dict[tuple[str, str], tuple] = {}
    for t in targets or []:
        if t.kind == "level" and not getattr(t, "derived", False) and t.comparison != "<=":
            out.setdefault((t.scope, t.indicator), (t.id, float(t.value)))
    if cluster_targets is not None and len(cluster_targets):
        table = cluster_targets
        if "year" in table.columns:
            table = table[pd.to_numeric(table["year"], errors="coerce").fillna(year) == year]
        for rec in table.itertuples(index=False):
            derived = str(rec.derived).strip().lower() in ("true", "1", "1.0")
            if rec.kind == "level" and not derived:
                out.setdefault((rec.cluster_id, rec.indicator),
                               (f"{rec.cluster_id}_{rec.indicator}_level", float(rec.value)))
    return out


def _ratio(num: float, den: float) -> float | None:
    if den is None or num is None or not math.isfinite(den) or den <= 0 or not math.isfinite(num):
        return None
    return float(num / den)


def time_progress(observations: pd.DataFrame, clusters: pd.DataFrame, targets, year: int,
                  as_of: str, *, cluster_targets: pd.DataFrame | None = None,
                  published: pd.DataFrame | None = None,
                  seasonal_years: int = SEASONAL_YEARS, lags=None) -> pd.DataFrame:
    """序时进度 of every monthly indicator and scope as of a vintage (see the module doc).

    Parameters
    ----------
    observations : pandas.DataFrame
        Loaded observations.
    clusters : pandas.DataFrame
        The registry (``cluster_id``, ``level``).
    targets : list of zzforecast.data.targets.Target
        The plan's registry (level targets at city / provincial / municipal scope).
    year : int
    as_of : str
        ``YYYY-MM``.
    cluster_targets : pandas.DataFrame, optional
        Per-zone targets; only entered level rows (``derived=false``) count.
    published : pandas.DataFrame, optional
        The city's and the provincial subset's own published figures
        (:func:`zzforecast.data.published.load_published_totals`); shown beside the sum
        of the zones with the gap.
    seasonal_years : int
        How many past years make "a normal year" (default 5).
    lags : zzforecast.data.vintages.ReleaseLags, optional
        Release lags fixing the as-of's publication date: only observations and published
        totals vintaged by then are used (default: the default lags).

    Returns
    -------
    pandas.DataFrame
        :data:`PROGRESS_COLUMNS`, one row per indicator and scope (aggregates first).
        Fractions throughout; ``ahead_of_season`` = ``share_of_target - seasonal_share``
        (positive: ahead of a normal year's pace). ``missing`` lists the zones of an
        aggregate without data for its month.
    """
    y, m = _as_of_parts(year, as_of)
    observations = as_published(observations, as_of, lags)
    if published is not None and len(published):
        published = as_published(published, as_of, lags)
    monthly = _monthly(observations)
    annual = _annual_levels(observations)
    level = dict(zip(clusters["cluster_id"], clusters["level"], strict=True))
    ids = list(clusters["cluster_id"])
    levels = monthly[monthly["measure"] == "level"]
    growth = monthly[monthly["measure"] == "growth"]
    indicators = sorted(set(levels.loc[levels["year"] == y, "indicator"]), key=_indicator_order)
    L = levels.set_index(["indicator", "cluster_id", "year", "month"])["value"]
    G = growth.set_index(["indicator", "cluster_id", "year", "month"])["value"]
    A = annual.set_index(["indicator", "cluster_id", "year"])["value"]
    goals = _level_targets(targets, cluster_targets, y)
    latest = latest_months(observations, ids, y, as_of, indicators, lags=lags)
    last_month = {(r.cluster_id, r.indicator): r.latest_month for r in latest.itertuples()}

    def cum(ind, cid, yy, mm):
        v = L.get((ind, cid, yy, mm))
        return None if v is None or not math.isfinite(v) else float(v)

    def year_total(ind, cid, yy):
        v = cum(ind, cid, yy, 12)
        if v is None:  # the same year's annual level (within a year, never across years)
            a = A.get((ind, cid, yy))
            v = None if a is None or not math.isfinite(a) else float(a)
        return v

    def share_in(ind, members, yy, mm):
        num = den = 0.0
        n = 0
        for cid in members:
            c, a = cum(ind, cid, yy, mm), year_total(ind, cid, yy)
            if c is None or a is None or a <= 0:
                continue
            num, den, n = num + c, den + a, n + 1
        return _ratio(num, den) if n else None

    def row(ind, scope, members, mm, behind, missing):
        unit = INDICATORS[ind].unit if ind in INDICATORS else ""
        have = [c for c in members if cum(ind, c, y, mm) is not None]
        total = sum(cum(ind, c, y, mm) for c in have) if have else None
        grown = [c for c in have if G.get((ind, c, y, mm)) is not None
                 and math.isfinite(G.get((ind, c, y, mm))) and G.get((ind, c, y, mm)) > -1]
        cum_growth = None
        if have and len(grown) == len(have):
            base = sum(cum(ind, c, y, mm) / (1 + float(G[(ind, c, y, mm)])) for c in have)
            cum_growth = _ratio(total, base)
            cum_growth = None if cum_growth is None else cum_growth - 1
        # past shares over the same zones as this year's total
        same = have or members
        seasonal = [s for s in (share_in(ind, same, yy, mm)
                                for yy in range(y - seasonal_years, y)) if s is not None]
        goal = goals.get((scope, ind))
        share = _ratio(total, goal[1]) if goal and total is not None else None
        season = float(np.mean(seasonal)) if seasonal else None
        rec = {
            "indicator": ind, "scope": scope, "month": mm, "period": f"{y}-{mm:02d}",
            "behind": behind, "cum_level": total, "unit": unit, "cum_growth": cum_growth,
            "target_id": goal[0] if goal else None, "target_level": goal[1] if goal else None,
            "share_of_target": share, "time_share": mm / 12, "seasonal_share": season,
            "seasonal_years": len(seasonal), "last_year_share": share_in(ind, same, y - 1, mm),
            "ahead_of_season": None if share is None or season is None else share - season,
            "n_zones": len(have), "missing": list(missing),
            "published_level": None, "published_growth": None, "level_gap": None,
            "growth_gap": None,
        }
        if published is not None and scope in _AGGREGATES:
            _attach_published(rec, published, ind, scope, y, mm)
        return rec

    rows = []
    for ind in indicators:
        for scope in _AGGREGATES:
            members = [c for c in ids if scope == CITY_SCOPE or level.get(c) == scope]
            if not members:
                continue
            missing = [c for c in members if cum(ind, c, y, m) is None]
            if len(missing) == len(members):
                continue
            rows.append(row(ind, scope, members, m, bool(missing), missing))
        for cid in ids:
            mm = last_month.get((cid, ind))
            if mm is None or pd.isna(mm):
                continue
            rows.append(row(ind, cid, [cid], int(mm), int(mm) < m, []))
    return pd.DataFrame(rows, columns=list(PROGRESS_COLUMNS))


def _attach_published(rec: dict, published: pd.DataFrame, ind: str, scope: str, y: int,
                      mm: int) -> None:
    period = f"{y}-{mm:02d}"
    hit = published[(published["scope"] == scope) & (published["indicator"] == ind)
                     & (published["frequency"] == _MONTHLY)
                     & (published["period"].astype(str) == period)]
    for measure, key in (("level", "published_level"), ("growth", "published_growth")):
        part = hit[hit["measure"] == measure]
        if len(part):
            if "vintage" in part.columns:
                part = part.sort_values("vintage", kind="stable")
            rec[key] = float(part["value"].iloc[-1])
    if rec["published_level"] is not None and rec["cum_level"] is not None:
        rec["level_gap"] = rec["published_level"] - rec["cum_level"]
    if rec["published_growth"] is not None and rec["cum_growth"] is not None:
        rec["growth_gap"] = rec["published_growth"] - rec["cum_growth"]


def progress_records(progress: pd.DataFrame) -> list[dict]:
    """The progress table as JSON-ready records (6 significant digits, NaN -> null)."""
    out = []
    for rec in progress.to_dict("records"):
        out.append({k: (list(v) if isinstance(v, (list, tuple)) else clean(v))
                    for k, v in rec.items()})
    return out


# --------------------------------------------------------------------------- text

_IND = {lang: {k: ind.label(lang) for k, ind in INDICATORS.items()} for lang in ("zh", "en")}


def progress_rows(progress: pd.DataFrame, lang: str = "zh",
                  names: dict | None = None) -> tuple[list[str], list[list[str]], list[str]]:
    """(header, rows, notes) of the 序时进度 table as text cells."""
    w = PROGRESS_TEXT["en" if lang == "en" else "zh"]
    names = names or {}
    rows, notes = [], []
    for r in progress.itertuples(index=False):
        scope = w["scope"].get(r.scope) or names.get(r.scope) or r.scope
        unit = r.unit if lang == "zh" else {"亿元": " (100m yuan)", "万人": " (10k)"}.get(
            r.unit, "")
        pace = "-"
        if r.ahead_of_season is not None and not pd.isna(r.ahead_of_season):
            key = "ahead" if r.ahead_of_season >= 0 else "behind_pace"
            pace = w[key].format(p=f"{abs(100 * r.ahead_of_season):.1f}"
                                   + ("个百分点" if lang == "zh" else " pt"))
        share = pct(r.share_of_target) if r.target_level is not None and not pd.isna(
            r.target_level) else w["no_target"]
        rows.append([scope, _IND[lang if lang == "en" else "zh"].get(r.indicator, r.indicator),
                     r.period + (w["stale"] if r.behind and r.scope not in _AGGREGATES else ""),
                     f"{num(r.cum_level)}{unit}", pct(r.cum_growth), share,
                     pct(r.time_share), pct(r.seasonal_share), pct(r.last_year_share), pace])
        if r.scope in _AGGREGATES and r.missing:
            notes.append(w["missing"].format(
                scope=w["scope"].get(r.scope, r.scope),
                ind=_IND["en" if lang == "en" else "zh"].get(r.indicator, r.indicator),
                n=len(r.missing), period=r.period,
                ids=", ".join(names.get(c, c) for c in r.missing)))
    return w["cols"], rows, notes


def published_rows(progress: pd.DataFrame, lang: str = "zh"
                   ) -> tuple[str, list[str], list[list[str]]]:
    """(heading, header, rows) comparing published totals with the sum of the zones."""
    w = PROGRESS_TEXT["en" if lang == "en" else "zh"]
    ind_names = _IND["en" if lang == "en" else "zh"]
    pub = progress[progress["published_level"].notna() | progress["published_growth"].notna()]
    rows = [[w["scope"].get(r.scope, r.scope), ind_names.get(r.indicator, r.indicator),
             r.period, num(r.cum_level), num(r.published_level), num(r.level_gap),
             pct(r.cum_growth), pct(r.published_growth),
             "-" if r.growth_gap is None or pd.isna(r.growth_gap)
             else f"{100 * r.growth_gap:+.1f}"]
            for r in pub.itertuples(index=False)]
    return w["pub_head"], w["cols_pub"], rows


def format_progress(progress: pd.DataFrame, lang: str = "zh", names: dict | None = None,
                    as_of: str = "") -> str:
    """The 序时进度 section of ``zzforecast attain`` as text (table, notes, published)."""
    if progress is None or not len(progress):
        return ""
    w = PROGRESS_TEXT["en" if lang == "en" else "zh"]
    m = int(progress.loc[progress["scope"].isin(_AGGREGATES), "month"].max()
            if progress["scope"].isin(_AGGREGATES).any() else progress["month"].max())
    k = int(progress["seasonal_years"].max() or 0)
    header, rows, notes = progress_rows(progress, lang, names)
    out = [w["head"].format(m=m, k=k), format_table(header, rows), *notes]
    head, cols, prow = published_rows(progress, lang)
    if prow:
        out += ["", head, format_table(cols, prow)]
    return "\n".join(out)


def format_latest(zones: pd.DataFrame, as_of: str, lang: str = "zh",
                  names: dict | None = None) -> str:
    """One line when every zone is current; else the zones behind the vintage, flagged."""
    w = PROGRESS_TEXT["en" if lang == "en" else "zh"]
    names = names or {}
    behind = zones[zones["behind"]]
    if not len(behind):
        return w["latest_all"].format(as_of=as_of)
    sep = "；" if lang == "zh" else "; "
    items = sep.join(
        w["latest_item"].format(name=names.get(r.cluster_id, r.cluster_id),
                                period=r.latest_period)
        if r.latest_period else w["latest_none"].format(name=names.get(r.cluster_id,
                                                                        r.cluster_id))
        for r in behind.itertuples(index=False))
    return w["latest_behind"].format(n=len(behind), as_of=as_of, items=items)
