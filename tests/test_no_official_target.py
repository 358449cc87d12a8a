"""Derived per-zone targets are placeholders, never goals (issue 11, item 4).

On the bundled data every per-zone target is derived (annexes 2-3 not entered): no zone
gets a probability of "attainment", every output says "无正式目标（方案附件未录入）", and
an entered row (derived=false) is assessed and shown as a target as before.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
LABEL_ZH = "无正式目标（方案附件未录入）"
LABEL_EN = "no official target (plan annex not entered)"


@pytest.fixture(scope="module")
def run():
    from zzforecast.assess.attain import assess
    from zzforecast.data.bundle import load_bundle
    from zzforecast.simulate.engine import simulate

    bundle = load_bundle(ROOT / "data", ROOT / "params")
    sim = simulate(bundle, 2017, "2017-07", "baseline", n_paths=400, seed=1)
    return bundle, sim, assess(sim, bundle)


def _entered(bundle, cluster_id="huiji", value=0.2):
    """The bundle with one real (entered) per-zone FAI growth target."""
    table = bundle.cluster_targets.copy()
    hit = (table["cluster_id"] == cluster_id) & (table["indicator"] == "fai")
    table.loc[hit, ["value", "derived", "source"]] = [value, False, "附件3（测试录入）"]
    return dataclasses.replace(bundle, cluster_targets=table)


def test_derived_rows_are_not_assessed_but_listed(run):
    bundle, sim, table = run
    zones = set(sim.cluster_ids)
    assert not (set(table["scope"]) & zones)
    assert not table["derived"].astype(bool).any()
    listed = table.attrs["no_official_target"]
    assert {(p["scope"], p["indicator"]) for p in listed} == {
        (c, i) for c in zones for i in ("fai", "iav")}
    park = next(p for p in listed if p["scope"] == "huiji" and p["indicator"] == "iav")
    assert park["label_zh"] == LABEL_ZH and park["label_en"] == LABEL_EN
    assert park["derived"] is True and park["derived_tag_zh"] == "推算值"
    assert "p_attain" not in park and park["q05"] <= park["q50"] <= park["q95"]
    # The API can still ask for them, tagged derived.
    from zzforecast.assess.attain import assess

    with_derived = assess(sim, bundle, derived=True)
    assert with_derived[with_derived["scope"].isin(zones)]["derived"].all()


def test_an_entered_target_is_a_target(run):
    from zzforecast.assess.attain import assess

    bundle, sim, _ = run
    table = assess(sim, _entered(bundle))
    row = table[(table["scope"] == "huiji") & (table["indicator"] == "fai")]
    assert len(row) == 1 and row["target"].iloc[0] == pytest.approx(0.2)
    assert not bool(row["derived"].iloc[0]) and 0 <= row["p_attain"].iloc[0] <= 1
    rest = {(p["scope"], p["indicator"]) for p in table.attrs["no_official_target"]}
    assert ("huiji", "fai") not in rest and ("huiji", "iav") in rest


@pytest.mark.parametrize("lang, label", [("zh", LABEL_ZH), ("en", LABEL_EN)])
def test_attain_text_and_json(run, lang, label):
    from zzforecast.assess.serialise import to_json
    from zzforecast.assess.text import render_text

    bundle, sim, table = run
    text = render_text(sim, table, None, {}, None, lang=lang)
    assert text.count(label) == len(table.attrs["no_official_target"])
    # The parks' derived IAV value (about -27.6%) appears nowhere as a target.
    derived = {round(100 * p["derived_value"], 1) for p in table.attrs["no_official_target"]}
    negative = [v for v in derived if v < 0]
    assert negative  # the bundled parks' IAV placeholder is negative
    for v in negative:
        assert f"{v:.1f}%" not in text
    doc = to_json(sim, table)
    assert all(t["scope"] in ("city", "provincial", "municipal") for t in doc["targets"])
    assert len(doc["no_official_target"]) == 2 * len(sim.cluster_ids)


@pytest.mark.parametrize("lang, label", [("zh", LABEL_ZH), ("en", LABEL_EN)])
def test_reports_and_summary(run, lang, label):
    from zzforecast.report.cluster import ClusterReport
    from zzforecast.report.inputs import report_inputs
    from zzforecast.report.overview import OverviewReport
    from zzforecast.report.summary import summary_frame

    bundle, sim, table = run
    inputs = report_inputs(bundle, sim, lang=lang, precomputed=True)
    report = ClusterReport(inputs, "huiji")
    page = "".join(getattr(report, s)().data for s in ("key_points", "targets_section",
                                                        "required_growth", "forecasts"))
    assert label in page
    derived_pct = [f"{100 * p['derived_value']:.1f}%" for p in table.attrs["no_official_target"]
                   if p["scope"] == "huiji"]
    for pct in derived_pct:
        # the derived value itself, not an unrelated figure that ends in the same digits
        # (an interval bound of -4.0% is not the derived +4.0%)
        assert re.search(rf"(?<![-\d.]){re.escape(pct)}", page) is None, pct
    overview = OverviewReport(inputs).clusters_table().data
    assert overview.count(label) == 2 * len(sim.cluster_ids)
    res = report.results()
    assert res["targets"] == [] and {r["indicator"] for r in res["no_official_target"]} >= {
        "fai", "iav"}
    summary = summary_frame([res])
    assert summary["target_id"].isna().all() and summary["p_attain"].isna().all()
    # with an entered target, the zone's report and summary carry exactly that target
    entered = _entered(bundle)
    inputs = report_inputs(entered, sim, lang=lang, precomputed=True)
    res = ClusterReport(inputs, "huiji").results()
    assert [t["target_id"] for t in res["targets"]] == ["huiji_fai_growth"]
    missing = {r["indicator"] for r in res["no_official_target"]}
    assert "fai" not in missing and "iav" in missing
    summary = summary_frame([res])
    assert list(summary["target_id"]) == ["huiji_fai_growth"]


def test_star_table_does_not_use_per_zone_targets(run):
    """Star goals come from the plan (section 二), not from the derived per-zone table."""
    from zzforecast.assess.stars import star_ratings

    bundle, sim, _ = run
    stars = star_ratings(sim, bundle)
    named = bundle.clusters.dropna(subset=["star_target"])
    assert set(stars["cluster_id"]) == set(named["cluster_id"])
    assert not any(re.search("derived|推算", str(c)) for c in stars.columns)
    assert isinstance(stars, pd.DataFrame)
