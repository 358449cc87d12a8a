"""序时进度 on a hand-made panel: every number below is computed by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from zzforecast.assess.progress import (
    format_latest,
    format_progress,
    latest_months,
    progress_records,
    time_progress,
    zone_latest,
)
from zzforecast.data.targets import Target
from zzforecast.data.vintages import DEFAULT_LAGS

CLUSTERS = pd.DataFrame({"cluster_id": ["a", "b", "c"],
                         "level": ["provincial", "municipal", "provincial"],
                         "name_zh": ["甲区", "乙园", "丙区"], "name_en": ["A", "B", "C"]})
TARGETS = [Target("fai_city_level", "fai", "city", "level", 300.0, "亿元", ">="),
           Target("fai_city_growth", "fai", "city", "growth", 0.13, "fraction", ">=")]


def _obs():
    rows = []

    def add(cid, measure, freq, period, value, vintage=None):
        # published on its release date (period end + the default lag) unless given
        vintage = vintage or str(DEFAULT_LAGS.release_date("fai", freq, period).date())
        rows.append({"cluster_id": cid, "indicator": "fai", "measure": measure,
                     "frequency": freq, "period": period, "value": value, "unit": "亿元",
                     "price_basis": "nominal", "source": "hand", "vintage": vintage,
                     "synthetic": True})

    # zone a: shares 40/100 (2015), 45/100 (2016); 2017 Jan-Jun 60 at +20%
    for year, m6, m12 in ((2015, 40, 100), (2016, 45, 100)):
        add("a", "level", "monthly_ytd", f"{year}-06", m6)
        add("a", "level", "monthly_ytd", f"{year}-12", m12)
    add("a", "level", "monthly_ytd", "2017-06", 60)
    add("a", "growth", "monthly_ytd", "2017-06", 0.20)
    # zone b: 10/50 and 15/50; 2017 Jan-Jun 20 at +25%; a revised vintage of 2017-06
    for year, m6, m12 in ((2015, 10, 50), (2016, 15, 50)):
        add("b", "level", "monthly_ytd", f"{year}-06", m6)
        add("b", "level", "monthly_ytd", f"{year}-12", m12)
    add("b", "level", "monthly_ytd", "2017-06", 19, vintage="2017-07-10")
    add("b", "level", "monthly_ytd", "2017-06", 20, vintage="2017-07-15")
    add("b", "growth", "monthly_ytd", "2017-06", 0.25)
    # zone c: stale (2017 data only to Jan-Feb); 2016 has no December row, only the annual
    add("c", "level", "monthly_ytd", "2016-02", 4)
    add("c", "level", "monthly_ytd", "2016-06", 30)
    add("c", "level", "annual", "2016", 60)
    add("c", "level", "monthly_ytd", "2017-02", 5)
    add("c", "growth", "monthly_ytd", "2017-02", 0.25)
    return pd.DataFrame(rows)


@pytest.fixture()
def progress():
    return time_progress(_obs(), CLUSTERS, TARGETS, 2017, "2017-06", seasonal_years=2)


def _row(progress, scope):
    hit = progress[(progress["scope"] == scope) & (progress["indicator"] == "fai")]
    assert len(hit) == 1
    return hit.iloc[0]


def test_city_by_hand(progress):
    r = _row(progress, "city")
    assert r["month"] == 6 and r["period"] == "2017-06"
    assert r["cum_level"] == pytest.approx(80)  # 60 + 20 (b's latest vintage)
    # comparable bases 60/1.2 = 50 and 20/1.25 = 16: 80/66 - 1
    assert r["cum_growth"] == pytest.approx(80 / 66 - 1)
    assert r["target_level"] == 300 and r["share_of_target"] == pytest.approx(80 / 300)
    assert r["time_share"] == pytest.approx(0.5)
    # normal year: (40+10)/(100+50) in 2015, (45+15)/150 in 2016 (c has no 2017-06: left out)
    assert r["seasonal_share"] == pytest.approx((50 / 150 + 60 / 150) / 2)
    assert r["seasonal_years"] == 2
    assert r["last_year_share"] == pytest.approx(60 / 150)
    assert r["ahead_of_season"] == pytest.approx(80 / 300 - (50 / 150 + 60 / 150) / 2)
    assert bool(r["behind"]) and r["missing"] == ["c"] and r["n_zones"] == 2


def test_provincial_and_zones_by_hand(progress):
    p = _row(progress, "provincial")
    assert p["cum_level"] == 60 and p["cum_growth"] == pytest.approx(0.2)
    assert p["seasonal_share"] == pytest.approx((0.40 + 0.45) / 2)
    assert p["last_year_share"] == pytest.approx(0.45)
    assert pd.isna(p["share_of_target"]) and p["missing"] == ["c"]
    b = _row(progress, "b")
    assert b["cum_growth"] == pytest.approx(0.25) and b["seasonal_share"] == pytest.approx(0.25)
    assert not b["behind"]
    c = _row(progress, "c")  # a stale zone is shown at its own latest month, flagged
    assert c["month"] == 2 and bool(c["behind"])
    assert c["cum_level"] == 5 and c["cum_growth"] == pytest.approx(0.25)
    # the 2016 year total is that year's annual level (within the year): 4 / 60
    assert c["seasonal_share"] == pytest.approx(4 / 60) and c["seasonal_years"] == 1


def test_growth_is_never_taken_from_levels_across_years():
    obs = _obs()
    obs = obs[~((obs["cluster_id"] == "b") & (obs["measure"] == "growth"))]
    out = time_progress(obs, CLUSTERS, TARGETS, 2017, "2017-06", seasonal_years=2)
    assert pd.isna(_row(out, "b")["cum_growth"])  # no published growth: none shown
    assert pd.isna(_row(out, "city")["cum_growth"])  # and no aggregate from a partial set


def test_latest_months_flag_stale_zones():
    latest = latest_months(_obs(), CLUSTERS, 2017, "2017-06")
    zones = zone_latest(latest).set_index("cluster_id")
    assert zones.loc["a", "latest_period"] == "2017-06" and not zones.loc["a", "behind"]
    assert zones.loc["c", "latest_period"] == "2017-02" and zones.loc["c", "behind"]
    names = dict(zip(CLUSTERS["cluster_id"], CLUSTERS["name_zh"], strict=True))
    text = format_latest(zone_latest(latest), "2017-06", "zh", names)
    assert "1个集聚区数据落后于2017-06" in text and "丙区截至2017-02" in text
    en = format_latest(zone_latest(latest), "2017-06", "en")
    assert "c through 2017-02" in en
    # data after the vintage are not seen: as of 2017-02 everyone with Jan-Feb is current
    early = zone_latest(latest_months(_obs(), CLUSTERS, 2017, "2017-02")).set_index("cluster_id")
    assert early.loc["c", "latest_period"] == "2017-02" and not early.loc["c", "behind"]
    assert early.loc["a", "latest_period"] is None and early.loc["a", "behind"]


def test_text_and_records(progress):
    text = format_progress(progress, "zh", {"a": "甲区", "b": "乙园", "c": "丙区"})
    assert "序时进度" in text and "26.7%" in text and "36.7%" in text
    assert "慢10.0个百分点" in text and "2017-02（滞后）" in text
    assert "缺1个集聚区" in text
    en = format_progress(progress, "en")
    assert "Time progress" in en and "behind 10.0 pt" in en and "(stale)" in en
    recs = progress_records(progress)
    city = next(r for r in recs if r["scope"] == "city")
    assert city["share_of_target"] == pytest.approx(0.266667) and city["missing"] == ["c"]
    import json

    json.dumps(recs)  # JSON-ready


def test_subset_totals_are_not_judged_against_city_targets(capsys):
    """attain --clusters: the totals cover only those zones, so no share of 2800亿元."""
    import json
    from pathlib import Path

    from zzforecast.cli import main

    root = Path(__file__).resolve().parents[1]
    assert main(["attain", "--as-of", "2017-07", "--n-paths", "50", "--clusters",
                 "airport,xinmi", "--format", "json", "--data", str(root / "data"),
                 "--params", str(root / "params")]) == 0
    doc = json.loads(capsys.readouterr().out)
    city = [r for r in doc["progress"] if r["scope"] == "city"]
    assert city and all(r["share_of_target"] is None for r in city)
    assert {r["scope"] for r in doc["progress"]} == {"city", "provincial", "airport", "xinmi"}
