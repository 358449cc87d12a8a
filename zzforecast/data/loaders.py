"""Strict loaders of the cluster registry, observations, projects and cluster targets.

Each loader reads one file with :func:`~zzforecast.data.io.read_table`, checks every row
and column at once (vectorised with pandas), and either returns a clean frame or raises a
:class:`~zzforecast.exceptions.DataError` listing *all* problems of the file, each with
file, row (as a spreadsheet shows it, header = row 1) and field. At most
:data:`MAX_PROBLEMS` problems per file are listed, then "... and N more".

:func:`load_bundle` (defined in ``bundle.py``, importable from here) loads everything a
run needs from ``data/`` and ``params/`` into a frozen :class:`Bundle`, with sha256
digests of the files read. The row checks themselves live in ``checks.py``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .checks import (
    GROWTH_PERCENT_THRESHOLD,
    MAX_NAME,
    MAX_PROBLEMS,
    MAX_YEAR,
    MIN_YEAR,
    PERCENT_HINT,
    Checker,
    as_numbers,
    as_text,
    bool_column,
    check_columns,
    cluster_id_problems,
    cluster_id_set,
    duplicates,
    flag_values,
    int_values,
    matches,
    no_rows,
    number_problems,
    parse_dates,
    per_unique,
    registry_name,
    require,
    text_problems,
)
from .schemas import (
    CLUSTER_LEVELS,
    CLUSTER_TARGETS_COLUMNS,
    CLUSTERS_COLUMNS,
    CLUSTERS_OPTIONAL,
    FREQUENCIES,
    GROWTH_UNIT,
    INDICATORS,
    MEASURES,
    OBSERVATIONS_COLUMNS,
    PRICE_BASES,
    PROJECT_STATUSES,
    PROJECTS_COLUMNS,
    UNIT_FACTORS,
)
from .tables import read_table

if TYPE_CHECKING:  # provided lazily by __getattr__ below (bundle.py imports this module)
    from .bundle import Bundle, find_table, load_bundle

__all__ = [
    "MAX_PROBLEMS",
    "GROWTH_PERCENT_THRESHOLD",
    "Bundle",
    "check_observations",
    "load_clusters",
    "load_observations",
    "load_projects",
    "load_cluster_targets",
    "load_bundle",
    "find_table",
]

# Largest level accepted, in the indicator's canonical unit (亿元 or 万人): ten times
# China's GDP in 亿元, or 10 billion people in 万人.
MAX_LEVEL = 1e7

_BASIS_NOTE = {
    ("iav", "growth"): " (IAV growth is published at comparable prices, 按可比价格计算)",
    ("fai", "growth"): " (FAI growth is nominal, at current prices)",
}


# --------------------------------------------------------------------------- clusters

def load_clusters(path: str | Path) -> pd.DataFrame:
    """Load and check the cluster registry (``data/clusters.csv``).

    Parameters
    ----------
    path : str or path-like
        CSV (UTF-8 or GBK) or Parquet file with the columns of
        :data:`~zzforecast.data.schemas.CLUSTERS_COLUMNS`.

    Returns
    -------
    pandas.DataFrame
        Columns ``cluster_id, name_zh, name_en, level, county, lead_industries,
        star_target`` (nullable integer) and ``founded`` (int), in file order. The file name
        is kept in ``frame.attrs["file"]``.

    Raises
    ------
    DataError
        Listing every problem: missing or extra columns, blank required cells, unsafe or
        duplicated cluster ids, unknown levels, star targets outside 1..6, bad years.
    """
    file = str(path)
    frame = read_table(path)
    chk = Checker(file, frame.index)
    if not check_columns(chk, frame.columns, CLUSTERS_COLUMNS, optional=CLUSTERS_OPTIONAL):
        chk.raise_if_any()
    no_rows(chk, frame)
    text = {c: as_text(frame, c) if c in frame.columns
            else pd.Series("", index=frame.index, dtype=object) for c in CLUSTERS_COLUMNS}
    present = require(chk, text, ("cluster_id", "name_zh", "level", "founded"))
    text_problems(chk, text, ("name_zh", "name_en"), MAX_NAME)
    text_problems(chk, text, ("cluster_id", "level", "county", "lead_industries",
                              "star_target", "founded", "status_since", "previous_level",
                              "status_source"))
    ok = cluster_id_problems(chk, text["cluster_id"], present["cluster_id"], None)
    duplicates(chk, "cluster_id", text["cluster_id"].to_numpy(dtype=object), ok,
               lambda key: f"cluster id '{key}'")
    flag_values(chk, "level", present["level"] & ~text["level"].isin(CLUSTER_LEVELS).to_numpy(),
                CLUSTER_LEVELS, text["level"], "level")
    star_present = text["star_target"].ne("").to_numpy()
    stars = int_values(chk, "star_target", text["star_target"], star_present, 1, 6, "star level")
    founded = int_values(chk, "founded", text["founded"], present["founded"],
                         MIN_YEAR, MAX_YEAR, "year")
    since_present = text["status_since"].ne("").to_numpy()
    since = int_values(chk, "status_since", text["status_since"], since_present,
                       MIN_YEAR, MAX_YEAR, "year")
    previous = text["previous_level"]
    prev_present = previous.ne("").to_numpy()
    flag_values(chk, "previous_level", prev_present & ~previous.isin(CLUSTER_LEVELS).to_numpy(),
                CLUSTER_LEVELS, previous, "level")
    chk.add(prev_present & (previous == text["level"]).to_numpy(), "previous_level",
            lambda i: f"'{previous.iloc[i]}' is the same as 'level': a status change needs "
                      "a different previous level (or leave it blank)")
    chk.add(prev_present & ~since_present, "status_since",
            lambda i: "is blank although 'previous_level' is given: write the year the "
                      "current level took effect")
    chk.raise_if_any()
    out = pd.DataFrame({c: text[c].astype(str).to_numpy() for c in CLUSTERS_COLUMNS})
    out["star_target"] = stars.astype("Int64").reset_index(drop=True)
    out["founded"] = founded.astype("int64").to_numpy()
    out["status_since"] = since.astype("Int64").reset_index(drop=True)
    out.attrs["file"] = file
    return out


def levels_in_year(clusters: pd.DataFrame, year: int) -> dict[str, str]:
    """Each zone's status (``provincial`` / ``municipal``) in ``year``.

    ``level`` holds from ``status_since`` on; before it, ``previous_level`` (when given).
    Registries without the status columns give ``level`` for every year.
    """
    out = {}
    since = clusters["status_since"] if "status_since" in clusters.columns else None
    previous = clusters["previous_level"] if "previous_level" in clusters.columns else None
    for i, (cid, level) in enumerate(zip(clusters["cluster_id"], clusters["level"],
                                         strict=True)):
        start = None if since is None else pd.to_numeric(since.iloc[i], errors="coerce")
        before = "" if previous is None or pd.isna(previous.iloc[i]) else str(previous.iloc[i])
        if start is not None and not pd.isna(start) and int(year) < int(start) and before.strip():
            out[cid] = before
        else:
            out[cid] = str(level)
    return out


# --------------------------------------------------------------------------- observations

def load_observations(path: str | Path, clusters=None) -> pd.DataFrame:
    """Load and check observations (``data/observations.csv`` or ``.parquet``).

    Parameters
    ----------
    path : str or path-like
        CSV (UTF-8 or GBK) or Parquet file with the columns of
        :data:`~zzforecast.data.schemas.OBSERVATIONS_COLUMNS`.
    clusters : pandas.DataFrame or iterable of str, optional
        The cluster registry (or its ids); rows of other clusters are errors. ``None``
        skips that check.

    Returns
    -------
    pandas.DataFrame
        The columns of ``OBSERVATIONS_COLUMNS`` with ``value`` converted to the
        indicator's canonical unit (亿元, 万人; growth stays a fraction), ``unit`` set to
        that canonical unit, ``synthetic`` as bool, ``period`` and ``vintage`` kept as
        text (YYYY / YYYY-MM and YYYY-MM-DD), plus ``year`` (int) and ``ds``: the year
        (int) for annual rows, the month-end Timestamp for monthly year-to-date rows.

    Raises
    ------
    DataError
        Listing every problem, each with file, row and field: missing or extra columns;
        unknown cluster, indicator, measure, frequency, unit or price basis; a price basis
        that contradicts the indicator (IAV growth is real); a January monthly row;
        impossible periods or vintages; non-numeric, infinite or negative levels; growth
        written in percent; a series that mixes units; duplicate periods; year-to-date
        levels that fall within a year; a synthetic flag that is not true/false.
    """
    frame = read_table(path)
    checked, chk = check_observations(frame, str(path), clusters)
    chk.raise_if_any()
    return checked


def check_observations(frame: pd.DataFrame, file: str, clusters=None,
                       labels: Mapping[str, str] | None = None, require_rows: bool = True,
                       percent_message: str | None = None,
                       ) -> tuple[pd.DataFrame | None, Checker]:
    """Check an observations frame whose index holds the row numbers users see.

    The ledger importer uses this too, with ``labels`` mapping field names to its Chinese
    column headers. Returns the clean frame (``None`` when there were problems) and the
    checker holding the problems. ``percent_message`` (a format string with ``{value}`` and
    ``{percent}``) replaces the "looks like a percent" message where values were percent.
    """
    chk = Checker(file, frame.index, labels)
    if not check_columns(chk, frame.columns, OBSERVATIONS_COLUMNS):
        return None, chk
    if require_rows and len(frame) == 0:
        chk.whole(None, "has a header but no data rows")
        return None, chk
    cluster_ids = cluster_id_set(clusters)
    text = {c: as_text(frame, c) for c in OBSERVATIONS_COLUMNS if c != "value"}
    text["value"] = as_text(frame, "value")
    present = require(chk, text, OBSERVATIONS_COLUMNS)
    text_problems(chk, text, OBSERVATIONS_COLUMNS)
    # A spreadsheet would run text starting with '=', '+', '@' or '-' (a word) as a formula
    # when the observations CSV is opened; such text is refused, not written on.
    formula = matches(text["source"], r"[=+@].*|-[^\d\s.].*")
    chk.add(formula, "source", lambda i: (
        f"'{text['source'].iloc[i][:40]}' starts like a spreadsheet formula; start the "
        "text with a letter or digit"))

    cid_ok = cluster_id_problems(chk, text["cluster_id"], present["cluster_id"], cluster_ids,
                                 registry=registry_name(clusters))
    ind = text["indicator"]
    ind_ok = present["indicator"] & ind.isin(INDICATORS).to_numpy()
    flag_values(chk, "indicator", present["indicator"] & ~ind_ok, INDICATORS, ind, "indicator")
    measure = text["measure"]
    measure_ok = present["measure"] & measure.isin(MEASURES).to_numpy()
    flag_values(chk, "measure", present["measure"] & ~measure_ok, MEASURES, measure, "measure")
    freq = text["frequency"]
    freq_ok = present["frequency"] & freq.isin(FREQUENCIES).to_numpy()
    flag_values(chk, "frequency", present["frequency"] & ~freq_ok, FREQUENCIES, freq,
                "frequency")
    is_level = measure.eq("level").to_numpy()
    is_growth = measure.eq("growth").to_numpy()

    # periods
    year, month, period_ok = _periods(chk, text["period"], freq, present["period"] & freq_ok)

    # values
    values = as_numbers(frame, "value")
    val_ok = number_problems(chk, "value", text["value"], values, present["value"])
    v = values.to_numpy()
    negative = val_ok & is_level & (v < 0)
    chk.add(negative, "value", lambda i: f"negative level {v[i]:g}; levels cannot be negative")
    percent = val_ok & is_growth & (np.abs(v) > GROWTH_PERCENT_THRESHOLD)
    chk.add(percent, "value", lambda i: (
        percent_message.format(value=v[i], percent=v[i] * 100) if percent_message
        else f"growth {v[i]:g} looks like a percent; {PERCENT_HINT}"))
    below = val_ok & is_growth & (v < -1) & ~percent
    chk.add(below, "value", lambda i: f"growth {v[i]:g} is below -100%, which is impossible")
    val_ok &= ~(negative | percent | below)

    # units
    unit = text["unit"]
    units = unit.to_numpy(dtype=object)
    canonical = ind.map(lambda k: INDICATORS[k].unit if k in INDICATORS else "").to_numpy(dtype=object)
    factor_map = {(k, u): f for k, spec in INDICATORS.items()
                  for u, f in UNIT_FACTORS.get(spec.unit, {spec.unit: 1.0}).items()}
    pairs = list(zip(ind.to_numpy(dtype=object), units, strict=True))
    factor = np.array([factor_map.get(p, np.nan) for p in pairs], dtype=float)
    level_unit_bad = present["unit"] & ind_ok & is_level & np.isnan(factor)
    chk.add(level_unit_bad, "unit", lambda i: (
        f"unit '{units[i]}' is not a unit of {ind.iat[i]}; expected one of "
        f"{', '.join(UNIT_FACTORS.get(canonical[i], {canonical[i]: 1}))}"))
    growth_unit_bad = present["unit"] & is_growth & (unit != GROWTH_UNIT).to_numpy()
    chk.add(growth_unit_bad, "unit", lambda i: (
        f"unit of a growth rate must be '{GROWTH_UNIT}', got '{units[i]}'; {PERCENT_HINT}"))
    factor = np.where(is_growth, 1.0, factor)
    unit_ok = present["unit"] & ~level_unit_bad & ~growth_unit_bad
    # A level beyond any economy (1e308 overflows float32 paths to inf) is a typo or junk.
    with np.errstate(invalid="ignore", over="ignore"):
        huge = val_ok & unit_ok & is_level & ~(np.abs(v * np.nan_to_num(factor)) <= MAX_LEVEL)
    chk.add(huge, "value", lambda i: (
        f"level {v[i]:g} {units[i]} is implausibly large (more than {MAX_LEVEL:g} in "
        f"{canonical[i]}); check the value and its unit"))
    val_ok &= ~huge

    # price basis
    basis = text["price_basis"]
    bases = basis.to_numpy(dtype=object)
    basis_known = present["price_basis"] & basis.isin(PRICE_BASES).to_numpy()
    flag_values(chk, "price_basis", present["price_basis"] & ~basis_known, PRICE_BASES,
                basis, "price basis")
    expected_basis = np.array([
        (INDICATORS[k].level_price_basis if m == "level" else INDICATORS[k].growth_price_basis)
        if k in INDICATORS and m in MEASURES else ""
        for k, m in zip(ind.to_numpy(dtype=object), measure.to_numpy(dtype=object), strict=True)
    ], dtype=object)
    contradicts = basis_known & ind_ok & measure_ok & (bases != expected_basis)
    inds = ind.to_numpy(dtype=object)
    measures = measure.to_numpy(dtype=object)
    chk.add(contradicts, "price_basis", lambda i: (
        f"{inds[i]} {measures[i]} is '{expected_basis[i]}', not '{bases[i]}'"
        f"{_BASIS_NOTE.get((inds[i], measures[i]), '')}; never mix price bases"))

    # vintage
    vintage = parse_dates(chk, "vintage", text["vintage"], present["vintage"])
    period_end = _period_end(year, month, freq.to_numpy(dtype=object), period_ok)
    early = vintage.notna().to_numpy() & period_ok & (vintage.to_numpy() < period_end)
    vint = text["vintage"].to_numpy(dtype=object)
    periods = text["period"].to_numpy(dtype=object)
    chk.add(early, "vintage", lambda i: (
        f"vintage {vint[i]} is before the end of period {periods[i]}: a number cannot be "
        "published before its period ends"))

    synthetic = bool_column(chk, "synthetic", text["synthetic"])

    # series-level checks on rows whose keys are sound
    key_ok = cid_ok & ind_ok & measure_ok & freq_ok & period_ok
    series = (text["cluster_id"] + "/" + ind + "/" + measure + "/" + freq).to_numpy(dtype=object)
    # one row per period and vintage: several vintages of a period are revisions (kept;
    # an as-of uses the latest published by then, see data/vintages.py)
    duplicates(chk, "period", (series + "@" + periods.astype(str) + "@"
                               + vint.astype(str)).astype(object), key_ok,
               lambda key: (f"period {key.split('@')[1]} (vintage {key.split('@')[2]}) "
                            f"for series {key.split('@')[0]}"))
    _unit_mismatch(chk, series, units, key_ok & unit_ok)
    flow = ind.map(lambda k: INDICATORS[k].flow if k in INDICATORS else False).to_numpy(dtype=bool)
    cum = key_ok & val_ok & unit_ok & is_level & flow & freq.eq("monthly_ytd").to_numpy()
    _falling_cumulative(chk, series, year, month, v * factor, periods,
                        cum & _latest_vintage(series, periods, vintage))

    if chk._items:
        return None, chk
    out = pd.DataFrame({c: text[c].to_numpy(dtype=object) for c in OBSERVATIONS_COLUMNS})
    out["value"] = v * factor
    out["unit"] = np.where(is_growth, GROWTH_UNIT, canonical)
    out["synthetic"] = synthetic.to_numpy(dtype=bool)
    out["year"] = year.astype("int64")
    out["ds"] = _ds(year, month, freq.to_numpy(dtype=object))
    out.attrs["file"] = file
    return out, chk


def _latest_vintage(series: np.ndarray, periods: np.ndarray, vintage: pd.Series) -> np.ndarray:
    """True on the latest vintage of each (series, period) (revisions are checked as held)."""
    frame = pd.DataFrame({"s": series, "p": periods.astype(str),
                          "v": vintage.to_numpy(), "pos": np.arange(len(series))})
    frame = frame.sort_values(["s", "p", "v", "pos"], kind="stable", na_position="first")
    out = np.zeros(len(series), dtype=bool)
    out[frame.loc[~frame.duplicated(["s", "p"], keep="last"), "pos"].to_numpy()] = True
    return out


def _periods(chk: Checker, period: pd.Series, freq: pd.Series,
             ok: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse YYYY (annual) and YYYY-MM (monthly year-to-date) periods."""
    annual = freq.eq("annual").to_numpy() & ok
    monthly = freq.eq("monthly_ytd").to_numpy() & ok
    parts = per_unique(period, lambda u: u.str.extract(r"^(\d{4})(?:-(\d{1,2}))?$"))
    year = pd.to_numeric(parts[0], errors="coerce").to_numpy()
    month = pd.to_numeric(parts[1], errors="coerce").to_numpy()
    has_year = ~np.isnan(year)
    has_month = ~np.isnan(month)
    two_digit = parts[1].str.len().eq(2).to_numpy()
    values = period.to_numpy(dtype=object)
    bad_annual = annual & ~(has_year & ~has_month)
    chk.add(bad_annual, "period", lambda i: (
        f"annual period must be a year YYYY, got '{values[i]}'"))
    bad_monthly = monthly & ~(has_year & has_month & two_digit)
    chk.add(bad_monthly, "period", lambda i: (
        f"monthly period must be YYYY-MM (02 to 12), got '{values[i]}'"))
    well_formed = (annual & ~bad_annual) | (monthly & ~bad_monthly)
    yr_bad = well_formed & ((year < MIN_YEAR) | (year > MAX_YEAR))
    chk.add(yr_bad, "period", lambda i: f"year {values[i][:4]} is outside {MIN_YEAR}..{MAX_YEAR}")
    january = monthly & ~bad_monthly & (month == 1)
    chk.add(january, "period", lambda i: (
        f"'{values[i]}': there is no January row; the first monthly release is "
        "January–February (YYYY-02), whose cumulative value covers both months"))
    impossible = monthly & ~bad_monthly & ((month < 1) | (month > 12))
    chk.add(impossible, "period", lambda i: f"impossible month in '{values[i]}'")
    good = well_formed & ~yr_bad & ~january & ~impossible
    year = np.where(good, year, 0).astype(np.int64)
    month = np.where(good & monthly, month, 0).astype(np.int64)
    return year, month, good


