"""The plan-consistency audit: what the plan's own numbers imply, and where they disagree.

:func:`audit_plan` turns the target registry (and, optionally, the cluster registry and
observations) into a list of :class:`Finding` objects; :func:`render_text` writes them in
Chinese (default) or English and :func:`to_json` gives the same numbers as data.

Every number in a finding is computed here from the targets (never typed in), so a
changed registry changes the audit. Facts of one plan document (price history, which
annex holds what, where its wording differs) come from that plan's ``audit.yaml``
(:class:`~zzforecast.data.plan.AuditFacts`), never from this module. Numbers taken from
the bundled data are flagged when that data is synthetic.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..data.plan import AuditFacts
from ..data.schemas import (
    CITY_SCOPE,
    INDICATORS,
    MONTHLY_INDICATORS,
    MUNICIPAL_SCOPE,
    PROVINCIAL_SCOPE,
)
from ..data.targets import Target, find_target, implied_park_growth, provincial_share

__all__ = [
    "Finding",
    "DEFAULT_DEFLATORS",
    "DEFAULT_SHARES",
    "audit_plan",
    "render_text",
    "to_json",
]

DEFAULT_DEFLATORS = tuple(round(x, 2) for x in np.arange(-0.02, 0.0701, 0.01))
DEFAULT_SHARES = tuple(round(x, 2) for x in np.arange(0.60, 0.9501, 0.05))
LANGS = ("zh", "en")


@dataclass(frozen=True)
class Finding:
    """One result of the audit.

    Attributes
    ----------
    id : str
        Stable id, e.g. ``"employment_conflict"``.
    kind : str
        ``conflict`` (two statements disagree), ``implication`` (what the numbers imply),
        ``check`` (a comparison whose meaning is limited) or ``note``.
    title, text : dict
        ``{"zh": ..., "en": ...}``.
    numbers : dict
        The figures quoted in the text (fractions for growth and shares).
    table : tuple of dict
        Optional rows (same keys in each row).
    targets : tuple of str
        Ids of the targets involved.
    """

    id: str
    kind: str
    title: dict
    text: dict
    numbers: dict = field(default_factory=dict)
    table: tuple = ()
    targets: tuple = ()


def _pct(x: float, digits: int = 1) -> str:
    return f"{x * 100:.{digits}f}%"


def _by_id(targets: list[Target]) -> dict[str, Target]:
    return {t.id: t for t in targets}


def _fact(facts: AuditFacts, name: str, lang: str, template: str, default: str = "") -> str:
    """``template`` filled with the plan's fact ``name`` in ``lang`` ({} = the fact), or
    ``default`` when the plan's audit.yaml does not give it."""
    text = getattr(facts, name, None)
    return template.format(getattr(text, lang)) if text is not None else default


def _data_label(synthetic: bool) -> tuple[str, str]:
    return (("（合成演示数据，非官方统计）", " (synthetic demonstration data, not official statistics)")
            if synthetic else ("", ""))


def _city_level(observations: pd.DataFrame | None, indicator: str, year: int) -> float | None:
    if observations is None:
        return None
    obs = observations
    rows = obs[(obs["indicator"] == indicator) & (obs["measure"] == "level")
               & (obs["frequency"] == "annual") & (obs["period"].astype(str) == str(year))]
    if rows.empty:
        return None
    return float(pd.to_numeric(rows["value"]).sum())


def _growth_to_reach(observations, indicator: str, year: int, target: float, synthetic: bool,
                     what_zh: str) -> tuple[dict, str, str]:
    """What the data say about reaching a level target: the numbers and a zh/en sentence.

    Returns empty results when the data hold no city level for ``year``.
    """
    data = _city_level(observations, indicator, year)
    if data is None:
        return {}, "", ""
    growth = target / data - 1
    lz, le = _data_label(synthetic)
    zh = f"数据中{year}年{what_zh}为{data:.1f}亿元{lz}，达到{target:g}亿元需增长{_pct(growth)}。"
    en = f" The data{le} give {data:.1f} for {year}; reaching {target:g} needs {_pct(growth)}."
    return {"data_base": data, "data_growth_to_level": growth}, zh, en


# --------------------------------------------------------------------------- findings

