"""The audit's findings as text (Chinese or English) and as JSON, with the same numbers."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import numpy as np

from ...i18n import check_lang
from .finding import Finding, pct

__all__ = ["render_text", "to_json"]

_KIND = {"zh": {"conflict": "矛盾", "implication": "推论", "check": "核对", "note": "说明"},
         "en": {"conflict": "conflict", "implication": "implication", "check": "check",
                "note": "note"}}
_COLUMN = {
    "zh": {"deflator": "价格变动", "implied_base": "隐含基数(亿元)", "nominal_growth": "名义增速",
           "provincial_share": "省级份额", "park_growth": "园区需增速",
           "park_growth_city_low": "全市取下限时", "park_growth_city_high": "全市取上限时",
           "target_id": "目标", "value": "亿元", "share_of_total": "占总目标", "from_data": ""},
    "en": {"deflator": "deflator", "implied_base": "implied base", "nominal_growth": "nominal growth",
           "provincial_share": "prov. share", "park_growth": "park growth",
           "park_growth_city_low": "city at low end", "park_growth_city_high": "city at high end",
           "target_id": "target", "value": "100m yuan", "share_of_total": "of total",
           "from_data": ""},
}
_PERCENT_COLUMNS = {"deflator", "nominal_growth", "provincial_share", "park_growth",
                    "park_growth_city_low", "park_growth_city_high", "share_of_total"}


def _cell(key: str, value: Any, lang: str = "en") -> str:
    if key == "from_data":
        return ("← 数据" if lang == "zh" else "<- data") if value else ""
    if isinstance(value, float) and key in _PERCENT_COLUMNS:
        return pct(value)
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _render_table(rows: tuple, lang: str) -> list[str]:
    keys = list(rows[0])
    head = [_COLUMN[lang].get(k, k) for k in keys]
    cells = [[_cell(k, r[k], lang) for k in keys] for r in rows]
    widths = [max(_width(h), *(_width(c[i]) for c in cells)) for i, h in enumerate(head)]
    lines = ["    " + "  ".join(_pad(h, w) for h, w in zip(head, widths, strict=True))]
    lines += ["    " + "  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True))
              for row in cells]
    return [line.rstrip() for line in lines]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return " " * (width - _width(text)) + text


def render_text(findings: list[Finding], lang: str = "zh", *, synthetic: bool = False,
                source: str = "") -> str:
    """The audit as plain text, in Chinese (``zh``) or English (``en``).

    Parameters
    ----------
    findings : list of Finding
    lang : {"zh", "en"}
    synthetic : bool
        Adds a banner saying that the data-based figures come from synthetic data.
    source : str
        A line naming the plan document.

    Returns
    -------
    str
    """
    check_lang(lang)
    head = ("方案一致性核查" if lang == "zh" else "Plan consistency audit")
    lines = [head + (f"：{source}" if lang == "zh" and source else f": {source}" if source else "")]
    if synthetic:
        lines.append("注意：凡引用数据处均为合成演示数据，非官方统计。" if lang == "zh" else
                     "Note: every figure taken from the data is SYNTHETIC demonstration data, "
                     "not official statistics.")
    lines.append("")
    for i, f in enumerate(findings, start=1):
        lines.append(f"{i}. [{_KIND[lang][f.kind]}] {f.title[lang]}")
        lines.append(f"   {f.text[lang]}")
        if f.table:
            lines.extend(_render_table(f.table, lang))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _plain(value: Any) -> Any:
    if isinstance(value, np.floating | float):
        return None if not np.isfinite(value) else round(float(value), 6)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def to_json(findings: list[Finding], lang: str = "zh", *, synthetic: bool = False,
            source: str = "", year: int | None = None) -> str:
    """The audit as JSON: the same findings and numbers as :func:`render_text`.

    Returns
    -------
    str
        ``{"year", "source", "lang", "synthetic_data", "findings": [{"id", "kind",
        "title", "text", "numbers", "table", "targets"}]}``.
    """
    check_lang(lang)
    doc = {"year": year, "source": source, "lang": lang, "synthetic_data": synthetic,
           "findings": [{"id": f.id, "kind": f.kind, "title": f.title[lang],
                         "text": f.text[lang], "numbers": _plain(f.numbers),
                         "table": _plain(list(f.table)), "targets": list(f.targets)}
                        for f in findings]}
    return json.dumps(doc, ensure_ascii=False, indent=2)
