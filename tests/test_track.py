"""zzforecast track: P(target) by vintage and a news decomposition that adds up (issue 13)."""

from __future__ import annotations

import json

import pytest


@pytest.fixture(scope="module")
def tracked():
    from zzforecast.assess.track import track
    from zzforecast.data.bundle import load_bundle

    return track(load_bundle(), 2017, "2017-04", n_paths=1000, seed=3)


def test_vintages_and_the_decomposition_adds_up(tracked):
    by = tracked.by_vintage
    assert sorted(by["as_of"].unique()) == ["2017-02", "2017-03", "2017-04"]
    assert set(by["scope"]) <= {"city", "provincial"}
    p = by.set_index(["as_of", "target_id", "scope"])["p_attain"]
    med = by.set_index(["as_of", "target_id", "scope"])["median"]
    d = tracked.decomposition
    zones = set(tracked.zone_order)
    assert {c[6:] for c in d["component"] if c.startswith("news: ")} == zones
    assert {"calendar", "revisions"} <= set(d["component"])
    for (f, t, tid, scope), part in d.groupby(["from_as_of", "to_as_of", "target_id", "scope"]):
        assert part["delta_p"].sum() == pytest.approx(p[(t, tid, scope)] - p[(f, tid, scope)],
                                                      abs=1e-12)
        assert part["delta_median"].sum() == pytest.approx(
            med[(t, tid, scope)] - med[(f, tid, scope)], abs=1e-9)


def test_a_vintage_equals_a_plain_run_with_the_same_seed(tracked):
    from zzforecast.assess.attain import assess
    from zzforecast.data.bundle import load_bundle
    from zzforecast.simulate.engine import simulate

    bundle = load_bundle()
    sim = simulate(bundle, 2017, "2017-03", "baseline", n_paths=1000, seed=3, keep_monthly=False)
    table = assess(sim, bundle, clusters=False).set_index(["target_id", "scope"])
    by = tracked.by_vintage
    row = by[(by["as_of"] == "2017-03") & (by["target_id"] == "fai_city_growth")].iloc[0]
    assert row["p_attain"] == pytest.approx(table.loc[("fai_city_growth", "city"), "p_attain"])


def test_cli_writes_table_decomposition_and_chart(tmp_path, capsys):
    from zzforecast.cli import main

    out = tmp_path / "track"
    assert main(["track", "--year", "2017", "--through", "2017-03", "--n-paths", "500",
                 "--out", str(out), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["synthetic"] is True and doc["through"] == "2017-03"
    assert (out / "track.png").read_bytes()[:4] == b"\x89PNG"
    import pandas as pd

    table = pd.read_csv(out / "track.csv")
    assert {"as_of", "target_id", "p_attain", "median", "data_note"} <= set(table.columns)
    assert main(["track", "--year", "2017", "--through", "2017-03", "--out", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["track", "--year", "2017", "--through", "2017-01", "--out", str(tmp_path / "x")]) == 2
