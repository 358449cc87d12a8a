"""The briefing as a Word document (python-docx): what an economist attaches to a note.

Built from the overview's JSON result (``overview.json``: ``headlines``, ``progress``,
``ranking``), so the batch writes it without simulating again and it carries exactly the
numbers of the HTML pages. Every page has the synthetic-data notice in its header and a
page number in its footer.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["write_briefing_docx"]

_CJK_FONT = "Noto Sans CJK SC"
_WORDS = {
    "zh": {"title": "{year}年郑州市产业集聚区目标达成简报",
           "sub": "数据截至{as_of}（1–{m}月累计）；情景：{scenario}",
           "headlines": "要点", "progress": "序时进度", "ranking": "各产业集聚区位次",
           "rank": ["位次", "产业集聚区", "投资达标概率", "工业达标概率", "综合"],
           "rank_note": "没有正式目标的区按达到全市增速目标的概率排序，不是该区的达标概率。",
           "page": "第 {page} 页", "rag": {"green": "绿", "amber": "黄", "red": "红"}},
    "en": {"title": "Zhengzhou industrial cluster zones: {year} targets briefing",
           "sub": "Data as of {as_of} (January-{m} cumulative); scenario: {scenario}",
           "headlines": "In brief", "progress": "Time progress", "ranking": "Zones ranked",
           "rank": ["Rank", "Zone", "FAI chance", "IAV chance", "Overall"],
           "rank_note": "A zone without an official target is ranked by its chance of "
                        "reaching the city's growth target, not a target of its own.",
           "page": "page {page}", "rag": {"green": "green", "amber": "amber", "red": "red"}},
}


def _cjk(run, size: float | None = None, bold: bool = False, colour=None) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    run.font.name = _CJK_FONT
    r_pr = run._element.get_or_add_rPr()
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = r_pr.makeelement(qn("w:rFonts"), {})
        r_pr.append(fonts)
    fonts.set(qn("w:eastAsia"), _CJK_FONT)
    if size:
        run.font.size = Pt(size)
    run.bold = bold or None
    if colour:
        run.font.color.rgb = RGBColor(*colour)


def _page_field(paragraph) -> None:
    """A PAGE field (Word fills in the number on every page)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = paragraph.add_run()
    for kind, value in (("begin", None), ("instr", "PAGE"), ("separate", None), ("end", None)):
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = value
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        run._element.append(el)
        if kind == "separate":
            text = OxmlElement("w:t")
            text.text = "1"
            run._element.append(text)


def _table(doc, header: list[str], rows: list[list[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, words in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        _cjk(cell.paragraphs[0].add_run(str(words)), size=9, bold=True)
    for row in rows:
        cells = table.add_row().cells
        for cell, words in zip(cells, row, strict=True):
            cell.text = ""
            _cjk(cell.paragraphs[0].add_run(str(words)), size=9)


def _pct(x: Any) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "–"
    return "–" if v != v else f"{100 * v:.0f}%"


def write_briefing_docx(overview: Mapping[str, Any], path: str | Path, *, lang: str = "zh",
                        notice: str | None = None, scenario_label: str | None = None) -> Path:
    """Write the briefing (headlines, 序时进度 table, zone ranking) as a .docx file.

    Parameters
    ----------
    overview : dict
        The overview's JSON result (:meth:`OverviewReport.results`).
    path : path
        Where to write; written atomically (a temporary file, then renamed).
    lang : {"zh", "en"}
    notice : str, optional
        The synthetic-data notice; shown under the title and in every page's header.

    Returns
    -------
    pathlib.Path
    """
    import io

    import pandas as pd
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    from ..assess.progress import progress_rows
    from ..data.writing import atomic_write
    from ..i18n import check_lang

    w = _WORDS[check_lang(lang)]
    as_of = str(overview.get("as_of") or "")
    month = int(as_of[5:7]) if len(as_of) >= 7 and as_of[5:7].isdigit() else 0
    doc = Document()
    section = doc.sections[0]
    if notice:
        head = section.header.paragraphs[0]
        _cjk(head.add_run(notice), size=8, colour=(0xB0, 0, 0))
    foot = section.footer.paragraphs[0]
    foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
    before, _, after = w["page"].partition("{page}")
    _cjk(foot.add_run(before), size=8)
    _page_field(foot)
    _cjk(foot.add_run(after), size=8)

    title = doc.add_paragraph()
    _cjk(title.add_run(w["title"].format(year=overview.get("year"))), size=16, bold=True)
    sub = doc.add_paragraph()
    _cjk(sub.add_run(w["sub"].format(as_of=as_of, m=month,
                                     scenario=scenario_label or overview.get("scenario"))),
         size=10)
    if notice:
        _cjk(doc.add_paragraph().add_run(notice), size=10, bold=True, colour=(0xB0, 0, 0))

    _cjk(doc.add_paragraph().add_run(w["headlines"]), size=13, bold=True)
    text_key = "text_en" if lang == "en" else "text_zh"
    for h in overview.get("headlines") or []:
        para = doc.add_paragraph(style="List Bullet")
        colour = w["rag"].get(h.get("rag") or "", "")
        _cjk(para.add_run(f"【{colour}】" if colour and lang == "zh" else
                          (f"[{colour}] " if colour else "")), size=10, bold=True)
        _cjk(para.add_run(str(h.get(text_key) or "")), size=10)

    progress = overview.get("progress") or []
    if progress:
        _cjk(doc.add_paragraph().add_run(w["progress"]), size=13, bold=True)
        header, rows, notes = progress_rows(pd.DataFrame(progress), lang)
        _table(doc, header, rows)
        for note in notes:
            _cjk(doc.add_paragraph().add_run(note), size=8)

    ranking = overview.get("ranking") or []
    if ranking:
        _cjk(doc.add_paragraph().add_run(w["ranking"]), size=13, bold=True)
        _cjk(doc.add_paragraph().add_run(w["rank_note"]), size=8)
        rows = [[str(r.get("rank")), str(r.get("name") or r.get("cluster_id")),
                 _pct(r.get("p_fai")), _pct(r.get("p_iav")),
                 f"{_pct(r.get('p_mean'))} {w['rag'].get(r.get('rag') or '', '')}".strip()]
                for r in ranking]
        _table(doc, w["rank"], rows)

    buf = io.BytesIO()
    doc.save(buf)
    return atomic_write(path, buf.getvalue(), make_parents=True)
