"""Batch reports: run the joint simulation once, then one notebook per cluster.

:func:`run_batch` is what ``zzforecast reports`` calls. It

1. loads the data bundle and runs the joint simulation **once**, saving it to a work
   folder, so every cluster report and the overview read the same paths and agree with
   the city totals;
2. executes ``notebooks/cluster_report.ipynb`` per cluster and
   ``notebooks/city_overview.ipynb`` with papermill, on local worker processes or on an
   existing Dask distributed cluster (:func:`run_notebooks`);
3. writes the outputs listed in DESIGN.md "Report files" into a staging folder and moves
   it into ``<out>/<year>/<scenario>/`` only when the batch is complete, so a rerun keeps
   the last good reports until the new ones are ready.

A failing or timed-out notebook does not stop the others; ``run.json`` records what
failed and why. Kernels use IPC transport with an absolute connection-file path, so
parallel kernels never race for TCP ports.
"""

from __future__ import annotations

import contextlib
import html
import math
import os
import re
import shutil
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..exceptions import UserError, ZzforecastError

__all__ = [
    "KERNEL_NAME",
    "NOTEBOOK_DIR",
    "NotebookJob",
    "BatchResult",
    "EXIT_OK",
    "EXIT_PARTIAL",
    "EXIT_FAILED",
    "execute_job",
    "run_notebooks",
    "run_batch",
    "local_pool",
    "notebook_path",
]

KERNEL_NAME = "zzforecast"
# The notebooks live in the repository beside the package (editable install).
NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"

EXIT_OK = 0
EXIT_FAILED = 1  # nothing succeeded: the previous reports were kept
EXIT_PARTIAL = 3  # some notebooks failed: the batch was installed, run.json says which


def notebook_path(name: str) -> Path:
    """Return the path of a bundled notebook (``cluster_report``, ``city_overview``, ...)."""
    path = NOTEBOOK_DIR / f"{name}.ipynb"
    if not path.is_file():
        raise ZzforecastError(f"notebook not found: {path} (the notebooks ship with the "
                              "source tree; install zzforecast from a clone with pip -e)")
    return path


@dataclass(frozen=True)
class NotebookJob:
    """One notebook to execute.

    Attributes
    ----------
    name : str
        Output stem: the batch writes ``<name>.ipynb``, ``<name>.html`` and the notebook
        writes ``<name>.json`` (its ``results_path`` parameter).
    notebook : str
        Path of the template notebook.
    parameters : dict
        Papermill parameters (``results_path`` is added by the runner).
    kind : str
        ``cluster`` or ``overview`` (used by the index page).
    labels : dict
        Display names for the index (``name_zh``, ``name_en``).
    after_others : bool
        Run only when every other job has finished (the overview, which links the
        reports that were built); :func:`run_notebooks`' ``prepare_after`` may adjust it.
    """

    name: str
    notebook: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    kind: str = "cluster"
    labels: Mapping[str, str] = field(default_factory=dict)
    after_others: bool = False


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
    def exit_code(self) -> int:
        if not self.failed:
            return EXIT_OK
        return EXIT_PARTIAL if self.installed else EXIT_FAILED


# --------------------------------------------------------------------------- one notebook

def _short_tempdir() -> str:
    """A private temp folder with a short path (Unix sockets allow ~107 bytes)."""
    base = tempfile.gettempdir()
    if len(base) > 60 and os.path.isdir("/tmp"):
        base = "/tmp"
    return tempfile.mkdtemp(prefix="zzf-", dir=base)


