"""The plan-consistency audit: arithmetic against hand-computed figures, and the command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from zzforecast.assess.audit import audit_plan, render_text, to_json
from zzforecast.cli import main
from zzforecast.data.targets import load_targets

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def targets():
    return load_targets(ROOT / "params" / "plans" / "2017" / "targets.yaml")


@pytest.fixture(scope="module")
def findings(targets):
    return {f.id: f for f in audit_plan(targets)}


def test_employment_conflict(findings):
    f = findings["employment_conflict"]
    assert f.kind == "conflict"
    assert {f.numbers["target_a"], f.numbers["target_b"]} == {92, 90}
    assert f.numbers["difference"] == 2
    assert "92" in f.text["zh"] and "90" in f.text["zh"]


def test_fai_implied_base(findings):
    n = findings["fai_implied_base"].numbers
    assert n["implied_base"] == pytest.approx(2477.876, abs=1e-3)
    assert n["implied_base_low"] == pytest.approx(2800 / 1.135)
    assert n["implied_base_high"] == pytest.approx(2800 / 1.125)
    assert "2477.9" in findings["fai_implied_base"].text["en"]


def test_iav_deflator_table(findings):
    f = findings["iav_implied_base_deflator"]
    table = {round(r["deflator"], 2): r for r in f.table}
    assert table[0.0]["implied_base"] == pytest.approx(1454.545, abs=1e-3)
    assert table[-0.02]["implied_base"] == pytest.approx(1600 / (1.1 * 0.98))
    assert table[0.05]["implied_base"] == pytest.approx(1600 / (1.1 * 1.05))
    assert table[0.05]["nominal_growth"] == pytest.approx(1.1 * 1.05 - 1)
    bases = [r["implied_base"] for r in f.table]
    assert bases == sorted(bases, reverse=True)


@pytest.mark.parametrize("fid, city, prov", [("fai_park_growth", 0.13, 0.14),
                                              ("iav_park_growth", 0.10, 0.12)])
def test_park_growth_tables(findings, fid, city, prov):
    f = findings[fid]
    shares = [r["provincial_share"] for r in f.table]
    assert shares[0] == pytest.approx(0.60) and shares[-1] == pytest.approx(0.95)
    for r in f.table:
        s = r["provincial_share"]
        assert r["park_growth"] == pytest.approx((city - s * prov) / (1 - s))
        assert r["park_growth_city_low"] == pytest.approx((city - 0.005 - s * prov) / (1 - s))
    assert f.numbers["breakeven_share"] == pytest.approx(city / prov)
    # hand-computed: FAI at 80% -> 9.0%; IAV at 80% -> 2.0%
    at80 = next(r for r in f.table if abs(r["provincial_share"] - 0.8) < 1e-9)
    assert at80["park_growth"] == pytest.approx({"fai_park_growth": 0.09,
                                                 "iav_park_growth": 0.02}[fid])


def test_revenue_sum(findings):
    n = findings["revenue_industry_sum"].numbers
    assert n["industry_sum"] == 3500 + 1600 + 1500 + 1000 + 120 + 200 + 100 + 100 + 120 == 8240
    assert n["remainder"] == 260 and n["n_industries"] == 9
    assert n["sum_share_of_total"] == pytest.approx(8240 / 8500)
    text = findings["revenue_industry_sum"].text["en"]
    assert "overlap" in text and "cannot" in text


def test_data_share_enters_the_table(targets):
    clusters = pd.DataFrame({"cluster_id": ["a", "b", "c"],
                             "level": ["provincial", "provincial", "municipal"],
                             "star_target": [6, None, None]})
    obs = pd.DataFrame({"cluster_id": ["a", "b", "c"], "indicator": "fai", "measure": "level",
                        "frequency": "annual", "period": "2016", "value": [60.0, 20.0, 20.0],
                        "synthetic": False})
    out = {f.id: f for f in audit_plan(targets, clusters, obs)}
    f = out["fai_park_growth"]
    assert f.numbers["data_share"] == pytest.approx(0.8)
    assert f.numbers["data_park_growth"] == pytest.approx(0.09)
    assert sum(r["from_data"] for r in f.table) == 1
    assert out["fai_implied_base"].numbers["data_base"] == 100.0
    assert "合成" not in out["fai_park_growth"].text["zh"]  # real data are not flagged
    assert out["star_coverage"].numbers["provincial_without_star_target"] == ["b"]


def test_projects_finding(targets):
    projects = pd.DataFrame({"status": ["new", "new", "completed"], "year": 2017,
                             "planned_investment": [10.0, 18.0, 0.0]})
    f = {x.id: x for x in audit_plan(targets, projects=projects)}["major_projects"]
    assert f.numbers["new_starts_target"] == 60 and f.numbers["signed_target"] == 80
    assert f.numbers["data_new"] == 2 and f.numbers["data_completed"] == 1
    assert f.numbers["data_planned_share_of_fai_target"] == pytest.approx(28 / 2800)


def test_render_and_json_carry_the_same_numbers(findings):
    fs = list(findings.values())
    zh, en = render_text(fs, "zh", synthetic=True), render_text(fs, "en", synthetic=True)
    assert "合成" in zh and "SYNTHETIC" in en and "1454.5" in zh and "1454.5" in en
    doc = json.loads(to_json(fs, "en"))
    ids = [f["id"] for f in doc["findings"]]
    assert ids == [f.id for f in fs]
    fai = doc["findings"][ids.index("fai_implied_base")]
    assert fai["numbers"]["implied_base"] == pytest.approx(2477.876106)
    with pytest.raises(ValueError):
        render_text(fs, "fr")


def test_cli_zh_en_json(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["audit"]) == 0
    zh = capsys.readouterr().out
    assert "方案一致性核查" in zh and "合成演示数据" in zh
    assert main(["audit", "--lang", "en"]) == 0
    en = capsys.readouterr().out
    assert "Plan consistency audit" in en and "SYNTHETIC" in en
    assert main(["audit", "--format", "json", "--lang", "en"]) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert doc["synthetic_data"] is True
    by = {f["id"]: f for f in doc["findings"]}
    share = by["fai_park_growth"]["numbers"]["data_share"]
    assert f"{share * 100:.1f}%" in en and f"{share * 100:.1f}%" in zh
    assert main(["audit", "--format", "json", "--no-data"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["synthetic_data"] is False
    assert "data_share" not in {f["id"]: f for f in doc["findings"]}["fai_park_growth"]["numbers"]


def test_cli_bad_input_exits_2(tmp_path, capsys):
    (tmp_path / "plans" / "2017").mkdir(parents=True)
    (tmp_path / "plans" / "2017" / "targets.yaml").write_text("targets:\n  - id: x\n",
                                                              encoding="utf-8")
    assert main(["audit", "--params", str(tmp_path), "--no-data"]) == 2
    err = capsys.readouterr().err
    assert "targets.yaml" in err and "missing" in err and "Traceback" not in err
    assert main(["audit", "--params", str(tmp_path / "nowhere")]) == 2


def test_module_entry_point():
    proc = subprocess.run([sys.executable, "-m", "zzforecast", "audit", "--format", "json",
                           "--no-data"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["findings"]
