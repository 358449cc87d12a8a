"""Strict loaders of the cluster registry, observations, projects and cluster targets.

Each loader reads one file with :func:`~zzforecast.data.io.read_table`, checks every row
and column at once (vectorised with pandas), and either returns a clean frame or raises a
:class:`~zzforecast.exceptions.DataError` listing *all* problems of the file, each with
file, row (as a spreadsheet shows it, header = row 1) and field. At most
:data:`MAX_PROBLEMS` problems per file are listed, then "... and N more".

:func:`load_bundle` loads everything a run needs from ``data/`` and ``params/`` into a
frozen :class:`Bundle`, with sha256 digests of the files read.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import DataError, Problem
from .io import file_digest, read_table
from .schemas import (
    CLUSTER_ID_PATTERN,
    CLUSTER_LEVELS,
    CLUSTER_TARGETS_COLUMNS,
    CLUSTERS_COLUMNS,
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

__all__ = [
    "MAX_PROBLEMS",
    "GROWTH_PERCENT_THRESHOLD",
    "Bundle",
    "load_clusters",
    "load_observations",
    "load_projects",
    "load_cluster_targets",
    "load_bundle",
    "find_table",
]

MAX_PROBLEMS = 50
# A growth rate whose absolute value exceeds this is taken to be a percent written where a
# fraction belongs (0.13 for 13 %). Real cluster growth beyond ±150 % is implausible.
GROWTH_PERCENT_THRESHOLD = 1.5
# Years accepted in periods and targets.
MIN_YEAR, MAX_YEAR = 1949, 2100

_ID_RE = re.compile(CLUSTER_ID_PATTERN)
_ID_RULE = ("lower-case ASCII letters, digits and '_', starting with a letter, at most 40 "
            "characters (cluster ids become file names)")
_PERCENT_HINT = "growth is a fraction, e.g. 0.13 for 13%"
_BASIS_NOTE = {
    ("iav", "growth"): " (IAV growth is published at comparable prices, 按可比价格计算)",
    ("fai", "growth"): " (FAI growth is nominal, at current prices)",
}


# --------------------------------------------------------------------------- checker

class _Checker:
    """Collects problems of one file; masks are positional boolean arrays."""

    def __init__(self, file: str, rows: Iterable[int], labels: Mapping[str, str] | None = None):
        self.file = file
        self.rows = np.asarray(list(rows) if not isinstance(rows, np.ndarray) else rows,
                               dtype=np.int64)
        self.labels = dict(labels or {})
        self.bad = np.zeros(len(self.rows), dtype=bool)
        self._items: list[tuple[int, int, str | None, str]] = []

    def label(self, name: str | None) -> str | None:
        return self.labels.get(name, name) if name else name

    def add(self, mask, field: str | None, message: str | Callable[[int], str]) -> None:
        mask = np.asarray(mask, dtype=bool)
        positions = np.flatnonzero(mask)
        if not len(positions):
            return
        self.bad |= mask
        for i in positions:
            text = message(int(i)) if callable(message) else message
            self._items.append((int(self.rows[i]), len(self._items), self.label(field), text))

    def whole(self, field: str | None, message: str, row: int | None = None) -> None:
        self._items.append((row if row is not None else 0, len(self._items),
                            self.label(field), message))

    def problems(self, limit: int = MAX_PROBLEMS) -> list[Problem]:
        items = sorted(self._items, key=lambda t: (t[0], t[1]))
        out = [Problem(self.file, row or None, fld, msg) for row, _, fld, msg in items[:limit]]
        if len(items) > limit:
            out.append(Problem(self.file, None, None,
                               f"... and {len(items) - limit} more problems"))
        return out

    def raise_if_any(self) -> None:
        if self._items:
            raise DataError(self.problems())


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column as stripped text; missing values as ''; booleans as 'true'/'false'."""
    col = frame[column]
    if pd.api.types.is_bool_dtype(col):
        return pd.Series(np.where(col.to_numpy(), "true", "false"), index=col.index, dtype=object)
    if pd.api.types.is_float_dtype(col):
        # Parquet integers with gaps arrive as floats: write 2016.0 as 2016
        as_int = col.dropna()
        if len(as_int) and (as_int == np.round(as_int)).all():
            return col.map(lambda v: "" if pd.isna(v) else str(int(v))).astype(object)
    # Work on the distinct values only: most columns repeat a few strings many times.
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    cleaned = np.array([str(u).strip() for u in uniques] + [""], dtype=object)
    return pd.Series(cleaned[codes], index=col.index, dtype=object)


