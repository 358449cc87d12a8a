"""The overview's tables read from the one attainment result, as HTML fragments.

Each function turns a part of :class:`zzforecast.assess.result.Attainment` (joint
probabilities, drivers, star ratings, the project outlook, the nowcast cross-check) into an
escaped HTML fragment in Chinese (default) or English. Nothing here computes a number: the
report, its JSON and ``zzforecast attain`` show the same ones.
"""

from __future__ import annotations

import pandas as pd

from ..i18n import ATTAIN_TEXT, indicator_name, percent, scope_name, text
from .fragments import heading, paragraph, table_html, target_label

__all__ = ["joint_html", "check_html", "projects_html", "drivers_html", "stars_html"]

_WORDS = {
    "zh": {
        "joint": "联合概率：同一条模拟路径上同时实现",
        "joint_note": "联合概率按同一条路径上各目标是否同时实现计算，保留了各指标、各范围之间的"
                      "相关；“若相互独立”为单项概率之积，两者之差即相关的影响。",
        "joint_cols": ["目标组合", "联合概率", "若相互独立"],
        "check": "模型交叉检验：联合模拟与实时预测（nowcast）",
        "check_note": "联合模拟由各集聚区自下而上加总；实时预测直接对全市、省级累计数建模。"
                      "两者相差较大时，两个结果都需谨慎看待。",
        "check_cols": ["范围与指标", "目标", "联合模拟：均值", "联合模拟：80%区间",
                       "联合模拟：实现概率", "实时预测：均值", "实时预测：80%区间",
                       "实时预测：实现概率"],
        "check_left_out": "交叉检验未做：{reason}",
        "projects": "重大项目：{as_of}之后的计划与本情景的预期",
        "projects_cols": ["集聚区", "项目数", "{as_of}之后计划投资（亿元）",
                          "本情景预计完成（亿元）", "对模拟投资的平均影响（亿元）"],
        "projects_left_out": "重大项目展望未给出：{reason}",
        "total": "合计",
        "combine": " 且 ",
        "drivers_cols": ["上年占比", "预计全年增速", "对差距的贡献（百分点）",
                         "所需全年增速（等幅提升）"],
        "stars_expected": "预期星级",
        "stars_note": "星级评定规则不在方案中，这里使用参数文件 {where} 中的假设规则。",
        "stars_left_out": "星级评定未做：{reason}",
    },
    "en": {
        "joint": "Joint probabilities: met on the same simulated path",
        "joint_note": "A joint probability counts the paths on which every target of the "
                      "combination is met, so it keeps the correlation between indicators and "
                      "scopes; 'if independent' is the product of the single chances, and the "
                      "difference is the correlation's effect.",
        "joint_cols": ["combination of targets", "P(joint)", "if independent"],
        "check": "Cross-check: the joint simulation against a nowcast",
        "check_note": "The joint simulation adds the zones up from below; the nowcast models the "
                      "city and provincial year-to-date totals directly. When the two differ a "
                      "lot, read both with care.",
        "check_cols": ["scope and indicator", "target", "simulation: mean",
                       "simulation: 80% range", "simulation: P(attain)", "nowcast: mean",
                       "nowcast: 80% range", "nowcast: P(attain)"],
        "check_left_out": "Cross-check left out: {reason}",
        "projects": "Major projects: planned after {as_of} and expected under this scenario",
        "projects_cols": ["zone", "projects", "planned after {as_of} (100m yuan)",
                          "expected under this scenario (100m yuan)",
                          "mean change to simulated FAI (100m yuan)"],
        "projects_left_out": "Project outlook left out: {reason}",
        "total": "total",
        "combine": " and ",
        "drivers_cols": ["share of last year", "expected growth", "contribution to gap (points)",
                         "growth needed (equal uplift)"],
        "stars_expected": "expected stars",
        "stars_note": "The plan gives no rating rules; these use the ASSUMED rules in {where}.",
        "stars_left_out": "Star ratings left out: {reason}",
    },
}


def _w(key: str, lang: str):
    return _WORDS[lang][key]


def joint_html(attainment, lang: str = "zh") -> str:
    """P(targets met together on one path) beside the product of the single chances."""
    joint = attainment.joint
    if not len(joint):
        return ""
    by_id = {r["target_id"]: r for r in attainment.table.to_dict("records")}

    def label(tid: str) -> str:
        r = by_id.get(tid)
        if r is None:
            return tid
        sep = "：" if lang == "zh" else ": "
        return f"{scope_name(str(r['scope']), lang)}{sep}{target_label(r, lang)}"

    cols = _w("joint_cols", lang)
    frame = pd.DataFrame({
        cols[0]: [_w("combine", lang).join(label(t) for t in ids.split(","))
                  for ids in joint["target_ids"]],
        cols[1]: [percent(v) for v in joint["p_joint"]],
        cols[2]: [percent(v) for v in joint["p_if_independent"]]})
    return (heading(3, _w("joint", lang)) + table_html(frame)
            + paragraph(_w("joint_note", lang), "meta"))


