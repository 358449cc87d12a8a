"""The one parser of data vintages (``--as-of``) for the whole package."""

from __future__ import annotations

import re
from typing import Any

from ..exceptions import UserError

__all__ = ["parse_as_of", "as_of_month_end"]

_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


def parse_as_of(as_of: str | Any) -> tuple[int, int]:
    """Parse a vintage ``YYYY-MM`` (``YYYY-M`` too), or a date/Timestamp, into ``(year, month)``.

    Raises
    ------
    UserError
        When the text is not a month of a year between 1900 and 2200.
    """
    if hasattr(as_of, "year") and hasattr(as_of, "month") and not isinstance(as_of, str):
        year, month = int(as_of.year), int(as_of.month)
        text = f"{year}-{month:02d}"
    else:
        text = str(as_of).strip()
        match = _MONTH.match(text)
        if match is None:
            raise UserError(f"as-of '{text}' is not a month in the form YYYY-MM (e.g. 2017-07)")
        year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise UserError(f"as-of '{text}': month {month} is not between 01 and 12")
    if not 1900 <= year <= 2200:
        raise UserError(f"as-of '{text}': year {year} is out of range")
    return year, month


def as_of_month_end(as_of: str | Any):
    """The last day of the as-of month, as a pandas Timestamp (rows with ``ds <=`` it count)."""
    import pandas as pd

    year, month = parse_as_of(as_of)
    return pd.Timestamp(year=year, month=month, day=1) + pd.offsets.MonthEnd(0)
