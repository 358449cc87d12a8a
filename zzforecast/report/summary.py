"""The batch's summary tables: one row per scope and target, as CSV and as a workbook.

- :func:`summary_frame`: the per-cluster JSON results (and the overview's city and
  provincial rows) flattened into one frame, aggregates first.
- :func:`write_summary`: that frame as a plain CSV (``pandas.read_csv`` reads it with no
  options) and a workbook with a Chinese sheet for readers and a machine-readable one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..data.writing import atomic_write

__all__ = ["SUMMARY_COLUMNS", "SUMMARY_HEADERS_ZH", "summary_frame", "write_summary"]

SUMMARY_COLUMNS = (
    "cluster_id", "name_zh", "name_en", "status", "target_id", "indicator", "scope", "kind",
    "target", "p_attain", "p_attain_within_tolerance", "required_growth",
    "q05", "q25", "q50", "q75", "q95", "row_kind", "derived_target", "no_official_target",
)
_AGGREGATES = ("city", "provincial", "municipal")  # rows of the summary, in this order
# The Chinese sheet of summary.xlsx: headers, and the columns shown as percentages.
SUMMARY_HEADERS_ZH = {
    "cluster_id": "编号", "name_zh": "名称", "name_en": "英文名称", "status": "状态",
    "target_id": "目标编号", "indicator": "指标", "scope": "范围", "kind": "目标类型",
    "target": "目标值", "p_attain": "达标概率", "p_attain_within_tolerance": "容差内达标概率",
    "required_growth": "剩余月份所需增速", "q05": "5%分位数", "q25": "25%分位数",
    "q50": "中位数", "q75": "75%分位数", "q95": "95%分位数", "row_kind": "行类型",
    "derived_target": "推算目标（非正式）", "no_official_target": "无正式目标的指标",
    "notice": "说明",
}
_ALWAYS_PERCENT = ("p_attain", "p_attain_within_tolerance", "required_growth")
_GROWTH_PERCENT = ("target", "q05", "q25", "q50", "q75", "q95")  # when kind is growth


def _summary_order(frame):
    """Aggregates first (city, provincial, municipal), then zones by id, then targets."""
    import pandas as pd

    rank = frame["cluster_id"].map(lambda c: _AGGREGATES.index(c) if c in _AGGREGATES
                                   else len(_AGGREGATES))
    key = pd.DataFrame({"rank": rank, "cluster_id": frame["cluster_id"],
                        "target_id": frame["target_id"]})
    order = key.sort_values(["rank", "cluster_id", "target_id"], na_position="last",
                            kind="mergesort").index
    return frame.loc[order].reset_index(drop=True)


def summary_frame(results: Sequence[Mapping[str, Any]], failures: Iterable[Mapping] = (),
                  overview: Mapping[str, Any] | None = None):
    """Flatten the batch's JSON results into one row per scope and target.

    Parameters
    ----------
    results : sequence of dict
        Per-cluster JSON results (keys ``cluster_id``, ``name_zh``, ``name_en``,
        ``targets``, a list of dicts with the columns of :data:`SUMMARY_COLUMNS`, and
        ``no_official_target``, the zone's indicators whose target is only a derived
        placeholder).
    failures : iterable of dict
        Failed jobs (``cluster_id`` and optionally names); each gives one row with
        ``status="failed"`` and empty figures.
    overview : dict, optional
        The overview's JSON result: its city, provincial and municipal targets come first
        (``row_kind="aggregate"``).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SUMMARY_COLUMNS`: the aggregates first (city, provincial,
        municipal), then the zones by id. ``derived_target`` is true on a zone row whose
        zone has no official target for some indicator (the derived placeholder is never
        a goal, so it has no probability); ``no_official_target`` lists those indicators.
    """
    import pandas as pd

    from ..i18n import scope_name

    rows = []
    for t in (overview or {}).get("targets") or []:
        scope = t.get("scope")
        if scope not in _AGGREGATES:
            continue
        rows.append({**{k: t.get(k) for k in SUMMARY_COLUMNS}, "cluster_id": scope,
                     "name_zh": scope_name(scope, "zh"), "name_en": scope_name(scope, "en"),
                     "status": "ok", "row_kind": "aggregate", "derived_target": False,
                     "no_official_target": ""})
    for res in results:
        missing = sorted({str(m.get("indicator")) for m in res.get("no_official_target") or []
                          if isinstance(m, Mapping)})
        base = {"cluster_id": res.get("cluster_id"), "name_zh": res.get("name_zh"),
                "name_en": res.get("name_en"), "status": "ok", "row_kind": "zone",
                "derived_target": bool(missing), "no_official_target": ";".join(missing)}
        targets = res.get("targets") or [{}]
        for t in targets:
            rows.append({**base, **{k: t.get(k) for k in SUMMARY_COLUMNS if k not in base}})
    for fail in failures:
        rows.append({"cluster_id": fail.get("cluster_id"), "name_zh": fail.get("name_zh"),
                     "name_en": fail.get("name_en"), "status": "failed", "row_kind": "zone"})
    frame = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    return _summary_order(frame)


def _csv_text(value):
    """Defuse spreadsheet formulas in a CSV text cell (OWASP CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _chinese_sheet(frame):
    """The summary as a reader opens it: Chinese headers and names, percentages as numbers.

    Returns the frame and, per column, whether its cells are percentages (a column mask,
    or a row mask for the columns that are percentages only for growth targets).
    """
    import pandas as pd

    from ..i18n import indicator_name

    out = frame.copy()
    if "indicator" in out:
        out["indicator"] = out["indicator"].map(
            lambda v: indicator_name(str(v), "zh") if isinstance(v, str) else v)
    words = {"status": {"ok": "完成", "failed": "失败"},
             "kind": {"growth": "增速", "level": "总量"},
             "row_kind": {"aggregate": "全市/省级汇总", "zone": "集聚区"},
             "derived_target": {True: "是", False: "否"}}
    for col, table in words.items():
        if col in out:
            out[col] = out[col].map(lambda v, t=table: t.get(v, v) if isinstance(
                v, (str, bool)) else v)
    if "scope" in out:
        from ..i18n import scope_name

        out["scope"] = out["scope"].map(lambda v: scope_name(v, "zh") if v in _AGGREGATES else v)
    growth = (frame["kind"] == "growth") if "kind" in frame else pd.Series(False, frame.index)
    masks = {c: pd.Series(True, frame.index) for c in _ALWAYS_PERCENT if c in out}
    masks.update({c: growth for c in _GROWTH_PERCENT if c in out})
    return out.rename(columns=SUMMARY_HEADERS_ZH), {SUMMARY_HEADERS_ZH.get(c, c): m
                                                    for c, m in masks.items()}


def write_summary(frame, csv_path: str | Path, xlsx_path: str | Path | None = None,
                  notice: str | None = None) -> None:
    """Write the summary table as CSV (UTF-8 with BOM, for Excel) and as .xlsx.

    The CSV is plain: ``pandas.read_csv(path)`` reads it with no options (named columns,
    fractions, English ids). The notice (the synthetic-data notice), when given, is a
    ``notice`` column on every row, never a comment line. The workbook's first sheet
    ``汇总`` has Chinese headers, names and percentages for readers; the sheet ``summary``
    holds the machine-readable fractions and English ids; ``notice`` the notice. Text
    that a spreadsheet would take for a formula (starting with ``=``, ``+``, ``-``, ``@``,
    tab or carriage return) gets a leading ``'`` in the CSV and is stored as text in the
    workbook.
    """
    import io

    frame = frame.copy()
    if notice:
        frame["notice"] = notice.replace("\n", " ")
    buf = io.StringIO()
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or str(safe[column].dtype) == "string":
            safe[column] = safe[column].map(_csv_text)
    safe.to_csv(buf, index=False, lineterminator="\n")
    atomic_write(csv_path, ("\ufeff" + buf.getvalue()).encode("utf-8"), make_parents=True)
    if xlsx_path is not None:
        import pandas as pd
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        # Excel cannot hold control characters; an error message carrying one (ANSI
        # colours in a traceback) must not cost the whole summary: show them as U+FFFD.
        cells = frame.copy()
        for column in cells.columns:
            if cells[column].dtype == object or str(cells[column].dtype) == "string":
                cells[column] = cells[column].map(
                    lambda v: ILLEGAL_CHARACTERS_RE.sub("\ufffd", v) if isinstance(v, str) else v)
        readable, percent_masks = _chinese_sheet(cells)
        out = io.BytesIO()
        with pd.ExcelWriter(out, engine="openpyxl") as writer:
            readable.to_excel(writer, sheet_name="汇总", index=False)
            cells.to_excel(writer, sheet_name="summary", index=False)
            if notice:
                pd.DataFrame({"notice": [notice]}).to_excel(writer, sheet_name="notice",
                                                           index=False)
            sheet = writer.sheets["汇总"]
            for j, name in enumerate(readable.columns, start=1):
                mask = percent_masks.get(name)
                if mask is None:
                    continue
                for i, flag in enumerate(mask.to_numpy(), start=2):
                    if flag:
                        sheet.cell(row=i, column=j).number_format = "0.0%"
            for col in sheet.columns:  # readable widths (CJK characters are wide)
                width = max(len(str(c.value or "")) for c in col[:50])
                sheet.column_dimensions[col[0].column_letter].width = min(max(8, 1.6 * width), 40)
            for sheet in writer.sheets.values():  # data text is never an Excel formula
                for row in sheet.iter_rows():
                    for cell in row:
                        if cell.data_type == "f":
                            cell.data_type = "s"
        atomic_write(xlsx_path, out.getvalue(), make_parents=True)