def _employment(targets: list[Target], obs, year, synthetic) -> list[Finding]:
    emp = [t for t in targets if t.indicator == "employment" and t.scope == CITY_SCOPE
           and t.kind == "level"]
    if len(emp) < 2:
        return []
    a, b = emp[0], emp[1]
    numbers = {"target_a": a.value, "section_a": a.section, "target_b": b.value,
               "section_b": b.section, "difference": a.value - b.value,
               "difference_share": (a.value - b.value) / b.value}
    base = _city_level(obs, "employment", year - 1)
    zh_data = en_data = ""
    if base is not None:
        numbers.update(base_previous_year=base, growth_needed_a=a.value / base - 1,
                       growth_needed_b=b.value / base - 1)
        lz, le = _data_label(synthetic)
        zh_data = (f"按{year - 1}年数据{base:.2f}万人{lz}，前者需增长"
                   f"{_pct(numbers['growth_needed_a'])}，后者需增长{_pct(numbers['growth_needed_b'])}。")
        en_data = (f" With {base:.2f} (10k persons) in {year - 1}{le}, the first needs "
                   f"{_pct(numbers['growth_needed_a'])} growth, the second "
                   f"{_pct(numbers['growth_needed_b'])}.")
    return [Finding(
        id="employment_conflict", kind="conflict",
        title={"zh": "从业人员目标前后不一致",
               "en": "Two different employment targets"},
        text={"zh": (f"第{a.section}部分要求从业人员达到{a.value:g}万人（“{a.quote}”），第{b.section}"
                     f"部分要求期末从业人员达到{b.value:g}万人（“{b.quote}”），相差"
                     f"{numbers['difference']:g}万人（{_pct(numbers['difference_share'])}）。方案未说明"
                     f"两者口径（如年平均与期末）是否不同；目标库两者都保留，评估时应分别报告。{zh_data}"),
              "en": (f"Section {a.section} asks for {a.value:g} (10k persons) employed, section "
                     f"{b.section} for {b.value:g} at period end, a gap of "
                     f"{numbers['difference']:g} ({_pct(numbers['difference_share'])}). The plan "
                     "does not say whether the two use different concepts (e.g. annual average "
                     "vs period end); the registry keeps both and assessments report both."
                     f"{en_data}")},
        numbers=numbers, targets=(a.id, b.id))]


def _fai_base(targets, obs, year, synthetic) -> list[Finding]:
    level = find_target(targets, indicator="fai", scope=CITY_SCOPE, kind="level")
    growth = find_target(targets, indicator="fai", scope=CITY_SCOPE, kind="growth")
    if level is None or growth is None:
        return []
    tol = growth.tolerance or 0.0
    base = level.value / (1 + growth.value)
    numbers = {"level_target": level.value, "growth_target": growth.value,
               "implied_base": base, "tolerance": tol,
               "implied_base_low": level.value / (1 + growth.value + tol),
               "implied_base_high": level.value / (1 + growth.value - tol)}
    data_numbers, zh_data, en_data = _growth_to_reach(obs, "fai", year - 1, level.value,
                                                      synthetic, "合计")
    numbers.update(data_numbers)
    return [Finding(
        id="fai_implied_base", kind="implication",
        title={"zh": f"固定资产投资目标隐含的{year - 1}年基数",
               "en": f"The {year - 1} FAI base implied by the plan"},
        text={"zh": (f"{level.value:g}亿元、同比增长{_pct(growth.value, 0)}左右，隐含{year - 1}年基数"
                     f"{level.value:g}/{1 + growth.value:g} = {base:.1f}亿元；按增速±{tol * 100:g}个百分点"
                     f"（“左右”）为{numbers['implied_base_low']:.1f}～{numbers['implied_base_high']:.1f}"
                     f"亿元。投资的水平与增速都按现价，口径一致，但统计局增速按可比口径计算，"
                     f"不等于两年公布数之比，故此基数只是近似。{zh_data}"),
              "en": (f"{level.value:g} (100m yuan) at about +{_pct(growth.value, 0)} implies a "
                     f"{year - 1} base of {level.value:g}/{1 + growth.value:g} = {base:.1f}; with "
                     f"±{tol * 100:g} percentage points for 'about', {numbers['implied_base_low']:.1f} to "
                     f"{numbers['implied_base_high']:.1f}. Level and growth are both nominal, so "
                     "the pair is coherent, but published growth is on a comparable basis, not "
                     f"the ratio of published levels: the base is approximate.{en_data}")},
        numbers=numbers, targets=(level.id, growth.id))]


