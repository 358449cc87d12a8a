"""Level targets on both bases, and the deflator on the page (issue 11 items 2 and 3).

**Two bases for a level target** (2800亿 FAI, 1600亿 IAV, 8500亿 revenue):

- *comparable basis*: last year's level x (1 + comparable growth), what the growth
  statistics say the year amounts to (``p_attain``, ``required_growth`` of
  :func:`zzforecast.assess.attain.assess` for FAI, revenue and employment);
- *published basis*: the level the city will publish, the published 1–m月累计 level
  C_pub(m, t) plus the rest of the year. Assumption: the gap between published levels and
  comparable-basis levels so far, C_pub(m,t) / ((1+g) C(m,t-1)), holds for the rest of the
  year (the enterprise set and the prices behind it do not change again before December).
  ``p_attain_published`` is P(the published level reaches the target);
  ``required_growth_published`` = [target - C_pub(m,t)] / [A(t-1) - C(m,t-1)] - 1.

IAV's level is nominal and its growth real: the engine's nominal level already carries the
year's own published nominal/real gap for the published months (``SimInputs.price_gap``)
and the scenario's deflator for the rest, so it is on the published basis already and is
not rescaled again (``basis = "published"``, ``p_attain_published == p_attain``).

**The deflator** (item 3): :func:`deflator_assumption` states the scenario's deflator
(mean, sd) and the city's year-to-date gap; :func:`deflator_sensitivity` gives P(IAV level
target) with the scenario's deflator moved by -2, 0 and +2 points, redoing only the level
arithmetic on the simulated real-growth paths (no new simulation): each zone's nominal
level is ``base (1 + G) (1 + s gap + (1 - s) D)``, so moving D by d moves it by
``base (1 + G) (1 - s) d``, where ``1 - s`` (the share of the year priced by the
assumption) is read off the paths themselves.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.schemas import CITY_SCOPE, INDICATORS, MUNICIPAL_SCOPE, PROVINCIAL_SCOPE
from .cells import finite, format_table

__all__ = [
    "DEFLATOR_SHIFTS",
    "deflator_assumption",
    "deflator_sensitivity",
    "industry_deflators",
    "deflator_record",
    "level_bases",
    "format_level_bases",
    "format_deflator",
    "level_bases_html",
]

DEFLATOR_SHIFTS = (-0.02, 0.0, 0.02)
_SCOPES = (CITY_SCOPE, PROVINCIAL_SCOPE, MUNICIPAL_SCOPE)


def _deflated(indicator: str) -> bool:
    spec = INDICATORS.get(indicator)
    return bool(spec is not None and spec.level_price_basis == "nominal"
                and spec.growth_price_basis == "real")


# --------------------------------------------------------------------------- deflator

def deflator_assumption(simulation) -> dict:
    """The deflator behind IAV's nominal level: scenario mean and sd, the year's own gap.

    Returns ``{"mean", "sd", "ytd_gap", "share_of_year"}``; ``ytd_gap`` is the city's
    published January–m nominal/real gap of IAV (None when not measurable) and
    ``share_of_year`` the share of last year's level those months cover (the weight of the
    gap; the rest of the year is priced by the scenario).
    """
    method = (getattr(simulation, "method", None) or {}).get("deflator") or {}
    gap = (method.get("ytd_gap") or {}).get("iav") or {}
    return {"mean": finite(method.get("mean")), "sd": finite(method.get("sd")),
            "ytd_gap": finite(gap.get("gap")), "share_of_year": finite(gap.get("share_of_year"))}


def _rest_share(price: np.ndarray, deflator: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """d price / d D per zone: the share of the year priced by the scenario's deflator."""
    d = deflator.astype(np.float64) - float(np.mean(deflator))
    var = float(np.sum(d * d))
    if var <= 1e-12:
        return fallback
    p = price - np.nanmean(price, axis=0, keepdims=True)
    slope = np.nansum(p * d[:, None], axis=0) / var
    return np.where(np.isfinite(slope), np.clip(slope, 0.0, 1.0), fallback)


def deflator_sensitivity(simulation, assessment: pd.DataFrame,
                         shifts=DEFLATOR_SHIFTS) -> pd.DataFrame:
    """P(each IAV level target) with the scenario's deflator moved by each shift.

    Only the level arithmetic is redone on the simulated paths (real growth and the
    deflator draws unchanged); shift 0 reproduces ``p_attain``.

    Returns
    -------
    pandas.DataFrame
        ``target_id, scope, target, shift, deflator_mean, p_attain`` (one row per level
        target of a deflated indicator at an aggregate scope and per shift).
    """
    sim = simulation
    cols = ["target_id", "scope", "target", "shift", "deflator_mean", "p_attain"]
    mean = deflator_assumption(sim)["mean"] or 0.0
    out = []
    for r, parts in _iav_rows(sim, assessment):
        real, price, rest, _ = parts
        for shift in shifts:
            out.append({"target_id": r.target_id, "scope": r.scope, "target": float(r.target),
                        "shift": float(shift), "deflator_mean": mean + float(shift),
                        "p_attain": _p(real * (price + rest[None] * float(shift)), r)})
    return pd.DataFrame(out, columns=cols)


