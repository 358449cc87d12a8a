"""The cluster-report batch: :func:`run_batch`, what ``zzforecast reports`` calls.

It

1. loads the year's data bundle and runs the joint simulation **once**, saving it to a
   work folder, so every cluster report and the overview read the same paths and agree
   with the city totals;
2. executes ``notebooks/cluster_report.ipynb`` per selected cluster and
   ``notebooks/city_overview.ipynb`` through the generic runner
   (:func:`zzforecast.batch.runner.run_notebooks`), on local worker processes or on an
   existing Dask distributed cluster;
3. has the runner install the outputs listed in DESIGN.md "Report files" into
   ``<out>/<year>/<as_of>/<scenario>/`` only when the batch is complete, so a rerun keeps
   the last good reports until the new ones are ready.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from ..exceptions import SetupError, UserError
from .folders import batch_lock, check_report_folder, remove_partial
from .jobs import KERNEL_NAME, NotebookJob, check_kernel, execute_job
from .pools import check_scheduler_address, terminate_as_exit, worker_pool
from .runner import BatchResult, check_run_arguments, is_whole, run_notebooks

__all__ = ["NOTEBOOK_DIR", "notebook_path", "run_batch"]

# The notebooks live in the repository beside the package (editable install).
NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"


def notebook_path(name: str) -> Path:
    """Return the path of a bundled notebook (``cluster_report``, ``city_overview``, ...)."""
    path = NOTEBOOK_DIR / f"{name}.ipynb"
    if not path.is_file():
        raise SetupError(f"notebook not found: {path} (the notebooks ship with the source "
                         "tree, not with a wheel)",
                         fix="install zzforecast from a clone of its repository with "
                             "`pip install -e .` (or `make setup`)")
    return path


def _select_clusters(bundle, clusters: str | Iterable[str] | None) -> list[dict]:
    table = bundle.clusters
    rows = {r["cluster_id"]: r for r in table.to_dict("records")}
    if clusters in (None, "all") or clusters == ["all"]:
        return list(rows.values())
    if isinstance(clusters, str):
        clusters = [c.strip() for c in clusters.split(",") if c.strip()]
    wanted = list(dict.fromkeys(clusters))
    unknown = [c for c in wanted if c not in rows]
    if unknown:
        raise UserError(f"unknown cluster id(s): {', '.join(unknown)}; "
                        f"known: {', '.join(sorted(rows))}")
    if not wanted:
        raise UserError("--clusters is empty; give 'all' or comma-separated ids")
    return [rows[c] for c in wanted]


def run_batch(
    year: int,
    as_of: str,
    scenario: str = "baseline",
    clusters: str | Iterable[str] | None = "all",
    workers: int | None = None,
    scheduler: str | None = None,
    out_dir: str | Path = "reports",
    pdf: bool = False,
    *,
    lang: str = "zh",
    n_paths: int = 10000,
    seed: int = 0,
    timeout: float | None = 600,
    data_dir: str | Path = "data",
    params_dir: str | Path = "params",
    overview: bool = True,
    kernel_name: str = KERNEL_NAME,
    progress: bool | Callable = False,
    cluster_notebook: str | Path | None = None,
    overview_notebook: str | Path | None = None,
) -> BatchResult:
    """Build every report of one year and scenario.

    Parameters
    ----------
    year : int
        Target year (e.g. 2017).
    as_of : str
        Data vintage ``YYYY-MM``: only data published through that month are used.
    scenario : str
        Scenario name (a file in ``params/scenarios``).
    clusters : "all", str or iterable of str
        Clusters to report on (comma-separated ids accepted).
    workers : int, optional
        Local worker processes (default: CPU count).
    scheduler : str, optional
        Dask distributed scheduler address; notebook runs become tasks on its workers.
    out_dir : path
        Root folder; reports go to ``<out_dir>/<year>/<as_of>/<scenario>/`` (one folder
        per data vintage, so monthly runs never overwrite each other).
    pdf : bool
        Also write PDFs (WeasyPrint).
    lang : {"zh", "en"}
        Language of the reports.
    n_paths, seed : int
        Simulation size and seed (the joint simulation runs once, here).
    timeout : float, optional
        Seconds any one notebook cell may run.
    data_dir, params_dir : path
        Input folders.
    overview : bool
        Also run the city overview notebook.
    kernel_name : str
        Jupyter kernel (``zzforecast``, registered by ``make setup``).
    progress : bool or callable
        Progress bar on stderr (see :func:`run_notebooks`).
    cluster_notebook, overview_notebook : path, optional
        Alternative templates (tests use small ones).

    Returns
    -------
    BatchResult
        ``status`` is ``ok`` when everything succeeded, ``partial`` when some reports
        failed and ``failed`` when none succeeded (the previous reports are then kept).

    Raises
    ------
    UserError
        Bad arguments, data or parameters (before any notebook runs).
    SetupError
        The Jupyter kernel is not registered, or the notebooks folder is missing.
    """
    from ..data.bundle import load_bundle
    from ..data.vintages import published_bundle

    if lang not in ("zh", "en"):
        raise UserError(f"lang must be 'zh' or 'en', got {lang!r}")
    if not is_whole(n_paths) or n_paths < 1:
        raise UserError(f"n_paths must be a positive whole number, got {n_paths!r}")
    if not is_whole(seed) or seed < 0:
        raise UserError(f"seed must be a whole number >= 0, got {seed!r}")
    check_run_arguments(workers, timeout)
    from ..simulate.scenarios import SCENARIO_PATTERN

    if not re.fullmatch(SCENARIO_PATTERN, str(scenario)):
        raise UserError(f"scenario must be a name like 'baseline' (letters, digits, '_' "
                        f"and '-'), got {scenario!r}")
    if scheduler is None:
        check_kernel(kernel_name)
    elif isinstance(scheduler, str):
        check_scheduler_address(scheduler)
    # The templates too are checked now, not after the simulation.
    cluster_notebook = str(cluster_notebook or notebook_path("cluster_report"))
    if overview:
        overview_notebook = str(overview_notebook or notebook_path("city_overview"))
    data_dir = Path(data_dir).resolve()
    params_dir = Path(params_dir).resolve()
    bundle = load_bundle(data_dir, params_dir, year)  # the plan of this year only
    bundle = published_bundle(bundle, as_of)  # only what was published by the as-of
    selected = _select_clusters(bundle, clusters)
    from ..memory import check_memory, max_paths, simulation_bytes

    most = max_paths(len(bundle.clusters) * 4)
    check_memory(simulation_bytes(n_paths, len(bundle.clusters) * 4), f"n_paths {n_paths:,}",
                 f"use --n-paths {most:,} or fewer" if most else "")
    root = Path(out_dir).resolve()
    from ..data.asof import parse_as_of

    vintage = "{}-{:02d}".format(*parse_as_of(as_of))
    # One folder per data vintage (DESIGN.md section 4): months never overwrite each other.
    final = root / str(year) / vintage / scenario
    for folder in (root, *root.parents):  # say so now, not after simulating
        if folder.exists() and not folder.is_dir():
            raise UserError(f"out_dir {out_dir}: {folder} is a file, not a folder")
    for folder in (root / str(year), root / str(year) / vintage):  # the year's folders too
        if folder.is_symlink():
            raise UserError(f"{folder} is a symbolic link; report folders must be real "
                            "folders (remove the link or pass another --out)")
        if folder.exists() and not folder.is_dir():
            raise UserError(f"{folder} is a file, not a folder; pass another --out")
    check_report_folder(final)  # links and the user's own files: refused before any work
    # Folders this batch creates, removed again (when still empty) if it fails early, so a
    # refused vintage leaves nothing behind.
    created = [f for f in (final.parent, final.parent.parent) if not f.exists()]
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        from ..data.writing import os_problem

        raise os_problem(final.parent, exc) from None
    try:
        return _locked_batch(bundle, selected, final, year=year, as_of=as_of,
                             scenario=scenario, workers=workers, scheduler=scheduler, pdf=pdf,
                             lang=lang, n_paths=n_paths, seed=seed, timeout=timeout,
                             data_dir=data_dir, params_dir=params_dir, overview=overview,
                             kernel_name=kernel_name, progress=progress,
                             cluster_notebook=cluster_notebook,
                             overview_notebook=overview_notebook)
    except BaseException:
        for folder in created:  # deepest first
            try:
                folder.rmdir()
            except OSError:
                pass
        raise


def _locked_batch(bundle, selected, final, *, year, as_of, scenario, workers, scheduler, pdf,
                  lang, n_paths, seed, timeout, data_dir, params_dir, overview, kernel_name,
                  progress, cluster_notebook, overview_notebook) -> BatchResult:
    """Simulate and run the notebooks under the folder's batch lock."""
    started = time.perf_counter()
    n_jobs = len(selected) + (1 if overview else 0)
    workers = max(1, min(int(workers or os.cpu_count() or 1), n_jobs))
    with batch_lock(final), terminate_as_exit():
        check_report_folder(final)
        # Start (and warm up) the workers now, so their imports overlap the simulation.
        with worker_pool(workers, scheduler) as pool:
            return _simulate_and_run(
                bundle, selected, final, pool, year=year, as_of=as_of, scenario=scenario,
                workers=workers, scheduler=scheduler, pdf=pdf, lang=lang, n_paths=n_paths,
                seed=seed, timeout=timeout, data_dir=data_dir, params_dir=params_dir,
                overview=overview, kernel_name=kernel_name, progress=progress,
                cluster_notebook=cluster_notebook, overview_notebook=overview_notebook,
                started=started)


