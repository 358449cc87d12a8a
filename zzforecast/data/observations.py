"""The rules an observations table must follow, checked on every row and column at once.

:func:`check_observations` takes a frame whose index holds the row numbers a user sees and
returns the clean frame (values in canonical units, ``year`` and ``ds`` added) or the
problems, each with row and field. The CSV/Parquet loader
(:func:`~zzforecast.data.loaders.load_observations`) and the Excel ledger importer
(``ledger.py``) both check through here.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .checks import (
    GROWTH_PERCENT_THRESHOLD,
    MAX_LEVEL,
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
    matches,
    number_problems,
    parse_dates,
    per_unique,
    registry_name,
    require,
    text_problems,
)
from .schemas import (
    FREQUENCIES,
    GROWTH_UNIT,
    INDICATORS,
    MEASURES,
    OBSERVATIONS_COLUMNS,
    PRICE_BASES,
    UNIT_FACTORS,
)

__all__ = ["check_observations"]

_BASIS_NOTE = {
    ("iav", "growth"): " (IAV growth is published at comparable prices, 按可比价格计算)",
    ("fai", "growth"): " (FAI growth is nominal, at current prices)",
}


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