def _period_end(year: np.ndarray, month: np.ndarray, freq: np.ndarray,
                ok: np.ndarray) -> np.ndarray:
    end_month = np.where(freq == "annual", 12, month)
    end_month = np.where(ok, end_month, 1)
    yr = np.where(ok, year, 2000)
    return (pd.to_datetime({"year": yr, "month": end_month, "day": 1})
            + pd.offsets.MonthEnd(0)).to_numpy()


def _ds(year: np.ndarray, month: np.ndarray, freq: np.ndarray) -> np.ndarray:
    out = np.empty(len(year), dtype=object)
    annual = freq == "annual"
    out[annual] = [int(y) for y in year[annual]]
    monthly = ~annual
    if monthly.any():
        ends = (pd.to_datetime({"year": year[monthly], "month": month[monthly], "day": 1})
                + pd.offsets.MonthEnd(0))
        out[monthly] = list(ends)
    return out


def _unit_mismatch(chk: Checker, series: np.ndarray, units: np.ndarray, ok: np.ndarray) -> None:
    if not ok.any():
        return
    s = pd.Series(series[ok])
    u = pd.Series(units[ok])
    rows = pd.Series(chk.rows[ok])
    first_unit = u.groupby(s.to_numpy(), sort=False).transform("first").to_numpy()
    first_row = rows.groupby(s.to_numpy(), sort=False).transform("first").to_numpy()
    differ = u.to_numpy() != first_unit
    if not differ.any():
        return
    mask = np.zeros(len(ok), dtype=bool)
    pos = np.flatnonzero(ok)
    mask[pos[differ]] = True
    ref_unit = np.empty(len(ok), dtype=object)
    ref_unit[pos] = first_unit
    ref_row = np.zeros(len(ok), dtype=np.int64)
    ref_row[pos] = first_row
    chk.add(mask, "unit", lambda i: (
        f"unit '{units[i]}' differs from '{ref_unit[i]}' (row {ref_row[i]}) in series "
        f"{series[i]}; one series uses one unit (convert explicitly)"))