def _per_unique(text: pd.Series, func: Callable[[pd.Series], Any]) -> Any:
    """Apply a vectorised string function to the distinct values and broadcast back."""
    codes, uniques = pd.factorize(text)
    result = func(pd.Series(uniques, dtype=object))
    if isinstance(result, pd.DataFrame):
        return result.iloc[codes].reset_index(drop=True)
    return np.asarray(result)[codes]


def _matches(text: pd.Series, pattern: str) -> np.ndarray:
    return _per_unique(text, lambda u: u.str.fullmatch(pattern).fillna(False)
                       .to_numpy(dtype=bool)).astype(bool)


def _numbers(frame: pd.DataFrame, column: str) -> pd.Series:
    col = frame[column]
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        return col.astype(float)
    return pd.to_numeric(_text(frame, column), errors="coerce").astype(float)


def _check_columns(chk: _Checker, columns: Iterable[str], expected: Iterable[str],
                   optional: Iterable[str] = ()) -> bool:
    """Missing and extra columns; returns False when a required column is missing."""
    columns = list(columns)
    expected = list(expected)
    optional = set(optional)
    missing = [c for c in expected if c not in columns and c not in optional]
    extra = [c for c in columns if c not in expected]
    listing = ", ".join(chk.label(c) for c in expected)
    for c in missing:
        chk.whole(c, f"missing column (expected columns: {listing})", row=1)
    for c in extra:
        chk.whole(c, f"unexpected column (expected columns: {listing})", row=1)
    return not missing


def _number_problems(chk: _Checker, column: str, raw: pd.Series, values: pd.Series,
                     present: np.ndarray) -> np.ndarray:
    """Non-numeric and infinite values; returns the mask of usable finite numbers."""
    raw = raw.to_numpy(dtype=object)
    nan = values.isna().to_numpy()
    inf = np.isinf(values.to_numpy())
    not_number = present & nan

    def why(i: int) -> str:
        text = str(raw[i])
        if text.endswith("%"):
            return f"'{text}' is a percent; {_PERCENT_HINT}"
        if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d*)?", text):
            return f"'{text}' is not a number: remove the thousands separators"
        return f"not a number: '{text}'"

    chk.add(not_number, column, why)
    chk.add(present & inf, column, lambda i: f"is infinite ('{raw[i]}'); expected a finite number")
    return present & ~nan & ~inf


def _flag_values(chk: _Checker, column: str, mask: np.ndarray, allowed: Iterable[str],
                 text: pd.Series, what: str) -> None:
    values = text.to_numpy(dtype=object)
    listing = ", ".join(allowed)
    chk.add(mask, column, lambda i: f"unknown {what} '{values[i]}'; expected one of {listing}")


def _bool_column(chk: _Checker, column: str, text: pd.Series) -> pd.Series:
    lower = text.str.lower()
    values = text.to_numpy(dtype=object)
    bad = (~lower.isin(["true", "false"])).to_numpy()
    chk.add(bad, column, lambda i: f"must be true or false, got '{values[i]}'")
    return lower.eq("true")


def _blank(chk: _Checker, text: dict[str, pd.Series], columns: Iterable[str]) -> dict[str, np.ndarray]:
    present = {}
    for c in columns:
        p = text[c].ne("").to_numpy()
        chk.add(~p, c, "is empty")
        present[c] = p
    return present


def _cluster_id_problems(chk: _Checker, text: pd.Series, present: np.ndarray,
                         cluster_ids: set[str] | None, field_name: str = "cluster_id",
                         registry: str = "clusters.csv") -> np.ndarray:
    values = text.to_numpy(dtype=object)
    valid = _matches(text, CLUSTER_ID_PATTERN)
    chk.add(present & ~valid, field_name,
            lambda i: f"cluster id '{values[i]}' is not allowed: use {_ID_RULE}")
    ok = present & valid
    if cluster_ids is not None:
        known = text.isin(cluster_ids).to_numpy()
        chk.add(ok & ~known, field_name,
                lambda i: f"unknown cluster '{values[i]}' (not in {registry})")
        ok &= known
    return ok


def _cluster_id_set(clusters) -> set[str] | None:
    if clusters is None:
        return None
    if isinstance(clusters, pd.DataFrame):
        return set(clusters["cluster_id"].astype(str))
    return {str(c) for c in clusters}


def _registry_name(clusters) -> str:
    if isinstance(clusters, pd.DataFrame):
        return clusters.attrs.get("file", "clusters.csv")
    return "the cluster registry"


