"""Audit checks of the plan's other statements: star coverage, ratios, leading firms, wording, projects.

Each check takes the targets (and the registries) and returns its findings, or none when
the plan lacks the targets it looks at.
"""

from __future__ import annotations

import pandas as pd

from ...data.schemas import CITY_SCOPE, MUNICIPAL_SCOPE, PROVINCIAL_SCOPE
from ...data.targets import find_target
from .finding import Finding, by_id, data_label, fact, pct

__all__ = ["star_coverage", "ratios", "leading_firms_total", "revenue_wording", "major_projects"]


def star_coverage(targets, clusters) -> list[Finding]:
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


def ratios(targets) -> list[Finding]:
    """Smaller implications: infrastructure share of FAI, R&D in 亿元, leading firms."""
    out = []
    by = by_id(targets)
    fai = find_target(targets, indicator="fai", scope=CITY_SCOPE, kind="level")
    infra = next((t for t in targets if t.indicator == "infrastructure_investment"), None)
    if fai is not None and infra is not None:
        share = infra.value / fai.value
        out.append(Finding(
            id="infrastructure_share_of_fai", kind="implication",
            title={"zh": "基础设施投资占固定资产投资目标的比重",
                   "en": "Infrastructure investment as a share of the FAI target"},
            text={"zh": f"基础设施投资{infra.value:g}亿元是固定资产投资{fai.value:g}亿元的一部分，占{pct(share)}。",
                  "en": f"Infrastructure investment ({infra.value:g}) is part of FAI "
                        f"({fai.value:g}): {pct(share)}."},
            numbers={"infrastructure": infra.value, "fai": fai.value, "share": share},
            targets=(infra.id, fai.id)))
    iav = find_target(targets, indicator="iav", scope=CITY_SCOPE, kind="level")
    rd = next((t for t in targets if t.indicator == "rd_expenditure_share_of_iav"), None)
    if iav is not None and rd is not None:
        amount = rd.value * iav.value
        out.append(Finding(
            id="rd_amount_implied", kind="implication",
            title={"zh": "R&D经费比重目标隐含的金额", "en": "R&D spending implied by the share target"},
            text={"zh": (f"R&D经费占规模以上工业增加值{pct(rd.value)}，按增加值{iav.value:g}亿元约为"
                         f"{amount:.1f}亿元。分母是工业增加值，而常见的研发强度以主营业务收入或GDP为分母，"
                         "与其他地区比较时须注意。"),
                  "en": (f"R&D at {pct(rd.value)} of IAV ({iav.value:g}) is about {amount:.1f} "
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


def leading_firms_total(targets, clusters) -> list[Finding]:
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


def revenue_wording(targets, facts) -> list[Finding]:
    ids = [t.id for t in targets if "超" in t.note and "达到" in t.note]
    if not ids:
        return []
    return [Finding(
        id="revenue_wording", kind="note",
        title={"zh": "“超”与“达到”的措辞差异", "en": "'More than' vs 'reach'"},
        text={"zh": (f"{'、'.join(ids)}："
                     + fact(facts, "revenue_wording", "zh", "{}", "方案一处写“超”，另一处写“达到”")
                     + "。目标库按“≥”处理。"),
              "en": (f"{', '.join(ids)}: "
                     + fact(facts, "revenue_wording", "en", "{}",
                             "the plan says 'more than' (超) in one place, 'reach' (达到) in "
                             "another")
                     + ". The registry reads both as '>='.")},
        numbers={"targets": ids}, targets=tuple(ids))]


def major_projects(targets, projects, year, synthetic, facts) -> list[Finding]:
    by = by_id(targets)
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
        lz, le = data_label(synthetic)
        share = ""
        share_en = ""
        if fai is not None:
            numbers["data_planned_share_of_fai_target"] = planned / fai.value
            share = f"，占固定资产投资目标的{pct(planned / fai.value)}"
            share_en = f", {pct(planned / fai.value)} of the FAI target"
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
                     + fact(facts, "project_lists", "zh", "{}，因此") + "自下而上的投资测算依赖项目表。"
                     f"{zh_data}"),
              "en": (f"The plan asks for {signed_en}{started.value} new starts and {done.value} "
                     "completions; "
                     + fact(facts, "project_lists", "en", "{}, so bottom-up",
                             "bottom-up")
                     + f" investment rests on the project table.{en_data}")},
        numbers=numbers, targets=tuple(t.id for t in (signed, started, done) if t))]

