"""Everything a run reads, loaded and checked at once: :class:`Bundle` and :func:`load_bundle`.

A bundle holds the data (``data/``) and exactly one year's plan (``params/plans/<year>/``,
see :mod:`zzforecast.data.plan`). Also the checks that need two files (clusters without
data, data before a cluster was founded, targets of unknown clusters). ``zzforecast.data.
loaders`` re-exports the public names, which is where other modules import them from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import DataError, Problem
from .deflators import DEFLATORS_FILE, read_deflators
from .digests import file_digest
from .loaders import (
    empty_cluster_targets,
    empty_projects,
    find_table,
    load_clusters,
    load_projects,
)
from .observations import check_observations
from .plan import (
    PLANS_DIR,
    STAR_GOALS_FILE,
    STAR_RULES_FILE,
    TARGETS_FILE,
    Plan,
    collect_plan,
    plan_folder,
    resolve_plan_year,
    with_star_goals,
)
from .published import PUBLISHED_FILE, read_published_totals
from .tables import read_table
from .vintages import DEFAULT_LAGS, LAGS_FILE, ReleaseLags, load_release_lags

__all__ = ["Bundle", "load_bundle", "find_table", "collect"]


# --------------------------------------------------------------------------- bundle

@dataclass(frozen=True, eq=False)
class Bundle:
    """Everything a run reads from ``data/`` and ``params/``, checked and in canonical units.

    Attributes
    ----------
    clusters, observations, projects, cluster_targets : pandas.DataFrame
        As returned by the loaders of this module.
    targets : list of zzforecast.data.targets.Target
        The plan's targets from ``params/plans/<year>/targets.yaml``, each with ``year``.
    data_dir, params_dir : pathlib.Path
    data_digest, params_digest : str
        sha256 (hex) over the names and bytes of the files read.
    vintage : str or None
        The latest ``vintage`` (YYYY-MM-DD) among the observations.
    synthetic : bool
        True when any observation or project row is synthetic.
    files : tuple of pathlib.Path
        The files read, in order.
    published : pandas.DataFrame or None
        The city's / provincial subset's own published figures
        (``data/published_totals.csv``, optional; see :mod:`zzforecast.data.published`).
    year : int or None
        The plan year (the one plan loaded).
    plan : zzforecast.data.plan.Plan or None
        That year's plan: document, targets, per-zone targets, star goals and rules,
        audit facts. ``clusters["star_target"]`` holds its star goals.
    release_lags : zzforecast.data.vintages.ReleaseLags
        Days after a period ends by which its figures are published
        (``params/release_lags.yaml``, else the defaults); an as-of uses only rows whose
        vintage is on or before its publication date (:mod:`zzforecast.data.vintages`).
    deflators : pandas.DataFrame or None
        Price changes by industry (``data/deflators.csv``, optional; see
        :mod:`zzforecast.data.deflators`).
    """

    clusters: pd.DataFrame
    observations: pd.DataFrame
    projects: pd.DataFrame
    targets: list
    cluster_targets: pd.DataFrame
    data_dir: Path
    params_dir: Path
    data_digest: str
    params_digest: str
    vintage: str | None
    synthetic: bool
    files: tuple[Path, ...] = field(default=())
    published: pd.DataFrame | None = None
    year: int | None = None
    plan: Plan | None = None
    release_lags: ReleaseLags = DEFAULT_LAGS
    deflators: pd.DataFrame | None = None

    @property
    def cluster_ids(self) -> tuple[str, ...]:
        """Cluster ids in registry order."""
        return tuple(self.clusters["cluster_id"])

    def series(self, indicator: str, measure: str = "level",
               frequency: str = "annual") -> pd.DataFrame:
        """One indicator as a long frame ``unique_id`` (cluster id), ``ds``, ``y``.

        ``ds`` is the year (int) for annual data and the month-end Timestamp for monthly
        year-to-date data; ``y`` is in the canonical unit (growth as a fraction).
        """
        obs = self.observations
        rows = obs[(obs["indicator"] == indicator) & (obs["measure"] == measure)
                   & (obs["frequency"] == frequency)]
        out = pd.DataFrame({"unique_id": rows["cluster_id"].to_numpy(),
                            "ds": rows["ds"].to_numpy(), "y": rows["value"].to_numpy()})
        if frequency == "monthly_ytd":
            out["ds"] = pd.to_datetime(out["ds"])
        else:
            out["ds"] = out["ds"].astype("int64")
        return out.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)

    def monthly(self, indicator: str) -> pd.DataFrame:
        """Monthly year-to-date data in the shape ``nowcast`` takes.

        Returns
        -------
        pandas.DataFrame
            ``unique_id, ds, cum_value, cum_growth`` (NaN where only one of the two is
            published), sorted by cluster and month.
        """
        level = self.series(indicator, "level", "monthly_ytd").rename(columns={"y": "cum_value"})
        growth = self.series(indicator, "growth", "monthly_ytd").rename(columns={"y": "cum_growth"})
        out = level.merge(growth, on=["unique_id", "ds"], how="outer")
        return out.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)


def collect(data_dir: str | Path, params_dir: str | Path, year: int | None = None,
            ) -> tuple[dict[str, Any], list[Problem], list[Path], list[Path]]:
    """Run every loader, collecting problems instead of stopping at the first file.

    ``year`` picks the plan (None: the latest present); ``parts["year"]`` is the year
    used (None when no plan could be found) and ``parts["plan"]`` the plan.
    """
    data_dir, params_dir = Path(data_dir), Path(params_dir)
    problems: list[Problem] = []
    parts: dict[str, Any] = {}
    data_files: list[Path] = []
    params_files: list[Path] = []

    def attempt(name, loader, path, *args):
        try:
            parts[name] = loader(path, *args)
        except DataError as exc:
            problems.extend(exc.problems)
            parts[name] = None

    if not data_dir.is_dir():
        problems.append(Problem(str(data_dir), None, None,
                                "data folder not found (pass --data DIR)"))
    tables: dict[str, Path | None] = {}
    for stem, required in (("clusters", True), ("observations", True), ("projects", False)):
        if not data_dir.is_dir():
            tables[stem] = None
            continue
        path, found_problems = find_table(data_dir, stem)
        problems.extend(found_problems)
        if path is None and required and not found_problems:
            problems.append(Problem(str(data_dir / f"{stem}.csv"), None, None,
                                    f"file not found (expected {stem}.csv or {stem}.parquet "
                                    f"in {data_dir})"))
        tables[stem] = path
        if path is not None:
            data_files.append(path)

    if tables["clusters"] is not None:
        attempt("clusters", load_clusters, tables["clusters"])
    clusters = parts.get("clusters")
    if tables["observations"] is not None:
        attempt("observations", _observations_with_rows, tables["observations"], clusters)
        if parts["observations"] is not None:
            parts["observations"], parts["observation_rows"] = parts["observations"]
    if tables["projects"] is not None:
        attempt("projects", load_projects, tables["projects"], clusters)
    else:
        parts["projects"] = empty_projects()
    parts["published"] = None
    published = data_dir / PUBLISHED_FILE
    if data_dir.is_dir() and published.is_file():  # optional
        data_files.append(published)
        attempt("published", read_published_totals, published)
    parts["deflators"] = None
    deflators = data_dir / DEFLATORS_FILE
    if data_dir.is_dir() and deflators.is_file():  # optional
        data_files.append(deflators)
        attempt("deflators", read_deflators, deflators)

    if not params_dir.is_dir():
        problems.append(Problem(str(params_dir), None, None,
                                "parameter folder not found (pass --params DIR)"))
    parts["release_lags"] = DEFAULT_LAGS
    lags_file = params_dir / LAGS_FILE
    if params_dir.is_dir() and lags_file.is_file():  # optional
        params_files.append(lags_file)
        attempt("release_lags", load_release_lags, lags_file)
    parts["year"] = parts["plan"] = None
    parts["targets"], parts["cluster_targets"] = [], empty_cluster_targets()
    if params_dir.is_dir():
        problems.extend(_old_layout_problems(params_dir))
        try:
            parts["year"] = resolve_plan_year(params_dir, year)
        except DataError as exc:
            problems.extend(exc.problems)
    if parts["year"] is not None:
        plan, plan_problems = collect_plan(params_dir, parts["year"], clusters)
        problems.extend(plan_problems)
        params_files.extend(p for p in (plan_folder(params_dir, parts["year"]) / name
                                        for name in _PLAN_FILES) if p.is_file())
        if plan is not None:
            parts["plan"] = plan
            parts["targets"] = plan.targets
            parts["cluster_targets"] = plan.cluster_targets
            if clusters is not None:
                problems.extend(_legacy_star_problems(clusters, plan))
    problems.extend(_cross_problems(parts, tables))
    return parts, problems, data_files, params_files


_PLAN_FILES = (TARGETS_FILE, "cluster_targets.csv", STAR_GOALS_FILE, STAR_RULES_FILE,
               "audit.yaml")


def _old_layout_problems(params_dir: Path) -> list[Problem]:
    """Plan files left in the layout before plans were kept by year."""
    out = []
    old = params_dir / "targets"
    for path in sorted(old.glob("*")) if old.is_dir() else []:
        if path.suffix in (".yaml", ".yml", ".csv"):
            out.append(Problem(str(path), None, None, (
                f"plan files are kept by year now: move it to "
                f"{params_dir / PLANS_DIR}/<year>/"
                + (TARGETS_FILE if path.suffix != ".csv" else "cluster_targets.csv"))))
    stars = params_dir / STAR_RULES_FILE
    if stars.is_file():
        out.append(Problem(str(stars), None, None, (
            f"star rules belong to a plan year now: move it to "
            f"{params_dir / PLANS_DIR}/<year>/{STAR_RULES_FILE}")))
    return out


def _legacy_star_problems(clusters: pd.DataFrame, plan: Plan) -> list[Problem]:
    """Star goals still written in the zone registry (they belong to a plan year)."""
    if "star_target" not in clusters.columns:
        return []
    given = clusters["star_target"].notna().to_numpy()
    if not given.any():
        return []
    first = int(given.argmax())
    return [Problem(clusters.attrs.get("file", "clusters.csv"), first + 2, "star_target",
                    f"{int(given.sum())} star goals are written in the zone registry; star "
                    f"goals belong to a plan year: move them to "
                    f"{plan.folder / STAR_GOALS_FILE} (cluster_id,star_target,source) and "
                    "leave this column blank or drop it")]


def _observations_with_rows(path, clusters) -> tuple[pd.DataFrame, np.ndarray]:
    """load_observations, also returning each record's row in the file."""
    checked, chk = check_observations(read_table(path), str(path), clusters)
    chk.raise_if_any()
    return checked, chk.rows


