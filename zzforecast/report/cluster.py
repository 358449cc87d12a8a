"""One cluster zone's report: history and forecasts, targets, scenarios, projects."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from ..i18n import indicator_name, percent
from .base import BaseReport
from .fragments import (
    derived_mask,
    display_html,
    fmt_value,
    heading,
    json_record,
    official,
    paragraph,
    round_value,
    table_html,
)
from .inputs import ReportInputs

__all__ = ["ClusterReport"]

_QUANTILES = ("q05", "q25", "q50", "q75", "q95")
_TOP_PROJECTS = 10  # projects listed and drawn per cluster report


class ClusterReport(BaseReport):
    """One cluster's report: history and forecasts, targets, scenarios, projects, caveats.

    Parameters
    ----------
    inputs : ReportInputs
    cluster_id : str

    Raises
    ------
    UserError
        For a cluster id that is not in the registry or the simulation.
    """

    def __init__(self, inputs: ReportInputs, cluster_id: str):
        from ..exceptions import UserError

        registry = inputs.bundle.clusters
        if cluster_id not in set(registry["cluster_id"]):
            raise UserError(f"unknown cluster id {cluster_id!r}; known: "
                            f"{', '.join(registry['cluster_id'])}")
        if cluster_id not in inputs.simulation.cluster_ids:
            raise UserError(f"cluster {cluster_id!r} is not in the simulation")
        super().__init__(inputs)
        self.cluster_id = cluster_id
        self.info = registry.set_index("cluster_id").loc[cluster_id].to_dict()
        self.index = inputs.simulation.cluster_ids.index(cluster_id)

    @property
    def name(self) -> str:
        key = "name_zh" if self.lang == "zh" else "name_en"
        return str(self.info.get(key) or self.cluster_id)

    @property
    def targets(self) -> pd.DataFrame:
        """This cluster's assessed targets: entered (official) ones only, never derived."""
        frame = official(self.inputs.assessment)
        return frame[frame["scope"] == self.cluster_id].reset_index(drop=True)

    def _growth_outlook(self, indicator: str) -> tuple[float, float, float] | None:
        """(q05, q50, q95) of the cluster's simulated full-year growth, or None."""
        sim = self.inputs.simulation
        if indicator not in sim.indicators:
            return None
        g = sim.growth[:, self.index, sim.indicators.index(indicator)].astype(float)
        g = g[np.isfinite(g)]
        if not g.size:
            return None
        q = np.quantile(g, (0.05, 0.5, 0.95))
        return float(q[0]), float(q[1]), float(q[2])

    @property
    def no_official_target(self) -> list[dict]:
        """Simulated indicators without an entered target for this cluster.

        Each: ``indicator``, the label, the derived placeholder value where there is one
        (tagged 推算值 / derived, never shown as a goal) and its source.
        """
        from ..data.targets import DERIVED_TAG, NO_OFFICIAL_TARGET, cluster_growth_targets

        have = set(self.targets["indicator"])
        try:
            table = cluster_growth_targets(self.inputs.bundle, self.inputs.year)
            table = table[(table["cluster_id"] == self.cluster_id) & table["derived"].astype(bool)]
        except Exception:  # noqa: BLE001 - the placeholder value is information only
            table = pd.DataFrame(columns=["indicator", "kind", "value", "source"])
        out = []
        for ind in self.inputs.simulation.indicators:
            if ind in have or self._growth_outlook(ind) is None:
                continue
            hit = table[table["indicator"] == ind]
            out.append({
                "indicator": ind, "status": "no_official_target",
                "label_zh": NO_OFFICIAL_TARGET["zh"], "label_en": NO_OFFICIAL_TARGET["en"],
                "derived_value": round_value(hit["value"].iloc[0]) if len(hit) else None,
                "derived_kind": str(hit["kind"].iloc[0]) if len(hit) else None,
                "derived_tag_zh": DERIVED_TAG["zh"], "derived_tag_en": DERIVED_TAG["en"],
                "derived_source": str(hit["source"].iloc[0]) if len(hit) else None,
            })
        return out

    def _zone_record(self) -> dict:
        from ..assess.progress import progress_records

        zones = self.zones_latest
        zones = zones[zones["cluster_id"] == self.cluster_id]
        if not len(zones):
            return {}
        rec = progress_records(zones.drop(columns="by_indicator"))[0]
        rec["by_indicator"] = dict(zones["by_indicator"].iloc[0])
        return rec

    def _no_target_items(self) -> list[str]:
        items = []
        for rec in self.no_official_target:
            lo, med, hi = self._growth_outlook(rec["indicator"])
            items.append(self.t("sentence_no_target",
                                indicator=indicator_name(rec["indicator"], self.lang),
                                median=percent(med), lo=percent(lo), hi=percent(hi)))
        return items

    # ---- sections
    def header(self):
        title = self.t("cluster_title", name=self.name, year=self.inputs.year)
        level = self.t(f"level_{self.info.get('level')}") if self.info.get("level") in (
            "provincial", "municipal") else ""
        meta = f"{level} · {self.info.get('county', '')} · {self.info.get('lead_industries', '')}"
        return display_html(heading(1, title) + paragraph(self._subtitle(), "meta")
                            + paragraph(meta, "meta") + self._latest_html([self.cluster_id])
                            + self._notice())

    def key_points(self):
        rows = self.targets
        items = []
        for _, r in rows.iterrows():
            kind = str(r.get("kind"))
            unit = "" if kind in ("growth", "share") else self._value_unit(str(r["indicator"]))
            items.append(self.t(
                "sentence_target", indicator="", target_text=self._target_label(r),
                p=percent(r["p_attain"], 0), median=fmt_value(r.get("q50"), kind, unit),
                lo=fmt_value(r.get("q05"), kind, unit), hi=fmt_value(r.get("q95"), kind, unit)))
            req = r.get("required_growth")
            if req is not None and req == req:
                m1 = int(str(self.inputs.as_of)[5:7]) + 1
                if m1 <= 12:
                    items.append(self.t("sentence_required", m1=m1, g=percent(req)))
        items += self._no_target_items()
        if not items:
            items = [self.t("no_targets")]
        body = "".join(f"<li>{html.escape(i[:1].upper() + i[1:])}</li>" for i in items)
        return display_html(heading(2, self.t("summary")) + f"<ul>{body}</ul>")

    def forecasts(self):
        from .plots import fan_chart

        sim = self.inputs.simulation
        obs = self.inputs.bundle.observations
        mine = obs[(obs["cluster_id"] == self.cluster_id) & (obs["measure"] == "level")]
        parts = [heading(2, self.t("history_forecast"))]
        as_month = int(str(self.inputs.as_of)[5:7])
        year = self.inputs.year
        for j, ind in enumerate(sim.indicators):
            name = indicator_name(ind, self.lang)
            unit = self._unit(ind)
            monthly = mine[(mine["indicator"] == ind) & (mine["frequency"] == "monthly_ytd")]
            this_year = monthly[monthly["ds"].map(lambda d: getattr(d, "year", None)) == year]
            has_monthly = (sim.monthly is not None and len(this_year)
                           and np.isfinite(sim.monthly[:, self.index, j, 11]).any())
            level_target = self._level_target(ind)
            if has_monthly:
                hist = pd.Series(this_year["value"].to_numpy(float),
                                 index=[d.month for d in this_year["ds"]]).sort_index()
                hist = hist[hist.index <= as_month]
                months = list(range(as_month + 1, 13))
                if not months:
                    continue
                paths = sim.monthly[:, self.index, j, as_month:12]
                title = (f"{self.name}：{name}（{year}年逐月累计值，{unit}）" if self.lang == "zh"
                         else f"{self.name}: {name} ({year}, cumulative year to date, {unit})")
                fig = fan_chart(hist, paths, months, target=level_target, title=title,
                                ylabel=unit, lang=self.lang)
                fig.axes[0].set_xlabel("月" if self.lang == "zh" else "month")
            else:
                annual = mine[(mine["indicator"] == ind) & (mine["frequency"] == "annual")]
                if not len(annual) and not np.isfinite(sim.annual[:, self.index, j]).any():
                    continue
                hist = pd.Series(annual["value"].to_numpy(float),
                                 index=annual["ds"].astype(int)).sort_index()
                hist = hist[hist.index < year]
                paths = sim.annual[:, self.index, j]
                if not np.isfinite(paths).any():
                    continue
                title = (f"{self.name}：{name}（年度，{unit}）" if self.lang == "zh"
                         else f"{self.name}: {name} (annual, {unit})")
                fig = fan_chart(hist, paths[:, None], [year], target=level_target, title=title,
                                ylabel=unit, lang=self.lang)
            parts.append(self._figure(fig, alt=title))
            if has_monthly:
                parts.append(self._growth_fan(ind))
        return display_html("".join(parts))

    def _growth_fan(self, indicator: str) -> str:
        """The zone's cumulative growth 1–2月…1–12月 as a fan, its own target if entered."""
        from .briefing import cumulative_growth_paths
        from .plots import growth_fan_chart

        got = cumulative_growth_paths(self.inputs.simulation, self.inputs.bundle,
                                      self.cluster_id, indicator)
        if got is None or not len(got[2]):
            return ""
        hist, paths, months = got
        rows = self.targets
        rows = rows[(rows["indicator"] == indicator) & (rows["kind"] == "growth")]
        target = float(rows["target"].iloc[0]) if len(rows) else None
        zh = self.lang == "zh"
        name = indicator_name(indicator, self.lang)
        title = (f"{self.name}：{name}累计增速（1–2月至1–12月）" if zh else
                 f"{self.name}: {name} cumulative growth (Jan-Feb to Jan-Dec)")
        alt = (f"扇形图：{self.name}{name}累计增速，1–{months[0] - 1}月为已公布数据，其后为模拟的"
               "50%和90%区间" + (f"，目标{percent(target, 0)}" if target is not None else
                                "（无正式目标）") if zh else
               f"Fan chart of {self.name}'s cumulative {name} growth: published through month "
               f"{months[0] - 1}, then the simulated 50% and 90% ranges"
               + (f"; target {percent(target, 0)}" if target is not None else
                  " (no official target)"))
        return self._figure(growth_fan_chart(hist, paths, months, target=target, title=title,
                                             lang=self.lang), alt)

    def _level_target(self, indicator: str) -> float | None:
        rows = self.targets
        rows = rows[(rows["indicator"] == indicator) & (rows.get("kind") == "level")]
        return float(rows["target"].iloc[0]) if len(rows) else None

    def targets_section(self):
        from .plots import attainment_chart

        rows = self.targets
        parts = [heading(2, self.t("targets")), self._progress_html([self.cluster_id])]
        missing = self._no_target_items()
        if missing:
            parts.append("<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in missing)
                         + "</ul>")
        if not len(rows):
            if not missing:
                parts.append(paragraph(self.t("no_targets")))
            return display_html("".join(parts))
        parts.append(table_html(self._targets_frame(rows)))
        chart = rows.assign(label=[self._target_label(r) for _, r in rows.iterrows()])
        parts.append(self._figure(attainment_chart(chart, lang=self.lang), self.t("targets")))
        return display_html("".join(parts))

    def required_growth(self):
        rows = self.targets
        rows = rows[rows["required_growth"].notna()] if "required_growth" in rows else rows[:0]
        parts = [heading(2, self.t("required"))]
        if not len(rows):
            parts.append(paragraph(self.t("not_applicable")))
        m1 = int(str(self.inputs.as_of)[5:7]) + 1
        for _, r in rows.iterrows():
            parts.append(paragraph(f"{self._target_label(r)}: "
                                   + self.t("sentence_required", m1=min(m1, 12),
                                            g=percent(r["required_growth"]))))
        return display_html("".join(parts))

    def outlook(self, years_after: int = 3):
        """This zone's path from the target year to ``years_after`` years later."""
        return self._outlook([self.cluster_id], years_after)

    def scenarios(self):
        return self._scenario_section(
            lambda t: (t["scope"] == self.cluster_id) & ~derived_mask(t),
            self._target_label, with_table=True)

    def pipeline(self):
        from .plots import pipeline_chart

        projects = self.inputs.bundle.projects
        mine = projects[(projects["cluster_id"] == self.cluster_id)
                        & (projects["year"].astype(int) == int(self.inputs.year))]
        parts = [heading(2, self.t("pipeline"))]
        if not len(mine):
            parts.append(paragraph(self.t("no_projects")))
            return display_html("".join(parts))
        name_col = "name_zh" if self.lang == "zh" else "name_en"
        status = {s: self.t(f"status_{s}") for s in ("new", "continuing", "completed")}
        table = pd.DataFrame({
            self.t("pipeline"): mine[name_col].astype(str),
            "status": mine["status"].map(status),
            "total": mine["total_investment"].map(lambda v: f"{float(v):,.1f}"),
            "planned": mine["planned_investment"].map(lambda v: f"{float(v):,.1f}"),
            "start": mine["planned_start"].astype(str),
            "completion": mine["planned_completion"].astype(str),
        })
        headers = (["项目", "状态", "总投资（亿元）", "本年计划（亿元）", "计划开工", "计划竣工"]
                   if self.lang == "zh" else
                   ["project", "status", "total (100m yuan)", "planned this year", "start",
                    "completion"])
        table.columns = headers
        totals = mine.groupby("status")["planned_investment"].agg(["count", "sum"])
        summary = ("；" if self.lang == "zh" else "; ").join(
            f"{status[s]} {int(totals.loc[s, 'count'])} 个，本年计划 {totals.loc[s, 'sum']:,.1f} 亿元"
            if self.lang == "zh" else
            f"{status[s]}: {int(totals.loc[s, 'count'])}, {totals.loc[s, 'sum']:,.1f} planned this year"
            for s in ("new", "continuing", "completed") if s in totals.index)
        parts.append(paragraph(summary))
        top = mine.sort_values("planned_investment", ascending=False).head(_TOP_PROJECTS)
        if len(mine) > _TOP_PROJECTS:
            parts.append(paragraph(
                f"本年计划投资最大的 {_TOP_PROJECTS} 个项目：" if self.lang == "zh" else
                f"The {_TOP_PROJECTS} projects with the most investment planned this year:"))
        parts.append(table_html(table.loc[top.index]))
        chart = top.assign(label=[n if len(n) <= 26 else "…" + n[-25:]
                                  for n in top[name_col].astype(str)])
        parts.append(self._figure(pipeline_chart(chart, lang=self.lang), self.t("pipeline")))
        return display_html("".join(parts))

    # ---- machine-readable results
    def results(self) -> dict:
        """The JSON sidecar: targets, forecasts, scenarios and provenance (no timings)."""
        from ..data.schemas import INDICATORS

        sim = self.inputs.simulation
        targets = [json_record(rec) for rec in self.targets.to_dict("records")]
        forecast = {}
        for j, ind in enumerate(sim.indicators):
            g = sim.growth[:, self.index, j].astype(float)
            a = sim.annual[:, self.index, j].astype(float)
            if not np.isfinite(g).any():
                continue
            qs = np.nanpercentile(g, [5, 25, 50, 75, 95])
            forecast[ind] = {
                "growth_mean": round_value(np.nanmean(g)),
                **{f"growth_{q}": round_value(v) for q, v in zip(_QUANTILES, qs, strict=True)},
                "level_q50": round_value(np.nanmedian(a)),
                "unit": INDICATORS[ind].unit if ind in INDICATORS else "",
            }
        scen = []
        table = self.inputs.scenarios
        if table is not None and len(table):
            rows = table[(table["scope"] == self.cluster_id) & ~derived_mask(table)]
            for rec in rows[["scenario", "target_id", "p_attain"]].to_dict("records"):
                scen.append({"scenario": rec["scenario"], "target_id": rec["target_id"],
                             "p_attain": round_value(rec["p_attain"])})
        prov = self.provenance
        return {
            "cluster_id": self.cluster_id,
            "name_zh": str(self.info.get("name_zh") or ""),
            "name_en": str(self.info.get("name_en") or ""),
            "level": str(self.info.get("level") or ""),
            "year": self.inputs.year, "as_of": self.inputs.as_of,
            "scenario": self.inputs.scenario,
            "data_as_of": self._zone_record(),
            "progress": self._progress_records([self.cluster_id]),
            "targets": targets, "no_official_target": self.no_official_target,
            "forecast": forecast, "scenarios": scen,
            "provenance": prov.to_dict(), "synthetic": prov.synthetic,
            "notice": prov.notice("en"),
        }
