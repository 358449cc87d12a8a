"""Audit checks of the plan's levels, bases and growth rates (with last year's data when given).

Each check takes the targets (and the data) and returns its findings, or none when the
plan lacks the targets it compares.
"""

from __future__ import annotations

from ...data.schemas import CITY_SCOPE, INDICATORS, PROVINCIAL_SCOPE
from ...data.targets import Target, find_target, implied_park_growth, provincial_share
from .finding import Finding, city_level, data_label, fact, growth_to_reach, pct

__all__ = ["employment_conflict", "fai_implied_base", "iav_implied_base", "park_growth", "revenue_industry_sum"]


def employment_conflict(targets: list[Target], obs, year, synthetic) -> list[Finding]:
    emp = [t for t in targets if t.indicator == "employment" and t.scope == CITY_SCOPE
           and t.kind == "level"]
    if len(emp) < 2:
        return []
    a, b = emp[0], emp[1]
    numbers = {"target_a": a.value, "section_a": a.section, "target_b": b.value,
               "section_b": b.section, "difference": a.value - b.value,
               "difference_share": (a.value - b.value) / b.value}
    base = city_level(obs, "employment", year - 1)
    zh_data = en_data = ""
    if base is not None:
        numbers.update(base_previous_year=base, growth_needed_a=a.value / base - 1,
                       growth_needed_b=b.value / base - 1)
        lz, le = data_label(synthetic)
        zh_data = (f"按{year - 1}年数据{base:.2f}万人{lz}，前者需增长"
                   f"{pct(numbers['growth_needed_a'])}，后者需增长{pct(numbers['growth_needed_b'])}。")
        en_data = (f" With {base:.2f} (10k persons) in {year - 1}{le}, the first needs "
                   f"{pct(numbers['growth_needed_a'])} growth, the second "
                   f"{pct(numbers['growth_needed_b'])}.")
    return [Finding(
        id="employment_conflict", kind="conflict",
        title={"zh": "从业人员目标前后不一致",
               "en": "Two different employment targets"},
        text={"zh": (f"第{a.section}部分要求从业人员达到{a.value:g}万人（“{a.quote}”），第{b.section}"
                     f"部分要求期末从业人员达到{b.value:g}万人（“{b.quote}”），相差"
                     f"{numbers['difference']:g}万人（{pct(numbers['difference_share'])}）。方案未说明"
                     f"两者口径（如年平均与期末）是否不同；目标库两者都保留，评估时应分别报告。{zh_data}"),
              "en": (f"Section {a.section} asks for {a.value:g} (10k persons) employed, section "
                     f"{b.section} for {b.value:g} at period end, a gap of "
                     f"{numbers['difference']:g} ({pct(numbers['difference_share'])}). The plan "
                     "does not say whether the two use different concepts (e.g. annual average "
                     "vs period end); the registry keeps both and assessments report both."
                     f"{en_data}")},
        numbers=numbers, targets=(a.id, b.id))]


def fai_implied_base(targets, obs, year, synthetic) -> list[Finding]:
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
    data_numbers, zh_data, en_data = growth_to_reach(obs, "fai", year - 1, level.value,
                                                      synthetic, "合计")
    numbers.update(data_numbers)
    return [Finding(
        id="fai_implied_base", kind="implication",
        title={"zh": f"固定资产投资目标隐含的{year - 1}年基数",
               "en": f"The {year - 1} FAI base implied by the plan"},
        text={"zh": (f"{level.value:g}亿元、同比增长{pct(growth.value, 0)}左右，隐含{year - 1}年基数"
                     f"{level.value:g}/{1 + growth.value:g} = {base:.1f}亿元；按增速±{tol * 100:g}个百分点"
                     f"（“左右”）为{numbers['implied_base_low']:.1f}～{numbers['implied_base_high']:.1f}"
                     f"亿元。投资的水平与增速都按现价，口径一致，但统计局增速按可比口径计算，"
                     f"不等于两年公布数之比，故此基数只是近似。{zh_data}"),
              "en": (f"{level.value:g} (100m yuan) at about +{pct(growth.value, 0)} implies a "
                     f"{year - 1} base of {level.value:g}/{1 + growth.value:g} = {base:.1f}; with "
                     f"±{tol * 100:g} percentage points for 'about', {numbers['implied_base_low']:.1f} to "
                     f"{numbers['implied_base_high']:.1f}. Level and growth are both nominal, so "
                     "the pair is coherent, but published growth is on a comparable basis, not "
                     f"the ratio of published levels: the base is approximate.{en_data}")},
        numbers=numbers, targets=(level.id, growth.id))]