def _iav_base(targets, obs, year, synthetic, deflators, facts) -> list[Finding]:
    level = find_target(targets, indicator="iav", scope=CITY_SCOPE, kind="level")
    growth = find_target(targets, indicator="iav", scope=CITY_SCOPE, kind="growth")
    if level is None or growth is None:
        return []
    table = tuple({"deflator": p,
                   "implied_base": level.value / ((1 + growth.value) * (1 + p)),
                   "nominal_growth": (1 + growth.value) * (1 + p) - 1} for p in deflators)
    numbers = {"level_target": level.value, "growth_target": growth.value,
               "implied_base_zero_deflator": level.value / (1 + growth.value)}
    data = _city_level(obs, "iav", year - 1)
    zh_data = en_data = ""
    if data is not None:
        implied_p = level.value / (data * (1 + growth.value)) - 1
        numbers.update(data_base=data, deflator_implied_by_data=implied_p)
        lz, le = _data_label(synthetic)
        zh_data = (f"数据中{year - 1}年名义增加值为{data:.1f}亿元{lz}，两个目标同时成立要求价格指数变动"
                   f"{_pct(implied_p)}。")
        en_data = (f" The data{le} give a nominal {data:.1f} for {year - 1}; both targets hold "
                   f"together only with a deflator of {_pct(implied_p)}.")
    lo, hi = table[0], table[-1]
    return [Finding(
        id="iav_implied_base_deflator", kind="implication",
        title={"zh": "工业增加值目标：名义水平与实际增速需要价格平减指数才能对应",
               "en": "IAV targets: a nominal level and a real growth rate need a deflator"},
        text={"zh": (f"{level.value:g}亿元为现价（名义）水平，{_pct(growth.value, 0)}左右为按可比价格计算的"
                     f"实际增速，只有在两者价格口径相同时才能推出{year - 1}年基数。若{year}年工业生产者价格"
                     f"不变，基数为{numbers['implied_base_zero_deflator']:.1f}亿元；平减指数从"
                     f"{_pct(lo['deflator'], 0)}到{_pct(hi['deflator'], 0)}时，隐含基数从"
                     f"{lo['implied_base']:.1f}到{hi['implied_base']:.1f}亿元（见下表）。"
                     f"{_fact(facts, 'price_history', 'zh', '{}，')}价格上涨越多，达到"
                     f"{level.value:g}亿元越容易而与实际增速无关。{zh_data}"),
              "en": (f"{level.value:g} (100m yuan) is a nominal level, about "
                     f"{_pct(growth.value, 0)} a real growth rate (at comparable prices); a "
                     f"{year - 1} base follows only if both share a price basis. With unchanged "
                     f"industrial producer prices in {year} the base is "
                     f"{numbers['implied_base_zero_deflator']:.1f}; with a deflator from "
                     f"{_pct(lo['deflator'], 0)} to {_pct(hi['deflator'], 0)} it runs from "
                     f"{lo['implied_base']:.1f} to {hi['implied_base']:.1f} (table). "
                     + _fact(facts, "price_history", "en", "{}: the more they rise",
                             "The more producer prices rise")
                     + f", the easier the nominal {level.value:g} is, whatever real growth "
                     f"is.{en_data}")},
        numbers=numbers, table=table, targets=(level.id, growth.id))]


