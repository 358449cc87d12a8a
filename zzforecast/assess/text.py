"""Readable text of an attainability run, in Chinese (default) or English.

Used by :meth:`zzforecast.assess.result.Attainment.to_text` (``zzforecast attain``); pure
string building, no printing. The words are :data:`zzforecast.i18n.ATTAIN_TEXT`.
"""

from __future__ import annotations

import re

import pandas as pd

from ..data.schemas import INDICATORS
from ..data.targets import no_official_target_label
from ..i18n import ATTAIN_TEXT
from ..provenance import SYNTHETIC_NOTICE
from .cells import format_table, num, pct
from .level_bases import format_deflator, format_level_bases
from .progress import format_latest, format_progress

__all__ = ["render_text"]

def _points(x, lang: str) -> str:
    if x is None or pd.isna(x):
        return "-"
    value = 100 * float(x)
    return f"{value:+.1f}个百分点" if lang == "zh" else f"{value:+.1f} points"


def _unit(unit: str | None, lang: str) -> str:
    unit = unit or ""
    return _UNITS_EN.get(unit, f" {unit}") if lang == "en" else unit


def _value(row, none: str, lang: str = "zh") -> tuple[str, str, str]:
    """(target, median, 90% range) as text in the target's unit."""
    if row.kind == "growth":
        return pct(row.target), pct(row.q50), f"{pct(row.q05)}~{pct(row.q95)}"
    unit = _unit(row.unit, lang)
    return (num(row.target, unit), num(row.q50, unit),
            f"{num(row.q05, '')}~{num(row.q95, '')}")


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

    t = ATTAIN_TEXT[lang]
    none = t["none"]
    out = []
    if sim.synthetic:
        out += [SYNTHETIC_NOTICE[lang], ""]
    scenario = (sim.method.get("scenario_label") or {}).get(lang) or sim.scenario_name
    out.append(t["title"].format(year=sim.year, as_of=sim.as_of, scenario=scenario,
                                 n=sim.n_paths, seed=sim.seed))
    if zones is not None and len(zones):
        out.append(format_latest(zones, sim.as_of, lang, names))
    out.append("")
    if progress is not None and len(progress):
        out += [format_progress(progress, lang, names, sim.as_of), ""]
    plan = table[table["source"] == "plan"]
    rows = []
    for r in plan.itertuples(index=False):
        target, median, rng = _value(r, none, lang)
        shortfall = (pct(r.expected_shortfall, 2, none) if r.kind == "growth"
                     else num(r.expected_shortfall, _unit(r.unit, lang), none))
        sep = " " if lang == "en" else ""
        rows.append([f"{_name(r.indicator, lang)}{sep}{t['kind'].get(r.kind, r.kind)}",
                     t["scope"].get(r.scope, r.scope), target, pct(r.p_attain, 1, none),
                     pct(r.p_attain_within_tolerance, 1, none),
                     pct(r.required_growth, 1, none), median, rng, shortfall])
    out += [t["plan"], format_table(t["cols_plan"], rows), ""]
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
            rows.append([label(r.scope), _name(r.indicator, lang), target, pct(r.p_attain, 1, none),
                         pct(r.required_growth, 1, none), median])
        out += [t["clusters"].format(n=len(clusters), derived=derived),
                format_table(t["cols_cluster"], rows), ""]
    placeholders = table.attrs.get("no_official_target") or []
    if placeholders:
        label_none = no_official_target_label(lang)
        rows = []
        for p in placeholders:
            med = pct(p.get("q50")) if p.get("kind") == "growth" else num(p.get("q50"), "")
            rng = (f"{pct(p.get('q05'))}~{pct(p.get('q95'))}" if p.get("kind") == "growth"
                   else f"{num(p.get('q05'), '')}~{num(p.get('q95'), '')}")
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

        rows = [[" + ".join(short(i) for i in r.target_ids.split(",")), pct(r.p_joint, 2, none),
                 pct(r.p_if_independent, 2, none)] for r in joint.itertuples(index=False)]
        out += [t["joint"], format_table(t["cols_joint"], rows), ""]
    if driver_frames:
        out.append(t["drivers_head"])
    for ind, frame in (driver_frames or {}).items():
        a = frame.attrs
        head = t["drivers"].format(ind=_name(ind, lang), target=pct(a["target"]),
                                   expected=pct(a["expected_growth"]),
                                   gap=pct(a["expected_gap"], 2))
        worst = frame.head(top)
        rows = [[label(r.cluster_id), pct(r.weight, 1), pct(r.expected_growth, 1),
                 pct(r.contribution_to_gap, 2), pct(r.required_growth_equal, 1),
                 pct(r.required_growth_proportional, 1)] for r in worst.itertuples(index=False)]
        out += [head, format_table(t["cols_drivers"], rows)]
        if "uplift_for_p50" in a:
            out.append(t["uplift"].format(p50=_points(a["uplift_for_p50"], lang),
                                          p80=_points(a["uplift_for_p80"], lang)))
        out.append("")
    if stars is not None and len(stars):
        rows = [[label(r.cluster_id), str(r.star_target), pct(r.p_reach_target, 1),
                 f"{r.expected_stars:.1f}"] for r in stars.itertuples(index=False)]
        out += [t["stars"], format_table(t["cols_stars"], rows), ""]
    if check is not None and len(check):
        sep = " " if lang == "en" else ""
        rows = [[f"{t['scope'].get(r.scope, r.scope)}{sep}{_name(r.indicator, lang)}",
                 pct(r.target), pct(r.sim_mean), f"{pct(r.sim_lo)}~{pct(r.sim_hi)}",
                 pct(r.sim_p_attain), pct(r.nowcast_mean),
                 f"{pct(r.nowcast_lo)}~{pct(r.nowcast_hi)}", pct(r.nowcast_p_attain)]
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