def _p(levels: np.ndarray, r) -> float:
    level = np.nansum(levels, axis=1)
    level = level[np.isfinite(level)]
    return (float(np.mean(level <= r.target)) if r.comparison == "<="
            else float(np.mean(level >= r.target)))


def _iav_rows(sim, assessment: pd.DataFrame):
    """(row, (real level, price factor, rest share, zone ids)) per IAV level target."""
    if assessment is None or not len(assessment):
        return
    rows = assessment[(assessment["kind"] == "level")
                      & assessment["indicator"].map(_deflated)
                      & assessment["scope"].isin(_SCOPES)]
    for r in rows.itertuples(index=False):
        if r.indicator not in sim.indicators:
            continue
        j = sim.indicator_index(r.indicator)
        idx = sim.cluster_index(r.scope)
        base = sim.base[idx, j].astype(np.float64)
        ok = np.isfinite(base) & (base > 0)
        if not ok.any():
            continue
        real = base[ok][None] * (1 + sim.growth[:, idx, j][:, ok].astype(np.float64))
        nominal = sim.annual[:, idx, j][:, ok].astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            price = nominal / real
        share = np.nan_to_num(sim.share[idx, j][ok].astype(np.float64))
        month = sim.ytd_month[idx, j][ok]
        fallback = np.where((month >= 2) & (deflator_assumption(sim)["ytd_gap"] is not None),
                            1 - share, 1.0)
        rest = _rest_share(price, np.asarray(sim.deflator), fallback)
        zones = [sim.cluster_ids[i] for i in np.asarray(idx)[ok]]
        yield r, (real, price, rest, zones)


def industry_deflators(simulation, assessment: pd.DataFrame) -> pd.DataFrame:
    """P(each IAV level target) with each zone's remaining months priced by its industries.

    Uses ``assessment.attrs["zone_deflators"]`` (set by :func:`zzforecast.assess.attain.assess`
    from ``data/deflators.csv``): a listed zone's price change for the months to come is
    its industries' mean instead of the scenario mean (the scenario's spread kept); other
    zones keep the scenario. Empty without the file.

    Returns
    -------
    pandas.DataFrame
        ``target_id, scope, target, p_attain, zones_by_industry, zones, mean_weighted``
        (the rest-of-year price change weighted by the zones' real levels).
    """
    cols = ["target_id", "scope", "target", "p_attain", "zones_by_industry", "zones",
            "mean_weighted"]
    zone_means = (getattr(assessment, "attrs", {}) or {}).get("zone_deflators") or {}
    if not zone_means:
        return pd.DataFrame(columns=cols)
    sim = simulation
    mean = deflator_assumption(sim)["mean"] or 0.0
    out = []
    for r, (real, price, rest, zones) in _iav_rows(sim, assessment):
        own = np.array([zone_means[z]["mean"] if z in zone_means else mean for z in zones])
        weight = np.nanmean(real, axis=0) * rest
        out.append({"target_id": r.target_id, "scope": r.scope, "target": float(r.target),
                    "p_attain": _p(real * (price + rest[None] * (own - mean)[None]), r),
                    "zones_by_industry": int(sum(z in zone_means for z in zones)),
                    "zones": len(zones),
                    "mean_weighted": float(np.sum(weight * own) / np.sum(weight))
                    if np.sum(weight) > 0 else None})
    return pd.DataFrame(out, columns=cols)


def deflator_record(simulation, assessment: pd.DataFrame) -> dict:
    """The JSON block: the assumption and the sensitivity of P(IAV level target)."""
    sens = deflator_sensitivity(simulation, assessment)
    industry = industry_deflators(simulation, assessment)
    return {**deflator_assumption(simulation),
            "by_industry": [{k: (round(v, 6) if isinstance(v, float) else v)
                             for k, v in rec.items()} for rec in industry.to_dict("records")],
            "note": ("IAV level targets are nominal, growth real: the nominal level uses the "
                     "year's published January-m nominal/real gap for the months it covers "
                     "and the scenario's deflator (mean, sd) for the rest; 'sensitivity' "
                     "redoes only the level arithmetic on the same paths with the scenario "
                     "mean moved by each shift"),
            "sensitivity": [{k: (round(v, 6) if isinstance(v, float) else v)
                             for k, v in rec.items()} for rec in sens.to_dict("records")]}


# --------------------------------------------------------------------------- both bases

