"""Strict loaders of the cluster registry, observations, projects and cluster targets.

Each loader reads one file with :func:`~zzforecast.data.tables.read_table`, checks every row
and column at once (vectorised with pandas), and either returns a clean frame or raises a
:class:`~zzforecast.exceptions.DataError` listing *all* problems of the file, each with
file, row (as a spreadsheet shows it, header = row 1) and field. At most
:data:`MAX_PROBLEMS` problems per file are listed, then "... and N more".

The shared row checks live in ``checks.py``, the observation rules in ``observations.py``.
:func:`~zzforecast.data.bundle.load_bundle` (in ``bundle.py``) loads everything a run
needs from ``data/`` and ``params/`` with these loaders.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..exceptions import Problem
from .checks import (
    GROWTH_PERCENT_THRESHOLD,
    MAX_LEVEL,
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
    registry_name,
    require,
    text_problems,
)
from .observations import check_observations
from .schemas import (
    CLUSTER_LEVELS,
    CLUSTER_TARGETS_COLUMNS,
    CLUSTERS_COLUMNS,
    CLUSTERS_OPTIONAL,
    GROWTH_UNIT,
    INDICATORS,
    PROJECT_STATUSES,
    PROJECTS_COLUMNS,
    UNIT_FACTORS,
)
from .tables import read_table

__all__ = [
    "MAX_PROBLEMS",
    "GROWTH_PERCENT_THRESHOLD",
    "load_clusters",
    "load_observations",
    "load_projects",
    "load_cluster_targets",
    "find_table",
    "empty_projects",
    "empty_cluster_targets",
]


# --------------------------------------------------------------------------- files

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
    clusters : optional
        As for :func:`load_projects`.
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


def empty_projects() -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series([], dtype=object) for c in PROJECTS_COLUMNS})
    out["total_investment"] = out["total_investment"].astype(float)
    out["planned_investment"] = out["planned_investment"].astype(float)
    out["year"] = out["year"].astype("int64")
    out["synthetic"] = out["synthetic"].astype(bool)
    return out


def empty_cluster_targets() -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series([], dtype=object) for c in CLUSTER_TARGETS_COLUMNS})
    out["value"] = out["value"].astype(float)
    out["derived"] = out["derived"].astype(bool)
    out["year"] = pd.array([], dtype="Int64")
    return out
