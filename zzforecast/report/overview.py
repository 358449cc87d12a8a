"""The city overview: the briefing first, then every zone, the plan's targets, drivers, audit."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from ..data.schemas import MONTHLY_INDICATORS
from ..i18n import indicator_name, percent, scope_name
from .base import BaseReport
from .fragments import (
    display_html,
    fmt_value,
    heading,
    json_record,
    official,
    paragraph,
    rag_badge,
    rag_cell,
    round_value,
    table_html,
)

__all__ = ["OverviewReport"]


class OverviewReport(BaseReport):
    """The city overview: every cluster, city and provincial targets, drivers, audit."""

    def header(self):
        title = self.t("overview_title", year=self.inputs.year)
        return display_html(heading(1, title) + paragraph(self._subtitle(), "meta")
                            + self._latest_html() + self._notice())

    # ---- the briefing (zzforecast.report.briefing): the first screen, then ranking and status
    @property
    def headlines(self) -> pd.DataFrame:
        """:func:`zzforecast.report.briefing.headline_frame` of this run (cached)."""
        if "headlines" not in self.inputs.extras:
            from .briefing import headline_frame

            self.inputs.extras["headlines"] = headline_frame(self.inputs.simulation,
                                                             self.inputs.assessment)
        return self.inputs.extras["headlines"]

    def briefing(self):
        """The answer first: one sentence per headline target and the city's fan chart."""
        from .briefing import cumulative_growth_paths, headline_sentences
        from .plots import growth_fan_chart

        frame = self.headlines
        zh = self.lang == "zh"
        parts = [heading(2, "要点" if zh else "The answer in brief")]
        if not len(frame):
            parts.append(paragraph(self.t("no_targets")))
            return display_html("".join(parts))
        items = []
        for (_, r), line in zip(frame.iterrows(), headline_sentences(frame, self.lang),
                                strict=True):
            items.append(f'<li class="headline">{rag_badge(r["rag"], self.lang)} '
                         f"{html.escape(line)}</li>")
        parts.append(f'<ul class="headlines">{"".join(items)}</ul>')
        parts.append(paragraph("红黄绿：达标概率低于30%为红，30%–70%为黄，70%及以上为绿。概率来自模型，"
                               "不是保证。" if zh else
                               "Red below a 30% chance, amber 30-70%, green 70% or more. Chances "
                               "come from a model, not a guarantee.", "meta"))
        sim = self.inputs.simulation
        for ind in (i for i in MONTHLY_INDICATORS if i in sim.indicators):
            got = cumulative_growth_paths(sim, self.inputs.bundle, "city", ind)
            if got is None or not len(got[2]):
                continue
            hist, paths, months = got
            goal = frame[(frame["scope"] == "city") & (frame["indicator"] == ind)
                         & (frame["kind"] == "growth")]
            target = float(goal["target"].iloc[0]) if len(goal) else None
            tol = goal["tolerance"].iloc[0] if len(goal) else None
            tol = float(tol) if tol is not None and tol == tol else None
            name = indicator_name(ind, self.lang)
            title = (f"全市{name}：1–2月至1–12月累计增速（已公布与预测）" if zh else
                     f"City {name}: cumulative growth, Jan-Feb to Jan-Dec (published and "
                     "forecast)")
            alt = (f"扇形图：全市{name}累计增速，1–{months[0] - 1}月为已公布数据，其后为模拟的"
                   f"50%和90%区间" + (f"，目标{percent(target, 0)}" if target is not None else "")
                   if zh else
                   f"Fan chart of the city's cumulative {name} growth: published through month "
                   f"{months[0] - 1}, then the simulated 50% and 90% ranges"
                   + (f"; target {percent(target, 0)}" if target is not None else ""))
            fig = growth_fan_chart(hist, paths, months, target=target, tolerance=tol,
                                   title=title, lang=self.lang)
            parts.append(self._figure(fig, alt))
        return display_html("".join(parts))

    def zone_ranking(self):
        """Zones ranked (位次) by their chance, red/amber/green by probability."""
        from .briefing import zone_ranking

        zh = self.lang == "zh"
        table = zone_ranking(self.inputs.simulation, self.inputs.assessment, self.inputs.bundle,
                             lang=self.lang)
        parts = [heading(2, "各产业集聚区位次" if zh else "Zones ranked by their chance")]
        if not len(table):
            parts.append(paragraph(self.t("no_targets")))
            return display_html("".join(parts))
        inds = [c[2:] for c in table.columns if c.startswith("p_") and c != "p_mean"]
        basis_city = any((table[f"basis_{i}"] == "city").any() for i in inds)
        if basis_city:
            parts.append(paragraph(
                "各区的正式目标（方案附件）未录入：没有正式目标的区按达到全市增速目标的概率"
                "排序（标注“对照全市目标”），不是该区的达标概率。" if zh else
                "The zones' own targets (the plan's annexes) are not entered: a zone without one "
                "is ranked by its chance of growing at least as fast as the city's target "
                "(marked 'vs city target'), not by a target of its own.", "meta"))
        head = ["位次" if zh else "Rank", self.t("cluster"), "级别" if zh else "Level"]
        all_city = {}
        for ind in inds:
            name = indicator_name(ind, self.lang)
            targets = set(table.loc[table[f"basis_{ind}"] == "city", f"target_{ind}"])
            all_city[ind] = bool((table[f"basis_{ind}"] == "city").all()) and len(targets) == 1
            if all_city[ind]:
                goal = percent(targets.pop(), 0)
                head.append(f"{name}：达到全市目标{goal}的概率" if zh else
                            f"{name}: chance of the city's {goal}")
            else:
                head.append(f"{name}{'达标概率' if zh else ': chance'}")
            head.append(f"{name}{'全年增速（中位数）' if zh else ': median growth'}")
        head.append("综合" if zh else "Overall")
        body = []
        for r in table.to_dict("records"):
            level = self.t(f"level_{r['level']}") if r["level"] in ("provincial",
                                                                    "municipal") else ""
            cells = [str(r["rank"]), html.escape(str(r["name"])), html.escape(level)]
            for ind in inds:
                p = r[f"p_{ind}"]
                note = ""
                if (r[f"basis_{ind}"] == "city" and r[f"target_{ind}"] is not None
                        and not all_city[ind]):
                    note = (f'<br><span class="meta">对照全市目标{percent(r[f"target_{ind}"], 0)}'
                            "</span>" if zh else
                            f'<br><span class="meta">vs city target '
                            f'{percent(r[f"target_{ind}"], 0)}</span>')
                cells.append(rag_cell(p, r[f"rag_{ind}"], self.lang, note))
                cells.append(html.escape(percent(r[f"median_{ind}"])))
            cells.append(rag_cell(r["p_mean"], r["rag"], self.lang, ""))
            body.append("<tr>" + "".join(c if c.startswith("<td") else f"<td>{c}</td>"
                                         for c in cells) + "</tr>")
        parts.append('<table class="report-table"><thead><tr>'
                     + "".join(f"<th>{html.escape(h)}</th>" for h in head)
                     + f"</tr></thead><tbody>{''.join(body)}</tbody></table>")
        return display_html("".join(parts))

    def target_status(self):
        """Every target of the plan: simulated or not, and why."""
        from .briefing import target_status

        zh = self.lang == "zh"
        table = target_status(self.inputs.bundle, self.inputs.simulation, self.inputs.assessment)
        n_sim = int((table["status"] == "simulated").sum())
        n_plan = int((table["status"] != "no_official_target").sum())
        parts = [heading(2, "方案全部目标的状态" if zh else "Status of every target of the plan"),
                 paragraph(
                    f"方案共{n_plan}项量化目标，本次模拟{n_sim}项；其余目标的指标没有月度或年度"
                    "数据（如项目个数、专利、培训人次）或不是可模拟的数量（如完成日期），列出原因。"
                    if zh else
                    f"The plan has {n_plan} quantitative targets; {n_sim} are simulated here. "
                    "The others have no data in this project (counts of projects, patents, "
                    "training) or are not simulated quantities (deadlines); the reason is "
                    "given.")]
        status_words = ({"simulated": "已模拟", "not_simulated": "未模拟",
                         "no_official_target": "无正式目标"} if zh else
                        {"simulated": "simulated", "not_simulated": "not simulated",
                         "no_official_target": "no official target"})
        rows = []
        for r in table.to_dict("records"):
            value = r["target"]
            try:
                shown = fmt_value(float(value), r["kind"], r["unit"] or "")
            except (TypeError, ValueError):
                shown = "–" if value is None else str(value)
            rows.append({
                "编号" if zh else "id": r["target_id"],
                "章节" if zh else "section": r["section"] or "",
                self.t("scope"): ", ".join(scope_name(s, self.lang)
                                           for s in str(r["scope"]).split(",")[:3])
                + (" …" if str(r["scope"]).count(",") >= 3 else ""),
                "指标" if zh else "indicator": indicator_name(str(r["indicator"]), self.lang),
                self.t("target"): shown,
                "状态" if zh else "status": status_words.get(r["status"], r["status"]),
                self.t("p_attain_short"): percent(r["p_attain"], 0)
                if r["p_attain"] is not None else "–",
                "原因" if zh else "reason": _status_reason(str(r["reason"] or ""), self.lang),
            })
        parts.append(table_html(pd.DataFrame(rows)))
        return display_html("".join(parts))

    def city_targets(self):
        from .plots import attainment_chart

        frame = self.inputs.assessment
        rows = frame[frame["scope"].isin(["city", "provincial", "municipal"])].reset_index(drop=True)
        parts = [heading(2, self.t("targets")),
                 self._progress_html(["city", "provincial", "municipal"])]
        if len(rows):
            parts.append(table_html(self._targets_frame(rows, with_scope=True)))
            chart = rows.assign(label=[f"{scope_name(str(r['scope']), self.lang)}: "
                                       f"{self._target_label(r)}" for _, r in rows.iterrows()])
            parts.append(self._figure(attainment_chart(chart, lang=self.lang), self.t("targets")))
            from ..assess.level_bases import level_bases_html

            # level targets on both bases; the deflator behind IAV's level, P's sensitivity
            parts.append(level_bases_html(rows, self.inputs.simulation, self.lang))
        else:
            parts.append(paragraph(self.t("no_targets")))
        from .answers import check_html, joint_html

        parts += [joint_html(self.inputs.attainment, self.lang),
                  check_html(self.inputs.attainment, self.lang)]
        return display_html("".join(parts))

    def clusters_table(self, link_reports: bool | list[str] = False):
        """Each cluster's probability of reaching its own targets, one column per indicator.

        Only entered (official) per-zone targets get a probability; an indicator without
        one shows "无正式目标（方案附件未录入）" and the forecast median of its growth (a
        derived placeholder is never shown as a goal). ``link_reports`` links names to
        ``<cluster_id>.html`` in the same folder: ``True`` for every cluster, or a list of
        the cluster ids that have a report (the batch).
        """
        frame = official(self.inputs.assessment)
        names = self._zone_names()
        sim = self.inputs.simulation
        rows = frame[frame["scope"].isin(list(names))]
        parts = [heading(2, self.t("cluster"))]
        indicators = list(dict.fromkeys(
            [i for i in MONTHLY_INDICATORS if i in sim.indicators] + list(rows["indicator"])))
        if not indicators:
            parts.append(paragraph(self.t("no_targets")))
            return display_html("".join(parts))
        head = "".join(f"<th>{html.escape(indicator_name(i, self.lang))}</th>" for i in indicators)
        head = f"<th>{html.escape(self.t('as_of'))}</th>" + head
        latest = {r.cluster_id: r for r in self.zones_latest.itertuples(index=False)}
        body = []
        none_label = html.escape(self.t("no_official_target"))
        for cid in names:
            if cid not in sim.cluster_ids:
                continue
            mine = rows[rows["scope"] == cid]
            label = html.escape(names[cid])
            if link_reports is True or (isinstance(link_reports, (list, tuple))
                                        and cid in link_reports):
                label = f'<a href="{html.escape(cid, quote=True)}.html">{label}</a>'
            z = latest.get(cid)
            when = (z.latest_period or "–") if z is not None else "–"
            if z is not None and z.behind:
                when = f"{when} {self.t('stale')}"
            cells = [f"<td>{html.escape(when)}</td>"]
            for ind in indicators:
                hit = mine[mine["indicator"] == ind]
                if len(hit):
                    r = hit.iloc[0]
                    goal = fmt_value(r["target"], str(r["kind"]), self._value_unit(ind))
                    cells.append(f"<td>{html.escape(percent(r['p_attain'], 0))}"
                                 f' <span class="meta">({html.escape(self.t("target"))} '
                                 f"{html.escape(goal)})</span></td>")
                    continue
                g = sim.growth[:, sim.cluster_ids.index(cid), sim.indicators.index(ind)]
                g = np.asarray(g, dtype=float)
                g = g[np.isfinite(g)]
                median = percent(float(np.median(g))) if g.size else "–"
                cells.append(f'<td><span class="meta">{none_label}</span><br>'
                             f"{html.escape(self.t('forecast_median'))} {html.escape(median)}"
                             "</td>")
            body.append(f"<tr><td>{label}</td>{''.join(cells)}</tr>")
        parts.append(paragraph(self.t("p_attain")))
        parts.append(f'<table class="report-table"><thead><tr><th>{html.escape(self.t("cluster"))}'
                     f"</th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")
        return display_html("".join(parts))

    def drivers_sections(self):
        """The drivers section of every monthly indicator simulated (registry order), then
        the major projects still to come (the outlook under the simulation's own scenario)."""
        from .answers import projects_html

        sim = self.inputs.simulation
        return display_html("".join(self.drivers_section(ind).data
                                    for ind in MONTHLY_INDICATORS if ind in sim.indicators)
                            + projects_html(self.inputs.attainment, self.lang,
                                            self._zone_names()))

    def drivers_section(self, indicator: str = "fai"):
        from .answers import drivers_html

        return display_html(drivers_html(self.inputs.attainment, indicator, self.lang,
                                         self._zone_names(), self._figure))

    def stars(self):
        from .answers import stars_html

        return display_html(stars_html(self.inputs.attainment, self.lang, self._zone_names()))

    def audit(self):
        from ..assess.audit import audit_plan

        bundle = self.inputs.bundle
        findings = audit_plan(bundle.targets, bundle.clusters, bundle.observations,
                              year=self.inputs.year,
                              facts=getattr(getattr(bundle, "plan", None), "audit", None))
        parts = [heading(2, self.t("audit"))]
        for f in findings:
            title = f.title.get(self.lang) if isinstance(f.title, dict) else str(f.title)
            body = f.text.get(self.lang) if isinstance(f.text, dict) else str(f.text)
            parts.append(f"<h3>{html.escape(str(title))}</h3>" + paragraph(str(body)))
            if f.table:
                parts.append(table_html(pd.DataFrame(list(f.table))))
        if not findings:
            parts.append(paragraph(self.t("not_applicable")))
        return display_html("".join(parts))

    def outlook(self, years_after: int = 3):
        """The city's path from the target year to ``years_after`` years later."""
        return self._outlook(["city"], years_after)

    def scenarios(self):
        return self._scenario_section(
            lambda t: t["scope"].isin(["city", "provincial"]),
            lambda r: f"{scope_name(str(r['scope']), self.lang)}: {self._target_label(r)}",
            with_table=True)

    def results(self) -> dict:
        """The overview's JSON sidecar: city/provincial assessments and provenance.

        ``joint``, ``drivers``, ``stars``, ``projects``, ``nowcast_check`` and the zones of
        ``data_as_of`` are the records of ``zzforecast attain --format json``
        (:meth:`Attainment.to_json`), so both documents carry the same numbers.
        """
        frame = self.inputs.assessment
        rows = frame[frame["scope"].isin(["city", "provincial", "municipal"])]
        targets = [json_record(rec) for rec in rows.to_dict("records")]
        prov = self.provenance
        answers = self.inputs.attainment.to_json()
        from .briefing import headline_sentences, zone_ranking

        heads = self.headlines
        headlines = [
            {"target_id": r["target_id"], "scope": r["scope"], "indicator": r["indicator"],
             "kind": r["kind"], "p_attain": round_value(r["p_attain"]), "rag": r["rag"],
             "text_zh": zh, "text_en": en}
            for (_, r), zh, en in zip(heads.iterrows(), headline_sentences(heads, "zh"),
                                      headline_sentences(heads, "en"), strict=True)]
        ranking = zone_ranking(self.inputs.simulation, self.inputs.assessment,
                               self.inputs.bundle, lang=self.lang)
        ranking = [json_record(rec) for rec in ranking.to_dict("records")]
        return {"kind": "overview", "year": self.inputs.year, "as_of": self.inputs.as_of,
                "scenario": self.inputs.scenario, "targets": targets,
                "headlines": headlines, "ranking": ranking,
                **{k: answers[k] for k in ("joint", "drivers", "stars", "projects",
                                           "nowcast_check")},
                "progress": self._progress_records(["city", "provincial", "municipal"]),
                "data_as_of": answers["data_as_of"]["zones"],
                "deflator": _deflator_json(self.inputs.simulation, rows),
                "provenance": prov.to_dict(), "synthetic": prov.synthetic}


def _deflator_json(simulation, rows: pd.DataFrame) -> dict | None:
    """The deflator assumption and P(IAV level) at -2/0/+2 points (None without IAV)."""
    if "iav" not in getattr(simulation, "indicators", ()):
        return None
    from ..assess.level_bases import deflator_record

    return deflator_record(simulation, rows)


def _status_reason(reason: str, lang: str) -> str:
    """The engine's reason for leaving a target out, as the report's language says it."""
    if lang == "en" or not reason:
        return reason
    if reason.startswith("no data on this indicator"):
        return "本项目无该指标数据，不作模拟"
    if reason.startswith("kind "):
        return "不是可模拟的数量（如日期、个数）"
    if reason.startswith("scope "):
        return "该范围不在本次模拟中"
    if "derived placeholders" in reason:
        return f"{reason.split(' ')[0]}个区：方案附件未录入，推算值不作为目标"
    if reason.startswith("no simulated data"):
        return "该范围没有模拟数据"
    return reason

