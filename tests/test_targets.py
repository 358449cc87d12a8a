"""The target registry: every target of the plan, checked against the plan text."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from zzforecast.data.targets import (
    GROUP_SCOPES,
    Target,
    cluster_growth_targets,
    derive_cluster_targets,
    implied_park_growth,
    load_targets,
)
from zzforecast.exceptions import ParamsError

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = ROOT / "params" / "plans" / "2017" / "targets.yaml"
PLAN = ROOT.parent / "shared" / "plan" / "zhengzhou-2017-cluster-plan.zh.txt"


@pytest.fixture(scope="module")
def targets() -> list[Target]:
    return load_targets(REGISTRY)


@pytest.fixture(scope="module")
def plan_text() -> str:
    if not PLAN.is_file():
        pytest.skip(f"the plan text {PLAN} is not present (CI has it at ../shared/plan)")
    return re.sub(r"\s+", "", PLAN.read_text(encoding="utf-8"))


def _by_id(targets):
    return {t.id: t for t in targets}


def test_registry_holds_every_target(targets):
    assert len(targets) >= 45
    ids = [t.id for t in targets]
    assert len(ids) == len(set(ids))
    kinds = {t.kind for t in targets}
    assert kinds == {"growth", "level", "count", "share", "date"}
    # the list, one indicator family each
    wanted = ["fai", "iav", "employment", "revenue", "revenue_electronic_information",
              "star_rating", "new_leading_firms", "major_projects_signed",
              "major_projects_started", "major_projects_completed", "infrastructure_investment",
              "rd_expenditure_share_of_iav", "engineering_research_centres_new",
              "industry_university_platforms_new", "provincial_manufacturing_innovation_centres",
              "invention_patent_applications", "innovation_complexes_new", "smart_park_pilots",
              "financing_raised", "academician_workstations_new",
              "leading_and_scarce_talents_recruited", "technical_training",
              "public_rental_housing_units", "resettlement_housing_floor_area",
              "schools_and_kindergartens_started", "medical_institutions_built",
              "coal_boilers_under_20t_closed", "central_and_clean_heating"]
    have = {t.indicator for t in targets}
    assert not [w for w in wanted if w not in have]


def test_quotes_are_in_the_plan_and_contain_the_value(targets, plan_text):
    for t in targets:
        quote = re.sub(r"\s+", "", t.quote)
        assert quote in plan_text, t.id
        if t.kind in ("growth", "share") and t.id != "coal_boilers_closed":
            assert f"{t.value * 100:g}%" in quote, t.id
        elif t.kind in ("level", "count") and t.indicator not in (
                "national_demo_base_bids", "star_rating"):
            assert f"{t.value:g}" in quote, t.id


def test_spot_values(targets):
    t = _by_id(targets)
    assert t["fai_city_level"].value == 2800 and t["fai_city_level"].unit == "亿元"
    assert t["fai_city_growth"].value == pytest.approx(0.13)
    assert t["fai_city_growth"].tolerance == pytest.approx(0.005)
    assert t["fai_provincial_growth"].value == pytest.approx(0.14)
    assert t["fai_provincial_growth"].tolerance is None
    assert t["iav_city_growth"].value == pytest.approx(0.10)
    assert t["iav_provincial_growth"].value == pytest.approx(0.12)
    assert t["revenue_city_level"].value == 8500
    assert t["employment_city_level"].value == 92
    assert t["employment_city_period_end"].value == 90
    assert t["rd_share_of_iav"].value == pytest.approx(0.025)
    assert t["clean_heating_deadline"].value == "2017-10-31"
    assert t["clean_heating_deadline"].comparison == "by"
    assert t["invention_patents"].value == 3000
    industries = [x for x in targets if x.indicator.startswith("revenue_")]
    assert sum(x.value for x in industries) == 8240
    assert all(x.scope in GROUP_SCOPES for x in targets)


def _write(tmp_path, body: str) -> Path:
    path = tmp_path / "t.yaml"
    path.write_text(body, encoding="utf-8")
    return path


_GOOD = """targets:
  - id: a
    indicator: fai
    scope: city
    kind: growth
    value: 0.13
    unit: fraction
    comparison: ">="
    section: 二
    quote: 同比增长 13%左右
