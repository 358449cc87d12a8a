"""Loaders of the real public series kept beside the repository in ``../shared/data``.

The files are read by path and never copied into the repository. Both sources are
credited in that folder's README and must be credited wherever results use them:

- National fixed-asset investment, monthly cumulative year-to-date, 1981 to July 2017,
  National Bureau of Statistics (NBS) via AFAN-LIFE/macropage ``data/固定资产投资.xlsx``
  (CC-BY-4.0).
- Provincial annual panel 2005–2024 from NBS provincial exports via
  RenJiyi163/panel_data_analysis_for_thesis ``分省年度数据_整合.csv`` (MIT).

Each loader handles the README's caveats explicitly and says what it did in a ``flags``
column rather than silently repairing data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..exceptions import DataError, Problem

__all__ = [
    "default_data_dir",
    "load_national_fai_monthly",
    "load_province_panel",
    "load_ytd_extract",
    "load_real_ytd_series",
    "REAL_ESTATE_FILE",
    "NATIONAL_FAI_FILE",
    "PROVINCE_PANEL_FILE",
    "NATIONAL_FAI_SOURCE",
    "PROVINCE_PANEL_SOURCE",
]

NATIONAL_FAI_FILE = "china_fai_monthly_cumulative_1981_2017-07.csv"
PROVINCE_PANEL_FILE = "provinces_annual_panel_2005_2024.csv"
REAL_ESTATE_FILE = "china_real_estate_investment_monthly_cumulative_1991_2017-07.csv"
REAL_ESTATE_SOURCE = ("National Bureau of Statistics of China, real-estate development "
                      "investment (monthly cumulative), via AFAN-LIFE/macropage (CC-BY-4.0)")
NATIONAL_FAI_SOURCE = ("National Bureau of Statistics of China, fixed-asset investment "
                       "(monthly cumulative), via AFAN-LIFE/macropage (CC-BY-4.0)")
PROVINCE_PANEL_SOURCE = ("National Bureau of Statistics of China, provincial annual data, "
                         "via RenJiyi163/panel_data_analysis_for_thesis (MIT)")

# Provincial FAI levels exist 2005–2017; NBS changed the FAI scope in 2011 (projects of
# 5 million yuan and more instead of 0.5 million, rural households excluded).
FAI_SCOPE_BREAK_YEAR = 2011
# The README says the GDP-index column holds the previous year's index from about 2019
# (Henan's 2021 row, 101.3, is 2020's growth). Spot checks of Henan and Shanghai against
# their published growth rates show the lag already from the 2018 row (Henan 2018 row 107.8
# = 2017's 7.8 %), and rows 2006–2017 that look like averages of two years (Henan 2008 row
# 113.35 = mean of 14.6 and 12.1). The loader realigns from 2018 and flags 2006–2017.
GDP_INDEX_SHIFT_FROM = 2018
GDP_INDEX_SUSPECT = (2006, 2017)


def default_data_dir() -> Path:
    """The ``shared/data`` folder beside the repository root (``<repo>/../shared/data``)."""
    return Path(__file__).resolve().parents[2].parent / "shared" / "data"


def _resolve(path, filename: str) -> Path:
    p = Path(path) if path is not None else default_data_dir()
    if p.is_dir():
        p = p / filename
    if not p.is_file():
        raise DataError([Problem(str(p), None, None,
                                 "file not found (the real public data live in ../shared/data "
                                 "beside the repository; pass an explicit path)")])
    return p


def load_national_fai_monthly(path=None) -> pd.DataFrame:
    """National FAI, cumulative year-to-date, as a nowcast input frame.

    Parameters
    ----------
    path : str or Path, optional
        The CSV file or the folder holding it; default ``default_data_dir()``.

    Returns
    -------
    pandas.DataFrame
        Columns ``unique_id`` ("china_fai"), ``ds`` (month-end Timestamp), ``cum_value``
        (亿元, as first published), ``cum_growth`` (fraction, the published cumulative
        year-on-year growth on a comparable basis; NaN where none was published) and
        ``flags`` (";"-separated notes: ``annual_only`` for years before the monthly
        releases, where only December exists; ``first_release_jan_feb`` for February rows,
        which stand for January–February).

    Notes
    -----
    Growth is taken from the published column and never recomputed from levels across
    years (scope changes, 2011 above all, and revisions make levels incomparable across
    years). Within a year the levels share a scope, so within-year shares are valid. There
    is no January row; a January row would be rejected.

    Raises
    ------
    DataError
        For a missing file, unparsable months, January rows, or duplicated months.
    """
    p = _resolve(path, NATIONAL_FAI_FILE)
    raw = pd.read_csv(p, dtype={"month": str})
    problems = []
    for col in ("month", "fai_cum_100m_yuan", "fai_cum_yoy_pct"):
        if col not in raw.columns:
            problems.append(Problem(str(p), 1, col, "required column is missing"))
    if problems:
        raise DataError(problems)
    period = pd.to_datetime(raw["month"], format="%Y-%m", errors="coerce")
    for i in np.nonzero(period.isna().to_numpy())[0]:
        problems.append(Problem(str(p), int(i) + 2, "month",
                                f"expected YYYY-MM, got {raw['month'].iloc[i]!r}"))
    for i in np.nonzero((period.dt.month == 1).to_numpy())[0]:
        problems.append(Problem(str(p), int(i) + 2, "month",
                                "January is not published on its own (first release is 1–2月)"))
    dup = raw["month"].duplicated()
    for i in np.nonzero(dup.to_numpy())[0]:
        problems.append(Problem(str(p), int(i) + 2, "month", "duplicated month"))
    growth_pct = pd.to_numeric(raw["fai_cum_yoy_pct"], errors="coerce")
    if (growth_pct.abs() > 0).any() and growth_pct.abs().max() < 1.0:
        problems.append(Problem(str(p), None, "fai_cum_yoy_pct",
                                "values look like fractions, the file should hold percent"))
    if problems:
        raise DataError(problems)
    ds = period + pd.offsets.MonthEnd(0)
    months_per_year = ds.dt.year.map(ds.dt.year.value_counts())
    flags = np.where((months_per_year == 1) & (ds.dt.month == 12), "annual_only", "")
    flags = np.where(ds.dt.month == 2, "first_release_jan_feb", flags)
    out = pd.DataFrame({
        "unique_id": "china_fai",
        "ds": ds,
        "cum_value": pd.to_numeric(raw["fai_cum_100m_yuan"], errors="coerce"),
        "cum_growth": growth_pct / 100.0,
        "flags": flags,
    })
    return out.sort_values("ds", kind="stable").reset_index(drop=True)


def load_ytd_extract(path) -> pd.DataFrame:
    """Any NBS-style year-to-date extract as a long frame, one series per growth column.

    The file has a ``month`` column (``YYYY-MM``; February stands for January–February) and
    columns ``<name>_cum_yoy_pct`` (cumulative growth, percent) and optionally
    ``<prefix>_cum_100m_yuan`` (cumulative level, 亿元), the layout of the files in
    ``../shared/data``. A level column is attached to the growth column of the same
    prefix (``fai_cum_100m_yuan`` to ``fai_cum_yoy_pct``), never to the sub-series.

    Returns
    -------
    pandas.DataFrame
        ``unique_id`` (the growth column's name without ``_cum_yoy_pct``), ``ds`` (month
        end), ``cum_growth`` (fraction), ``cum_value`` (亿元 or NaN).

    Raises
    ------
    DataError
        Naming the file, row and field: no ``month`` column, no growth column, unparsable
        or duplicated months, January rows, or growth that looks like fractions.
    """
    p = Path(path)
    if not p.is_file():
        raise DataError([Problem(str(p), None, None, "file not found")])
    try:
        raw = pd.read_csv(p, dtype={"month": str})
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError([Problem(str(p), None, None, f"not a readable CSV ({exc})")]) from None
    growth_cols = [c for c in raw.columns if str(c).endswith("_cum_yoy_pct")]
    problems = []
    if "month" not in raw.columns:
        problems.append(Problem(str(p), 1, "month", "required column is missing"))
    if not growth_cols:
        problems.append(Problem(str(p), 1, None, "no growth column (<name>_cum_yoy_pct)"))
    if problems:
        raise DataError(problems)
    period = pd.to_datetime(raw["month"], format="%Y-%m", errors="coerce")
    for i in np.nonzero(period.isna().to_numpy())[0][:5]:
        problems.append(Problem(str(p), int(i) + 2, "month",
                                f"expected YYYY-MM, got {raw['month'].iloc[i]!r}"))
    for i in np.nonzero((period.dt.month == 1).to_numpy())[0][:5]:
        problems.append(Problem(str(p), int(i) + 2, "month",
                                "January is not published on its own (first release is 1–2月)"))
    for i in np.nonzero(raw["month"].duplicated().to_numpy())[0][:5]:
        problems.append(Problem(str(p), int(i) + 2, "month", "duplicated month"))
    frames = []
    for col in growth_cols:
        pct = pd.to_numeric(raw[col], errors="coerce")
        for i in np.nonzero((pct.isna() & raw[col].notna()).to_numpy())[0][:5]:
            problems.append(Problem(str(p), int(i) + 2, col, f"non-numeric {raw[col].iloc[i]!r}"))
        if pct.abs().max() < 1.0:
            problems.append(Problem(str(p), None, col,
                                    "values look like fractions; the column holds percent"))
        name = col[: -len("_cum_yoy_pct")]
        level_col = f"{name}_cum_100m_yuan"
        level = (pd.to_numeric(raw[level_col], errors="coerce") if level_col in raw.columns
                 else pd.Series(np.nan, index=raw.index))
        frames.append(pd.DataFrame({"unique_id": name, "ds": period + pd.offsets.MonthEnd(0),
                                    "cum_growth": pct / 100.0, "cum_value": level}))
    if problems:
        raise DataError(problems)
    out = pd.concat(frames, ignore_index=True)
    return out.dropna(subset=["cum_growth"]).sort_values(["unique_id", "ds"],
                                                         kind="stable").reset_index(drop=True)


def load_real_ytd_series(path=None) -> pd.DataFrame:
    """The four real national year-to-date series in ``../shared/data``, one long frame.

    ``fai`` (total FAI, with levels), ``fai_secondary_ind`` and ``private_fai`` (growth
    only) from the FAI file, ``rei`` (real-estate investment, with levels) from the
    real-estate file; NBS via AFAN-LIFE/macropage (CC-BY-4.0). ``path`` is the folder.
    """
    folder = Path(path) if path is not None else default_data_dir()
    return pd.concat([load_ytd_extract(_resolve(folder, NATIONAL_FAI_FILE)),
                      load_ytd_extract(_resolve(folder, REAL_ESTATE_FILE))], ignore_index=True)


def load_province_panel(path=None) -> dict[str, pd.DataFrame]:
    """The 31-province annual panel as long frames, with the caveats flagged.

    Parameters
    ----------
    path : optional
        As for :func:`load_national_fai_monthly`.

    Returns
    -------
    dict of pandas.DataFrame
        Long frames ``unique_id`` (province, Chinese), ``ds`` (int year), ``y``, ``flags``:

        - ``"fai"``: FAI level, 亿元, 2005–2017 only (missing years dropped); rows from
          2011 on are flagged ``scope_break_2011`` (the NBS scope change: levels before and
          after are not strictly comparable);
        - ``"gdp_nominal"``: GDP at current prices, 亿元;
        - ``"gdp_real_growth"``: real GDP growth as a fraction, from the index
          (previous year = 100). From 2018 the column is shifted one year in the source;
          the loader realigns it (the value on row t+1 is assigned to year t) and flags
          those rows ``gdp_index_realigned``; the last year, which has no successor, is
          dropped. Rows 2006–2017 are flagged ``gdp_index_suspect`` (they look like
          two-year averages in spot checks); use them with care;
        - ``"employment"``: employment, 万人; years with no value are dropped and the rows
          of a series with such gaps are flagged ``employment_gaps`` (ds then has gaps:
          use these only with models that allow gaps).

    Notes
    -----
    The column 固定资产投资到位资金增速_% (growth of funds in place) is *not* FAI growth and is
    not loaded.
    """
    p = _resolve(path, PROVINCE_PANEL_FILE)
    raw = pd.read_csv(p, encoding="utf-8-sig")
    need = {"地区": "province", "年份": "year", "固定资产投资总额_亿元": "fai",
            "GDP_当年价_亿元": "gdp", "GDP指数_上年=100": "gdp_index", "就业人员数_万人": "emp"}
    missing = [c for c in need if c not in raw.columns]
    if missing:
        raise DataError([Problem(str(p), 1, c, "required column is missing") for c in missing])
    raw = raw[list(need)].rename(columns=need)
    raw["year"] = pd.to_numeric(raw["year"], errors="coerce").astype("Int64")
    if raw.duplicated(["province", "year"]).any():
        row = int(np.nonzero(raw.duplicated(["province", "year"]).to_numpy())[0][0]) + 2
        raise DataError([Problem(str(p), row, "年份", "duplicated province and year")])
    raw = raw.sort_values(["province", "year"]).reset_index(drop=True)

    def long(col: str, keep) -> pd.DataFrame:
        d = raw[["province", "year", col]].rename(
            columns={"province": "unique_id", "year": "ds", col: "y"})
        d = d[keep(d) & d["y"].notna()].copy()
        d["ds"] = d["ds"].astype(int)
        d["y"] = d["y"].astype(float)
        d["flags"] = ""
        return d.reset_index(drop=True)

    fai = long("fai", lambda d: (d["ds"] >= 2005) & (d["ds"] <= 2017))
    fai.loc[fai["ds"] >= FAI_SCOPE_BREAK_YEAR, "flags"] = "scope_break_2011"

    gdp = long("gdp", lambda d: d["ds"] > 0)

    idx = raw[["province", "year", "gdp_index"]].copy()
    nxt = idx.groupby("province")["gdp_index"].shift(-1)
    shifted = idx["year"] >= GDP_INDEX_SHIFT_FROM
    idx["value"] = np.where(shifted, nxt, idx["gdp_index"])
    suspect = idx["year"].between(*GDP_INDEX_SUSPECT)
    idx["flags"] = np.where(shifted, "gdp_index_realigned",
                            np.where(suspect, "gdp_index_suspect", ""))
    idx = idx[idx["value"].notna()]
    growth = pd.DataFrame({"unique_id": idx["province"], "ds": idx["year"].astype(int),
                           "y": idx["value"].astype(float) / 100.0 - 1.0,
                           "flags": idx["flags"]}).reset_index(drop=True)

    emp = long("emp", lambda d: d["ds"] > 0)
    span = emp.groupby("unique_id")["ds"].agg(["min", "max", "size"])
    gappy = span.index[(span["max"] - span["min"] + 1) != span["size"]]
    emp.loc[emp["unique_id"].isin(gappy), "flags"] = "employment_gaps"
    return {"fai": fai, "gdp_nominal": gdp, "gdp_real_growth": growth, "employment": emp}