def _simulate_and_run(bundle, selected, final, pool, *, year, as_of, scenario, workers,
                      scheduler, pdf, lang, n_paths, seed, timeout, data_dir, params_dir,
                      overview, kernel_name, progress, cluster_notebook,
                      overview_notebook, started) -> BatchResult:
    from ..assess.attain import assess
    from ..provenance import Provenance, package_versions
    from ..report.scenario_compare import compare_scenarios
    from ..simulate.engine import simulate

    t0 = time.perf_counter()
    simulation = simulate(bundle, year, as_of, scenario, n_paths=n_paths, seed=seed)
    # Every scenario with the same seed and paths, for the side-by-side comparisons; the
    # requested scenario reuses the main simulation so its figures agree everywhere.
    main_assessment = assess(simulation, bundle)
    comparison = compare_scenarios(bundle, year, as_of, n_paths=n_paths, seed=seed,
                                   known={simulation.scenario_name: main_assessment})
    sim_seconds = round(time.perf_counter() - t0, 3)
    work = Path(tempfile.mkdtemp(prefix=f".{scenario}.work-", dir=_mkdir(final.parent)))
    try:
        sim_path = work / "simulation.npz"
        simulation.save(sim_path)
        scenarios_path = work / "scenarios.csv"
        comparison.to_csv(scenarios_path, index=False, encoding="utf-8")
        common = {"year": int(year), "as_of": str(as_of), "scenario": scenario,
                  "n_paths": int(n_paths), "seed": int(seed), "lang": lang,
                  "data_dir": str(data_dir), "params_dir": str(params_dir),
                  "simulation_path": str(sim_path), "scenarios_path": str(scenarios_path),
                  # earlier months' runs of this year: <root>/<year>/<as_of>/<scenario>/
                  "history_root": str(final.parents[2])}
        jobs = []
        overview_job = None
        if overview:
            # The overview runs first, beside the clusters (it reads the same simulation);
            # if a cluster report fails, it runs again linking only the reports built.
            overview_job = NotebookJob(
                "overview", overview_notebook,
                {**common, "link_reports": [r["cluster_id"] for r in selected]},
                kind="overview", labels={"name_zh": "全市总览", "name_en": "City overview"})
            jobs.append(overview_job)
        unforecastable = _unforecastable(simulation)
        failures = [_data_failure(row, unforecastable[row["cluster_id"]]) for row in selected
                    if row["cluster_id"] in unforecastable]
        for row in selected:
            if row["cluster_id"] in unforecastable:
                continue
            jobs.append(NotebookJob(row["cluster_id"], cluster_notebook,
                                    {**common, "cluster_id": row["cluster_id"]},
                                    labels={"name_zh": str(row.get("name_zh") or ""),
                                            "name_en": str(row.get("name_en") or "")}))
        prov = Provenance.from_objects(bundle, simulation, year=year, as_of=as_of,
                                       scenario=scenario, seed=seed, n_paths=n_paths)
        info = {"year": int(year), "as_of": str(as_of), "scenario": scenario,
                "clusters": [r["cluster_id"] for r in selected],
                "provenance": prov.to_dict(), "notice": prov.notice(lang),
                "versions": package_versions(), "simulation_seconds": sim_seconds,
                "setup_seconds": round(time.perf_counter() - started, 3)}
        result = run_notebooks(jobs, final, workers=workers, scheduler=scheduler,
                               kernel_name=kernel_name, timeout=timeout, pdf=pdf, lang=lang,
                               run_info=info, progress=progress, executor=pool,
                               finalize=relink_overview(overview_job, kernel_name=kernel_name,
                                                        timeout=timeout, pdf=pdf, lang=lang),
                               failures=failures,
                               lock=False)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return result


