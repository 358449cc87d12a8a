"""The reports' history sections: how the odds moved (达标概率的变化) and the forecast record.

:class:`ReportHistory` turns :mod:`zzforecast.assess.history` into sections the overview
and cluster notebooks display: an OBR-style chart of P(target) and the median by vintage,
the table of each month's change split into the calendar, each zone's news, revisions and
parameter/scenario/path changes, each zone's outlook by vintage, and the table of past
forecasts against outcomes. Every section says which vintages came from stored runs and
which were recomputed (with the seed and paths), and that the bundled panel is synthetic.

The stored runs are found under the batch's output root, which the notebook learns from
``results_path`` (the batch writes ``<root>/<year>/<as_of>/<folder>/<name>.json``) unless
``history_root`` is given; the batch's work folder (beside ``simulation_path``) shares the
zones' recomputation between the notebooks of one batch.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..assess.history import (
    RECOMPUTED,
    SETTINGS,
    STORED,
    THIS_RUN,
    forecast_record,
    stored_runs,
    vintage_history,
    zone_history,
)
from ..i18n import check_lang, indicator_name, percent, scope_name
from .fragments import (
    display_html,
    figure_html,
    fmt_value,
    heading,
    paragraph,
    table_html,
    target_label,
    value_unit,
)

__all__ = ["HISTORY_PATHS", "reports_root", "month_label", "odds_chart", "zone_chart",
           "ReportHistory"]

HISTORY_PATHS = 2000  # paths per recomputed vintage: the track reruns the engine ~16 times a month
_TOP_NEWS = 3  # zones named per change


def reports_root(results_path) -> Path | None:
    """The batch's output root from where it asked a notebook to write its JSON, or None
    when the path does not have the batch's ``<root>/<year>/<YYYY-MM>/<folder>/`` shape."""
    if not results_path:
        return None
    folder = Path(results_path).resolve().parent
    vintage, year = folder.parent, folder.parent.parent
    if re.fullmatch(r"\d{4}-\d{2}", vintage.name) and year.name == vintage.name[:4]:
        return year.parent
    return None


def month_label(as_of: str, lang: str = "zh") -> str:
    """``1–5月`` / ``Jan–May`` (1–2月 is the year's first release)."""
    import calendar

    month = int(str(as_of)[5:7])
    return f"1–{month}月" if lang == "zh" else f"Jan–{calendar.month_abbr[month]}"


def _target_name(row, lang: str) -> str:
    return f"{scope_name(str(row['scope']), lang)}·{target_label(row, lang)}" if lang == "zh" \
        else f"{scope_name(str(row['scope']), lang)}: {target_label(row, lang)}"


def _points(x: float, lang: str) -> str:
    if x is None or not np.isfinite(x):
        return "–"
    return f"{100 * x:+.1f}"


