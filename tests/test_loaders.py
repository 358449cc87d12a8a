"""Strict loaders: types, canonical units, bundles, digests and speed."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from zzforecast.data.bundle import Bundle, load_bundle
from zzforecast.data.loaders import (
    load_cluster_targets,
    load_clusters,
    load_observations,
    load_projects,
)
from zzforecast.data.schemas import OBSERVATIONS_COLUMNS
from zzforecast.data.synthetic import bulk_observations
from zzforecast.exceptions import DataError

VALID = Path(__file__).resolve().parent / "fixtures" / "valid"


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    shutil.copytree(VALID, tmp_path / "set")
    return tmp_path / "set"


def test_load_clusters_types(root):
    clusters = load_clusters(root / "data" / "clusters.csv")
    assert clusters["cluster_id"].tolist() == ["airport", "xingyang", "huiji"]
    # star goals moved to the plan (params/plans/2017/star_goals.csv); the bundle's
    # registry carries them
    registry = load_bundle(root / "data", root / "params").clusters
    assert str(registry["star_target"].dtype) == "Int64"
    assert registry["star_target"].isna().tolist() == [False, False, True]
    assert clusters["founded"].dtype == np.int64
    assert clusters.loc[0, "name_zh"] == "郑州航空港产业集聚区"


def test_load_observations_types_and_ds(root):
    obs = load_observations(root / "data" / "observations.csv", ["airport", "xingyang", "huiji"])
    assert list(obs.columns[: len(OBSERVATIONS_COLUMNS)]) == list(OBSERVATIONS_COLUMNS)
    assert obs["synthetic"].dtype == bool
    annual = obs[obs["frequency"] == "annual"]
    monthly = obs[obs["frequency"] == "monthly_ytd"]
    assert all(isinstance(d, int) for d in annual["ds"])
    assert all(isinstance(d, pd.Timestamp) and d.is_month_end for d in monthly["ds"])
    first = monthly.iloc[0]
    assert first["ds"] == pd.Timestamp(f"{first['period']}-01") + pd.offsets.MonthEnd(0)
    assert (obs.loc[obs["measure"] == "growth", "unit"] == "fraction").all()


def test_units_are_converted_explicitly(root):
    path = root / "data" / "observations.csv"
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    before = load_observations(path)
    series = ((raw["cluster_id"] == "huiji") & (raw["indicator"] == "iav")
              & (raw["measure"] == "level"))
    raw.loc[series, "value"] = (raw.loc[series, "value"].astype(float) * 1e4).map(repr)
    raw.loc[series, "unit"] = "万元"
    raw.to_csv(path, index=False)
    after = load_observations(path)
    assert np.allclose(after["value"], before["value"])
    assert (after.loc[series.to_numpy(), "unit"] == "亿元").all()


def test_parquet_reads_like_csv(root):
    csv_path = root / "data" / "observations.csv"
    parquet_path = root / "data" / "observations.parquet"
    raw = pd.read_csv(csv_path, dtype={"period": str})
    raw.to_parquet(parquet_path)  # value float, synthetic bool, period text
    a = load_observations(csv_path)
    b = load_observations(parquet_path)
    pd.testing.assert_frame_equal(a.drop(columns="ds"), b.drop(columns="ds"))
    assert a["ds"].tolist() == b["ds"].tolist()


def test_employment_is_a_stock_and_may_fall(root):
    path = root / "data" / "observations.csv"
    rows = ["cluster_id,indicator,measure,frequency,period,value,unit,price_basis,source,"
            "vintage,synthetic"]
    for month, value in ((2, 5.2), (3, 5.0), (4, 5.1)):
        rows.append(f"airport,employment,level,monthly_ytd,2017-{month:02d},{value},万人,none,t,"
                    f"2017-{month + 1:02d}-20,false")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert len(load_observations(path)) == 3
    path.write_text("\n".join(rows).replace("employment", "fai").replace("万人,none",
                                                                        "亿元,nominal") + "\n")
    with pytest.raises(DataError, match="cannot fall within a year"):
        load_observations(path)


def test_loader_raises_dataerror_listing_every_problem(root):
    path = root / "data" / "projects.csv"
    text = path.read_text(encoding="utf-8").replace("new,", "planned,").replace(",8,", ",-8,")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_projects(path, ["airport", "xingyang"])
    fields = sorted(p.field for p in info.value.problems)
    assert fields == ["planned_investment", "status"]
    assert isinstance(info.value, ValueError)


def test_cluster_targets_year_and_units(root):
    frame = load_cluster_targets(root / "params" / "plans" / "2017" / "cluster_targets.csv")
    assert frame["year"].tolist() == [2017, 2017, 2017]
    huiji = frame[frame["cluster_id"] == "huiji"].iloc[0]
    assert huiji["unit"] == "亿元" and huiji["value"] == pytest.approx(25.0)


def test_bundle_fields_digests_and_helpers(root):
    bundle = load_bundle(root / "data", root / "params")
    assert isinstance(bundle, Bundle)
    assert bundle.cluster_ids == ("airport", "xingyang", "huiji")
    assert bundle.vintage == bundle.observations["vintage"].max()
    assert bundle.synthetic is True
    assert len(bundle.data_digest) == 64 and len(bundle.params_digest) == 64
    with pytest.raises(dataclasses.FrozenInstanceError):
        bundle.synthetic = False
    monthly = bundle.monthly("fai")
    assert list(monthly.columns) == ["unique_id", "ds", "cum_value", "cum_growth"]
    assert monthly["ds"].dt.month.min() == 2  # no January
    annual = bundle.series("iav", "growth")
    assert list(annual.columns) == ["unique_id", "ds", "y"]
    assert annual["y"].abs().max() < 1  # fractions

    # digests depend on content, not on where the project lives
    moved = root.parent / "moved"
    shutil.copytree(root, moved)
    again = load_bundle(moved / "data", moved / "params")
    assert again.data_digest == bundle.data_digest
    assert again.params_digest == bundle.params_digest
    path = moved / "data" / "projects.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",50,", ",51,"), encoding="utf-8")
    assert load_bundle(moved / "data", moved / "params").data_digest != bundle.data_digest


def test_bundle_without_synthetic_rows(root):
    for name in ("observations.csv", "projects.csv"):
        path = root / "data" / name
        path.write_text(path.read_text(encoding="utf-8").replace(",true\n", ",false\n"),
                        encoding="utf-8")
    assert load_bundle(root / "data", root / "params").synthetic is False


def test_load_bundle_collects_problems_of_all_files(root):
    (root / "data" / "projects.csv").write_text("", encoding="utf-8")
    (root / "params" / "plans" / "2017" / "targets.yaml").write_text("targets: !!set {}\n")
    with pytest.raises(DataError) as info:
        load_bundle(root / "data", root / "params")
    files = {Path(p.file).name for p in info.value.problems}
    assert files == {"projects.csv", "targets.yaml"}



@pytest.mark.slow
def test_100k_rows_load_and_cap_the_problem_list(tmp_path):
    # Speed is measured by benchmarks/validate_bench.py, not asserted here.
    frame = bulk_observations(500)
    assert len(frame) >= 100_000
    path = tmp_path / "observations.csv"
    frame.to_csv(path, index=False)
    ids = sorted(frame["cluster_id"].unique())
    obs = load_observations(path, ids)
    assert len(obs) == len(frame)
    # every row bad: the problem list is capped and still quick
    frame["synthetic"] = "yes"
    frame.loc[::2, "unit"] = "万人"
    frame.to_csv(path, index=False)
    with pytest.raises(DataError) as info:
        load_observations(path, ids)
    assert len(info.value.problems) == 51
