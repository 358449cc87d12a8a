"""The strict importer of the Excel monthly ledger (月度台账) economists fill in.

The template (``data/templates/monthly_ledger.xlsx``, written by ``ledger_template.py``)
has Chinese headers and two data sheets:

- ``月度台账`` (monthly, year-to-date): 集聚区代码, 集聚区名称, 指标, 月份, 1-当月累计值,
  累计增速(%), 单位, 价格口径, 数据来源, 发布日期;
- ``年度数据`` (annual): the same with 年份, 全年值, 全年增速(%);

plus ``说明`` (instructions) and, when a registry is given, ``集聚区代码`` (the cluster
codes). Growth is entered in **percent** (8.3 for 8.3%), as bulletins print it; the
importer divides by 100 explicitly. A cell formatted as an Excel percentage (it shows
8.3% and stores 0.083) is read as that fraction. ``价格口径`` is the price basis of the
growth rate (工业增加值: 可比价; 投资 and 主营业务收入: 现价); levels are at current prices.

:func:`import_ledger` never evaluates formulas: a formula cell is an error (paste values
instead), as are merged cells, text in number cells, renamed sheets or headers and extra
header rows. Every problem names the sheet, the row and the column header.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import DataError, Problem
from .checks import MAX_PROBLEMS
from .ledger_layout import (
    ANNUAL_SHEET,
    BASIS_NAMES,
    CODES_SHEET,
    INDICATOR_NAMES,
    INSTRUCTIONS_SHEET,
    MONTHLY_SHEET,
    SHEETS,
)
from .observations import check_observations
from .schemas import GROWTH_UNIT, INDICATORS, OBSERVATIONS_COLUMNS

__all__ = ["import_ledger"]

# Bounds of a workbook, checked on the zip before opening it: a ledger of every zone for
# decades is well under 10 MB unpacked, so a file that unpacks to more (a zip bomb, a
# 400 MB cell) is refused instead of taking gigabytes of memory.
MAX_XLSX_UNPACKED = 50_000_000
MAX_XLSX_MEMBERS = 1000
MAX_CELL_TEXT = 1000  # characters of one cell


def _open_workbook(path: Path):
    from openpyxl import load_workbook

    file = str(path)
    if not path.exists():
        raise DataError(Problem(file, None, None, "file not found"))
    if path.suffix.lower() == ".xls":
        raise DataError(Problem(file, None, None, "old .xls workbooks are not read; save it "
                                "as .xlsx (Excel: Save As > Excel Workbook)"))
    if not zipfile.is_zipfile(path):
        raise DataError(Problem(file, None, None, "not an .xlsx workbook (or truncated): "
                                "save it from Excel as .xlsx"))
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DataError(Problem(file, None, None, f"cannot open the workbook: {exc}")) from None
    unpacked = sum(m.file_size for m in members)
    if len(members) > MAX_XLSX_MEMBERS or unpacked > MAX_XLSX_UNPACKED:
        raise DataError(Problem(file, None, None, (
            f"unpacks to {unpacked:,} bytes in {len(members):,} parts; a ledger workbook may "
            f"unpack to at most {MAX_XLSX_UNPACKED:,} bytes: remove what is not ledger data "
            "(pictures, huge cells, unused sheets) or split it")))
    try:
        with warnings.catch_warnings():  # openpyxl warns about Excel features it ignores
            warnings.simplefilter("ignore")
            return load_workbook(path, data_only=False)  # formulas stay formulas, never evaluated
    except Exception as exc:  # openpyxl raises several types on damaged files
        raise DataError(Problem(file, None, None, f"cannot open the workbook: {exc}")) from None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def import_ledger(path: str | Path, clusters=None) -> pd.DataFrame:
    """Read a filled-in ledger workbook into observations, checking it strictly.

    Parameters
    ----------
    path : str or path-like
        The ``.xlsx`` file (a filled-in copy of the template).
    clusters : pandas.DataFrame or iterable of str, optional
        The cluster registry (or its ids). With a DataFrame, a filled-in 集聚区名称 must
        match the code's ``name_zh``.

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`~zzforecast.data.schemas.OBSERVATIONS_COLUMNS`, one row per
        filled-in value (a ledger row with both a level and a growth rate gives two),
        in canonical units (亿元, 万人), growth as fractions (percent / 100),
        ``synthetic`` False, sorted by cluster, indicator, frequency, measure and period. Writing it with ``to_csv(index=False)`` gives a valid
        ``data/observations.csv``.

    Raises
    ------
    DataError
        Listing every problem with ``<file> [sheet <name>]``, row and column header:
        missing or renamed sheets and headers, a header not in row 1 or repeated, merged
        cells, formulas, text in number cells, and every check of
        :func:`~zzforecast.data.loaders.load_observations` (unknown cluster or indicator,
        January rows, falling cumulative values, units, price basis, dates, duplicates).
    """
    path = Path(path)
    wb = _open_workbook(path)
    problems: list[Problem] = []
    frames: list[pd.DataFrame] = []
    known = {MONTHLY_SHEET, ANNUAL_SHEET, INSTRUCTIONS_SHEET, CODES_SHEET}
    data_sheets = [name for name in wb.sheetnames if name in SHEETS]
    for name in wb.sheetnames:
        ws = wb[name]
        has_content = False
        for row in ws.iter_rows():
            for c in row:
                if _blank(c.value):
                    continue
                has_content = True
                if isinstance(c.value, str) and len(c.value) > MAX_CELL_TEXT:
                    problems.append(Problem(
                        f"{path} [sheet {name}]", c.row, f"column {c.column_letter}",
                        f"the cell holds {len(c.value):,} characters; at most "
                        f"{MAX_CELL_TEXT:,} are allowed"))
        if name not in known and has_content:
            problems.append(Problem(
                f"{path} [sheet {name}]", None, None,
                f"unknown sheet '{name}' (renamed?): data go in sheets '{MONTHLY_SHEET}' "
                f"(monthly) or '{ANNUAL_SHEET}' (annual); keep the template's sheet names"))
    if not data_sheets:
        problems.append(Problem(str(path), None, None,
                                f"no sheet named '{MONTHLY_SHEET}' or '{ANNUAL_SHEET}'; the "
                                f"workbook has {', '.join(repr(n) for n in wb.sheetnames)}"))
    n_rows = 0
    for name in data_sheets:
        sheet_problems, sheet_frames, rows = _read_sheet(wb[name], name, path, clusters)
        problems.extend(sheet_problems)
        frames.extend(sheet_frames)
        n_rows += rows
    if not problems and n_rows == 0:
        problems.append(Problem(str(path), None, None,
                                "the ledger has no data rows (fill in the template from row 2)"))
    if problems:
        if len(problems) > MAX_PROBLEMS:
            rest = len(problems) - MAX_PROBLEMS
            problems = [*problems[:MAX_PROBLEMS],
                        Problem(str(path), None, None, f"... and {rest} more problems")]
        raise DataError(problems)
    out = pd.concat(frames, ignore_index=True)[list(OBSERVATIONS_COLUMNS)]
    out = out.sort_values(["cluster_id", "indicator", "frequency", "measure", "period"],
                          kind="stable").reset_index(drop=True)
    out["value"] = [float(f"{v:.12g}") for v in out["value"]]
    out.attrs["file"] = str(path)
    return out


def _find_header(ws, headers: tuple[str, ...]) -> int | None:
    """Row (1-based) among the first 10 whose cells hold most of the expected headers."""
    wanted = set(headers)
    for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, 10)):
        values = {str(c.value).strip() for c in row if not _blank(c.value)}
        if len(values & wanted) >= len(wanted) // 2 + 1:
            return row[0].row
    return None


def _read_sheet(ws, name: str, path: Path, clusters) -> tuple[list[Problem], list[pd.DataFrame], int]:
    frequency, header_of = SHEETS[name]
    headers = tuple(header_of.values())
    file = f"{path} [sheet {name}]"
    problems: list[Problem] = []

    def problem(row, field, message):
        problems.append(Problem(file, row, field, message))

    header_row = _find_header(ws, headers)
    if header_row is None:
        if ws.max_row <= 1 and all(_blank(c.value) for c in ws[1]):
            return problems, [], 0  # an untouched, empty sheet
        problem(1, None, f"no header row found; row 1 must hold the template's headers: "
                         f"{', '.join(headers)}")
        return problems, [], 0
    if header_row != 1:
        problem(header_row, None, f"the header must be in row 1 but is in row {header_row}: "
                                  "delete the rows above it")
        return problems, [], 0
    columns: dict[str, int] = {}
    for cell in ws[1]:
        if _blank(cell.value):
            continue
        text = str(cell.value).strip()
        if text in headers and text not in columns:
            columns[text] = cell.column
        elif text in columns:
            problem(1, text, "column header appears twice")
        else:
            problem(1, text, f"unexpected column (renamed?); expected: {', '.join(headers)}")
    for header in headers:
        if header not in columns and header != header_of["name"]:
            problem(1, header, f"missing column (expected: {', '.join(headers)})")
    if problems:
        return problems, [], 0

    # merged cells anywhere in the sheet break one-value-per-cell
    col_header = {col: header for header, col in columns.items()}
    for merged in ws.merged_cells.ranges:
        problem(merged.min_row, col_header.get(merged.min_col),
                f"merged cells {merged.coord}: unmerge them and fill the value into every row")

    records: list[dict[str, Any]] = []
    for row in ws.iter_rows(min_row=2):
        cells = {header: row[col - 1] if col - 1 < len(row) else None
                 for header, col in columns.items()}
        if all(c is None or _blank(c.value) for c in cells.values()):
            continue
        number = row[0].row
        if all(str(c.value).strip() == h for h, c in cells.items() if c is not None
               and not _blank(c.value)):
            problem(number, None, "this row repeats the header: delete it (one header row only)")
            continue
        record = _read_row(cells, header_of, number, frequency, clusters, problem)
        if record is not None:
            records.extend(record)
    if not records:
        return problems, [], 0
    frames = []
    for measure in ("level", "growth"):
        part = [r for r in records if r["measure"] == measure]
        if not part:
            continue
        frame = pd.DataFrame(part).set_index("_row")
        labels = {"cluster_id": header_of["cluster_id"], "indicator": header_of["indicator"],
                  "period": header_of["period"], "value": header_of[measure],
                  "unit": header_of["unit"], "price_basis": header_of["price_basis"],
                  "source": header_of["source"], "vintage": header_of["vintage"],
                  "measure": header_of[measure], "frequency": header_of["period"]}
        checked, chk = check_observations(
            frame[list(OBSERVATIONS_COLUMNS)], file, clusters, labels=labels,
            require_rows=False, percent_message=(
                "growth {percent:g}% is implausible (beyond ±150%); this column is in percent: "
                "enter 8.3 for 8.3%"))
        problems.extend(chk.problems(limit=10**6))
        if checked is not None:
            frames.append(checked)
    problems.extend(_fraction_in_percent_column(records, header_of, file))
    problems.sort(key=lambda p: (p.row or 0))
    return problems, frames, len(records)


def _fraction_in_percent_column(records, header_of, file) -> list[Problem]:
    """Every growth value below 1.5 percent in absolute value: fractions typed as percent?"""
    growth = [r for r in records if r["measure"] == "growth" and not r["_percent_cell"]]
    values = [abs(float(r["value"])) for r in growth if _is_float(r["value"])]
    if len(values) >= 3 and max(values) < 0.015 and any(v > 0 for v in values):
        return [Problem(file, None, header_of["growth"],
                        "every growth value is below 1.5% in absolute value: the column is in "
                        "percent (enter 8.3 for 8.3%), did you enter fractions such as 0.083?")]
    return []


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _cell_text(cell) -> str:
    if cell is None or _blank(cell.value):
        return ""
    return str(cell.value).strip()


def _read_row(cells, header_of, number, frequency, clusters, problem) -> list[dict] | None:
    ok = True
    for header, cell in cells.items():
        if cell is None:
            continue
        if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith("=")):
            formula = cell.value if isinstance(cell.value, str) else getattr(cell.value, "text", "")
            problem(number, header, f"formula '{formula}' in a data cell: zzforecast never "
                                    "evaluates formulas; paste values only (选择性粘贴 → 数值)")
            ok = False
        elif cell.data_type == "e":
            problem(number, header, f"Excel error value '{cell.value}' in a data cell")
            ok = False
    if not ok:
        return None

    code = _cell_text(cells[header_of["cluster_id"]])
    ok = _check_code(code, cells.get(header_of["name"]), header_of, number, clusters, problem)
    indicator_raw = _cell_text(cells[header_of["indicator"]])
    indicator = INDICATOR_NAMES.get(indicator_raw, indicator_raw)
    if indicator_raw and indicator not in INDICATORS:
        names = ", ".join(ind.name_zh for ind in INDICATORS.values())
        problem(number, header_of["indicator"],
                f"unknown indicator '{indicator_raw}'; expected one of {names} "
                f"(or {', '.join(INDICATORS)})")
        indicator = ""
        ok = False
    period = _period_text(cells[header_of["period"]], frequency)
    vintage = _date_text(cells[header_of["vintage"]])
    source = _cell_text(cells[header_of["source"]])
    unit = _cell_text(cells[header_of["unit"]])
    basis_raw = _cell_text(cells[header_of["price_basis"]])
    growth_basis = BASIS_NAMES.get(basis_raw.lower(), BASIS_NAMES.get(basis_raw))
    if basis_raw and growth_basis is None:
        problem(number, header_of["price_basis"],
                f"unknown price basis '{basis_raw}'; expected 现价, 可比价 or 无")
        ok = False
    if not basis_raw and indicator in INDICATORS:
        growth_basis = INDICATORS[indicator].growth_price_basis

    level = _number(cells[header_of["level"]], header_of["level"], number, problem,
                    percent=False)
    growth = _number(cells[header_of["growth"]], header_of["growth"], number, problem,
                     percent=True)
    if level is False or growth is False or not ok:
        return None
    if level is None and growth is None:
        problem(number, header_of["level"],
                f"neither '{header_of['level']}' nor '{header_of['growth']}' is filled in")
        return None
    base = {"cluster_id": code, "indicator": indicator, "frequency": frequency,
            "period": period, "source": source, "vintage": vintage, "synthetic": "false",
            "_row": number}
    out = []
    if level is not None:
        level_basis = INDICATORS[indicator].level_price_basis if indicator in INDICATORS else ""
        out.append({**base, "measure": "level", "value": repr(level[0]), "unit": unit,
                    "price_basis": level_basis, "_percent_cell": False})
    if growth is not None:
        out.append({**base, "measure": "growth", "value": repr(growth[0]), "unit": GROWTH_UNIT,
                    "price_basis": growth_basis or "", "_percent_cell": growth[1]})
    return out


def _check_code(code, name_cell, header_of, number, clusters, problem) -> bool:
    if not isinstance(clusters, pd.DataFrame):
        return True
    by_name = dict(zip(clusters["name_zh"], clusters["cluster_id"], strict=True))
    names = dict(zip(clusters["cluster_id"], clusters["name_zh"], strict=True))
    if code in by_name and code not in names:
        problem(number, header_of["cluster_id"],
                f"'{code}' is a name: enter its code '{by_name[code]}' (see sheet {CODES_SHEET})")
        return False
    name = _cell_text(name_cell)
    if name and code in names and name != names[code]:
        problem(number, header_of["name"],
                f"name '{name}' does not match code '{code}' ({names[code]} in the registry)")
        return False
    return True


def _period_text(cell, frequency: str) -> str:
    """Normalise a month (YYYY-MM) or year (YYYY) cell; leave anything odd for the checks."""
    if cell is None or _blank(cell.value):
        return ""
    value = cell.value
    if isinstance(value, dt.datetime | dt.date):
        return f"{value.year:04d}-{value.month:02d}" if frequency == "monthly_ytd" \
            else f"{value.year:04d}"
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        value = str(int(value))
        if frequency == "monthly_ytd" and re.fullmatch(r"\d{6}", value):
            return f"{value[:4]}-{value[4:]}"
        return value
    text = str(value).strip()
    if frequency == "monthly_ytd":
        m = (re.fullmatch(r"(\d{4})\s*[-/.]\s*(\d{1,2})", text)
             or re.fullmatch(r"(\d{4})\s*年\s*(?:1\s*[-—–~至]\s*)?(\d{1,2})\s*月?(?:份)?", text))
        if m:
            return f"{m.group(1)}-{int(m.group(2)):02d}"
        return text
    m = re.fullmatch(r"(\d{4})\s*年?", text)
    return m.group(1) if m else text


def _date_text(cell) -> str:
    if cell is None or _blank(cell.value):
        return ""
    value = cell.value
    if isinstance(value, dt.datetime | dt.date):
        return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
    text = str(value).strip()
    m = (re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", text)
         or re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日", text))
    if m:
        return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    return text


def _number(cell, header, number, problem, percent: bool):
    """(value, from_percent_cell), None when blank, False after reporting a problem.

    Growth cells hold percent: 8.3 -> 0.083; an Excel percent-formatted cell already holds
    the fraction. Levels are plain numbers.
    """
    if cell is None or _blank(cell.value):
        return None
    value = cell.value
    if isinstance(value, bool) or isinstance(value, dt.datetime | dt.date):
        problem(number, header, f"expected a number, got '{value}'")
        return False
    if isinstance(value, int | float):
        value = float(value)
        if not np.isfinite(value):
            problem(number, header, f"is not a finite number: '{cell.value}'")
            return False
        if percent:
            if "%" in (cell.number_format or ""):
                return value, True  # stored as a fraction, shown as percent
            return value / 100.0, False
        return value, False
    text = str(value).strip().replace("，", ",")
    sign_percent = text.endswith(("%", "％"))
    core = text.rstrip("%％").strip()
    try:
        parsed = float(core)
    except ValueError:
        hint = ""
        if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d*)?", core):
            hint = " (remove the thousands separators)"
        problem(number, header, f"text '{text}' in a number cell{hint}")
        return False
    if not np.isfinite(parsed):
        problem(number, header, f"is not a finite number: '{text}'")
        return False
    if sign_percent and not percent:
        problem(number, header, f"'{text}' is a percent in a level column")
        return False
    if percent:
        return parsed / 100.0, False
    return parsed, False
