"""Where notebook jobs run: local worker processes, or an existing Dask cluster.

Each iterator (:func:`iter_local`, :func:`iter_dask`) yields one record per job as jobs
finish, whatever happens to the process running them: a worker that dies (for example
taken by the out-of-memory killer) breaks a local pool, and its unfinished jobs are
retried once, each alone in a fresh process, so a job that kills its worker again fails
alone (``ename: WorkerDied``). Workers die with the batch process however it ends, and
:func:`worker_pool` kills them and their kernels at once on SIGTERM or Ctrl-C.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
import traceback
import uuid

from ..exceptions import SetupError, UserError, WorkerDied
from .jobs import NotebookJob, execute_job, strip_ansi

__all__ = ["local_pool", "worker_pool", "abort_pool", "iter_local", "iter_dask",
           "check_scheduler_address", "terminate_as_exit"]


def _pool_context():
    import multiprocessing as mp

    return mp.get_context("forkserver" if sys.platform != "win32" else "spawn")


def _warm_up() -> None:
    """Import what :func:`~zzforecast.batch.jobs.execute_job` needs (run in a fresh worker
    while the parent works)."""
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
    """A process pool for :func:`~zzforecast.batch.runner.run_notebooks`, warming its workers
    up right away.

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


def iter_local(jobs, out_dir, workers, executor=None, **kwargs):
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


def _iter_isolated(jobs, out_dir, workers, **kwargs):
    if not jobs:
        return
    from concurrent.futures import ThreadPoolExecutor, as_completed

    with ThreadPoolExecutor(max_workers=max(1, workers)) as threads:
        futures = [threads.submit(_run_alone, job, out_dir, **kwargs) for job in jobs]
        for fut in as_completed(futures):
            yield fut.result()


def check_scheduler_address(scheduler: str) -> None:
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


def iter_dask(jobs, out_dir, scheduler, **kwargs):
    try:
        from distributed import Client, as_completed
    except ImportError as exc:  # pragma: no cover - distributed is a dependency
        raise SetupError("--scheduler needs dask.distributed, which is not installed",
                         fix="pip install distributed (or `make setup`)") from exc
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
                      "traceback": strip_ansi("".join(traceback.format_exception(exc)))[-4000:]}}


def abort_pool(pool) -> None:
    """Kill a process pool's workers and their kernels now (SIGTERM, Ctrl-C)."""
    for process in list(getattr(pool, "_processes", {}).values()):
        _kill_tree(process.pid)
    pool.shutdown(wait=False, cancel_futures=True)


@contextlib.contextmanager
def worker_pool(workers: int, scheduler: str | None = None):
    """The local process pool of one batch, or ``None`` when it needs none (one worker, or a
    Dask scheduler); a context manager.

    The pool is shut down when the batch ends; when the batch is killed or interrupted
    (SIGTERM, Ctrl-C: not an ``Exception``) its workers and their kernels are killed at
    once instead of finishing their notebooks.
    """
    pool = local_pool(workers) if scheduler is None and workers > 1 else None
    try:
        yield pool
    except BaseException as exc:
        if pool is not None and not isinstance(exc, Exception):
            abort_pool(pool)
            pool = None
        raise
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


@contextlib.contextmanager
def terminate_as_exit():
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
