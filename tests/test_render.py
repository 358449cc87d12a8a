"""Executed notebook -> HTML without code; HTML -> PDF keeps Chinese; index and summaries."""

from __future__ import annotations

import json

import nbformat
import pandas as pd
import pytest

from zzforecast.report.index import write_index
from zzforecast.report.pages import html_page
from zzforecast.report.render import html_to_pdf, notebook_to_html, write_json
from zzforecast.report.summary import summary_frame, write_summary

EVIL = "<script>alert(1)</script>"


def _executed_notebook():
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("cluster_id = 'alpha'  # PARAMS_SOURCE")
    params.metadata["tags"] = ["parameters"]
    injected = nbformat.v4.new_code_cell("cluster_id = 'beta'  # INJECTED_SOURCE")
    injected.metadata["tags"] = ["injected-parameters"]
    injected.outputs = [nbformat.v4.new_output("stream", name="stdout", text="INJECTED_OUT")]
    code = nbformat.v4.new_code_cell("print('hello')  # CODE_SOURCE")
    code.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="产业集聚区 VISIBLE_OUT"),
        nbformat.v4.new_output("stream", name="stderr", text="STDERR_NOISE"),
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("# 航空港产业集聚区报告"), params, injected, code]
    return nb


def test_notebook_html_has_outputs_but_no_code_and_no_parameters(tmp_path):
    page = notebook_to_html(_executed_notebook())
    assert "VISIBLE_OUT" in page and "产业集聚区" in page
    for hidden in ("CODE_SOURCE", "PARAMS_SOURCE", "INJECTED_SOURCE", "INJECTED_OUT",
                   "STDERR_NOISE", "In&nbsp;[", "http://", "https://"):
        assert hidden not in page, hidden
    assert "<title>航空港产业集聚区报告</title>" in page
    assert page.startswith("<!DOCTYPE html>") and 'lang="zh-CN"' in page
    path = tmp_path / "r.ipynb"
    nbformat.write(_executed_notebook(), path)
    assert "VISIBLE_OUT" in notebook_to_html(path, lang="en")


def test_html_page_escapes_the_title():
    page = html_page(EVIL, "<p>body</p>")
    assert EVIL not in page and "&lt;script&gt;" in page


@pytest.mark.slow
def test_pdf_keeps_chinese_text(tmp_path):
    from pypdf import PdfReader

    sentence = "郑州航空港产业集聚区固定资产投资达标概率"
    page = html_page("报告", f"<h1>{sentence}</h1><p>English too: probability 0.42</p>")
    pdf = html_to_pdf(page, tmp_path / "r.pdf")
    text = "".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert sentence in text.replace("\n", "").replace(" ", "")
    assert "probability" in text


def _results():
    return [
        {"cluster_id": "b_zone", "name_zh": "乙区", "name_en": "B", "targets": [
            {"target_id": "fai_growth", "indicator": "fai", "p_attain": 0.4},
            {"target_id": "iav_growth", "indicator": "iav", "p_attain": 0.9}]},
        {"cluster_id": "a_zone", "name_zh": EVIL, "name_en": "A", "targets": [
            {"target_id": "fai_growth", "indicator": "fai", "p_attain": 0.7}]},
    ]


def test_summary_tables_round_trip(tmp_path):
    frame = summary_frame(_results(), failures=[{"cluster_id": "c_zone"}])
    assert list(frame["cluster_id"]) == ["a_zone", "b_zone", "b_zone", "c_zone"]
    assert list(frame["status"]) == ["ok", "ok", "ok", "failed"]
    write_summary(frame, tmp_path / "s.csv", tmp_path / "s.xlsx", notice="合成数据")
    raw = (tmp_path / "s.csv").read_bytes()
    assert raw.startswith("\ufeff".encode())
    back = pd.read_csv(tmp_path / "s.csv", comment="#", encoding="utf-8-sig")
    assert back["p_attain"].tolist()[:3] == [0.7, 0.4, 0.9]
    xlsx = pd.read_excel(tmp_path / "s.xlsx", sheet_name=None)
    assert list(xlsx) == ["汇总", "summary", "notice"] and len(xlsx["summary"]) == 4
    assert "达标概率" in xlsx["汇总"].columns and "p_attain" in xlsx["summary"].columns


