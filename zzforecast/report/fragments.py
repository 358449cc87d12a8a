"""HTML fragments the report sections are made of, every data string escaped.

Headings, paragraphs, tables (pandas, escaped), figures as PNG data URIs (so an exported
page is self-contained), the package's Markdown prose (markdown-it-py), red/amber/green
badges, number formats, and the labels and table of assessed targets that every report
and the explorer show.
"""

from __future__ import annotations

import base64
import functools
import html
import io
import math
from typing import Any

import numpy as np
import pandas as pd

from ..i18n import indicator_name, percent, scope_name, text

__all__ = [
    "display_html", "figure_html", "table_html", "heading", "paragraph", "markdown_html",
    "round_value", "json_record", "fmt_value", "derived_mask", "official", "RAG_COLOURS",
    "rag_badge", "rag_cell", "unit", "value_unit", "target_label", "targets_frame",
]

# 亿元 = 10^8 yuan, 万人 = 10^4 persons, as English readers write them.
_EN_UNITS = {"亿元": "100m yuan", "万人": "10k persons"}


def display_html(fragment: str):
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


def heading(level: int, words: str) -> str:
    words = words[:1].upper() + words[1:]
    return f"<h{level}>{html.escape(words)}</h{level}>"


def paragraph(words: str, cls: str | None = None) -> str:
    attr = f' class="{cls}"' if cls else ""
    return f"<p{attr}>{html.escape(words)}</p>"


def markdown_html(md: str) -> str:
    """Render the package's own prose (Markdown) to HTML with markdown-it-py (CommonMark).

    Raw HTML in the text is not passed through (``html`` off): it comes out escaped.
    """
    return _markdown().render(md)


@functools.cache
def _markdown():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False})


def round_value(value: Any, digits: int = 6) -> Any:
    if value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return value
    if not math.isfinite(f):
        return None
    return round(f, digits)


def fmt_value(value: Any, kind: str, unit: str | None = None) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if kind in ("growth", "share"):
        return percent(value)
    try:
        return f"{float(value):,.1f}{unit or ''}"
    except (TypeError, ValueError):
        return str(value)


def derived_mask(frame: pd.DataFrame) -> pd.Series:
    """Rows of an assessment that are derived per-zone placeholders (never targets)."""
    if "derived" not in frame.columns:
        return pd.Series(False, index=frame.index)
    derived = frame["derived"].map(lambda v: str(v).strip().lower() in ("true", "1", "1.0"))
    if "source" in frame.columns:
        derived &= frame["source"].astype(str) == "cluster_targets"
    return derived


def official(frame: pd.DataFrame) -> pd.DataFrame:
    """An assessment without derived per-zone rows (they are shown as 无正式目标)."""
    return frame[~derived_mask(frame)]


RAG_COLOURS = {"green": "#d8f0d8", "amber": "#fff0c0", "red": "#f8d4d2"}


def rag_badge(colour: str | None, lang: str) -> str:
    """A small coloured label (红/黄/绿) with the word, so it survives printing in grey."""
    from .briefing import rag_word

    if colour not in RAG_COLOURS:
        return ""
    return (f'<span class="rag rag-{colour}" style="background:{RAG_COLOURS[colour]};'
            f'padding:0 0.4em;border-radius:0.3em">{html.escape(rag_word(colour, lang))}</span>')


def rag_cell(p, colour: str | None, lang: str, note: str) -> str:
    from .briefing import rag_word

    style = f' style="background:{RAG_COLOURS[colour]}"' if colour in RAG_COLOURS else ""
    word = f" {html.escape(rag_word(colour, lang))}" if colour in RAG_COLOURS else ""
    return f"<td{style}>{html.escape(percent(p, 0))}{word}{note}</td>"


def json_record(record: dict) -> dict:
    """A table row as plain JSON values: floats rounded (NaN -> None), numpy scalars unwrapped."""
    return {k: round_value(v) if isinstance(v, (float, np.floating)) else
            (v.item() if isinstance(v, np.generic) else v) for k, v in record.items()}


# --------------------------------------------------------------------------- targets

def unit(indicator: str, lang: str) -> str:
    """The indicator's canonical unit as readers of this language write it."""
    from ..data.schemas import INDICATORS

    ind = INDICATORS.get(indicator)
    name = ind.unit if ind else ""
    if lang == "en":
        return _EN_UNITS.get(name, name)
    return name


def value_unit(indicator: str, lang: str) -> str:
    """Suffix for a value: ``亿元`` in Chinese, `` (100m yuan)`` in English."""
    name = unit(indicator, lang)
    return f" ({name})" if lang == "en" and name else name


def target_label(row, lang: str) -> str:
    """A target in words: ``固定资产投资增长13.0%``, ``IAV 1,600.0 (100m yuan)``."""
    ind = indicator_name(str(row["indicator"]), lang)
    kind = str(row.get("kind", "growth"))
    value = row.get("target")
    suffix = "" if kind in ("growth", "share") else value_unit(str(row["indicator"]), lang)
    joiner = "增长" if (lang == "zh" and kind == "growth") else (
        " growth " if kind == "growth" else (" " if lang == "en" else "达到"))
    return f"{ind}{joiner}{fmt_value(value, kind, suffix)}"


def targets_frame(rows: pd.DataFrame, lang: str, with_scope: bool = False) -> pd.DataFrame:
    """The table of assessed targets: chance, within tolerance, median, range, growth needed."""
    def t(key: str) -> str:
        return text(key, lang)

    out = pd.DataFrame({
        t("target"): [target_label(r, lang) for _, r in rows.iterrows()],
        t("p_attain_short"): [percent(v, 0) for v in rows["p_attain"]],
        t("p_within_short"): [percent(v, 0) for v in rows.get(
            "p_attain_within_tolerance", pd.Series([None] * len(rows)))],
        t("median_outcome"): [
            fmt_value(r.get("q50"), str(r.get("kind")), value_unit(str(r["indicator"]), lang))
            for _, r in rows.iterrows()],
        t("q_range"): [
            f"{fmt_value(r.get('q05'), str(r.get('kind')))} – "
            f"{fmt_value(r.get('q95'), str(r.get('kind')))}" for _, r in rows.iterrows()],
        t("required_growth"): [percent(v) if v is not None and v == v else
                               t("not_applicable")
                               for v in rows.get("required_growth",
                                                 pd.Series([None] * len(rows)))],
    })
    if with_scope:
        out.insert(0, t("scope"), [scope_name(str(s), lang) for s in rows["scope"]])
    return out
