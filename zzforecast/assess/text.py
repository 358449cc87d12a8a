"""Readable text of an attainability run, in Chinese (default) or English.

Used by ``zzforecast attain``; pure string building, no printing.
"""

from __future__ import annotations

import math
import re
import unicodedata

import pandas as pd

from ..data.schemas import INDICATORS

__all__ = ["render_text", "format_table"]

_T = {
    "zh": {
        "title": "{year}年目标实现概率（数据截至{as_of}，{scenario}，{n:,}条联合模拟路径，种子{seed}）",
        "plan": "一、全市及省级产业集聚区目标",
        "clusters": "二、各集聚区目标（{n}项；目标为{derived}）",
        "derived_yes": "推算值",
        "derived_no": "附件录入值",
        "no_target_section": "二、各集聚区",
        "no_target_head": "无正式目标（方案附件2、3未录入）的指标只给出预测，不计算“实现概率”；由方案推算的数值不是目标，见 --format json 的 no_official_target。",
        "cols_no_target": ["集聚区", "指标", "目标", "预测中位数", "90%区间"],
        "joint": "三、联合概率（同一路径上同时实现）",
        "drivers_head": "四、主要拖累与各集聚区所需增速（等幅：余下月份各加同样百分点；等比：余下月份各按同样比例放大）",
        "drivers": "{ind}：全市目标{target}，预期{expected}，缺口{gap}",
        "uplift": "各集聚区余下月份增速需在常规基础上同时提高{p50}，才有50%把握达标；80%把握需提高{p80}。",
        "stars": "五、星级目标（评定规则为假设，见 params/plans/<年份>/stars.yaml）",
        "projects": "重大项目：{n}个项目计划{as_of}之后完成投资{planned:,.1f}亿元，本情景预期完成{expected:,.1f}亿元（项目推迟与完成率使全市投资平均变化{adj:+,.1f}亿元，相对基准情景）。",
        "not_assessed": "另有{n}项目标无相应数据，未评估（如专利、项目个数等），详见 --format json。",
        "cols_plan": ["目标", "范围", "目标值", "实现概率", "容差内概率", "余下月份需增长", "中位数", "90%区间", "未达时平均差距"],
        "cols_cluster": ["集聚区", "指标", "目标", "实现概率", "余下月份需增长", "中位数"],
        "cols_joint": ["组合", "联合概率", "若相互独立"],
        "cols_drivers": ["集聚区", "权重", "预期增速", "对缺口贡献", "需增速(等幅)", "需增速(等比)"],
        "cols_stars": ["集聚区", "目标星级", "达到概率", "期望星级"],
        "scope": {"city": "全市", "provincial": "省级集聚区", "municipal": "市级专业园区"},
        "kind": {"growth": "增速", "level": "总量"},
        "method": "方法：余下月份增速以1—{m}月累计增速为中心，按各集聚区历年同期偏差校准；集聚区间冲击相关（{corr}）；全市、省级合计为各集聚区路径逐条加总。",
        "provenance": "来源：数据摘要 {data}…，参数摘要 {params}…，版本 {version}",
        "none": "—",
        "left_out": "未纳入模拟：{items}",
        "check": "六、模型交叉检验：自下而上联合模拟 与 对全市/省级累计数直接做的实时预测（nowcast）",
        "cols_check": ["范围与指标", "目标", "模拟：均值", "80%区间", "实现概率", "nowcast：均值", "80%区间", "实现概率"],
    },
    "en": {
        "title": "Probability of reaching the {year} targets (data through {as_of}, {scenario}, {n:,} joint paths, seed {seed})",
        "plan": "1. City and provincial-subset targets",
        "clusters": "2. Cluster targets ({n}; targets are {derived})",
        "derived_yes": "DERIVED values",
        "derived_no": "as entered",
        "no_target_section": "2. Clusters",
        "no_target_head": "Indicators with no official target (plan annexes 2 and 3 not entered) get a forecast only, no probability of attainment; values derived from the plan are not targets (see no_official_target in --format json).",
        "cols_no_target": ["cluster", "indicator", "target", "forecast median", "90% range"],
        "joint": "3. Joint probabilities (all met on the same path)",
        "drivers_head": "4. Main drags and the growth each cluster would need (equal: the same points added to every cluster's remaining months; proportional: the same percentage)",
        "drivers": "{ind}: city target {target}, expected {expected}, gap {gap}",
        "uplift": "Every cluster's remaining months would need {p50} more growth than the usual pattern for a 50% chance of the target, {p80} for 80%.",
        "stars": "5. Star-rating goals (rules are an ASSUMPTION, see params/plans/<year>/stars.yaml)",
        "projects": "Major projects: {n} projects plan {planned:,.1f} 100m yuan of investment after {as_of}; this scenario expects {expected:,.1f} (delays and completion rates change city FAI by {adj:+,.1f} on average, against the baseline).",
        "not_assessed": "{n} further targets have no data behind them and are not assessed (patents, project counts, ...); see --format json.",
        "cols_plan": ["target", "scope", "target value", "P(attain)", "P(within tol.)", "rest of year needs", "median", "90% range", "mean shortfall if missed"],
        "cols_cluster": ["cluster", "indicator", "target", "P(attain)", "rest of year needs", "median"],
        "cols_joint": ["combination", "P(joint)", "if independent"],
        "cols_drivers": ["cluster", "weight", "expected growth", "part of gap", "needs (equal)", "needs (proport.)"],
        "cols_stars": ["cluster", "target stars", "P(reach)", "expected stars"],
        "scope": {"city": "city", "provincial": "provincial clusters", "municipal": "municipal parks"},
        "kind": {"growth": "growth", "level": "level"},
        "method": "Method: growth of the months to come is centred on the Jan-{m} year-to-date growth and calibrated on each cluster's past surprises at the same month; shocks are correlated across clusters ({corr}); city and provincial totals sum cluster paths path by path.",
        "provenance": "Provenance: data digest {data}..., params digest {params}..., version {version}",
        "none": "-",
        "left_out": "Left out of the simulation: {items}",
        "check": "6. Cross-check: the bottom-up joint simulation against a top-down nowcast of the city/provincial year-to-date totals",
        "cols_check": ["scope and indicator", "target", "simulation: mean", "80% range", "P(attain)", "nowcast: mean", "80% range", "P(attain)"],
    },
}


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * max(0, width - _width(text))
    return gap + text if right else text + gap