def _park_growth(targets, clusters, obs, year, synthetic, shares, indicator,
                 facts) -> list[Finding]:
    city = find_target(targets, indicator=indicator, scope=CITY_SCOPE, kind="growth")
    prov = find_target(targets, indicator=indicator, scope=PROVINCIAL_SCOPE, kind="growth")
    if city is None or prov is None:
        return []
    tol = city.tolerance or 0.0
    share = (provincial_share(obs, clusters, indicator, year - 1)
             if obs is not None and clusters is not None else None)
    rows = []
    for s, from_data in sorted([(float(x), False) for x in shares]
                               + ([(share, True)] if share is not None else [])):
        row = {"provincial_share": s,
               "park_growth": implied_park_growth(city.value, prov.value, s)}
        if tol:
            row["park_growth_city_low"] = implied_park_growth(city.value - tol, prov.value, s)
            row["park_growth_city_high"] = implied_park_growth(city.value + tol, prov.value, s)
        row["from_data"] = from_data
        rows.append(row)
    breakeven = city.value / prov.value if prov.value else None
    numbers = {"city_growth_target": city.value, "provincial_growth_target": prov.value,
               "tolerance": tol, "breakeven_share": breakeven}
    name = (INDICATORS[indicator].name_zh, INDICATORS[indicator].label("en"))
    zh_data = en_data = ""
    if share is not None:
        g = implied_park_growth(city.value, prov.value, share)
        numbers.update(data_share=share, data_park_growth=g)
        lz, le = _data_label(synthetic)
        fall_zh = f"（即可下降{_pct(-g)}）" if g < 0 else ""
        fall_en = f" (they may shrink by {_pct(-g)})" if g < 0 else ""
        zh_data = (f"按数据中{year - 1}年的份额{_pct(share)}{lz}，市级园区需增长{_pct(g)}{fall_zh}。")
        en_data = (f" At the {year - 1} share in the data{le}, {_pct(share)}, the parks need "
                   f"{_pct(g)}{fall_en}.")
    if city.value < prov.value:
        relation_zh = (f"全市目标低于省级目标，所以园区所需增速总低于省级；省级份额超过{_pct(breakeven)}时，"
                       "园区即使负增长全市目标也能达到，全市目标对园区不构成约束"
                       + _fact(facts, "zone_targets_source", "zh", "，园区目标须见{}", "") + "。")
        relation_en = ("The city target is below the provincial one, so the parks always need "
                       f"less than the provincial clusters; above a provincial share of "
                       f"{_pct(breakeven)} the city target is met even if the parks shrink, so "
                       "it does not bind them"
                       + _fact(facts, "zone_targets_source", "en", " (their own targets are in {})")
                       + ".")
    else:
        relation_zh = "全市目标不低于省级目标，所以园区所需增速不低于省级。"
        relation_en = ("The city target is not below the provincial one, so the parks need at "
                       "least the provincial growth.")
    tol_zh = (f"表中后两列为全市增速取{_pct(city.value - tol)}和{_pct(city.value + tol)}（“左右”）时。"
              if tol else "")
    tol_en = (f" The last two columns take the city at {_pct(city.value - tol)} and "
              f"{_pct(city.value + tol)} ('about')." if tol else "")
    basis_zh = ("工业增加值增速为实际增速，权重严格应为可比价基期值，这里用名义份额近似。"
                if indicator == "iav" else "")
    basis_en = (" IAV growth is real, so the weights should be base-year values at comparable "
                "prices; nominal shares approximate them." if indicator == "iav" else "")
    return [Finding(
        id=f"{indicator}_park_growth", kind="implication",
        title={"zh": f"{name[0]}：全市{_pct(city.value, 0)}、省级{_pct(prov.value, 0)}时市级工业专业园区需要的增速",
               "en": f"{name[1]}: growth the municipal parks need when the city grows "
                     f"{_pct(city.value, 0)} and provincial clusters {_pct(prov.value, 0)}"},
        text={"zh": (f"全市增速是省级产业集聚区与市级工业专业园区增速按上年份额s加权之和，故园区需增长"
                     f" g = ({city.value:g} − s×{prov.value:g})/(1 − s)。{relation_zh}"
                     f"{tol_zh}{basis_zh}{zh_data}"),
              "en": (f"City growth is the share-weighted sum of provincial-cluster and park growth "
                     f"(share s of last year's total), so the parks need g = ({city.value:g} - "
                     f"s*{prov.value:g})/(1 - s). {relation_en}"
                     f"{tol_en}{basis_en}{en_data}")},
        numbers=numbers, table=tuple(rows), targets=(city.id, prov.id))]


