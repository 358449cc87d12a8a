"""Check every data file and every plan at once and summarise what was found.

:func:`check` is what ``zzforecast validate`` runs for the data stage: it never stops at
the first bad file, so a user sees every problem of every file in one go (each file's list
is capped). Every YAML under ``params/`` is parsed safely here; what a scenario file means
is the simulate stage's to check (the command adds those problems).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..exceptions import DataError, Problem
from .bundle import Bundle, collect, load_bundle
from .plan import collect_plan, plan_years
from .strict_yaml import read_yaml

__all__ = ["validate", "check", "summarize"]


def _yaml_problems(params_dir: Path) -> list[Problem]:
    """Every YAML under params/ must at least parse safely (no tags, no duplicates)."""
    problems: list[Problem] = []
    if not params_dir.is_dir():
        return problems
    for path in sorted([*params_dir.rglob("*.yaml"), *params_dir.rglob("*.yml")]):
        try:
            read_yaml(path)
        except DataError as exc:
            problems.extend(exc.problems)
    return problems


def _other_plan_problems(params_dir: Path, parts: dict[str, Any]) -> list[Problem]:
    """Every plan year besides the one the bundle loads, each checked by itself."""
    problems: list[Problem] = []
    if not params_dir.is_dir():
        return problems
    for year in plan_years(params_dir):
        if year != parts.get("year"):
            problems.extend(collect_plan(params_dir, year, parts.get("clusters"))[1])
    return problems


def check(data_dir: str | Path = "data",
          params_dir: str | Path = "params") -> tuple[Bundle | None, list[Problem]]:
    """Run every loader and check; return the bundle (when clean) and all problems.

    Parameters
    ----------
    data_dir, params_dir : str or path-like
        The data folder (clusters, observations, projects) and the parameter folder
        (plans, release lags; every YAML file in it must parse safely).

    Returns
    -------
    (bundle, problems)
        ``bundle`` is None when there is any problem.
    """
    data_dir, params_dir = Path(data_dir), Path(params_dir)
    problems = _yaml_problems(params_dir)
    parts, collected, _, _ = collect(data_dir, params_dir)
    problems.extend(collected)
    problems.extend(_other_plan_problems(params_dir, parts))
    problems = list(dict.fromkeys(problems))  # a broken YAML is reported once
    if problems:
        return None, problems
    return load_bundle(data_dir, params_dir), []


def validate(data_dir: str | Path = "data", params_dir: str | Path = "params") -> list[Problem]:
    """Check clusters, observations, projects and every plan year; list every problem.

    Parameters
    ----------
    data_dir : str or path-like
        Folder with ``clusters``, ``observations`` and ``projects`` (CSV or Parquet).
    params_dir : str or path-like
        Folder with ``plans/<year>/`` (every plan year is checked); any other YAML file
        in it (scenarios...) is only parsed safely here.

    Returns
    -------
    list of Problem
        Empty when everything is valid. Each problem names file, row and field.
    """
    return check(data_dir, params_dir)[1]


def summarize(bundle: Bundle) -> dict[str, Any]:
    """Counts, period ranges, vintage and the synthetic flag of a loaded bundle.

    Returns
    -------
    dict
        Keys ``clusters`` (total and per level), ``observations`` (rows, series, annual
        and monthly ranges, latest month per indicator), ``vintage``, ``synthetic`` (bool), ``synthetic_rows``,
        ``projects``, ``targets``, ``cluster_targets`` (of the plan loaded), ``plan_year``,
        ``plans`` (every plan year present), ``data_digest``, ``params_digest``.
    """
    clusters, obs = bundle.clusters, bundle.observations
    series = obs.groupby(["cluster_id", "indicator", "measure", "frequency"]).ngroups
    annual = obs[obs["frequency"] == "annual"]["period"]
    monthly = obs[obs["frequency"] == "monthly_ytd"]["period"]
    return {
        "data_dir": str(bundle.data_dir),
        "params_dir": str(bundle.params_dir),
        "clusters": {"total": int(len(clusters)),
                     **{str(k): int(v) for k, v in clusters["level"].value_counts().items()}},
        "observations": {
            "rows": int(len(obs)), "series": int(series),
            "indicators": sorted(obs["indicator"].unique().tolist()),
            "annual": [min(annual), max(annual)] if len(annual) else None,
            "monthly_ytd": [min(monthly), max(monthly)] if len(monthly) else None,
            "latest_month": {str(k): str(v) for k, v in obs[obs["frequency"] == "monthly_ytd"]
                             .groupby("indicator")["period"].max().items()},
        },
        "vintage": bundle.vintage,
        "synthetic": bundle.synthetic,
        "synthetic_rows": int(obs["synthetic"].sum() + bundle.projects["synthetic"].sum()),
        "projects": int(len(bundle.projects)),
        "targets": int(len(bundle.targets)),
        "cluster_targets": int(len(bundle.cluster_targets)),
        "plan_year": bundle.year,
        "plans": plan_years(bundle.params_dir),
        "data_digest": bundle.data_digest,
        "params_digest": bundle.params_digest,
    }