def _error_record(exc: BaseException, output: Path | None, notebook=None) -> dict:
    ename = getattr(exc, "ename", None) or type(exc).__name__
    evalue = getattr(exc, "evalue", None)
    if evalue is None:
        evalue = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    cell_index = getattr(exc, "cell_index", None)
    if cell_index is None and output is not None and output.is_file():
        cell_index = _running_cell(output)
    if cell_index is None and notebook is not None:
        cell_index = _cell_from_preview(str(exc), notebook)
    tb = getattr(exc, "traceback", None)
    if isinstance(tb, list):
        tb = "\n".join(tb)
    if tb is None:
        tb = "".join(traceback.format_exception_only(type(exc), exc))
    return {"ename": str(ename), "evalue": str(evalue), "cell_index": cell_index,
            "traceback": _strip_ansi(str(tb))[-4000:]}


def _strip_ansi(text: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)


def _cell_from_preview(message: str, notebook) -> int | None:
    """Index (in the executed notebook) of the cell whose source a timeout error quotes.

    nbclient's ``CellTimeoutError`` carries only a preview of the cell's source; papermill
    adds one injected-parameters cell after the cell tagged ``parameters``.
    """
    marker = "-------------------\n"
    if message.count(marker) < 2:
        return None
    preview = message.split(marker)[1].strip()
    try:
        import nbformat

        nb = nbformat.read(str(notebook), as_version=4)
    except Exception:
        return None
    offset = 0
    for i, cell in enumerate(nb.cells):
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            offset = 1
        source = cell.get("source", "").strip()
        if cell.get("cell_type") == "code" and source and (
                source == preview or (len(preview) > 20 and source.startswith(preview))):
            return i + offset
    return None


def _running_cell(output: Path) -> int | None:
    """Index of the cell papermill marked as running or failed in a partial output."""
    try:
        import nbformat

        nb = nbformat.read(str(output), as_version=4)
    except Exception:
        return None
    for i, cell in enumerate(nb.cells):
        status = cell.get("metadata", {}).get("papermill", {}).get("status")
        if status in ("running", "failed"):
            return i
    return None


def execute_job(job: NotebookJob, out_dir: str, kernel_name: str = KERNEL_NAME,
                timeout: float | None = 600, pdf: bool = False, lang: str = "zh") -> dict:
    """Execute one notebook with papermill and export it; never raises for notebook errors.

    Runs in a worker process (local pool or Dask worker). The kernel uses IPC transport
    with an absolute connection file in a private temporary folder, which is also the
    kernel's working directory.

    Parameters
    ----------
    job : NotebookJob
    out_dir : str
        Existing folder receiving ``<name>.ipynb``, ``<name>.html`` (and ``.pdf``); the notebook
        itself writes ``<name>.json`` there. A failed notebook is kept as
        ``_failed/<name>.ipynb`` and its partial outputs are removed.
    kernel_name : str
        Jupyter kernel to run (always named explicitly).
    timeout : float, optional
        Seconds any one cell may run before the notebook counts as timed out.
    pdf : bool
        Also write ``<name>.pdf`` through WeasyPrint.
    lang : str
        Language of the HTML page.

    Returns
    -------
    dict
        ``name``, ``kind``, ``status`` (``ok``, ``failed`` or ``timeout``), ``seconds``,
        ``error`` (None or ``ename``, ``evalue``, ``cell_index``, ``traceback``) and
        ``files`` (names written into ``out_dir``).
    """
    import papermill as pm
    from traitlets.config import Config

    from ..report.render import atomic_write_text, html_to_pdf, notebook_to_html

    start = time.perf_counter()
    out = Path(out_dir)
    # The folder is never created here: a job that outlives its batch (a Dask task rerun
    # after the batch installed its staging folder) must not bring the staging folder back.
    if not out.is_dir():
        raise FileNotFoundError(f"output folder {out} does not exist")
    work = Path(_short_tempdir())
    executed = work / f"{job.name}.ipynb"
    results = out / f"{job.name}.json"
    record: dict[str, Any] = {"name": job.name, "kind": job.kind, **dict(job.labels),
                              "status": "ok", "error": None, "files": []}
    config = Config()
    config.KernelManager.transport = "ipc"
    config.KernelManager.connection_file = str(work / "kernel.json")
    parameters = {**dict(job.parameters), "results_path": str(results)}
    try:
        pm.execute_notebook(
            job.notebook, str(executed), parameters=parameters, kernel_name=kernel_name,
            progress_bar=False, request_save_on_cell_execute=False, cwd=str(work),
            # nbclient takes whole seconds only (300.5 was a TraitError in every notebook)
            execution_timeout=None if timeout is None else max(1, math.ceil(timeout)),
            start_timeout=120, config=config,
            # Outputs are complete when the last cell ends; a graceful shutdown only waits.
            shutdown_kernel="immediate",
        )
        shutil.move(str(executed), out / f"{job.name}.ipynb")
        page = notebook_to_html(out / f"{job.name}.ipynb", lang=lang)
        atomic_write_text(out / f"{job.name}.html", page)
        if pdf:
            html_to_pdf(page, out / f"{job.name}.pdf", base_url=out)
        record["files"] = sorted(p.name for p in out.glob(f"{job.name}.*")
                                 if p.suffix in (".ipynb", ".html", ".json", ".pdf"))
    except BaseException as exc:  # noqa: BLE001 - a failed notebook must not stop the batch
        if isinstance(exc, KeyboardInterrupt):
            raise
        timed_out = isinstance(exc, TimeoutError) or "Timeout" in type(exc).__name__
        record["status"] = "timeout" if timed_out else "failed"
        record["error"] = _error_record(exc, executed, job.notebook)
        for suffix in (".ipynb", ".html", ".json", ".pdf"):
            (out / f"{job.name}{suffix}").unlink(missing_ok=True)
        if executed.is_file():
            failed_dir = out / "_failed"
            failed_dir.mkdir(exist_ok=True)
            shutil.move(str(executed), failed_dir / f"{job.name}.ipynb")
            record["files"] = [f"_failed/{job.name}.ipynb"]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    record["seconds"] = round(time.perf_counter() - start, 3)
    return record