def _revenue_sum(targets, obs, year, synthetic, facts) -> list[Finding]:
    total = find_target(targets, indicator="revenue", scope=CITY_SCOPE, kind="level")
    parts = [t for t in targets if t.indicator.startswith("revenue_") and t.kind == "level"
             and t.scope == CITY_SCOPE]
    if total is None or not parts:
        return []
    s = float(sum(t.value for t in parts))
    largest = max(parts, key=lambda t: t.value)
    numbers = {"total_target": total.value, "industry_sum": s, "n_industries": len(parts),
               "remainder": total.value - s, "sum_share_of_total": s / total.value,
               "largest_industry": largest.id, "largest_share_of_total": largest.value / total.value}
    table = tuple({"target_id": t.id, "value": t.value, "share_of_total": t.value / total.value}
                  for t in parts)
    data_numbers, zh_data, en_data = _growth_to_reach(obs, "revenue", year - 1, total.value,
                                                      synthetic, "主营业务收入")
    numbers.update(data_numbers)
    return [Finding(
        id="revenue_industry_sum", kind="check",
        title={"zh": f"{len(parts)}个产业的主营业务收入目标之和与{total.value:g}亿元总目标",
               "en": f"The {len(parts)} industry revenue targets against the {total.value:g} total"},
        text={"zh": (f"{len(parts)}个产业目标合计{s:g}亿元，占总目标{total.value:g}亿元的"
                     f"{_pct(numbers['sum_share_of_total'])}，余{numbers['remainder']:g}亿元。"
                     f"能说明的：若各产业互不重叠且覆盖全部企业，其余产业只剩{numbers['remainder']:g}亿元，"
                     f"这偏少；最大的一项（{largest.id}）占{_pct(numbers['largest_share_of_total'])}。"
                     f"不能说明的：产业之间有交叉{_fact(facts, 'industry_overlap', 'zh', '（{}）')}，"
                     f"也未覆盖全部行业{_fact(facts, 'industries_not_covered', 'zh', '（{}）')}，"
                     f"部分目标写“超”（下限）；"
                     f"产业目标可能含集聚区外企业。因此两者不相等不算矛盾，相等也不证明一致。{zh_data}"),
              "en": (f"The {len(parts)} industry targets add up to {s:g}, "
                     f"{_pct(numbers['sum_share_of_total'])} of the {total.value:g} total, "
                     f"leaving {numbers['remainder']:g}. What it can show: if the industries were "
                     f"disjoint and covered every firm, everything else would have only "
                     f"{numbers['remainder']:g} left, which looks small; the largest "
                     f"({largest.id}) is {_pct(numbers['largest_share_of_total'])} of the total. "
                     "What it cannot show: the industries overlap"
                     + _fact(facts, "industry_overlap", "en", " ({})")
                     + ", they do not cover every sector"
                     + _fact(facts, "industries_not_covered", "en", " ({})")
                     + ", some targets are lower bounds ('more than'), and industry targets may count "
                     "firms outside the clusters. A gap is no contradiction, and a match would "
                     f"prove no consistency.{en_data}")},
        numbers=numbers, table=table, targets=(total.id, *(t.id for t in parts)))]


def _stars(targets, clusters) -> list[Finding]:
    stars = [t for t in targets if t.indicator == "star_rating" and t.kind == "count"]
    if not stars or clusters is None:
        return []
    star_col = pd.to_numeric(clusters["star_target"], errors="coerce")
    prov = clusters[clusters["level"] == "provincial"]
    without = prov[pd.to_numeric(prov["star_target"], errors="coerce").isna()]["cluster_id"].tolist()
    counted = int(sum(t.value for t in stars))
    numbers = {"clusters_with_star_target_in_plan": counted,
               "clusters_with_star_target_in_registry": int(star_col.notna().sum()),
               "provincial_clusters_in_registry": int(len(prov)),
               "provincial_without_star_target": without}
    return [Finding(
        id="star_coverage", kind="note",
        title={"zh": "星级目标的覆盖范围", "en": "Which clusters have a star target"},
        text={"zh": (f"方案为{counted}个产业集聚区提出星级目标，登记表中有{len(prov)}个省级产业集聚区；"
                     f"未给星级目标的：{'、'.join(without) or '无'}。星级评定标准不在方案中，需另行提供参数。"),
              "en": (f"The plan sets star targets for {counted} clusters; the registry has "
                     f"{len(prov)} provincial clusters; without a star target: "
                     f"{', '.join(without) or 'none'}. The rating rules are not in the plan and "
                     "must be supplied as parameters.")},
        numbers=numbers, targets=tuple(t.id for t in stars))]