"""


def test_minimal_file_loads(tmp_path):
    (t,) = load_targets(_write(tmp_path, _GOOD))
    assert t.value == 0.13 and t.line == 2 and t.tolerance is None


@pytest.mark.parametrize("change, field, words", [
    ("value: 0.13", "value", "percent"),
    ("unit: fraction", "unit", "fraction"),
    ("kind: growth", "kind", "not one of"),
    ("comparison: \">=\"", "comparison", "not one of"),
    ("quote: 同比增长 13%左右", "quote", "missing"),
    ("scope: city", "scope", "neither"),
])
def test_bad_entries_are_named(tmp_path, change, field, words):
    replacement = {"value": "value: 13", "unit": "unit: 亿元", "kind": "kind: rate",
                   "comparison": "comparison: \">>\"", "quote": "quote: \"\"",
                   "scope": "scope: Whole City"}[field]
    body = _GOOD.replace(change, replacement)
    with pytest.raises(ParamsError) as err:
        load_targets(_write(tmp_path, body))
    (problem,) = err.value.problems
    assert problem.field == field and words in problem.message
    assert problem.row == 2 and problem.file.endswith("t.yaml")


def test_unknown_key_duplicate_id_and_wrong_type(tmp_path):
    body = _GOOD + _GOOD.replace("targets:\n", "").replace("    quote:", "    colour: red\n    quote:")
    body += _GOOD.replace("targets:\n", "").replace("value: 0.13", "value: \"0.13\"").replace(
        "id: a", "id: b")
    with pytest.raises(ParamsError) as err:
        load_targets(_write(tmp_path, body))
    messages = {(p.field, p.row): p.message for p in err.value.problems}
    assert any(f == "colour" and "unknown field" in m for (f, _), m in messages.items())
    assert any(f == "value" and "expected a number" in m for (f, _), m in messages.items())
    # the entry with the unknown key repeats id 'a': reported although it is invalid too
    assert any(f == "id" and "duplicate" in m for (f, _), m in messages.items())


def test_duplicate_id(tmp_path):
    body = _GOOD + _GOOD.replace("targets:\n", "")
    with pytest.raises(ParamsError) as err:
        load_targets(_write(tmp_path, body))
    (problem,) = err.value.problems
    assert problem.field == "id" and "duplicate" in problem.message and problem.row == 11


def test_not_a_registry(tmp_path):
    with pytest.raises(ParamsError):
        load_targets(_write(tmp_path, "- 1\n- 2\n"))
    with pytest.raises(ParamsError):
        load_targets(_write(tmp_path, "targets: []\n"))


def test_implied_park_growth_formula():
    assert implied_park_growth(0.13, 0.14, 0.8) == pytest.approx((0.13 - 0.8 * 0.14) / 0.2)
    assert implied_park_growth(0.13, 0.14, 0.13 / 0.14) == pytest.approx(0.0, abs=1e-12)
    assert implied_park_growth(0.10, 0.12, 0.0) == pytest.approx(0.10)
    with pytest.raises(ValueError):
        implied_park_growth(0.1, 0.1, 1.0)


def test_derived_cluster_targets_match_the_bundled_file(targets):
    from zzforecast.data.bundle import load_bundle
    from zzforecast.data.loaders import load_cluster_targets, load_clusters

    clusters = load_clusters(ROOT / "data" / "clusters.csv")
    bundle = load_bundle(ROOT / "data", ROOT / "params")
    derived = derive_cluster_targets(targets, clusters, bundle.observations, 2017)
    stored = load_cluster_targets(ROOT / "params" / "plans" / "2017" / "cluster_targets.csv", clusters)
    assert len(derived) == 2 * len(clusters)
    merged = derived.merge(stored, on=["cluster_id", "indicator"], suffixes=("", "_file"))
    assert len(merged) == len(derived)
    assert (merged["value"] - merged["value_file"]).abs().max() < 1e-4
    assert merged["derived_file"].all()
    prov = merged[merged["cluster_id"].isin(clusters[clusters["level"] == "provincial"]
                                            ["cluster_id"])]
    assert set(prov[prov["indicator"] == "fai"]["value"]) == {0.14}
    assert set(prov[prov["indicator"] == "iav"]["value"]) == {0.12}
    # cluster_growth_targets prefers entered rows over derived ones
    given = bundle.cluster_targets.copy()
    given.loc[given.index[0], ["value", "derived"]] = [0.2, False]
    out = cluster_growth_targets(type("B", (), {
        "targets": targets, "clusters": clusters, "observations": bundle.observations,
        "cluster_targets": given})(), 2017)
    row = out[(out["cluster_id"] == given.iloc[0]["cluster_id"])
              & (out["indicator"] == given.iloc[0]["indicator"])]
    assert len(row) == 1 and row["value"].iloc[0] == 0.2
    assert isinstance(out, pd.DataFrame) and len(out) == 2 * len(clusters)
    # an entered level target is kept beside the derived growth default
    level = given.iloc[[0]].assign(kind="level", value=150.0, unit="亿元", derived=False)
    out = cluster_growth_targets(type("B", (), {
        "targets": targets, "clusters": clusters, "observations": bundle.observations,
        "cluster_targets": pd.concat([given, level])})(), 2017)
    assert len(out) == 2 * len(clusters) + 1
    assert (out["kind"] == "level").sum() == 1
