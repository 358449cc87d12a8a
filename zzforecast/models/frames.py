"""Long frames in and out: validation of ``unique_id, ds, y`` and future dates.

Every public call of the models package goes through :func:`split_series` once, at the
door; later stages trust the arrays it returns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import DataError, Problem

__all__ = ["Series", "split_series", "future_ds", "MIN_LENGTH"]

# Fewer points than this cannot carry a trend, a validation origin and an error.
MIN_LENGTH = 3


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
        ds = g[time_col]
        if ds.duplicated().any():
            problems.append(_problem(uid, f"duplicated ds {ds[ds.duplicated()].iloc[0]}",
                                     time_col))
            continue
        order = np.argsort(ds.to_numpy(), kind="stable")
        ds_sorted = ds.to_numpy()[order]
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
