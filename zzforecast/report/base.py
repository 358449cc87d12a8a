"""The sections and helpers the cluster and overview reports share.

A report is made from :class:`~zzforecast.report.inputs.ReportInputs`; each section
returns an ``IPython.display.HTML`` object whose every data string is escaped.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pandas as pd

from ..data.schemas import MONTHLY_INDICATORS
from ..i18n import indicator_name, percent, text
from .fragments import (
    display_html,
    figure_html,
    fmt_value,
    heading,
    markdown_html,
    paragraph,
    table_html,
    target_label,
    targets_frame,
    unit,
    value_unit,
)
from .inputs import ReportInputs
from .scenario_compare import assumptions_html
from .text import caveats, methodology_appendix, reading_guide

__all__ = ["BaseReport"]


class BaseReport:
    """Sections common to the cluster and overview reports."""

    def __init__(self, inputs: ReportInputs):
        self.inputs = inputs
        self.lang = inputs.lang
        from .plots import set_style

        set_style()

    # ---- words
    def t(self, key: str, **values) -> str:
        return text(key, self.lang, **values)

    @property
    def provenance(self):
        from ..provenance import Provenance

        return Provenance.from_objects(self.inputs.bundle, self.inputs.simulation,
                                       year=self.inputs.year, as_of=self.inputs.as_of,
                                       scenario=self.inputs.scenario)

    def _subtitle(self) -> str:
        import calendar

        month = int(str(self.inputs.as_of)[5:7])
        shown = month if self.lang == "zh" else calendar.month_name[month]
        return self.t("subtitle", scenario=self._scenario_label(self.inputs.scenario),
                      as_of=self.inputs.as_of, month=shown)

    def _scenario_label(self, name: str) -> str:
        table = self.inputs.scenarios
        if table is not None and len(table):
            col = "scenario_zh" if self.lang == "zh" else "scenario_en"
            hit = table.loc[table["scenario"] == name, col] if col in table else []
            if len(hit):
                return f"{hit.iloc[0]}（{name}）" if self.lang == "zh" else f"{hit.iloc[0]} ({name})"
        return name

    def _notice(self) -> str:
        note = self.provenance.notice(self.lang)
        return f'<p class="notice"><strong>{html.escape(note)}</strong></p>' if note else ""

    # ---- 序时进度 and each zone's latest month (from the data, not the simulation)
    @property
    def progress(self) -> pd.DataFrame:
        """序时进度 of the run's zones (:attr:`Attainment.progress`)."""
        return self.inputs.attainment.progress

    @property
    def zones_latest(self) -> pd.DataFrame:
        """Each zone's latest data month (:attr:`Attainment.zones`)."""
        return self.inputs.attainment.zones

    def _zone_names(self) -> dict[str, str]:
        col = "name_zh" if self.lang == "zh" else "name_en"
        reg = self.inputs.bundle.clusters
        return dict(zip(reg["cluster_id"], reg[col].astype(str), strict=True))

    def _progress_html(self, scopes) -> str:
        """The 序时进度 table of ``scopes`` (and the published totals beside the sums)."""
        from ..assess.progress import progress_rows, published_rows

        rows = self.progress[self.progress["scope"].isin(list(scopes))]
        if not len(rows):
            return ""
        names = self._zone_names()
        header, cells, notes = progress_rows(rows, self.lang, names)
        parts = [heading(3, self.t("progress_head", k=int(rows["seasonal_years"].max() or 0))),
                 table_html(pd.DataFrame(cells, columns=header))]
        parts += [paragraph(n, "meta") for n in notes]
        pub_head, pub_header, pub_cells = published_rows(rows, self.lang)
        if pub_cells:
            parts += [paragraph(pub_head), table_html(pd.DataFrame(pub_cells, columns=pub_header))]
        return "".join(parts)

    def _latest_html(self, cluster_ids=None) -> str:
        from ..assess.progress import format_latest

        zones = self.zones_latest
        if cluster_ids is not None:
            zones = zones[zones["cluster_id"].isin(list(cluster_ids))]
        if not len(zones):
            return ""
        line = format_latest(zones, self.inputs.as_of, self.lang, self._zone_names())
        cls = "notice" if bool(zones["behind"].any()) else "meta"
        return paragraph(line, cls)

    # ---- targets in words (zzforecast.report.fragments, in this report's language)
    def _target_label(self, row) -> str:
        return target_label(row, self.lang)

    def _unit(self, indicator: str) -> str:
        return unit(indicator, self.lang)

    def _value_unit(self, indicator: str) -> str:
        return value_unit(indicator, self.lang)

    def _targets_frame(self, rows: pd.DataFrame, with_scope: bool = False) -> pd.DataFrame:
        return targets_frame(rows, self.lang, with_scope)

    def _progress_records(self, scopes) -> list[dict]:
        from ..assess.progress import progress_records

        return progress_records(self.progress[self.progress["scope"].isin(list(scopes))])

    # ---- sections shared by every report
    def caveats(self):
        items = "".join(f"<li>{html.escape(c)}</li>"
                        for c in caveats(self.lang, self.inputs.bundle.targets))
        return display_html(heading(2, self.t("caveats")) + f"<ol>{items}</ol>"
                            + markdown_html(reading_guide(self.lang)))

    def provenance_section(self):
        prov = self.provenance
        rows = [
            (self.t("as_of"), prov.as_of), (self.t("data_vintage"), prov.vintage),
            (self.t("data_digest"), prov.data_digest), (self.t("params_digest"), prov.params_digest),
            (self.t("seed"), prov.seed), (self.t("n_paths"), prov.n_paths),
            (self.t("version"), prov.version),
            (self.t("generated_from"),
             self.t("precomputed") if self.inputs.precomputed else self.t("computed_here")),
        ]
        frame = pd.DataFrame(rows, columns=["", " "])
        parts = [heading(2, self.t("provenance")), self._notice(), table_html(frame)]
        return display_html("".join(parts))

    def methodology(self):
        return display_html(markdown_html(methodology_appendix(self.lang)))

    def _outlook(self, scopes, years_after: int):
        """Each scope's path from the target year on (:mod:`zzforecast.simulate.trajectory`)."""
        from ..simulate.trajectory import trajectories

        sim, year = self.inputs.simulation, int(self.inputs.year)
        cols = self.t("outlook_cols").split("|")
        engine, annual = self.t("outlook_sources").split("|")
        parts = [heading(2, self.t("outlook", year=year)), paragraph(self.t("outlook_note", year=year))]
        names = {**self._zone_names(), "city": "全市" if self.lang == "zh" else "City"}
        for ind in (i for i in sim.indicators if i in MONTHLY_INDICATORS):
            tr = trajectories(sim, self.inputs.bundle.observations, ind, year + years_after,
                              scopes=scopes, seed=int(sim.seed))
            if not len(tr):
                continue
            unit = self._unit(ind)
            frame = pd.DataFrame({
                cols[0]: tr["unique_id"].map(lambda u: names.get(u, u)),
                cols[1]: tr["ds"].astype(int),
                cols[2]: np.where(tr["source"] == "engine", engine, annual),
                cols[3]: tr["growth_median"].map(percent),
                cols[4]: [f"{percent(a)} – {percent(b)}" for a, b in
                          zip(tr["growth_lo-80"], tr["growth_hi-80"], strict=True)],
                cols[5]: [f"{v:,.1f} {unit}" for v in tr["level_median"]],
                cols[6]: [f"{a:,.1f} – {b:,.1f}" for a, b in
                          zip(tr["level_lo-80"], tr["level_hi-80"], strict=True)]})
            parts.append(heading(3, indicator_name(ind, self.lang)))
            parts.append(table_html(frame))
        return display_html("".join(parts))

    def _assumptions_html(self, table: pd.DataFrame) -> str:
        """The assumptions of the scenarios in ``table`` (its column ``scenario``)."""
        names = list(dict.fromkeys(table["scenario"].astype(str)))
        return assumptions_html(self.inputs.bundle.params_dir, names, self.lang)

    def _figure(self, fig, alt: str) -> str:
        try:
            return figure_html(fig, alt=alt)
        finally:
            fig.clear()

    def _scenario_section(self, select, label, *, with_table: bool):
        """Scenarios side by side for the rows ``select(table)`` picks, labelled ``label(row)``.

        ``with_table`` adds the probabilities as a target x scenario table above the chart.
        """
        from .plots import scenario_chart

        table = self.inputs.scenarios
        parts = [heading(2, self.t("scenarios"))]
        if table is None or not len(table):
            parts.append(paragraph(self.t("not_applicable")))
            return display_html("".join(parts))
        rows = table[select(table)].copy()
        if not len(rows):
            parts.append(paragraph(self.t("no_targets")))
            parts.append(self._assumptions_html(table))
            return display_html("".join(parts))
        rows["label"] = [label(r) for _, r in rows.iterrows()]
        label_col = "scenario_zh" if self.lang == "zh" else "scenario_en"
        rows["scenario_label"] = rows[label_col] if label_col in rows else rows["scenario"]
        parts.append(self._assumptions_html(rows))
        if with_table:
            zh = self.lang == "zh"
            rows["shown"] = [
                f"{percent(r['p_attain'], 0)}（{'中位数' if zh else 'median'} "
                f"{fmt_value(r.get('q50'), str(r.get('kind')), self._value_unit(str(r['indicator'])))}）"
                if zh else
                f"{percent(r['p_attain'], 0)} (median "
                f"{fmt_value(r.get('q50'), str(r.get('kind')), self._value_unit(str(r['indicator'])))})"
                for _, r in rows.iterrows()]
            wide = rows.pivot_table(index="label", columns="scenario_label", values="shown",
                                    aggfunc="first", sort=False)
            wide.columns.name = None
            wide = wide.reset_index().rename(columns={"label": self.t("target")})
            parts.append(paragraph("各情景的达标概率和全年中位数（同一随机种子，差异只来自假设）："
                                   if zh else "Each scenario's chance and median outcome (same "
                                   "seed: differences come from the assumptions only):"))
            parts.append(table_html(wide))
        parts.append(self._figure(scenario_chart(rows, scenario="scenario_label", lang=self.lang),
                                  self.t("scenarios")))
        return display_html("".join(parts))

    # ---- machine-readable results
    def write_results(self, path: str | Path | None) -> dict:
        """Write the report's ``results()`` as JSON to ``path`` (atomically) when a path is given."""
        from .render import write_json

        res = self.results()
        if path:
            write_json(path, res)
        return res