def odds_chart(by_vintage: pd.DataFrame, *, lang: str = "zh"):
    """P(target) (top) and the median full-year growth of the growth targets (bottom) by
    vintage; filled markers are stored runs and this run, hollow ones recomputed."""
    from matplotlib.figure import Figure

    from .plots import set_style

    set_style()
    zh = lang == "zh"
    fig = Figure(figsize=(8.5, 6.6), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True)
    vintages = sorted(by_vintage["as_of"].unique())
    x = {v: i for i, v in enumerate(vintages)}
    colours = [f"C{i}" for i in range(10)]
    for i, (_, part) in enumerate(by_vintage.groupby(["target_id", "scope"], sort=False)):
        part = part.sort_values("as_of")
        colour, label = colours[i % 10], _target_name(part.iloc[0], lang)
        xs = [x[v] for v in part["as_of"]]
        panels = [(top, part["p_attain"].astype(float))]
        if part["kind"].iloc[0] == "growth":
            panels.append((bottom, 100 * part["median"].astype(float)))
            bottom.axhline(100 * float(part["target"].iloc[-1]), color=colour, ls="--", lw=0.8)
        for ax, ys in panels:
            ax.plot(xs, ys, color=colour, lw=1.4, label=label if ax is top else None)
            hollow = (part["source"] == RECOMPUTED).to_numpy()
            ax.scatter(np.array(xs)[~hollow], np.asarray(ys)[~hollow], color=colour, s=22, zorder=3)
            ax.scatter(np.array(xs)[hollow], np.asarray(ys)[hollow], facecolor="white",
                       edgecolor=colour, s=22, zorder=3)
    top.set_ylim(0, 1)
    top.yaxis.set_major_formatter(lambda v, _pos: f"{100 * v:.0f}%")
    top.set_ylabel("达标概率" if zh else "chance of reaching the target")
    top.set_title("各期数据下的达标概率（实心：存档或本期运行；空心：重算）" if zh else
                  "Chance of reaching each target by data vintage (filled: stored or this run; "
                  "hollow: recomputed)", fontsize="medium")
    top.legend(fontsize="x-small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    bottom.set_ylabel("全年增速中位数（%）" if zh else "median full-year growth (%)")
    bottom.set_title("增速目标的中位数预测（虚线：目标）" if zh else
                     "Median forecast of the growth targets (dashed: the target)", fontsize="medium")
    bottom.set_xticks(range(len(vintages)), [month_label(v, lang) for v in vintages])
    bottom.set_xlabel("数据截至" if zh else "data as of")
    return fig


def zone_chart(frame: pd.DataFrame, *, lang: str = "zh"):
    """One zone's median full-year growth by vintage with its 90% range, one panel per
    indicator (``frame``: a zone's growth-outlook rows of :func:`zone_history`)."""
    from matplotlib.figure import Figure

    from .plots import set_style

    set_style()
    indicators = list(dict.fromkeys(frame["indicator"]))
    cols = 2 if len(indicators) > 1 else 1
    rows = -(-len(indicators) // cols)
    fig = Figure(figsize=(8.0, 2.6 * rows + 0.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False).ravel())
    vintages = sorted(frame["as_of"].unique())
    for ax, ind in zip(axes, indicators, strict=False):
        part = frame[frame["indicator"] == ind].sort_values("as_of")
        xs = [vintages.index(v) for v in part["as_of"]]
        ax.fill_between(xs, 100 * part["q05"], 100 * part["q95"], color="C0", alpha=0.18,
                        lw=0, label="90%区间" if lang == "zh" else "90% range")
        ax.plot(xs, 100 * part["median"], color="C0", marker="o",
                label="中位数" if lang == "zh" else "median")
        ax.axhline(0, color="#888888", lw=0.6)
        ax.set_title(indicator_name(ind, lang), fontsize="medium")
        ax.set_xticks(range(len(vintages)), [month_label(v, lang) for v in vintages],
                      fontsize="x-small")
        ax.yaxis.set_major_formatter(lambda v, _pos: f"{v:g}%")
    for ax in axes[len(indicators):]:
        ax.set_visible(False)
    axes[0].legend(fontsize="x-small")
    fig.suptitle("全年增速预测随数据更新的变化" if lang == "zh" else
                 "Full-year growth forecast by data vintage", fontsize="medium")
    return fig


class ReportHistory:
    """The history sections of one report run.

    Parameters
    ----------
    inputs : zzforecast.report.inputs.ReportInputs
        The report's inputs (bundle, simulation, assessment, language).
    root : path, optional
        Output root holding stored runs (``<root>/<year>/<as_of>/<scenario>/``); default
        :func:`reports_root` of ``results_path``; none found means no stored runs.
    results_path, simulation_path : path, optional
        The notebook's own parameters (where the batch put its JSON and simulation).
    n_paths : int
        Paths per recomputed vintage (at most the run's own).
    """

    def __init__(self, inputs, *, root=None, results_path=None, simulation_path=None,
                 n_paths: int = HISTORY_PATHS):
        self.inputs = inputs
        self.lang = check_lang(inputs.lang)
        self.root = Path(root) if root else reports_root(results_path)
        self.cache_dir = Path(simulation_path).parent if simulation_path else None
        sim = inputs.simulation
        self.n_paths = int(min(int(n_paths), int(sim.n_paths)))
        self.seed = int(sim.seed)
        self._stored = None

    @property
    def stored(self):
        """This year's stored runs up to this run's vintage (:func:`stored_runs`)."""
        if self._stored is None:
            self._stored = stored_runs(self.root, self.inputs.simulation.scenario_name,
                                       year=self.inputs.year, through=self.inputs.as_of)
        return self._stored

    # ---- words
    def _zh(self) -> bool:
        return self.lang == "zh"

    def _synthetic(self) -> str:
        if not getattr(self.inputs.bundle, "synthetic", False):
            return ""
        return paragraph("本节所用数据为合成数据（仅演示方法，非官方统计）。" if self._zh() else
                         "The data in this section are synthetic (they illustrate the method; "
                         "not official statistics).", "notice")

    def _sources(self, frame: pd.DataFrame, seconds: float | None) -> str:
        """Which vintages came from stored runs and which were recomputed, with settings."""
        zh, parts = self._zh(), []
        for source in (STORED, RECOMPUTED, THIS_RUN):
            rows = frame[frame["source"] == source]
            if not len(rows):
                continue
            labels = [month_label(v, self.lang) for v in sorted(set(rows["as_of"]))]
            months = "、".join(labels) if zh else ", ".join(labels)
            settings = sorted({(int(r.n_paths), int(r.seed)) for r in rows.itertuples()})
            paths = "；".join(f"{n:,}条路径，随机种子{s}" if zh else f"{n:,} paths, seed {s}"
                             for n, s in settings)
            if source == STORED:
                parts.append(f"存档运行（{self.root}）：{months}（{paths}）" if zh else
                             f"stored runs (under {self.root}): {months} ({paths})")
            elif source == RECOMPUTED:
                cost = ((f"耗时约{seconds:.0f}秒" if zh else f"took about {seconds:.0f} s")
                        if seconds is not None else
                        ("本批次另一份报告已算好，此处直接读取" if zh else
                         "computed once by another report of this batch"))
                parts.append(f"本次重算：{months}（{paths}；{cost}；路径数取得较少以控制耗时，"
                             "因此与当月正式报告相差可达数个百分点）" if zh else
                             f"recomputed now: {months} ({paths}; {cost}; paths kept modest "
                             "for speed, so figures may differ from that month's own report "
                             "by a few points)")
            else:
                parts.append(f"本期运行：{months}（{paths}）" if zh else
                             f"this run: {months} ({paths})")
        if self.root is None:
            parts.append("未指定存档目录，没有读取更早的运行" if zh else
                         "no output root given: no stored runs were read")
        intro = "各期数字的来源：" if zh else "Where each vintage's figures come from: "
        return paragraph(intro + ("；".join(parts) + "。" if zh else "; ".join(parts) + "."),
                         "meta")

    def _notes(self, notes) -> str:
        if not notes:
            return ""
        head = "以下存档未能使用：" if self._zh() else "Stored runs not used:"
        items = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
        return f'<p class="meta">{html.escape(head)}</p><ul class="meta">{items}</ul>'

    def _vintage_table(self, frame: pd.DataFrame) -> str:
        zh, lang = self._zh(), self.lang
        cells = {}
        for (tid, scope), part in frame.groupby(["target_id", "scope"], sort=False):
            row = {("目标" if zh else "Target"): _target_name(part.iloc[0], lang)}
            unit = _unit(part.iloc[0], lang)
            for r in part.itertuples():
                row[month_label(r.as_of, lang)] = (
                    f"{percent(r.p_attain, 0)}（{fmt_value(r.median, str(r.kind), unit)}）" if zh
                    else f"{percent(r.p_attain, 0)} ({fmt_value(r.median, str(r.kind), unit)})")
            cells[(tid, scope)] = row
        note = ("单元格：达标概率（全年中位数）。" if zh else
                "Cells: chance of reaching the target (median full-year outcome).")
        return paragraph(note, "meta") + table_html(pd.DataFrame(list(cells.values())))

    def _change_table(self, history) -> str:
        """Each month's change of P, split into its parts (points), latest month first."""
        zh, lang = self._zh(), self.lang
        names = dict(zip(self.inputs.bundle.clusters["cluster_id"],
                         self.inputs.bundle.clusters["name_zh" if zh else "name_en"], strict=True))
        labels = {(r["target_id"], r["scope"]): _target_name(r, lang)
                  for _, r in history.by_vintage.drop_duplicates(["target_id", "scope"]).iterrows()}
        rows = []
        steps = history.decomposition
        for (f, t, tid, scope), part in sorted(steps.groupby(
                ["from_as_of", "to_as_of", "target_id", "scope"], sort=False),
                key=lambda kv: kv[0][1], reverse=True):
            by = part.set_index("component")["delta_p"].astype(float)
            news = by[by.index.str.startswith("news: ")]
            top = news.reindex(news.abs().sort_values(ascending=False).index)[:_TOP_NEWS]
            top = top[top.abs() >= 0.0005]
            label = labels[(tid, scope)]
            rows.append({
                "月份" if zh else "Change": f"{month_label(f, lang)}→{month_label(t, lang)}",
                "目标" if zh else "Target": label,
                "概率变化" if zh else "Change in P": _points(by.sum(), lang),
                "日历" if zh else "Calendar": _points(by.get("calendar", np.nan), lang),
                "修订" if zh else "Revisions": _points(by.get("revisions", np.nan), lang),
                "各区新数据" if zh else "News (all zones)": _points(news.sum(), lang),
                "影响最大的新数据" if zh else "Largest news": "，".join(
                    f"{names.get(c[6:], c[6:])} {_points(v, lang)}" for c, v in top.items())
                if zh else "; ".join(f"{names.get(c[6:], c[6:])} {_points(v, lang)}"
                                     for c, v in top.items()),
                "参数、情景与路径" if zh else "Parameters, scenario, paths":
                    _points(by.get(SETTINGS, np.nan), lang),
            })
        note = ("各月变化（单位：个百分点）= 日历 + 修订 + 各区新数据 + 参数、情景与路径，各部分相加等于变化。"
                "日历：月份推进本身（剩余月份、项目进度、情景的全年份额）；各区新数据：按登记顺序逐区加入"
                "该区新公布的数字（顺序影响各区之间的分配，不影响合计）；参数、情景与路径：存档运行与重算"
                "所用的参数文件、情景或路径数不同带来的差异（两期都重算时为零）。"
                if zh else
                "Each month's change (percentage points) = calendar + revisions + news + "
                "parameters, scenario and paths; the parts add up to the change. Calendar: the "
                "month moving on by itself; news: each zone's new release, added zone by zone "
                "in registry order (the order splits the news between zones, not its total); "
                "parameters, scenario and paths: what differs between a stored run's settings "
                "and the recomputation's (zero when both vintages were recomputed).")
        return paragraph(note, "meta") + table_html(pd.DataFrame(rows))

    # ---- sections
    def odds(self):
        """达标概率的变化 / How the odds moved: the chart, the figures by vintage and the
        decomposition of each month's change (overview)."""
        inputs, zh = self.inputs, self._zh()
        parts = [heading(2, "达标概率的变化" if zh else "How the odds moved"), self._synthetic()]
        history = vintage_history(inputs.bundle, inputs.simulation, inputs.assessment,
                                  stored=self.stored, n_paths=self.n_paths, seed=self.seed)
        frame = history.by_vintage
        if not len(frame):
            parts.append(paragraph(self._no_targets()))
            return display_html("".join(parts))
        parts.append(self._sources(frame, history.seconds))
        parts.append(self._notes(history.notes))
        fig = odds_chart(frame, lang=self.lang)
        try:
            parts.append(figure_html(fig, alt=(
                "达标概率的变化：各期数据下的达标概率和中位数预测" if zh else
                "How the odds moved: chance and median forecast by data vintage")))
        finally:
            fig.clear()
        parts.append(self._vintage_table(frame))
        if len(history.decomposition):
            parts.append(heading(3, "各月变化的来源" if zh else "What moved the odds each month"))
            parts.append(self._change_table(history))
        else:
            parts.append(paragraph("1–2月是本年第一期数据，尚无逐月变化。" if zh else
                                   "Jan–Feb is the year's first release: no change to explain yet."))
        return display_html("".join(parts))

    def _no_targets(self) -> str:
        return "本期没有可评估的全市或省级目标。" if self._zh() else \
            "No city or provincial target was assessed in this run."

    def zone(self, cluster_id: str):
        """This zone's figures by vintage (cluster report): the median growth with its 90%
        range per indicator, and P for the zone's entered targets."""
        inputs, zh, lang = self.inputs, self._zh(), self.lang
        frame, seconds = zone_history(inputs.bundle, inputs.simulation, inputs.assessment,
                                      stored=self.stored, n_paths=self.n_paths, seed=self.seed,
                                      cache_dir=self.cache_dir)
        frame = frame[frame["cluster_id"] == cluster_id]
        parts = [heading(2, "本区预测的变化" if zh else "How this zone's outlook moved"),
                 self._synthetic()]
        if not len(frame):
            parts.append(paragraph("本区没有可比较的预测。" if zh else "No forecasts to compare."))
            return display_html("".join(parts))
        parts.append(self._sources(frame, seconds))
        outlook = frame[frame["target_id"].isna()]
        fig = zone_chart(outlook, lang=lang)
        try:
            parts.append(figure_html(fig, alt=("本区各期全年增速预测（中位数与90%区间）" if zh else
                                               "This zone's full-year growth forecast by vintage "
                                               "(median and 90% range)")))
        finally:
            fig.clear()
        table = outlook.pivot_table(index="indicator", columns="as_of", values="median",
                                    aggfunc="first", sort=False).map(percent)
        table.columns = [month_label(c, lang) for c in table.columns]
        table.index = [indicator_name(i, lang) for i in table.index]
        parts.append(paragraph("全年增速中位数：" if zh else "Median full-year growth:", "meta"))
        parts.append(table_html(table.rename_axis("指标" if zh else "Indicator").reset_index()))
        goals = frame[frame["target_id"].notna()]
        if len(goals):
            wide = goals.pivot_table(index="target_id", columns="as_of", values="p_attain",
                                     aggfunc="first", sort=False).map(lambda p: percent(p, 0))
            wide.columns = [month_label(c, lang) for c in wide.columns]
            parts.append(paragraph("本区正式目标的达标概率：" if zh else
                                   "Chance of reaching the zone's entered targets:", "meta"))
            parts.append(table_html(wide.rename_axis("目标" if zh else "Target").reset_index()))
        else:
            parts.append(paragraph("本区没有录入正式目标（方案附件未录入），因此只列增速预测，不列达标概率。"
                                   if zh else "The zone has no entered target (plan annex not "
                                   "entered): its growth forecasts are shown, no chances."))
        return display_html("".join(parts))

    def record(self):
        """预测记录 / The forecast record: stored forecasts of every year against the
        outcome once the data hold the year's December (overview)."""
        inputs, zh, lang = self.inputs, self._zh(), self.lang
        parts = [heading(2, "预测记录" if zh else "Forecast record"), self._synthetic()]
        runs = stored_runs(self.root, inputs.simulation.scenario_name, through=inputs.as_of)
        record = forecast_record(runs, inputs.bundle.observations, inputs.bundle.clusters)
        # An earlier run of this very vintage is what this run replaces, not a past forecast.
        record = record[(record["year"] != inputs.year) | (record["as_of"] != inputs.as_of)]
        parts.append(self._notes(runs.notes))
        if not len(record):
            where = str(self.root) if self.root else ("（未指定）" if zh else "(none given)")
            parts.append(paragraph(f"尚无存档的预测：存档目录 {where} 下没有更早的运行。" if zh else
                                   f"No forecasts on record yet: no earlier runs under {where}."))
            return display_html("".join(parts))
        known = record[record["outcome"].notna()]
        waiting = sorted(set(record.loc[record["outcome"].isna(), "year"]))
        if waiting:
            years = "、".join(f"{y}年" for y in waiting) if zh else ", ".join(map(str, waiting))
            parts.append(paragraph(
                f"{years}的结果（12月即1–12月累计数据）尚未公布，暂无实际结果可比；下表先列出存档的预测。"
                if zh else f"No outcome exists yet for {years} (the December, Jan–Dec figure "
                "is not in the data): the table lists the forecasts on record."))
        if len(known):
            hit = known["reached"].mean()
            parts.append(paragraph(
                f"已有结果的预测{len(known)}条：平均Brier分数{known['brier'].mean():.3f}"
                f"（越小越好；总是报50%为0.25），实际达标比例{percent(hit, 0)}，"
                f"平均概率{percent(known['p_attain'].mean(), 0)}。" if zh else
                f"{len(known)} forecasts with an outcome: mean Brier score "
                f"{known['brier'].mean():.3f} (lower is better; always saying 50% scores 0.25), "
                f"targets reached {percent(hit, 0)}, mean chance given "
                f"{percent(known['p_attain'].mean(), 0)}."))
        parts.append(table_html(pd.DataFrame([_record_row(r, lang) for _, r in record.iterrows()])))
        return display_html("".join(parts))


def _unit(row, lang: str) -> str:
    return "" if str(row["kind"]) in ("growth", "share") else value_unit(str(row["indicator"]), lang)


def _record_row(r, lang: str) -> dict:
    zh, kind, unit = lang == "zh", str(r["kind"]), _unit(r, lang)
    known = r["outcome"] == r["outcome"]
    error = ("–" if not known else
             f"{100 * r['error']:+.1f}{'个百分点' if zh else ' points'}" if kind == "growth"
             else f"{r['error']:+,.1f}{unit}")
    reached = "–" if not known else (("是" if zh else "yes") if r["reached"] else ("否" if zh else "no"))
    return {
        ("年份" if zh else "Year"): int(r["year"]),
        ("数据截至" if zh else "As of"): month_label(r["as_of"], lang),
        ("目标" if zh else "Target"): _target_name(r, lang),
        ("达标概率" if zh else "Chance"): percent(r["p_attain"], 0),
        ("中位数预测" if zh else "Median"): fmt_value(r["median"], kind, unit),
        ("实际结果" if zh else "Outcome"): fmt_value(r["outcome"], kind, unit) if known
        else ("尚未公布" if zh else "not yet published"),
        ("是否达标" if zh else "Reached"): reached,
        ("误差（中位数−实际）" if zh else "Error (median − outcome)"): error,
        ("Brier分数" if zh else "Brier score"): f"{r['brier']:.3f}" if known else "–",
    }