# --------------------------------------------------------------------------- many notebooks

def _pool_context():
    import multiprocessing as mp

    return mp.get_context("forkserver" if sys.platform != "win32" else "spawn")


def _warm_up() -> None:
    """Import what :func:`execute_job` needs (run in a fresh worker while the parent works)."""
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401

    from ..report import render  # noqa: F401


def _descendants(pid: int) -> list[int]:
    """Process ids of every descendant of ``pid`` (Linux ``/proc``; empty elsewhere)."""
    children: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2:].split()
        if len(fields) > 1:
            children.setdefault(int(fields[1]), []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _kill_tree(pid: int, include_self: bool = True) -> None:
    """SIGKILL ``pid``'s descendants (kernels), then ``pid`` itself."""
    import signal

    for child in reversed(_descendants(pid)):
        try:
            os.kill(child, signal.SIGKILL)
        except OSError:
            pass
    if include_self:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _wait_for_exit(pid: int) -> None:
    """Block until process ``pid`` (not a child of this one) has exited."""
    import select

    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        fd = None
    if fd is not None:
        try:
            select.select([fd], [], [])
        finally:
            os.close(fd)
        return
    while True:  # no pidfd (old kernel, another OS): poll
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        except PermissionError:
            pass
        time.sleep(0.5)


def _worker_init(batch_pid: int) -> None:
    """Tie a worker (and the kernels it starts) to the life of the batch process.

    A worker is a child of multiprocessing's fork server, not of the batch, so nothing
    tells it when the batch is killed (SIGKILL, SIGTERM, the OOM killer): a watchdog
    thread waits for the batch to exit, then kills the worker's kernels and the worker.
    SIGTERM sent to the worker itself does the same.
    """
    import signal
    import threading

    def die(*_):
        _kill_tree(os.getpid(), include_self=False)
        os._exit(1)

    signal.signal(signal.SIGTERM, die)

    def watch():
        _wait_for_exit(batch_pid)
        die()

    threading.Thread(target=watch, name="zzforecast-parent-watch", daemon=True).start()


def local_pool(workers: int):
    """A process pool for :func:`run_notebooks`, warming its workers up right away.

    Start it before other slow work (the batch starts it before the simulation) so the
    workers' imports overlap with that work. The workers die with this process, however
    it ends (see :func:`_worker_init`).
    """
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context(),
                               initializer=_worker_init, initargs=(os.getpid(),))
    for _ in range(workers):
        pool.submit(_warm_up)
    return pool


