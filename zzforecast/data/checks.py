"""Row and column checks shared by the loaders and the ledger importer (internal).

:class:`Checker` collects the problems of one file as positional boolean masks, so that
every check is vectorised and every problem still names its row (as a spreadsheet shows
it) and field. The helpers work on the distinct values of a column where they can, which
keeps a 100,000-row file fast.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import DataError, Problem
from .schemas import CLUSTER_ID_PATTERN, RESERVED_CLUSTER_IDS

__all__ = [
    "MAX_PROBLEMS", "GROWTH_PERCENT_THRESHOLD", "MIN_YEAR", "MAX_YEAR", "MAX_LEVEL", "ID_RULE",
    "PERCENT_HINT", "Checker", "as_text", "as_numbers", "per_unique", "matches",
    "check_columns", "number_problems", "flag_values", "bool_column", "require",
    "cluster_id_problems", "cluster_id_set", "registry_name", "int_values", "no_rows",
    "duplicates", "parse_dates", "MAX_TEXT", "MAX_NAME", "text_problems", "unsafe_text",
]

MAX_PROBLEMS = 50
# A growth rate whose absolute value exceeds this is taken to be a percent written where a
# fraction belongs (0.13 for 13 %). Real cluster growth beyond ±150 % is implausible.
GROWTH_PERCENT_THRESHOLD = 1.5
# Years accepted in periods and targets.
MIN_YEAR, MAX_YEAR = 1949, 2100
# Largest level accepted, in the indicator's canonical unit (亿元 or 万人): ten times
# China's GDP in 亿元, or 10 billion people in 万人.
MAX_LEVEL = 1e7

# Longest text accepted in a table cell, and in a name (names go into headings, file
# listings and notebook parameters; a 5,000-character name is a mistake, not a name).
MAX_TEXT = 1000
MAX_NAME = 200
# Characters that never belong in a cell: C0 and C1 controls (NUL, tab, line feed, ESC...),
# DEL, the line and paragraph separators and a stray byte-order mark. Excel refuses most of
# them, terminals act on some, and they hide text from the person reading a report.
_UNSAFE_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]")

ID_RULE = ("lower-case ASCII letters, digits and '_', starting with a letter, at most 40 "
           "characters (cluster ids become file names)")
PERCENT_HINT = "growth is a fraction, e.g. 0.13 for 13%"


# --------------------------------------------------------------------------- checker

class Checker:
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


def as_text(frame: pd.DataFrame, column: str) -> pd.Series:
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


def per_unique(text: pd.Series, func: Callable[[pd.Series], Any]) -> Any:
    """Apply a vectorised string function to the distinct values and broadcast back."""
    codes, uniques = pd.factorize(text)
    result = func(pd.Series(uniques, dtype=object))
    if isinstance(result, pd.DataFrame):
        return result.iloc[codes].reset_index(drop=True)
    return np.asarray(result)[codes]


def matches(text: pd.Series, pattern: str) -> np.ndarray:
    return per_unique(text, lambda u: u.str.fullmatch(pattern).fillna(False)
                      .to_numpy(dtype=bool)).astype(bool)


def as_numbers(frame: pd.DataFrame, column: str) -> pd.Series:
    col = frame[column]
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        return col.astype(float)
    return pd.to_numeric(as_text(frame, column), errors="coerce").astype(float)


def check_columns(chk: Checker, columns: Iterable[str], expected: Iterable[str],
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


def number_problems(chk: Checker, column: str, raw: pd.Series, values: pd.Series,
                    present: np.ndarray) -> np.ndarray:
    """Non-numeric and infinite values; returns the mask of usable finite numbers."""
    raw = raw.to_numpy(dtype=object)
    nan = values.isna().to_numpy()
    inf = np.isinf(values.to_numpy())
    not_number = present & nan

    def why(i: int) -> str:
        text = str(raw[i])
        if text.endswith("%"):
            return f"'{text}' is a percent; {PERCENT_HINT}"
        if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d*)?", text):
            return f"'{text}' is not a number: remove the thousands separators"
        return f"not a number: '{text}'"

    chk.add(not_number, column, why)
    chk.add(present & inf, column, lambda i: f"is infinite ('{raw[i]}'); expected a finite number")
    return present & ~nan & ~inf


def flag_values(chk: Checker, column: str, mask: np.ndarray, allowed: Iterable[str],
                text: pd.Series, what: str) -> None:
    values = text.to_numpy(dtype=object)
    listing = ", ".join(allowed)
    chk.add(mask, column, lambda i: f"unknown {what} '{values[i]}'; expected one of {listing}")


def bool_column(chk: Checker, column: str, text: pd.Series) -> pd.Series:
    lower = text.str.lower()
    values = text.to_numpy(dtype=object)
    bad = (~lower.isin(["true", "false"])).to_numpy()
    chk.add(bad, column, lambda i: f"must be true or false, got '{values[i]}'")
    return lower.eq("true")


def require(chk: Checker, text: dict[str, pd.Series], columns: Iterable[str]) -> dict[str, np.ndarray]:
    present = {}
    for c in columns:
        p = text[c].ne("").to_numpy()
        chk.add(~p, c, "is empty")
        present[c] = p
    return present


def unsafe_text(value: str, max_len: int = MAX_TEXT) -> str | None:
    """Why ``value`` cannot be accepted as the text of a cell, or None when it can."""
    found = _UNSAFE_TEXT.search(value)
    if found:
        return (f"contains the control character U+{ord(found.group()):04X} at position "
                f"{found.start() + 1}; remove it (names and text hold printable characters "
                "only)")
    if len(value) > max_len:
        return f"is {len(value):,} characters long; at most {max_len:,} are allowed"
    return None


def text_problems(chk: Checker, text: Mapping[str, pd.Series], columns: Iterable[str],
                  max_len: int = MAX_TEXT) -> np.ndarray:
    """Control characters and over-long text in ``columns``; returns the mask of bad rows."""
    bad = np.zeros(len(chk.rows), dtype=bool)
    for column in columns:
        if column not in text:
            continue
        why = per_unique(text[column], lambda u, n=max_len: np.array(
            [unsafe_text(str(v), n) for v in u], dtype=object))
        mask = np.array([w is not None for w in why], dtype=bool)
        chk.add(mask, column, lambda i, why=why: why[i])
        bad |= mask
    return bad


def cluster_id_problems(chk: Checker, text: pd.Series, present: np.ndarray,
                        cluster_ids: set[str] | None, field_name: str = "cluster_id",
                        registry: str = "clusters.csv") -> np.ndarray:
    values = text.to_numpy(dtype=object)
    valid = matches(text, CLUSTER_ID_PATTERN)
    chk.add(present & ~valid, field_name,
            lambda i: f"cluster id '{values[i]}' is not allowed: use {ID_RULE}")
    ok = present & valid
    reserved = text.isin(RESERVED_CLUSTER_IDS).to_numpy()
    chk.add(ok & reserved, field_name, lambda i: (
        f"cluster id '{values[i]}' is reserved: a report batch writes its own "
        f"{values[i]} files; choose another id (reserved: {', '.join(RESERVED_CLUSTER_IDS)})"))
    ok &= ~reserved
    if cluster_ids is not None:
        known = text.isin(cluster_ids).to_numpy()
        chk.add(ok & ~known, field_name,
                lambda i: f"unknown cluster '{values[i]}' (not in {registry})")
        ok &= known
    return ok


def cluster_id_set(clusters) -> set[str] | None:
    if clusters is None:
        return None
    if isinstance(clusters, pd.DataFrame):
        return set(clusters["cluster_id"].astype(str))
    return {str(c) for c in clusters}


def registry_name(clusters) -> str:
    if isinstance(clusters, pd.DataFrame):
        return clusters.attrs.get("file", "clusters.csv")
    return "the cluster registry"


def int_values(chk: Checker, column: str, text: pd.Series, present: np.ndarray,
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


def no_rows(chk: Checker, frame: pd.DataFrame) -> None:
    if len(frame) == 0:
        chk.whole(None, "has a header but no data rows")
        chk.raise_if_any()


def duplicates(chk: Checker, field_name: str, keys: np.ndarray, ok: np.ndarray,
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


def parse_dates(chk: Checker, column: str, text: pd.Series, present: np.ndarray) -> pd.Series:
    """Parse YYYY-MM-DD strictly; impossible dates (2017-02-30, 2017-13-01) are problems."""
    values = text.to_numpy(dtype=object)
    shaped = matches(text, r"\d{4}-\d{2}-\d{2}")
    parsed = pd.Series(per_unique(text, lambda u: pd.to_datetime(
        u.where(u.str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False), None),
        format="%Y-%m-%d", errors="coerce").to_numpy()), index=text.index)
    chk.add(present & ~shaped, column,
            lambda i: f"date must be YYYY-MM-DD, got '{values[i]}'")
    chk.add(present & shaped & parsed.isna().to_numpy(), column,
            lambda i: f"impossible date '{values[i]}'")
    return parsed


