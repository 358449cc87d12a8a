"""The city's and the provincial subset's own published figures: ``data/published_totals.csv``.

Bureaus publish totals for 全市产业集聚区 and 省级产业集聚区 themselves. They need not equal
the sum of the registered zones: the zones do not cover the whole city, the 规模以上
enterprise set changes, and the 财务支出法 pilot counts investment where the legal entity
is registered. The file is optional; when present, ``zzforecast attain`` and the reports
show each published figure beside the sum of the zones, with the gap.

Columns (:data:`PUBLISHED_COLUMNS`; ``price_basis`` and ``note`` may be left out):

``scope``       ``city`` | ``provincial`` | ``municipal``
``indicator``   ``fai`` | ``iav`` | ``revenue`` | ``employment``
``measure``     ``level`` | ``growth`` (growth as a fraction, 0.123 for 12.3%)
``frequency``   ``monthly_ytd`` (1–m月累计) | ``annual``
``period``      ``YYYY-MM`` (MM 02..12: January is never published alone) or ``YYYY``
``value``       number
``unit``        ``亿元`` / ``万元`` / ``元`` / ``万人`` / ``人`` for levels, ``fraction`` for growth
``price_basis`` ``nominal`` | ``real`` | ``none`` (checked against the indicator when given)
``source``      where the figure was published (bulletin, date)
``vintage``     ``YYYY-MM-DD``, when it was published
``note``        free text

Every problem is reported with file, row and field (:class:`~zzforecast.exceptions.DataError`).
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import re
from pathlib import Path

import pandas as pd

from ..exceptions import DataError, Problem
from .schemas import (
    CITY_SCOPE,
    FREQUENCIES,
    GROWTH_UNIT,
    INDICATORS,
    MEASURES,
    MUNICIPAL_SCOPE,
    PRICE_BASES,
    PROVINCIAL_SCOPE,
    UNIT_FACTORS,
)

__all__ = ["PUBLISHED_FILE", "PUBLISHED_COLUMNS", "PUBLISHED_REQUIRED", "PUBLISHED_SCOPES",
           "load_published_totals", "read_published_totals"]

PUBLISHED_FILE = "published_totals.csv"
PUBLISHED_SCOPES = (CITY_SCOPE, PROVINCIAL_SCOPE, MUNICIPAL_SCOPE)
PUBLISHED_COLUMNS = ("scope", "indicator", "measure", "frequency", "period", "value", "unit",
                     "price_basis", "source", "vintage", "note")
PUBLISHED_REQUIRED = ("scope", "indicator", "measure", "frequency", "period", "value", "unit",
                      "source", "vintage")
_MAX_PROBLEMS = 50


def load_published_totals(data_dir: str | os.PathLike | None) -> pd.DataFrame | None:
    """``<data_dir>/published_totals.csv`` checked, or None when there is no such file."""
    if data_dir is None:
        return None
    path = Path(data_dir) / PUBLISHED_FILE
    if not path.exists():
        return None
    return read_published_totals(path)


def read_published_totals(path: str | os.PathLike) -> pd.DataFrame:
    """Read and check a published-totals file.

    Returns
    -------
    pandas.DataFrame
        :data:`PUBLISHED_COLUMNS`, ``value`` as float in the indicator's canonical unit
        (亿元, 万人; growth a fraction) and ``unit`` set to that unit; may be empty (a file
        with the header only).

    Raises
    ------
    DataError
        Naming file, row and field for each problem (unknown or missing columns, blank
        required cells, unknown scope / indicator / measure / frequency, a January or
        malformed period, non-numbers, percent where a fraction belongs, wrong units or
        price basis, bad vintage dates, duplicates).
    """
    from .tables import read_table

    file = str(path)
    frame = read_table(path)
    problems: list[Problem] = []

    def bad(row, field, message):
        problems.append(Problem(file, row, field, message))

    columns = [str(c) for c in frame.columns]
    unknown = [c for c in columns if c not in PUBLISHED_COLUMNS]
    missing = [c for c in PUBLISHED_REQUIRED if c not in columns]
    for c in unknown:
        bad(1, c, f"unknown column; expected: {', '.join(PUBLISHED_COLUMNS)}")
    for c in missing:
        bad(1, c, "column is missing")
    if problems:
        raise DataError(problems)
    for c in PUBLISHED_COLUMNS:
        if c not in frame.columns:
            frame[c] = ""
    rows = []
    seen: dict[tuple, int] = {}
    for row, rec in zip(frame.index, frame[list(PUBLISHED_COLUMNS)].itertuples(index=False),
                        strict=True):
        if len(problems) >= _MAX_PROBLEMS:
            break
        cells = {k: ("" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
                     ).strip() for k, v in zip(PUBLISHED_COLUMNS, rec, strict=True)}
        n_before = len(problems)
        for key in PUBLISHED_REQUIRED:
            if not cells[key]:
                bad(row, key, "is blank")
        if len(problems) > n_before:
            continue
        scope, ind, measure, freq = (cells["scope"], cells["indicator"], cells["measure"],
                                     cells["frequency"])
        if scope not in PUBLISHED_SCOPES:
            bad(row, "scope", f"'{scope[:40]}' is not one of {', '.join(PUBLISHED_SCOPES)}")
        if ind not in INDICATORS:
            bad(row, "indicator", f"'{ind[:40]}' is not one of {', '.join(INDICATORS)}")
        if measure not in MEASURES:
            bad(row, "measure", f"'{measure[:40]}' is not one of {', '.join(MEASURES)}")
        if freq not in FREQUENCIES:
            bad(row, "frequency", f"'{freq[:40]}' is not one of {', '.join(FREQUENCIES)}")
        period = cells["period"]
        if freq == "annual" and not re.fullmatch(r"\d{4}", period):
            bad(row, "period", f"'{period[:40]}' is not a year YYYY (annual rows)")
        elif freq == "monthly_ytd":
            if not re.fullmatch(r"\d{4}-\d{2}", period) or not 1 <= int(period[5:7]) <= 12:
                bad(row, "period", f"'{period[:40]}' is not a month YYYY-MM (1–m月累计 rows)")
            elif period.endswith("-01"):
                bad(row, "period", f"'{period}': there is no January figure; the first "
                                   "release of a year is January–February (YYYY-02)")
        try:
            value = float(cells["value"].replace(",", ""))
        except ValueError:
            value = math.nan
            bad(row, "value", f"'{cells['value'][:40]}' is not a number")
        else:
            if not math.isfinite(value):
                bad(row, "value", f"'{cells['value']}' is not a finite number")
        unit = cells["unit"]
        if ind in INDICATORS and measure in MEASURES and math.isfinite(value):
            meta = INDICATORS[ind]
            if measure == "growth":
                if unit != GROWTH_UNIT:
                    bad(row, "unit", f"growth is written as a fraction (unit '{GROWTH_UNIT}'), "
                                     f"got '{unit[:40]}'")
                elif abs(value) >= 1:
                    bad(row, "value", f"{value:g} looks like a percent; growth is a fraction "
                                      f"(write {value / 100:g} for {value:g}%)")
            else:
                factors = UNIT_FACTORS.get(meta.unit, {meta.unit: 1.0})
                if unit not in factors:
                    bad(row, "unit", f"'{unit[:40]}' is not a unit of {ind} "
                                     f"({', '.join(factors)})")
                elif value < 0:
                    bad(row, "value", f"a level cannot be negative, got {value:g}")
                else:
                    value, unit = value * factors[unit], meta.unit
            basis = cells["price_basis"]
            expected = meta.growth_price_basis if measure == "growth" else meta.level_price_basis
            if basis and basis not in PRICE_BASES:
                bad(row, "price_basis", f"'{basis[:40]}' is not one of {', '.join(PRICE_BASES)}")
            elif basis and basis != expected:
                bad(row, "price_basis", f"{ind} {measure} is published {expected}, got '{basis}' "
                                        "(bases are never mixed silently)")
        try:
            _dt.date.fromisoformat(cells["vintage"])
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", cells["vintage"]):
                raise ValueError
        except ValueError:
            bad(row, "vintage", f"'{cells['vintage'][:40]}' is not a date YYYY-MM-DD")
        key = (scope, ind, measure, freq, period, cells["vintage"])
        if key in seen:
            bad(row, None, f"duplicate of row {seen[key]} (same scope, indicator, measure, "
                           "frequency, period and vintage)")
        else:
            seen[key] = row
        if len(problems) == n_before:
            rows.append({**cells, "value": value, "unit": unit})
    if problems:
        raise DataError(problems[:_MAX_PROBLEMS])
    out = pd.DataFrame(rows, columns=list(PUBLISHED_COLUMNS))
    out["value"] = out["value"].astype(float)
    out.attrs["file"] = file
    return out