def _ratios(targets) -> list[Finding]:
    """Smaller implications: infrastructure share of FAI, R&D in 亿元, leading firms."""
    out = []
    by = _by_id(targets)
    fai = find_target(targets, indicator="fai", scope=CITY_SCOPE, kind="level")
    infra = next((t for t in targets if t.indicator == "infrastructure_investment"), None)
    if fai is not None and infra is not None:
        share = infra.value / fai.value
        out.append(Finding(
            id="infrastructure_share_of_fai", kind="implication",
            title={"zh": "基础设施投资占固定资产投资目标的比重",
                   "en": "Infrastructure investment as a share of the FAI target"},
            text={"zh": f"基础设施投资{infra.value:g}亿元是固定资产投资{fai.value:g}亿元的一部分，占{_pct(share)}。",
                  "en": f"Infrastructure investment ({infra.value:g}) is part of FAI "
                        f"({fai.value:g}): {_pct(share)}."},
            numbers={"infrastructure": infra.value, "fai": fai.value, "share": share},
            targets=(infra.id, fai.id)))
    iav = find_target(targets, indicator="iav", scope=CITY_SCOPE, kind="level")
    rd = next((t for t in targets if t.indicator == "rd_expenditure_share_of_iav"), None)
    if iav is not None and rd is not None:
        amount = rd.value * iav.value
        out.append(Finding(
            id="rd_amount_implied", kind="implication",
            title={"zh": "R&D经费比重目标隐含的金额", "en": "R&D spending implied by the share target"},
            text={"zh": (f"R&D经费占规模以上工业增加值{_pct(rd.value)}，按增加值{iav.value:g}亿元约为"
                         f"{amount:.1f}亿元。分母是工业增加值，而常见的研发强度以主营业务收入或GDP为分母，"
                         "与其他地区比较时须注意。"),
                  "en": (f"R&D at {_pct(rd.value)} of IAV ({iav.value:g}) is about {amount:.1f} "
                         "(100m yuan). The denominator is industrial value added, whereas R&D "
                         "intensity is usually quoted against revenue or GDP: compare with care.")},
            numbers={"rd_share": rd.value, "iav_level": iav.value, "rd_amount": amount},
            targets=(rd.id, iav.id)))
    a, b = by.get("innovation_complexes_completed"), by.get("innovation_complexes_new")
    if a is not None and b is not None:
        out.append(Finding(
            id="innovation_complexes_overlap", kind="note",
            title={"zh": "创新创业综合体：建成与新建是否重叠", "en": "Innovation complexes: completed vs new"},
            text={"zh": (f"方案要求建成{a.value}个、新建{b.value}家创新创业综合体，未说明建成的是否包含在新建之中，"
                         f"合计可能是{max(a.value, b.value)}到{a.value + b.value}个。"),
                  "en": (f"The plan asks for {a.value} complexes completed and {b.value} new, "
                         f"without saying whether they overlap: {max(a.value, b.value)} to "
                         f"{a.value + b.value} in all.")},
            numbers={"completed": a.value, "new": b.value,
                     "total_min": max(a.value, b.value), "total_max": a.value + b.value},
            targets=(a.id, b.id)))
    return out


def _leading_firms(targets, clusters) -> list[Finding]:
    p = next((t for t in targets if t.indicator == "new_leading_firms"
              and t.scope == "each_provincial"), None)
    m = next((t for t in targets if t.indicator == "new_leading_firms"
              and t.scope == "each_municipal"), None)
    if p is None or m is None or clusters is None:
        return []
    n_p = int((clusters["level"] == PROVINCIAL_SCOPE).sum())
    n_m = int((clusters["level"] == MUNICIPAL_SCOPE).sum())
    firms = p.value * n_p + m.value * n_m
    return [Finding(
        id="leading_firms_total", kind="implication",
        title={"zh": "龙头企业引进目标的合计", "en": "Leading-firm targets in total"},
        text={"zh": (f"每个省级产业集聚区至少{p.value}家、每个市级园区至少{m.value}家：按登记表{n_p}个省级、"
                     f"{n_m}个市级，全市至少{firms}家（附件中的园区名单可能更多）。"),
              "en": (f"At least {p.value} per provincial cluster and {m.value} per park: with the "
                     f"registry's {n_p} provincial clusters and {n_m} parks, at least {firms} firms "
                     "city-wide (the annexes may list more parks).")},
        numbers={"per_provincial": p.value, "per_municipal": m.value, "n_provincial": n_p,
                 "n_municipal": n_m, "firms_min": firms},
        targets=(p.id, m.id))]


def _wording(targets, facts) -> list[Finding]:
    ids = [t.id for t in targets if "超" in t.note and "达到" in t.note]
    if not ids:
        return []
    return [Finding(
        id="revenue_wording", kind="note",
        title={"zh": "“超”与“达到”的措辞差异", "en": "'More than' vs 'reach'"},
        text={"zh": (f"{'、'.join(ids)}："
                     + _fact(facts, "revenue_wording", "zh", "{}", "方案一处写“超”，另一处写“达到”")
                     + "。目标库按“≥”处理。"),
              "en": (f"{', '.join(ids)}: "
                     + _fact(facts, "revenue_wording", "en", "{}",
                             "the plan says 'more than' (超) in one place, 'reach' (达到) in "
                             "another")
                     + ". The registry reads both as '>='.")},
        numbers={"targets": ids}, targets=tuple(ids))]