def _iter_local(jobs, out_dir, workers, executor=None, **kwargs):
    if workers <= 1 and executor is None:
        for job in jobs:
            yield execute_job(job, str(out_dir), **kwargs)
        return
    from concurrent.futures import as_completed
    from concurrent.futures.process import BrokenProcessPool

    pool = executor if executor is not None else local_pool(workers)
    unfinished: list[NotebookJob] = []
    try:
        try:
            futures = {pool.submit(execute_job, job, str(out_dir), **kwargs): job
                       for job in jobs}
        except BrokenProcessPool:  # it broke in an earlier phase: nothing can be submitted
            futures, unfinished = {}, list(jobs)
        for fut in as_completed(futures):
            if isinstance(fut.exception(), BrokenProcessPool):
                unfinished.append(futures[fut])
                continue
            yield _result_or_crash(fut, futures[fut])
    finally:
        if executor is None:
            pool.shutdown(wait=True, cancel_futures=True)
    # A worker process died (a dead kernel is caught inside execute_job; this is the
    # process running it, e.g. taken by the out-of-memory killer) and broke the whole pool.
    # Each unfinished job is retried once in a process of its own, so a job that kills its
    # worker again fails alone instead of taking the others with it.
    yield from _iter_isolated(unfinished, out_dir, workers, **kwargs)


def _run_alone(job: NotebookJob, out_dir, **kwargs) -> dict:
    """Run one job in a fresh single-process pool; a worker death fails only this job."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    with ProcessPoolExecutor(max_workers=1, mp_context=_pool_context(),
                             initializer=_worker_init, initargs=(os.getpid(),)) as pool:
        fut = pool.submit(execute_job, job, str(out_dir), **kwargs)
        if isinstance(fut.exception(), BrokenProcessPool):
            return _crash_record(job, WorkerDied(
                "the worker process running this notebook died (killed from outside the "
                "kernel, for example by the out-of-memory killer), also when run alone in a "
                "fresh process"))
        return _result_or_crash(fut, job)


class WorkerDied(Exception):
    """A local worker process died while running a notebook, also when retried alone."""


def _iter_isolated(jobs, out_dir, workers, **kwargs):
    if not jobs:
        return
    from concurrent.futures import ThreadPoolExecutor, as_completed

    with ThreadPoolExecutor(max_workers=max(1, workers)) as threads:
        futures = [threads.submit(_run_alone, job, out_dir, **kwargs) for job in jobs]
        for fut in as_completed(futures):
            yield fut.result()


def _check_scheduler_address(scheduler: str) -> None:
    """A scheduler address Dask can parse (``tcp://HOST:PORT``), or a UserError now."""
    try:
        from distributed.comm.addressing import parse_address, parse_host_port
    except ImportError:  # pragma: no cover - distributed is a dependency
        return
    try:
        scheme, location = parse_address(scheduler)
        if scheme in ("tcp", "tls"):
            parse_host_port(location)
    except ValueError as exc:
        raise UserError(f"--scheduler {scheduler!r} is not a Dask scheduler address such as "
                        f"tcp://10.0.0.5:8786 ({exc})") from None


def _iter_dask(jobs, out_dir, scheduler, **kwargs):
    try:
        from distributed import Client, as_completed
    except ImportError as exc:  # pragma: no cover - distributed is a dependency
        raise ZzforecastError("--scheduler needs dask.distributed installed") from exc
    try:
        client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise UserError(f"cannot connect to the Dask scheduler at {scheduler}: {exc}") from exc
    with client:
        # One submission, keys of one task group ("zzforecast-notebook"): the scheduler
        # then queues the notebooks and hands a worker only as many as it has threads
        # (with worker-saturation 1.0), so a worker that dies takes only its running
        # notebooks with it, not queued innocent ones.
        keys = [f"zzforecast-notebook-{uuid.uuid4().int}" for _ in jobs]
        futs = client.map(execute_job, list(jobs), [str(out_dir)] * len(jobs), key=keys,
                          pure=False, **kwargs)
        futures = dict(zip(futs, jobs, strict=True))
        for fut in as_completed(list(futures)):
            record = _result_or_crash(fut, futures.pop(fut))
            # Release each result once read: the scheduler recomputes a wanted result that
            # was held by a worker that later dies, and that rerun would write into the
            # staging folder again, possibly after the batch has installed it.
            fut.release()
            yield record


def _result_or_crash(fut, job) -> dict:
    """A worker that died (not a notebook error) still yields a failure record."""
    try:
        return fut.result()
    except Exception as exc:  # noqa: BLE001
        return _crash_record(job, exc)


def _crash_record(job, exc: BaseException) -> dict:
    """The failure record of a job whose process (not its notebook) failed."""
    return {"name": job.name, "kind": job.kind, **dict(job.labels), "status": "failed",
            "seconds": None, "files": [],
            "error": {"ename": type(exc).__name__, "evalue": str(exc), "cell_index": None,
                      "traceback": _strip_ansi("".join(traceback.format_exception(exc)))[-4000:]}}


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


def _remove_stale(parent: Path, name: str) -> None:
    """Remove the staging/work/old folders a dead batch left behind.

    Called with the batch lock held (:func:`_batch_lock`): no other batch writes into
    ``parent`` for this name, so every such folder is a leftover (a batch that was killed
    cannot remove its own).
    """
    if not parent.is_dir():
        return
    for pattern in (f".{name}.staging-*", f".{name}.work-*", f".{name}.old-*"):
        for path in parent.glob(pattern):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)


