"""One notebook job: what to run (:class:`NotebookJob`) and running it (:func:`execute_job`).

The generic papermill part of the batch stage, with nothing of clusters in it. A job runs
in a worker process (local pool or Dask worker); its kernel uses IPC transport with an
absolute connection-file path, so parallel kernels never race for TCP ports, and a failing
or timed-out notebook becomes a record (``status``, ``error``), never an exception.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..exceptions import SetupError

__all__ = ["KERNEL_NAME", "NotebookJob", "execute_job", "check_kernel", "strip_ansi"]


KERNEL_NAME = "zzforecast"


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
        reports that were built); :func:`~zzforecast.batch.runner.run_notebooks`'
        ``prepare_after`` may adjust it.
    """

    name: str
    notebook: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    kind: str = "cluster"
    labels: Mapping[str, str] = field(default_factory=dict)
    after_others: bool = False


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
            "traceback": strip_ansi(str(tb))[-4000:]}


def strip_ansi(text: str) -> str:
    """Text without terminal colour codes (kernel tracebacks carry them)."""
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

    from ..data.writing import atomic_write
    from ..report.render import html_to_pdf, notebook_to_html

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
        atomic_write(out / f"{job.name}.html", page.encode("utf-8"))
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


def check_kernel(kernel_name: str) -> None:
    """Fail early, with the fix, when the Jupyter kernel is not registered here.

    Raises
    ------
    SetupError
        Naming the kernel and the command that registers it (exit 2).
    """
    from jupyter_client.kernelspec import find_kernel_specs

    if kernel_name not in find_kernel_specs():
        raise SetupError(
            f"the Jupyter kernel '{kernel_name}' is not registered",
            fix=f"run `make setup`, or `python -m ipykernel install --sys-prefix "
                f"--name {kernel_name}`")