def format_table(header: list[str], rows: list[list[str]]) -> str:
    """Align a table of strings (CJK characters count double), numbers right-aligned."""
    cols = len(header)
    widths = [max([_width(header[i])] + [_width(r[i]) for r in rows]) for i in range(cols)]
    right = [i > 0 for i in range(cols)]
    lines = ["  ".join(_pad(h, w, r) for h, w, r in zip(header, widths, right, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(_pad(c, w, r) for c, w, r in zip(row, widths, right, strict=True)))
    return "\n".join(lines)


def _pct(x, digits: int = 1, none: str = "-") -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)) or pd.isna(x):
        return none
    return f"{100 * float(x):.{digits}f}%"


def _points(x, lang: str) -> str:
    if x is None or pd.isna(x):
        return "-"
    value = 100 * float(x)
    return f"{value:+.1f}个百分点" if lang == "zh" else f"{value:+.1f} points"


def _num(x, unit: str, none: str = "-") -> str:
    if x is None or pd.isna(x):
        return none
    return f"{float(x):,.1f}{unit}"


def _unit(unit: str | None, lang: str) -> str:
    unit = unit or ""
    return _UNITS_EN.get(unit, f" {unit}") if lang == "en" else unit


def _value(row, none: str, lang: str = "zh") -> tuple[str, str, str]:
    """(target, median, 90% range) as text in the target's unit."""
    if row.kind == "growth":
        return _pct(row.target), _pct(row.q50), f"{_pct(row.q05)}~{_pct(row.q95)}"
    unit = _unit(row.unit, lang)
    return (_num(row.target, unit), _num(row.q50, unit),
            f"{_num(row.q05, '')}~{_num(row.q95, '')}")


_SHORT = {lang: {k: ind.label(lang) for k, ind in INDICATORS.items()} for lang in ("zh", "en")}
_UNITS_EN = {"亿元": " 100m yuan", "万人": " 10k persons"}


def _name(ind: str, lang: str) -> str:
    if ind in _SHORT[lang]:
        return _SHORT[lang][ind]
    meta = INDICATORS.get(ind)
    if meta is None:
        return ind
    return meta.name_zh if lang == "zh" else meta.name_en


