"""The overview as a briefing: what an economist puts on the first page of a monthly note.

Pure functions over a :class:`~zzforecast.simulate.simulation.Simulation`, its assessment
(:func:`zzforecast.assess.attain.assess`) and the data bundle; :class:`OverviewReport` turns
them into HTML, and ``index.html`` and the Word export reuse the same records.

- :func:`headline_frame` / :func:`headline_sentences`: one sentence per headline target
  (the city's and the provincial subset's own targets): the chance of reaching it, the
  median outcome, the average shortfall in 亿元 when it is missed, the 1–m月累计 growth so
  far and what the rest of the year must deliver, with the difference in 个百分点.
- :func:`zone_ranking`: the zones ranked (位次) by their chance, red/amber/green by
  probability (:data:`RAG_THRESHOLDS`). A zone's chance is of its own entered target; a
  zone without one (the plan's annexes are not entered) is measured against the city's
  growth target for the indicator, and the table says so.
- :func:`target_status`: every target of the plan, simulated or not, and why.
- :func:`cumulative_growth_paths`: a scope's 1–2月 ... 1–12月 cumulative growth, published
  months as published and the months to come from the simulated paths, for the fan chart.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..assess.cells import finite
from ..data.schemas import CITY_SCOPE, INDICATORS, MONTHLY_INDICATORS, PROVINCIAL_SCOPE
from ..i18n import check_lang, percent

__all__ = [
    "HEADLINE_SCOPES",
    "RAG_THRESHOLDS",
    "rag",
    "headline_frame",
    "headline_sentences",
    "zone_ranking",
    "target_status",
    "cumulative_growth_paths",
    "points",
]

HEADLINE_SCOPES = (CITY_SCOPE, PROVINCIAL_SCOPE)
# P >= 0.7 green, 0.3 <= P < 0.7 amber, below 0.3 red (a bulletin's 红黄绿灯).
RAG_THRESHOLDS = (0.3, 0.7)
_RAG_WORDS = {"zh": {"green": "绿", "amber": "黄", "red": "红"},
              "en": {"green": "green", "amber": "amber", "red": "red"}}


def rag(p) -> str | None:
    """``"green"``, ``"amber"`` or ``"red"`` for a probability (None when unknown)."""
    p = finite(p)
    if p is None:
        return None
    low, high = RAG_THRESHOLDS
    return "green" if p >= high else ("amber" if p >= low else "red")


def points(diff: float, lang: str = "zh") -> str:
    """A difference of two growth rates in percentage points: ``+3.9个百分点`` / ``+3.9 points``."""
    if diff is None or not math.isfinite(float(diff)):
        return "–"
    value = 100 * float(diff)
    return f"{value:+.1f}个百分点" if lang == "zh" else f"{value:+.1f} percentage points"


def _is_true(v) -> bool:
    return str(v).strip().lower() in ("true", "1", "1.0")


def _scope_ytd(sim, scope: str, j: int) -> tuple[float | None, int | None]:
    """1–m月累计 growth of a scope from the simulation's inputs, and its month m."""
    idx = sim.cluster_index(scope)
    g = np.asarray(sim.ytd_growth, dtype=float)[idx, j]
    c_last = np.asarray(sim.cum_last, dtype=float)[idx, j]
    month = np.asarray(sim.ytd_month, dtype=float)[idx, j]
    ok = np.isfinite(g) & np.isfinite(c_last) & (c_last > 0) & np.isfinite(month) & (month >= 2)
    if not ok.any():
        return None, None
    m = int(month[ok].max())
    ok &= month == m
    value = float(((1 + g[ok]) * c_last[ok]).sum() / c_last[ok].sum() - 1)
    return value, m