def iav_implied_base(targets, obs, year, synthetic, deflators, facts) -> list[Finding]:
    level = find_target(targets, indicator="iav", scope=CITY_SCOPE, kind="level")
    growth = find_target(targets, indicator="iav", scope=CITY_SCOPE, kind="growth")
    if level is None or growth is None:
        return []
    table = tuple({"deflator": p,
                   "implied_base": level.value / ((1 + growth.value) * (1 + p)),
                   "nominal_growth": (1 + growth.value) * (1 + p) - 1} for p in deflators)
    numbers = {"level_target": level.value, "growth_target": growth.value,
               "implied_base_zero_deflator": level.value / (1 + growth.value)}
    data = city_level(obs, "iav", year - 1)
    zh_data = en_data = ""
    if data is not None:
        implied_p = level.value / (data * (1 + growth.value)) - 1
        numbers.update(data_base=data, deflator_implied_by_data=implied_p)
        lz, le = data_label(synthetic)
        zh_data = (f"数据中{year - 1}年名义增加值为{data:.1f}亿元{lz}，两个目标同时成立要求价格指数变动"
                   f"{pct(implied_p)}。")
        en_data = (f" The data{le} give a nominal {data:.1f} for {year - 1}; both targets hold "
                   f"together only with a deflator of {pct(implied_p)}.")
    lo, hi = table[0], table[-1]
    return [Finding(
        id="iav_implied_base_deflator", kind="implication",
        title={"zh": "工业增加值目标：名义水平与实际增速需要价格平减指数才能对应",
               "en": "IAV targets: a nominal level and a real growth rate need a deflator"},
        text={"zh": (f"{level.value:g}亿元为现价（名义）水平，{pct(growth.value, 0)}左右为按可比价格计算的"
                     f"实际增速，只有在两者价格口径相同时才能推出{year - 1}年基数。若{year}年工业生产者价格"
                     f"不变，基数为{numbers['implied_base_zero_deflator']:.1f}亿元；平减指数从"
                     f"{pct(lo['deflator'], 0)}到{pct(hi['deflator'], 0)}时，隐含基数从"
                     f"{lo['implied_base']:.1f}到{hi['implied_base']:.1f}亿元（见下表）。"
                     f"{fact(facts, 'price_history', 'zh', '{}，')}价格上涨越多，达到"
                     f"{level.value:g}亿元越容易而与实际增速无关。{zh_data}"),
              "en": (f"{level.value:g} (100m yuan) is a nominal level, about "
                     f"{pct(growth.value, 0)} a real growth rate (at comparable prices); a "
                     f"{year - 1} base follows only if both share a price basis. With unchanged "
                     f"industrial producer prices in {year} the base is "
                     f"{numbers['implied_base_zero_deflator']:.1f}; with a deflator from "
                     f"{pct(lo['deflator'], 0)} to {pct(hi['deflator'], 0)} it runs from "
                     f"{lo['implied_base']:.1f} to {hi['implied_base']:.1f} (table). "
                     + fact(facts, "price_history", "en", "{}: the more they rise",
                             "The more producer prices rise")
                     + f", the easier the nominal {level.value:g} is, whatever real growth "
                     f"is.{en_data}")},
        numbers=numbers, table=table, targets=(level.id, growth.id))]