def _cross_problems(parts: dict[str, Any], tables: dict[str, Path | None]) -> list[Problem]:
    """Checks that need two files: clusters without data, data before a cluster existed."""
    clusters, obs = parts.get("clusters"), parts.get("observations")
    problems: list[Problem] = []
    if clusters is None or obs is None:
        return problems
    have = set(obs["cluster_id"])
    for i, cid in enumerate(clusters["cluster_id"]):
        if cid not in have:
            problems.append(Problem(clusters.attrs.get("file", "clusters.csv"), i + 2,
                                    "cluster_id", f"cluster '{cid}' has no rows in "
                                    f"{Path(obs.attrs.get('file', 'observations')).name}"))
    founded = obs["cluster_id"].map(dict(zip(clusters["cluster_id"], clusters["founded"],
                                             strict=True)))
    early = obs[obs["year"] < founded]
    rows = parts.get("observation_rows")
    for cid, group in early.groupby("cluster_id", sort=False):
        first = group.index[0]
        problems.append(Problem(
            obs.attrs.get("file", "observations"),
            int(rows[first]) if rows is not None and len(rows) == len(obs) else None, "period",
            f"cluster '{cid}' has data for {group['year'].min()} ({len(group)} rows), before "
            f"the year it was founded ({int(founded[first])} in "
            f"{Path(clusters.attrs.get('file', 'clusters.csv')).name})"))
    return problems


