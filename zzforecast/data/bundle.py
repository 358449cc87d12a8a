"""Everything a run reads, loaded and checked at once: :class:`Bundle` and :func:`load_bundle`.

Also the checks that need two files (clusters without data, data before a cluster was
founded, targets of unknown clusters). ``zzforecast.data.loaders`` re-exports the public
names, which is where other modules import them from.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import DataError, Problem
from .checks import cluster_id_set, registry_name
from .io import file_digest, read_table
from .loaders import (
    check_observations,
    load_cluster_targets,
    load_clusters,
    load_projects,
)
from .published import PUBLISHED_FILE, read_published_totals
from .schemas import CLUSTER_TARGETS_COLUMNS, PROJECTS_COLUMNS

__all__ = ["Bundle", "load_bundle", "find_table", "collect"]


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


# --------------------------------------------------------------------------- bundle

@dataclass(frozen=True, eq=False)
class Bundle:
    """Everything a run reads from ``data/`` and ``params/``, checked and in canonical units.

    Attributes
    ----------
    clusters, observations, projects, cluster_targets : pandas.DataFrame
        As returned by the loaders of this module.
    targets : list of zzforecast.targets.Target
        The plan's targets from ``params/targets/<year>.yaml``.
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


def _targets_module():
    """zzforecast.targets, or None while that module does not exist yet."""
    try:
        return importlib.import_module("..targets", __package__)
    except ModuleNotFoundError as exc:
        if exc.name == "zzforecast.targets":
            return None
        raise


def collect(data_dir: str | Path, params_dir: str | Path,
             ) -> tuple[dict[str, Any], list[Problem], list[Path], list[Path]]:
    """Run every loader, collecting problems instead of stopping at the first file."""
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

    target_dir = params_dir / "targets"
    if not params_dir.is_dir():
        problems.append(Problem(str(params_dir), None, None,
                                "parameter folder not found (pass --params DIR)"))
    cluster_target_frames = []
    for path in sorted(target_dir.glob("*_clusters.csv")) if target_dir.is_dir() else []:
        params_files.append(path)
        try:
            cluster_target_frames.append(load_cluster_targets(path, clusters))
        except DataError as exc:
            problems.extend(exc.problems)
    parts["cluster_targets"] = (pd.concat(cluster_target_frames, ignore_index=True)
                                if cluster_target_frames else empty_cluster_targets())
    targets: list = []
    module = _targets_module()
    if module is not None and target_dir.is_dir():
        for path in sorted([*target_dir.glob("*.yaml"), *target_dir.glob("*.yml")]):
            params_files.append(path)
            try:
                loaded = module.load_targets(path)
            except DataError as exc:  # ParamsError is a DataError
                problems.extend(exc.problems)
                continue
            targets.extend(loaded)
            problems.extend(_scope_problems(loaded, str(path), clusters, module))
    parts["targets"] = targets
    problems.extend(_cross_problems(parts, tables))
    return parts, problems, data_files, params_files


def _scope_problems(targets: list, file: str, clusters, module) -> list[Problem]:
    """A target whose scope is a cluster id must name a cluster of the registry."""
    ids = cluster_id_set(clusters)
    if ids is None:
        return []
    groups = set(getattr(module, "GROUP_SCOPES", ()))
    return [Problem(file, getattr(t, "line", None), "scope",
                    f"target '{t.id}': unknown cluster '{t.scope}' (not in "
                    f"{registry_name(clusters)})")
            for t in targets if t.scope not in groups and t.scope not in ids]


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


def load_bundle(data_dir: str | Path = "data", params_dir: str | Path = "params") -> Bundle:
    """Load and check every data and target file a run needs.

    Parameters
    ----------
    data_dir : str or path-like
        Folder with ``clusters``, ``observations`` and (optional) ``projects`` tables, each
        as ``.csv`` or ``.parquet``.
    params_dir : str or path-like
        Folder whose ``targets/`` holds ``<year>.yaml`` (the plan's targets) and
        ``<year>_clusters.csv`` (per-cluster targets).

    Returns
    -------
    Bundle

    Raises
    ------
    DataError
        Listing the problems of every file (each file capped at :data:`MAX_PROBLEMS`),
        including missing folders and files.
    """
    data_dir, params_dir = Path(data_dir), Path(params_dir)
    parts, problems, data_files, params_files = collect(data_dir, params_dir)
    if problems:
        raise DataError(problems)
    obs, projects = parts["observations"], parts["projects"]
    vintage = str(obs["vintage"].max()) if len(obs) else None
    synthetic = bool(obs["synthetic"].any() or projects["synthetic"].any())
    return Bundle(
        clusters=parts["clusters"], observations=obs, projects=projects,
        targets=parts["targets"], cluster_targets=parts["cluster_targets"],
        data_dir=data_dir, params_dir=params_dir,
        data_digest=file_digest(data_files, root=data_dir),
        params_digest=file_digest(params_files, root=params_dir),
        vintage=vintage, synthetic=synthetic, files=tuple(data_files + params_files),
        published=parts.get("published"),
    )

