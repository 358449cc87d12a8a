"""The plan's targets as data: the registry file, its strict loader, per-cluster defaults.

``params/targets/<year>.yaml`` holds every quantitative target of a year's plan, each with
the Chinese phrase it comes from. :func:`load_targets` reads it into frozen
:class:`Target` objects and refuses anything doubtful (unknown keys, wrong types, percent
where a fraction belongs, duplicate ids, a missing quote), naming the file, the entry and
its line. Per-cluster targets (the plan's annexes 2 and 3) live in
``params/targets/<year>_clusters.csv``; until real ones are entered,
:func:`derive_cluster_targets` gives every cluster a default derived from the plan.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .data.io import read_yaml
from .data.schemas import (
    CITY_SCOPE,
    CLUSTER_ID_PATTERN,
    CLUSTER_TARGETS_COLUMNS,
    MUNICIPAL_SCOPE,
    PROVINCIAL_SCOPE,
    TARGET_COMPARISONS,
    TARGET_FIELDS,
    TARGET_KINDS,
)
from .exceptions import ParamsError, Problem

__all__ = [
    "Target",
    "GROUP_SCOPES",
    "load_targets",
    "find_target",
    "implied_park_growth",
    "provincial_share",
    "derive_cluster_targets",
    "cluster_growth_targets",
    "NO_OFFICIAL_TARGET",
    "DERIVED_TAG",
    "no_official_target_label",
]

# How a zone without an entered (official) target is shown. Derived per-zone values are
# arithmetic placeholders until the plan's annexes 2 and 3 are entered: they are never
# shown as goals, never given a probability of "attainment", and never enter the star or
# summary tables (issue 11, item 4).
NO_OFFICIAL_TARGET = {"zh": "无正式目标（方案附件未录入）",
                      "en": "no official target (plan annex not entered)"}
DERIVED_TAG = {"zh": "推算值", "en": "derived"}


def no_official_target_label(lang: str = "zh") -> str:
    """The words shown where a zone has no entered target (Chinese or English)."""
    return NO_OFFICIAL_TARGET["en" if lang == "en" else "zh"]

# Scopes besides a single cluster id: the three aggregates and "every member of a level".
GROUP_SCOPES = (CITY_SCOPE, PROVINCIAL_SCOPE, MUNICIPAL_SCOPE, "each_provincial", "each_municipal")

_REQUIRED = ("id", "indicator", "scope", "kind", "value", "unit", "comparison", "section", "quote")
_OPTIONAL = ("tolerance", "note")
_TOP_KEYS = ("plan", "document", "issued", "year", "targets")
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_SCOPE_RE = re.compile(CLUSTER_ID_PATTERN)
_FRACTION_KINDS = ("growth", "share")


@dataclass(frozen=True)
class Target:
    """One quantitative target of the plan.

    Attributes
    ----------
    id : str
        Unique snake_case id, e.g. ``"fai_city_growth"``.
    indicator : str
        ``fai``, ``iav``, ``revenue``, ``employment`` (simulated indicators) or a
        descriptive id such as ``invention_patent_applications``.
    scope : str
        ``city``, ``provincial``, ``municipal``, ``each_provincial``, ``each_municipal``
        or a cluster id.
    kind : str
        One of ``growth``, ``level``, ``count``, ``share``, ``date``.
    value : float, int or str
        Fraction for growth and share, number in ``unit`` for level and count, ISO date
        (``YYYY-MM-DD``) for date.
    unit : str
        ``fraction`` for growth and share, ``date`` for date, else the plan's unit.
    comparison : str
        ``>=``, ``<=``, ``==`` or ``by`` (deadlines).
    tolerance : float or None
        Half-width of "about" (左右) in the value's unit; ``None`` when the plan is exact.
    section : str
        Section of the plan, e.g. ``"二"`` or ``"三(三)2"``.
    quote : str
        The Chinese phrase of the plan the target comes from.
    note : str
        Remarks (basis, conflicts, readings).
    derived : bool
        True when the target was derived from the plan rather than stated in it.
    line : int or None
        Line of the entry in its file (not part of equality).
    """

    id: str
    indicator: str
    scope: str
    kind: str
    value: Any
    unit: str
    comparison: str
    tolerance: float | None = None
    section: str = ""
    quote: str = ""
    note: str = ""
    derived: bool = False
    line: int | None = field(default=None, compare=False, repr=False)

    @property
    def exact_growth(self) -> bool:
        """True for a growth target without tolerance."""
        return self.kind == "growth" and self.tolerance is None


def _entry_lines(path: Path) -> list[int | None]:
    """Line (1-based) of each item of the top-level ``targets`` list, for messages."""
    import yaml

    try:
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except Exception:  # read_yaml has already reported a broken file
        return []
    if not isinstance(node, yaml.MappingNode):
        return []
    for key, value in node.value:
        if getattr(key, "value", None) == "targets" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_entry(entry: Any, index: int, line: int | None, file: str,
                 problems: list[Problem]) -> Target | None:
    label = f"target #{index + 1}"
    if isinstance(entry, dict) and entry.get("id"):
        label += f" ({entry['id']})"

    def bad(field_name: str | None, message: str) -> None:
        problems.append(Problem(file, line, field_name, f"{label}: {message}"))

    if not isinstance(entry, dict):
        bad(None, f"expected a mapping of fields, got {type(entry).__name__}")
        return None
    n_before = len(problems)
    for key in entry:
        if key not in TARGET_FIELDS:
            bad(str(key), f"unknown field; allowed: {', '.join(TARGET_FIELDS)}")
    for key in _REQUIRED:
        if key not in entry or entry[key] is None or entry[key] == "":
            bad(key, "is missing" + (" (the plan's Chinese phrase this target comes from)"
                                     if key == "quote" else ""))
    for key in ("id", "indicator", "scope", "kind", "unit", "comparison", "section", "quote",
                "note"):
        if key in entry and entry[key] is not None and not isinstance(entry[key], str):
            bad(key, f"expected text, got {type(entry[key]).__name__} {entry[key]!r}")

    def text(key: str) -> str | None:
        value = entry.get(key)
        return value if isinstance(value, str) and value else None

    kind, value, comparison = text("kind"), entry.get("value"), text("comparison")
    for key in ("id", "indicator"):
        if text(key) and not _ID_RE.match(entry[key]):
            bad(key, f"{entry[key]!r} is not a snake_case id (a-z, 0-9, _)")
    scope = text("scope")
    if scope and scope not in GROUP_SCOPES and not _SCOPE_RE.match(scope):
        bad("scope", f"{scope!r} is neither one of {', '.join(GROUP_SCOPES)} nor a cluster id")
    if kind and kind not in TARGET_KINDS:
        bad("kind", f"{kind!r} is not one of {', '.join(TARGET_KINDS)}")
    if comparison and comparison not in TARGET_COMPARISONS:
        bad("comparison", f"{comparison!r} is not one of {', '.join(TARGET_COMPARISONS)}")
    elif kind in TARGET_KINDS and comparison and (kind == "date") != (comparison == "by"):
        bad("comparison", "'by' goes with kind 'date' and only with it")
    if len(problems) > n_before or value is None:
        return None

    unit = entry["unit"]
    if kind == "date":
        text = value.isoformat() if isinstance(value, _dt.date) else value
        try:
            _dt.date.fromisoformat(str(text))
        except ValueError:
            bad("value", f"{value!r} is not a date YYYY-MM-DD")
        else:
            value = str(text)
        if unit != "date":
            bad("unit", f"a date target has unit 'date', got {unit!r}")
    elif not _is_number(value):
        bad("value", f"expected a number, got {type(value).__name__} {value!r}")
    elif kind in _FRACTION_KINDS:
        if unit != "fraction":
            bad("unit", f"{kind} is written as a fraction (unit 'fraction'), got {unit!r}")
        if abs(value) > 1.0 + 1e-12:
            bad("value", f"{value} looks like a percent; {kind} is a fraction "
                f"(write {value / 100:g} for {value:g}%)")
        elif kind == "growth" and value <= -1.0 + 1e-9:
            bad("value", f"growth {value:g} means the level falls to zero or below; a "
                "growth target is above -1 (-100%)")
    elif kind == "level" and not (0 < float(value) < 1e12):
        bad("value", f"a level target is a positive amount, got {value!r}")
    elif kind == "count":
        if float(value) != int(value) or value < 0:
            bad("value", f"a count is a whole number >= 0, got {value!r}")
        else:
            value = int(value)
        if unit == "fraction":
            bad("unit", "a count is not a fraction")
    elif kind == "level" and unit == "fraction":
        bad("unit", "a level is not a fraction; use kind 'share' or 'growth'")

    tolerance = entry.get("tolerance")
    if tolerance is not None:
        if not _is_number(tolerance) or tolerance < 0:
            bad("tolerance", f"expected a number >= 0, got {tolerance!r}")
        elif kind in _FRACTION_KINDS and tolerance >= 0.1:
            bad("tolerance", f"{tolerance} looks like percentage points; write a fraction "
                f"(0.005 for 0.5 points)")
        elif kind == "date":
            bad("tolerance", "a date target takes no tolerance")
    if len(problems) > n_before:
        return None
    return Target(
        id=entry["id"], indicator=entry["indicator"], scope=scope, kind=kind, value=value,
        unit=unit, comparison=comparison,
        tolerance=None if tolerance is None else float(tolerance),
        section=entry["section"], quote=entry["quote"], note=entry.get("note") or "",
        line=line,
    )


def load_targets(path: str | os.PathLike) -> list[Target]:
    """Read and strictly validate a target registry (``params/targets/<year>.yaml``).

    Parameters
    ----------
    path : str or path-like
        The YAML file: a mapping with ``targets`` (a list of entries with the fields of
        ``schemas.TARGET_FIELDS``) and optional ``plan``, ``document``, ``issued``, ``year``.

    Returns
    -------
    list of Target
        In file order.

    Raises
    ------
    ParamsError
        Listing every problem with file, line and field: unreadable YAML, unknown keys,
        missing fields (including ``quote``), wrong types, percent values where fractions
        belong, unknown kind / comparison / scope, duplicate ids.
    """
    path = Path(path)
    file = str(path)
    data = read_yaml(path)
    if not isinstance(data, dict) or "targets" not in data:
        raise ParamsError(Problem(file, None, "targets",
                                  "expected a mapping with a 'targets' list"))
    problems: list[Problem] = []
    for key in data:
        if key not in _TOP_KEYS:
            problems.append(Problem(file, None, str(key),
                                    f"unknown top-level key; allowed: {', '.join(_TOP_KEYS)}"))
    entries = data["targets"]
    if not isinstance(entries, list) or not entries:
        raise ParamsError(Problem(file, None, "targets", "expected a non-empty list of targets"))
    lines = _entry_lines(path)
    targets: list[Target] = []
    seen: dict[str, int | None] = {}
    for i, entry in enumerate(entries):
        line = lines[i] if i < len(lines) else None
        target = _check_entry(entry, i, line, file, problems)
        entry_id = entry.get("id") if isinstance(entry, dict) else None
        if isinstance(entry_id, str) and entry_id:
            if entry_id in seen:
                problems.append(Problem(file, line, "id", f"target #{i + 1}: duplicate id "
                                        f"{entry_id!r} (first at line {seen[entry_id]})"))
                continue
            seen[entry_id] = line
        if target is not None:
            targets.append(target)
    if problems:
        raise ParamsError(problems)
    return targets


def find_target(targets: list[Target], *, indicator: str, scope: str, kind: str) -> Target | None:
    """The first target with this indicator, scope and kind, or None."""
    for t in targets:
        if t.indicator == indicator and t.scope == scope and t.kind == kind:
            return t
    return None


def implied_park_growth(city_growth: float, provincial_growth: float, provincial_share):
    """Growth the municipal parks must reach for the city total to grow ``city_growth``.

    With the provincial clusters' share ``s`` of last year's total,
    ``g_city = s * g_prov + (1 - s) * g_park``, hence
    ``g_park = (g_city - s * g_prov) / (1 - s)``.

    Parameters
    ----------
    city_growth, provincial_growth : float
        Fractions.
    provincial_share : float or array-like
        The provincial clusters' share of last year's city total, in [0, 1).

    Returns
    -------
    float or numpy.ndarray
        The parks' required growth (a fraction); may be negative.
    """
    import numpy as np

    s = np.asarray(provincial_share, dtype=float)
    if np.any((s < 0) | (s >= 1)):
        raise ValueError("provincial_share must be in [0, 1)")
    out = (city_growth - s * provincial_growth) / (1.0 - s)
    return float(out) if out.ndim == 0 else out


def provincial_share(observations: pd.DataFrame, clusters: pd.DataFrame, indicator: str,
                     year: int) -> float | None:
    """The provincial clusters' share of the registered clusters' annual level in ``year``.

    Parameters
    ----------
    observations : pandas.DataFrame
        Long observations (columns of ``schemas.OBSERVATIONS_COLUMNS``; ``value`` numeric).
    clusters : pandas.DataFrame
        The registry (``cluster_id``, ``level``).
    indicator : str
    year : int

    Returns
    -------
    float or None
        None when no municipal or no provincial level is present for that year.
    """
    obs = observations
    period = obs["period"].astype(str)
    rows = obs[(obs["indicator"] == indicator) & (obs["measure"] == "level")
               & (obs["frequency"] == "annual") & (period == str(year))]
    if rows.empty:
        return None
    from .data.loaders import levels_in_year

    levels = levels_in_year(clusters, year)  # the status each zone had in that year
    lv = rows["cluster_id"].map(levels)
    values = pd.to_numeric(rows["value"], errors="coerce")
    prov = values[lv == "provincial"].sum()
    total = values[lv.isin(["provincial", "municipal"])].sum()
    if total <= 0 or prov <= 0 or prov >= total:
        return None
    return float(prov / total)


def derive_cluster_targets(targets: list[Target], clusters: pd.DataFrame,
                           observations: pd.DataFrame | None = None,
                           year: int = 2017) -> pd.DataFrame:
    """Default per-cluster growth targets derived from the plan (until annexes 2-3 exist).

    Provincial clusters get the provincial-subset growth targets (FAI 14%, IAV 12% in
    2017). Municipal parks get the growth they must reach for the city to meet its target
    when the provincial clusters meet theirs (:func:`implied_park_growth`), using the
    provincial share of last year's levels in ``observations``.

    Parameters
    ----------
    targets : list of Target
    clusters : pandas.DataFrame
        The registry (``cluster_id``, ``level``).
    observations : pandas.DataFrame, optional
        Needed for the parks' targets; without it parks get the city target.
    year : int
        The plan year (shares are taken from ``year - 1``).

    Returns
    -------
    pandas.DataFrame
        Columns of ``schemas.CLUSTER_TARGETS_COLUMNS``; ``derived`` is True everywhere.
    """
    rows = []
    for indicator in ("fai", "iav"):
        city = find_target(targets, indicator=indicator, scope=CITY_SCOPE, kind="growth")
        prov = find_target(targets, indicator=indicator, scope=PROVINCIAL_SCOPE, kind="growth")
        if city is None or prov is None:
            continue
        share = (provincial_share(observations, clusters, indicator, year - 1)
                 if observations is not None else None)
        if share is not None:
            park = implied_park_growth(city.value, prov.value, share)
            park_source = (f"derived: growth municipal parks need for the city to reach "
                           f"{city.value:g} ({city.id}) when provincial clusters reach "
                           f"{prov.value:g} ({prov.id}); provincial share of {year - 1} "
                           f"level {share:.4f} from the bundled data")
        else:
            park = city.value
            park_source = f"derived: city target {city.id} (no data for the provincial share)"
        from .data.loaders import levels_in_year

        status = levels_in_year(clusters, year)  # the zones' status in the plan year
        for cid in clusters["cluster_id"]:
            if status[cid] == "provincial":
                value, source = prov.value, (f"derived: provincial-subset target {prov.id} "
                                             f"(plan section {prov.section})")
            else:
                value, source = park, park_source
            rows.append({"cluster_id": cid, "indicator": indicator, "kind": "growth",
                         "value": round(float(value), 4), "unit": "fraction",
                         "derived": True, "source": source})
    return pd.DataFrame(rows, columns=list(CLUSTER_TARGETS_COLUMNS))


def cluster_growth_targets(bundle, year: int | None = None) -> pd.DataFrame:
    """Per-cluster growth targets: the bundle's table where given, else derived defaults.

    Parameters
    ----------
    bundle : zzforecast.data.loaders.Bundle
        Needs ``targets``, ``clusters``, ``observations`` and ``cluster_targets``.
    year : int, optional
        The plan year (default: 2017 or the year of the targets' file).

    Returns
    -------
    pandas.DataFrame
        Columns ``cluster_id, indicator, kind, value, unit, derived, source``: every row
        of the bundle's table for ``year`` (growth and level targets), plus a derived
        growth default for each cluster and indicator (``fai``, ``iav``) that has no
        growth row there. Entered rows take precedence over derived defaults.
    """
    year = 2017 if year is None else int(year)
    derived = derive_cluster_targets(list(bundle.targets), bundle.clusters,
                                     bundle.observations, year)
    given = getattr(bundle, "cluster_targets", None)
    if given is None or len(given) == 0:
        return derived
    if "year" in given.columns:
        given = given[given["year"] == year]
    given = given[list(CLUSTER_TARGETS_COLUMNS)]
    keys = set(zip(given["cluster_id"], given["indicator"], given["kind"], strict=True))
    keep = [k not in keys for k in zip(derived["cluster_id"], derived["indicator"],
                                       derived["kind"], strict=True)]
    out = pd.concat([given, derived[keep]], ignore_index=True)
    return out.sort_values(["indicator", "cluster_id"], kind="stable").reset_index(drop=True)
