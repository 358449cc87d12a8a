"""Level targets on both bases (issue 11 item 2): comparable growth and published levels.

The hand-made case reproduces the issue's "14.6% vs 13.7%": last year 1000亿 (January-July
500), this year's January-July published at 557亿 with comparable growth +12.3%, so the
comparable-basis level so far is 1.123 x 500 = 561.5 and the published one 557:

- comparable basis: (1130 - 561.5) / (1000 - 500) - 1 = 13.7%;
- published basis:  (1130 - 557)   / (1000 - 500) - 1 = 14.6%.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from attain_fixtures import FakeTarget, make_bundle

from zzforecast.assess.attain import assess
from zzforecast.assess.outcomes import published_basis
from zzforecast.assess.serialise import to_json
from zzforecast.simulate.engine import simulate

PARAMS = Path(__file__).resolve().parents[1] / "params"


def test_published_basis_by_hand():
    assert published_basis(1130, 557, 1000, 500) == pytest.approx(0.146, abs=1e-12)
    assert published_basis(1130, 1.123 * 500, 1000, 500) == pytest.approx(0.137, abs=1e-12)
    assert published_basis(1130, 557, 500, 500) is None  # nothing left of last year


@pytest.fixture(scope="module")
def case():
    bundle = make_bundle(PARAMS, n=3)
    obs = bundle.observations.copy()

    def put(indicator, measure, freq, period, value):
        hit = ((obs["cluster_id"] == "c00") & (obs["indicator"] == indicator)
               & (obs["measure"] == measure) & (obs["frequency"] == freq)
               & (obs["period"] == period))
        assert hit.sum() == 1
        obs.loc[hit, "value"] = value

    def scale_year(year, month, value):  # every month of the year, so levels keep rising
        rows = ((obs["cluster_id"] == "c00") & (obs["indicator"] == "fai")
                & (obs["measure"] == "level") & (obs["frequency"] == "monthly_ytd")
                & obs["period"].str.startswith(f"{year}-"))
        at = rows & (obs["period"] == f"{year}-{month:02d}")
        obs.loc[rows, "value"] *= value / float(obs.loc[at, "value"].iloc[0])
        obs.loc[at, "value"] = value

    put("fai", "level", "annual", "2016", 1000.0)
    scale_year(2016, 7, 500.0)
    scale_year(2017, 7, 557.0)
    put("fai", "growth", "monthly_ytd", "2017-07", 0.123)
    targets = [FakeTarget("fai_level_city", "fai", "city", "level", 1130.0, unit="亿元"),
               FakeTarget("fai_growth_city", "fai", "city", "growth", 0.13),
               FakeTarget("iav_level_city", "iav", "city", "level", 80.0, unit="亿元"),
               FakeTarget("revenue_city", "revenue", "city", "level", 4000.0, unit="亿元")]
    bundle = dataclasses.replace(bundle, observations=obs, targets=targets)
    sim = simulate(bundle, 2017, "2017-07", "baseline", n_paths=4000, seed=2,
                   clusters=["c00"], keep_monthly=False)
    return bundle, sim, assess(sim, bundle, clusters=False).set_index("target_id")


def test_the_inputs_are_the_hand_made_ones(case):
    _, sim, _ = case
    j = sim.indicator_index("fai")
    assert sim.base[0, j] == pytest.approx(1000.0)
    assert sim.cum_last[0, j] == pytest.approx(500.0)
    assert sim.ytd_growth[0, j] == pytest.approx(0.123)


def test_required_growth_on_both_bases(case):
    _, sim, table = case
    row = table.loc["fai_level_city"]
    assert row["basis"] == "comparable"
    assert row["required_growth"] == pytest.approx(0.137, abs=1e-9)
    assert row["required_growth_published"] == pytest.approx(0.146, abs=1e-9)
    assert row["published_gap"] == pytest.approx(557 / 561.5 - 1, abs=1e-9)
    # P on the published basis: each path's level scaled by the year-to-date gap
    j = sim.indicator_index("fai")
    level = sim.annual[:, 0, j].astype(np.float64)
    assert row["p_attain"] == pytest.approx(np.mean(level >= 1130.0))
    assert row["p_attain_published"] == pytest.approx(np.mean(level * 557 / 561.5 >= 1130.0))
    assert row["p_attain_published"] < row["p_attain"]  # published levels run behind


def test_growth_targets_have_no_basis_and_iav_is_not_rescaled(case):
    _, _, table = case
    growth = table.loc["fai_growth_city"]
    assert growth["basis"] is None and np.isnan(growth["p_attain_published"])
    iav = table.loc["iav_level_city"]
    assert iav["basis"] == "published"  # the nominal level carries the year's own gap
    assert iav["p_attain_published"] == iav["p_attain"]
    revenue = table.loc["revenue_city"]  # annual-only: no published year-to-date level
    assert revenue["basis"] == "comparable" and np.isnan(revenue["p_attain_published"])


def test_json_only_adds_fields(case):
    bundle, sim, _ = case
    doc = to_json(sim, assess(sim, bundle, clusters=False))
    rec = next(t for t in doc["targets"] if t["target_id"] == "fai_level_city")
    for key in ("target_id", "indicator", "scope", "target", "p_attain",
                "p_attain_within_tolerance", "required_growth", "quantiles"):
        assert key in rec
    assert rec["basis"] == "comparable"
    assert rec["required_growth_published"] == pytest.approx(0.146, abs=1e-5)


# --------------------------------------------------------------------------- the deflator

def test_deflator_sensitivity_redoes_only_the_level_arithmetic():
    from zzforecast.assess.level_bases import deflator_assumption, deflator_sensitivity
    from zzforecast.simulate.scenarios import load_scenario

    bundle = make_bundle(PARAMS, n=4)
    base = load_scenario(PARAMS, "baseline")
    sim = simulate(bundle, 2017, "2017-07", base, n_paths=3000, seed=4, keep_monthly=False)
    level = sim.total("city").annual[:, sim.indicator_index("iav")]
    target = float(np.median(level))  # a target the paths straddle
    bundle = dataclasses.replace(bundle, targets=[
        FakeTarget("iav_level_city", "iav", "city", "level", target, unit="亿元")])
    table = assess(sim, bundle, clusters=False)
    sens = deflator_sensitivity(sim, table).set_index("shift")
    assert list(sens.index) == [-0.02, 0.0, 0.02]
    assert sens.loc[0.0, "p_attain"] == pytest.approx(table["p_attain"].iloc[0], abs=1e-3)
    assert sens.loc[-0.02, "p_attain"] < sens.loc[0.0, "p_attain"] < sens.loc[0.02, "p_attain"]
    assumption = deflator_assumption(sim)
    assert assumption["mean"] == pytest.approx(base.deflator_mean)
    assert assumption["ytd_gap"] is not None and 0 < assumption["share_of_year"] < 1
    # the same seed with the scenario's deflator moved: the same real paths, so the same P
    for shift in (-0.02, 0.02):
        moved = dataclasses.replace(base, deflator_mean=base.deflator_mean + shift)
        again = simulate(bundle, 2017, "2017-07", moved, n_paths=3000, seed=4,
                         keep_monthly=False)
        p = assess(again, bundle, clusters=False)["p_attain"].iloc[0]
        assert sens.loc[shift, "p_attain"] == pytest.approx(p, abs=2e-3)
        assert sens.loc[shift, "deflator_mean"] == pytest.approx(base.deflator_mean + shift)


def test_text_and_json_show_both_bases_and_the_deflator(case):
    from zzforecast.assess.text import render_text

    bundle, sim, _ = case
    table = assess(sim, bundle, clusters=False)
    zh = render_text(sim, table, None, {}, None, lang="zh")
    assert "可比口径" in zh and "公布口径" in zh and "14.6%" in zh and "13.7%" in zh
    assert "工业品价格假设" in zh and "名义/实际差" in zh
    en = render_text(sim, table, None, {}, None, lang="en")
    assert "comparable basis" in en and "published basis" in en and "price assumption" in en
    doc = to_json(sim, table)
    assert doc["deflator"]["mean"] == pytest.approx(sim.method["deflator"]["mean"])
    assert [r["shift"] for r in doc["deflator"]["sensitivity"]] == [-0.02, 0.0, 0.02]


def test_overview_report_shows_both_bases_and_the_deflator():
    from zzforecast.report.inputs import load_inputs
    from zzforecast.report.overview import OverviewReport

    root = PARAMS.parent
    inputs = load_inputs(2017, "2017-07", "baseline", n_paths=500, seed=0, lang="zh",
                         data_dir=root / "data", params_dir=root / "params",
                         compare_n_paths=200)
    report = OverviewReport(inputs)
    html = report.city_targets().data
    assert "可比口径" in html and "公布口径" in html and "工业品价格假设" in html
    res = report.results()
    assert [r["shift"] for r in res["deflator"]["sensitivity"]] == [-0.02, 0.0, 0.02]
    fai = next(t for t in res["targets"] if t["target_id"] == "fai_city_level")
    assert fai["basis"] == "comparable" and fai["required_growth_published"] > \
        fai["required_growth"]
