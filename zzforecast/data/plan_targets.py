"""A plan's targets file (``params/plans/<year>/targets.yaml``): :class:`Target` and its loader.

The file holds the plan's header (``plan`` = the document's title in Chinese, ``title_en``,
``document``, ``issued``, ``year``) and every quantitative target, each with the Chinese
phrase it comes from. :func:`load_targets` checks the header and the structure of every
entry with pydantic models (unknown keys, missing fields, wrong types, unknown kinds,
comparisons and scopes) and the arithmetic of each entry by hand (percent where a fraction
belongs, units that do not fit the kind), naming the file, the entry and its line; every
target carries the plan's year.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from ..exceptions import ParamsError, Problem
from .schemas import (
    CITY_SCOPE,
    CLUSTER_ID_PATTERN,
    MUNICIPAL_SCOPE,
    PROVINCIAL_SCOPE,
    TARGET_COMPARISONS,
    TARGET_FIELDS,
    TARGET_KINDS,
)
from .strict_yaml import read_yaml
from .yaml_models import node_line, problems_from, yaml_node

__all__ = ["Target", "GROUP_SCOPES", "TargetsHeader", "load_targets", "read_targets_file"]

# Scopes besides a single cluster id: the three aggregates and "every member of a level".
GROUP_SCOPES = (CITY_SCOPE, PROVINCIAL_SCOPE, MUNICIPAL_SCOPE, "each_provincial", "each_municipal")

_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_SCOPE_RE = re.compile(CLUSTER_ID_PATTERN)
_FRACTION_KINDS = ("growth", "share")
MIN_PLAN_YEAR, MAX_PLAN_YEAR = 1990, 2100


@dataclass(frozen=True)
class Target:
    """One quantitative target of a plan.

    Attributes
    ----------
    id : str
        Unique snake_case id within its plan, e.g. ``"fai_city_growth"``.
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
    year : int or None
        The plan year the target belongs to (the ``year`` of its file).
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
    year: int | None = None
    line: int | None = field(default=None, compare=False, repr=False)

    @property
    def exact_growth(self) -> bool:
        """True for a growth target without tolerance."""
        return self.kind == "growth" and self.tolerance is None


# --------------------------------------------------------------------------- models