def test_index_escapes_names_and_links_only_existing_files(tmp_path):
    (tmp_path / "a_zone.html").write_text("x")
    (tmp_path / "overview.html").write_text("x")
    write_json(tmp_path / "run.json", {"x": float("nan")})
    assert json.loads((tmp_path / "run.json").read_text()) == {"x": None}
    run = {"year": 2017, "scenario": "baseline", "as_of": "2017-07", "notice": "合成数据",
           "provenance": {"seed": 0, "n_paths": 10},
           "jobs": [{"name": "overview", "kind": "overview", "status": "ok"},
                    {"name": "a_zone", "kind": "cluster", "status": "ok", "name_zh": EVIL},
                    {"name": "b_zone", "kind": "cluster", "status": "failed", "name_zh": "乙区",
                     "error": {"ename": "ValueError", "evalue": EVIL}}]}
    page = write_index(tmp_path, run).read_text(encoding="utf-8")
    assert EVIL not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'href="a_zone.html"' in page and 'href="overview.html"' in page
    assert 'href="b_zone.html"' not in page and 'href="summary.csv"' not in page
    assert 'href="run.json"' in page and "合成数据" in page


def test_pages_get_a_web_font_subset_with_exactly_their_characters(tmp_path):
    from fontTools.ttLib import TTFont

    from zzforecast.report.render import embed_web_fonts

    (tmp_path / "a.html").write_text(html_page("郑州", "<p>航空港 &#x9F98;</p>"), encoding="utf-8")
    (tmp_path / "b.html").write_text(html_page("b", '<img src="data:image/png;base64,6K+V">'),
                                     encoding="utf-8")
    embed_web_fonts(tmp_path)
    regular = tmp_path / "_fonts" / "cjk-regular.woff"
    assert regular.is_file() and regular.stat().st_size < 200_000
    assert (tmp_path / "_fonts" / "cjk-bold.woff").is_file()
    assert (tmp_path / "_fonts" / "SIL-OPEN-FONT-LICENSE.txt").is_file()
    cmap = TTFont(regular).getBestCmap()
    for char in "郑州航空港龘A7":
        assert ord(char) in cmap, char
    assert ord("集") not in cmap  # only what the pages show
    for page in ("a.html", "b.html"):
        text = (tmp_path / page).read_text(encoding="utf-8")
        assert text.count("_fonts/cjk-regular.woff") == 1
    embed_web_fonts(tmp_path)  # idempotent
    assert (tmp_path / "a.html").read_text(encoding="utf-8").count("_fonts/cjk-regular.woff") == 1


def test_missing_weasyprint_is_a_setup_error_with_the_fix(tmp_path, monkeypatch):
    import sys

    from zzforecast.exceptions import SetupError

    monkeypatch.setitem(sys.modules, "weasyprint", None)  # "import weasyprint" fails
    with pytest.raises(SetupError, match=r"(?s)needs WeasyPrint.*fix: pip install"):
        html_to_pdf(html_page("t", "<p>x</p>"), tmp_path / "r.pdf")
    assert not (tmp_path / "r.pdf").exists()


def test_weasyprint_without_its_libraries_is_a_setup_error(tmp_path, monkeypatch):
    import importlib.abc
    import sys

    from zzforecast.exceptions import SetupError

    class NoPango(importlib.abc.MetaPathFinder):  # WeasyPrint's import when Pango is absent
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] == "weasyprint":
                raise OSError("cannot load library 'libpango-1.0-0'")
            return None

    for name in [m for m in sys.modules if m.split(".")[0] == "weasyprint"]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(sys, "meta_path", [NoPango(), *sys.meta_path])
    with pytest.raises(SetupError, match=r"(?s)libpango.*fix: install Pango"):
        html_to_pdf(html_page("t", "<p>x</p>"), tmp_path / "r.pdf")


def test_page_templates_ship_with_the_package_and_escape_every_value():
    from importlib.resources import files

    from zzforecast.report.pages import environment, render_page

    shipped = {p.name for p in files("zzforecast.report").joinpath("templates").iterdir()}
    assert {"page.html.j2", "index.html.j2", "headlines.html.j2",
            "combined.html.j2"} <= shipped
    assert environment().autoescape("index.html.j2")
    page = render_page("index.html.j2", title=EVIL, lang="en", words={
        k: EVIL for k in ("overview", "clusters", "cluster", "report", "status", "why",
                          "files")}, notice=EVIL, partial=EVIL, meta=EVIL, overview=EVIL,
        headlines=[{"text": EVIL, "badge": {"background": "red", "word": EVIL}}],
        clusters=[{"label": EVIL, "name": EVIL, "links": [(EVIL, EVIL)], "status": EVIL,
                   "failed": True, "why": EVIL}], files=[EVIL])
    assert EVIL not in page and page.count("&lt;script&gt;") >= 15