def level_bases(assessment: pd.DataFrame) -> pd.DataFrame:
    """The level targets of an assessment with both bases side by side."""
    cols = ["target_id", "indicator", "scope", "target", "unit", "basis", "p_attain",
            "required_growth", "p_attain_published", "required_growth_published",
            "published_gap"]
    if assessment is None or not len(assessment) or "basis" not in assessment:
        return pd.DataFrame(columns=cols)
    rows = assessment[(assessment["kind"] == "level") & assessment["scope"].isin(_SCOPES)]
    return rows[cols].reset_index(drop=True)


_WORDS = {
    "zh": {
        "head": "总量目标的两种口径（可比口径：上年总量×(1+可比增速)；公布口径：将公布的总量 = 已公布1—{m}月累计 + 余下月份，假设1—{m}月公布数与可比口径数之比延续至年末）",
        "cols": ["目标", "范围", "目标值", "实现概率·可比口径", "余下月份需增长·可比口径",
                 "实现概率·公布口径", "余下月份需增长·公布口径", "1—m月公布/可比差"],
        "iav": "规上工业增加值总量为现价：模拟的名义总量已含本年1—{m}月公布的名义/实际差（价格）与情景价格假设，即公布口径，未重复调整；“需增长”按公布口径为名义增速，按可比口径为实际增速。",
        "annual": "{names}只有年度数：无1—m月公布总量，仅给可比口径。",
        "main": "上表中的总量目标：实现概率{comparable}为可比口径，{published}为公布口径；“余下月份需增长”均为可比口径（规上工业增加值为实际增速）。",
        "defl_head": "工业品价格假设（规上工业增加值总量目标为现价，增速目标为不变价）",
        "defl": "情景假设：余下月份价格变动均值{mean}、标准差{sd}；本年1—{m}月已公布数据显示的名义/实际差{gap}（覆盖上年全年的{share}）。",
        "defl_none": "情景假设：价格变动均值{mean}、标准差{sd}；本年数据尚不能测算名义/实际差。",
        "sens": "{target}实现概率随价格假设变化：",
        "sens_item": "均值{mean}时{p}",
        "industry": "按行业价格（data/deflators.csv，{k}/{n}个集聚区按主导产业取值，余下月份加权{mean}）：{scope}规上工业增加值≥{target}实现概率{p}。",
        "names": {"fai": "固定资产投资", "iav": "规上工业增加值", "revenue": "主营业务收入",
                  "employment": "从业人员"},
        "scope": {"city": "全市", "provincial": "省级集聚区", "municipal": "市级专业园区"},
        "sep": "，",
    },
    "en": {
        "head": "Level targets on both bases (comparable: last year's level x (1 + comparable growth); published: the level the city will publish = published Jan-{m} level + the rest of the year, assuming the Jan-{m} ratio of published to comparable-basis levels holds to December)",
        "cols": ["target", "scope", "target value", "P comparable", "rest needs, comparable",
                 "P published", "rest needs, published", "Jan-m published vs comparable"],
        "iav": "The IAV level is nominal: the simulated nominal level already carries the year's published Jan-{m} nominal/real gap and the scenario's price assumption, i.e. it is on the published basis and is not adjusted again; 'rest needs' is nominal growth on the published basis, real growth on the comparable one.",
        "annual": "{names}: annual data only, no published Jan-m level, comparable basis only.",
        "main": "Level targets in the table above: P is on the comparable basis for {comparable} and on the published basis for {published}; 'rest of year needs' is on the comparable basis throughout (IAV: real growth).",
        "defl_head": "Industrial price assumption (the IAV level target is nominal, the growth target real)",
        "defl": "Scenario: price change of the months to come, mean {mean}, sd {sd}; the year's own published Jan-{m} data show a nominal/real gap of {gap} (covering {share} of last year).",
        "defl_none": "Scenario: price change mean {mean}, sd {sd}; the year's data do not yet show a nominal/real gap.",
        "sens": "P({target}) as the price assumption moves: ",
        "sens_item": "mean {mean}: {p}",
        "industry": "With prices by industry (data/deflators.csv; {k} of {n} zones priced by their lead industries, remaining months {mean} weighted): P({scope} IAV ≥ {target}) = {p}.",
        "names": {"fai": "FAI", "iav": "IAV", "revenue": "revenue", "employment": "employment"},
        "scope": {"city": "city", "provincial": "provincial clusters",
                  "municipal": "municipal parks"},
        "sep": "; ",
    },
}


def _pct(x, digits: int = 1) -> str:
    x = finite(x)
    return "-" if x is None else f"{100 * x:.{digits}f}%"


def _signed(x, digits: int = 1) -> str:
    x = finite(x)
    return "-" if x is None else f"{100 * x:+.{digits}f}%"


def _month(simulation) -> int:
    as_of = str(getattr(simulation, "as_of", "") or "")
    return int(as_of[5:7]) if len(as_of) >= 7 else 0