def _falling_cumulative(chk: Checker, series: np.ndarray, year: np.ndarray, month: np.ndarray,
                        value: np.ndarray, periods: np.ndarray, ok: np.ndarray) -> None:
    if not ok.any():
        return
    pos = np.flatnonzero(ok)
    df = pd.DataFrame({"s": series[pos], "y": year[pos], "m": month[pos], "v": value[pos],
                       "pos": pos})
    df = df.sort_values(["s", "y", "m"], kind="stable")
    same = (df["s"].eq(df["s"].shift())) & (df["y"].eq(df["y"].shift()))
    prev_v = df["v"].shift()
    prev_pos = df["pos"].shift()
    tol = 1e-9 * np.maximum(np.abs(df["v"]), np.abs(prev_v.fillna(0)))
    falls = same & (df["v"] < prev_v - tol)
    if not falls.any():
        return
    mask = np.zeros(len(ok), dtype=bool)
    hit = df.loc[falls, "pos"].to_numpy()
    mask[hit] = True
    before = np.zeros(len(ok), dtype=np.int64)
    before[hit] = prev_pos[falls].astype(np.int64).to_numpy()
    chk.add(mask, "value", lambda i: (
        f"year-to-date level falls from {value[before[i]]:g} ({periods[before[i]]}, row "
        f"{chk.rows[before[i]]}) to {value[i]:g} ({periods[i]}) in series {series[i]}; "
        "cumulative values cannot fall within a year"))


