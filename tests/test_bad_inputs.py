"""Bad inputs through the real command line: exit 2, one line naming file/row/field, no traceback.

Each case copies the small valid fixture set (tests/fixtures/valid), breaks one thing, runs
``zzforecast validate --data <tmp>/data --params <tmp>/params`` and checks the message.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from zzforecast.cli import main

VALID = Path(__file__).resolve().parent / "fixtures" / "valid"


# --------------------------------------------------------------------------- helpers

def _read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _write(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))


def find_row(path: Path, **criteria: str) -> int:
    """File row number (header = 1) of the first record matching all criteria."""
    rows = _read(path)
    header = rows[0]
    for number, record in enumerate(rows[1:], start=2):
        if all(record[header.index(k)] == v for k, v in criteria.items()):
            return number
    raise AssertionError(f"no row matches {criteria}")


def set_cell(path: Path, row: int, column: str, value: str) -> int:
    rows = _read(path)
    rows[row - 1][rows[0].index(column)] = value
    _write(path, rows)
    return row


def get_cell(path: Path, row: int, column: str) -> str:
    rows = _read(path)
    return rows[row - 1][rows[0].index(column)]


def run_validate(root: Path, capsys, *extra: str) -> tuple[int, str, str]:
    code = main(["validate", "--data", str(root / "data"), "--params", str(root / "params"),
                 *extra])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    shutil.copytree(VALID, tmp_path / "set")
    return tmp_path / "set"


def obs(root: Path) -> Path:
    return root / "data" / "observations.csv"


def clusters(root: Path) -> Path:
    return root / "data" / "clusters.csv"


def projects(root: Path) -> Path:
    return root / "data" / "projects.csv"


def ctargets(root: Path) -> Path:
    return root / "params" / "plans" / "2017" / "cluster_targets.csv"


def yaml_file(root: Path) -> Path:
    return root / "params" / "plans" / "2017" / "targets.yaml"


def monthly_level(root: Path, period: str = "2017-05", indicator: str = "fai") -> int:
    return find_row(obs(root), cluster_id="airport", indicator=indicator, measure="level",
                    frequency="monthly_ytd", period=period)


def annual_growth(root: Path) -> int:
    return find_row(obs(root), cluster_id="xingyang", indicator="fai", measure="growth",
                    frequency="annual", period="2014")


# --------------------------------------------------------------------------- cases
# Each case breaks the copy and returns (file, row or None, field or None, words in message).

def drop_column(root):
    rows = [r[:6] + r[7:] for r in _read(obs(root))]  # drop "unit"
    _write(obs(root), rows)
    return obs(root), 1, "unit", "missing column"


def extra_column(root):
    rows = _read(obs(root))
    rows = [r + (["note"] if i == 0 else ["x"]) for i, r in enumerate(rows)]
    _write(obs(root), rows)
    return obs(root), 1, "note", "unexpected column"


def unknown_cluster(root):
    row = set_cell(obs(root), 7, "cluster_id", "zhengdong")
    return obs(root), row, "cluster_id", "unknown cluster 'zhengdong'"


def unsafe_cluster_id_in_observations(root):
    row = set_cell(obs(root), 5, "cluster_id", "../Airport")
    return obs(root), row, "cluster_id", "not allowed"


def unknown_indicator(root):
    row = set_cell(obs(root), 9, "indicator", "gdp")
    return obs(root), row, "indicator", "unknown indicator 'gdp'"


def unknown_measure(root):
    row = set_cell(obs(root), 9, "measure", "ratio")
    return obs(root), row, "measure", "unknown measure 'ratio'"


def unknown_frequency(root):
    row = set_cell(obs(root), 9, "frequency", "quarterly")
    return obs(root), row, "frequency", "unknown frequency 'quarterly'"


def unit_mismatch(root):
    row = monthly_level(root)
    value = float(get_cell(obs(root), row, "value"))
    set_cell(obs(root), row, "value", f"{value * 1e4:.2f}")
    set_cell(obs(root), row, "unit", "万元")
    return obs(root), row, "unit", "differs from '亿元'"


def january_row(root):
    row = set_cell(obs(root), monthly_level(root, "2017-02"), "period", "2017-01")
    return obs(root), row, "period", "first monthly release is January–February (YYYY-02)"


def cumulative_falls(root):
    row = monthly_level(root, "2017-05")
    before = float(get_cell(obs(root), monthly_level(root, "2017-04"), "value"))
    set_cell(obs(root), row, "value", f"{before * 0.9:.4f}")
    return obs(root), row, "value", "cannot fall within a year"


def duplicate_period(root):
    rows = _read(obs(root))
    rows.append(list(rows[3]))
    _write(obs(root), rows)
    return obs(root), len(rows), "period", "duplicate period"


def non_numeric(root):
    row = set_cell(obs(root), 2, "value", "about 500")
    return obs(root), row, "value", "not a number"


def thousands_separator(root):
    row = set_cell(obs(root), 2, "value", "1,234.5")
    return obs(root), row, "value", "thousands separators"


def infinite(root):
    row = set_cell(obs(root), 2, "value", "inf")
    return obs(root), row, "value", "infinite"


def negative_level(root):
    row = set_cell(obs(root), 2, "value", "-12.5")
    return obs(root), row, "value", "negative level"


def percent_growth(root):
    row = set_cell(obs(root), annual_growth(root), "value", "13")
    return obs(root), row, "value", "looks like a percent; growth is a fraction, e.g. 0.13"


def percent_sign_growth(root):
    row = set_cell(obs(root), annual_growth(root), "value", "8.3%")
    return obs(root), row, "value", "is a percent"


def growth_below_minus_100(root):
    row = set_cell(obs(root), annual_growth(root), "value", "-1.2")
    return obs(root), row, "value", "below -100%"


def empty_value(root):
    row = set_cell(obs(root), 4, "value", "")
    return obs(root), row, "value", "is empty"


def month_13(root):
    row = set_cell(obs(root), monthly_level(root, "2017-03"), "period", "2017-13")
    return obs(root), row, "period", "impossible month"


def annual_period_with_month(root):
    row = set_cell(obs(root), 2, "period", "2012-12")
    return obs(root), row, "period", "annual period must be a year"


def impossible_vintage(root):
    row = set_cell(obs(root), 2, "vintage", "2013-02-30")
    return obs(root), row, "vintage", "impossible date '2013-02-30'"


def vintage_wrong_format(root):
    row = set_cell(obs(root), 2, "vintage", "2013/02/28")
    return obs(root), row, "vintage", "YYYY-MM-DD"


def vintage_before_period_end(root):
    row = set_cell(obs(root), monthly_level(root, "2017-07"), "vintage", "2017-07-01")
    return obs(root), row, "vintage", "before the end of period 2017-07"


def iav_growth_nominal(root):
    row = find_row(obs(root), cluster_id="huiji", indicator="iav", measure="growth",
                   frequency="annual", period="2015")
    set_cell(obs(root), row, "price_basis", "nominal")
    return obs(root), row, "price_basis", "iav growth is 'real', not 'nominal'"


def unknown_price_basis(root):
    row = set_cell(obs(root), 2, "price_basis", "current")
    return obs(root), row, "price_basis", "unknown price basis 'current'"


def synthetic_flag(root):
    row = set_cell(obs(root), 3, "synthetic", "yes")
    return obs(root), row, "synthetic", "must be true or false, got 'yes'"


def growth_unit_percent(root):
    row = set_cell(obs(root), annual_growth(root), "unit", "%")
    return obs(root), row, "unit", "must be 'fraction'"


def level_unit_of_other_indicator(root):
    row = set_cell(obs(root), 2, "unit", "万人")
    return obs(root), row, "unit", "not a unit of fai"


def truncated_file(root):
    data = obs(root).read_bytes()
    obs(root).write_bytes(data[: len(data) - 30])
    n_rows = data.count(b"\n")
    return obs(root), n_rows, None, "truncated"


def too_many_fields(root):
    text = obs(root).read_text(encoding="utf-8").splitlines()
    text[5] += ",surplus"
    obs(root).write_text("\n".join(text) + "\n", encoding="utf-8")
    return obs(root), 6, None, "12 fields but the header has 11"


def empty_file(root):
    obs(root).write_bytes(b"")
    return obs(root), None, None, "file is empty"


def header_only(root):
    obs(root).write_text(",".join(_read(obs(root))[0]) + "\n", encoding="utf-8")
    return obs(root), None, None, "no data rows"


def undecodable(root):
    data = obs(root).read_bytes().replace(b"test fixture (invented)",
                                          "caf\u00e9 fixture".encode("latin-1"), 1)
    obs(root).write_bytes(data)
    return obs(root), 2, None, "byte 0xe9 at row 2"


def utf16_file(root):
    obs(root).write_bytes(obs(root).read_text(encoding="utf-8").encode("utf-16"))
    return obs(root), None, None, "UTF-16"


def both_csv_and_parquet(root):
    pd.read_csv(obs(root)).to_parquet(root / "data" / "observations.parquet")
    return root / "data" / "observations.parquet", None, None, "keep one"


def truncated_parquet(root):
    path = root / "data" / "observations.parquet"
    pd.read_csv(obs(root)).to_parquet(path)
    obs(root).unlink()
    path.write_bytes(path.read_bytes()[:500])
    return path, None, None, "not a complete Parquet file"


def missing_observations(root):
    obs(root).unlink()
    return obs(root), None, None, "file not found"


def duplicate_cluster(root):
    rows = _read(clusters(root))
    rows.append(list(rows[1]))
    _write(clusters(root), rows)
    return clusters(root), len(rows), "cluster_id", "duplicate cluster id 'airport'"


def unsafe_cluster_id(root):
    row = set_cell(clusters(root), 4, "cluster_id", "Huiji Zone")
    return clusters(root), row, "cluster_id", "become file names"


def bad_cluster_level(root):
    row = set_cell(clusters(root), 3, "level", "county")
    return clusters(root), row, "level", "unknown level 'county'"


def star_goals(root: Path) -> Path:
    return root / "params" / "plans" / "2017" / "star_goals.csv"


def star_out_of_range(root):  # star goals moved from clusters.csv to the plan's star_goals.csv
    row = set_cell(star_goals(root), 2, "star_target", "7")
    return star_goals(root), row, "star_target", "outside 1..6"


def founded_not_year(root):
    row = set_cell(clusters(root), 2, "founded", "二〇一〇")
    return clusters(root), row, "founded", "whole number"


def cluster_without_data(root):
    rows = _read(clusters(root))
    rows.append(["mazhai", "郑州马寨产业集聚区", "Mazhai", "provincial", "二七区", "食品加工",
                 "2010"])  # no star_target column: star goals are the plan's (star_goals.csv)
    _write(clusters(root), rows)
    return clusters(root), len(rows), "cluster_id", "has no rows in observations.csv"


def data_before_founded(root):
    set_cell(clusters(root), 2, "founded", "2014")
    return obs(root), 2, "period", "before the year it was founded"


def project_over_budget(root):
    row = set_cell(projects(root), 2, "planned_investment", "80")
    return projects(root), row, "planned_investment", "exceeds the total investment"


def project_status(root):
    row = set_cell(projects(root), 3, "status", "paused")
    return projects(root), row, "status", "unknown status 'paused'"


def project_dates(root):
    row = set_cell(projects(root), 2, "planned_completion", "2016-12")
    return projects(root), row, "planned_completion", "before the start"


def project_unknown_cluster(root):
    row = set_cell(projects(root), 3, "cluster_id", "gongyi")
    return projects(root), row, "cluster_id", "unknown cluster 'gongyi'"


def cluster_target_percent(root):
    row = set_cell(ctargets(root), 2, "value", "15")
    return ctargets(root), row, "value", "looks like a percent"


def cluster_target_unknown_cluster(root):
    row = set_cell(ctargets(root), 3, "cluster_id", "xinmi")
    return ctargets(root), row, "cluster_id", "unknown cluster 'xinmi'"


def cluster_target_gbk_bad_unit(root):
    path = ctargets(root)
    rows = _read(path)
    rows[3][rows[0].index("unit")] = "万人"
    _write(path, rows, encoding="gbk")
    return path, 4, "unit", "not a unit of iav"


def yaml_python_tag(root):
    text = yaml_file(root).read_text(encoding="utf-8")
    text = text.replace("value: 0.14", "value: !!python/object/apply:os.system ['true']")
    yaml_file(root).write_text(text, encoding="utf-8")
    line = text.splitlines().index("    value: !!python/object/apply:os.system ['true']") + 1
    return yaml_file(root), line, None, "tag '!!python/object/apply:os.system' is not allowed"


def yaml_broken(root):
    text = yaml_file(root).read_text(encoding="utf-8").replace("scope: city", "scope: [city")
    yaml_file(root).write_text(text, encoding="utf-8")
    return yaml_file(root), None, None, "invalid YAML"


def yaml_custom_tag_in_scenario(root):
    path = root / "params" / "scenarios" / "odd.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("name: odd\nshock: !gaussian 0.1\n", encoding="utf-8")
    return path, 2, None, "'!gaussian' is not allowed"


CASES = [
    drop_column, extra_column, unknown_cluster, unsafe_cluster_id_in_observations,
    unknown_indicator, unknown_measure, unknown_frequency, unit_mismatch, january_row,
    cumulative_falls, duplicate_period, non_numeric, thousands_separator, infinite,
    negative_level, percent_growth, percent_sign_growth, growth_below_minus_100, empty_value,
    month_13, annual_period_with_month, impossible_vintage, vintage_wrong_format,
    vintage_before_period_end, iav_growth_nominal, unknown_price_basis, synthetic_flag,
    growth_unit_percent, level_unit_of_other_indicator, truncated_file, too_many_fields,
    empty_file, header_only, undecodable, utf16_file, both_csv_and_parquet, truncated_parquet,
    missing_observations, duplicate_cluster, unsafe_cluster_id, bad_cluster_level,
    star_out_of_range, founded_not_year, cluster_without_data, data_before_founded,
    project_over_budget, project_status, project_dates, project_unknown_cluster,
    cluster_target_percent, cluster_target_unknown_cluster, cluster_target_gbk_bad_unit,
    yaml_python_tag, yaml_broken, yaml_custom_tag_in_scenario,
]


def test_fixture_set_is_valid(root, capsys):
    code, out, err = run_validate(root, capsys)
    assert code == 0, err
    assert "SYNTHETIC" in out
    assert "clusters      3" in out


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_bad_input_exits_2_naming_file_row_field(root, capsys, case):
    file, row, field, needle = case(root)
    code, out, err = run_validate(root, capsys)
    assert code == 2, f"expected exit 2, got {code}; stderr:\n{err}"
    assert "Traceback" not in err + out
    lines = [line for line in err.splitlines() if line.startswith("error: ")]
    assert lines, err
    hits = [line for line in lines if needle in line]
    assert hits, f"no line says {needle!r}:\n{err}"
    line = hits[0]
    assert str(file) in line, line
    if row is not None:
        assert f"row {row}" in line, line
    if field is not None:
        assert f"field '{field}'" in line, line


def test_all_problems_of_a_file_are_listed(root, capsys):
    """Several mistakes in one file: each one reported, not just the first."""
    set_cell(obs(root), 2, "value", "abc")
    set_cell(obs(root), 3, "unit", "%%")
    set_cell(obs(root), 4, "synthetic", "maybe")
    set_cell(clusters(root), 3, "level", "city")
    code, _, err = run_validate(root, capsys)
    assert code == 2
    for needle in ("row 2, field 'value'", "row 3, field 'unit'", "row 4, field 'synthetic'",
                   "clusters.csv, row 3, field 'level'"):
        assert needle in err, err


def test_problem_list_is_capped(root, capsys):
    rows = _read(obs(root))
    column = rows[0].index("synthetic")
    for record in rows[1:]:
        record[column] = "yes"
    _write(obs(root), rows)
    code, _, err = run_validate(root, capsys)
    assert code == 2
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 51
    assert f"... and {len(rows) - 1 - 50} more problems" in errors[-1]


def test_json_format_lists_problems(root, capsys):
    import json

    set_cell(obs(root), 2, "value", "abc")
    code, out, _ = run_validate(root, capsys, "--format", "json")
    assert code == 2
    report = json.loads(out)
    assert report["valid"] is False
    assert {"file": str(obs(root)), "row": 2, "field": "value"}.items() <= report["problems"][0].items()


def test_gbk_encoded_observations_are_read(root, capsys):
    text = obs(root).read_text(encoding="utf-8").replace("test fixture (invented)", "测试数据")
    obs(root).write_bytes(text.encode("gbk"))
    code, out, err = run_validate(root, capsys)
    assert code == 0, err


def test_missing_data_dir_exits_2(tmp_path, capsys):
    code = main(["validate", "--data", str(tmp_path / "nope"), "--params", str(tmp_path)])
    _, err = capsys.readouterr()
    assert code == 2
    assert "data folder not found" in err and "Traceback" not in err


@pytest.mark.parametrize("case", [january_row, yaml_python_tag, truncated_file],
                         ids=["january", "yaml_tag", "truncated"])
def test_bad_input_through_a_subprocess(root, case):
    file, row, field, needle = case(root)
    result = subprocess.run(
        [sys.executable, "-m", "zzforecast", "validate", "--data", str(root / "data"),
         "--params", str(root / "params")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert needle in result.stderr
    assert str(file) in result.stderr


def test_scenario_rules_are_checked_too(root, capsys):
    path = root / "params" / "scenarios" / "odd.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("name: something_else\n", encoding="utf-8")
    code, _, err = run_validate(root, capsys)
    assert code == 2
    assert "Traceback" not in err
    assert any(str(path) in line for line in err.splitlines() if line.startswith("error: "))


JUNK = ["", " ", "nan", "NULL", "-", "—", "1e400", "-0", "0x1F", "２０１７", "2017-02-29",
        "'; DROP TABLE", "\t", "TRUE", "亿元", "0.13%", "1/3", "[1]", "{}", "é", "\u0000x"]


@pytest.mark.parametrize("seed", range(40))
def test_random_damage_never_crashes(root, capsys, seed):
    """Random cell junk, cut files and flipped bytes: exit 0 or 2, never an internal error."""
    import numpy as np

    rng = np.random.default_rng(seed)
    targets = [obs(root), clusters(root), projects(root), ctargets(root), yaml_file(root)]
    path = targets[int(rng.integers(len(targets)))]
    data = bytearray(path.read_bytes())
    action = int(rng.integers(4))
    if action == 0 and path.suffix == ".csv":
        rows = _read(path)
        r, c = int(rng.integers(len(rows))), int(rng.integers(len(rows[0])))
        rows[r][c] = JUNK[int(rng.integers(len(JUNK)))]
        _write(path, rows)
    elif action == 1:
        path.write_bytes(bytes(data[: int(rng.integers(len(data)))]))
    elif action == 2:
        for _ in range(3):
            data[int(rng.integers(len(data)))] = int(rng.integers(256))
        path.write_bytes(bytes(data))
    else:
        lines = path.read_bytes().splitlines(keepends=True)
        del lines[int(rng.integers(len(lines)))]
        path.write_bytes(b"".join(lines))
    code, out, err = run_validate(root, capsys)
    assert code in (0, 2), err
    assert "Traceback" not in err + out
