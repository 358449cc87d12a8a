"""Long frames in and out: validation of ``unique_id, ds, y`` and future dates.

Every public call of the models package goes through :func:`split_series` once, at the
door; later stages trust the arrays it returns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...exceptions import DataError, Problem

__all__ = ["Series", "split_series", "future_ds", "MIN_LENGTH", "read_long_table", "with_file"]

# Fewer points than this cannot carry a trend, a validation origin and an error.
MIN_LENGTH = 3
# Beyond this a forecast's arithmetic (squares, interval products) overflows float64; real
# series in any unit stay far below it.
MAX_ABS_VALUE = 1e100


@dataclass(frozen=True)
class Series:
    """One validated series: its id, its dates (ints or Timestamps) and values."""

    unique_id: object
    ds: np.ndarray
    y: np.ndarray


def _problem(uid, message: str, field: str | None = None) -> Problem:
    return Problem("<input>", None, field, f"series '{uid}': {message}")


def split_series(df: pd.DataFrame, *, min_length: int = MIN_LENGTH, id_col: str = "unique_id",
                 time_col: str = "ds", target_col: str = "y") -> list[Series]:
    """Validate a long frame and split it into series sorted by date.

    Parameters
    ----------
    df : pandas.DataFrame
        Columns ``unique_id``, ``ds`` (integer years or timestamps) and ``y``.
    min_length : int
        Fewest observations a series may have.

    Returns
    -------
    list of Series
        In order of first appearance of each ``unique_id``.

    Raises
    ------
    DataError
        (a ``ValueError``) listing every problem, each naming its series: missing columns,
        non-numeric or missing values, duplicated ``ds``, gaps between integer years,
        too few observations.
    """
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"expected a pandas DataFrame with columns {id_col}, {time_col}, "
                        f"{target_col}; got {type(df).__name__}")
    missing = [c for c in (id_col, time_col, target_col) if c not in df.columns]
    if missing:
        raise DataError([Problem("<input>", None, c, "required column is missing")
                         for c in missing])
    if df.empty:
        raise DataError("the frame has no rows")
    problems: list[Problem] = []
    out: list[Series] = []
    for uid, g in df.groupby(id_col, sort=False, dropna=False):
        y_raw = g[target_col]
        y = pd.to_numeric(y_raw, errors="coerce")
        bad = y.isna() & y_raw.notna()
        if bad.any():
            problems.append(_problem(uid, f"non-numeric value {y_raw[bad].iloc[0]!r} "
                                          f"at ds={g.loc[bad[bad].index[0], time_col]}",
                                     target_col))
            continue
        if y.isna().any() or not np.all(np.isfinite(y.to_numpy(dtype=float))):
            first = g.loc[~np.isfinite(y.to_numpy(dtype=float)), time_col].iloc[0]
            problems.append(_problem(uid, f"missing or infinite value at ds={first}",
                                     target_col))
            continue
        if np.abs(y.to_numpy(dtype=float)).max() > MAX_ABS_VALUE:
            problems.append(_problem(uid, f"value {y.abs().max():g} is beyond ±{MAX_ABS_VALUE:g}: "
                                          "forecasts would overflow; rescale the series (units)",
                                     target_col))
            continue
        ds = g[time_col]
        if ds.duplicated().any():
            problems.append(_problem(uid, f"duplicated ds {ds[ds.duplicated()].iloc[0]}",
                                     time_col))
            continue
        ds_values = ds.to_numpy()
        if ds_values.dtype == object:
            kinds = {type(v).__name__ for v in ds_values}
            if len(kinds) > 1:
                problems.append(_problem(uid, "ds mixes " + " and ".join(sorted(kinds))
                                         + "; use integer years or dates, not both", time_col))
                continue
        if np.issubdtype(ds_values.dtype, np.floating) and np.all(np.isfinite(ds_values)) \
                and np.all(ds_values % 1 == 0):
            ds_values = ds_values.astype(np.int64)  # 2005.0 -> 2005
        order = np.argsort(ds_values, kind="stable")
        ds_sorted = ds_values[order]
        if np.issubdtype(ds_sorted.dtype, np.integer):
            gaps = np.diff(ds_sorted)
            if np.any(gaps != 1):
                at = ds_sorted[1:][gaps != 1][0]
                problems.append(_problem(uid, f"gap in yearly ds before {at} "
                                              "(years must be consecutive)", time_col))
                continue
        elif not np.issubdtype(ds_sorted.dtype, np.datetime64):
            problems.append(_problem(uid, "ds must be integer years or timestamps, got "
                                          f"{ds.dtype}", time_col))
            continue
        if len(g) < min_length:
            problems.append(_problem(uid, f"too short: {len(g)} observations, at least "
                                          f"{min_length} needed"))
            continue
        out.append(Series(uid, ds_sorted, y.to_numpy(dtype=float)[order]))
    if problems:
        raise DataError(problems)
    return out


def future_ds(ds: np.ndarray, h: int) -> np.ndarray:
    """The next ``h`` dates after ``ds``: integer years, or timestamps at the inferred step."""
    last = ds[-1]
    if np.issubdtype(ds.dtype, np.integer):
        return last + np.arange(1, h + 1)
    idx = pd.DatetimeIndex(ds)
    freq = pd.infer_freq(idx) if len(idx) >= 3 else None
    if freq is None:
        step = idx[-1] - idx[-2]
        return (idx[-1] + step * np.arange(1, h + 1)).to_numpy()
    return pd.date_range(idx[-1], periods=h + 1, freq=freq)[1:].to_numpy()


def read_long_table(path, value_cols: tuple[str, ...] = ("y",), *, dates: str = "auto",
                    allow_missing: tuple[str, ...] = ()) -> pd.DataFrame:
    """Read a long CSV/Parquet file and type it, naming file, row and field on errors.

    Parameters
    ----------
    path : str or Path
        The file (read with ``zzforecast.data.tables.read_table``).
    value_cols : tuple of str
        Numeric columns besides ``unique_id`` and ``ds``.
    dates : {"auto", "month"}
        ``auto``: integer years when every ``ds`` is an integer, else timestamps;
        ``month``: ``YYYY-MM`` or dates, moved to the month end.
    allow_missing : tuple of str
        Value columns whose empty cells become NaN instead of an error.

    Returns
    -------
    pandas.DataFrame
        ``unique_id`` (str), ``ds``, and the value columns as floats.

    Raises
    ------
    DataError
        One problem per bad cell (file, row, field) or missing column.
    """
    from ...data.tables import read_table

    file = str(path)
    raw = read_table(path)
    need = ("unique_id", "ds", *value_cols)
    missing = [c for c in need if c not in raw.columns]
    if missing:
        raise DataError([Problem(file, 1, c, "required column is missing") for c in missing])
    problems: list[Problem] = []
    out = pd.DataFrame({"unique_id": raw["unique_id"].astype(str).str.strip()},
                       index=raw.index)
    for row in raw.index[out["unique_id"] == ""]:
        problems.append(Problem(file, int(row), "unique_id", "empty series id"))
    text = raw["ds"].astype(str).str.strip()
    as_int = pd.to_numeric(text, errors="coerce")
    if dates == "auto" and as_int.notna().all() and (as_int % 1 == 0).all():
        out["ds"] = as_int.astype("int64")
    else:
        parsed = pd.to_datetime(text, errors="coerce", format="mixed")
        for row in raw.index[parsed.isna()]:
            problems.append(Problem(file, int(row), "ds",
                                    f"expected a year, YYYY-MM or a date, got {text[row]!r}"))
        if dates == "month":
            parsed = parsed + pd.offsets.MonthEnd(0)
        out["ds"] = parsed
    for col in value_cols:
        cell = raw[col].astype(str).str.strip()
        num = pd.to_numeric(cell.str.rstrip("%"), errors="coerce")
        empty = cell == ""
        bad = num.isna() & ~(empty & (col in allow_missing))
        for row in raw.index[bad][:20]:
            what = "empty cell" if empty[row] else f"not a number: {cell[row]!r}"
            problems.append(Problem(file, int(row), col, what))
        pct = cell.str.endswith("%") & ~empty
        for row in raw.index[pct][:5]:
            problems.append(Problem(file, int(row), col,
                                    "percent sign: growth must be a fraction (0.083, not 8.3%)"))
        out[col] = num
    dup = out.duplicated(["unique_id", "ds"], keep="first")
    for row in raw.index[dup][:20]:
        problems.append(Problem(file, int(row), "ds",
                                f"series '{out.at[row, 'unique_id']}': duplicated ds "
                                f"{raw.at[row, 'ds']}"))
    if problems:
        raise DataError(problems)
    return out.reset_index(drop=True)


def with_file(exc: DataError, file: str) -> DataError:
    """The same problems with the placeholder file name replaced by ``file``."""
    return DataError([Problem(file if p.file == "<input>" else p.file, p.row, p.field,
                              p.message) for p in exc.problems])
