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
    from zzforecast.attain import assess
    from zzforecast.data.loaders import load_bundle
    from zzforecast.simulate import simulate

    bundle = load_bundle(ROOT / "data", ROOT / "params", 2017)
    sim = simulate(bundle, 2017, "2017-07", "baseline", n_paths=500, seed=5)
    return bundle, sim, assess(sim, bundle)


def test_rag_thresholds():
    from zzforecast.briefing import rag

    assert [rag(p) for p in (0.0, 0.29, 0.3, 0.69, 0.7, 1.0)] == [
        "red", "red", "amber", "amber", "green", "green"]
    assert rag(None) is None and rag(float("nan")) is None


def test_headlines_quote_chance_median_shortfall_and_the_rest_of_the_year(run):
    from zzforecast.briefing import headline_frame, headline_sentences

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
    from zzforecast.briefing import zone_ranking

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
    from zzforecast.briefing import target_status

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
    from zzforecast.briefing import cumulative_growth_paths

    bundle, sim, table = run
    hist, paths, months = cumulative_growth_paths(sim, bundle, "city", "fai")
    assert list(hist.index) == list(range(2, 8)) and months == list(range(8, 13))
    j = sim.indicator_index("fai")
    np.testing.assert_allclose(paths[:, -1], sim.total("city").growth[:, j], rtol=1e-6)
    assert np.isfinite(paths).all()
    # the published months agree with the headline's 1-7月累计 growth
    from zzforecast.briefing import headline_frame

    fai = headline_frame(sim, table).query("target_id == 'fai_city_growth'").iloc[0]
    assert hist[7] == pytest.approx(fai["ytd_growth"], abs=2e-3)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_overview_sections_show_the_briefing(run, lang):
    from zzforecast.report_content import OverviewReport, ReportInputs

    bundle, sim, table = run
    inputs = ReportInputs(bundle=bundle, simulation=sim, assessment=table, scenarios=None,
                          precomputed=True, year=2017, as_of="2017-07", scenario="baseline",
                          lang=lang)
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
    from zzforecast.render import write_index, write_json

    (tmp_path / "overview.html").write_text("x")
    write_json(tmp_path / "overview.json", {"headlines": [
        {"rag": "red", "text_zh": "全市固定资产投资增长13%：达标概率约26%。",
         "text_en": "City FAI: about a 26% chance."}]})
    run = {"year": 2017, "scenario": "baseline", "as_of": "2017-07", "notice": "合成数据",
           "provenance": {}, "jobs": [{"name": "overview", "kind": "overview", "status": "ok"}]}
    page = write_index(tmp_path, run, lang="zh").read_text(encoding="utf-8")
    assert page.index("达标概率约26%") < page.index('href="overview.html"')
    assert "合成数据" in page
