"""Year-to-date series as data: the checked long frame and its dense year-by-month table.

A year-to-date series (1–m月累计) is a long frame ``unique_id``, ``ds`` (month end; February
stands for January–February, January rows are refused), ``cum_growth`` (published
cumulative growth on a comparable basis, a fraction) and optionally ``cum_value`` (the
cumulative level: one scope within a year, never comparable across years). Growth is never
derived from levels across years (DESIGN.md section 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import DataError, Problem

__all__ = ["YtdTable", "check_ytd_frame", "ytd_table", "MONTHS", "SCOPE_BREAK_MIN",
           "SCOPE_BREAK_Z"]

MONTHS = tuple(range(2, 13))  # published months: 1–2月 ... 1–12月
# A December that does not continue January-November (full-year growth far from the
# January-November growth) is a scope difference between the annual and the monthly
# releases, not a surprise (the national FAI file before 2004; real estate 1999). Such a
# year is flagged and never learnt from nor scored. Far = beyond both bounds below.
SCOPE_BREAK_MIN = 0.02  # log points between full-year and January-November growth
SCOPE_BREAK_Z = 4.0  # multiples of the series' median absolute deviation of that gap


def check_ytd_frame(df, source: str = "<input>") -> pd.DataFrame:
    """Validate a year-to-date long frame; return it with ``year`` and ``month`` columns.

    Raises
    ------
    DataError
        Naming the series (and the row where known) for a missing column, non-numeric
        values, unparsable or duplicated months, January rows, or growth that looks like
        percent or is -100% or below.
    """
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"{source}: expected a DataFrame with columns unique_id, ds, cum_growth "
                        "(and optionally cum_value)")
    missing = [c for c in ("unique_id", "ds", "cum_growth") if c not in df.columns]
    if missing:
        raise DataError([Problem(source, None, c, "required column is missing") for c in missing])
    cols = ["unique_id", "ds", "cum_growth"] + (["cum_value"] if "cum_value" in df.columns else [])
    d = df[cols].copy().reset_index(drop=True)
    if "cum_value" not in d.columns:
        d["cum_value"] = np.nan
    problems: list[Problem] = []
    d["ds"] = pd.to_datetime(d["ds"], errors="coerce")
    for col in ("cum_value", "cum_growth"):
        num = pd.to_numeric(d[col], errors="coerce")
        bad = num.isna() & d[col].notna()
        for i in d.index[bad][:5]:
            problems.append(Problem(source, int(i) + 2, col, f"series '{d.at[i, 'unique_id']}': "
                                    f"non-numeric value {d.at[i, col]!r}"))
        d[col] = num.astype(float)
    for i in d.index[d["ds"].isna()][:5]:
        problems.append(Problem(source, int(i) + 2, "ds",
                                f"series '{d.at[i, 'unique_id']}': unparsable date"))
    if problems:
        raise DataError(problems)
    d["ds"] = d["ds"] + pd.offsets.MonthEnd(0)
    for col in ("cum_value", "cum_growth"):
        inf = ~np.isfinite(d[col]) & d[col].notna()
        for i in d.index[inf][:5]:
            problems.append(Problem(source, int(i) + 2, col,
                                    f"series '{d.at[i, 'unique_id']}': value is not finite"))
    checks = (
        (d["ds"].dt.month == 1, "ds", "a January row; January is published only with "
                                      "February (1–2月)"),
        (d["cum_growth"].abs() > 3, "cum_growth", "growth {v} looks like percent; growth must "
                                                  "be a fraction (0.083 for 8.3%)"),
        (d["cum_growth"] <= -1, "cum_growth", "growth {v} is -100% or below: impossible for "
                                              "a cumulative level"),
        (d["cum_value"] < 0, "cum_value", "negative cumulative level {v}"),
        (d.duplicated(["unique_id", "ds"]), "ds", "duplicated month {ds}"),
        (_falls_within_year(d), "cum_value", "cumulative level {v} is below the month "
                                             "before it in the same year (a year-to-date "
                                             "total cannot fall)"),
    )
    for mask, col, text in checks:
        for i in d.index[mask.fillna(False).to_numpy()][:5]:
            problems.append(Problem(source, int(i) + 2, col, f"series '{d.at[i, 'unique_id']}': "
                                    + text.format(v=d.at[i, col], ds=f"{d.at[i, 'ds']:%Y-%m}")))
    if problems:
        raise DataError(problems)
    d["year"] = d["ds"].dt.year.astype(int)
    d["month"] = d["ds"].dt.month.astype(int)
    return d


def _falls_within_year(d: pd.DataFrame) -> pd.Series:
    """Rows whose cumulative level is below the previous month's of the same year."""
    order = d.sort_values(["unique_id", "ds"])
    year = order["ds"].dt.year
    before = order.groupby([order["unique_id"], year])["cum_value"].shift(1)
    return (order["cum_value"] < before - 1e-9 * before.abs()).reindex(d.index).fillna(False)