def _int_values(chk: _Checker, column: str, text: pd.Series, present: np.ndarray,
                low: int, high: int, what: str) -> pd.Series:
    values = text.to_numpy(dtype=object)
    num = pd.to_numeric(text, errors="coerce")
    ok_num = num.notna().to_numpy() & np.isfinite(num.fillna(0).to_numpy())
    integral = ok_num & (num.fillna(0).to_numpy() == np.round(num.fillna(0).to_numpy()))
    chk.add(present & ~integral, column, lambda i: f"{what} must be a whole number, got '{values[i]}'")
    n = num.to_numpy()
    out_of_range = present & integral & ((n < low) | (n > high))
    chk.add(out_of_range, column, lambda i: f"{what} {values[i]} is outside {low}..{high}")
    return num.where(present & integral & ~out_of_range)


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
    chk = _Checker(file, frame.index)
    if not _check_columns(chk, frame.columns, CLUSTERS_COLUMNS):
        chk.raise_if_any()
    _no_rows(chk, frame)
    text = {c: _text(frame, c) for c in CLUSTERS_COLUMNS}
    present = _blank(chk, text, ("cluster_id", "name_zh", "level", "founded"))
    ok = _cluster_id_problems(chk, text["cluster_id"], present["cluster_id"], None)
    _duplicates(chk, "cluster_id", text["cluster_id"].to_numpy(dtype=object), ok,
                lambda key: f"cluster id '{key}'")
    _flag_values(chk, "level", present["level"] & ~text["level"].isin(CLUSTER_LEVELS).to_numpy(),
                 CLUSTER_LEVELS, text["level"], "level")
    star_present = text["star_target"].ne("").to_numpy()
    stars = _int_values(chk, "star_target", text["star_target"], star_present, 1, 6, "star level")
    founded = _int_values(chk, "founded", text["founded"], present["founded"],
                          MIN_YEAR, MAX_YEAR, "year")
    chk.raise_if_any()
    out = pd.DataFrame({c: text[c].astype(str).to_numpy() for c in CLUSTERS_COLUMNS})
    out["star_target"] = stars.astype("Int64").reset_index(drop=True)
    out["founded"] = founded.astype("int64").to_numpy()
    out.attrs["file"] = file
    return out


def _no_rows(chk: _Checker, frame: pd.DataFrame) -> None:
    if len(frame) == 0:
        chk.whole(None, "has a header but no data rows")
        chk.raise_if_any()