def _unforecastable(simulation) -> dict[str, list[str]]:
    """Clusters with no simulated series at all (history too short), with the reasons."""
    import numpy as np

    notes = list(simulation.method.get("left_out", [])) if simulation.method else []
    out = {}
    for c, cid in enumerate(simulation.cluster_ids):
        if np.isnan(simulation.annual[:, c, :]).all():
            out[cid] = [n for n in notes if n.startswith(f"cluster '{cid}',")] or [
                "no series could be simulated"]
    return out


def _data_failure(row: Mapping, reasons: list[str]) -> dict:
    """The run.json record of a cluster whose data cannot support a forecast."""
    evalue = (f"cluster '{row['cluster_id']}' has too little history to forecast: "
              + "; ".join(r.split("', ", 1)[-1] for r in reasons))
    return {"name": row["cluster_id"], "kind": "cluster", "status": "failed", "seconds": 0.0,
            "name_zh": str(row.get("name_zh") or ""), "name_en": str(row.get("name_en") or ""),
            "files": [], "error": {"ename": "InsufficientData", "evalue": evalue,
                                   "cell_index": None, "traceback": "\n".join(reasons)}}


def relink_overview(job: NotebookJob | None, **run_options) -> Callable:
    """The batch's last step: when cluster reports failed, the overview runs again.

    The overview starts beside the clusters, linking every selected report. If some
    report then fails, the overview notebook is executed once more with ``link_reports``
    left without them, so no page links to a report that does not exist and no finished
    page is edited afterwards. ``run_options`` are :func:`execute_job`'s.
    """

    def finalize(staging: Path, records: list[dict]) -> None:
        failed = {r["name"] for r in records if r["kind"] == "cluster" and r["status"] != "ok"}
        at = next((i for i, r in enumerate(records) if job and r["name"] == job.name), None)
        if not failed or at is None or records[at]["status"] != "ok":
            return
        built = [c for c in job.parameters["link_reports"] if c not in failed]
        again = replace(job, parameters={**dict(job.parameters), "link_reports": built})
        record = execute_job(again, str(staging), **run_options)
        record["seconds"] = round(records[at]["seconds"] + record["seconds"], 3)
        if record["status"] != "ok":
            remove_partial(staging, job.name)
        records[at] = record

    return finalize

def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path
