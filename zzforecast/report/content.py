"""What the report notebooks show, built in the package so notebooks stay thin.

A notebook makes one :class:`ClusterReport` (or :class:`OverviewReport`) from its
parameters and displays its sections one per cell. Each section returns an
``IPython.display.HTML`` object whose every data string is escaped; figures are
embedded as PNG data URIs, so the exported HTML is self-contained.

When the batch passes ``simulation_path`` (and ``scenarios_path``), the report reads the
joint simulation the batch ran once, so every cluster agrees with the city totals;
without it the report runs its own simulation (interactive use, papermill by hand).
"""

from __future__ import annotations

import base64
import functools
import html
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..data.schemas import MONTHLY_INDICATORS
from ..i18n import check_lang, indicator_name, percent, scope_name, text
from .text import caveats, methodology_appendix, reading_guide

__all__ = [
    "ReportInputs",
    "load_inputs",
    "resolve_dirs",
    "compare_scenarios",
    "scenario_explorer",
    "explorer_scenario",
    "ClusterReport",
    "OverviewReport",
    "figure_html",
    "table_html",
]

_QUANTILES = ("q05", "q25", "q50", "q75", "q95")
_TOP_PROJECTS = 10  # projects listed and drawn per cluster report
# 亿元 = 10^8 yuan, 万人 = 10^4 persons, as English readers write them.
_EN_UNITS = {"亿元": "100m yuan", "万人": "10k persons"}


# --------------------------------------------------------------------------- helpers

def _display_html(fragment: str):
    from IPython.display import HTML

    return HTML(fragment)


def figure_html(fig, alt: str = "", dpi: int = 90) -> str:
    """Return an ``<img>`` tag embedding ``fig`` as a PNG data URI (``alt`` escaped)."""
    buf = io.BytesIO()
    # Light compression: encoding dominates drawing time; files grow by under 10 %.
    fig.savefig(buf, format="png", dpi=dpi, pil_kwargs={"compress_level": 1})
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(alt, quote=True)}">'
            "</figure>")


def table_html(frame: pd.DataFrame, columns: dict[str, str] | None = None) -> str:
    """Return an escaped HTML table of ``frame`` (``columns`` maps names to headers)."""
    if columns:
        frame = frame[list(columns)].rename(columns=columns)
    return frame.to_html(index=False, escape=True, na_rep="–", border=0,
                         classes="report-table")


def _h(level: int, words: str) -> str:
    words = words[:1].upper() + words[1:]
    return f"<h{level}>{html.escape(words)}</h{level}>"


def _p(words: str, cls: str | None = None) -> str:
    attr = f' class="{cls}"' if cls else ""
    return f"<p{attr}>{html.escape(words)}</p>"


def _markdown_html(md: str) -> str:
    """Render the package's own prose (Markdown) to HTML with markdown-it-py (CommonMark).

    Raw HTML in the text is not passed through (``html`` off): it comes out escaped.
    """
    return _markdown().render(md)


@functools.cache
def _markdown():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False})


def _round(value: Any, digits: int = 6) -> Any:
    if value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return value
    if not math.isfinite(f):
        return None
    return round(f, digits)


def _fmt_value(value: Any, kind: str, unit: str | None = None) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if kind in ("growth", "share"):
        return percent(value)
    try:
        return f"{float(value):,.1f}{unit or ''}"
    except (TypeError, ValueError):
        return str(value)


def _derived_mask(frame: pd.DataFrame) -> pd.Series:
    """Rows of an assessment that are derived per-zone placeholders (never targets)."""
    if "derived" not in frame.columns:
        return pd.Series(False, index=frame.index)
    derived = frame["derived"].map(lambda v: str(v).strip().lower() in ("true", "1", "1.0"))
    if "source" in frame.columns:
        derived &= frame["source"].astype(str) == "cluster_targets"
    return derived


def _official(frame: pd.DataFrame) -> pd.DataFrame:
    """An assessment without derived per-zone rows (they are shown as 无正式目标)."""
    return frame[~_derived_mask(frame)]


_RAG_COLOURS = {"green": "#d8f0d8", "amber": "#fff0c0", "red": "#f8d4d2"}


def _rag_badge(colour: str | None, lang: str) -> str:
    """A small coloured label (红/黄/绿) with the word, so it survives printing in grey."""
    from .briefing import rag_word

    if colour not in _RAG_COLOURS:
        return ""
    return (f'<span class="rag rag-{colour}" style="background:{_RAG_COLOURS[colour]};'
            f'padding:0 0.4em;border-radius:0.3em">{html.escape(rag_word(colour, lang))}</span>')


def _rag_cell(p, colour: str | None, lang: str, note: str) -> str:
    from .briefing import rag_word

    style = f' style="background:{_RAG_COLOURS[colour]}"' if colour in _RAG_COLOURS else ""
    word = f" {html.escape(rag_word(colour, lang))}" if colour in _RAG_COLOURS else ""
    return f"<td{style}>{html.escape(percent(p, 0))}{word}{note}</td>"


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


# --------------------------------------------------------------------------- inputs

