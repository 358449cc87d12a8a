"""Published city / provincial totals: validated, shown beside the sum of the zones."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from zzforecast.cli import main
from zzforecast.data.published import read_published_totals
from zzforecast.exceptions import DataError

ROOT = Path(__file__).resolve().parents[1]
HEADER = "scope,indicator,measure,frequency,period,value,unit,price_basis,source,vintage,note\n"
GOOD = (HEADER
        + "city,fai,level,monthly_ytd,2017-07,1500,亿元,nominal,test bulletin,2017-08-15,\n"
        + "city,fai,growth,monthly_ytd,2017-07,0.125,fraction,nominal,test bulletin,2017-08-15,\n"
        + "provincial,fai,level,monthly_ytd,2017-07,14000000,万元,,test bulletin,2017-08-15,\n")


@pytest.fixture()
def data_dir(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("clusters.csv", "observations.csv", "projects.csv"):
        shutil.copy(ROOT / "data" / name, folder / name)
    return folder


def test_reader_converts_units(tmp_path):
    path = tmp_path / "published_totals.csv"
    path.write_text(GOOD, encoding="utf-8")
    frame = read_published_totals(path)
    assert list(frame["value"]) == [1500.0, 0.125, 1400.0]  # 14000000万元 = 1400亿元
    assert set(frame["unit"]) == {"亿元", "fraction"}


@pytest.mark.parametrize("line, row_field, words", [
    ("city,fai,level,monthly_ytd,2017-01,10,亿元,,x,2017-02-15,", "field 'period'", "January"),
    ("city,iav,growth,monthly_ytd,2017-07,9.5,fraction,,x,2017-08-15,", "field 'value'",
     "looks like a percent"),
    ("city,iav,growth,monthly_ytd,2017-07,0.09,fraction,nominal,x,2017-08-15,",
     "field 'price_basis'", "published real"),
    ("county,fai,level,monthly_ytd,2017-07,10,亿元,,x,2017-08-15,", "field 'scope'", "county"),
    ("city,fai,level,monthly_ytd,2017-07,ten,亿元,,x,2017-08-15,", "field 'value'",
     "not a number"),
    ("city,fai,level,monthly_ytd,2017-07,10,美元,,x,2017-08-15,", "field 'unit'", "美元"),
    ("city,fai,level,monthly_ytd,2017-07,10,亿元,,x,2017/08/15,", "field 'vintage'", "YYYY-MM-DD"),
    ("city,fai,level,monthly_ytd,2017-07,10,亿元,,,2017-08-15,", "field 'source'", "blank"),
    ("city,fai,level,monthly_ytd,2017-07,1500,亿元,nominal,again,2017-08-15,", "row 5",
     "duplicate of row 2"),
])
def test_bad_rows_name_file_row_field(tmp_path, line, row_field, words):
    path = tmp_path / "published_totals.csv"
    path.write_text(GOOD + line + "\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_published_totals(path)
    message = str(info.value)
    assert "published_totals.csv" in message and "row 5" in message
    assert row_field in message and words in message


def test_unknown_column(tmp_path):
    path = tmp_path / "published_totals.csv"
    path.write_text(GOOD.replace("note", "remark"), encoding="utf-8")
    with pytest.raises(DataError, match="remark"):
        read_published_totals(path)


def test_attain_shows_published_beside_the_sum(capsys, data_dir):
    (data_dir / "published_totals.csv").write_text(GOOD, encoding="utf-8")
    params = str(ROOT / "params")
    args = ["attain", "--as-of", "2017-07", "--n-paths", "200", "--data", str(data_dir),
            "--params", params]
    assert main([*args, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    city = next(r for r in doc["progress"] if r["scope"] == "city" and r["indicator"] == "fai")
    assert city["published_level"] == 1500 and city["published_growth"] == 0.125
    assert city["level_gap"] == pytest.approx(1500 - city["cum_level"], abs=1e-3)
    assert city["growth_gap"] == pytest.approx(0.125 - city["cum_growth"], abs=1e-5)
    prov = next(r for r in doc["progress"] if r["scope"] == "provincial"
                and r["indicator"] == "fai")
    assert prov["published_level"] == 1400 and prov["published_growth"] is None
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "各集聚区合计" in text and "1,500.0" in text
    assert main([*args, "--lang", "en"]) == 0
    assert "sum of zones" in capsys.readouterr().out


def test_bad_published_file_stops_attain_and_validate(capsys, data_dir):
    (data_dir / "published_totals.csv").write_text(
        GOOD + "city,fai,level,monthly_ytd,2017-01,10,亿元,,x,2017-02-15,\n", encoding="utf-8")
    params = str(ROOT / "params")
    for argv in (["attain", "--as-of", "2017-07", "--n-paths", "50"], ["validate"]):
        assert main([*argv, "--data", str(data_dir), "--params", params]) == 2
        err = capsys.readouterr().err
        assert "published_totals.csv, row 5, field 'period'" in err
        assert "Traceback" not in err


def test_no_file_no_columns_filled(capsys):
    assert main(["attain", "--as-of", "2017-07", "--n-paths", "50", "--format", "json",
                 "--data", str(ROOT / "data"), "--params", str(ROOT / "params")]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert all(r["published_level"] is None for r in doc["progress"])
    assert isinstance(pd.DataFrame(doc["progress"]), pd.DataFrame)
