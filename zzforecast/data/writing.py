"""Write output files safely: one atomic writer, and checks of an output path before any work.

Readers of a file zzforecast writes see the old file or the complete new one, never a
partial file; an OS error (full disk, read-only folder, name too long) becomes one readable
:class:`~zzforecast.exceptions.UserError` line naming the path (exit 2, no traceback).
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from ..exceptions import UserError

__all__ = ["atomic_write", "write_csv_atomic", "check_writable_target", "os_problem"]


def _umask() -> int:
    """The process umask (read without changing it for long)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def os_problem(path: Path, exc: OSError) -> UserError:
    """An OS error while writing ``path`` as one readable line (exit 2, no traceback)."""
    why = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is exceeded",
        errno.EFBIG: "the file is larger than this process may write (ulimit -f?)",
        errno.EROFS: "the file system is read-only",
        errno.EACCES: "permission denied",
        errno.EPERM: "operation not permitted",
        errno.ENAMETOOLONG: "the file name is too long (at most 255 bytes per name)",
        errno.ENOTDIR: "a part of the path is a file, not a folder",
        errno.EISDIR: "it is a folder, not a file",
        errno.ENOENT: "the folder does not exist",
    }.get(exc.errno, exc.strerror or str(exc))
    return UserError(f"{path}: cannot write: {why}; nothing was written or changed")


def check_writable_target(path: str | os.PathLike, *, force: bool = True,
                          inputs: Iterable[str | os.PathLike] = ()) -> Path:
    """Refuse, before any work, an output path that cannot or must not be written.

    Refused: an existing file without ``force``; a folder; a path under a file or in a
    missing folder; a name over 255 bytes; a path that is one of ``inputs`` (the same
    file, also through another name or a link).

    Raises
    ------
    UserError
        Naming the path and why.
    """
    path = Path(path)
    if any(len(os.fsencode(part)) > 255 for part in path.parts):
        raise UserError(f"{path}: a file or folder name is longer than 255 bytes")
    for item in inputs:
        item = Path(item)
        try:
            same = item.exists() and path.exists() and os.path.samefile(path, item)
        except OSError:
            same = False
        if same or (not path.exists() and path.resolve() == item.resolve()):
            raise UserError(f"{path}: is also an input ({item}); write the output to "
                            "another file")
    if path.is_dir():
        raise UserError(f"{path}: is a folder; give a file name")
    for folder in path.parents:
        if folder.exists() and not folder.is_dir():
            raise UserError(f"{path}: {folder} is a file, not a folder")
    if (path.exists() or path.is_symlink()) and not force:
        raise UserError(f"{path}: already exists; pass --force to overwrite it")
    return path


def atomic_write(path: str | os.PathLike, data: bytes | Callable[[Any], Any], *,
                 force: bool = True, make_parents: bool = False) -> Path:
    """Write a file atomically: temporary file in the same folder, fsync, rename.

    The one atomic writer of zzforecast. Readers see the old file or the complete new
    one, never a partial file; on any failure (full disk, ``ulimit -f``, a read-only
    folder) the old file is untouched and the temporary file removed. An existing file
    keeps its permission bits; a new one gets the usual ``0666 & ~umask``.

    Parameters
    ----------
    path : path-like
        Destination file.
    data : bytes or callable
        The bytes to write, or ``write(binary_file)`` that writes them.
    force : bool
        Overwrite an existing file (default); without it an existing file is an error.
    make_parents : bool
        Create missing parent folders.

    Raises
    ------
    UserError
        The file exists and ``force`` is false, or an OS error prevented the write (the
        message names the path and the cause).
    """
    path = Path(path)
    check_writable_target(path, force=force)
    try:
        if make_parents:
            path.parent.mkdir(parents=True, exist_ok=True)
        if not path.parent.is_dir():
            raise UserError(f"{path}: the folder {path.parent} does not exist")
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o666 & ~_umask()
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:200]}.", suffix=".tmp",
                                   dir=path.parent)
    except OSError as exc:
        raise os_problem(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            if callable(data):
                data(handle)
            else:
                handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise os_problem(path, exc) from None
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass
    return path


def write_csv_atomic(frame: pd.DataFrame, path: str | os.PathLike, *, force: bool = False,
                     columns: Iterable[str] | None = None) -> Path:
    """Write ``frame`` as UTF-8 CSV atomically (see :func:`atomic_write`).

    Parameters
    ----------
    frame : pandas.DataFrame
        The table to write (its index is not written).
    path : str or path-like
        Destination file.
    force : bool
        Overwrite an existing file; without it an existing file is an error.
    columns : iterable of str, optional
        Columns to write, in order (default: all).

    Returns
    -------
    pathlib.Path
        The written path.

    Raises
    ------
    UserError
        When ``path`` exists and ``force`` is false, its folder does not exist, or the
        write failed (the old file is then untouched).
    """
    text = frame.to_csv(index=False, columns=list(columns) if columns else None,
                        lineterminator="\n")
    return atomic_write(path, text.encode("utf-8"), force=force)
