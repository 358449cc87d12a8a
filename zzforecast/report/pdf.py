"""One combined PDF per batch: cover, contents, the overview, then every zone's report.

Built from the batch's own HTML pages (their ``<body>``; the notebook CSS is replaced by
the report's print style), rendered once with WeasyPrint. CSS paged media puts the
synthetic-data notice (or the data source line) in the running header and "第 n 页，共 N 页"
in the footer of every page; the contents page gets its page numbers from
``target-counter``. A test extracts the PDF's text to check both on every page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["combined_html", "write_combined_pdf", "COMBINED_PDF"]

COMBINED_PDF = "reports.pdf"
_WORDS = {
    "zh": {"title": "{year}年郑州市产业集聚区目标达成分析报告",
           "issuer": "编制：zzforecast 产业集聚区目标达成分析工作台",
           "vintage": "数据截至{as_of}（1–{m}月累计）；情景：{scenario}；数据版本 {vintage}",
           "date": "生成日期：{date}", "contents": "目录", "overview": "全市总览",
           "page": '"第 " counter(page) " 页，共 " counter(pages) " 页"',
           "real": "数据来源见各报告“数据与运行信息”"},
    "en": {"title": "Zhengzhou industrial cluster zones: {year} target attainment reports",
           "issuer": "Prepared with zzforecast, the cluster target attainment workbench",
           "vintage": "Data as of {as_of} (January-{m} cumulative); scenario: {scenario}; "
                      "data vintage {vintage}",
           "date": "Generated: {date}", "contents": "Contents", "overview": "City overview",
           "page": '"page " counter(page) " of " counter(pages)',
           "real": "Data sources: see each report's provenance section"},
}


def _css_string(text: str) -> str:
    """``text`` as a CSS string literal (quotes, backslashes and newlines escaped)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _print_css(running: str, page: str) -> str:
    return f"""
@page {{ size: A4; margin: 20mm 14mm 18mm;
  @top-center {{ content: {_css_string(running)}; font-size: 8pt; color: #b00; }}
  @bottom-center {{ content: {page}; font-size: 8pt; color: #555; }} }}
@page cover {{ @bottom-center {{ content: none; }} }}
.cover {{ page: cover; text-align: center; padding-top: 30mm; }}
.cover h1 {{ font-size: 20pt; }}
.report {{ break-before: page; }}
.contents a {{ color: inherit; text-decoration: none; }}
.contents a::after {{ content: leader('.') target-counter(attr(href), page); }}
.contents li {{ list-style: none; margin: 0.3em 0; }}
img {{ max-width: 100%; }}
table {{ font-size: 8pt; }}
"""


def combined_html(pages: Sequence[tuple[str, str, str]], run: Mapping[str, Any],
                  lang: str = "zh") -> str:
    """One HTML document: cover, contents and each page's body.

    Parameters
    ----------
    pages : sequence of (name, title, html)
        The reports in order (the overview first); ``html`` a standalone page.
    run : dict
        The batch's ``run.json`` record (year, as_of, scenario, notice, provenance).
    """
    from bs4 import BeautifulSoup
    from markupsafe import Markup

    from ..i18n import check_lang
    from .pages import render_page

    w = _WORDS[check_lang(lang)]
    as_of = str(run.get("as_of") or "")
    month = int(as_of[5:7]) if len(as_of) >= 7 and as_of[5:7].isdigit() else 0
    prov = run.get("provenance") or {}
    notice = str(run.get("notice") or "")
    title = w["title"].format(year=run.get("year"))
    bodies = []
    for name, _label, page in pages:
        # an HTML parser (beautifulsoup4, which nbconvert already needs), not a regex
        soup = BeautifulSoup(page, "html.parser")
        for script in soup.find_all("script"):
            script.decompose()
        body = soup.body.decode_contents() if soup.body else str(soup)
        bodies.append((name, Markup(body)))  # the batch's own pages, escaped when built
    running = notice or w["real"]
    return render_page(
        "combined.html.j2", title=title, lang=lang, css=_print_css(running, w["page"]),
        issuer=w["issuer"],
        vintage=w["vintage"].format(as_of=as_of, m=month, scenario=run.get("scenario"),
                                    vintage=prov.get("vintage") or "-"),
        date=w["date"].format(date=str(run.get("started") or "")[:10] or "-"),
        notice=notice, contents=w["contents"], reports=pages, bodies=bodies)


def write_combined_pdf(folder: str | Path, run: Mapping[str, Any], lang: str = "zh",
                       path: str | Path | None = None) -> Path | None:
    """Write ``reports.pdf`` in a batch folder from its HTML pages (None when there are none).

    The overview comes first, then the zones in the batch's order; failed jobs and pages
    that are missing are left out.
    """
    from .render import html_to_pdf

    folder = Path(folder)
    w = _WORDS["en" if lang == "en" else "zh"]
    jobs = [j for j in run.get("jobs", []) if j.get("status") == "ok"]
    jobs.sort(key=lambda j: 0 if j.get("kind") == "overview" else 1)
    pages = []
    for job in jobs:
        page = folder / f"{job['name']}.html"
        if not page.is_file():
            continue
        if job.get("kind") == "overview":
            label = w["overview"]
        else:
            label = job.get("name_en" if lang == "en" else "name_zh") or job["name"]
        pages.append((str(job["name"]), str(label), page.read_text(encoding="utf-8")))
    if not pages:
        return None
    return html_to_pdf(combined_html(pages, run, lang), path or folder / COMBINED_PDF,
                       base_url=folder)
