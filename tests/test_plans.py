"""The plan as data, by year: one validated plan per year under params/plans/<year>/.

Uses the bundled 2017 plan and the made-up two-plan set in tests/fixtures/two_plans
(2017 and 2018 plans sharing target ids with different values; written by
tests/fixtures/make_two_plans.py; every data row synthetic).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from zzforecast.cli import main
from zzforecast.data.bundle import load_bundle
from zzforecast.data.plan import load_plan, plan_years
from zzforecast.data.plan_stars import load_star_rules
from zzforecast.data.schemas import ANNUAL_INDICATORS, INDICATORS, MONTHLY_INDICATORS
from zzforecast.exceptions import DataError, ParamsError, UserError

ROOT = Path(__file__).resolve().parents[1]
TWO = Path(__file__).resolve().parent / "fixtures" / "two_plans"


@pytest.fixture()
def two(tmp_path: Path) -> Path:
    shutil.copytree(TWO, tmp_path / "set")
    return tmp_path / "set"


def _args(root: Path) -> list[str]:
    return ["--data", str(root / "data"), "--params", str(root / "params")]


def _attain_json(root: Path, capsys, *argv: str) -> dict:
    code = main(["attain", *argv, "--n-paths", "300", "--format", "json", *_args(root)])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


# --------------------------------------------------------------------------- registry

def test_indicator_registry_says_which_are_monthly():
    from zzforecast.estimate import engine_inputs

    assert MONTHLY_INDICATORS == ("fai", "iav")
    assert ANNUAL_INDICATORS == ("revenue", "employment")
    assert engine_inputs.MONTHLY_INDICATORS == MONTHLY_INDICATORS
    assert engine_inputs.ANNUAL_INDICATORS == ANNUAL_INDICATORS
    assert INDICATORS["iav"].label("en") == "IAV" and INDICATORS["fai"].label("zh") == "固定资产投资"
    assert INDICATORS["employment"].unit == "万人"


# --------------------------------------------------------------------------- one plan

def test_bundled_plan_is_one_year_with_its_own_files():
    bundle = load_bundle(ROOT / "data", ROOT / "params")
    assert bundle.year == 2017 and plan_years(ROOT / "params") == [2017]
    assert {t.year for t in bundle.targets} == {2017}
    ids = [t.id for t in bundle.targets]
    assert len(ids) == len(set(ids)) == 49
    assert bundle.plan.source("zh") == "2017年郑州市产业集聚区建设专项工作方案（郑政〔2017〕26号）"
    assert bundle.plan.star_rules["assumption"] is True
    stars = bundle.clusters.set_index("cluster_id")["star_target"]
    assert stars["airport"] == 6 and stars["baisha"] == 1 and stars.isna().sum() == 5
    assert bundle.plan.audit.zone_targets_source.en == "annex 3"


@pytest.mark.parametrize("year, fai_growth, star_c01", [(2017, 0.13, 3), (2018, 0.10, 4)])
def test_each_year_loads_its_own_plan(year, fai_growth, star_c01):
    bundle = load_bundle(TWO / "data", TWO / "params", year)
    assert bundle.year == year and {t.year for t in bundle.targets} == {year}
    ids = [t.id for t in bundle.targets]
    assert len(ids) == len(set(ids)) == 4
    assert [t.value for t in bundle.targets if t.id == "fai_city_growth"] == [fai_growth]
    assert bundle.clusters.set_index("cluster_id")["star_target"]["c01"] == star_c01
    assert set(bundle.cluster_targets["year"].dropna()) <= {year}
    assert len(bundle.cluster_targets) == (1 if year == 2018 else 0)


def test_latest_plan_when_no_year_is_given():
    assert load_bundle(TWO / "data", TWO / "params").year == 2018
    assert load_plan(TWO / "params").year == 2018


def test_two_plans_validate(capsys):
    assert main(["validate", "--format", "json", *_args(TWO)]) == 0
    summary = json.loads(capsys.readouterr().out)["summary"]
    assert summary["plans"] == [2017, 2018] and summary["plan_year"] == 2018
    assert summary["synthetic"] is True


def test_each_years_run_assesses_its_own_targets_only(capsys):
    doc17 = _attain_json(TWO, capsys, "--as-of", "2017-07")
    doc18 = _attain_json(TWO, capsys, "--year", "2018", "--as-of", "2018-07")
    got17 = {t["target_id"]: t["target"] for t in doc17["targets"]}
    got18 = {t["target_id"]: t["target"] for t in doc18["targets"]}
    assert doc17["year"] == 2017 and doc18["year"] == 2018
    assert got17 == {"fai_city_growth": 0.13, "fai_provincial_growth": 0.14,
                     "iav_city_growth": 0.10, "iav_provincial_growth": 0.12}
    assert got18 == {"fai_city_growth": 0.10, "fai_provincial_growth": 0.11,
                     "iav_city_growth": 0.08, "revenue_city_level": 9000.0,
                     "c00_fai_growth": 0.12}
    for doc in (doc17, doc18):  # each target once, never a second plan's copy
        ids = [(t["target_id"], t["scope"]) for t in doc["targets"]]
        assert len(ids) == len(set(ids))
    assert {c["cluster_id"]: c["star_target"] for c in doc17["stars"]["clusters"]} == {
        "c00": 6, "c01": 3}
    assert {c["cluster_id"]: c["star_target"] for c in doc18["stars"]["clusters"]} == {
        "c00": 6, "c01": 4, "c02": 2}


def test_assessing_one_years_simulation_against_another_plan_is_refused():
    from zzforecast.assess.attain import assess
    from zzforecast.simulate.engine import simulate

    b17 = load_bundle(TWO / "data", TWO / "params", 2017)
    b18 = load_bundle(TWO / "data", TWO / "params", 2018)
    sim = simulate(b18, 2018, "2018-07", "baseline", n_paths=100, seed=0, keep_monthly=False)
    with pytest.raises(UserError, match="plan of 2017"):
        assess(sim, b17)


# --------------------------------------------------------------------------- errors

def _expect_exit_2(capsys, argv, *words):
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2, (code, err)
    assert "Traceback" not in err + out and "internal error" not in err
    for word in words:
        assert word in err, (word, err)
    return err


def test_duplicate_target_id_is_a_clear_exit_2(two, capsys):
    path = two / "params" / "plans" / "2018" / "targets.yaml"
    text = path.read_text(encoding="utf-8")
    first = text.index("  - id: fai_city_growth")
    entry = text[first:text.index("  - id:", first + 5)]
    path.write_text(text + entry, encoding="utf-8")
    line = text.count("\n") + 1  # the repeated entry starts on the first line after the text
    for argv in (["validate", *_args(two)],
                 ["attain", "--year", "2018", "--as-of", "2018-07", "--n-paths", "50",
                  *_args(two)]):
        err = _expect_exit_2(capsys, argv, str(path), f"row {line}", "field 'id'",
                             "duplicate id 'fai_city_growth'", "first at line")
        assert err.count("duplicate id") == 1  # one line, for the one repeated entry
    # the 2017 plan alone is still fine: a broken 2018 plan does not leak into 2017
    assert load_bundle(two / "data", two / "params", 2017).year == 2017


def test_year_without_a_plan_lists_the_years_available(capsys):
    err = _expect_exit_2(capsys, ["attain", "--year", "2019", "--as-of", "2019-07",
                                  *_args(TWO)], "no plan for 2019", "2017, 2018")
    assert "plans/2019/targets.yaml" in err
    _expect_exit_2(capsys, ["audit", "--year", "2016", "--no-data", "--params",
                            str(TWO / "params")], "no plan for 2016", "2017, 2018")
    with pytest.raises(DataError, match="plans available: 2017, 2018"):
        load_bundle(TWO / "data", TWO / "params", 2016)


def test_a_plan_file_of_another_year_is_refused(two, capsys):
    path = two / "params" / "plans" / "2018" / "targets.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("year: 2018", "year: 2017"),
                    encoding="utf-8")
    _expect_exit_2(capsys, ["validate", *_args(two)], str(path), "field 'year'",
                   "says 2017", "plan of 2018")


def test_star_goals_left_in_the_registry_are_refused(two, capsys):
    path = two / "data" / "clusters.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[0] += ",star_target"
    lines[1:] = [line + ("," if i else ",5") for i, line in enumerate(lines[1:])]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _expect_exit_2(capsys, ["validate", *_args(two)], "clusters.csv", "row 2",
                   "field 'star_target'", "star_goals.csv")


def test_old_layout_is_refused_with_the_move_to_make(two, capsys):
    old = two / "params" / "targets"
    old.mkdir()
    shutil.copy(two / "params" / "plans" / "2017" / "targets.yaml", old / "2017.yaml")
    shutil.copy(two / "params" / "plans" / "2017" / "stars.yaml", two / "params" / "stars.yaml")
    _expect_exit_2(capsys, ["validate", *_args(two)], "2017.yaml", "plans/<year>/targets.yaml",
                   "stars.yaml", "plans/<year>/stars.yaml")


def test_bad_star_goal_names_file_row_field(two, capsys):
    path = two / "params" / "plans" / "2018" / "star_goals.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("c02,2,", "nowhere,2,"),
                    encoding="utf-8")
    _expect_exit_2(capsys, ["validate", *_args(two)], "star_goals.csv", "row 4",
                   "field 'cluster_id'", "nowhere")


def test_params_messages_name_the_line(tmp_path):
    path = tmp_path / "stars.yaml"
    path.write_text("assumption: true\nlevels:\n  1: {revenue_min: 100}\n"
                    "  2:\n    revenue_min: 200\n    colour: red\n", encoding="utf-8")
    with pytest.raises(ParamsError) as info:
        load_star_rules(path)
    (problem,) = info.value.problems
    assert problem.row == 6 and problem.field == "levels.2.colour"
    assert "unknown key; allowed: revenue_min, iav_growth_min, fai_growth_min" in problem.message
    audit = tmp_path / "audit.yaml"
    audit.write_text("price_history:\n  zh: 价格\n  fr: prix\n", encoding="utf-8")
    with pytest.raises(ParamsError) as info:
        load_plan_audit(audit)
    fields = {(p.field, p.row) for p in info.value.problems}
    assert ("price_history.fr", 3) in fields and ("price_history.en", 1) in fields


def load_plan_audit(path):
    from zzforecast.data.plan import load_audit_facts

    return load_audit_facts(path)


# --------------------------------------------------------------------------- audit

def test_audit_names_each_years_document_and_only_its_facts(capsys):
    code = main(["audit", "--year", "2018", "--no-data", "--format", "json", "--params",
                 str(TWO / "params")])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and doc["year"] == 2018
    assert doc["source"] == "2018年测试市产业集聚区工作方案（测试用虚构方案）（测试〔2018〕2号）"
    text = json.dumps(doc, ensure_ascii=False)
    # the 2017 Zhengzhou plan's facts (annex numbers, price history) are not this plan's
    assert "附件3" not in text and "2012–2016" not in text and "郑政" not in text
    code = main(["audit", "--no-data", "--lang", "en", "--params", str(ROOT / "params")])
    out = capsys.readouterr().out
    assert code == 0 and "(郑政〔2017〕26号)" in out and "annex 3" in out


# --------------------------------------------------------------------------- report

@pytest.mark.slow
@pytest.mark.parametrize("year, targets", [(2018, {"c00_fai_growth": 0.12}), (2017, {})])
def test_one_report_per_plan_year(tmp_path, year, targets):
    from report_fixtures import require_kernel

    from zzforecast.batch import run_batch

    require_kernel()
    run_batch(year, f"{year}-07", "baseline", clusters="c00", workers=1, out_dir=tmp_path,
              n_paths=200, seed=1, data_dir=TWO / "data", params_dir=TWO / "params",
              overview=False)
    (sidecar,) = tmp_path.rglob("c00.json")
    doc = json.loads(sidecar.read_text(encoding="utf-8"))
    # the zone's entered target of its own plan year only (2017 has none: derived only)
    assert {t["target_id"]: t["target"] for t in doc["targets"]} == pytest.approx(targets)
    if not targets:
        assert {r["indicator"] for r in doc["no_official_target"]} >= set(MONTHLY_INDICATORS)
    page = (sidecar.parent / "c00.html").read_text(encoding="utf-8")
    assert "合成" in page  # the synthetic label travels into the report
    assert str(year) in sidecar.parent.parts[len(tmp_path.parts)]


def test_targets_header_is_checked_with_its_line(tmp_path):
    from zzforecast.data.plan_targets import load_targets

    entry = ("targets:\n  - id: a\n    indicator: fai\n    scope: city\n    kind: growth\n"
             "    value: 0.1\n    unit: fraction\n    comparison: \">=\"\n    section: 二\n"
             "    quote: 增长 10%\n")
    path = tmp_path / "targets.yaml"
    path.write_text(f"year: 2018\nissued: \"2018-03-01\"\n{entry}", encoding="utf-8")
    (target,) = load_targets(path)
    assert target.year == 2018
    path.write_text(f"year: 2018\nissued: 1 March\ncolour: red\n{entry}", encoding="utf-8")
    with pytest.raises(ParamsError) as info:
        load_targets(path)
    got = {(p.field, p.row): p.message for p in info.value.problems}
    assert "is not a date YYYY-MM-DD" in got[("issued", 2)]
    assert got[("colour", 3)].startswith("unknown key; allowed: plan, title_en, document")
    with pytest.raises(ParamsError, match="says 2018, but the file is the plan of 2019"):
        load_targets(_retext(path, entry), 2019)


def _retext(path: Path, entry: str) -> Path:
    path.write_text(f"year: 2018\n{entry}", encoding="utf-8")
    return path


def test_report_audit_section_quotes_the_plans_facts():
    from zzforecast.report.inputs import load_inputs
    from zzforecast.report.overview import OverviewReport

    inputs = load_inputs(2017, "2017-07", "baseline", n_paths=200, seed=0, compare_n_paths=100,
                         data_dir=ROOT / "data", params_dir=ROOT / "params")
    section = OverviewReport(inputs).audit().data
    assert "园区目标须见附件3" in section and "2012–2016年工业品出厂价格持续下降" in section
