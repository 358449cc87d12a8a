"""Read the tables zzforecast takes in (CSV, Parquet) as text, keeping the file's row numbers.

Every reader here turns a user's mistake into a :class:`~zzforecast.exceptions.DataError`
whose problems name the file, and the row where one is known, so that the command line can
print one readable line per problem. Text decoding (UTF-8 or GBK/GB18030) is in
``textfiles.py``.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from pathlib import Path

import numpy as np
import pandas as pd

from ..exceptions import DataError, Problem
from .textfiles import decode_text, read_bytes

__all__ = ["CSV_SUFFIXES", "PARQUET_SUFFIXES", "EXCEL_SUFFIXES", "read_table"]

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
PARQUET_SUFFIXES = (".parquet", ".pq")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read a CSV or Parquet table as text, keeping the row numbers a user sees.

    CSV values are returned as strings exactly as written (no type guessing, empty cells
    as ``""``), so that loaders can report a bad cell by row and column. Parquet columns
    keep their stored types. The frame's index holds each record's 1-based row number in
    the file as an editor or spreadsheet shows it (the header is row 1; for Parquet,
    record ``i`` is row ``i + 2``). Blank lines are skipped (row numbers stay true).

    Parameters
    ----------
    path : str or path-like
        A ``.csv`` (also ``.txt``; ``.tsv`` is tab-separated) or ``.parquet`` file.

    Returns
    -------
    pandas.DataFrame
        One column per header field, index = row numbers in the file.

    Raises
    ------
    DataError
        For a missing, empty, truncated or undecodable file, a malformed CSV (unterminated
        quote, rows with more or fewer fields than the header), a blank or duplicated
        header name, an unreadable Parquet file, or an unsupported suffix.
    """
    path = Path(path)
    file = str(path)
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        return _read_parquet(path)
    if suffix in EXCEL_SUFFIXES:
        raise DataError(Problem(
            file, None, None,
            "Excel workbooks are read by the monthly-ledger importer: run "
            "'zzforecast validate --ledger FILE.xlsx', or save the sheet as CSV UTF-8"))
    if suffix not in CSV_SUFFIXES:
        raise DataError(Problem(file, None, None,
                                f"unsupported file type '{path.suffix}'; expected one of "
                                f"{', '.join(CSV_SUFFIXES + PARQUET_SUFFIXES)}"))
    data = read_bytes(path, DataError)
    if not data.strip(b" \t\r\n" + codecs.BOM_UTF8):
        raise DataError(Problem(file, None, None, "file is empty (expected a header row)"))
    text, _ = decode_text(data, file)
    return _parse_csv(text, file, delimiter="\t" if suffix == ".tsv" else ",")


def _parse_simple(text: str, delimiter: str) -> pd.DataFrame | None:
    """Fast path for the common file: no quotes, no blank lines, equal field counts.

    Returns None when the file is not that simple; the careful parser then handles it
    (and reports its problems precisely).
    """
    if '"' in text or "\r" in text.replace("\r\n", "\n"):
        return None
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) < 2:
        return None
    n = lines[0].count(delimiter)
    if any(line.count(delimiter) != n or not line.strip(delimiter + " \t") for line in lines):
        return None
    header = [cell.strip() for cell in lines[0].split(delimiter)]
    if len(set(header)) != len(header) or not all(header):
        return None
    frame = pd.DataFrame([line.split(delimiter) for line in lines[1:]], columns=header,
                         dtype=object)
    frame.index = pd.RangeIndex(2, len(lines) + 1, name="row")
    return frame


