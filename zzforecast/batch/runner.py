"""Run many notebooks as one batch: :func:`run_notebooks` and its :class:`BatchResult`.

A generic papermill batch runner that knows nothing of clusters: it executes
:class:`~zzforecast.batch.jobs.NotebookJob` s on local worker processes or an existing
Dask cluster (:mod:`zzforecast.batch.pools`) into a staging folder, writes ``run.json``,
the summary tables, the index and the web fonts there, and installs the folder whole
(:mod:`zzforecast.batch.folders`). A failing or timed-out notebook does not stop the
others; ``run.json`` records what failed and why.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..exceptions import UserError
from .folders import batch_lock, check_report_folder, install, remove_partial
from .jobs import KERNEL_NAME, NotebookJob
from .pools import iter_dask, iter_local, terminate_as_exit, worker_pool

__all__ = ["BatchResult", "run_notebooks", "check_run_arguments", "is_whole"]


@dataclass
class BatchResult:
    """What a batch did.

    Attributes
    ----------
    out_dir : Path
        The final report folder (``<out>/<year>/<scenario>``), or where the failed attempt
        was kept when nothing succeeded.
    installed : bool
        Whether the new reports replaced the previous ones.
    jobs : list of dict
        One record per notebook: ``name``, ``kind``, ``status`` (``ok`` / ``failed`` /
        ``timeout``), ``seconds``, ``error`` (``ename``, ``evalue``, ``cell_index``,
        ``traceback``) and ``files``.
    run : dict
        The content of ``run.json``.
    """

    out_dir: Path
    installed: bool
    jobs: list[dict]
    run: dict

    @property
    def failed(self) -> list[dict]:
        return [j for j in self.jobs if j["status"] != "ok"]

    @property
    def status(self) -> str:
        """``ok`` (every job built), ``partial`` (some failed; the batch was installed and
        run.json says which) or ``failed`` (nothing built; the previous reports were kept).
        The command line turns it into an exit code."""
        if not self.failed:
            return "ok"
        return "partial" if self.installed else "failed"


def _progress_bar(total: int, enabled: bool | Callable | None):
    if callable(enabled):
        return enabled
    if not enabled:
        return lambda record: None
    from tqdm import tqdm

    bar = tqdm(total=total, file=sys.stderr, unit="nb", desc="reports", leave=True)

    def update(record):
        bar.set_postfix_str(f"{record['name']}: {record['status']}", refresh=False)
        bar.update(1)
        if bar.n >= total:
            bar.close()

    return update


def run_notebooks(
    jobs: Sequence[NotebookJob],
    out_dir: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    kernel_name: str = KERNEL_NAME,
    timeout: float | None = 600,
    pdf: bool = False,
    lang: str = "zh",
    run_info: Mapping[str, Any] | None = None,
    summary: bool = True,
    progress: bool | Callable = False,
    finalize: Callable[[Path, list[dict]], None] | None = None,
    executor=None,
    prepare_after: Callable[[NotebookJob, list[dict]], NotebookJob] | None = None,
    web_fonts: bool = True,
    failures: Sequence[Mapping] = (),
    lock: bool = True,
) -> BatchResult:
    """Execute notebooks in parallel into a staging folder, then install it.

    Parameters
    ----------
    jobs : sequence of NotebookJob
        Notebooks to run; their names must be unique.
    out_dir : path
        Final folder. Outputs are written to a hidden sibling staging folder and moved
        here when every job has finished and at least one succeeded; otherwise the
        previous contents stay and the attempt is kept as ``.<name>.failed``.
    workers : int, optional
        Local worker processes (default: the number of CPUs, at most the number of jobs).
        ``1`` runs in this process.
    scheduler : str, optional
        Address of an existing Dask distributed scheduler (``tcp://host:8786``); its
        workers must see the same file system paths.
    kernel_name, timeout, pdf, lang :
        Passed to :func:`execute_job`.
    run_info : dict, optional
        Extra fields for ``run.json`` (year, scenario, provenance, notice, ...).
    summary : bool
        Write ``summary.csv`` / ``summary.xlsx`` from the cluster JSON results.
    progress : bool or callable
        ``True`` shows a tqdm bar on stderr; a callable receives each job record.
    finalize : callable, optional
        ``finalize(staging_dir, records)`` runs after the notebooks, before installing.
    executor : concurrent.futures.Executor, optional
        A process pool to use (see :func:`local_pool`); the caller shuts it down.
    prepare_after : callable, optional
        ``prepare_after(job, records)`` returns the job to run for each ``after_others``
        job, given the records of the jobs that ran before it.
    web_fonts : bool
        Give the HTML pages a subset of the bundled CJK font (``_fonts/``), so Chinese
        renders on machines without a CJK font.
    failures : sequence of dict, optional
        Records of jobs that failed before running (e.g. a cluster whose data are too
        short); they are reported in ``run.json`` like any failed notebook.
    lock : bool
        Hold the folder's batch lock while running (a second batch on the same folder is
        refused); ``False`` when the caller holds it already.

    The folder ``out_dir`` must not be a symbolic link, and may hold only files an
    earlier batch wrote (it is replaced as a whole); otherwise a ``UserError`` is raised
    before anything runs. Leftover staging folders of a batch that was killed are
    removed.

    Returns
    -------
    BatchResult
    """
    import datetime as dt

    from ..report.index import write_index
    from ..report.render import embed_web_fonts, write_json
    from ..report.summary import summary_frame, write_summary

    check_run_arguments(workers, timeout)
    names = [j.name for j in jobs] + [f["name"] for f in failures]
    if len(set(names)) != len(names):
        raise UserError(f"job names must be unique, got {names}")
    out_dir = Path(out_dir)
    # The report folder itself is never resolved: a link there is refused, not followed.
    final = Path(os.path.abspath(out_dir.parent)).resolve() / out_dir.name
    check_report_folder(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as held:
        held.enter_context(terminate_as_exit())
        if lock:
            held.enter_context(batch_lock(final))
            check_report_folder(final)  # again, now that no other batch can change it
        if workers is None:
            workers = os.cpu_count() or 1
        workers = max(1, min(int(workers), len(jobs) or 1))
        if executor is None:  # the pool is shut down (killed when interrupted) on leaving
            executor = held.enter_context(worker_pool(workers, scheduler))
        staging = final.with_name(f".{final.name}.staging-{uuid.uuid4().hex[:8]}")
        staging.mkdir()
        info = dict(run_info or {})
        started = dt.datetime.now(dt.UTC)
        t0 = time.perf_counter()
        kwargs = {"kernel_name": kernel_name, "timeout": timeout, "pdf": pdf, "lang": lang}
        update = _progress_bar(len(jobs) + len(failures), progress)
        records: list[dict] = [dict(f) for f in failures]
        for record in records:
            update(record)
        try:
            first = [j for j in jobs if not j.after_others]
            later = [j for j in jobs if j.after_others]
            for phase in (first, later):
                if phase is later and prepare_after is not None:
                    phase = [prepare_after(job, list(records)) for job in phase]
                if not phase:
                    continue
                it = (iter_dask(phase, staging, scheduler, **kwargs) if scheduler
                      else iter_local(phase, staging, workers, executor=executor, **kwargs))
                for record in it:
                    if record["status"] != "ok":
                        remove_partial(staging, record["name"])
                    records.append(record)
                    update(record)
            order = {name: i for i, name in enumerate(names)}
            records.sort(key=lambda r: order[r["name"]])
            if finalize is not None:
                finalize(staging, records)
            ok = [r for r in records if r["status"] == "ok"]
            notice = info.get("notice")
            if summary:
                import json

                results, overview = [], None
                for r in ok:
                    path = staging / f"{r['name']}.json"
                    if r["kind"] == "cluster" and path.is_file():
                        results.append(json.loads(path.read_text(encoding="utf-8")))
                    elif r["kind"] == "overview" and path.is_file() and overview is None:
                        overview = json.loads(path.read_text(encoding="utf-8"))  # city rows first
                failures = [r | {"cluster_id": r["name"]} for r in records
                            if r["status"] != "ok" and r["kind"] == "cluster"]
                write_summary(summary_frame(results, failures, overview=overview),
                              staging / "summary.csv", staging / "summary.xlsx", notice=notice)
                if overview is not None:  # the briefing as Word, from the overview's numbers
                    from ..report.docx import write_briefing_docx

                    write_briefing_docx(overview, staging / "briefing.docx", lang=lang,
                                        notice=notice)
            installed = bool(ok)
            run = {
                **info,
                "started": started.isoformat(timespec="seconds"),
                "seconds": round(time.perf_counter() - t0, 3),
                "workers": None if scheduler else workers,
                "scheduler": scheduler,
                "kernel_name": kernel_name,
                "timeout": timeout,
                "pdf": pdf,
                "lang": lang,
                "status": "ok" if len(ok) == len(records) else ("partial" if ok else "failed"),
                "n_ok": len(ok),
                "n_failed": len(records) - len(ok),
                "failed": [{"name": r["name"], "status": r["status"], **(r["error"] or {})}
                           for r in records if r["status"] != "ok"],
                "jobs": records,
            }
            # Notebooks plus whatever the caller did first (the batch: loading, simulating).
            run["seconds_total"] = round(run["seconds"] + float(info.get("setup_seconds", 0)), 3)
            write_json(staging / "run.json", run)
            if pdf and ok:  # one attachable PDF: cover, contents, every report, numbered pages
                from ..report.pdf import write_combined_pdf

                write_combined_pdf(staging, run, lang=lang)
            write_index(staging, run, lang=lang)
            if web_fonts:
                embed_web_fonts(staging)
            if installed:
                try:
                    install(staging, final)
                except OSError as exc:
                    raise UserError(f"cannot write the reports into {final}: {exc.strerror or exc}"
                                    "; the previous reports there were kept") from exc
                where = final
            else:
                where = final.with_name(f".{final.name}.failed")
                shutil.rmtree(where, ignore_errors=True)
                os.replace(staging, where)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return BatchResult(out_dir=where, installed=installed, jobs=records, run=run)


def is_whole(value) -> bool:
    import numbers

    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_run_arguments(workers, timeout) -> None:
    """``workers`` and ``timeout`` of the Python API: a ValueError naming the argument."""
    if workers is not None and (not is_whole(workers) or workers < 1):
        raise UserError(f"workers must be a whole number >= 1 (or None), got {workers!r}")
    if timeout is not None and (isinstance(timeout, bool)
                                or not isinstance(timeout, (int, float))
                                or not math.isfinite(timeout) or timeout <= 0):
        raise UserError(f"timeout must be a positive number of seconds (or None), "
                        f"got {timeout!r}")