class _LockBusy(UserError):
    """Another batch is writing into the same report folder."""


def _batch_lock(final: Path):
    """Hold an exclusive lock on ``final`` for the life of a batch (a context manager).

    The lock is ``flock`` on the hidden file ``.<name>.lock`` beside ``final``: the
    kernel releases it when the process dies, however it dies, so a killed batch never
    blocks the next one. A second batch on the same folder is refused at once (exit 2).
    The lock file is removed at the end; a lock taken on a file that another batch removed
    meanwhile is retaken on the new file.
    """
    import contextlib
    import fcntl

    @contextlib.contextmanager
    def held():
        path = final.parent / f".{final.name}.lock"
        while True:
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
            except OSError as exc:
                raise UserError(f"cannot lock the report folder {final}: "
                                f"{exc.strerror or exc}") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise _LockBusy(
                    f"{final}: another report batch is writing into this folder now; wait "
                    "for it to finish, or pass another --out (or --scenario)") from None
            try:
                same = os.fstat(fd).st_ino == os.stat(path, follow_symlinks=False).st_ino
            except OSError:
                same = False
            if same:
                break
            os.close(fd)  # the file was removed by the batch that just finished: retry
        try:
            _remove_stale(final.parent, final.name)
            yield
        finally:
            try:
                path.unlink()
            except OSError:
                pass
            os.close(fd)

    return held()


# Files and folders a batch writes into its report folder besides the per-job files
# listed in run.json (``jobs[*].files``).
_BATCH_FILES = ("run.json", "index.html", "summary.csv", "summary.xlsx", "briefing.docx",
                "reports.pdf", "_fonts", "_failed")