def headline_frame(simulation, assessment: pd.DataFrame) -> pd.DataFrame:
    """The headline targets (city and provincial subset) with what a briefing quotes.

    Parameters
    ----------
    simulation : Simulation
    assessment : pandas.DataFrame
        :func:`zzforecast.assess.attain.assess` of ``simulation``.

    Returns
    -------
    pandas.DataFrame
        One row per headline target: the assessment's columns plus ``ytd_growth`` (the
        scope's 1–m月累计 growth), ``ytd_month`` (m), ``gap_points`` (required growth
        minus year-to-date growth, a fraction), ``base`` (last year's level, 亿元) and
        ``shortfall_level`` (E[target − outcome | missed] in the indicator's unit: a
        growth shortfall times last year's level), ``rag``.
    """
    frame = assessment
    if "derived" in frame.columns:
        frame = frame[~frame["derived"].map(_is_true)]
    rows = frame[frame["scope"].isin(HEADLINE_SCOPES)].copy()
    order = {s: i for i, s in enumerate(HEADLINE_SCOPES)}
    ind_order = {ind: i for i, ind in enumerate(INDICATORS)}
    rows = rows.assign(_s=rows["scope"].map(order),
                       _i=rows["indicator"].map(lambda i: ind_order.get(i, 99)),
                       _k=rows["kind"].map(lambda k: 0 if k == "growth" else 1))
    rows = rows.sort_values(["_s", "_i", "_k"], kind="stable").drop(columns=["_s", "_i", "_k"])
    ytd, months, bases, shortfalls = [], [], [], []
    for r in rows.itertuples(index=False):
        g, m, base = None, None, None
        if r.indicator in simulation.indicators:
            j = simulation.indicator_index(r.indicator)
            if r.indicator in MONTHLY_INDICATORS:
                g, m = _scope_ytd(simulation, r.scope, j)
            b = np.asarray(simulation.base, dtype=float)[simulation.cluster_index(r.scope), j]
            base = float(np.nansum(b)) if np.isfinite(b).any() else None
        es = r.expected_shortfall
        es = float(es) if es is not None and es == es else None
        if es is None:
            level = None
        elif r.kind == "growth":
            level = es * base if base else None
        else:
            level = es
        ytd.append(g)
        months.append(m)
        bases.append(base)
        shortfalls.append(level)
    rows["ytd_growth"] = pd.to_numeric(pd.Series(ytd, index=rows.index, dtype=object),
                                       errors="coerce")
    rows["ytd_month"] = pd.Series(months, index=rows.index, dtype=object)
    rows["base"] = pd.to_numeric(pd.Series(bases, index=rows.index, dtype=object),
                                 errors="coerce")
    rows["shortfall_level"] = pd.to_numeric(pd.Series(shortfalls, index=rows.index,
                                                      dtype=object), errors="coerce")
    rows["gap_points"] = pd.to_numeric(rows["required_growth"], errors="coerce") - rows["ytd_growth"]
    rows["rag"] = rows["p_attain"].map(rag)
    return rows.reset_index(drop=True)


def _goal_pct(x: float) -> str:
    """A target as the plan writes it: 13%, 12.5%."""
    value = 100 * float(x)
    return f"{value:.0f}%" if abs(value - round(value)) < 1e-9 else f"{value:.1f}%"


def _num(x: float) -> str:
    return f"{float(x):,.1f}"


