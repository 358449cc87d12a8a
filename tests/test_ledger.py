"""The Excel monthly ledger: template, importer and ``validate --ledger``."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from zzforecast.cli import main
from zzforecast.data.ledger import import_ledger
from zzforecast.data.ledger_layout import (
    ANNUAL_HEADERS,
    ANNUAL_SHEET,
    MONTHLY_HEADERS,
    MONTHLY_SHEET,
)
from zzforecast.data.ledger_template import write_ledger_template
from zzforecast.data.loaders import load_clusters, load_observations
from zzforecast.data.schemas import OBSERVATIONS_COLUMNS
from zzforecast.exceptions import DataError

ROOT = Path(__file__).resolve().parents[1]
VALID = Path(__file__).resolve().parent / "fixtures" / "valid"
SOURCE = "郑州市统计局月报"


@pytest.fixture(scope="module")
def clusters() -> pd.DataFrame:
    return load_clusters(VALID / "data" / "clusters.csv")


@pytest.fixture()
def template(tmp_path, clusters) -> Path:
    return write_ledger_template(tmp_path / "ledger.xlsx", clusters)


def good_rows():
    return [
        ["airport", "郑州航空港产业集聚区", "固定资产投资", "2017-02", 120.5, 8.3, "亿元", "现价",
         SOURCE, "2017-03-15"],
        ["airport", None, "固定资产投资", "2017-03", 250.1, 9.1, "亿元", "现价", SOURCE,
         dt.date(2017, 4, 14)],
        ["airport", None, "规模以上工业增加值", dt.datetime(2017, 3, 1), 80, 10.2, "亿元", "可比价",
         SOURCE, "2017-04-14"],
        ["xingyang", None, "iav", "2017年1-3月", 800000, "7.5%", "万元", None, SOURCE,
         "2017年4月14日"],
    ]


def fill(path: Path, rows=None, annual=None, edit=None) -> Path:
    wb = load_workbook(path)
    ws = wb[MONTHLY_SHEET]
    for row in good_rows() if rows is None else rows:
        ws.append(row)
    for row in annual or []:
        wb[ANNUAL_SHEET].append(row)
    if edit is not None:
        edit(wb)
    wb.save(path)
    return path


def problems_of(path: Path, clusters) -> list[str]:
    with pytest.raises(DataError) as info:
        import_ledger(path, clusters)
    return [str(p) for p in info.value.problems]


def test_template_headers_sheets_and_instructions(template):
    wb = load_workbook(template)
    assert wb.sheetnames == [MONTHLY_SHEET, ANNUAL_SHEET, "说明", "集聚区代码"]
    assert tuple(c.value for c in wb[MONTHLY_SHEET][1]) == MONTHLY_HEADERS
    assert tuple(c.value for c in wb[ANNUAL_SHEET][1]) == ANNUAL_HEADERS
    text = "\n".join(str(r[0].value) for r in wb["说明"].iter_rows() if r[0].value)
    assert "YYYY-02" in text and "8.3" in text and "公式" in text
    codes = [r[0].value for r in wb["集聚区代码"].iter_rows(min_row=2)]
    assert codes == ["airport", "xingyang", "huiji"]


def test_committed_template_matches_the_generator(tmp_path):
    committed = load_workbook(ROOT / "data" / "templates" / "monthly_ledger.xlsx")
    fresh = load_workbook(write_ledger_template(
        tmp_path / "t.xlsx", load_clusters(ROOT / "data" / "clusters.csv")))
    assert committed.sheetnames == fresh.sheetnames
    for name in committed.sheetnames:
        a = [[c.value for c in row] for row in committed[name].iter_rows()]
        b = [[c.value for c in row] for row in fresh[name].iter_rows()]
        assert a == b, f"sheet {name} differs: regenerate the template (see its README)"


def test_empty_template_imports_with_a_clear_message(template, clusters):
    messages = problems_of(template, clusters)
    assert any("no data rows" in m for m in messages)


def test_import_converts_percent_units_dates_and_names(template, clusters):
    path = fill(template, annual=[["huiji", None, "固定资产投资", 2016, 35.5, 12, "亿元", "现价",
                                   "统计年鉴", "2017-02-20"]])
    obs = import_ledger(path, clusters)
    assert list(obs.columns) == list(OBSERVATIONS_COLUMNS)
    assert len(obs) == 10
    assert not obs["synthetic"].any()
    growth = obs[obs["measure"] == "growth"].set_index(["cluster_id", "indicator", "period"])
    assert growth.loc[("airport", "fai", "2017-02"), "value"] == pytest.approx(0.083)
    assert growth.loc[("xingyang", "iav", "2017-03"), "value"] == pytest.approx(0.075)
    assert growth.loc[("airport", "iav", "2017-03"), "price_basis"] == "real"
    assert growth.loc[("xingyang", "iav", "2017-03"), "price_basis"] == "real"  # default
    level = obs[obs["measure"] == "level"].set_index(["cluster_id", "indicator", "period"])
    assert level.loc[("xingyang", "iav", "2017-03"), "value"] == pytest.approx(80.0)  # 万元
    assert level.loc[("xingyang", "iav", "2017-03"), "unit"] == "亿元"
    assert level.loc[("huiji", "fai", "2016"), "frequency"] == "annual"
    assert set(obs["vintage"]) == {"2017-03-15", "2017-04-14", "2017-02-20"}


def test_excel_percent_formatted_cell_is_read_as_shown(template, clusters):
    def percent_cell(wb):
        cell = wb[MONTHLY_SHEET]["F2"]
        cell.value = 0.083
        cell.number_format = "0.0%"

    obs = import_ledger(fill(template, edit=percent_cell), clusters)
    value = obs[(obs["measure"] == "growth") & (obs["period"] == "2017-02")]["value"].iloc[0]
    assert value == pytest.approx(0.083)


def _edit_cell(ref, value):
    def edit(wb):
        wb[MONTHLY_SHEET][ref] = value
    return edit


BAD = {
    "formula": (_edit_cell("E3", "=E2*2"), 3, "1-当月累计值", "formula '=E2*2'"),
    "text_in_number": (_edit_cell("E2", "约120"), 2, "1-当月累计值", "text '约120' in a number cell"),
    "text_in_growth": (_edit_cell("F3", "同比增长"), 3, "累计增速(%)", "in a number cell"),
    "error_value": (_edit_cell("E3", "#DIV/0!"), 3, "1-当月累计值", "Excel error value '#DIV/0!'"),
    "merged": (lambda wb: wb[MONTHLY_SHEET].merge_cells("A2:A3"), 2, "集聚区代码", "merged cells A2:A3"),
    "january": (_edit_cell("D2", "2017-01"), 2, "月份", "January–February (YYYY-02)"),
    "unknown_indicator": (_edit_cell("C2", "GDP"), 2, "指标", "unknown indicator 'GDP'"),
    "unknown_cluster": (_edit_cell("A2", "zhengdong"), 2, "集聚区代码", "unknown cluster 'zhengdong'"),
    "name_for_code": (_edit_cell("A2", "荥阳市产业集聚区"), 2, "集聚区代码", "enter its code 'xingyang'"),
    "name_mismatch": (_edit_cell("B2", "荥阳市产业集聚区"), 2, "集聚区名称", "does not match code 'airport'"),
    "basis": (_edit_cell("H4", "现价"), 4, "价格口径", "iav growth is 'real', not 'nominal'"),
    "basis_unknown": (_edit_cell("H2", "美元"), 2, "价格口径", "unknown price basis '美元'"),
    "bad_unit": (_edit_cell("G2", "万人"), 2, "单位", "not a unit of fai"),
    "falls": (_edit_cell("E3", 100), 3, "1-当月累计值", "cannot fall within a year"),
    "huge_growth": (_edit_cell("F2", 180), 2, "累计增速(%)", "this column is in percent"),
    "bad_vintage": (_edit_cell("J2", "2017-02-30"), 2, "发布日期", "impossible date"),
    "empty_source": (_edit_cell("I2", None), 2, "数据来源", "is empty"),
    "nothing_filled": (lambda wb: (_edit_cell("E2", None)(wb), _edit_cell("F2", None)(wb)), 2,
                       "1-当月累计值", "neither"),
    "renamed_header": (_edit_cell("E1", "累计值"), 1, "累计值", "unexpected column"),
    "repeated_header": (lambda wb: wb[MONTHLY_SHEET].insert_rows(2) or [
        wb[MONTHLY_SHEET].cell(row=2, column=i + 1, value=h) for i, h in enumerate(MONTHLY_HEADERS)],
        2, None, "repeats the header"),
    "extra_header_row": (lambda wb: wb[MONTHLY_SHEET].insert_rows(1), 2, None,
                         "header must be in row 1"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_ledger_names_sheet_row_and_header(template, clusters, name):
    edit, row, header, needle = BAD[name]
    path = fill(template, edit=edit)
    messages = problems_of(path, clusters)
    hits = [m for m in messages if needle in m]
    assert hits, messages
    assert f"[sheet {MONTHLY_SHEET}]" in hits[0]
    assert f"row {row}" in hits[0]
    if header:
        assert f"field '{header}'" in hits[0]


def test_renamed_sheet(template, clusters):
    def rename(wb):
        wb[MONTHLY_SHEET].title = "Sheet1"
    messages = problems_of(fill(template, edit=rename), clusters)
    assert any("unknown sheet 'Sheet1' (renamed?)" in m for m in messages)


def test_fractions_typed_into_the_percent_column(template, clusters):
    rows = good_rows()
    rows[0][5], rows[1][5], rows[2][5], rows[3][5] = 0.083, 0.091, 0.102, 0.075
    messages = problems_of(fill(template, rows=rows), clusters)
    assert any("did you enter fractions" in m for m in messages)


def test_not_a_workbook(tmp_path, clusters):
    bad = tmp_path / "x.xlsx"
    bad.write_bytes(b"not a zip")
    assert "not an .xlsx workbook" in problems_of(bad, clusters)[0]
    old = tmp_path / "x.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    assert "save it as .xlsx" in problems_of(old, clusters)[0]
    assert "file not found" in problems_of(tmp_path / "none.xlsx", clusters)[0]


def test_cli_ledger_round_trip_and_refusal_to_overwrite(template, tmp_path, capsys):
    data = tmp_path / "data"
    shutil.copytree(VALID / "data", data)
    path = fill(template)
    out = tmp_path / "observations_from_ledger.csv"
    args = ["validate", "--data", str(data), "--ledger", str(path), "--write-observations",
            str(out)]
    assert main(args) == 0
    written = load_observations(out, load_clusters(data / "clusters.csv"))
    assert len(written) == 8 and not written["synthetic"].any()
    capsys.readouterr()
    assert main(args) == 2
    assert "--force" in capsys.readouterr().err
    assert main([*args, "--force"]) == 0


def test_cli_bad_ledger_exits_2_without_traceback(template, tmp_path, capsys):
    path = fill(template, edit=_edit_cell("E3", "=SUM(E2:E2)"))
    code = main(["validate", "--data", str(VALID / "data"), "--ledger", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    assert f"{path} [sheet {MONTHLY_SHEET}], row 3, field '1-当月累计值': formula" in err


def test_cli_writes_a_template(tmp_path, capsys):
    out = tmp_path / "t.xlsx"
    assert main(["validate", "--data", str(VALID / "data"), "--ledger-template", str(out)]) == 0
    assert load_workbook(out).sheetnames[0] == MONTHLY_SHEET
    assert main(["validate", "--data", str(VALID / "data"), "--ledger-template", str(out)]) == 2