@dataclass
class ReportInputs:
    """Everything a report draws from: data bundle, simulation, assessments.

    Attributes
    ----------
    bundle : zzforecast.data.loaders.Bundle
    simulation : zzforecast.simulate.engine.Simulation
    assessment : pandas.DataFrame
        ``attain.assess`` of the simulation (one row per target and scope).
    scenarios : pandas.DataFrame or None
        Assessments of every scenario (column ``scenario`` added), for comparisons.
    precomputed : bool
        Whether the simulation came from the batch.
    """

    bundle: Any
    simulation: Any
    assessment: pd.DataFrame
    scenarios: pd.DataFrame | None
    precomputed: bool
    year: int
    as_of: str
    scenario: str
    lang: str
    extras: dict = field(default_factory=dict)


def resolve_dirs(data_dir: str | Path | None = None,
                 params_dir: str | Path | None = None) -> tuple[Path, Path]:
    """Find the ``data`` and ``params`` folders when they are not given.

    Looks in the working directory, its parent (a notebook opened in ``notebooks/``) and
    the source tree the package was installed from, in that order.
    """
    candidates = [Path.cwd(), Path.cwd().parent, Path(__file__).resolve().parents[2]]

    def find(given, name):
        if given:
            return Path(given)
        for root in candidates:
            if (root / name).is_dir():
                return root / name
        return Path(name)

    return find(data_dir, "data"), find(params_dir, "params")