def headline_sentences(frame: pd.DataFrame, lang: str = "zh") -> list[str]:
    """One sentence per row of :func:`headline_frame`, in Chinese or English.

    Example (zh): "全市固定资产投资增长13%：1–7月累计增长11.2%；达标概率约39%，全年
    预计增长12.4%（中位数）；若未达标，平均缺口约34.4亿元；8–12月需比上年同期增长15.1%，
    比1–7月累计增速高3.9个百分点。"
    """
    from ..i18n import indicator_name, scope_name

    check_lang(lang)
    zh = lang == "zh"
    out = []
    for r in frame.itertuples(index=False):
        ind = INDICATORS.get(r.indicator)
        unit = ind.unit if ind else ""
        unit_en = {"亿元": " (100m yuan)", "万人": " (10k persons)"}.get(unit, f" {unit}")
        scope = scope_name(str(r.scope), lang)
        name = indicator_name(str(r.indicator), lang)
        growth = r.kind == "growth"
        if growth:
            goal = (f"{scope}{name}增长{_goal_pct(r.target)}" if zh
                    else f"{scope} {name} growth of {_goal_pct(r.target)}")
            median = percent(r.q50)
        else:
            goal = (f"{scope}{name}达到{_num(r.target)}{unit}" if zh
                    else f"{scope} {name} of {_num(r.target)}{unit_en}")
            median = f"{_num(r.q50)}{unit}" if zh else f"{_num(r.q50)}{unit_en}"
        parts = []
        m = r.ytd_month if r.ytd_month is not None and r.ytd_month == r.ytd_month else None
        if m is not None and r.ytd_growth == r.ytd_growth:
            parts.append(f"1–{int(m)}月累计增长{percent(r.ytd_growth)}" if zh else
                         f"January–{_month_en(int(m))} up {percent(r.ytd_growth)} year on year")
        p = percent(r.p_attain, 0)
        parts.append(f"达标概率约{p}，全年预计{'增长' if growth else ''}{median}（中位数）" if zh else
                     f"about a {p} chance of reaching it, median outcome {median}")
        if not growth and ind is not None and ind.level_price_basis != ind.growth_price_basis:
            parts[-1] += ("（现价总量，含价格因素）" if zh else
                          " (a current-price level: prices included)")
        if r.shortfall_level == r.shortfall_level and r.shortfall_level is not None \
                and float(r.p_attain) < 1:
            parts.append(f"若未达标，平均缺口约{_num(r.shortfall_level)}{unit}" if zh else
                         f"if missed, by {_num(r.shortfall_level)}{unit_en} on average")
        req = r.required_growth
        if req == req and req is not None and m is not None and m < 12:
            m1 = m + 1
            line = (f"{m1}–12月需比上年同期增长{percent(req)}" if zh else
                    f"{_month_en(m1)}–December must grow {percent(req)} on the same months "
                    "last year")
            if r.gap_points == r.gap_points:
                gap = float(r.gap_points)
                line += (f"，比1–{m}月累计增速{'高' if gap >= 0 else '低'}"
                         f"{abs(100 * gap):.1f}个百分点" if zh else
                         f", {abs(100 * gap):.1f} percentage points "
                         f"{'above' if gap >= 0 else 'below'} January–{_month_en(m)}")
            parts.append(line)
        sep = "；" if zh else "; "
        out.append(f"{goal}：{sep.join(parts)}。" if zh else
                   f"{goal[:1].upper()}{goal[1:]}: {sep.join(parts)}.")
    return out


def _month_en(m: int) -> str:
    import calendar

    return calendar.month_name[int(m)]


