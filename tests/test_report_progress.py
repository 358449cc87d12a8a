"""Reports show 序时进度, each zone's latest month (stale zones flagged), published totals."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def base():
    from zzforecast.assess.attain import assess
    from zzforecast.data.bundle import load_bundle
    from zzforecast.simulate.engine import simulate

    bundle = load_bundle(ROOT / "data", ROOT / "params")
    sim = simulate(bundle, 2017, "2017-07", "baseline", n_paths=200, seed=4)
    return bundle, sim, assess(sim, bundle)


def _inputs(bundle, sim, lang="zh"):
    from zzforecast.report.inputs import report_inputs

    return report_inputs(bundle, sim, lang=lang, precomputed=True)


def _stale(bundle):
    """airport without its 2017-06 and 2017-07 rows; a published city total."""
    obs = bundle.observations
    drop = (obs["cluster_id"] == "airport") & obs["period"].isin(["2017-06", "2017-07"])
    published = pd.DataFrame([{
        "scope": "city", "indicator": "fai", "measure": "level", "frequency": "monthly_ytd",
        "period": "2017-07", "value": 1500.0, "unit": "亿元", "price_basis": "nominal",
        "source": "test", "vintage": "2017-08-15", "note": ""}])
    return dataclasses.replace(bundle, observations=obs[~drop], published=published)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_cluster_report_progress_and_latest_month(base, lang):
    from zzforecast.report.cluster import ClusterReport

    bundle, sim, _ = base
    report = ClusterReport(_inputs(bundle, sim, lang), "xinmi")
    page = report.header().data + report.targets_section().data
    assert ("序时进度" if lang == "zh" else "Time progress") in page
    assert ("各集聚区数据均截至2017-07" if lang == "zh" else "data through 2017-07") in page
    res = report.results()
    assert res["data_as_of"]["latest_period"] == "2017-07" and not res["data_as_of"]["behind"]
    rows = {r["indicator"]: r for r in res["progress"]}
    assert set(rows) == {"fai", "iav"} and rows["fai"]["scope"] == "xinmi"
    assert rows["fai"]["cum_growth"] is not None and 0 < rows["fai"]["seasonal_share"] < 1
    json.dumps(res)


def test_stale_zone_flagged_in_reports(base):
    from zzforecast.report.cluster import ClusterReport
    from zzforecast.report.overview import OverviewReport

    bundle, sim, _ = base
    inputs = _inputs(_stale(bundle), sim)
    airport = ClusterReport(inputs, "airport")
    header = airport.header().data
    assert "郑州航空港产业集聚区截至2017-05" in header and 'class="notice"' in header
    assert airport.results()["data_as_of"] == {
        "cluster_id": "airport", "latest_period": "2017-05", "latest_month": 5,
        "behind": True, "by_indicator": {"fai": "2017-05", "iav": "2017-05"}}
    assert "2017-05（滞后）" in airport.targets_section().data
    overview = OverviewReport(inputs)
    table_html = overview.clusters_table().data
    assert "数据截至" in table_html and "2017-05 （滞后）" in table_html
    city = overview.city_targets().data
    assert "序时进度" in city and "缺1个集聚区" in city
    # published total beside the sum of the zones, with the gap
    assert "1,500.0" in city and "各集聚区合计" in city
    res = overview.results()
    row = next(r for r in res["progress"] if r["scope"] == "city" and r["indicator"] == "fai")
    assert row["published_level"] == 1500 and row["missing"] == ["airport"]
    assert row["level_gap"] == pytest.approx(1500 - row["cum_level"], abs=1e-3)
    zones = {z["cluster_id"]: z for z in res["data_as_of"]}
    assert zones["airport"]["behind"] and not zones["xinmi"]["behind"]