def check_html(attainment, lang: str = "zh") -> str:
    """The simulated city/provincial totals against a top-down nowcast of the same scopes."""
    check = attainment.check
    parts = [heading(3, _w("check", lang))]
    if check.attrs.get("skipped"):
        return "".join(parts + [paragraph(_w("check_left_out", lang).format(
            reason=check.attrs["skipped"]), "meta")])
    if not len(check):
        return ""
    sep = "" if lang == "zh" else " "
    cols = _w("check_cols", lang)
    rows = [[f"{scope_name(r.scope, lang)}{sep}{indicator_name(r.indicator, lang)}",
             percent(r.target), percent(r.sim_mean), f"{percent(r.sim_lo)} – {percent(r.sim_hi)}",
             percent(r.sim_p_attain), percent(r.nowcast_mean),
             f"{percent(r.nowcast_lo)} – {percent(r.nowcast_hi)}", percent(r.nowcast_p_attain)]
            for r in check.itertuples(index=False)]
    parts += [table_html(pd.DataFrame(rows, columns=cols)),
              paragraph(_w("check_note", lang), "meta")]
    return "".join(parts)


def _yi(v: float, sign: str = "") -> str:
    """亿元 with one decimal; a mean change that rounds to zero shows as +0.0, never -0.0."""
    return f"{round(float(v), 1) + 0.0:{sign},.1f}"


def projects_html(attainment, lang: str = "zh", names: dict[str, str] | None = None) -> str:
    """Major-project investment still to come, by zone, under the simulation's own scenario."""
    projects, sim = attainment.projects, attainment.simulation
    as_of = str(sim.as_of)
    parts = [heading(3, _w("projects", lang).format(as_of=as_of))]
    if projects.attrs.get("skipped"):
        return "".join(parts + [paragraph(_w("projects_left_out", lang).format(
            reason=projects.attrs["skipped"]), "meta")])
    if not len(projects):
        return ""
    names = names or {}
    total = {"n": int(projects["n_projects"].sum()),
             "planned": float(projects["planned_after_as_of"].sum()),
             "expected": float(projects["expected_after_as_of"].sum()),
             "adj": float(projects["expected_adjustment"].sum())}
    # the sentence of ``zzforecast attain``'s text report (a change that rounds to zero as +0.0)
    parts.append(paragraph(ATTAIN_TEXT[lang]["projects"].format(
        as_of=as_of, **{**total, "adj": round(total["adj"], 1) + 0.0})))
    cols = [c.format(as_of=as_of) for c in _w("projects_cols", lang)]
    rows = [[names.get(r.cluster_id, r.cluster_id), int(r.n_projects),
             _yi(r.planned_after_as_of), _yi(r.expected_after_as_of),
             _yi(r.expected_adjustment, "+")] for r in projects.itertuples(index=False)]
    rows.append([_w("total", lang), total["n"], _yi(total["planned"]), _yi(total["expected"]),
                 _yi(total["adj"], "+")])
    parts.append(table_html(pd.DataFrame(rows, columns=cols)))
    return "".join(parts)


def drivers_html(attainment, indicator: str, lang: str = "zh",
                 names: dict[str, str] | None = None, figure=None) -> str:
    """Each zone's part of the expected gap to the city's growth target of ``indicator``.

    ``figure(fig, alt)`` turns the bar chart into HTML (the report's own figure helper);
    without it the table stands alone.
    """
    from .plots import drivers_chart

    names = names or {}
    name = indicator_name(indicator, lang)
    parts = [heading(2, f"{text('drivers', lang)}（{name}）" if lang == "zh" else
                     f"{text('drivers', lang)} ({name})")]
    table = attainment.drivers.get(indicator)
    if table is None:  # no city growth target for this indicator
        return "".join(parts + [paragraph(text("not_applicable", lang))])
    cols = [text("cluster", lang), *_w("drivers_cols", lang)]
    shown = pd.DataFrame({
        cols[0]: [names.get(c, c) for c in table["cluster_id"]],
        cols[1]: [percent(v) for v in table["weight"]],
        cols[2]: [percent(v) for v in table["expected_growth"]],
        cols[3]: [f"{100 * v:+.2f}" for v in table["contribution_to_gap"]],
        cols[4]: [percent(v) for v in table["required_growth_equal"]],
    })
    parts.append(table_html(shown))
    if figure is not None:
        chart = pd.DataFrame({"label": [names.get(c, c) for c in table["cluster_id"]],
                              "contribution": 100 * table["contribution_to_gap"].astype(float)})
        parts.append(figure(drivers_chart(chart, lang=lang, xlabel=cols[3],
                                          title=text("drivers", lang)), text("drivers", lang)))
    return "".join(parts)


def stars_html(attainment, lang: str = "zh", names: dict[str, str] | None = None) -> str:
    """Each zone's chance of its star goal under the ASSUMED rating rules (said so)."""
    names = names or {}
    parts = [heading(2, text("stars", lang))]
    table = attainment.stars
    if table is None:
        return "".join(parts + [paragraph(_w("stars_left_out", lang).format(
            reason=attainment.stars_skipped), "meta")])
    shown = pd.DataFrame({
        text("cluster", lang): [names.get(c, c) for c in table["cluster_id"]],
        text("star_goal", lang): table["star_target"].astype(int),
        text("star_p", lang): [percent(v, 0) for v in table["p_reach_target"]],
        _w("stars_expected", lang): [f"{v:.1f}" for v in table["expected_stars"]],
    })
    where = f"params/plans/{attainment.simulation.year}/stars.yaml"
    return "".join(parts + [paragraph(_w("stars_note", lang).format(where=where), "meta"),
                            table_html(shown)])