def _rows(table: pd.DataFrame, lang: str) -> list[list[str]]:
    w = _WORDS[lang]
    out = []
    for r in table.itertuples(index=False):
        unit = "" if lang == "zh" else " "
        out.append([w["names"].get(r.indicator, r.indicator),
                    w["scope"].get(r.scope, r.scope), f"{float(r.target):,.0f}{unit}{r.unit}",
                    _pct(r.p_attain), _pct(r.required_growth),
                    _pct(r.p_attain_published), _pct(r.required_growth_published),
                    _signed(r.published_gap, 2)])
    return out


def _notes(table: pd.DataFrame, simulation, lang: str) -> list[str]:
    w = _WORDS[lang]
    m = _month(simulation)
    notes = []
    sep = "、" if lang == "zh" else ", "
    comparable = sep.join(dict.fromkeys(w["names"].get(i, i) for i in
                                        table.loc[table["basis"] == "comparable", "indicator"]))
    published = sep.join(dict.fromkeys(w["names"].get(i, i) for i in
                                       table.loc[table["basis"] == "published", "indicator"]))
    notes.append(w["main"].format(comparable=comparable or "-", published=published or "-"))
    if (table["indicator"].map(_deflated)).any():
        notes.append(w["iav"].format(m=m))
    annual = [i for i in dict.fromkeys(table["indicator"])
              if not INDICATORS.get(i) or not INDICATORS[i].monthly]
    if annual:
        notes.append(w["annual"].format(names=sep.join(w["names"].get(i, i) for i in annual)))
    return notes


def _deflator_lines(simulation, assessment, lang: str) -> list[str]:
    w = _WORDS[lang]
    a = deflator_assumption(simulation)
    m = _month(simulation)
    if a["ytd_gap"] is not None:
        lines = [w["defl"].format(mean=_signed(a["mean"]), sd=_pct(a["sd"]),
                                  m=m, gap=_signed(a["ytd_gap"], 2),
                                  share=_pct(a["share_of_year"], 0))]
    else:
        lines = [w["defl_none"].format(mean=_signed(a["mean"]), sd=_pct(a["sd"]))]
    sens = deflator_sensitivity(simulation, assessment)
    for (_tid, scope), part in sens.groupby(["target_id", "scope"], sort=False):
        space = "" if lang == "zh" else " "
        target = (f"{w['scope'].get(scope, scope)}{space}{w['names']['iav']} ≥ "
                  f"{part['target'].iloc[0]:,.0f}")
        items = [w["sens_item"].format(mean=_signed(r.deflator_mean), p=_pct(r.p_attain))
                 for r in part.itertuples(index=False)]
        lines.append(w["sens"].format(target=target) + w["sep"].join(items))
    for r in industry_deflators(simulation, assessment).itertuples(index=False):
        lines.append(w["industry"].format(
            scope=w["scope"].get(r.scope, r.scope), target=f"{r.target:,.0f}",
            k=r.zones_by_industry, n=r.zones, mean=_signed(r.mean_weighted),
            p=_pct(r.p_attain)))
    return lines


def format_deflator(simulation, assessment: pd.DataFrame, lang: str = "zh") -> str:
    """The deflator assumption and the sensitivity of P(IAV level), as text."""
    return "\n".join([_WORDS[lang]["defl_head"], *_deflator_lines(simulation, assessment, lang)])


def format_level_bases(assessment: pd.DataFrame, simulation, lang: str = "zh") -> str:
    """Both bases of the level targets as an aligned text table with its notes."""
    table = level_bases(assessment)
    if not len(table):
        return ""
    w = _WORDS[lang]
    return "\n".join([w["head"].format(m=_month(simulation)),
                      format_table(w["cols"], _rows(table, lang)), *_notes(table, simulation,
                                                                            lang)])


def level_bases_html(assessment: pd.DataFrame, simulation, lang: str = "zh") -> str:
    """Both bases and the deflator for the overview report (HTML fragment)."""
    import html

    table = level_bases(assessment)
    w = _WORDS[lang]
    parts = []
    if len(table):
        head = "".join(f"<th>{html.escape(c)}</th>" for c in w["cols"])
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                       for row in _rows(table, lang))
        parts.append(f"<h3>{html.escape(w['head'].format(m=_month(simulation)))}</h3>"
                     f"<table class='level-bases'><thead><tr>{head}</tr></thead>"
                     f"<tbody>{body}</tbody></table>")
        parts += [f"<p>{html.escape(n)}</p>" for n in _notes(table, simulation, lang)]
    if "iav" in getattr(simulation, "indicators", ()):
        parts.append(f"<h3>{html.escape(w['defl_head'])}</h3>")
        parts += [f"<p>{html.escape(n)}</p>" for n in
                  _deflator_lines(simulation, assessment, lang)]
    return "".join(parts)
