"""The report folder of a batch: its lock, its checks, and installing it whole.

A batch writes into a hidden staging folder beside the final one and moves it into place
with two renames only when it is complete (:func:`install`), so a rerun keeps the last
good reports until the new ones are ready. :func:`batch_lock` lets one batch at a time
write a folder; :func:`check_report_folder` refuses a folder that is a link or holds files
no batch wrote (a batch replaces the whole folder).
"""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from pathlib import Path

from ..exceptions import UserError

__all__ = ["batch_lock", "check_report_folder", "remove_partial", "install", "remove_stale"]


def remove_stale(parent: Path, name: str) -> None:
    """Remove the staging/work/old folders a dead batch left behind.

    Called with the batch lock held (:func:`batch_lock`): no other batch writes into
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


def batch_lock(final: Path):
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
            remove_stale(final.parent, final.name)
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


def check_report_folder(final: Path) -> None:
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


def remove_partial(staging: Path, name: str) -> None:
    """Remove what a job that died with its worker may have written (its results JSON)."""
    for suffix in (".ipynb", ".html", ".json", ".pdf"):
        (staging / f"{name}{suffix}").unlink(missing_ok=True)


def install(staging: Path, final: Path) -> None:
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