def zone_ranking(simulation, assessment: pd.DataFrame, bundle, lang: str = "zh",
                 indicators=None) -> pd.DataFrame:
    """Zones ranked (位次) by their chance of reaching their target, coloured by probability.

    For each zone and monthly indicator: the zone's entered (official) target when there
    is one; otherwise the city's growth target for the indicator (``basis`` says which),
    since a derived per-zone placeholder is never a goal.

    Returns
    -------
    pandas.DataFrame
        Columns ``rank`` (1 = best, by the mean probability over the indicators),
        ``cluster_id``, ``name``, ``level``, ``p_mean``, ``rag`` and per indicator
        ``p_<ind>``, ``median_<ind>`` (full-year growth), ``target_<ind>``,
        ``basis_<ind>`` (``"own"`` or ``"city"``) and ``rag_<ind>``.
    """
    check_lang(lang)
    sim = simulation
    inds = [i for i in (indicators or MONTHLY_INDICATORS) if i in sim.indicators]
    official = assessment
    if "derived" in official.columns:
        official = official[~official["derived"].map(_is_true)]
    city = {}
    for ind in inds:
        hit = official[(official["scope"] == CITY_SCOPE) & (official["indicator"] == ind)
                       & (official["kind"] == "growth")]
        if len(hit):
            city[ind] = float(hit["target"].iloc[0])
    reg = bundle.clusters.set_index("cluster_id")
    name_col = "name_zh" if lang == "zh" else "name_en"
    rows = []
    for c, cid in enumerate(sim.cluster_ids):
        rec = {"cluster_id": cid,
               "name": str(reg[name_col].get(cid, cid)) if name_col in reg else cid,
               "level": str(sim.cluster_levels[c])}
        ps = []
        for ind in inds:
            j = sim.indicator_index(ind)
            g = np.asarray(sim.growth[:, c, j], dtype=float)
            g = g[np.isfinite(g)]
            own = official[(official["scope"] == cid) & (official["indicator"] == ind)
                           & (official["kind"] == "growth")]
            if len(own):
                target, basis, p = float(own["target"].iloc[0]), "own", float(own["p_attain"].iloc[0])
            elif ind in city and g.size:
                target, basis = city[ind], "city"
                p = float(np.mean(g >= target))
            else:
                target, basis, p = None, None, None
            rec.update({f"p_{ind}": p, f"median_{ind}": float(np.median(g)) if g.size else None,
                        f"target_{ind}": target, f"basis_{ind}": basis, f"rag_{ind}": rag(p)})
            if p is not None:
                ps.append(p)
        rec["p_mean"] = float(np.mean(ps)) if ps else None
        rec["rag"] = rag(rec["p_mean"])
        rows.append(rec)
    frame = pd.DataFrame(rows)
    if not len(frame):
        return frame
    frame = frame.sort_values("p_mean", ascending=False, kind="stable", na_position="last")
    frame.insert(0, "rank", range(1, len(frame) + 1))
    return frame.reset_index(drop=True)


def rag_word(colour: str | None, lang: str = "zh") -> str:
    """The colour's word in a table (红/黄/绿)."""
    return _RAG_WORDS[lang].get(colour or "", "–")


