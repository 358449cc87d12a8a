"""Deflators by industry (issue 11 item 3, optional data/deflators.csv)."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from attain_fixtures import FakeBundle, FakeTarget, make_bundle

from zzforecast.assess.attain import assess
from zzforecast.assess.level_bases import deflator_sensitivity, industry_deflators
from zzforecast.data.deflators import read_deflators, zone_deflators
from zzforecast.exceptions import DataError
from zzforecast.simulate.engine import simulate
from zzforecast.simulate.scenarios import load_scenario

ROOT = Path(__file__).resolve().parents[1]
PARAMS = ROOT / "params"
HEADER = "industry,year,mean,sd,source\n"


@dataclasses.dataclass
class _Bundle(FakeBundle):
    deflators: pd.DataFrame | None = None


def _with(bundle, **changes):
    fields = {f.name: getattr(bundle, f.name) for f in dataclasses.fields(FakeBundle)}
    return _Bundle(**{**fields, **changes})


def _write(tmp_path, body: str) -> Path:
    path = tmp_path / "deflators.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_zone_means_from_lead_industries(tmp_path):
    table = read_deflators(_write(tmp_path, "电子信息,2017,-0.01,0.01,x\n装备制造,2017,0.03,,x\n"
                                            "装备制造,2016,0.5,,x\n"))
    clusters = pd.DataFrame({"cluster_id": ["a", "b", "c"],
                             "lead_industries": ["电子信息、装备制造", "装备制造", "食品加工"]})
    zones = zone_deflators(table, clusters, 2017)
    assert zones["a"]["mean"] == pytest.approx(0.01) and zones["b"]["mean"] == 0.03
    assert "c" not in zones  # no listed industry: keeps the scenario's deflator


@pytest.mark.parametrize(("body", "row", "field", "words"), [
    ("电子信息,2017,3,,x\n", 2, "mean", "looks like a percent"),
    ("电子信息,2017,3%,,x\n", 2, "mean", "percent"),
    ("电子信息,17,0.01,,x\n", 2, "year", "not a year"),
    ("电子信息,2017,0.01,-0.1,x\n", 2, "sd", "negative"),
    ("电子信息,2017,0.01,,\n", 2, "source", "empty"),
    ("电子信息,2017,0.01,,x\n电子信息,2017,0.02,,x\n", 3, "industry", "duplicate"),
    ("电子信息,2017,abc,,x\n", 2, "mean", "not a number"),
])
def test_bad_rows_name_file_row_and_field(tmp_path, body, row, field, words):
    path = _write(tmp_path, body)
    with pytest.raises(DataError) as info:
        read_deflators(path)
    problem = info.value.problems[0]
    assert (problem.file, problem.row, problem.field) == (str(path), row, field)
    assert words in problem.message


def test_uniform_industry_prices_equal_the_shifted_assumption():
    base = load_scenario(PARAMS, "baseline")
    bundle = make_bundle(PARAMS, n=4)  # every zone's lead industry: 装备制造
    sim = simulate(bundle, 2017, "2017-07", base, n_paths=2000, seed=6, keep_monthly=False)
    level = sim.total("city").annual[:, sim.indicator_index("iav")]
    target = float(np.quantile(level, 0.6))
    table = pd.DataFrame({"industry": ["装备制造"], "year": [2017],
                          "mean": [base.deflator_mean + 0.02], "sd": [0.01], "source": ["t"]})
    bundle = _with(bundle, deflators=table, targets=[
        FakeTarget("iav_level_city", "iav", "city", "level", target, unit="亿元")])
    assessment = assess(sim, bundle, clusters=False)
    industry = industry_deflators(sim, assessment).iloc[0]
    sens = deflator_sensitivity(sim, assessment).set_index("shift")["p_attain"]
    assert industry["zones_by_industry"] == industry["zones"] == 4
    assert industry["mean_weighted"] == pytest.approx(base.deflator_mean + 0.02)
    assert industry["p_attain"] == pytest.approx(sens[0.02])
    assert industry["p_attain"] > assessment["p_attain"].iloc[0]
    # without the file, nothing is shown
    plain = assess(sim, dataclasses.replace(bundle, deflators=None), clusters=False)
    assert industry_deflators(sim, plain).empty


def test_validate_refuses_a_bad_file_with_exit_2(tmp_path):
    shutil.copytree(ROOT / "data", tmp_path / "data")
    (tmp_path / "data" / "deflators.csv").write_text(HEADER + "电子信息,2017,4,,x\n",
                                                     encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "zzforecast", "validate", "--data",
                          str(tmp_path / "data"), "--params", str(PARAMS)],
                         capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert out.returncode == 2
    assert "deflators.csv, row 2, field 'mean'" in out.stderr and "Traceback" not in out.stderr
