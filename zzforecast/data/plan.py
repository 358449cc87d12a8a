"""The plan of one year, as data: ``params/plans/<year>/``.

One folder per plan year holds everything that belongs to that year's plan document::

    params/plans/2017/
        targets.yaml          the document (title, number, date, year) and its targets
        cluster_targets.csv   per-zone targets (annexes 2 and 3; derived defaults marked)
        star_goals.csv        the star level the plan asks each zone to reach
        stars.yaml            star-rating rules (an ASSUMPTION: plans give none)
        audit.yaml            plan-specific facts the consistency audit quotes

Only ``targets.yaml`` is required. :func:`load_plan` reads one year's folder and reports
every problem of every file (file, row or line, field); :func:`plan_years` lists the
years present and :func:`resolve_plan_year` turns a requested year (or ``None``: the
latest) into one that exists, or says which exist. The YAML files are checked with
pydantic models (:mod:`zzforecast.data.yaml_models`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from ..exceptions import DataError, ParamsError, Problem
from .checks import (
    Checker,
    as_text,
    check_columns,
    cluster_id_problems,
    cluster_id_set,
    duplicates,
    int_values,
    no_rows,
    registry_name,
    require,
    text_problems,
)
from .loaders import empty_cluster_targets, load_cluster_targets
from .plan_targets import GROUP_SCOPES, Target, read_targets_file
from .schemas import STAR_GOALS_COLUMNS
from .strict_yaml import read_yaml
from .tables import read_table
from .yaml_models import validate_yaml

__all__ = [
    "PLANS_DIR",
    "TARGETS_FILE",
    "CLUSTER_TARGETS_FILE",
    "STAR_GOALS_FILE",
    "STAR_RULES_FILE",
    "AUDIT_FILE",
    "Plan",
    "AuditFacts",
    "StarRules",
    "plan_years",
    "plan_folder",
    "resolve_plan_year",
    "load_plan",
    "collect_plan",
    "load_star_rules",
    "load_star_goals",
    "load_audit_facts",
    "with_star_goals",
]

PLANS_DIR = "plans"
TARGETS_FILE = "targets.yaml"
CLUSTER_TARGETS_FILE = "cluster_targets.csv"
STAR_GOALS_FILE = "star_goals.csv"
STAR_RULES_FILE = "stars.yaml"
AUDIT_FILE = "audit.yaml"
_YEAR_DIR = re.compile(r"^\d{4}$")


# --------------------------------------------------------------------------- models

class Text(BaseModel):
    """A sentence or phrase in Chinese and English."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    zh: str
    en: str


class AuditFacts(BaseModel):
    """Facts of one plan that the consistency audit quotes (``audit.yaml``, all optional).

    Each is a phrase in Chinese and English that the audit places into its sentences;
    without it the audit says the general thing only.
    """

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    price_history: Text | None = None  # industrial producer prices before and in the year
    zone_targets_source: Text | None = None  # where the plan gives the parks' own targets
    industry_overlap: Text | None = None  # examples of industries counted twice
    industries_not_covered: Text | None = None  # examples of industries with no target
    revenue_wording: Text | None = None  # where the plan says 超 and where 达到
    project_lists: Text | None = None  # where the project lists are, what the text names