def target_status(bundle, simulation, assessment: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every target of the plan: simulated (with its probability) or not, and why.

    The reasons come from :func:`zzforecast.assess.attain.assess` (``attrs["not_assessed"]``);
    when ``assessment`` lost its attrs (read back from a CSV), the plan's own targets are
    assessed again (cheap: aggregates only). Per-zone targets that are derived
    placeholders are summarised in one row per indicator (``attrs["no_official_target"]``).

    Returns
    -------
    pandas.DataFrame
        Columns ``target_id``, ``section``, ``quote``, ``indicator``, ``scope``, ``kind``,
        ``target``, ``unit``, ``status`` (``"simulated"``, ``"not_simulated"`` or
        ``"no_official_target"``), ``p_attain`` and ``reason``.
    """
    from ..assess.attain import assess

    frame = assessment
    if frame is None or "not_assessed" not in frame.attrs:
        frame = assess(simulation, bundle)
    skipped = {s["target_id"]: s.get("reason", "") for s in frame.attrs.get("not_assessed", [])}
    done = frame.set_index("target_id")["p_attain"].to_dict() if len(frame) else {}
    rows = []
    for t in getattr(bundle, "targets", []) or []:
        if t.id in done:
            status, reason, p = "simulated", "", float(done[t.id])
        else:
            status, reason, p = "not_simulated", skipped.get(t.id, "not in this run"), None
        rows.append({"target_id": t.id, "section": t.section, "quote": t.quote,
                     "indicator": t.indicator, "scope": t.scope, "kind": t.kind,
                     "target": t.value, "unit": t.unit, "status": status,
                     "p_attain": p, "reason": reason})
    placeholders = frame.attrs.get("no_official_target", [])
    by_ind: dict[str, list[str]] = {}
    for ph in placeholders:
        by_ind.setdefault(str(ph["indicator"]), []).append(str(ph["scope"]))
    for ind, zones in by_ind.items():
        rows.append({"target_id": f"zones_{ind}", "section": "附件", "quote": "",
                     "indicator": ind, "scope": ",".join(zones), "kind": "growth",
                     "target": None, "unit": "", "status": "no_official_target",
                     "p_attain": None,
                     "reason": f"{len(zones)} zones: derived placeholders, not goals "
                               "(the plan's annexes are not entered)"})
    return pd.DataFrame(rows, columns=["target_id", "section", "quote", "indicator", "scope",
                                       "kind", "target", "unit", "status", "p_attain",
                                       "reason"])


def _published(observations: pd.DataFrame, as_of: str) -> pd.DataFrame:
    """The observations as published by ``as_of`` (the latest vintage of each figure)."""
    from ..data.vintages import as_published

    return as_published(observations, as_of)


def cumulative_growth_paths(simulation, bundle, scope: str, indicator: str):
    """A scope's cumulative growth by month: published so far, simulated for the rest.

    Published months k <= m combine the zones' published 1–k月累计 growth on their
    comparable bases (``sum C / sum(C / (1 + g)) - 1``, as :mod:`zzforecast.assess.progress`
    does). Months m < k < 12 divide the simulated real cumulative levels of the zones
    (nominal levels over each path's price factor) by last year's published 1–k月累计
    levels; December is the simulated full-year growth itself, so the fan ends exactly
    on the distribution every probability is computed from.

    Returns
    -------
    (pandas.Series, numpy.ndarray, list of int) or None
        History indexed by month (2..m), paths (n_paths, 12 - m) and the months m+1..12;
        None when the scope has no monthly data for the indicator.
    """
    sim = simulation
    if indicator not in sim.indicators or indicator not in MONTHLY_INDICATORS:
        return None
    j = sim.indicator_index(indicator)
    idx = sim.cluster_index(scope)
    ids = [sim.cluster_ids[i] for i in idx]
    _, m = _scope_ytd(sim, scope, j)
    if m is None:
        return None
    obs = _published(bundle.observations, sim.as_of)
    obs = obs[(obs["frequency"] == "monthly_ytd") & (obs["indicator"] == indicator)
              & obs["cluster_id"].isin(ids)]
    period = obs["period"].astype(str)
    obs = obs.assign(y=period.str.slice(0, 4).astype(int), k=period.str.slice(5, 7).astype(int),
                     value=pd.to_numeric(obs["value"], errors="coerce"))
    year = int(sim.year)
    this = obs[obs["y"] == year].pivot_table(index=["cluster_id", "k"], columns="measure",
                                             values="value", aggfunc="last")
    hist = {}
    for k in range(2, m + 1):
        try:
            part = this.xs(k, level="k")
        except KeyError:
            continue
        part = part.dropna(subset=[c for c in ("level", "growth") if c in part.columns])
        if not {"level", "growth"} <= set(part.columns) or len(part) < len(ids):
            continue
        hist[k] = float(part["level"].sum() / (part["level"] / (1 + part["growth"])).sum() - 1)
    last = obs[(obs["y"] == year - 1) & (obs["measure"] == "level")]
    last = last.pivot_table(index="k", columns="cluster_id", values="value", aggfunc="last")
    months = list(range(m + 1, 13))
    if not months:
        return pd.Series(hist, dtype=float), np.empty((sim.growth.shape[0], 0)), []
    total = sim.total(scope)
    g12 = np.asarray(total.growth[:, j], dtype=float)
    cols: list = []
    if sim.monthly is not None:
        mon = np.asarray(sim.monthly[:, idx, j, :], dtype=float)  # (p, k, 12)
        base = np.asarray(sim.base, dtype=float)[idx, j]
        real = base[None, :] * (1 + np.asarray(sim.growth[:, idx, j], dtype=float))
        with np.errstate(invalid="ignore", divide="ignore"):
            price = np.asarray(sim.annual[:, idx, j], dtype=float) / real  # (p, k)
        for k in months[:-1]:
            row = last.loc[k] if k in last.index else None
            if row is None or row.reindex(ids).isna().any():
                cols.append(np.full(len(g12), np.nan))
                continue
            den = float(row.reindex(ids).sum())
            num = np.nansum(mon[:, :, k - 1] / price, axis=1)
            cols.append(num / den - 1)
    else:
        cols = [np.full(len(g12), np.nan) for _ in months[:-1]]
    cols.append(g12)
    return pd.Series(hist, dtype=float).sort_index(), np.column_stack(cols), months