def _foreign_entries(folder: Path) -> list[str]:
    """Entries of an existing report folder that no batch wrote (the user's own files).

    What a batch wrote is read from its run.json; a folder without one holds only
    foreign entries. Links are always foreign (a batch writes none).
    """
    import json

    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return []
    written = set(_BATCH_FILES)
    try:
        run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
        for job in run.get("jobs", []):
            for name in job.get("files", []) or []:
                written.add(str(name).split("/", 1)[0])
    except (OSError, ValueError, AttributeError, TypeError):
        written = set()
    return [p.name for p in entries if p.is_symlink() or p.name not in written]


def _check_report_folder(final: Path) -> None:
    """Refuse a report folder that is a link, or holds files no batch wrote.

    Installing a batch replaces the whole folder, so a link would be followed (and its
    target emptied) and a user's file inside would be lost.
    """
    for folder in (final, final.parent):
        if folder.is_symlink():
            raise UserError(f"{folder} is a symbolic link; report folders must be real "
                            "folders (remove the link or pass another --out)")
        if folder.exists() and not folder.is_dir():
            raise UserError(f"{folder} is a file, not a folder; pass another --out")
    if final.is_dir():
        foreign = _foreign_entries(final)
        if foreign:
            shown = ", ".join(foreign[:5]) + (" ..." if len(foreign) > 5 else "")
            raise UserError(f"{final} holds files a report batch did not write ({shown}); "
                            "a batch replaces the whole folder: move them elsewhere or "
                            "pass another --out")


def _remove_partial(staging: Path, name: str) -> None:
    """Remove what a job that died with its worker may have written (its results JSON)."""
    for suffix in (".ipynb", ".html", ".json", ".pdf"):
        (staging / f"{name}{suffix}").unlink(missing_ok=True)


def _install(staging: Path, final: Path) -> None:
    """Replace ``final`` by ``staging`` with two renames (old reports survive until then)."""
    final.parent.mkdir(parents=True, exist_ok=True)
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old-{uuid.uuid4().hex[:8]}")
        os.replace(final, old)
    try:
        os.replace(staging, final)
    except BaseException:
        if old is not None:
            os.replace(old, final)
        raise
    if old is not None:
        _remove_old(old, final)