@dataclass(frozen=True)
class YtdTable:
    """Dense arrays of year-to-date series: ``[series, year, month - 2]`` for months 2..12.

    ``growth`` holds log(1 + cumulative growth) (month 12 is the full year), ``level`` the
    cumulative levels (NaN where not given), ``scope_break`` flags years whose December
    does not continue January-November (see :data:`SCOPE_BREAK_MIN`).
    """

    ids: tuple[str, ...]
    years: np.ndarray
    growth: np.ndarray
    level: np.ndarray
    scope_break: np.ndarray

    @property
    def full_year(self) -> np.ndarray:
        """log(1 + full-year growth), ``[series, year]``."""
        return self.growth[:, :, -1]

    def year_index(self, year: int) -> int | None:
        hit = np.nonzero(self.years == int(year))[0]
        return int(hit[0]) if hit.size else None


def ytd_table(d: pd.DataFrame, years=None) -> YtdTable:
    """The dense table of a checked frame (:func:`check_ytd_frame`).

    Parameters
    ----------
    d : pandas.DataFrame
        Output of :func:`check_ytd_frame`.
    years : array_like of int, optional
        Year rows (default: every year from the first to the last in ``d``).
    """
    ids = tuple(pd.unique(d["unique_id"]).tolist())
    if years is None:
        years = np.arange(int(d["year"].min()), int(d["year"].max()) + 1) if len(d) else np.zeros(0, int)
    years = np.asarray(years, dtype=int)
    shape = (len(ids), len(years), len(MONTHS))
    growth = np.full(shape, np.nan)
    level = np.full(shape, np.nan)
    s_idx = d["unique_id"].map({u: i for i, u in enumerate(ids)}).to_numpy()
    y_idx = d["year"].map({int(y): i for i, y in enumerate(years)}).to_numpy(dtype=float)
    keep = np.isfinite(y_idx)
    s, y = s_idx[keep].astype(int), y_idx[keep].astype(int)
    m = d["month"].to_numpy()[keep] - 2
    growth[s, y, m] = np.log1p(d["cum_growth"].to_numpy(dtype=float)[keep])
    level[s, y, m] = d["cum_value"].to_numpy(dtype=float)[keep]
    gap = growth[:, :, -1] - growth[:, :, -2]  # December against January-November
    scope_break = np.zeros(gap.shape, dtype=bool)
    for i, row in enumerate(gap):
        seen = row[np.isfinite(row)]
        if seen.size:
            centre = float(np.median(seen))
            limit = max(SCOPE_BREAK_MIN, SCOPE_BREAK_Z * float(np.median(np.abs(seen - centre))))
            scope_break[i] = np.isfinite(row) & (np.abs(row - centre) > limit)
    return YtdTable(ids=ids, years=years, growth=growth, level=level,
                    scope_break=scope_break)