def _duplicates(chk: _Checker, field_name: str, keys: np.ndarray, ok: np.ndarray,
                describe: Callable[[Any], str]) -> None:
    """Flag every repeat of a key (among rows where ``ok``), naming the first row."""
    if not ok.any():
        return
    key = pd.Series(keys)[ok]
    rows = pd.Series(chk.rows)[ok]
    first = rows.groupby(key.to_numpy(), sort=False).transform("first")
    dup = key.duplicated(keep="first").to_numpy()
    mask = np.zeros(len(ok), dtype=bool)
    positions = np.flatnonzero(ok)[dup]
    mask[positions] = True
    first_full = np.zeros(len(ok), dtype=np.int64)
    first_full[np.flatnonzero(ok)] = first.to_numpy()
    chk.add(mask, field_name,
            lambda i: f"duplicate {describe(keys[i])} (first at row {first_full[i]})")


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
                       ) -> tuple[pd.DataFrame | None, _Checker]:
    """Check an observations frame whose index holds the row numbers users see.

    The ledger importer uses this too, with ``labels`` mapping field names to its Chinese
    column headers. Returns the clean frame (``None`` when there were problems) and the
    checker holding the problems. ``percent_message`` (a format string with ``{value}`` and
    ``{percent}``) replaces the "looks like a percent" message where values were percent.
    """
    chk = _Checker(file, frame.index, labels)
    if not _check_columns(chk, frame.columns, OBSERVATIONS_COLUMNS):
        return None, chk
    if require_rows and len(frame) == 0:
        chk.whole(None, "has a header but no data rows")
        return None, chk
    cluster_ids = _cluster_id_set(clusters)
    text = {c: _text(frame, c) for c in OBSERVATIONS_COLUMNS if c != "value"}
    text["value"] = _text(frame, "value")
    present = _blank(chk, text, OBSERVATIONS_COLUMNS)

    cid_ok = _cluster_id_problems(chk, text["cluster_id"], present["cluster_id"], cluster_ids,
                                  registry=_registry_name(clusters))
    ind = text["indicator"]
    ind_ok = present["indicator"] & ind.isin(INDICATORS).to_numpy()
    _flag_values(chk, "indicator", present["indicator"] & ~ind_ok, INDICATORS, ind, "indicator")
    measure = text["measure"]
    measure_ok = present["measure"] & measure.isin(MEASURES).to_numpy()
    _flag_values(chk, "measure", present["measure"] & ~measure_ok, MEASURES, measure, "measure")
    freq = text["frequency"]
    freq_ok = present["frequency"] & freq.isin(FREQUENCIES).to_numpy()
    _flag_values(chk, "frequency", present["frequency"] & ~freq_ok, FREQUENCIES, freq,
                 "frequency")
    is_level = measure.eq("level").to_numpy()
    is_growth = measure.eq("growth").to_numpy()

    # periods
    year, month, period_ok = _periods(chk, text["period"], freq, present["period"] & freq_ok)

    # values
    values = _numbers(frame, "value")
    val_ok = _number_problems(chk, "value", text["value"], values, present["value"])
    v = values.to_numpy()
    negative = val_ok & is_level & (v < 0)
    chk.add(negative, "value", lambda i: f"negative level {v[i]:g}; levels cannot be negative")
    percent = val_ok & is_growth & (np.abs(v) > GROWTH_PERCENT_THRESHOLD)
    chk.add(percent, "value", lambda i: (
        percent_message.format(value=v[i], percent=v[i] * 100) if percent_message
        else f"growth {v[i]:g} looks like a percent; {_PERCENT_HINT}"))
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
        f"unit of a growth rate must be '{GROWTH_UNIT}', got '{units[i]}'; {_PERCENT_HINT}"))
    factor = np.where(is_growth, 1.0, factor)
    unit_ok = present["unit"] & ~level_unit_bad & ~growth_unit_bad

    # price basis
    basis = text["price_basis"]
    bases = basis.to_numpy(dtype=object)
    basis_known = present["price_basis"] & basis.isin(PRICE_BASES).to_numpy()
    _flag_values(chk, "price_basis", present["price_basis"] & ~basis_known, PRICE_BASES,
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
    vintage = _dates(chk, "vintage", text["vintage"], present["vintage"])
    period_end = _period_end(year, month, freq.to_numpy(dtype=object), period_ok)
    early = vintage.notna().to_numpy() & period_ok & (vintage.to_numpy() < period_end)
    vint = text["vintage"].to_numpy(dtype=object)
    periods = text["period"].to_numpy(dtype=object)
    chk.add(early, "vintage", lambda i: (
        f"vintage {vint[i]} is before the end of period {periods[i]}: a number cannot be "
        "published before its period ends"))

    synthetic = _bool_column(chk, "synthetic", text["synthetic"])

    # series-level checks on rows whose keys are sound
    key_ok = cid_ok & ind_ok & measure_ok & freq_ok & period_ok
    series = (text["cluster_id"] + "/" + ind + "/" + measure + "/" + freq).to_numpy(dtype=object)
    _duplicates(chk, "period", (series + "@" + periods.astype(str)).astype(object), key_ok,
                lambda key: f"period {key.split('@')[1]} for series {key.split('@')[0]}")
    _unit_mismatch(chk, series, units, key_ok & unit_ok)
    flow = ind.map(lambda k: INDICATORS[k].flow if k in INDICATORS else False).to_numpy(dtype=bool)
    cum = key_ok & val_ok & unit_ok & is_level & flow & freq.eq("monthly_ytd").to_numpy()
    _falling_cumulative(chk, series, year, month, v * factor, periods, cum)

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


def _periods(chk: _Checker, period: pd.Series, freq: pd.Series,
             ok: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse YYYY (annual) and YYYY-MM (monthly year-to-date) periods."""
    annual = freq.eq("annual").to_numpy() & ok
    monthly = freq.eq("monthly_ytd").to_numpy() & ok
    parts = _per_unique(period, lambda u: u.str.extract(r"^(\d{4})(?:-(\d{1,2}))?$"))
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


def _dates(chk: _Checker, column: str, text: pd.Series, present: np.ndarray) -> pd.Series:
    """Parse YYYY-MM-DD strictly; impossible dates (2017-02-30, 2017-13-01) are problems."""
    values = text.to_numpy(dtype=object)
    shaped = _matches(text, r"\d{4}-\d{2}-\d{2}")
    parsed = pd.Series(_per_unique(text, lambda u: pd.to_datetime(
        u.where(u.str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False), None),
        format="%Y-%m-%d", errors="coerce").to_numpy()), index=text.index)
    chk.add(present & ~shaped, column,
            lambda i: f"date must be YYYY-MM-DD, got '{values[i]}'")
    chk.add(present & shaped & parsed.isna().to_numpy(), column,
            lambda i: f"impossible date '{values[i]}'")
    return parsed


def _unit_mismatch(chk: _Checker, series: np.ndarray, units: np.ndarray, ok: np.ndarray) -> None:
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


def _falling_cumulative(chk: _Checker, series: np.ndarray, year: np.ndarray, month: np.ndarray,
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
    chk = _Checker(file, frame.index)
    if not _check_columns(chk, frame.columns, PROJECTS_COLUMNS):
        chk.raise_if_any()
    cluster_ids = _cluster_id_set(clusters)
    text = {c: _text(frame, c) for c in PROJECTS_COLUMNS}
    present = _blank(chk, text, ("project_id", "cluster_id", "name_zh", "status",
                                 "total_investment", "planned_investment", "year", "source",
                                 "synthetic"))
    _duplicates(chk, "project_id", text["project_id"].to_numpy(dtype=object),
                present["project_id"], lambda key: f"project id '{key}'")
    _cluster_id_problems(chk, text["cluster_id"], present["cluster_id"], cluster_ids,
                         registry=_registry_name(clusters))
    status = text["status"]
    _flag_values(chk, "status", present["status"] & ~status.isin(PROJECT_STATUSES).to_numpy(),
                 PROJECT_STATUSES, status, "status")
    amounts = {}
    for col in ("total_investment", "planned_investment"):
        values = _numbers(frame, col)
        ok = _number_problems(chk, col, text[col], values, present[col])
        v = values.to_numpy()
        chk.add(ok & (v < 0), col, lambda i, v=v: f"negative investment {v[i]:g}")
        amounts[col] = (v, ok & ~(v < 0))
    (tot, tot_ok), (plan, plan_ok) = amounts["total_investment"], amounts["planned_investment"]
    chk.add(tot_ok & plan_ok & (plan > tot * (1 + 1e-9)), "planned_investment", lambda i: (
        f"planned investment {plan[i]:g} exceeds the total investment {tot[i]:g}"))
    months = {}
    for col in ("planned_start", "planned_completion"):
        t = text[col]
        raw = t.to_numpy(dtype=object)
        has = t.ne("").to_numpy()
        shaped = _matches(t, r"\d{4}-\d{2}")
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
    year = _int_values(chk, "year", text["year"], present["year"], MIN_YEAR, MAX_YEAR, "year")
    synthetic = _bool_column(chk, "synthetic", text["synthetic"])
    chk.raise_if_any()
    out = pd.DataFrame({c: text[c].to_numpy(dtype=object) for c in PROJECTS_COLUMNS})
    out["total_investment"] = tot
    out["planned_investment"] = plan
    out["year"] = year.astype("int64").to_numpy()
    out["synthetic"] = synthetic.to_numpy(dtype=bool)
    out.attrs["file"] = file
    return out


def _empty_projects() -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series([], dtype=object) for c in PROJECTS_COLUMNS})
    out["total_investment"] = out["total_investment"].astype(float)
    out["planned_investment"] = out["planned_investment"].astype(float)
    out["year"] = out["year"].astype("int64")
    out["synthetic"] = out["synthetic"].astype(bool)
    return out


# --------------------------------------------------------------------------- cluster targets

_TARGET_FILE_RE = re.compile(r"^(\d{4})_clusters$")


def load_cluster_targets(path: str | Path, clusters=None) -> pd.DataFrame:
    """Load and check per-cluster targets (``params/targets/<year>_clusters.csv``).

    Parameters
    ----------
    path : str or path-like
        File with the columns of :data:`~zzforecast.data.schemas.CLUSTER_TARGETS_COLUMNS`.
    clusters : pandas.DataFrame or iterable of str, optional
        The cluster registry (or its ids); ``None`` skips the unknown-cluster check.

    Returns
    -------
    pandas.DataFrame
        The columns of ``CLUSTER_TARGETS_COLUMNS`` (level values converted to the
        indicator's canonical unit, growth as fractions, ``derived`` as bool) plus ``year``
        (int) taken from a file name of the form ``<year>_clusters.csv`` (else missing).

    Raises
    ------
    DataError
        Listing every problem: columns, unknown clusters, indicators or kinds, units that
        do not fit, growth in percent, non-numeric values, duplicate targets, bad flags.
    """
    file = str(path)
    frame = read_table(path)
    chk = _Checker(file, frame.index)
    if not _check_columns(chk, frame.columns, CLUSTER_TARGETS_COLUMNS):
        chk.raise_if_any()
    text = {c: _text(frame, c) for c in CLUSTER_TARGETS_COLUMNS}
    present = _blank(chk, text, ("cluster_id", "indicator", "kind", "value", "unit", "derived",
                                 "source"))
    cid_ok = _cluster_id_problems(chk, text["cluster_id"], present["cluster_id"],
                                  _cluster_id_set(clusters), registry=_registry_name(clusters))
    ind = text["indicator"]
    ind_ok = present["indicator"] & ind.isin(INDICATORS).to_numpy()
    _flag_values(chk, "indicator", present["indicator"] & ~ind_ok, INDICATORS, ind, "indicator")
    kinds = ("growth", "level")
    kind = text["kind"]
    kind_ok = present["kind"] & kind.isin(kinds).to_numpy()
    _flag_values(chk, "kind", present["kind"] & ~kind_ok, kinds, kind, "kind")
    is_growth = kind.eq("growth").to_numpy()
    is_level = kind.eq("level").to_numpy()
    values = _numbers(frame, "value")
    val_ok = _number_problems(chk, "value", text["value"], values, present["value"])
    v = values.to_numpy()
    chk.add(val_ok & is_growth & (np.abs(v) > GROWTH_PERCENT_THRESHOLD), "value",
            lambda i: f"growth target {v[i]:g} looks like a percent; {_PERCENT_HINT}")
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
    derived = _bool_column(chk, "derived", text["derived"])
    keys = (text["cluster_id"] + "/" + ind + "/" + kind).to_numpy(dtype=object)
    _duplicates(chk, "kind", keys, cid_ok & ind_ok & kind_ok,
                lambda key: f"target {key}")
    chk.raise_if_any()
    out = pd.DataFrame({c: text[c].to_numpy(dtype=object) for c in CLUSTER_TARGETS_COLUMNS})
    out["value"] = v * factor
    out["unit"] = [GROWTH_UNIT if g else INDICATORS[k].unit for k, g in zip(inds, is_growth,
                                                                          strict=True)]
    out["derived"] = derived.to_numpy(dtype=bool)
    match = _TARGET_FILE_RE.match(Path(path).stem)
    out["year"] = pd.array([int(match.group(1)) if match else pd.NA] * len(out), dtype="Int64")
    out.attrs["file"] = file
    return out


def _empty_cluster_targets() -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series([], dtype=object) for c in CLUSTER_TARGETS_COLUMNS})
    out["value"] = out["value"].astype(float)
    out["derived"] = out["derived"].astype(bool)
    out["year"] = pd.array([], dtype="Int64")
    return out


# --------------------------------------------------------------------------- bundle

@dataclass(frozen=True, eq=False)
class Bundle:
    """Everything a run reads from ``data/`` and ``params/``, checked and in canonical units.

    Attributes
    ----------
    clusters, observations, projects, cluster_targets : pandas.DataFrame
        As returned by the loaders of this module.
    targets : list of zzforecast.targets.Target
        The plan's targets from ``params/targets/<year>.yaml``.
    data_dir, params_dir : pathlib.Path
    data_digest, params_digest : str
        sha256 (hex) over the names and bytes of the files read.
    vintage : str or None
        The latest ``vintage`` (YYYY-MM-DD) among the observations.
    synthetic : bool
        True when any observation or project row is synthetic.
    files : tuple of pathlib.Path
        The files read, in order.
    """

    clusters: pd.DataFrame
    observations: pd.DataFrame
    projects: pd.DataFrame
    targets: list
    cluster_targets: pd.DataFrame
    data_dir: Path
    params_dir: Path
    data_digest: str
    params_digest: str
    vintage: str | None
    synthetic: bool
    files: tuple[Path, ...] = field(default=())

    @property
    def cluster_ids(self) -> tuple[str, ...]:
        """Cluster ids in registry order."""
        return tuple(self.clusters["cluster_id"])

    def series(self, indicator: str, measure: str = "level",
               frequency: str = "annual") -> pd.DataFrame:
        """One indicator as a long frame ``unique_id`` (cluster id), ``ds``, ``y``.

        ``ds`` is the year (int) for annual data and the month-end Timestamp for monthly
        year-to-date data; ``y`` is in the canonical unit (growth as a fraction).
        """
        obs = self.observations
        rows = obs[(obs["indicator"] == indicator) & (obs["measure"] == measure)
                   & (obs["frequency"] == frequency)]
        out = pd.DataFrame({"unique_id": rows["cluster_id"].to_numpy(),
                            "ds": rows["ds"].to_numpy(), "y": rows["value"].to_numpy()})
        if frequency == "monthly_ytd":
            out["ds"] = pd.to_datetime(out["ds"])
        else:
            out["ds"] = out["ds"].astype("int64")
        return out.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)

    def monthly(self, indicator: str) -> pd.DataFrame:
        """Monthly year-to-date data in the shape ``nowcast`` takes.

        Returns
        -------
        pandas.DataFrame
            ``unique_id, ds, cum_value, cum_growth`` (NaN where only one of the two is
            published), sorted by cluster and month.
        """
        level = self.series(indicator, "level", "monthly_ytd").rename(columns={"y": "cum_value"})
        growth = self.series(indicator, "growth", "monthly_ytd").rename(columns={"y": "cum_growth"})
        out = level.merge(growth, on=["unique_id", "ds"], how="outer")
        return out.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)


def find_table(folder: str | Path, stem: str) -> tuple[Path | None, list[Problem]]:
    """Find ``<stem>.csv`` or ``<stem>.parquet`` in a folder.

    Returns
    -------
    (path, problems)
        ``path`` is None when neither exists; having both is a problem (which one wins
        would be a guess).
    """
    folder = Path(folder)
    found = [folder / f"{stem}{suffix}" for suffix in (".csv", ".parquet")
             if (folder / f"{stem}{suffix}").is_file()]
    if len(found) > 1:
        return None, [Problem(str(found[1]), None, None,
                              f"both {found[0].name} and {found[1].name} exist; keep one")]
    return (found[0] if found else None), []


def _targets_module():
    """zzforecast.targets, or None while that module does not exist yet."""
    try:
        return importlib.import_module("..targets", __package__)
    except ModuleNotFoundError as exc:
        if exc.name == "zzforecast.targets":
            return None
        raise


def _collect(data_dir: str | Path, params_dir: str | Path,
             ) -> tuple[dict[str, Any], list[Problem], list[Path], list[Path]]:
    """Run every loader, collecting problems instead of stopping at the first file."""
    data_dir, params_dir = Path(data_dir), Path(params_dir)
    problems: list[Problem] = []
    parts: dict[str, Any] = {}
    data_files: list[Path] = []
    params_files: list[Path] = []

    def attempt(name, loader, path, *args):
        try:
            parts[name] = loader(path, *args)
        except DataError as exc:
            problems.extend(exc.problems)
            parts[name] = None

    if not data_dir.is_dir():
        problems.append(Problem(str(data_dir), None, None,
                                "data folder not found (pass --data DIR)"))
        return parts, problems, data_files, params_files
    tables = {}
    for stem, required in (("clusters", True), ("observations", True), ("projects", False)):
        path, found_problems = find_table(data_dir, stem)
        problems.extend(found_problems)
        if path is None and required and not found_problems:
            problems.append(Problem(str(data_dir / f"{stem}.csv"), None, None,
                                    f"file not found (expected {stem}.csv or {stem}.parquet "
                                    f"in {data_dir})"))
        tables[stem] = path
        if path is not None:
            data_files.append(path)

    if tables["clusters"] is not None:
        attempt("clusters", load_clusters, tables["clusters"])
    clusters = parts.get("clusters")
    if tables["observations"] is not None:
        attempt("observations", _observations_with_rows, tables["observations"], clusters)
        if parts["observations"] is not None:
            parts["observations"], parts["observation_rows"] = parts["observations"]
    if tables["projects"] is not None:
        attempt("projects", load_projects, tables["projects"], clusters)
    else:
        parts["projects"] = _empty_projects()

    target_dir = params_dir / "targets"
    if not params_dir.is_dir():
        problems.append(Problem(str(params_dir), None, None,
                                "parameter folder not found (pass --params DIR)"))
    cluster_target_frames = []
    for path in sorted(target_dir.glob("*_clusters.csv")) if target_dir.is_dir() else []:
        params_files.append(path)
        try:
            cluster_target_frames.append(load_cluster_targets(path, clusters))
        except DataError as exc:
            problems.extend(exc.problems)
    parts["cluster_targets"] = (pd.concat(cluster_target_frames, ignore_index=True)
                                if cluster_target_frames else _empty_cluster_targets())
    targets: list = []
    module = _targets_module()
    if module is not None and target_dir.is_dir():
        for path in sorted([*target_dir.glob("*.yaml"), *target_dir.glob("*.yml")]):
            params_files.append(path)
            try:
                loaded = module.load_targets(path)
            except DataError as exc:  # ParamsError is a DataError
                problems.extend(exc.problems)
                continue
            targets.extend(loaded)
            problems.extend(_scope_problems(loaded, str(path), clusters, module))
    parts["targets"] = targets
    problems.extend(_cross_problems(parts, tables))
    return parts, problems, data_files, params_files


def _scope_problems(targets: list, file: str, clusters, module) -> list[Problem]:
    """A target whose scope is a cluster id must name a cluster of the registry."""
    ids = _cluster_id_set(clusters)
    if ids is None:
        return []
    groups = set(getattr(module, "GROUP_SCOPES", ()))
    return [Problem(file, getattr(t, "line", None), "scope",
                    f"target '{t.id}': unknown cluster '{t.scope}' (not in "
                    f"{_registry_name(clusters)})")
            for t in targets if t.scope not in groups and t.scope not in ids]


def _observations_with_rows(path, clusters) -> tuple[pd.DataFrame, np.ndarray]:
    """load_observations, also returning each record's row in the file."""
    checked, chk = check_observations(read_table(path), str(path), clusters)
    chk.raise_if_any()
    return checked, chk.rows


def _cross_problems(parts: dict[str, Any], tables: dict[str, Path | None]) -> list[Problem]:
    """Checks that need two files: clusters without data, data before a cluster existed."""
    clusters, obs = parts.get("clusters"), parts.get("observations")
    problems: list[Problem] = []
    if clusters is None or obs is None:
        return problems
    have = set(obs["cluster_id"])
    for i, cid in enumerate(clusters["cluster_id"]):
        if cid not in have:
            problems.append(Problem(clusters.attrs.get("file", "clusters.csv"), i + 2,
                                    "cluster_id", f"cluster '{cid}' has no rows in "
                                    f"{Path(obs.attrs.get('file', 'observations')).name}"))
    founded = obs["cluster_id"].map(dict(zip(clusters["cluster_id"], clusters["founded"],
                                               strict=True)))
    early = obs[obs["year"] < founded]
    rows = parts.get("observation_rows")
    for cid, group in early.groupby("cluster_id", sort=False):
        first = group.index[0]
        problems.append(Problem(
            obs.attrs.get("file", "observations"),
            int(rows[first]) if rows is not None and len(rows) == len(obs) else None, "period",
            f"cluster '{cid}' has data for {group['year'].min()} ({len(group)} rows), before "
            f"the year it was founded ({int(founded[first])} in "
            f"{Path(clusters.attrs.get('file', 'clusters.csv')).name})"))
    return problems


def load_bundle(data_dir: str | Path = "data", params_dir: str | Path = "params") -> Bundle:
    """Load and check every data and target file a run needs.

    Parameters
    ----------
    data_dir : str or path-like
        Folder with ``clusters``, ``observations`` and (optional) ``projects`` tables, each
        as ``.csv`` or ``.parquet``.
    params_dir : str or path-like
        Folder whose ``targets/`` holds ``<year>.yaml`` (the plan's targets) and
        ``<year>_clusters.csv`` (per-cluster targets).

    Returns
    -------
    Bundle

    Raises
    ------
    DataError
        Listing the problems of every file (each file capped at :data:`MAX_PROBLEMS`),
        including missing folders and files.
    """
    data_dir, params_dir = Path(data_dir), Path(params_dir)
    parts, problems, data_files, params_files = _collect(data_dir, params_dir)
    if problems:
        raise DataError(problems)
    obs, projects = parts["observations"], parts["projects"]
    vintage = str(obs["vintage"].max()) if len(obs) else None
    synthetic = bool(obs["synthetic"].any() or projects["synthetic"].any())
    return Bundle(
        clusters=parts["clusters"], observations=obs, projects=projects,
        targets=parts["targets"], cluster_targets=parts["cluster_targets"],
        data_dir=data_dir, params_dir=params_dir,
        data_digest=file_digest(data_files, root=data_dir),
        params_digest=file_digest(params_files, root=params_dir),
        vintage=vintage, synthetic=synthetic, files=tuple(data_files + params_files),
    )