def _remove_old(old: Path, final: Path) -> None:
    """Delete the previous batch's files; anything else (a file a user put there while
    the batch ran) moves into the new folder, or stays in ``old`` when the name is taken."""
    foreign = set(_foreign_entries(old))
    for entry in old.iterdir():
        if entry.name in foreign:
            if not (final / entry.name).exists():
                os.replace(entry, final / entry.name)
                continue
            print(f"warning: kept {entry} (not written by a report batch; the new batch "
                  f"has a file of that name)", file=sys.stderr)
        elif entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
    try:
        old.rmdir()
    except OSError:
        pass


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

    from ..report.render import (
        embed_web_fonts,
        summary_frame,
        write_index,
        write_json,
        write_summary,
    )

    _check_run_arguments(workers, timeout)
    names = [j.name for j in jobs] + [f["name"] for f in failures]
    if len(set(names)) != len(names):
        raise UserError(f"job names must be unique, got {names}")
    out_dir = Path(out_dir)
    # The report folder itself is never resolved: a link there is refused, not followed.
    final = Path(os.path.abspath(out_dir.parent)).resolve() / out_dir.name
    _check_report_folder(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    locked = contextlib.ExitStack()
    locked.enter_context(_terminate_as_exit())
    if lock:
        locked.enter_context(_batch_lock(final))
        _check_report_folder(final)  # again, now that no other batch can change it
    staging = final.with_name(f".{final.name}.staging-{uuid.uuid4().hex[:8]}")
    try:
        staging.mkdir()
    except BaseException:
        locked.close()
        raise
    info = dict(run_info or {})
    started = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    if workers is None:
        workers = os.cpu_count() or 1
    workers = max(1, min(int(workers), len(jobs) or 1))
    kwargs = {"kernel_name": kernel_name, "timeout": timeout, "pdf": pdf, "lang": lang}
    update = _progress_bar(len(jobs) + len(failures), progress)
    records: list[dict] = [dict(f) for f in failures]
    for record in records:
        update(record)
    own_pool = None
    if scheduler is None and executor is None and workers > 1:
        executor = own_pool = local_pool(workers)
    try:
        first = [j for j in jobs if not j.after_others]
        later = [j for j in jobs if j.after_others]
        for phase in (first, later):
            if phase is later and prepare_after is not None:
                phase = [prepare_after(job, list(records)) for job in phase]
            if not phase:
                continue
            it = (_iter_dask(phase, staging, scheduler, **kwargs) if scheduler
                  else _iter_local(phase, staging, workers, executor=executor, **kwargs))
            for record in it:
                if record["status"] != "ok":
                    _remove_partial(staging, record["name"])
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
                _install(staging, final)
            except OSError as exc:
                raise UserError(f"cannot write the reports into {final}: {exc.strerror or exc}"
                                "; the previous reports there were kept") from exc
            where = final
        else:
            where = final.with_name(f".{final.name}.failed")
            shutil.rmtree(where, ignore_errors=True)
            os.replace(staging, where)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if own_pool is not None and not isinstance(exc, Exception):  # killed, interrupted
            _abort_pool(own_pool)
            own_pool = None
        raise
    finally:
        if own_pool is not None:
            own_pool.shutdown(wait=True, cancel_futures=True)
        locked.close()
    return BatchResult(out_dir=where, installed=installed, jobs=records, run=run)


def _abort_pool(pool) -> None:
    """Kill a process pool's workers and their kernels now (SIGTERM, Ctrl-C)."""
    for process in list(getattr(pool, "_processes", {}).values()):
        _kill_tree(process.pid)
    pool.shutdown(wait=False, cancel_futures=True)


# --------------------------------------------------------------------------- the batch

def _whole(value) -> bool:
    import numbers

    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _check_run_arguments(workers, timeout) -> None:
    """``workers`` and ``timeout`` of the Python API: a ValueError naming the argument."""
    if workers is not None and (not _whole(workers) or workers < 1):
        raise UserError(f"workers must be a whole number >= 1 (or None), got {workers!r}")
    if timeout is not None and (isinstance(timeout, bool)
                                or not isinstance(timeout, (int, float))
                                or not math.isfinite(timeout) or timeout <= 0):
        raise UserError(f"timeout must be a positive number of seconds (or None), "
                        f"got {timeout!r}")


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
        ``exit_code`` is 0 when everything succeeded, 3 for a partial batch and 1 when
        nothing succeeded (the previous reports are then kept).

    Raises
    ------
    UserError
        Bad arguments, data or parameters (before any notebook runs).
    """
    from ..data.bundle import load_bundle
    from ..data.vintages import published_bundle

    if lang not in ("zh", "en"):
        raise UserError(f"lang must be 'zh' or 'en', got {lang!r}")
    if not _whole(n_paths) or n_paths < 1:
        raise UserError(f"n_paths must be a positive whole number, got {n_paths!r}")
    if not _whole(seed) or seed < 0:
        raise UserError(f"seed must be a whole number >= 0, got {seed!r}")
    _check_run_arguments(workers, timeout)
    from ..simulate.scenarios import SCENARIO_PATTERN

    if not re.fullmatch(SCENARIO_PATTERN, str(scenario)):
        raise UserError(f"scenario must be a name like 'baseline' (letters, digits, '_' "
                        f"and '-'), got {scenario!r}")
    if scheduler is None:
        _check_kernel(kernel_name)
    elif isinstance(scheduler, str):
        _check_scheduler_address(scheduler)
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
    _check_report_folder(final)  # links and the user's own files: refused before any work
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
    pool = None
    with _batch_lock(final), _terminate_as_exit():
        _check_report_folder(final)
        # Start (and warm up) the workers now, so their imports overlap the simulation.
        pool = local_pool(workers) if scheduler is None and workers > 1 else None
        try:
            return _simulate_and_run(
                bundle, selected, final, pool, year=year, as_of=as_of, scenario=scenario,
                workers=workers, scheduler=scheduler, pdf=pdf, lang=lang, n_paths=n_paths,
                seed=seed, timeout=timeout, data_dir=data_dir, params_dir=params_dir,
                overview=overview, kernel_name=kernel_name, progress=progress,
                cluster_notebook=cluster_notebook, overview_notebook=overview_notebook,
                started=started)
        except BaseException as exc:
            if pool is not None and not isinstance(exc, Exception):  # SIGTERM, Ctrl-C
                _abort_pool(pool)
                pool = None
            raise
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)


@contextlib.contextmanager
def _terminate_as_exit():
    """Turn SIGTERM into ``SystemExit(143)`` while a batch runs in the main thread, so
    that it cleans up (staging removed, workers killed) like Ctrl-C does."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum, frame):
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _simulate_and_run(bundle, selected, final, pool, *, year, as_of, scenario, workers,
                      scheduler, pdf, lang, n_paths, seed, timeout, data_dir, params_dir,
                      overview, kernel_name, progress, cluster_notebook,
                      overview_notebook, started) -> BatchResult:
    from ..assess.attain import assess
    from ..provenance import Provenance, package_versions
    from ..report.content import compare_scenarios
    from ..simulate.engine import simulate

    t0 = time.perf_counter()
    simulation = simulate(bundle, year, as_of, scenario, n_paths=n_paths, seed=seed)
    # Every scenario with the same seed and paths, for the side-by-side comparisons; the
    # requested scenario reuses the main simulation so its figures agree everywhere.
    main_assessment = assess(simulation, bundle)
    comparison = compare_scenarios(bundle, year, as_of, n_paths=n_paths, seed=seed,
                                   known={simulation.scenario: main_assessment})
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
                  "simulation_path": str(sim_path), "scenarios_path": str(scenarios_path)}
        cluster_nb = str(cluster_notebook or notebook_path("cluster_report"))
        jobs = []
        if overview:
            # The overview runs first, beside the clusters (it reads the same simulation);
            # links to cluster reports that end up failing are removed afterwards.
            jobs.append(NotebookJob("overview", str(overview_notebook
                                                    or notebook_path("city_overview")),
                                    {**common, "link_reports": [r["cluster_id"] for r in selected]},
                                    kind="overview",
                                    labels={"name_zh": "全市总览", "name_en": "City overview"}))
        unforecastable = _unforecastable(simulation)
        failures = [_data_failure(row, unforecastable[row["cluster_id"]]) for row in selected
                    if row["cluster_id"] in unforecastable]
        for row in selected:
            if row["cluster_id"] in unforecastable:
                continue
            jobs.append(NotebookJob(row["cluster_id"], cluster_nb,
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
                               finalize=_unlink_failed_reports, failures=failures,
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


def _check_kernel(kernel_name: str) -> None:
    """Fail early, with the fix, when the Jupyter kernel is not registered here."""
    from jupyter_client.kernelspec import find_kernel_specs

    if kernel_name not in find_kernel_specs():
        raise UserError(
            f"the Jupyter kernel '{kernel_name}' is not registered; run `make setup` or "
            f"`python -m ipykernel install --sys-prefix --name {kernel_name}`")


def _unlink_failed_reports(staging: Path, records: list[dict]) -> None:
    """Turn the overview's links to cluster reports that failed into plain text."""
    from ..report.render import atomic_write_text

    failed = [r["name"] for r in records if r["status"] != "ok" and r["kind"] == "cluster"]
    page = staging / "overview.html"
    if not failed or not page.is_file():
        return
    text = page.read_text(encoding="utf-8")
    for name in failed:
        href = re.escape(html.escape(name, quote=True) + ".html")
        text = re.sub(rf'<a href="{href}">(.*?)</a>', r"\1", text)
    atomic_write_text(page, text)


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path
