"""Industrial price changes by industry: ``data/deflators.csv`` (optional).

NBS deflates industrial value added with producer price indices by industry, so a zone of
electronics and one of new materials do not share one price change. When this file is
present, each zone's price change for the months still to come is the mean of its lead
industries' (``clusters.csv``, ``lead_industries``, separated by 、) for the target year;
zones whose industries are not listed keep the scenario's deflator. The published months
are priced by each zone's own nominal/real gap either way. The simulation itself keeps the
scenario's single deflator: the industry view is shown beside it (attain text, JSON,
overview report) by redoing only the level arithmetic on the same paths
(:func:`zzforecast.assess.level_bases.deflator_sensitivity`).

Columns:

``industry``  the industry as written in ``lead_industries`` (e.g. 电子信息)
``year``      YYYY
``mean``      expected price change for the year's remaining months, a fraction (0.03)
``sd``        its uncertainty, a fraction >= 0 (optional; kept for the record)
``source``    where the figure comes from (e.g. 河南省 工业生产者出厂价格指数 分行业)

Every problem is reported with file, row and field (:class:`~zzforecast.exceptions.DataError`).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from ..exceptions import DataError, Problem

__all__ = ["DEFLATORS_FILE", "DEFLATOR_COLUMNS", "read_deflators", "zone_deflators"]

DEFLATORS_FILE = "deflators.csv"
DEFLATOR_COLUMNS = ("industry", "year", "mean", "sd", "source")
_REQUIRED = ("industry", "year", "mean", "source")
_MAX_PROBLEMS = 50


def read_deflators(path: str | Path) -> pd.DataFrame:
    """Read and check ``data/deflators.csv``.

    Returns
    -------
    pandas.DataFrame
        ``industry`` (str), ``year`` (int), ``mean`` and ``sd`` (float; sd NaN when left
        blank), ``source`` (str).

    Raises
    ------
    DataError
        Missing or unknown columns; an empty industry or source; a year that is not
        YYYY; a mean or sd that is not a number, looks like a percent (|x| > 0.5 for the
        mean), or a negative sd; the same industry and year twice.
    """
    from .tables import read_table

    path = Path(path)
    file = str(path)
    frame = read_table(path)
    problems: list[Problem] = []
    columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in _REQUIRED if c not in columns]
    unknown = [c for c in columns if c not in DEFLATOR_COLUMNS]
    for c in missing:
        problems.append(Problem(file, 1, c, f"missing column '{c}'; columns: "
                                f"{', '.join(DEFLATOR_COLUMNS)}"))
    for c in unknown:
        problems.append(Problem(file, 1, c, f"unknown column '{c}'; allowed: "
                                f"{', '.join(DEFLATOR_COLUMNS)}"))
    if problems:
        raise DataError(problems)
    frame.columns = columns
    if "sd" not in frame.columns:
        frame["sd"] = ""
    rows, seen = [], {}
    for i, rec in enumerate(frame.astype(object).itertuples(index=False), start=2):
        r = rec._asdict()

        def text(key, r=r):
            return _text(r, key)

        def number(key, r=r, i=i):
            return _number(r, key, file, i, problems)

        industry, source, year_text = text("industry"), text("source"), text("year")
        if not industry:
            problems.append(Problem(file, i, "industry", "is empty"))
        if not source:
            problems.append(Problem(file, i, "source", "is empty; say where the figure comes "
                                    "from"))
        year = None
        if len(year_text) == 4 and year_text.isdigit():
            year = int(year_text)
        elif year_text.endswith(".0") and year_text[:-2].isdigit() and len(year_text) == 6:
            year = int(year_text[:-2])
        else:
            problems.append(Problem(file, i, "year", f"'{year_text}' is not a year YYYY"))
        mean = number("mean")
        if mean is None and not text("mean"):
            problems.append(Problem(file, i, "mean", "is empty"))
        elif mean is not None and abs(mean) > 0.5:
            problems.append(Problem(file, i, "mean", f"{mean:g} looks like a percent; a price "
                                    f"change is a fraction (0.03 for 3%)"))
            mean = None
        sd = number("sd")
        if sd is not None and sd < 0:
            problems.append(Problem(file, i, "sd", f"{sd:g} is negative"))
        key = (industry, year)
        if industry and year is not None:
            if key in seen:
                problems.append(Problem(file, i, "industry", f"duplicate {industry} {year} "
                                        f"(first at row {seen[key]})"))
            seen.setdefault(key, i)
        rows.append({"industry": industry, "year": year, "mean": mean,
                     "sd": float("nan") if sd is None else sd, "source": source})
        if len(problems) >= _MAX_PROBLEMS:
            break
    if problems:
        raise DataError(problems)
    out = pd.DataFrame(rows, columns=list(DEFLATOR_COLUMNS))
    out["year"] = out["year"].astype("int64")
    out.attrs["file"] = file
    return out


def _text(r: dict, key: str) -> str:
    v = r.get(key)
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v).strip()


def _number(r: dict, key: str, file: str, i: int, problems: list) -> float | None:
    t = _text(r, key)
    if not t:
        return None
    if t.endswith("%"):
        problems.append(Problem(file, i, key, f"'{t}' is a percent; write a fraction "
                                "(0.03 for 3%)"))
        return None
    try:
        x = float(t)
    except ValueError:
        problems.append(Problem(file, i, key, f"'{t}' is not a number"))
        return None
    if not math.isfinite(x):
        problems.append(Problem(file, i, key, f"'{t}' is not a finite number"))
        return None
    return x


def zone_deflators(deflators: pd.DataFrame | None, clusters: pd.DataFrame,
                   year: int) -> dict[str, dict]:
    """Each zone's price change for ``year`` from its lead industries.

    Returns ``{cluster_id: {"mean": float, "industries": [..]}}`` for the zones with at
    least one listed industry (the mean over them); empty without a file or a year.
    """
    if deflators is None or not len(deflators) or "lead_industries" not in clusters:
        return {}
    table = deflators[deflators["year"] == int(year)].set_index("industry")["mean"]
    out = {}
    for cid, lead in zip(clusters["cluster_id"], clusters["lead_industries"], strict=True):
        names = [s.strip() for s in str(lead or "").replace("，", "、").split("、") if s.strip()]
        hit = [n for n in names if n in table.index]
        if hit:
            out[str(cid)] = {"mean": float(sum(float(table[n]) for n in hit) / len(hit)),
                             "industries": hit}
    return out