def _parse_csv(text: str, file: str, delimiter: str = ",") -> pd.DataFrame:
    simple = _parse_simple(text, delimiter)
    if simple is not None:
        return simple
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[list[str]] = []
    line_numbers: list[int] = []
    problems: list[Problem] = []
    header: list[str] | None = None
    header_row = 1
    try:
        for record in reader:
            if header is None:
                if not "".join(record).strip():
                    continue  # blank lines before the header
                header = [cell.strip() for cell in record]
                header_row = reader.line_num
                continue
            rows.append(record)
            line_numbers.append(reader.line_num)
    except csv.Error as exc:
        message = str(exc)
        if "unexpected end of data" in message:
            message = "a quoted field is never closed (the file looks truncated)"
        else:
            message = f"malformed CSV: {message}"
        raise DataError(Problem(file, reader.line_num, None, message)) from None
    if header is None:
        raise DataError(Problem(file, None, None, "file is empty (expected a header row)"))
    while len(header) > 1 and not header[-1]:
        header.pop()  # stray empty columns a spreadsheet leaves at the right

    # drop blank lines (also ",,," rows a spreadsheet leaves), keeping true row numbers
    blank = [k for k, record in enumerate(rows) if not "".join(record).strip()]
    if blank:
        keep = set(range(len(rows))) - set(blank)
        rows = [rows[k] for k in sorted(keep)]
        line_numbers = [line_numbers[k] for k in sorted(keep)]

    seen: set[str] = set()
    for i, name in enumerate(header, start=1):
        if not name:
            problems.append(Problem(file, header_row, None, f"column {i} of the header is blank"))
        elif name in seen:
            problems.append(Problem(file, header_row, name, "column name appears twice in the header"))
        seen.add(name)

    n = len(header)
    ends_with_newline = text.endswith(("\n", "\r"))
    for k, (record, line) in enumerate(zip(rows, line_numbers, strict=True)):
        if len(record) == n:
            continue
        if len(record) > n and all(not c.strip() for c in record[n:]):
            # trailing empty cells (a spreadsheet's stray commas) are harmless
            rows[k] = record[:n]
            continue
        last = k == len(rows) - 1
        if len(record) < n and last and not ends_with_newline:
            msg = (f"the last row has {len(record)} of {n} fields and no line end: the file "
                   "looks truncated")
        else:
            msg = f"has {len(record)} fields but the header has {n}"
        problems.append(Problem(file, line, None, msg))
    if problems:
        raise DataError(_capped(problems))

    frame = pd.DataFrame(rows, columns=header, dtype=object) if rows else pd.DataFrame(
        {name: pd.Series([], dtype=object) for name in header})
    frame.index = pd.Index(line_numbers, dtype="int64", name="row")
    return frame


def _read_parquet(path: Path) -> pd.DataFrame:
    file = str(path)
    data = read_bytes(path, DataError)
    if not data:
        raise DataError(Problem(file, None, None, "file is empty"))
    if not (data[:4] == b"PAR1" and data[-4:] == b"PAR1"):
        raise DataError(Problem(file, None, None,
                                "not a complete Parquet file (missing the PAR1 markers: "
                                "truncated, or not Parquet at all)"))
    try:
        frame = pd.read_parquet(io.BytesIO(data))
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise DataError(Problem(file, None, None,
                                f"cannot read the Parquet file (corrupt?): {exc}")) from None
    frame = frame.reset_index(drop=True)
    frame.columns = [str(c) for c in frame.columns]
    frame.index = pd.RangeIndex(2, len(frame) + 2, name="row")
    problems = []
    for column in frame.columns:  # list, struct, map and binary columns hold no cell value
        if frame[column].dtype != object:
            continue
        nested = frame[column].map(lambda v: isinstance(v, (list, tuple, dict, set, bytes,
                                                            bytearray, np.ndarray)))
        for row in frame.index[nested.to_numpy(dtype=bool)][:5]:
            problems.append(Problem(file, int(row), column, (
                f"holds a {type(frame.at[row, column]).__name__}, not a single value; "
                "store one number or text per cell (no list, struct or binary columns)")))
    if problems:
        raise DataError(_capped(problems))
    return frame


def _capped(problems: list[Problem], limit: int = 50) -> list[Problem]:
    if len(problems) <= limit:
        return problems
    rest = len(problems) - limit
    file = problems[limit].file
    return [*problems[:limit], Problem(file, None, None, f"... and {rest} more problems")]