class StarLevel(BaseModel):
    """Thresholds of one star level (every one must be met)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    revenue_min: float | None = None  # 亿元, full-year main-business revenue
    iav_growth_min: float | None = None  # fraction, real IAV growth
    fai_growth_min: float | None = None  # fraction, FAI growth

    @field_validator("iav_growth_min", "fai_growth_min")
    @classmethod
    def _fraction(cls, v):
        if v is not None and abs(v) >= 1:
            raise ValueError(f"{v!r} looks like a percent; write a fraction (e.g. {v / 100:g})")
        return v

    @field_validator("revenue_min")
    @classmethod
    def _positive(cls, v):
        if v is not None and v < 0:
            raise ValueError("must not be negative (亿元)")
        return v


def _star_level(v: Any) -> Any:
    if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 6:
        raise ValueError("star level must be an integer from 1 to 6")
    return v


class StarRules(BaseModel):
    """Star-rating rules (``stars.yaml``): an ASSUMPTION, since plans give none."""

    model_config = ConfigDict(extra="forbid", strict=True)

    assumption: Any
    note_zh: str = ""
    note_en: str = ""
    indicator: str | None = None
    levels: dict[Any, StarLevel]

    @field_validator("assumption", mode="before")
    @classmethod
    def _assumption(cls, v):
        if v is not True:
            raise ValueError("must be `true`: the plan gives no rating rules, so these are "
                             "assumptions and must say so")
        return v

    @field_validator("levels", mode="before")
    @classmethod
    def _levels(cls, v):
        if not isinstance(v, dict) or not v:
            raise ValueError("expected a mapping of star level (1..6) to thresholds")
        for key in v:
            _star_level(key)
        return v

    @model_validator(mode="after")
    def _rising(self):
        ordered = sorted(self.levels)
        for a, b in zip(ordered, ordered[1:], strict=False):
            ra, rb = self.levels[a].revenue_min, self.levels[b].revenue_min
            if ra is not None and rb is not None and rb < ra:
                raise ValueError(f"levels.{b}.revenue_min {rb:g} is below level {a}'s {ra:g}: "
                                 "thresholds must rise with the star level")
        return self


# --------------------------------------------------------------------------- plan

@dataclass(frozen=True, eq=False)
class Plan:
    """One year's plan, checked.

    Attributes
    ----------
    year : int
    folder : pathlib.Path
        ``params/plans/<year>``.
    title, title_en, document, issued : str
        The document's title (Chinese, English), its number (e.g. 郑政〔2017〕26号) and
        date of issue; blank when the file does not say.
    targets : list of Target
        Every target of the plan, each with ``year`` set.
    cluster_targets : pandas.DataFrame
        Per-zone targets (``cluster_targets.csv``; empty when absent), with ``year``.
    star_goals : pandas.DataFrame
        ``cluster_id, star_target, source`` (``star_goals.csv``; empty when absent).
    star_rules : dict or None
        As :func:`load_star_rules` returns; None when the plan has no ``stars.yaml``.
    audit : AuditFacts
    files : tuple of pathlib.Path
        The files read, in order.
    """

    year: int
    folder: Path
    title: str = ""
    title_en: str = ""
    document: str = ""
    issued: str = ""
    targets: list = field(default_factory=list)
    cluster_targets: pd.DataFrame | None = None
    star_goals: pd.DataFrame | None = None
    star_rules: dict | None = None
    audit: AuditFacts = field(default_factory=AuditFacts)
    files: tuple[Path, ...] = ()

    def source(self, lang: str = "zh") -> str:
        """The document as a reader names it: title and number, or the folder."""
        title = self.title_en if lang == "en" and self.title_en else self.title
        if title and self.document:
            return f"{title}（{self.document}）" if lang != "en" else f"{title} ({self.document})"
        return title or self.document or str(self.folder / TARGETS_FILE)


def plans_root(params_dir: str | Path) -> Path:
    return Path(params_dir) / PLANS_DIR


def plan_folder(params_dir: str | Path, year: int) -> Path:
    """``<params_dir>/plans/<year>``."""
    return plans_root(params_dir) / str(int(year))


def plan_years(params_dir: str | Path) -> list[int]:
    """The years with a plan (a ``plans/<year>/targets.yaml``), ascending."""
    root = plans_root(params_dir)
    if not root.is_dir():
        return []
    return sorted(int(p.name) for p in root.iterdir()
                  if _YEAR_DIR.match(p.name) and (p / TARGETS_FILE).is_file())


def resolve_plan_year(params_dir: str | Path, year: int | None = None) -> int:
    """The plan year to use: ``year`` when its plan exists, the latest plan when None.

    Raises
    ------
    ParamsError
        When there is no plan for ``year`` (listing the years available) or no plan at all.
    """
    years = plan_years(params_dir)
    root = plans_root(params_dir)
    if year is None:
        if not years:
            raise ParamsError(Problem(str(root), None, None, _no_plan_message(params_dir)))
        return years[-1]
    if int(year) not in years:
        have = ", ".join(str(y) for y in years) if years else "none"
        raise ParamsError(Problem(str(root / str(year) / TARGETS_FILE), None, "year",
                                  f"no plan for {year}; plans available: {have} (each is "
                                  f"{root}/<year>/{TARGETS_FILE})"))
    return int(year)


def _no_plan_message(params_dir: str | Path) -> str:
    old = Path(params_dir) / "targets"
    moved = (f"; the old layout {old}/<year>.yaml moved to {PLANS_DIR}/<year>/{TARGETS_FILE}"
             if old.is_dir() and any(old.glob("*.y*ml")) else "")
    return f"no plan found: expected {PLANS_DIR}/<year>/{TARGETS_FILE}{moved}"


def with_star_goals(clusters: pd.DataFrame, plan: Plan | None) -> pd.DataFrame:
    """The registry with ``star_target`` = the plan's star goal of each zone (or NA)."""
    out = clusters.copy()
    goals = {} if plan is None or plan.star_goals is None else dict(
        zip(plan.star_goals["cluster_id"], plan.star_goals["star_target"], strict=True))
    out["star_target"] = pd.array([goals.get(c) for c in out["cluster_id"]], dtype="Int64")
    out.attrs.update(clusters.attrs)
    return out