def _text(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        raise ValueError("is missing")
    return value


class TargetsHeader(BaseModel):
    """The top of ``targets.yaml``: which document, which year, and the targets list."""

    model_config = ConfigDict(extra="forbid", strict=True)

    plan: str | None = None  # the document's title (Chinese)
    title_en: str | None = None
    document: str | None = None  # e.g. 郑政〔2017〕26号
    issued: _dt.date | None = None
    year: int | None = None
    targets: list[Any]

    @field_validator("issued", mode="before")
    @classmethod
    def _issued(cls, v):
        if isinstance(v, str):  # a quoted date: read it, or say what is expected
            try:
                return _dt.date.fromisoformat(v.strip())
            except ValueError:
                raise ValueError(f"{v!r} is not a date YYYY-MM-DD") from None
        return v

    @field_validator("year")
    @classmethod
    def _year(cls, v):
        if v is not None and not MIN_PLAN_YEAR <= v <= MAX_PLAN_YEAR:
            raise ValueError(f"{v} is not a plan year ({MIN_PLAN_YEAR}..{MAX_PLAN_YEAR})")
        return v

    @field_validator("targets")
    @classmethod
    def _non_empty(cls, v):
        if not v:
            raise ValueError("expected a non-empty list of targets")
        return v


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _arithmetic(e: TargetEntry) -> tuple[Any, list[tuple[str, str]]]:
    """Checks across fields (kind, value, unit, tolerance): the clean value and the
    (field, message) of every problem."""
    found: list[tuple[str, str]] = []

    def bad(field_name: str, message: str) -> None:
        found.append((field_name, message))

    kind, value, unit = e.kind, e.value, e.unit
    if (kind == "date") != (e.comparison == "by"):
        bad("comparison", "'by' goes with kind 'date' and only with it")
        return None, found
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

    tolerance = e.tolerance
    if tolerance is not None:
        if not _is_number(tolerance) or tolerance < 0:
            bad("tolerance", f"expected a number >= 0, got {tolerance!r}")
        elif kind in _FRACTION_KINDS and tolerance >= 0.1:
            bad("tolerance", f"{tolerance} looks like percentage points; write a fraction "
                f"(0.005 for 0.5 points)")
        elif kind == "date":
            bad("tolerance", "a date target takes no tolerance")
    return value, found


class TargetEntry(BaseModel):
    """One entry of ``targets``: structure, types and closed vocabularies."""

    model_config = ConfigDict(extra="forbid", strict=True)

    id: str
    indicator: str
    scope: str
    kind: str
    value: Any
    unit: str
    comparison: str
    tolerance: Any = None
    section: str
    quote: str
    note: str | None = None

    _blank = field_validator("id", "indicator", "scope", "kind", "unit", "comparison",
                             "section")(_text)

    @field_validator("quote")
    @classmethod
    def _quote(cls, v):
        if not v.strip():
            raise ValueError("is missing (the plan's Chinese phrase this target comes from)")
        return v

    @field_validator("value")
    @classmethod
    def _value(cls, v):
        if v is None or v == "":
            raise ValueError("is missing")
        return v

    @field_validator("id", "indicator")
    @classmethod
    def _snake(cls, v):
        if not _ID_RE.match(v):
            raise ValueError(f"{v!r} is not a snake_case id (a-z, 0-9, _)")
        return v

    @field_validator("scope")
    @classmethod
    def _scope(cls, v):
        if v not in GROUP_SCOPES and not _SCOPE_RE.match(v):
            raise ValueError(f"{v!r} is neither one of {', '.join(GROUP_SCOPES)} nor a cluster id")
        return v

    @field_validator("kind", "comparison")
    @classmethod
    def _one_of(cls, v, info):
        allowed = TARGET_KINDS if info.field_name == "kind" else TARGET_COMPARISONS
        if v not in allowed:
            raise ValueError(f"{v!r} is not one of {', '.join(allowed)}")
        return v

    @model_validator(mode="after")
    def _consistent(self):
        """Kind, value, unit and tolerance agree; the value is stored clean (a date as
        text, a count as int). Every disagreement is its own error, on its own field."""
        value, found = _arithmetic(self)
        if found:
            raise ValidationError.from_exception_data(type(self).__name__, [
                InitErrorDetails(type=PydanticCustomError("target", "{message}",
                                                          {"message": message}),
                                 loc=(field_name,), input=getattr(self, field_name))
                for field_name, message in found])
        self.value = value
        return self


def _check_entry(entry: Any, index: int, line: int | None, file: str,
                 problems: list[Problem], year: int | None) -> Target | None:
    label = f"target #{index + 1}"
    if isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry["id"]:
        label += f" ({entry['id']})"

    def bad(field_name: str | None, message: str) -> None:
        problems.append(Problem(file, line, field_name, f"{label}: {message}"))

    if not isinstance(entry, dict):
        bad(None, f"expected a mapping of fields, got {type(entry).__name__}")
        return None
    try:
        e = TargetEntry.model_validate(entry)
    except ValidationError as exc:
        for p in problems_from(exc, file, None, TargetEntry):
            message = p.message
            if p.field and p.field not in TARGET_FIELDS:
                message = f"unknown field; allowed: {', '.join(TARGET_FIELDS)}"
            elif p.field in TargetEntry.model_fields and entry.get(p.field) is None \
                    and TargetEntry.model_fields[p.field].is_required():
                message = "is missing"
            if message == "is missing" and p.field == "quote":
                message += " (the plan's Chinese phrase this target comes from)"
            bad(p.field, message)
        return None
    return Target(
        id=e.id, indicator=e.indicator, scope=e.scope, kind=e.kind, value=e.value,
        unit=e.unit, comparison=e.comparison,
        tolerance=None if e.tolerance is None else float(e.tolerance),
        section=e.section, quote=e.quote, note=e.note or "", year=year, line=line,
    )


# --------------------------------------------------------------------------- loading

def read_targets_file(path: str | os.PathLike, year: int | None = None
                      ) -> tuple[TargetsHeader | None, list[Target], list[Problem]]:
    """The header, the valid targets and every problem of a targets file.

    Parameters
    ----------
    path : str or path-like
    year : int, optional
        The plan year the file belongs to (its folder); the file's ``year`` must agree.
    """
    path = Path(path)
    file = str(path)
    data = read_yaml(path)
    if not isinstance(data, dict) or "targets" not in data:
        return None, [], [Problem(file, None, "targets",
                                  "expected a mapping with a 'targets' list")]
    node = yaml_node(path)
    problems: list[Problem] = []
    header = None
    try:
        header = TargetsHeader.model_validate(data)
    except ValidationError as exc:
        for p in problems_from(exc, file, node, TargetsHeader):
            if p.field and p.field.startswith("targets.") and "[" not in p.field:
                continue  # entries are checked one by one below
            problems.append(p)
    entries = data["targets"]
    if not isinstance(entries, list) or not entries:
        return header, [], problems or [Problem(file, node_line(node, ("targets",)), "targets",
                                                "expected a non-empty list of targets")]
    file_year = data.get("year") if isinstance(data.get("year"), int) else None
    if year is not None and file_year is not None and file_year != year:
        problems.append(Problem(file, node_line(node, ("year",)), "year",
                                f"says {file_year}, but the file is the plan of {year} (its "
                                f"folder); each plan folder holds one year's targets"))
    plan_year = year if year is not None else file_year
    targets: list[Target] = []
    seen: dict[str, int | None] = {}
    for i, entry in enumerate(entries):
        line = node_line(node, ("targets", i))
        target = _check_entry(entry, i, line, file, problems, plan_year)
        entry_id = entry.get("id") if isinstance(entry, dict) else None
        if isinstance(entry_id, str) and entry_id:
            if entry_id in seen:
                problems.append(Problem(file, line, "id", f"target #{i + 1}: duplicate id "
                                        f"{entry_id!r} (first at line {seen[entry_id]}); "
                                        "target ids are unique within a plan"))
                continue
            seen[entry_id] = line
        if target is not None:
            targets.append(target)
    return header, targets, problems


def load_targets(path: str | os.PathLike, year: int | None = None) -> list[Target]:
    """Read and strictly validate a plan's targets (``params/plans/<year>/targets.yaml``).

    Parameters
    ----------
    path : str or path-like
        The YAML file: a mapping with ``targets`` (a list of entries with the fields of
        ``schemas.TARGET_FIELDS``) and optional ``plan``, ``title_en``, ``document``,
        ``issued``, ``year``.
    year : int, optional
        The plan year the file belongs to; the file's own ``year`` must agree. Every
        target carries it (else the file's ``year``).

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
    _, targets, problems = read_targets_file(path, year)
    if problems:
        raise ParamsError(problems)
    return targets
