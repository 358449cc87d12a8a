"""Turn executed notebooks and batch results into files people read.

- :func:`notebook_to_html`: an executed notebook -> a standalone HTML page with no code
  cells and without the cell papermill injects (nbconvert ``TagRemovePreprocessor`` plus
  ``exclude_input``). Figures stay embedded as data URIs and the page loads nothing from
  the network.
- :func:`html_to_pdf`: HTML -> PDF through WeasyPrint, with the bundled CJK font declared
  by ``@font-face`` (WeasyPrint silently draws boxes for glyphs it has no font for).
- :func:`write_index`, :func:`write_summary`, :func:`write_json`: the batch's index page,
  summary tables and JSON files, each written atomically (complete or not at all).

Every data string that goes into generated HTML is escaped.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..exceptions import ZzforecastError

__all__ = [
    "REMOVE_TAGS",
    "notebook_to_html",
    "html_page",
    "html_to_pdf",
    "write_index",
    "write_summary",
    "summary_frame",
    "write_json",
    "embed_web_fonts",
    "atomic_write_bytes",
    "atomic_write_text",
]

# Cells with these tags never reach an exported report.
REMOVE_TAGS = ("injected-parameters", "parameters", "remove-cell", "remove_cell")

_CSS = """
:root { color-scheme: light; }
body { font-family: "ZZ Noto Sans CJK", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC",
       "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif;
       max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.6; color: #222; }
h1, h2, h3 { line-height: 1.3; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.92rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f3f3f3; }
img { max-width: 100%; height: auto; }
.notice { border: 2px solid #b00; background: #fff3f3; padding: 0.6rem 1rem; margin: 1rem 0; }
.failed { color: #b00; }
.meta { color: #555; font-size: 0.9rem; }
pre { white-space: pre-wrap; }
.jp-OutputPrompt, .jp-InputPrompt, .prompt, .anchor-link { display: none; }
@page { size: A4; margin: 16mm 14mm; }
"""


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically, creating its folder (see
    :func:`zzforecast.data.io.atomic_write`, the one atomic writer).

    Readers see either the old file or the complete new one, never a partial file.
    """
    from ..data.writing import atomic_write

    return atomic_write(path, data, make_parents=True)


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 ``text`` atomically (see :func:`atomic_write_bytes`)."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def write_json(path: str | Path, obj: Any) -> Path:
    """Write ``obj`` as stable JSON (sorted keys, UTF-8, NaN -> null) atomically."""
    return atomic_write_text(path, json.dumps(_json_safe(obj), ensure_ascii=False, indent=2,
                                              sort_keys=True, allow_nan=False) + "\n")


def _json_safe(obj: Any) -> Any:
    """Convert numpy scalars/arrays, paths and NaN into plain JSON values."""
    import math

    if isinstance(obj, Mapping):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "tolist") and not isinstance(obj, (str, bytes)):
        return _json_safe(obj.tolist())
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def html_page(title: str, body: str, lang: str = "zh", css: str = "") -> str:
    """Wrap an HTML fragment into a standalone page.

    ``title`` is escaped here; ``body`` must already be safe HTML.
    """
    lang_attr = "zh-CN" if lang == "zh" else "en"
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{lang_attr}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n"
        # An explicit empty icon: browsers otherwise request /favicon.ico and log an error.
        '<link rel="icon" href="data:,">\n'
        f"<style>{_CSS}{css}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def _strip_for_report(nb):
    """Drop stderr streams and empty cells from a notebook copy (reports show results)."""
    import copy

    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            cell["outputs"] = [
                o for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
    return nb


def notebook_to_html(notebook, title: str | None = None, lang: str = "zh") -> str:
    """Export an executed notebook as a standalone HTML report without code.

    Parameters
    ----------
    notebook : path or nbformat.NotebookNode
        The executed notebook.
    title : str, optional
        Page title; defaults to the notebook's first heading, else its file name.
    lang : {"zh", "en"}
        Language of the page (the ``lang`` attribute).

    Returns
    -------
    str
        The HTML document. Code cells' inputs, prompts, stderr output and cells tagged
        with one of :data:`REMOVE_TAGS` (papermill's ``injected-parameters`` among them)
        are absent; figures are embedded as data URIs; nothing is loaded from the network.
    """
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    if isinstance(notebook, (str, Path)):
        name = Path(notebook).stem
        notebook = nbformat.read(str(notebook), as_version=4)
    else:
        name = "report"
    notebook = _strip_for_report(notebook)
    config = Config()
    config.TagRemovePreprocessor.remove_cell_tags = set(REMOVE_TAGS)
    config.TagRemovePreprocessor.enabled = True
    exporter = HTMLExporter(config=config, template_name="basic")
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.register_preprocessor(TagRemovePreprocessor(config=config), enabled=True)
    body, _ = exporter.from_notebook_node(notebook)
    if title is None:
        title = _first_heading(notebook) or name
    return html_page(title, body, lang=lang)


def _first_heading(nb) -> str | None:
    for cell in nb.cells:
        if set(cell.get("metadata", {}).get("tags", [])) & set(REMOVE_TAGS):
            continue
        if cell.get("cell_type") == "markdown":
            for line in cell.get("source", "").splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            md = data.get("text/markdown")
            if md:
                for line in str(md).splitlines():
                    if line.startswith("#"):
                        return line.lstrip("#").strip()
            found = re.search(r"<h1[^>]*>(.*?)</h1>", str(data.get("text/html", "")), re.S)
            if found:
                return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip()
    return None


def html_to_pdf(html_text: str, pdf_path: str | Path, base_url: str | Path | None = None) -> Path:
    """Render HTML to PDF with WeasyPrint, using the bundled CJK font.

    Parameters
    ----------
    html_text : str
        A standalone HTML document (e.g. from :func:`notebook_to_html`).
    pdf_path : path
        Where to write the PDF (atomically).
    base_url : path, optional
        Folder that relative links and images are resolved against.

    Raises
    ------
    ZzforecastError
        If WeasyPrint is not installed (it is in the ``pdf`` extra).
    """
    try:
        from weasyprint import CSS, HTML
        from weasyprint.text.fonts import FontConfiguration
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ZzforecastError(
            "PDF output needs WeasyPrint: pip install 'zzforecast[pdf]' "
            f"(import failed: {exc})"
        ) from exc
    from .fonts import CSS_FAMILY, font_face_css

    # @font-face rules only take effect with a FontConfiguration shared by CSS and render.
    font_config = FontConfiguration()
    css = CSS(string=font_face_css() + "\nbody, table, pre, code, h1, h2, h3, h4 { "
              f"font-family: '{CSS_FAMILY}', sans-serif; }}\n"
              "pre, code { white-space: pre-wrap; }\n", font_config=font_config)
    base = str(base_url) if base_url is not None else None
    data = HTML(string=html_text, base_url=base).write_pdf(stylesheets=[css],
                                                           font_config=font_config)
    return atomic_write_bytes(pdf_path, data)


def embed_web_fonts(folder: str | Path) -> list[Path]:
    """Give every HTML page in ``folder`` the bundled CJK font, subset to what they show.

    Writes ``_fonts/cjk-*.woff`` (see :func:`zzforecast.report.fonts.subset_web_fonts`) and adds
    ``@font-face`` rules to each page's head, so Chinese text renders on machines without
    a CJK font. Pages keep working without the folder (the browser falls back to system
    fonts). Returns the pages changed.
    """
    from .fonts import WEB_FONT_DIR, subset_web_fonts, web_font_css

    folder = Path(folder)
    pages = sorted(folder.glob("*.html"))
    texts = {p: p.read_text(encoding="utf-8") for p in pages}
    shown = "".join(_DATA_URI.sub("", t) for t in texts.values())
    if not pages:
        return []
    subset_web_fonts(html.unescape(shown), folder / WEB_FONT_DIR)
    style = f"<style>{web_font_css(WEB_FONT_DIR + '/')}</style>\n</head>"
    for page, text in texts.items():
        if "</head>" in text and WEB_FONT_DIR + "/cjk-" not in text:
            atomic_write_text(page, text.replace("</head>", style, 1))
    return pages


_DATA_URI = re.compile(r"data:[a-z]+/[a-z0-9.+-]+;base64,[A-Za-z0-9+/=]+")


# --------------------------------------------------------------------------- summaries

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
    atomic_write_bytes(csv_path, ("\ufeff" + buf.getvalue()).encode("utf-8"))
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
        atomic_write_bytes(xlsx_path, out.getvalue())


# --------------------------------------------------------------------------- index page

_INDEX_TEXT = {
    "zh": {
        "title": "{year}年产业集聚区目标达成报告（情景：{scenario}，数据截至{as_of}）",
        "overview": "全市总览", "clusters": "各产业集聚区报告", "files": "汇总文件",
        "cluster": "产业集聚区", "report": "报告", "status": "状态", "ok": "完成",
        "failed": "失败", "why": "原因", "notebook": "已执行的笔记本", "json": "JSON结果",
        "pdf": "PDF", "partial": "本批次部分失败：{n}个报告未生成，详见 run.json。",
        "meta": "数据版本 {vintage}；数据摘要 {data}；参数摘要 {params}；随机种子 {seed}；"
                "模拟路径 {n_paths}；zzforecast {version}",
    },
    "en": {
        "title": "{year} cluster target attainment reports (scenario: {scenario}, data as of {as_of})",
        "overview": "City overview", "clusters": "Cluster reports", "files": "Summary files",
        "cluster": "Cluster", "report": "Report", "status": "Status", "ok": "done",
        "failed": "failed", "why": "Reason", "notebook": "executed notebook", "json": "JSON",
        "pdf": "PDF", "partial": "This batch finished in part: {n} report(s) failed; see run.json.",
        "meta": "data vintage {vintage}; data digest {data}; params digest {params}; "
                "seed {seed}; paths {n_paths}; zzforecast {version}",
    },
}


def _index_headlines(path: Path, lang: str) -> str:
    """The overview's headline sentences (its JSON ``headlines``), escaped; '' without."""
    import json

    try:
        heads = json.loads(path.read_text(encoding="utf-8")).get("headlines") or []
    except (OSError, ValueError, AttributeError):
        return ""
    colours = {"green": ("#d8f0d8", "绿", "green"), "amber": ("#fff0c0", "黄", "amber"),
               "red": ("#f8d4d2", "红", "red")}
    items = []
    for h in heads:
        if not isinstance(h, Mapping):
            continue
        line = h.get("text_en" if lang == "en" else "text_zh") or ""
        badge = ""
        if h.get("rag") in colours:
            bg, zh, en = colours[h["rag"]]
            badge = (f'<span class="rag" style="background:{bg};padding:0 0.4em;'
                     f'border-radius:0.3em">{html.escape(en if lang == "en" else zh)}</span> ')
        items.append(f'<li class="headline">{badge}{html.escape(str(line))}</li>')
    return f'<ul class="headlines">{"".join(items)}</ul>' if items else ""


def _link(href: str, text: str) -> str:
    return f'<a href="{html.escape(href, quote=True)}">{html.escape(text)}</a>'


def write_index(out_dir: str | Path, run: Mapping[str, Any], lang: str = "zh") -> Path:
    """Write ``index.html`` for a batch folder from its ``run.json`` record.

    Links only to files that exist in ``out_dir``; every name is escaped.
    """
    out_dir = Path(out_dir)
    text = _INDEX_TEXT["en" if lang == "en" else "zh"]
    prov = run.get("provenance", {})
    esc = html.escape
    title = text["title"].format(year=run.get("year"), scenario=run.get("scenario"),
                                 as_of=run.get("as_of"))
    parts = [f"<h1>{esc(title)}</h1>"]
    if run.get("notice"):
        parts.append(f'<p class="notice">{esc(run["notice"])}</p>')
    failed = [j for j in run.get("jobs", []) if j.get("status") != "ok"]
    if failed:
        parts.append(f'<p class="notice failed">{esc(text["partial"].format(n=len(failed)))}</p>')
    short = {k: (str(prov.get(k))[:12] if prov.get(k) else "-") for k in
             ("data_digest", "params_digest")}
    parts.append('<p class="meta">' + esc(text["meta"].format(
        vintage=prov.get("vintage") or "-", data=short["data_digest"],
        params=short["params_digest"], seed=prov.get("seed"), n_paths=prov.get("n_paths"),
        version=prov.get("version"))) + "</p>")

    def exists(name: str) -> bool:
        return (out_dir / name).is_file()

    overview = [j for j in run.get("jobs", []) if j.get("kind") == "overview"]
    if overview and overview[0].get("status") == "ok" and exists(overview[0]["name"] + ".html"):
        parts.append(f"<h2>{esc(text['overview'])}</h2>")
        parts.append(_index_headlines(out_dir / (overview[0]["name"] + ".json"), lang))
        parts.append("<p>" + _link(overview[0]["name"] + ".html", text["overview"]) + "</p>")
    parts.append(f"<h2>{esc(text['clusters'])}</h2>")
    parts.append(f"<table><thead><tr><th>{esc(text['cluster'])}</th><th>{esc(text['report'])}"
                 f"</th><th>{esc(text['status'])}</th><th>{esc(text['why'])}</th></tr></thead><tbody>")
    for job in run.get("jobs", []):
        if job.get("kind") != "cluster":
            continue
        name = job["name"]
        label = job.get("name_zh" if lang != "en" else "name_en") or name
        links = []
        for suffix, key in ((".html", "report"), (".pdf", "pdf"), (".json", "json"),
                            (".ipynb", "notebook")):
            if job.get("status") == "ok" and exists(name + suffix):
                links.append(_link(name + suffix, text[key]))
        status = text["ok"] if job.get("status") == "ok" else text["failed"]
        why = ""
        if job.get("status") != "ok":
            err = job.get("error") or {}
            why = f"{err.get('ename') or ''}: {err.get('evalue') or ''}".strip(": ")
        cls = ' class="failed"' if job.get("status") != "ok" else ""
        parts.append(
            f'<tr><td>{esc(str(label))} <span class="meta">({esc(name)})</span></td>'
            f"<td>{' · '.join(links)}</td>"
            f"<td{cls}>{esc(status)}</td>"
            f"<td>{esc(why)}</td></tr>"
        )
    parts.append("</tbody></table>")
    files = [f for f in ("reports.pdf", "briefing.docx", "summary.csv", "summary.xlsx",
                         "run.json") if exists(f)]
    if files:
        parts.append(f"<h2>{esc(text['files'])}</h2><ul>"
                     + "".join(f"<li>{_link(f, f)}</li>" for f in files) + "</ul>")
    page = html_page(title, "\n".join(parts), lang=lang)
    return atomic_write_text(out_dir / "index.html", page)
