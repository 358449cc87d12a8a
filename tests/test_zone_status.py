"""Zone status is dated (level since status_since, previous_level before): 金岱 is a park."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from zzforecast.data.loaders import levels_in_year, load_clusters
from zzforecast.exceptions import DataError

ROOT = Path(__file__).resolve().parents[1]
HEAD = ("cluster_id,name_zh,name_en,level,county,lead_industries,star_target,founded,"
        "status_since,previous_level,status_source\n")


def _write(tmp_path, *lines, head=HEAD):
    path = tmp_path / "clusters.csv"
    path.write_text(head + "".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_bundled_registry_jindai_is_a_municipal_park_since_2014():
    reg = load_clusters(ROOT / "data" / "clusters.csv")
    jindai = reg.set_index("cluster_id").loc["jindai"]
    assert jindai["level"] == "municipal" and jindai["status_since"] == 2014
    assert jindai["previous_level"] == "provincial" and "2014" in jindai["status_source"]
    assert (reg["level"] == "provincial").sum() == 11  # 11 provincial clusters (2016)
    assert levels_in_year(reg, 2013)["jindai"] == "provincial"
    assert levels_in_year(reg, 2014)["jindai"] == "municipal"
    assert levels_in_year(reg, 2017)["jindai"] == "municipal"
    assert levels_in_year(reg, 2012)["airport"] == "provincial"  # no change: always level


def test_old_registries_without_status_columns_still_load(tmp_path):
    old = HEAD.split(",status_since")[0] + "\n"
    path = _write(tmp_path, "a,甲,A,provincial,县,装备制造,2,2010", head=old)
    reg = load_clusters(path)
    assert pd.isna(reg["status_since"].iloc[0]) and reg["previous_level"].iloc[0] == ""
    assert levels_in_year(reg, 2001) == {"a": "provincial"}


@pytest.mark.parametrize("line, field, words", [
    ("a,甲,A,municipal,县,装备,,2010,2014,municipal,x", "previous_level", "same as 'level'"),
    ("a,甲,A,municipal,县,装备,,2010,,provincial,x", "status_since", "is blank"),
    ("a,甲,A,municipal,县,装备,,2010,20x4,provincial,x", "status_since", "whole number"),
    ("a,甲,A,municipal,县,装备,,2010,2014,national,x", "previous_level", "national"),
])
def test_bad_status_names_file_row_field(tmp_path, line, field, words):
    path = _write(tmp_path, "b,乙,B,provincial,县,装备,,2010,,,", line)
    with pytest.raises(DataError) as info:
        load_clusters(path)
    message = str(info.value)
    assert "clusters.csv" in message and "row 3" in message
    assert f"'{field}'" in message and words in message


def test_derived_park_targets_follow_the_status():
    """With 金岱 among the parks, their derived FAI growth is about +4.0% (was +0.08%)."""
    from zzforecast.data.bundle import load_bundle
    from zzforecast.data.targets import derive_cluster_targets, provincial_share

    bundle = load_bundle(ROOT / "data", ROOT / "params")
    table = derive_cluster_targets(bundle.targets, bundle.clusters, bundle.observations, 2017)
    fai = table[table["indicator"] == "fai"].set_index("cluster_id")["value"]
    assert fai["jindai"] == fai["huiji"] == pytest.approx(0.0401, abs=1e-4)
    assert fai["airport"] == pytest.approx(0.14)
    share = provincial_share(bundle.observations, bundle.clusters, "fai", 2016)
    # by hand: g_park = (0.13 - s * 0.14) / (1 - s)
    assert fai["huiji"] == pytest.approx((0.13 - share * 0.14) / (1 - share), abs=1e-4)
    # in 2013 金岱 was still provincial: its level counts in the provincial share then
    obs = bundle.observations
    y13 = obs[(obs["indicator"] == "fai") & (obs["measure"] == "level")
              & (obs["frequency"] == "annual") & (obs["period"].astype(str) == "2013")]
    levels = y13.set_index("cluster_id")["value"]
    parks = ["huiji", "new_materials_park", "dengfeng_high_tech"]
    expected = 1 - levels.reindex(parks).fillna(0).sum() / levels.sum()
    assert provincial_share(obs, bundle.clusters, "fai", 2013) == pytest.approx(expected)
    # and the committed derived table is the generator's output for the dated registry
    committed = bundle.cluster_targets.set_index(["cluster_id", "indicator"])["value"]
    assert committed[("jindai", "fai")] == pytest.approx(0.0401, abs=1e-4)
