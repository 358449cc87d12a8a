"""The sha256 digest of the data and parameter files a run read (recorded in its provenance)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

__all__ = ["file_digest"]


def file_digest(paths: Iterable[str | os.PathLike], root: str | os.PathLike | None = None) -> str:
    """sha256 (hex) over the names and bytes of files, in the given order.

    Parameters
    ----------
    paths : iterable of path-like
        Files to hash; missing files are skipped.
    root : path-like, optional
        Names are hashed relative to this folder so that a digest does not depend on
        where the project lives.

    Returns
    -------
    str
        The hex digest.
    """
    digest = hashlib.sha256()
    for p in paths:
        p = Path(p)
        if not p.is_file():
            continue
        name = p.relative_to(root).as_posix() if root is not None else p.name
        digest.update(name.encode("utf-8") + b"\0")
        digest.update(p.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()
