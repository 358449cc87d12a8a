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

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict

from ..exceptions import DataError, ParamsError, Problem
from .checks import (
    cluster_id_set,
    registry_name,
)
from .loaders import empty_cluster_targets, load_cluster_targets
from .plan_stars import STAR_RULES_FILE, empty_star_goals, load_star_goals, load_star_rules
from .plan_targets import GROUP_SCOPES, Target, read_targets_file
from .strict_yaml import read_yaml
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
    "plan_years",
    "plan_folder",
    "resolve_plan_year",
    "load_plan",
    "collect_plan",
    "load_audit_facts",
    "with_star_goals",
]

PLANS_DIR = "plans"
TARGETS_FILE = "targets.yaml"
CLUSTER_TARGETS_FILE = "cluster_targets.csv"
STAR_GOALS_FILE = "star_goals.csv"
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

def load_audit_facts(path: str | Path) -> AuditFacts:
    """Read ``audit.yaml`` (plan-specific facts for the audit)."""
    return validate_yaml(AuditFacts, read_yaml(path), path)


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