def _projects(targets, projects, year, synthetic, facts) -> list[Finding]:
    by = _by_id(targets)
    signed, started, done = (by.get("projects_signed"), by.get("projects_new_starts"),
                             by.get("projects_completed"))
    fai = find_target(targets, indicator="fai", scope=CITY_SCOPE, kind="level")
    if started is None or done is None:
        return []
    numbers = {"signed_target": signed.value if signed else None,
               "new_starts_target": started.value, "completed_target": done.value}
    zh_data = en_data = ""
    if projects is not None and len(projects):
        rows = projects[projects["year"].astype(int) == year] if "year" in projects else projects
        counts = rows["status"].value_counts()
        planned = float(pd.to_numeric(rows["planned_investment"]).sum())
        numbers.update(data_new=int(counts.get("new", 0)),
                       data_continuing=int(counts.get("continuing", 0)),
                       data_completed=int(counts.get("completed", 0)),
                       data_planned_investment=planned)
        lz, le = _data_label(synthetic)
        share = ""
        share_en = ""
        if fai is not None:
            numbers["data_planned_share_of_fai_target"] = planned / fai.value
            share = f"，占固定资产投资目标的{_pct(planned / fai.value)}"
            share_en = f", {_pct(planned / fai.value)} of the FAI target"
        zh_data = (f"项目表{lz}中新开{numbers['data_new']}个、续建{numbers['data_continuing']}个、竣工"
                   f"{numbers['data_completed']}个，{year}年计划投资合计{planned:.1f}亿元{share}。")
        en_data = (f" The project table{le} has {numbers['data_new']} new, "
                   f"{numbers['data_continuing']} continuing and {numbers['data_completed']} "
                   f"completed projects, {planned:.1f} planned for {year}{share_en}.")
    signed_zh = f"新签约{signed.value}个、" if signed else ""
    signed_en = f"{signed.value} signed, " if signed else ""
    return [Finding(
        id="major_projects", kind="note",
        title={"zh": "重大项目数量目标与项目表", "en": "Major-project counts and the project table"},
        text={"zh": (f"方案要求{signed_zh}新开工{started.value}个、建成投产{done.value}个重大项目；"
                     + _fact(facts, "project_lists", "zh", "{}，因此") + "自下而上的投资测算依赖项目表。"
                     f"{zh_data}"),
              "en": (f"The plan asks for {signed_en}{started.value} new starts and {done.value} "
                     "completions; "
                     + _fact(facts, "project_lists", "en", "{}, so bottom-up",
                             "bottom-up")
                     + f" investment rests on the project table.{en_data}")},
        numbers=numbers, targets=tuple(t.id for t in (signed, started, done) if t))]


def audit_plan(targets: list[Target], clusters: pd.DataFrame | None = None,
               observations: pd.DataFrame | None = None, *, year: int | None = None,
               deflators=DEFAULT_DEFLATORS, shares=DEFAULT_SHARES,
               projects: pd.DataFrame | None = None,
               facts: AuditFacts | None = None) -> list[Finding]:
    """Audit the plan's targets for internal consistency and implications.

    Parameters
    ----------
    targets : list of Target
        The registry (:func:`zzforecast.data.targets.load_targets`).
    clusters : pandas.DataFrame, optional
        The cluster registry (for shares, star coverage, leading-firm totals).
    observations : pandas.DataFrame, optional
        Observations (for last year's levels and the provincial share); flagged as
        synthetic in the text when their ``synthetic`` column says so.
    year : int, optional
        The plan year; bases are ``year - 1``. Default: the year the targets carry.
    deflators : sequence of float
        Industrial price changes (fractions) for the IAV table.
    shares : sequence of float
        Provincial shares for the park-growth tables.
    projects : pandas.DataFrame, optional
        The major-projects table (counts by status, planned investment).
    facts : AuditFacts, optional
        The plan's own facts (``params/plans/<year>/audit.yaml``); without them the
        findings say the general thing only.

    Returns
    -------
    list of Finding
    """
    from ..data.targets import _plan_year

    year = _plan_year(targets, year)
    facts = facts if facts is not None else AuditFacts()
    synthetic = bool(observations is not None and "synthetic" in observations
                     and observations["synthetic"].astype(str).str.lower().isin(
                         ["true", "1"]).any())
    findings: list[Finding] = []
    findings += _employment(targets, observations, year, synthetic)
    findings += _fai_base(targets, observations, year, synthetic)
    findings += _iav_base(targets, observations, year, synthetic, deflators, facts)
    for ind in MONTHLY_INDICATORS:
        findings += _park_growth(targets, clusters, observations, year, synthetic, shares, ind,
                                 facts)
    findings += _revenue_sum(targets, observations, year, synthetic, facts)
    findings += _wording(targets, facts)
    findings += _stars(targets, clusters)
    findings += _leading_firms(targets, clusters)
    findings += _projects(targets, projects, year, synthetic, facts)
    findings += _ratios(targets)
    return findings