def _corr_text(method: str, lang: str) -> str:
    if lang != "zh":
        return method
    m = re.match(r"ledoit-wolf shrinkage ([\d.]+) toward constant correlation ([\d.]+)", method)
    if m:
        return f"Ledoit-Wolf收缩估计，收缩强度{m.group(1)}，目标为常相关{m.group(2)}"
    m = re.match(r"fallback: one-factor equicorrelation rho=([\d.]+)", method)
    if m:
        return f"历史不足，采用单因子等相关假设，相关系数{m.group(1)}"
    return method


def render_text(sim, table: pd.DataFrame, joint: pd.DataFrame | None,
                driver_frames: dict, stars: pd.DataFrame | None, *, lang: str = "zh",
                top: int = 3, projects: pd.DataFrame | None = None,
                names: dict[str, str] | None = None,
                check: pd.DataFrame | None = None,
                progress: pd.DataFrame | None = None,
                zones: pd.DataFrame | None = None) -> str:
    """The attain report as text: plan targets, clusters, joint, drivers, stars, notice.

    ``names`` maps cluster ids to display names (e.g. the registry's ``name_zh``).
    ``progress`` (:func:`zzforecast.assess.progress.time_progress`) adds the 序时进度 section;
    ``zones`` (:func:`zzforecast.assess.progress.zone_latest`) each zone's latest month, with the
    zones behind the vintage flagged under the title.
    """
    names = names or {}

    def label(cid: str) -> str:
        return names.get(cid) or cid

    from ..provenance import SYNTHETIC_NOTICE

    t = _T[lang]
    none = t["none"]
    out = []
    if sim.synthetic:
        out += [SYNTHETIC_NOTICE[lang], ""]
    scenario = (sim.method.get("scenario_label") or {}).get(lang) or sim.scenario
    out.append(t["title"].format(year=sim.year, as_of=sim.as_of, scenario=scenario,
                                 n=sim.n_paths, seed=sim.seed))
    if zones is not None and len(zones):
        from .progress import format_latest

        out.append(format_latest(zones, sim.as_of, lang, names))
    out.append("")
    if progress is not None and len(progress):
        from .progress import format_progress

        out += [format_progress(progress, lang, names, sim.as_of), ""]
    plan = table[table["source"] == "plan"]
    rows = []
    for r in plan.itertuples(index=False):
        target, median, rng = _value(r, none, lang)
        shortfall = (_pct(r.expected_shortfall, 2, none) if r.kind == "growth"
                     else _num(r.expected_shortfall, _unit(r.unit, lang), none))
        sep = " " if lang == "en" else ""
        rows.append([f"{_name(r.indicator, lang)}{sep}{t['kind'].get(r.kind, r.kind)}",
                     t["scope"].get(r.scope, r.scope), target, _pct(r.p_attain, 1, none),
                     _pct(r.p_attain_within_tolerance, 1, none),
                     _pct(r.required_growth, 1, none), median, rng, shortfall])
    out += [t["plan"], format_table(t["cols_plan"], rows), ""]
    from .level_bases import format_deflator, format_level_bases

    bases = format_level_bases(plan, sim, lang)  # both bases of the level targets
    if bases:
        out += [bases, ""]
    if "iav" in sim.indicators:  # the deflator behind the IAV level, and P's sensitivity
        out += [format_deflator(sim, plan, lang), ""]
    clusters = table[table["source"] != "plan"]
    if len(clusters):
        derived = t["derived_yes"] if clusters["derived"].all() else t["derived_no"]
        rows = []
        for r in clusters.itertuples(index=False):
            target, median, _ = _value(r, none, lang)
            rows.append([label(r.scope), _name(r.indicator, lang), target, _pct(r.p_attain, 1, none),
                         _pct(r.required_growth, 1, none), median])
        out += [t["clusters"].format(n=len(clusters), derived=derived),
                format_table(t["cols_cluster"], rows), ""]
    placeholders = table.attrs.get("no_official_target") or []
    if placeholders:
        from ..data.targets import no_official_target_label

        label_none = no_official_target_label(lang)
        rows = []
        for p in placeholders:
            med = _pct(p.get("q50")) if p.get("kind") == "growth" else _num(p.get("q50"), "")
            rng = (f"{_pct(p.get('q05'))}~{_pct(p.get('q95'))}" if p.get("kind") == "growth"
                   else f"{_num(p.get('q05'), '')}~{_num(p.get('q95'), '')}")
            sep = " " if lang == "en" else ""
            rows.append([label(p["scope"]), f"{_name(p['indicator'], lang)}{sep}"
                         f"{t['kind'].get(p['kind'], p['kind'])}", label_none, med, rng])
        if not len(clusters):
            out.append(t["no_target_section"])
        out += [t["no_target_head"], format_table(t["cols_no_target"], rows), ""]
    if joint is not None and len(joint):
        by_id = {r.target_id: r for r in table.itertuples(index=False)}

        def short(tid: str) -> str:
            r = by_id.get(tid)
            if r is None:
                return tid
            sep = " " if lang == "en" else ""
            return (f"{t['scope'].get(r.scope, r.scope)}{sep}{_name(r.indicator, lang)}"
                    f"{sep}{t['kind'].get(r.kind, r.kind)}")

        rows = [[" + ".join(short(i) for i in r.target_ids.split(",")), _pct(r.p_joint, 2, none),
                 _pct(r.p_if_independent, 2, none)] for r in joint.itertuples(index=False)]
        out += [t["joint"], format_table(t["cols_joint"], rows), ""]
    if driver_frames:
        out.append(t["drivers_head"])
    for ind, frame in (driver_frames or {}).items():
        a = frame.attrs
        head = t["drivers"].format(ind=_name(ind, lang), target=_pct(a["target"]),
                                   expected=_pct(a["expected_growth"]),
                                   gap=_pct(a["expected_gap"], 2))
        worst = frame.head(top)
        rows = [[label(r.cluster_id), _pct(r.weight, 1), _pct(r.expected_growth, 1),
                 _pct(r.contribution_to_gap, 2), _pct(r.required_growth_equal, 1),
                 _pct(r.required_growth_proportional, 1)] for r in worst.itertuples(index=False)]
        out += [head, format_table(t["cols_drivers"], rows)]
        if "uplift_for_p50" in a:
            out.append(t["uplift"].format(p50=_points(a["uplift_for_p50"], lang),
                                          p80=_points(a["uplift_for_p80"], lang)))
        out.append("")
    if stars is not None and len(stars):
        rows = [[label(r.cluster_id), str(r.star_target), _pct(r.p_reach_target, 1),
                 f"{r.expected_stars:.1f}"] for r in stars.itertuples(index=False)]
        out += [t["stars"], format_table(t["cols_stars"], rows), ""]
    if check is not None and len(check):
        sep = " " if lang == "en" else ""
        rows = [[f"{t['scope'].get(r.scope, r.scope)}{sep}{_name(r.indicator, lang)}",
                 _pct(r.target), _pct(r.sim_mean), f"{_pct(r.sim_lo)}~{_pct(r.sim_hi)}",
                 _pct(r.sim_p_attain), _pct(r.nowcast_mean),
                 f"{_pct(r.nowcast_lo)}~{_pct(r.nowcast_hi)}", _pct(r.nowcast_p_attain)]
                for r in check.itertuples(index=False)]
        out += [t["check"], format_table(t["cols_check"], rows), ""]
    if projects is not None and len(projects):
        out += [t["projects"].format(
            n=int(projects["n_projects"].sum()), as_of=sim.as_of,
            planned=float(projects["planned_after_as_of"].sum()),
            expected=float(projects["expected_after_as_of"].sum()),
            adj=float(projects["expected_adjustment"].sum())), ""]
    skipped = table.attrs.get("not_assessed", [])
    if skipped:
        out += [t["not_assessed"].format(n=len(skipped)), ""]
    left_out = sim.method.get("left_out") or []
    if left_out:
        out += [t["left_out"].format(items="; ".join(left_out)), ""]
    m = int(sim.as_of[5:7]) if sim.as_of else 0
    out.append(t["method"].format(m=m, corr=_corr_text(str(sim.method.get("correlation", "")),
                                                          lang)))
    out.append(t["provenance"].format(data=sim.data_digest[:12], params=sim.params_digest[:12],
                                      version=sim.version))
    return "\n".join(out)