# --------------------------------------------------------------------------- projects

def load_projects(path: str | Path, clusters=None) -> pd.DataFrame:
    """Load and check major projects (``data/projects.csv`` or ``.parquet``).

    Parameters
    ----------
    path : str or path-like
        File with the columns of :data:`~zzforecast.data.schemas.PROJECTS_COLUMNS`.
    clusters : pandas.DataFrame or iterable of str, optional
        The cluster registry (or its ids); ``None`` skips the unknown-cluster check.

    Returns
    -------
    pandas.DataFrame
        The columns of ``PROJECTS_COLUMNS``: investments as floats (亿元), ``year`` as int,
        ``synthetic`` as bool, ``planned_start`` / ``planned_completion`` as ``YYYY-MM``
        text (blank when unknown).

    Raises
    ------
    DataError
        Listing every problem: columns, blank or duplicated project ids, unknown clusters
        or statuses, non-numeric or negative investments, planned investment above the
        total, impossible months, completion before start, bad synthetic flags.
    """
    file = str(path)
    frame = read_table(path)
    chk = Checker(file, frame.index)
    if not check_columns(chk, frame.columns, PROJECTS_COLUMNS):
        chk.raise_if_any()
    cluster_ids = cluster_id_set(clusters)
    text = {c: as_text(frame, c) for c in PROJECTS_COLUMNS}
    present = require(chk, text, ("project_id", "cluster_id", "name_zh", "status",
                                  "total_investment", "planned_investment", "year", "source",
                                  "synthetic"))
    text_problems(chk, text, ("name_zh", "name_en"), MAX_NAME)
    text_problems(chk, text, [c for c in PROJECTS_COLUMNS if c not in ("name_zh", "name_en")])
    duplicates(chk, "project_id", text["project_id"].to_numpy(dtype=object),
               present["project_id"], lambda key: f"project id '{key}'")
    cluster_id_problems(chk, text["cluster_id"], present["cluster_id"], cluster_ids,
                        registry=registry_name(clusters))
    status = text["status"]
    flag_values(chk, "status", present["status"] & ~status.isin(PROJECT_STATUSES).to_numpy(),
                PROJECT_STATUSES, status, "status")
    amounts = {}
    for col in ("total_investment", "planned_investment"):
        values = as_numbers(frame, col)
        ok = number_problems(chk, col, text[col], values, present[col])
        v = values.to_numpy()
        chk.add(ok & (v < 0), col, lambda i, v=v: f"negative investment {v[i]:g}")
        huge = ok & (np.abs(v) > MAX_LEVEL)
        chk.add(huge, col, lambda i, v=v: (
            f"investment {v[i]:g} is implausibly large (more than {MAX_LEVEL:g} 亿元)"))
        amounts[col] = (v, ok & ~(v < 0) & ~huge)
    (tot, tot_ok), (plan, plan_ok) = amounts["total_investment"], amounts["planned_investment"]
    chk.add(tot_ok & plan_ok & (plan > tot * (1 + 1e-9)), "planned_investment", lambda i: (
        f"planned investment {plan[i]:g} exceeds the total investment {tot[i]:g}"))
    months = {}
    for col in ("planned_start", "planned_completion"):
        t = text[col]
        raw = t.to_numpy(dtype=object)
        has = t.ne("").to_numpy()
        shaped = matches(t, r"\d{4}-\d{2}")
        parsed = pd.to_datetime(t.where(shaped, None), format="%Y-%m", errors="coerce")
        chk.add(has & ~shaped, col, lambda i, raw=raw: f"month must be YYYY-MM, got '{raw[i]}'")
        chk.add(has & shaped & parsed.isna().to_numpy(), col,
                lambda i, raw=raw: f"impossible month '{raw[i]}'")
        months[col] = parsed
    start, end = months["planned_start"], months["planned_completion"]
    both = (start.notna() & end.notna()).to_numpy()
    starts = text["planned_start"].to_numpy(dtype=object)
    ends = text["planned_completion"].to_numpy(dtype=object)
    chk.add(both & (end.to_numpy() < start.to_numpy()), "planned_completion",
            lambda i: f"completion {ends[i]} is before the start {starts[i]}")
    year = int_values(chk, "year", text["year"], present["year"], MIN_YEAR, MAX_YEAR, "year")
    synthetic = bool_column(chk, "synthetic", text["synthetic"])
    chk.raise_if_any()
    out = pd.DataFrame({c: text[c].to_numpy(dtype=object) for c in PROJECTS_COLUMNS})
    out["total_investment"] = tot
    out["planned_investment"] = plan
    out["year"] = year.astype("int64").to_numpy()
    out["synthetic"] = synthetic.to_numpy(dtype=bool)
    out.attrs["file"] = file
    return out


