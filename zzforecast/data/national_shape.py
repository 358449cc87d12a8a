"""The within-year shape of the real national FAI series, which the synthetic panel copies.

FAI is back-loaded: the cumulative share s(m) = C(m)/C(12) of a year's investment reached
by month m is fairly stable across years. The synthetic generator (``synthetic.py``) gives
each zone the national shape of the same year, perturbed; the calibration checks compare
the generated city totals with it. Only within-year ratios of the national levels are used.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..exceptions import UserError
from .public import NATIONAL_FAI_FILE, load_national_fai_monthly
from .synthetic_design import FIRST_YEAR, LAST_YEAR

__all__ = ["MONTHS", "find_national_fai", "national_fai_shares"]

MONTHS = tuple(range(2, 13))  # cumulative releases: 1-2月 ... 1-12月


def find_national_fai(path: str | Path | None = None) -> Path:
    """Locate the national monthly FAI file (../shared/data by default).

    Raises
    ------
    UserError
        When the file is not found; the message lists where it was looked for.
    """
    if path is not None:
        candidates = [Path(path)]
    else:
        here = Path(__file__).resolve()
        candidates = [Path.cwd().parent / "shared" / "data" / NATIONAL_FAI_FILE,
                      here.parents[3] / "shared" / "data" / NATIONAL_FAI_FILE,
                      Path.cwd() / "shared" / "data" / NATIONAL_FAI_FILE]
    for c in candidates:
        if c.is_file():
            return c
    raise UserError(f"national FAI series not found (looked in: "
                    f"{', '.join(str(c) for c in candidates)}); pass --national-fai PATH")


def _national_cum(path: Path) -> pd.DataFrame:
    """Year, month, cumulative level of the national series (read by ``public.py``)."""
    frame = load_national_fai_monthly(path)
    ds = pd.to_datetime(frame["ds"])
    return pd.DataFrame({"year": ds.dt.year, "month": ds.dt.month,
                         "cum": frame["cum_value"].astype(float)})


def national_fai_shares(path: str | Path | None = None,
                        years=range(FIRST_YEAR, LAST_YEAR + 1)) -> pd.DataFrame:
    """Within-year cumulative shares s(m) = C(m)/C(12) of national FAI, by year.

    Only within-year ratios of the national levels are used (levels are not comparable
    across years; see ../shared/data/README.md).

    Parameters
    ----------
    path : str or Path, optional
        The national CSV; found in ../shared/data by default.
    years : iterable of int
        Complete years to use (default: the synthetic panel's years, 2010-2016).

    Returns
    -------
    pandas.DataFrame
        Index = year, columns = months 2..12, values in (0, 1], column 12 equal to 1.
    """
    cum = _national_cum(find_national_fai(path))
    table = cum.pivot_table(index="year", columns="month", values="cum")
    table = table.loc[[y for y in years if y in table.index], list(MONTHS)]
    if table.isna().any().any() or table.empty:
        raise UserError("national FAI series lacks complete years for the seasonal shape")
    return table.div(table[12], axis=0)
