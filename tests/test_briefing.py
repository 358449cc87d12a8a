"""The overview as a briefing (issue 13): headlines, ranking, status of every target, fan."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def run():
    from zzforecast.assess.attain import assess
    from zzforecast.data.bundle import load_bundle
    from zzforecast.simulate.engine import simulate

    bundle = load_bundle(ROOT / "data", ROOT / "params", 2017)
    sim = simulate(bundle, 2017, "2017-07", "baseline", n_paths=500, seed=5)
    return bundle, sim, assess(sim, bundle)


def test_rag_thresholds():
    from zzforecast.report.briefing import rag

    assert [rag(p) for p in (0.0, 0.29, 0.3, 0.69, 0.7, 1.0)] == [
        "red", "red", "amber", "amber", "green", "green"]
    assert rag(None) is None and rag(float("nan")) is None


def test_headlines_quote_chance_median_shortfall_and_the_rest_of_the_year(run):
    from zzforecast.report.briefing import headline_frame, headline_sentences

    bundle, sim, table = run
    frame = headline_frame(sim, table)
    assert list(frame["scope"].unique()) == ["city", "provincial"]  # city first
    fai = frame[frame["target_id"] == "fai_city_growth"].iloc[0]
    # shortfall in 亿元 = E[target - growth | missed] x last year's city level, by hand
    j = sim.indicator_index("fai")
    base = float(np.nansum(sim.base[:, j]))
    g = sim.total("city").growth[:, j].astype(float)
    by_hand = float(np.mean(0.13 - g[g < 0.13])) * base
    assert fai["shortfall_level"] == pytest.approx(by_hand, rel=1e-4)
    assert fai["ytd_month"] == 7
    assert fai["gap_points"] == pytest.approx(fai["required_growth"] - fai["ytd_growth"])
    zh = headline_sentences(frame, "zh")
    first = zh[0]
    assert first.startswith("全市产业集聚区固定资产投资增长13%")
    for words in ("1–7月累计增长", "达标概率约", "中位数", "若未达标，平均缺口约", "亿元",
                  "8–12月需比上年同期增长", "个百分点"):
        assert words in first, words
    assert f"{100 * fai['p_attain']:.0f}%" in first
    assert f"{by_hand:,.1f}亿元" in first
    en = headline_sentences(frame, "en")[0]
    assert "chance" in en and "percentage points" in en and "100m yuan" in en


def test_zones_ranked_by_chance_against_the_city_target_when_they_have_none(run):
    from zzforecast.report.briefing import zone_ranking

    bundle, sim, table = run
    ranking = zone_ranking(sim, table, bundle)
    assert list(ranking["rank"]) == list(range(1, len(sim.cluster_ids) + 1))
    assert ranking["p_mean"].is_monotonic_decreasing
    row = ranking.iloc[0]
    c = sim.cluster_ids.index(row["cluster_id"])
    g = sim.growth[:, c, sim.indicator_index("fai")].astype(float)
    assert row["basis_fai"] == "city"  # bundled zone targets are derived placeholders
    assert row["p_fai"] == pytest.approx(float(np.mean(g >= 0.13)))


def test_every_plan_target_has_a_status_and_a_reason(run):
    from zzforecast.report.briefing import target_status

    bundle, sim, table = run
    status = target_status(bundle, sim, table)
    plan = status[status["status"] != "no_official_target"]
    assert list(plan["target_id"]) == [t.id for t in bundle.targets]
    simulated = plan[plan["status"] == "simulated"]
    assert set(simulated["target_id"]) == set(table["target_id"]) & set(plan["target_id"])
    assert (plan.loc[plan["status"] == "not_simulated", "reason"].str.len() > 0).all()
    assert set(status.loc[status["status"] == "no_official_target", "indicator"]) >= {"fai", "iav"}
    # the same answer when the assessment lost its attrs (read back from a CSV)
    again = target_status(bundle, sim, pd.DataFrame(table.to_dict("list")))
    assert list(again["status"]) == list(status["status"])


def test_city_fan_ends_on_the_simulated_year(run):
    from zzforecast.report.briefing import cumulative_growth_paths

    bundle, sim, table = run
    hist, paths, months = cumulative_growth_paths(sim, bundle, "city", "fai")
    assert list(hist.index) == list(range(2, 8)) and months == list(range(8, 13))
    j = sim.indicator_index("fai")
    np.testing.assert_allclose(paths[:, -1], sim.total("city").growth[:, j], rtol=1e-6)
    assert np.isfinite(paths).all()
    # the published months agree with the headline's 1-7月累计 growth
    from zzforecast.report.briefing import headline_frame

    fai = headline_frame(sim, table).query("target_id == 'fai_city_growth'").iloc[0]
    assert hist[7] == pytest.approx(fai["ytd_growth"], abs=2e-3)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_overview_sections_show_the_briefing(run, lang):
    from zzforecast.report.inputs import report_inputs
    from zzforecast.report.overview import OverviewReport

    bundle, sim, table = run
    inputs = report_inputs(bundle, sim, lang=lang, precomputed=True)
    report = OverviewReport(inputs)
    brief = report.briefing().data
    assert brief.count('<li class="headline">') == len(report.headlines) >= 2
    assert ("个百分点" if lang == "zh" else "percentage points") in brief
    alts = re.findall(r'alt="([^"]*)"', brief)
    assert len(alts) == 2 and all(("扇形图" if lang == "zh" else "Fan chart") in a for a in alts)
    ranking = report.zone_ranking().data
    assert ("位次" if lang == "zh" else "Rank") in ranking and "background:" in ranking
    status = report.target_status().data
    assert status.count("<tr>") == len(bundle.targets) + 2  # the plan's, 2 zone rows
    res = report.results()
    assert res["headlines"][0]["target_id"] == "fai_city_growth"
    assert "个百分点" in res["headlines"][0]["text_zh"]
    assert len(res["ranking"]) == len(sim.cluster_ids)


def test_index_opens_with_the_headlines(tmp_path):
    from zzforecast.report.index import write_index
    from zzforecast.report.render import write_json

    (tmp_path / "overview.html").write_text("x")
    write_json(tmp_path / "overview.json", {"headlines": [
        {"rag": "red", "text_zh": "全市固定资产投资增长13%：达标概率约26%。",
         "text_en": "City FAI: about a 26% chance."}]})
    run = {"year": 2017, "scenario": "baseline", "as_of": "2017-07", "notice": "合成数据",
           "provenance": {}, "jobs": [{"name": "overview", "kind": "overview", "status": "ok"}]}
    page = write_index(tmp_path, run, lang="zh").read_text(encoding="utf-8")
    assert page.index("达标概率约26%") < page.index('href="overview.html"')
    assert "合成数据" in page


# --------------------------------------------------------------------------- summaries

def test_summary_csv_reads_with_no_options_city_first(tmp_path):
    from zzforecast.report.summary import summary_frame, write_summary

    overview = {"targets": [
        {"target_id": "fai_provincial_growth", "scope": "provincial", "indicator": "fai",
         "kind": "growth", "target": 0.14, "p_attain": 0.2},
        {"target_id": "fai_city_growth", "scope": "city", "indicator": "fai", "kind": "growth",
         "target": 0.13, "p_attain": 0.3}]}
    zones = [{"cluster_id": "airport", "name_zh": "航空港", "name_en": "Airport", "targets": [],
              "no_official_target": [{"indicator": "fai"}, {"indicator": "iav"}]}]
    frame = summary_frame(zones, overview=overview)
    write_summary(frame, tmp_path / "summary.csv", tmp_path / "summary.xlsx",
                  notice="合成数据，仅用于演示")
    back = pd.read_csv(tmp_path / "summary.csv")
    assert back.columns[0] == "cluster_id" and "p_attain" in back.columns
    assert list(back["cluster_id"]) == ["city", "provincial", "airport"]
    assert back.loc[0, "p_attain"] == 0.3 and back.loc[0, "name_zh"] == "全市产业集聚区"
    assert list(back["derived_target"]) == [False, False, True]
    assert back.loc[2, "no_official_target"] == "fai;iav"
    assert (back["notice"] == "合成数据，仅用于演示").all()
    from openpyxl import load_workbook

    book = load_workbook(tmp_path / "summary.xlsx")
    assert book.sheetnames == ["汇总", "summary", "notice"]
    sheet = book["汇总"]
    head = [c.value for c in sheet[1]]
    col = head.index("达标概率") + 1
    assert sheet.cell(row=2, column=col).value == 0.3
    assert sheet.cell(row=2, column=col).number_format == "0.0%"
    assert sheet.cell(row=2, column=head.index("目标值") + 1).number_format == "0.0%"
    assert sheet.cell(row=2, column=head.index("指标") + 1).value == "固定资产投资"
    machine = [c.value for c in book["summary"][1]]
    assert machine[:3] == ["cluster_id", "name_zh", "name_en"]


@pytest.mark.slow
def test_the_batch_summary_and_overview_are_a_briefing(tmp_path_factory):
    from report_fixtures import small_batch

    out = small_batch(tmp_path_factory).out_dir
    summary = pd.read_csv(out / "summary.csv")
    assert summary.loc[0, "cluster_id"] == "city" and summary.loc[0, "row_kind"] == "aggregate"
    assert set(summary["cluster_id"]) >= {"city", "provincial", "airport", "xinmi"}
    assert summary["notice"].str.contains("合成").all()
    page = (out / "overview.html").read_text(encoding="utf-8")
    first = page[:page.index("扇形图")]  # the headlines come before the first chart
    assert "达标概率约" in first and "个百分点" in first and "亿元" in first
    for words in ("各产业集聚区位次", "方案全部目标的状态", "合成"):
        assert words in page, words
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "达标概率约" in index and index.index("达标概率约") < index.index("airport.html")
    assert 'href="briefing.docx"' in index
    from docx import Document

    doc = Document(out / "briefing.docx")
    assert any("达标概率约" in p.text for p in doc.paragraphs) and len(doc.tables) == 2


# --------------------------------------------------------------------------- Word

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_briefing_docx_opens_with_the_headline_and_the_progress_table(run, tmp_path, lang):
    pytest.importorskip("docx")
    from docx import Document

    from zzforecast.report.docx import write_briefing_docx
    from zzforecast.report.inputs import report_inputs
    from zzforecast.report.overview import OverviewReport

    bundle, sim, table = run
    inputs = report_inputs(bundle, sim, lang=lang, precomputed=True)
    res = OverviewReport(inputs).results()
    path = write_briefing_docx(res, tmp_path / "briefing.docx", lang=lang,
                               notice="合成数据，仅用于演示方法")
    doc = Document(path)
    text = "\n".join(p.text for p in doc.paragraphs)
    key = "text_en" if lang == "en" else "text_zh"
    assert res["headlines"][0][key] in text
    assert "合成数据，仅用于演示方法" in doc.sections[0].header.paragraphs[0].text
    footer = doc.sections[0].footer.paragraphs[0]._element.xml
    assert "PAGE" in footer  # a page number on every page
    progress, ranking = doc.tables
    head = [c.text for c in progress.rows[0].cells]
    assert head[3] == ("1–m月累计" if lang == "zh" else "Jan-m level")
    cells = [c.text for c in progress.rows[1].cells]
    city = [r for r in res["progress"] if r["scope"] == "city" and r["indicator"] == "fai"][0]
    assert cells[4] == f"{100 * city['cum_growth']:.1f}%"
    assert len(ranking.rows) == len(sim.cluster_ids) + 1


# --------------------------------------------------------------------------- combined PDF

def test_the_combined_pdf_has_a_cover_contents_page_numbers_and_the_mark_on_every_page(
        tmp_path):
    pytest.importorskip("weasyprint")
    from pypdf import PdfReader

    from zzforecast.report.pages import html_page
    from zzforecast.report.pdf import write_combined_pdf

    notice = "【合成数据】本报告所用数据为合成数据，仅用于演示方法。"
    long_table = "".join(f"<p>第{i}段：郑州航空港产业集聚区固定资产投资达标概率</p>"
                         for i in range(80))  # several pages
    (tmp_path / "overview.html").write_text(html_page("总览", "<h1>全市总览</h1>" + long_table))
    (tmp_path / "airport.html").write_text(html_page("航空港", "<h1>航空港</h1><p>短</p>"))
    run = {"year": 2017, "as_of": "2017-07", "scenario": "baseline", "notice": notice,
           "started": "2017-08-20T00:00:00", "provenance": {"vintage": "2017-08-15"},
           "jobs": [{"name": "airport", "kind": "cluster", "status": "ok", "name_zh": "航空港"},
                    {"name": "overview", "kind": "overview", "status": "ok"},
                    {"name": "gone", "kind": "cluster", "status": "failed"}]}
    pdf = write_combined_pdf(tmp_path, run, lang="zh")
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(pdf).pages]
    n = len(pages)
    assert n >= 4
    squeeze = [p.replace(" ", "") for p in pages]
    assert "2017年郑州市产业集聚区目标达成分析报告" in squeeze[0]  # the cover
    assert "目录" in squeeze[1] and "全市总览" in squeeze[1] and "航空港" in squeeze[1]
    for i, text in enumerate(squeeze):
        assert notice in text, f"page {i + 1} lacks the synthetic mark"
        if i:  # the cover has no number
            assert f"第{i + 1}页，共{n}页" in text, f"page {i + 1}: {text[-60:]}"
    assert "郑州航空港产业集聚区固定资产投资达标概率" in "".join(squeeze)  # Chinese extractable
    # the overview comes first, then the zone; the contents give its page
    first_zone = next(i for i, t in enumerate(squeeze) if t.startswith(notice + "航空港")
                      or "航空港短" in t)
    assert squeeze[1].count(".") > 10 and str(first_zone + 1) in squeeze[1]


def test_a_zone_report_draws_its_cumulative_growth_fan(run):
    from zzforecast.report.cluster import ClusterReport
    from zzforecast.report.inputs import report_inputs

    bundle, sim, table = run
    inputs = report_inputs(bundle, sim, lang="zh", precomputed=True)
    page = ClusterReport(inputs, "airport").forecasts().data
    alts = re.findall(r'alt="([^"]*)"', page)
    fans = [a for a in alts if a.startswith("扇形图")]
    assert len(fans) == 2 and all("无正式目标" in a for a in fans)  # no derived goal drawn