def compare_scenarios(bundle, year: int, as_of: str, n_paths: int = 2000, seed: int = 0,
                      scenarios: list[str] | None = None,
                      known: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Assess every scenario with the same seed (differences come only from assumptions).

    ``known`` maps scenario names to assessments already computed (the batch passes the
    main scenario's, so its figures are the same in every section).

    Returns
    -------
    pandas.DataFrame
        ``attain.assess`` rows of each scenario plus columns ``scenario``,
        ``scenario_zh`` and ``scenario_en`` (labels).
    """
    from ..assess.attain import assess
    from ..simulate.engine import simulate
    from ..simulate.scenarios import list_scenarios, load_scenario

    names = scenarios or list_scenarios(bundle.params_dir)
    known = dict(known or {})
    frames = []
    for name in names:
        scen = load_scenario(bundle.params_dir, name)
        if name in known:
            frame = known[name]
        else:
            sim = simulate(bundle, year, as_of, scen, n_paths=n_paths, seed=seed,
                           keep_monthly=False)
            frame = assess(sim, bundle)
        frames.append(frame.assign(scenario=name, scenario_zh=scen.label_zh or name,
                                   scenario_en=scen.label_en or name))
    return pd.concat(frames, ignore_index=True)


def load_inputs(year: int, as_of: str, scenario: str = "baseline", *, n_paths: int = 10000,
                seed: int = 0, lang: str = "zh", data_dir: str | Path = "data",
                params_dir: str | Path = "params", simulation_path: str | Path | None = None,
                scenarios_path: str | Path | None = None,
                compare_n_paths: int = 2000) -> ReportInputs:
    """Load the bundle and the simulation (precomputed or run here) and assess it.

    Parameters
    ----------
    simulation_path : path, optional
        A simulation saved by the batch (``Simulation.save``); without it the simulation
        runs here with ``n_paths`` and ``seed``.
    scenarios_path : path, optional
        CSV of :func:`compare_scenarios` saved by the batch; without it the comparison
        runs here with ``compare_n_paths`` paths per scenario.
    """
    from ..assess.attain import assess
    from ..data.bundle import load_bundle
    from ..data.vintages import published_bundle
    from ..simulate.engine import Simulation, simulate

    check_lang(lang)
    data_dir, params_dir = resolve_dirs(data_dir, params_dir)
    bundle = load_bundle(data_dir, params_dir, year)
    bundle = published_bundle(bundle, as_of)  # only what was published by the as-of
    if simulation_path:
        sim = Simulation.load(simulation_path)
    else:
        sim = simulate(bundle, year, as_of, scenario, n_paths=n_paths, seed=seed)
    scen = pd.read_csv(scenarios_path, encoding="utf-8") if scenarios_path else None
    if scen is not None and simulation_path and (scen["scenario"] == sim.scenario).any():
        # The batch assessed the saved simulation already (same paths, same numbers).
        from ..assess.attain import ASSESS_COLUMNS

        assessment = scen.loc[scen["scenario"] == sim.scenario, list(ASSESS_COLUMNS)]
        assessment = assessment.reset_index(drop=True)
    else:
        assessment = assess(sim, bundle)
    if scen is None:
        try:
            scen = compare_scenarios(bundle, year, as_of, n_paths=min(compare_n_paths, n_paths),
                                     seed=seed, known={str(sim.scenario): assessment})
        except Exception:  # noqa: BLE001 - the comparison is an extra; say so in the report
            scen = None
    return ReportInputs(bundle=bundle, simulation=sim, assessment=assessment, scenarios=scen,
                        precomputed=bool(simulation_path), year=int(sim.year or year),
                        as_of=str(sim.as_of or as_of), scenario=str(sim.scenario or scenario),
                        lang=lang)


# --------------------------------------------------------------------------- shared parts

class _Report:
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
    def _registry(self) -> pd.DataFrame:
        reg = self.inputs.bundle.clusters
        return reg[reg["cluster_id"].isin(self.inputs.simulation.cluster_ids)]

    @property
    def progress(self) -> pd.DataFrame:
        """:func:`zzforecast.assess.progress.time_progress` of the run's zones (cached)."""
        if "progress" not in self.inputs.extras:
            from ..assess.progress import time_progress

            bundle = self.inputs.bundle
            registry = self._registry()
            # a subset's totals are not the city's: the plan's city-level targets do not apply
            targets = bundle.targets if len(registry) == len(bundle.clusters) else []
            self.inputs.extras["progress"] = time_progress(
                bundle.observations, registry, targets, self.inputs.year,
                self.inputs.as_of, cluster_targets=bundle.cluster_targets,
                published=getattr(bundle, "published", None))
        return self.inputs.extras["progress"]

    @property
    def zones_latest(self) -> pd.DataFrame:
        """:func:`zzforecast.assess.progress.zone_latest` of the run's zones (cached)."""
        if "zones_latest" not in self.inputs.extras:
            from ..assess.progress import latest_months, zone_latest

            self.inputs.extras["zones_latest"] = zone_latest(latest_months(
                self.inputs.bundle.observations, self._registry(), self.inputs.year,
                self.inputs.as_of))
        return self.inputs.extras["zones_latest"]

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
        parts = [_h(3, self.t("progress_head", k=int(rows["seasonal_years"].max() or 0))),
                 table_html(pd.DataFrame(cells, columns=header))]
        parts += [_p(n, "meta") for n in notes]
        pub_head, pub_header, pub_cells = published_rows(rows, self.lang)
        if pub_cells:
            parts += [_p(pub_head), table_html(pd.DataFrame(pub_cells, columns=pub_header))]
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
        return _p(line, cls)

    def _target_label(self, row) -> str:
        ind = indicator_name(str(row["indicator"]), self.lang)
        kind = str(row.get("kind", "growth"))
        value = row.get("target")
        unit = "" if kind in ("growth", "share") else self._value_unit(str(row["indicator"]))
        joiner = "增长" if (self.lang == "zh" and kind == "growth") else (
            " growth " if kind == "growth" else (" " if self.lang == "en" else "达到"))
        return f"{ind}{joiner}{_fmt_value(value, kind, unit)}"

    def _unit(self, indicator: str) -> str:
        """The indicator's canonical unit as readers of this language write it."""
        from ..data.schemas import INDICATORS

        ind = INDICATORS.get(indicator)
        unit = ind.unit if ind else ""
        if self.lang == "en":
            return _EN_UNITS.get(unit, unit)
        return unit

    def _value_unit(self, indicator: str) -> str:
        """Suffix for a value: ``亿元`` in Chinese, `` (100m yuan)`` in English."""
        unit = self._unit(indicator)
        return f" ({unit})" if self.lang == "en" and unit else unit

    def _progress_records(self, scopes) -> list[dict]:
        from ..assess.progress import progress_records

        return progress_records(self.progress[self.progress["scope"].isin(list(scopes))])

    def _targets_frame(self, rows: pd.DataFrame, with_scope: bool = False) -> pd.DataFrame:
        out = pd.DataFrame({
            self.t("target"): [self._target_label(r) for _, r in rows.iterrows()],
            self.t("p_attain_short"): [percent(v, 0) for v in rows["p_attain"]],
            self.t("p_within_short"): [percent(v, 0) for v in rows.get(
                "p_attain_within_tolerance", pd.Series([None] * len(rows)))],
            self.t("median_outcome"): [
                _fmt_value(r.get("q50"), str(r.get("kind")), self._value_unit(str(r["indicator"])))
                for _, r in rows.iterrows()],
            self.t("q_range"): [
                f"{_fmt_value(r.get('q05'), str(r.get('kind')))} – "
                f"{_fmt_value(r.get('q95'), str(r.get('kind')))}" for _, r in rows.iterrows()],
            self.t("required_growth"): [percent(v) if v is not None and v == v else
                                        self.t("not_applicable")
                                        for v in rows.get("required_growth",
                                                          pd.Series([None] * len(rows)))],
        })
        if with_scope:
            out.insert(0, self.t("scope"), [scope_name(str(s), self.lang) for s in rows["scope"]])
        return out

    # ---- sections shared by every report
    def caveats(self):
        items = "".join(f"<li>{html.escape(c)}</li>"
                        for c in caveats(self.lang, self.inputs.bundle.targets))
        return _display_html(_h(2, self.t("caveats")) + f"<ol>{items}</ol>"
                             + _markdown_html(reading_guide(self.lang)))

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
        parts = [_h(2, self.t("provenance")), self._notice(), table_html(frame)]
        return _display_html("".join(parts))

    def methodology(self):
        return _display_html(_markdown_html(methodology_appendix(self.lang)))

    def _outlook(self, scopes, years_after: int):
        """Each scope's path from the target year on (:mod:`zzforecast.simulate.trajectory`)."""
        from ..simulate.trajectory import trajectories

        sim, year = self.inputs.simulation, int(self.inputs.year)
        cols = self.t("outlook_cols").split("|")
        engine, annual = self.t("outlook_sources").split("|")
        parts = [_h(2, self.t("outlook", year=year)), _p(self.t("outlook_note", year=year))]
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
            parts.append(_h(3, indicator_name(ind, self.lang)))
            parts.append(table_html(frame))
        return _display_html("".join(parts))

    def _assumptions_html(self, names: list[str]) -> str:
        """Each scenario's assumptions, read from its params file, side by side."""
        from ..simulate.scenarios import load_scenario, scenario_assumptions

        try:
            scenarios = [load_scenario(self.inputs.bundle.params_dir, n) for n in names]
        except Exception:  # noqa: BLE001 - a scenario file gone since the batch ran
            return ""
        zh = self.lang == "zh"
        return (_p("情景假设（取自参数文件 params/scenarios/）：" if zh else
                   "The scenarios' assumptions (from params/scenarios/):")
                + table_html(scenario_assumptions(scenarios, self.lang)))

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
        parts = [_h(2, self.t("scenarios"))]
        if table is None or not len(table):
            parts.append(_p(self.t("not_applicable")))
            return _display_html("".join(parts))
        rows = table[select(table)].copy()
        if not len(rows):
            parts.append(_p(self.t("no_targets")))
            parts.append(self._assumptions_html(list(dict.fromkeys(
                table["scenario"].astype(str)))))
            return _display_html("".join(parts))
        rows["label"] = [label(r) for _, r in rows.iterrows()]
        label_col = "scenario_zh" if self.lang == "zh" else "scenario_en"
        rows["scenario_label"] = rows[label_col] if label_col in rows else rows["scenario"]
        parts.append(self._assumptions_html(list(dict.fromkeys(rows["scenario"].astype(str)))))
        if with_table:
            zh = self.lang == "zh"
            rows["shown"] = [
                f"{percent(r['p_attain'], 0)}（{'中位数' if zh else 'median'} "
                f"{_fmt_value(r.get('q50'), str(r.get('kind')), self._value_unit(str(r['indicator'])))}）"
                if zh else
                f"{percent(r['p_attain'], 0)} (median "
                f"{_fmt_value(r.get('q50'), str(r.get('kind')), self._value_unit(str(r['indicator'])))})"
                for _, r in rows.iterrows()]
            wide = rows.pivot_table(index="label", columns="scenario_label", values="shown",
                                    aggfunc="first", sort=False)
            wide.columns.name = None
            wide = wide.reset_index().rename(columns={"label": self.t("target")})
            parts.append(_p("各情景的达标概率和全年中位数（同一随机种子，差异只来自假设）："
                            if zh else "Each scenario's chance and median outcome (same seed: "
                            "differences come from the assumptions only):"))
            parts.append(table_html(wide))
        parts.append(self._figure(scenario_chart(rows, scenario="scenario_label", lang=self.lang),
                                  self.t("scenarios")))
        return _display_html("".join(parts))


# --------------------------------------------------------------------------- cluster report

class ClusterReport(_Report):
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
        frame = _official(self.inputs.assessment)
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
                "derived_value": _round(hit["value"].iloc[0]) if len(hit) else None,
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
        return _display_html(_h(1, title) + _p(self._subtitle(), "meta") + _p(meta, "meta")
                             + self._latest_html([self.cluster_id]) + self._notice())

    def key_points(self):
        rows = self.targets
        items = []
        for _, r in rows.iterrows():
            kind = str(r.get("kind"))
            unit = "" if kind in ("growth", "share") else self._value_unit(str(r["indicator"]))
            items.append(self.t(
                "sentence_target", indicator="", target_text=self._target_label(r),
                p=percent(r["p_attain"], 0), median=_fmt_value(r.get("q50"), kind, unit),
                lo=_fmt_value(r.get("q05"), kind, unit), hi=_fmt_value(r.get("q95"), kind, unit)))
            req = r.get("required_growth")
            if req is not None and req == req:
                m1 = int(str(self.inputs.as_of)[5:7]) + 1
                if m1 <= 12:
                    items.append(self.t("sentence_required", m1=m1, g=percent(req)))
        items += self._no_target_items()
        if not items:
            items = [self.t("no_targets")]
        body = "".join(f"<li>{html.escape(i[:1].upper() + i[1:])}</li>" for i in items)
        return _display_html(_h(2, self.t("summary")) + f"<ul>{body}</ul>")

    def forecasts(self):
        from .plots import fan_chart

        sim = self.inputs.simulation
        obs = self.inputs.bundle.observations
        mine = obs[(obs["cluster_id"] == self.cluster_id) & (obs["measure"] == "level")]
        parts = [_h(2, self.t("history_forecast"))]
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
        return _display_html("".join(parts))

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
        parts = [_h(2, self.t("targets")), self._progress_html([self.cluster_id])]
        missing = self._no_target_items()
        if missing:
            parts.append("<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in missing)
                         + "</ul>")
        if not len(rows):
            if not missing:
                parts.append(_p(self.t("no_targets")))
            return _display_html("".join(parts))
        parts.append(table_html(self._targets_frame(rows)))
        chart = rows.assign(label=[self._target_label(r) for _, r in rows.iterrows()])
        parts.append(self._figure(attainment_chart(chart, lang=self.lang), self.t("targets")))
        return _display_html("".join(parts))

    def required_growth(self):
        rows = self.targets
        rows = rows[rows["required_growth"].notna()] if "required_growth" in rows else rows[:0]
        parts = [_h(2, self.t("required"))]
        if not len(rows):
            parts.append(_p(self.t("not_applicable")))
        m1 = int(str(self.inputs.as_of)[5:7]) + 1
        for _, r in rows.iterrows():
            parts.append(_p(f"{self._target_label(r)}: "
                            + self.t("sentence_required", m1=min(m1, 12),
                                     g=percent(r["required_growth"]))))
        return _display_html("".join(parts))

    def outlook(self, years_after: int = 3):
        """This zone's path from the target year to ``years_after`` years later."""
        return self._outlook([self.cluster_id], years_after)

    def scenarios(self):
        return self._scenario_section(
            lambda t: (t["scope"] == self.cluster_id) & ~_derived_mask(t),
            self._target_label, with_table=True)

    def pipeline(self):
        from .plots import pipeline_chart

        projects = self.inputs.bundle.projects
        mine = projects[(projects["cluster_id"] == self.cluster_id)
                        & (projects["year"].astype(int) == int(self.inputs.year))]
        parts = [_h(2, self.t("pipeline"))]
        if not len(mine):
            parts.append(_p(self.t("no_projects")))
            return _display_html("".join(parts))
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
        parts.append(_p(summary))
        top = mine.sort_values("planned_investment", ascending=False).head(_TOP_PROJECTS)
        if len(mine) > _TOP_PROJECTS:
            parts.append(_p(f"本年计划投资最大的 {_TOP_PROJECTS} 个项目：" if self.lang == "zh" else
                            f"The {_TOP_PROJECTS} projects with the most investment planned this year:"))
        parts.append(table_html(table.loc[top.index]))
        chart = top.assign(label=[n if len(n) <= 26 else "…" + n[-25:]
                                  for n in top[name_col].astype(str)])
        parts.append(self._figure(pipeline_chart(chart, lang=self.lang), self.t("pipeline")))
        return _display_html("".join(parts))

    # ---- machine-readable results
    def results(self) -> dict:
        """The JSON sidecar: targets, forecasts, scenarios and provenance (no timings)."""
        from ..data.schemas import INDICATORS

        sim = self.inputs.simulation
        targets = []
        for rec in self.targets.to_dict("records"):
            targets.append({k: _round(v) if isinstance(v, (float, np.floating)) else
                            (v.item() if isinstance(v, np.generic) else v)
                            for k, v in rec.items()})
        forecast = {}
        for j, ind in enumerate(sim.indicators):
            g = sim.growth[:, self.index, j].astype(float)
            a = sim.annual[:, self.index, j].astype(float)
            if not np.isfinite(g).any():
                continue
            qs = np.nanpercentile(g, [5, 25, 50, 75, 95])
            forecast[ind] = {
                "growth_mean": _round(np.nanmean(g)),
                **{f"growth_{q}": _round(v) for q, v in zip(_QUANTILES, qs, strict=True)},
                "level_q50": _round(np.nanmedian(a)),
                "unit": INDICATORS[ind].unit if ind in INDICATORS else "",
            }
        scen = []
        table = self.inputs.scenarios
        if table is not None and len(table):
            rows = table[(table["scope"] == self.cluster_id) & ~_derived_mask(table)]
            for rec in rows[["scenario", "target_id", "p_attain"]].to_dict("records"):
                scen.append({"scenario": rec["scenario"], "target_id": rec["target_id"],
                             "p_attain": _round(rec["p_attain"])})
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

    def write_results(self, path: str | Path | None) -> dict:
        """Write :meth:`results` as JSON to ``path`` (atomically) when a path is given."""
        from .render import write_json

        res = self.results()
        if path:
            write_json(path, res)
        return res


# --------------------------------------------------------------------------- overview

class OverviewReport(_Report):
    """The city overview: every cluster, city and provincial targets, drivers, audit."""

    def header(self):
        title = self.t("overview_title", year=self.inputs.year)
        return _display_html(_h(1, title) + _p(self._subtitle(), "meta") + self._latest_html()
                             + self._notice())

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
        parts = [_h(2, "要点" if zh else "The answer in brief")]
        if not len(frame):
            parts.append(_p(self.t("no_targets")))
            return _display_html("".join(parts))
        items = []
        for (_, r), line in zip(frame.iterrows(), headline_sentences(frame, self.lang),
                                strict=True):
            items.append(f'<li class="headline">{_rag_badge(r["rag"], self.lang)} '
                         f"{html.escape(line)}</li>")
        parts.append(f'<ul class="headlines">{"".join(items)}</ul>')
        parts.append(_p("红黄绿：达标概率低于30%为红，30%–70%为黄，70%及以上为绿。概率来自模型，"
                        "不是保证。" if zh else
                        "Red below a 30% chance, amber 30-70%, green 70% or more. Chances come "
                        "from a model, not a guarantee.", "meta"))
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
        return _display_html("".join(parts))

    def zone_ranking(self):
        """Zones ranked (位次) by their chance, red/amber/green by probability."""
        from .briefing import zone_ranking

        zh = self.lang == "zh"
        table = zone_ranking(self.inputs.simulation, self.inputs.assessment, self.inputs.bundle,
                             lang=self.lang)
        parts = [_h(2, "各产业集聚区位次" if zh else "Zones ranked by their chance")]
        if not len(table):
            parts.append(_p(self.t("no_targets")))
            return _display_html("".join(parts))
        inds = [c[2:] for c in table.columns if c.startswith("p_") and c != "p_mean"]
        basis_city = any((table[f"basis_{i}"] == "city").any() for i in inds)
        if basis_city:
            parts.append(_p(
                "各区的正式目标（方案附件2、3）未录入：没有正式目标的区按达到全市增速目标的概率"
                "排序（标注“对照全市目标”），不是该区的达标概率。" if zh else
                "The zones' own targets (annexes 2 and 3) are not entered: a zone without one "
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
                cells.append(_rag_cell(p, r[f"rag_{ind}"], self.lang, note))
                cells.append(html.escape(percent(r[f"median_{ind}"])))
            cells.append(_rag_cell(r["p_mean"], r["rag"], self.lang, ""))
            body.append("<tr>" + "".join(c if c.startswith("<td") else f"<td>{c}</td>"
                                         for c in cells) + "</tr>")
        parts.append('<table class="report-table"><thead><tr>'
                     + "".join(f"<th>{html.escape(h)}</th>" for h in head)
                     + f"</tr></thead><tbody>{''.join(body)}</tbody></table>")
        return _display_html("".join(parts))

    def target_status(self):
        """Every target of the plan: simulated or not, and why."""
        from .briefing import target_status

        zh = self.lang == "zh"
        table = target_status(self.inputs.bundle, self.inputs.simulation, self.inputs.assessment)
        n_sim = int((table["status"] == "simulated").sum())
        n_plan = int((table["status"] != "no_official_target").sum())
        parts = [_h(2, "方案全部目标的状态" if zh else "Status of every target of the plan"),
                 _p(f"方案共{n_plan}项量化目标，本次模拟{n_sim}项；其余目标的指标没有月度或年度"
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
                shown = _fmt_value(float(value), r["kind"], r["unit"] or "")
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
        return _display_html("".join(parts))

    def _names(self) -> dict[str, str]:
        col = "name_zh" if self.lang == "zh" else "name_en"
        return dict(zip(self.inputs.bundle.clusters["cluster_id"],
                        self.inputs.bundle.clusters[col].astype(str), strict=True))

    def city_targets(self):
        from .plots import attainment_chart

        frame = self.inputs.assessment
        rows = frame[frame["scope"].isin(["city", "provincial", "municipal"])].reset_index(drop=True)
        parts = [_h(2, self.t("targets")),
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
            parts.append(_p(self.t("no_targets")))
        return _display_html("".join(parts))

    def clusters_table(self, link_reports: bool | list[str] = False):
        """Each cluster's probability of reaching its own targets, one column per indicator.

        Only entered (official) per-zone targets get a probability; an indicator without
        one shows "无正式目标（方案附件未录入）" and the forecast median of its growth (a
        derived placeholder is never shown as a goal). ``link_reports`` links names to
        ``<cluster_id>.html`` in the same folder: ``True`` for every cluster, or a list of
        the cluster ids that have a report (the batch).
        """
        frame = _official(self.inputs.assessment)
        names = self._names()
        sim = self.inputs.simulation
        rows = frame[frame["scope"].isin(list(names))]
        parts = [_h(2, self.t("cluster"))]
        indicators = list(dict.fromkeys(
            [i for i in MONTHLY_INDICATORS if i in sim.indicators] + list(rows["indicator"])))
        if not indicators:
            parts.append(_p(self.t("no_targets")))
            return _display_html("".join(parts))
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
                    goal = _fmt_value(r["target"], str(r["kind"]), self._value_unit(ind))
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
        parts.append(_p(self.t("p_attain")))
        parts.append(f'<table class="report-table"><thead><tr><th>{html.escape(self.t("cluster"))}'
                     f"</th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")
        return _display_html("".join(parts))

    def drivers_sections(self):
        """The drivers section of every monthly indicator simulated (registry order)."""
        sim = self.inputs.simulation
        return _display_html("".join(self.drivers_section(ind).data
                                     for ind in MONTHLY_INDICATORS if ind in sim.indicators))

    def drivers_section(self, indicator: str = "fai"):
        from ..assess.attain import drivers
        from .plots import drivers_chart

        names = self._names()
        table = drivers(self.inputs.simulation, self.inputs.bundle, indicator=indicator)
        parts = [_h(2, f"{self.t('drivers')}（{indicator_name(indicator, self.lang)}）"
                    if self.lang == "zh" else
                    f"{self.t('drivers')} ({indicator_name(indicator, self.lang)})")]
        zh = self.lang == "zh"
        headers = {
            "cluster_id": self.t("cluster"),
            "weight": "上年占比" if zh else "share of last year",
            "expected_growth": "预计全年增速" if zh else "expected growth",
            "contribution_to_gap": "对差距的贡献（百分点）" if zh else "contribution to gap (points)",
            "required_growth_equal": "所需全年增速（等幅提升）" if zh else "growth needed (equal uplift)",
        }
        shown = pd.DataFrame({
            headers["cluster_id"]: [names.get(c, c) for c in table["cluster_id"]],
            headers["weight"]: [percent(v) for v in table["weight"]],
            headers["expected_growth"]: [percent(v) for v in table["expected_growth"]],
            headers["contribution_to_gap"]: [f"{100 * v:+.2f}" for v in table["contribution_to_gap"]],
            headers["required_growth_equal"]: [percent(v) for v in table["required_growth_equal"]],
        })
        parts.append(table_html(shown))
        chart = pd.DataFrame({"label": [names.get(c, c) for c in table["cluster_id"]],
                              "contribution": 100 * table["contribution_to_gap"].astype(float)})
        parts.append(self._figure(drivers_chart(chart, lang=self.lang, xlabel=headers[
            "contribution_to_gap"], title=self.t("drivers")), self.t("drivers")))
        return _display_html("".join(parts))

    def stars(self):
        from ..assess.attain import star_ratings

        names = self._names()
        table = star_ratings(self.inputs.simulation, self.inputs.bundle)
        zh = self.lang == "zh"
        shown = pd.DataFrame({
            self.t("cluster"): [names.get(c, c) for c in table["cluster_id"]],
            self.t("star_goal"): table["star_target"].astype(int),
            self.t("star_p"): [percent(v, 0) for v in table["p_reach_target"]],
            ("预期星级" if zh else "expected stars"): [f"{v:.1f}" for v in table["expected_stars"]],
        })
        where = f"params/plans/{self.inputs.simulation.year}/stars.yaml"
        note = (f"星级评定规则不在方案中，这里使用参数文件 {where} 中的假设规则。" if zh else
                f"The plan gives no rating rules; these use the ASSUMED rules in {where}.")
        return _display_html(_h(2, self.t("stars")) + _p(note, "meta") + table_html(shown))

    def audit(self):
        from ..assess.audit import audit_plan

        bundle = self.inputs.bundle
        findings = audit_plan(bundle.targets, bundle.clusters, bundle.observations,
                              year=self.inputs.year,
                              facts=getattr(getattr(bundle, "plan", None), "audit", None))
        parts = [_h(2, self.t("audit"))]
        for f in findings:
            title = f.title.get(self.lang) if isinstance(f.title, dict) else str(f.title)
            body = f.text.get(self.lang) if isinstance(f.text, dict) else str(f.text)
            parts.append(f"<h3>{html.escape(str(title))}</h3>" + _p(str(body)))
            if f.table:
                parts.append(table_html(pd.DataFrame(list(f.table))))
        if not findings:
            parts.append(_p(self.t("not_applicable")))
        return _display_html("".join(parts))

    def outlook(self, years_after: int = 3):
        """The city's path from the target year to ``years_after`` years later."""
        return self._outlook(["city"], years_after)

    def scenarios(self):
        return self._scenario_section(
            lambda t: t["scope"].isin(["city", "provincial"]),
            lambda r: f"{scope_name(str(r['scope']), self.lang)}: {self._target_label(r)}",
            with_table=True)

    def results(self) -> dict:
        """The overview's JSON sidecar: city/provincial assessments and provenance."""
        frame = self.inputs.assessment
        rows = frame[frame["scope"].isin(["city", "provincial", "municipal"])]
        targets = [{k: _round(v) if isinstance(v, (float, np.floating)) else
                    (v.item() if isinstance(v, np.generic) else v) for k, v in rec.items()}
                   for rec in rows.to_dict("records")]
        prov = self.provenance
        from ..assess.progress import progress_records

        zones = self.zones_latest
        data_as_of = progress_records(zones.drop(columns="by_indicator"))
        for rec, by in zip(data_as_of, zones["by_indicator"], strict=True):
            rec["by_indicator"] = dict(by)
        from .briefing import headline_sentences, zone_ranking

        heads = self.headlines
        headlines = [
            {"target_id": r["target_id"], "scope": r["scope"], "indicator": r["indicator"],
             "kind": r["kind"], "p_attain": _round(r["p_attain"]), "rag": r["rag"],
             "text_zh": zh, "text_en": en}
            for (_, r), zh, en in zip(heads.iterrows(), headline_sentences(heads, "zh"),
                                      headline_sentences(heads, "en"), strict=True)]
        ranking = zone_ranking(self.inputs.simulation, self.inputs.assessment,
                               self.inputs.bundle, lang=self.lang)
        ranking = [{k: _round(v) if isinstance(v, (float, np.floating)) else
                    (v.item() if isinstance(v, np.generic) else v) for k, v in rec.items()}
                   for rec in ranking.to_dict("records")]
        return {"kind": "overview", "year": self.inputs.year, "as_of": self.inputs.as_of,
                "scenario": self.inputs.scenario, "targets": targets,
                "headlines": headlines, "ranking": ranking,
                "progress": self._progress_records(["city", "provincial", "municipal"]),
                "data_as_of": data_as_of,
                "deflator": _deflator_json(self.inputs.simulation, rows),
                "provenance": prov.to_dict(), "synthetic": prov.synthetic}

    def write_results(self, path: str | Path | None) -> dict:
        from .render import write_json

        res = self.results()
        if path:
            write_json(path, res)
        return res


def _deflator_json(simulation, rows: pd.DataFrame) -> dict | None:
    """The deflator assumption and P(IAV level) at -2/0/+2 points (None without IAV)."""
    if "iav" not in getattr(simulation, "indicators", ()):
        return None
    from ..assess.level_bases import deflator_record

    return deflator_record(simulation, rows)


# --------------------------------------------------------------------------- explorer

def explorer_scenario(base, *, fai_shift: float = 0.0, iav_shift: float = 0.0,
                      delay_months: float | None = None, deflator_mean: float | None = None):
    """The scenario the explorer simulates: ``base`` with the sliders' changes.

    Shifts are in percentage points added to the city's growth of the months to come;
    ``None`` keeps the base value exactly (so an untouched explorer is the base scenario,
    whatever its values).
    """
    import dataclasses

    shift = {k: dict(v) for k, v in (base.growth_shift or {}).items()}
    for ind, points in (("fai", fai_shift), ("iav", iav_shift)):
        if points:
            by_scope = shift.setdefault(ind, {})
            by_scope["city"] = float(by_scope.get("city", 0.0)) + float(points) / 100
    return dataclasses.replace(
        base, growth_shift=shift,
        delay_months=base.delay_months if delay_months is None else float(delay_months),
        deflator_mean=base.deflator_mean if deflator_mean is None else float(deflator_mean))


def scenario_explorer(bundle, year: int, as_of: str, scenario: str = "baseline", *,
                      n_paths: int = 10000, seed: int = 0, lang: str = "zh"):
    """An ipywidgets panel: sliders for growth shifts, project delay and the deflator.

    It opens exactly at ``scenario`` (every slider starts at the file's value, and a
    slider not moved passes the file's value itself, so no step rounding changes it) and
    with the report's defaults (``n_paths`` 10,000, ``seed`` 0) shows the report's
    numbers. Sliders update when released (``continuous_update=False``), so dragging
    does not queue one simulation per pixel. Each update re-runs the joint simulation
    under :func:`explorer_scenario` and refreshes the table of city and provincial
    probabilities.

    Returns
    -------
    (ipywidgets.VBox, callable)
        The panel and its ``update()`` function (called once already, so the table is
        filled when the panel is first shown, and headless runs see real numbers).
    """
    import ipywidgets as widgets
    from IPython.display import display

    from ..assess.attain import assess
    from ..simulate.engine import simulate
    from ..simulate.scenarios import load_scenario, scenario_assumptions

    check_lang(lang)
    base = load_scenario(bundle.params_dir, scenario)
    zh = lang == "zh"
    style = {"description_width": "14em"}
    layout = widgets.Layout(width="38em")

    def slider(value, lo, hi, step, description, fmt):
        lo, hi = min(lo, value), max(hi, value)  # the file's value is always in range
        return widgets.FloatSlider(value=value, min=lo, max=hi, step=step, style=style,
                                   layout=layout, description=description,
                                   continuous_update=False, readout_format=fmt)

    fai = slider(0.0, -5.0, 5.0, 0.1, ("投资" if zh else "FAI ") + text("growth_shift", lang),
                 ".1f")
    iav = slider(0.0, -5.0, 5.0, 0.1, ("工业" if zh else "IAV ") + text("growth_shift", lang),
                 ".1f")
    delay = slider(float(base.delay_months), 0.0, 12.0, 0.1, text("project_delay", lang),
                   ".1f")
    deflator = slider(100 * float(base.deflator_mean), -5.0, 10.0, 0.1,
                      text("deflator", lang) + " (%)", ".1f")
    start = {w: w.value for w in (fai, iav, delay, deflator)}
    out = widgets.Output()

    def moved(w) -> bool:
        return abs(float(w.value) - float(start[w])) > w.step / 2

    def adjusted():
        return explorer_scenario(
            base, fai_shift=fai.value if moved(fai) else 0.0,
            iav_shift=iav.value if moved(iav) else 0.0,
            delay_months=delay.value if moved(delay) else None,
            deflator_mean=deflator.value / 100 if moved(deflator) else None)

    def update(*_):
        sim = simulate(bundle, year, as_of, adjusted(), n_paths=n_paths, seed=seed,
                       keep_monthly=False)
        frame = assess(sim, bundle, clusters=False)
        inputs = ReportInputs(bundle=bundle, simulation=sim, assessment=frame, scenarios=None,
                              precomputed=False, year=int(year), as_of=str(as_of),
                              scenario=scenario, lang=lang)
        shown = _Report.__new__(_Report)
        shown.inputs, shown.lang = inputs, lang
        table = shown._targets_frame(frame.reset_index(drop=True), with_scope=True)
        out.clear_output(wait=True)
        with out:
            display(_display_html(table_html(table)))
        return frame

    for w in (fai, iav, delay, deflator):
        w.observe(update, names="value")
    update()
    assumptions = widgets.HTML(
        _p(("起点：" if zh else "Starting point: ") + base.label(lang)
           + ("（参数文件中的假设如下）" if zh else " (its assumptions from the params file)"))
        + table_html(scenario_assumptions([base], lang)))
    panel = widgets.VBox([widgets.HTML(html.escape(text("explorer_help", lang))),
                          fai, iav, delay, deflator, out, assumptions])
    return panel, update
