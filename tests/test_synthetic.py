"""The synthetic demonstration panel: deterministic, labelled, calibrated."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from zzforecast.data.national_shape import national_fai_shares
from zzforecast.data.public import NATIONAL_FAI_FILE
from zzforecast.data.schemas import OBSERVATIONS_COLUMNS, PROJECTS_COLUMNS
from zzforecast.data.synthetic import generate_observations, write_synthetic
from zzforecast.data.synthetic_checks import calibration_checks, format_calibration
from zzforecast.data.synthetic_design import DEFAULT_SEED
from zzforecast.data.synthetic_projects import NAMED_PROJECTS, generate_projects
from zzforecast.data.tables import read_table

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def national(shared_data):
    return national_fai_shares(shared_data / NATIONAL_FAI_FILE)


@pytest.fixture(scope="module")
def clusters():
    return read_table(ROOT / "data" / "clusters.csv")


@pytest.fixture(scope="module")
def panel(clusters, national):
    return generate_observations(clusters, seed=DEFAULT_SEED, national_shares=national)


def test_national_shares_are_within_year_ratios(national):
    assert list(national.columns) == list(range(2, 13))
    assert np.allclose(national[12], 1.0)
    assert (national.diff(axis=1).iloc[:, 1:] > 0).all().all()
    # FAI is back-loaded: by July well under 7/12 of the year
    assert (national[7] < 7 / 12).all() and (national[2] < 0.1).all()


def test_same_seed_same_frame(clusters, national, panel):
    again = generate_observations(clusters, seed=DEFAULT_SEED, national_shares=national)
    pd.testing.assert_frame_equal(panel, again)
    other = generate_observations(clusters, seed=DEFAULT_SEED + 1, national_shares=national)
    assert not np.allclose(panel["value"].to_numpy()[:500], other["value"].to_numpy()[:500])


def test_bundled_file_is_this_generator_output(panel):
    stored = pd.read_csv(ROOT / "data" / "observations.csv", dtype={"period": str})
    assert len(stored) == len(panel)
    assert np.allclose(stored["value"].to_numpy(), panel["value"].to_numpy())


def test_shape_and_labels(panel, clusters):
    assert list(panel.columns) == list(OBSERVATIONS_COLUMNS)
    assert panel["synthetic"].all()
    assert (panel["source"] == f"synthetic: zzforecast.data.synthetic seed={DEFAULT_SEED}").all()
    assert set(panel["cluster_id"]) == set(clusters["cluster_id"])
    monthly = panel[panel["frequency"] == "monthly_ytd"]
    assert not monthly["period"].str.endswith("-01").any()
    assert monthly["period"].min() == "2011-02" and monthly["period"].max() == "2017-07"
    annual = panel[panel["frequency"] == "annual"]
    assert annual["period"].min() == "2010" and annual["period"].max() == "2016"
    iav = panel[panel["indicator"] == "iav"]
    assert set(iav[iav["measure"] == "growth"]["price_basis"]) == {"real"}
    assert set(iav[iav["measure"] == "level"]["price_basis"]) == {"nominal"}


def test_late_zones_have_short_histories(panel, clusters):
    founded = dict(zip(clusters["cluster_id"], clusters["founded"].astype(int), strict=True))
    annual = panel[(panel["frequency"] == "annual") & (panel["measure"] == "level")]
    first = annual.groupby("cluster_id")["period"].min().astype(int)
    for cid, year in first.items():
        assert year == max(founded[cid], 2010)
    assert (first > 2010).sum() >= 3


def test_december_ytd_equals_annual(panel):
    lv = panel[panel["measure"] == "level"]
    ann = lv[lv["frequency"] == "annual"].set_index(["cluster_id", "indicator", "period"])["value"]
    dec = lv[(lv["frequency"] == "monthly_ytd") & lv["period"].str.endswith("-12")].copy()
    dec["period"] = dec["period"].str.slice(0, 4)
    dec = dec.set_index(["cluster_id", "indicator", "period"])["value"]
    assert np.allclose(dec, ann.loc[dec.index])
    # published growth is not the ratio of published levels (comparable basis)
    g = panel[(panel["frequency"] == "annual") & (panel["measure"] == "growth")
              & (panel["indicator"] == "fai")].set_index(["cluster_id", "period"])["value"]
    fai = ann.xs("fai", level="indicator")
    ratio = pd.Series({k: fai[(k[0], k[1])] / fai[(k[0], str(int(k[1]) - 1))] - 1 for k in g.index})
    assert (ratio - g).abs().max() > 0.005


def test_shocks_are_correlated_across_clusters(panel):
    g = panel[(panel["frequency"] == "annual") & (panel["measure"] == "growth")
              & (panel["indicator"] == "iav")].pivot(index="period", columns="cluster_id",
                                                    values="value").dropna(axis=1)
    assert g.shape[1] >= 10
    # a common city factor: cross-cluster mean moves more than independent noise would
    dev = g.sub(g.mean(axis=1), axis=0)
    assert g.mean(axis=1).std() > dev.std().mean() / np.sqrt(g.shape[1])


def test_calibration(panel, clusters, national):
    projects = generate_projects(clusters)
    checks = calibration_checks(panel, clusters, national, projects).set_index("check")
    assert checks.loc["fai_2016_city_total", "synthetic"] == pytest.approx(2800 / 1.13, abs=0.1)
    assert checks.loc["iav_2016_city_total", "synthetic"] == pytest.approx(1600 / 1.10, abs=0.1)
    assert 0.05 < checks.loc["revenue_growth_needed_for_8500", "synthetic"] < 0.2
    assert 0.0 < checks.loc["employment_growth_needed_for_90", "synthetic"] < \
        checks.loc["employment_growth_needed_for_92", "synthetic"] < 0.15
    assert abs(checks.loc["fai_share_jan_jul_mean", "difference"]) < 0.02
    assert abs(checks.loc["fai_share_jan_feb_mean", "difference"]) < 0.01
    assert checks.loc["fai_share_max_abs_gap", "synthetic"] < 0.05
    assert checks.loc["projects_new", "synthetic"] == 60
    text = format_calibration(checks.reset_index())
    assert "SYNTHETIC" in text and "fai_2016_city_total" in text


def test_projects(clusters):
    p = generate_projects(clusters)
    assert list(p.columns) == list(PROJECTS_COLUMNS)
    pd.testing.assert_frame_equal(p, generate_projects(clusters))
    names = set(p["name_zh"])
    assert all(name in names for name, *_ in NAMED_PROJECTS)
    generated = p[~p["name_zh"].isin([n for n, *_ in NAMED_PROJECTS])]
    assert generated["name_zh"].str.contains("合成示例").all()
    assert (p["planned_start"] < p["planned_completion"]).all()
    assert (p["planned_investment"] <= p["total_investment"]).all()
    assert p["synthetic"].all() and set(p["cluster_id"]) <= set(clusters["cluster_id"])
    done = p[p["status"] == "completed"]
    assert done["planned_completion"].str.startswith("2017").all()
    # planned project spending of a zone stays below half of its 2016 investment
    stored = pd.read_csv(ROOT / "data" / "observations.csv", dtype={"period": str})
    fai = stored[(stored["indicator"] == "fai") & (stored["measure"] == "level")
                 & (stored["period"] == "2016")].set_index("cluster_id")["value"]
    ratio = p.groupby("cluster_id")["planned_investment"].sum() / fai
    assert ratio.max() < 0.55 and 0.2 < p["planned_investment"].sum() / fai.sum() < 0.6


def test_write_synthetic_round_trip(tmp_path, shared_data):
    from zzforecast.data.bundle import load_bundle

    data, params = tmp_path / "data", tmp_path / "params"
    data.mkdir()
    (params / "plans" / "2017").mkdir(parents=True)
    (data / "clusters.csv").write_bytes((ROOT / "data" / "clusters.csv").read_bytes())
    (params / "plans" / "2017" / "targets.yaml").write_bytes(
        (ROOT / "params" / "plans" / "2017" / "targets.yaml").read_bytes())
    checks = write_synthetic(data, DEFAULT_SEED, params, shared_data / NATIONAL_FAI_FILE)
    assert (data / "observations.csv").read_bytes() == (ROOT / "data" / "observations.csv").read_bytes()
    assert (data / "projects.csv").read_bytes() == (ROOT / "data" / "projects.csv").read_bytes()
    assert ((params / "plans" / "2017" / "cluster_targets.csv").read_bytes()
            == (ROOT / "params" / "plans" / "2017" / "cluster_targets.csv").read_bytes())
    bundle = load_bundle(data, params)
    from zzforecast.data.targets import load_targets

    assert bundle.synthetic
    assert len(bundle.targets) == len(load_targets(params / "plans" / "2017" / "targets.yaml"))
    assert len(checks) > 5
    sizes = sum(f.stat().st_size for f in data.iterdir())
    assert sizes < 2_000_000


def test_module_command(tmp_path, shared_data, capsys):
    from zzforecast.data.synthetic import main

    data = tmp_path / "data"
    data.mkdir()
    (data / "clusters.csv").write_bytes((ROOT / "data" / "clusters.csv").read_bytes())
    code = main(["--data", str(data), "--params", "", "--seed", "7",
                 "--national-fai", str(shared_data / NATIONAL_FAI_FILE)])
    assert code == 0
    out = capsys.readouterr().out
    assert "SYNTHETIC" in out and "fai_2016_city_total" in out
    stored = pd.read_csv(data / "observations.csv")
    assert (stored["source"] == "synthetic: zzforecast.data.synthetic seed=7").all()
    assert main(["--data", str(data), "--params", "",
                 "--national-fai", str(tmp_path / "missing.csv")]) == 2
    assert "not found" in capsys.readouterr().err