# --------------------------------------------------------------------------- files

def load_star_rules(path: str | Path = "params") -> dict:
    """Read and validate star-rating rules (``stars.yaml``, an ASSUMPTION).

    Parameters
    ----------
    path : str or path-like
        The file, or the folder holding ``stars.yaml`` (a plan folder).

    Returns
    -------
    dict
        ``{"assumption": True, "note_zh": ..., "note_en": ..., "levels": {1: {...}, ...},
        "digest": sha256}``; each level maps threshold names to floats.

    Raises
    ------
    ParamsError
        Naming the file, line and key for unknown keys, wrong types, percent where a
        fraction belongs or thresholds that do not rise with the star level.
    """
    path = Path(path)
    if path.is_dir():
        path = path / STAR_RULES_FILE
    rules = validate_yaml(StarRules, read_yaml(path), path)
    levels = {int(k): {name: float(v) for name, v in rule.model_dump().items() if v is not None}
              for k, rule in rules.levels.items()}
    return {"assumption": True, "note_zh": rules.note_zh, "note_en": rules.note_en,
            "levels": levels, "digest": hashlib.sha256(path.read_bytes()).hexdigest()}


def load_audit_facts(path: str | Path) -> AuditFacts:
    """Read ``audit.yaml`` (plan-specific facts for the audit)."""
    return validate_yaml(AuditFacts, read_yaml(path), path)


def load_star_goals(path: str | Path, clusters=None) -> pd.DataFrame:
    """Load and check a plan's star goals (``star_goals.csv``).

    Returns
    -------
    pandas.DataFrame
        ``cluster_id, star_target`` (int), ``source``, in file order.

    Raises
    ------
    DataError
        Listing every problem with file, row and field: columns, unknown or repeated
        zones, star levels outside 1..6.
    """
    file = str(path)
    frame = read_table(path)
    chk = Checker(file, frame.index)
    if not check_columns(chk, frame.columns, STAR_GOALS_COLUMNS):
        chk.raise_if_any()
    no_rows(chk, frame)
    text = {c: as_text(frame, c) for c in STAR_GOALS_COLUMNS}
    present = require(chk, text, ("cluster_id", "star_target"))
    text_problems(chk, text, STAR_GOALS_COLUMNS)
    ok = cluster_id_problems(chk, text["cluster_id"], present["cluster_id"],
                             cluster_id_set(clusters), registry=registry_name(clusters))
    duplicates(chk, "cluster_id", text["cluster_id"].to_numpy(dtype=object), ok,
               lambda key: f"a star goal for '{key}'")
    stars = int_values(chk, "star_target", text["star_target"], present["star_target"], 1, 6,
                       "star level")
    chk.raise_if_any()
    out = pd.DataFrame({"cluster_id": text["cluster_id"].astype(str).to_numpy(),
                        "star_target": stars.astype("int64").to_numpy(),
                        "source": text["source"].astype(str).to_numpy()})
    out.attrs["file"] = file
    return out