def park_growth(targets, clusters, obs, year, synthetic, shares, indicator,
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
        lz, le = data_label(synthetic)
        fall_zh = f"（即可下降{pct(-g)}）" if g < 0 else ""
        fall_en = f" (they may shrink by {pct(-g)})" if g < 0 else ""
        zh_data = (f"按数据中{year - 1}年的份额{pct(share)}{lz}，市级园区需增长{pct(g)}{fall_zh}。")
        en_data = (f" At the {year - 1} share in the data{le}, {pct(share)}, the parks need "
                   f"{pct(g)}{fall_en}.")
    if city.value < prov.value:
        relation_zh = (f"全市目标低于省级目标，所以园区所需增速总低于省级；省级份额超过{pct(breakeven)}时，"
                       "园区即使负增长全市目标也能达到，全市目标对园区不构成约束"
                       + fact(facts, "zone_targets_source", "zh", "，园区目标须见{}", "") + "。")
        relation_en = ("The city target is below the provincial one, so the parks always need "
                       f"less than the provincial clusters; above a provincial share of "
                       f"{pct(breakeven)} the city target is met even if the parks shrink, so "
                       "it does not bind them"
                       + fact(facts, "zone_targets_source", "en", " (their own targets are in {})")
                       + ".")
    else:
        relation_zh = "全市目标不低于省级目标，所以园区所需增速不低于省级。"
        relation_en = ("The city target is not below the provincial one, so the parks need at "
                       "least the provincial growth.")
    tol_zh = (f"表中后两列为全市增速取{pct(city.value - tol)}和{pct(city.value + tol)}（“左右”）时。"
              if tol else "")
    tol_en = (f" The last two columns take the city at {pct(city.value - tol)} and "
              f"{pct(city.value + tol)} ('about')." if tol else "")
    basis_zh = ("工业增加值增速为实际增速，权重严格应为可比价基期值，这里用名义份额近似。"
                if indicator == "iav" else "")
    basis_en = (" IAV growth is real, so the weights should be base-year values at comparable "
                "prices; nominal shares approximate them." if indicator == "iav" else "")
    return [Finding(
        id=f"{indicator}_park_growth", kind="implication",
        title={"zh": f"{name[0]}：全市{pct(city.value, 0)}、省级{pct(prov.value, 0)}时市级工业专业园区需要的增速",
               "en": f"{name[1]}: growth the municipal parks need when the city grows "
                     f"{pct(city.value, 0)} and provincial clusters {pct(prov.value, 0)}"},
        text={"zh": (f"全市增速是省级产业集聚区与市级工业专业园区增速按上年份额s加权之和，故园区需增长"
                     f" g = ({city.value:g} − s×{prov.value:g})/(1 − s)。{relation_zh}"
                     f"{tol_zh}{basis_zh}{zh_data}"),
              "en": (f"City growth is the share-weighted sum of provincial-cluster and park growth "
                     f"(share s of last year's total), so the parks need g = ({city.value:g} - "
                     f"s*{prov.value:g})/(1 - s). {relation_en}"
                     f"{tol_en}{basis_en}{en_data}")},
        numbers=numbers, table=tuple(rows), targets=(city.id, prov.id))]


def revenue_industry_sum(targets, obs, year, synthetic, facts) -> list[Finding]:
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
    data_numbers, zh_data, en_data = growth_to_reach(obs, "revenue", year - 1, total.value,
                                                      synthetic, "主营业务收入")
    numbers.update(data_numbers)
    return [Finding(
        id="revenue_industry_sum", kind="check",
        title={"zh": f"{len(parts)}个产业的主营业务收入目标之和与{total.value:g}亿元总目标",
               "en": f"The {len(parts)} industry revenue targets against the {total.value:g} total"},
        text={"zh": (f"{len(parts)}个产业目标合计{s:g}亿元，占总目标{total.value:g}亿元的"
                     f"{pct(numbers['sum_share_of_total'])}，余{numbers['remainder']:g}亿元。"
                     f"能说明的：若各产业互不重叠且覆盖全部企业，其余产业只剩{numbers['remainder']:g}亿元，"
                     f"这偏少；最大的一项（{largest.id}）占{pct(numbers['largest_share_of_total'])}。"
                     f"不能说明的：产业之间有交叉{fact(facts, 'industry_overlap', 'zh', '（{}）')}，"
                     f"也未覆盖全部行业{fact(facts, 'industries_not_covered', 'zh', '（{}）')}，"
                     f"部分目标写“超”（下限）；"
                     f"产业目标可能含集聚区外企业。因此两者不相等不算矛盾，相等也不证明一致。{zh_data}"),
              "en": (f"The {len(parts)} industry targets add up to {s:g}, "
                     f"{pct(numbers['sum_share_of_total'])} of the {total.value:g} total, "
                     f"leaving {numbers['remainder']:g}. What it can show: if the industries were "
                     f"disjoint and covered every firm, everything else would have only "
                     f"{numbers['remainder']:g} left, which looks small; the largest "
                     f"({largest.id}) is {pct(numbers['largest_share_of_total'])} of the total. "
                     "What it cannot show: the industries overlap"
                     + fact(facts, "industry_overlap", "en", " ({})")
                     + ", they do not cover every sector"
                     + fact(facts, "industries_not_covered", "en", " ({})")
                     + ", some targets are lower bounds ('more than'), and industry targets may count "
                     "firms outside the clusters. A gap is no contradiction, and a match would "
                     f"prove no consistency.{en_data}")},
        numbers=numbers, table=table, targets=(total.id, *(t.id for t in parts)))]