# --------------------------------------------------------------------------- rendering

_KIND = {"zh": {"conflict": "矛盾", "implication": "推论", "check": "核对", "note": "说明"},
         "en": {"conflict": "conflict", "implication": "implication", "check": "check",
                "note": "note"}}
_COLUMN = {
    "zh": {"deflator": "价格变动", "implied_base": "隐含基数(亿元)", "nominal_growth": "名义增速",
           "provincial_share": "省级份额", "park_growth": "园区需增速",
           "park_growth_city_low": "全市取下限时", "park_growth_city_high": "全市取上限时",
           "target_id": "目标", "value": "亿元", "share_of_total": "占总目标", "from_data": ""},
    "en": {"deflator": "deflator", "implied_base": "implied base", "nominal_growth": "nominal growth",
           "provincial_share": "prov. share", "park_growth": "park growth",
           "park_growth_city_low": "city at low end", "park_growth_city_high": "city at high end",
           "target_id": "target", "value": "100m yuan", "share_of_total": "of total",
           "from_data": ""},
}
_PERCENT_COLUMNS = {"deflator", "nominal_growth", "provincial_share", "park_growth",
                    "park_growth_city_low", "park_growth_city_high", "share_of_total"}


def _cell(key: str, value: Any, lang: str = "en") -> str:
    if key == "from_data":
        return ("← 数据" if lang == "zh" else "<- data") if value else ""
    if isinstance(value, float) and key in _PERCENT_COLUMNS:
        return _pct(value)
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _render_table(rows: tuple, lang: str) -> list[str]:
    keys = list(rows[0])
    head = [_COLUMN[lang].get(k, k) for k in keys]
    cells = [[_cell(k, r[k], lang) for k in keys] for r in rows]
    widths = [max(_width(h), *(_width(c[i]) for c in cells)) for i, h in enumerate(head)]
    lines = ["    " + "  ".join(_pad(h, w) for h, w in zip(head, widths, strict=True))]
    lines += ["    " + "  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True))
              for row in cells]
    return [line.rstrip() for line in lines]


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return " " * (width - _width(text)) + text


def render_text(findings: list[Finding], lang: str = "zh", *, synthetic: bool = False,
                source: str = "") -> str:
    """The audit as plain text, in Chinese (``zh``) or English (``en``).

    Parameters
    ----------
    findings : list of Finding
    lang : {"zh", "en"}
    synthetic : bool
        Adds a banner saying that the data-based figures come from synthetic data.
    source : str
        A line naming the plan document.

    Returns
    -------
    str
    """
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    head = ("方案一致性核查" if lang == "zh" else "Plan consistency audit")
    lines = [head + (f"：{source}" if lang == "zh" and source else f": {source}" if source else "")]
    if synthetic:
        lines.append("注意：凡引用数据处均为合成演示数据，非官方统计。" if lang == "zh" else
                     "Note: every figure taken from the data is SYNTHETIC demonstration data, "
                     "not official statistics.")
    lines.append("")
    for i, f in enumerate(findings, start=1):
        lines.append(f"{i}. [{_KIND[lang][f.kind]}] {f.title[lang]}")
        lines.append(f"   {f.text[lang]}")
        if f.table:
            lines.extend(_render_table(f.table, lang))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _plain(value: Any) -> Any:
    if isinstance(value, np.floating | float):
        return None if not np.isfinite(value) else round(float(value), 6)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def to_json(findings: list[Finding], lang: str = "zh", *, synthetic: bool = False,
            source: str = "", year: int | None = None) -> str:
    """The audit as JSON: the same findings and numbers as :func:`render_text`.

    Returns
    -------
    str
        ``{"year", "source", "lang", "synthetic_data", "findings": [{"id", "kind",
        "title", "text", "numbers", "table", "targets"}]}``.
    """
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    doc = {"year": year, "source": source, "lang": lang, "synthetic_data": synthetic,
           "findings": [{"id": f.id, "kind": f.kind, "title": f.title[lang],
                         "text": f.text[lang], "numbers": _plain(f.numbers),
                         "table": _plain(list(f.table)), "targets": list(f.targets)}
                        for f in findings]}
    return json.dumps(doc, ensure_ascii=False, indent=2)