def empty_star_goals() -> pd.DataFrame:
    return pd.DataFrame({"cluster_id": pd.Series([], dtype=object),
                         "star_target": pd.Series([], dtype="int64"),
                         "source": pd.Series([], dtype=object)})


def _scope_problems(targets: list[Target], file: str, clusters) -> list[Problem]:
    """A target whose scope is a cluster id must name a cluster of the registry."""
    ids = cluster_id_set(clusters)
    if ids is None:
        return []
    return [Problem(file, t.line, "scope",
                    f"target '{t.id}': unknown cluster '{t.scope}' (not in "
                    f"{registry_name(clusters)})")
            for t in targets if t.scope not in GROUP_SCOPES and t.scope not in ids]


def collect_plan(params_dir: str | Path, year: int, clusters=None
                 ) -> tuple[Plan | None, list[Problem]]:
    """Read one year's plan folder, collecting the problems of every file.

    Parameters
    ----------
    params_dir : str or path-like
    year : int
        A year with a plan (see :func:`resolve_plan_year`).
    clusters : pandas.DataFrame, optional
        The zone registry; zones of other files must be in it (None skips that check).

    Returns
    -------
    (plan, problems)
        ``plan`` is None when there is any problem.
    """
    folder = plan_folder(params_dir, year)
    problems: list[Problem] = []
    files: list[Path] = []
    target_path = folder / TARGETS_FILE
    files.append(target_path)
    header, targets, found = None, [], []
    try:
        header, targets, found = read_targets_file(target_path, year)
    except DataError as exc:  # unreadable YAML
        found = list(exc.problems)
    problems.extend(found)
    if header is not None and header.year is None:
        problems.append(Problem(str(target_path), None, "year",
                                f"is missing: write `year: {year}` (the plan's year)"))
    problems.extend(_scope_problems(targets, str(target_path), clusters))

    def optional(name, loader, *args):
        path = folder / name
        if not path.is_file():
            return None
        files.append(path)
        try:
            return loader(path, *args)
        except DataError as exc:
            problems.extend(exc.problems)
            return None

    cluster_targets = optional(CLUSTER_TARGETS_FILE, load_cluster_targets, clusters, year)
    star_goals = optional(STAR_GOALS_FILE, load_star_goals, clusters)
    star_rules = optional(STAR_RULES_FILE, load_star_rules)
    audit = optional(AUDIT_FILE, load_audit_facts)
    if problems:
        return None, problems

    return Plan(
        year=int(year), folder=folder,
        title=(header.plan or "") if header else "",
        title_en=(header.title_en or "") if header else "",
        document=(header.document or "") if header else "",
        issued=str(header.issued or "") if header else "",
        targets=targets,
        cluster_targets=(cluster_targets if cluster_targets is not None
                         else empty_cluster_targets()),
        star_goals=star_goals if star_goals is not None else empty_star_goals(),
        star_rules=star_rules, audit=audit if audit is not None else AuditFacts(),
        files=tuple(files)), []


def load_plan(params_dir: str | Path = "params", year: int | None = None,
              clusters=None) -> Plan:
    """Load one year's plan (``params/plans/<year>/``).

    Parameters
    ----------
    params_dir : str or path-like
    year : int, optional
        The plan year; None takes the latest plan present.
    clusters : pandas.DataFrame, optional
        The zone registry, for the zones named in the plan's files.

    Raises
    ------
    ParamsError or DataError
        A year without a plan (listing the years available), or every problem of the
        plan's files (file, row or line, field), including duplicate target ids.
    """
    year = resolve_plan_year(params_dir, year)
    plan, problems = collect_plan(params_dir, year, clusters)
    if problems:
        raise ParamsError(problems)
    return plan