def load_bundle(data_dir: str | Path = "data", params_dir: str | Path = "params",
                year: int | None = None) -> Bundle:
    """Load and check the data and one year's plan.

    Parameters
    ----------
    data_dir : str or path-like
        Folder with ``clusters``, ``observations`` and (optional) ``projects`` tables, each
        as ``.csv`` or ``.parquet``.
    params_dir : str or path-like
        Folder whose ``plans/<year>/`` holds each year's plan (``targets.yaml``, and
        optionally ``cluster_targets.csv``, ``star_goals.csv``, ``stars.yaml``,
        ``audit.yaml``; see :mod:`zzforecast.data.plan`).
    year : int, optional
        The plan year to load; None loads the latest plan present. Exactly one plan is
        loaded: targets of other years never enter the bundle.

    Returns
    -------
    Bundle

    Raises
    ------
    DataError
        Listing the problems of every file (each file capped at :data:`MAX_PROBLEMS`),
        including missing folders and files, a year with no plan (naming the years
        available) and duplicate target ids within the plan.
    """
    data_dir, params_dir = Path(data_dir), Path(params_dir)
    parts, problems, data_files, params_files = collect(data_dir, params_dir, year)
    if problems:
        raise DataError(problems)
    obs, projects = parts["observations"], parts["projects"]
    vintage = str(obs["vintage"].max()) if len(obs) else None
    synthetic = bool(obs["synthetic"].any() or projects["synthetic"].any())
    return Bundle(
        clusters=with_star_goals(parts["clusters"], parts["plan"]), observations=obs,
        projects=projects,
        targets=parts["targets"], cluster_targets=parts["cluster_targets"],
        data_dir=data_dir, params_dir=params_dir,
        data_digest=file_digest(data_files, root=data_dir),
        params_digest=file_digest(params_files, root=params_dir),
        vintage=vintage, synthetic=synthetic, files=tuple(data_files + params_files),
        published=parts.get("published"), year=parts["year"], plan=parts["plan"],
        release_lags=parts.get("release_lags") or DEFAULT_LAGS,
        deflators=parts.get("deflators"),
    )

