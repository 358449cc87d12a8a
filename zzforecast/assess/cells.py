"""Text cells and aligned text tables for the assess stage's plain-text reports.

Tables go through ``tabulate`` (with ``wcwidth`` installed it counts a Chinese character
as two columns, so Chinese and English tables line up alike).
"""

from __future__ import annotations

import math

import pandas as pd
from tabulate import tabulate

__all__ = ["format_table", "pct", "num", "finite"]


def format_table(header: list[str], rows: list[list[str]]) -> str:
    """Align a table of strings: the first column left, the others (numbers) right."""
    align = ["left"] + ["right"] * (len(header) - 1)
    # cells are already formatted text: tabulate must not reparse "1,425.2" or "-5.6%"
    return tabulate(rows, headers=header, tablefmt="simple", colalign=align,
                    disable_numparse=True)


def finite(value) -> float | None:
    """``value`` as a float, or None where it is missing, not a number or not finite."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and not math.isfinite(x)) or bool(pd.isna(x))


def pct(x, digits: int = 1, none: str = "-") -> str:
    """A fraction as a percentage (``0.134`` -> ``13.4%``); ``none`` where it is missing."""
    return none if _missing(x) else f"{100 * float(x):.{digits}f}%"


def num(x, unit: str = "", none: str = "-") -> str:
    """A level with one decimal and thousands separators, then ``unit``."""
    return none if _missing(x) else f"{float(x):,.1f}{unit}"