# --------------------------------------------------------------------------- cluster targets

_TARGET_FILE_RE = re.compile(r"^(\d{4})_clusters$")


def load_cluster_targets(path: str | Path, clusters=None, year: int | None = None) -> pd.DataFrame:
    """Load and check per-cluster targets (``params/plans/<year>/cluster_targets.csv``).

    Parameters
    ----------
    path : str or path-like
        File with the columns of :data:`~zzforecast.data.schemas.CLUSTER_TARGETS_COLUMNS`.
    clusters : pandas.DataFrame or iterable of str, optional
        The cluster registry (or its ids); ``None`` skips the unknown-cluster check.
    year : int, optional
        The plan year the file belongs to; else taken from its plan folder
        (``plans/<year>/``) or a file name ``<year>_clusters.csv`` (else missing).

    Returns
    -------
    pandas.DataFrame
        The columns of ``CLUSTER_TARGETS_COLUMNS`` (level values converted to the
        indicator's canonical unit, growth as fractions, ``derived`` as bool) plus ``year``
        (int).

    Raises
    ------
    DataError
        Listing every problem: columns, unknown clusters, indicators or kinds, units that
        do not fit, growth in percent, non-numeric values, duplicate targets, bad flags.
    """
    file = str(path)
    frame = read_table(path)
    chk = Checker(file, frame.index)
    if not check_columns(chk, frame.columns, CLUSTER_TARGETS_COLUMNS):
        chk.raise_if_any()
    text = {c: as_text(frame, c) for c in CLUSTER_TARGETS_COLUMNS}
    present = require(chk, text, ("cluster_id", "indicator", "kind", "value", "unit", "derived",
                                  "source"))
    text_problems(chk, text, CLUSTER_TARGETS_COLUMNS)
    cid_ok = cluster_id_problems(chk, text["cluster_id"], present["cluster_id"],
                                 cluster_id_set(clusters), registry=registry_name(clusters))
    ind = text["indicator"]
    ind_ok = present["indicator"] & ind.isin(INDICATORS).to_numpy()
    flag_values(chk, "indicator", present["indicator"] & ~ind_ok, INDICATORS, ind, "indicator")
    kinds = ("growth", "level")
    kind = text["kind"]
    kind_ok = present["kind"] & kind.isin(kinds).to_numpy()
    flag_values(chk, "kind", present["kind"] & ~kind_ok, kinds, kind, "kind")
    is_growth = kind.eq("growth").to_numpy()
    is_level = kind.eq("level").to_numpy()
    values = as_numbers(frame, "value")
    val_ok = number_problems(chk, "value", text["value"], values, present["value"])
    v = values.to_numpy()
    chk.add(val_ok & is_growth & (np.abs(v) > GROWTH_PERCENT_THRESHOLD), "value",
            lambda i: f"growth target {v[i]:g} looks like a percent; {PERCENT_HINT}")
    chk.add(val_ok & is_level & (v < 0), "value", lambda i: f"negative level target {v[i]:g}")
    units = text["unit"].to_numpy(dtype=object)
    inds = ind.to_numpy(dtype=object)
    factor = np.array([
        1.0 if g else UNIT_FACTORS.get(INDICATORS[k].unit, {INDICATORS[k].unit: 1.0}).get(u, np.nan)
        if k in INDICATORS else np.nan
        for k, u, g in zip(inds, units, is_growth, strict=True)], dtype=float)
    chk.add(present["unit"] & is_growth & (units != GROWTH_UNIT), "unit",
            lambda i: f"unit of a growth target must be '{GROWTH_UNIT}', got '{units[i]}'")
    chk.add(present["unit"] & ind_ok & is_level & np.isnan(factor), "unit", lambda i: (
        f"unit '{units[i]}' is not a unit of {inds[i]}; expected one of "
        f"{', '.join(UNIT_FACTORS.get(INDICATORS[inds[i]].unit, {INDICATORS[inds[i]].unit: 1}))}"))
    derived = bool_column(chk, "derived", text["derived"])
    keys = (text["cluster_id"] + "/" + ind + "/" + kind).to_numpy(dtype=object)
    duplicates(chk, "kind", keys, cid_ok & ind_ok & kind_ok,
               lambda key: f"target {key}")
    chk.raise_if_any()
    out = pd.DataFrame({c: text[c].to_numpy(dtype=object) for c in CLUSTER_TARGETS_COLUMNS})
    out["value"] = v * factor
    out["unit"] = [GROWTH_UNIT if g else INDICATORS[k].unit for k, g in zip(inds, is_growth,
                                                                            strict=True)]
    out["derived"] = derived.to_numpy(dtype=bool)
    match = _TARGET_FILE_RE.match(Path(path).stem)
    if year is None and match:
        year = int(match.group(1))
    elif year is None and re.fullmatch(r"\d{4}", Path(path).parent.name):
        year = int(Path(path).parent.name)  # params/plans/<year>/cluster_targets.csv
    out["year"] = pd.array([int(year) if year is not None else pd.NA] * len(out), dtype="Int64")
    out.attrs["file"] = file
    return out



# The bundle lives in bundle.py; these names stay importable from here.
_BUNDLE_NAMES = ("Bundle", "load_bundle", "find_table")


def __getattr__(name: str):
    if name in _BUNDLE_NAMES:
        from . import bundle

        return getattr(bundle, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
