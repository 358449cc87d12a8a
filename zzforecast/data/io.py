"""Read and write the files zzforecast takes in: tables (CSV, Parquet) and YAML.

Every reader here turns a user's mistake into a :class:`~zzforecast.exceptions.DataError`
or :class:`~zzforecast.exceptions.ParamsError` whose problems name the file, and the row
where one is known, so that the command line can print one readable line per problem.

CSV files are decoded by trying UTF-8 (with or without a byte-order mark) and then
GB18030, the superset of GBK/GB2312 that Chinese spreadsheets save by default. A file that
is neither (UTF-16, Latin-1, binary) is rejected with a message that says how to fix it.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ..exceptions import DataError, ParamsError, Problem, UserError

__all__ = [
    "CSV_SUFFIXES",
    "PARQUET_SUFFIXES",
    "EXCEL_SUFFIXES",
    "decode_text",
    "read_table",
    "read_yaml",
    "atomic_write",
    "os_problem",
    "check_writable_target",
    "write_csv_atomic",
    "file_digest",
]

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
PARQUET_SUFFIXES = (".parquet", ".pq")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")

# Encodings tried in order. utf-8-sig also reads plain UTF-8; gb18030 reads GBK and GB2312.
_ENCODINGS = ("utf-8-sig", "gb18030")


def _name(path: str | os.PathLike) -> str:
    return str(path)


def _read_bytes(path: Path, error: type[DataError]) -> bytes:
    if not path.exists():
        raise error(Problem(_name(path), None, None, "file not found"))
    if path.is_dir():
        raise error(Problem(_name(path), None, None, "is a folder, expected a file"))
    try:
        return path.read_bytes()
    except OSError as exc:
        raise error(Problem(_name(path), None, None,
                            f"cannot read the file: {exc.strerror or exc}")) from None


def decode_text(data: bytes, file: str, error: type[DataError] = DataError) -> tuple[str, str]:
    """Decode the bytes of a text file written in UTF-8, UTF-8 with BOM, or GBK/GB18030.

    Parameters
    ----------
    data : bytes
        The raw content of the file.
    file : str
        The file name used in error messages.
    error : type
        The exception class to raise (``DataError`` for data, ``ParamsError`` for YAML).

    Returns
    -------
    (text, encoding) : tuple of str
        The decoded text (without a byte-order mark) and the encoding that read it.

    Raises
    ------
    DataError
        When the file is UTF-16/UTF-32, binary, or not valid in any supported encoding;
        the message names the first byte that could not be read and its row.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (
        len(data) >= 2 and b"\x00" in data[:200]
    ):
        raise error(Problem(file, None, None,
                            "looks like a UTF-16 or binary file; save it as CSV in UTF-8 "
                            "(or GBK) text, e.g. Excel: Save As > 'CSV UTF-8'"))
    try:
        return data.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError as exc:
        _damaged_utf8(data, exc, file, error)
    first_error: UnicodeDecodeError | None = None
    for encoding in _ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as exc:
            first_error = first_error or exc
    assert first_error is not None
    pos = first_error.start
    row = data.count(b"\n", 0, pos) + 1
    raise error(Problem(
        file, row, None,
        f"cannot decode byte 0x{data[pos]:02x} at row {row} as UTF-8 or GBK/GB18030; "
        "save the file as UTF-8 (Excel: Save As > 'CSV UTF-8') or as GBK"))


def _damaged_utf8(data: bytes, exc: UnicodeDecodeError, file: str,
                  error: type[DataError]) -> None:
    """A file that is UTF-8 except for a few bytes is damaged, not GBK.

    GB18030 decodes almost any byte sequence, so trying it on a damaged UTF-8 file would
    silently turn its Chinese text into mojibake. When most non-ASCII characters of the
    file are valid UTF-8, say where the bad bytes are instead.
    """
    text = data.decode("utf-8", errors="replace")
    n_bad = text.count("\ufffd")
    n_good = sum(1 for ch in text if ord(ch) > 127) - n_bad
    if n_good >= 3 * n_bad:
        row = data.count(b"\n", 0, exc.start) + 1
        raise error(Problem(
            file, row, None,
            f"invalid UTF-8 byte 0x{data[exc.start]:02x} at row {row} ({n_bad} bad "
            f"character{'s' if n_bad != 1 else ''} in a file that is otherwise UTF-8): the "
            "file is damaged or mixes encodings; fix that row or re-save the file as UTF-8"))


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read a CSV or Parquet table as text, keeping the row numbers a user sees.

    CSV values are returned as strings exactly as written (no type guessing, empty cells
    as ``""``), so that loaders can report a bad cell by row and column. Parquet columns
    keep their stored types. The frame's index holds each record's 1-based row number in
    the file as an editor or spreadsheet shows it (the header is row 1; for Parquet,
    record ``i`` is row ``i + 2``). Blank lines are skipped (row numbers stay true).

    Parameters
    ----------
    path : str or path-like
        A ``.csv`` (also ``.txt``; ``.tsv`` is tab-separated) or ``.parquet`` file.

    Returns
    -------
    pandas.DataFrame
        One column per header field, index = row numbers in the file.

    Raises
    ------
    DataError
        For a missing, empty, truncated or undecodable file, a malformed CSV (unterminated
        quote, rows with more or fewer fields than the header), a blank or duplicated
        header name, an unreadable Parquet file, or an unsupported suffix.
    """
    path = Path(path)
    file = _name(path)
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        return _read_parquet(path)
    if suffix in EXCEL_SUFFIXES:
        raise DataError(Problem(
            file, None, None,
            "Excel workbooks are read by the monthly-ledger importer: run "
            "'zzforecast validate --ledger FILE.xlsx', or save the sheet as CSV UTF-8"))
    if suffix not in CSV_SUFFIXES:
        raise DataError(Problem(file, None, None,
                                f"unsupported file type '{path.suffix}'; expected one of "
                                f"{', '.join(CSV_SUFFIXES + PARQUET_SUFFIXES)}"))
    data = _read_bytes(path, DataError)
    if not data.strip(b" \t\r\n" + codecs.BOM_UTF8):
        raise DataError(Problem(file, None, None, "file is empty (expected a header row)"))
    text, _ = decode_text(data, file)
    return _parse_csv(text, file, delimiter="\t" if suffix == ".tsv" else ",")


def _parse_simple(text: str, delimiter: str) -> pd.DataFrame | None:
    """Fast path for the common file: no quotes, no blank lines, equal field counts.

    Returns None when the file is not that simple; the careful parser then handles it
    (and reports its problems precisely).
    """
    if '"' in text or "\r" in text.replace("\r\n", "\n"):
        return None
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) < 2:
        return None
    n = lines[0].count(delimiter)
    if any(line.count(delimiter) != n or not line.strip(delimiter + " \t") for line in lines):
        return None
    header = [cell.strip() for cell in lines[0].split(delimiter)]
    if len(set(header)) != len(header) or not all(header):
        return None
    frame = pd.DataFrame([line.split(delimiter) for line in lines[1:]], columns=header,
                         dtype=object)
    frame.index = pd.RangeIndex(2, len(lines) + 1, name="row")
    return frame


def _parse_csv(text: str, file: str, delimiter: str = ",") -> pd.DataFrame:
    simple = _parse_simple(text, delimiter)
    if simple is not None:
        return simple
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[list[str]] = []
    line_numbers: list[int] = []
    problems: list[Problem] = []
    header: list[str] | None = None
    header_row = 1
    try:
        for record in reader:
            if header is None:
                if not "".join(record).strip():
                    continue  # blank lines before the header
                header = [cell.strip() for cell in record]
                header_row = reader.line_num
                continue
            rows.append(record)
            line_numbers.append(reader.line_num)
    except csv.Error as exc:
        message = str(exc)
        if "unexpected end of data" in message:
            message = "a quoted field is never closed (the file looks truncated)"
        else:
            message = f"malformed CSV: {message}"
        raise DataError(Problem(file, reader.line_num, None, message)) from None
    if header is None:
        raise DataError(Problem(file, None, None, "file is empty (expected a header row)"))
    while len(header) > 1 and not header[-1]:
        header.pop()  # stray empty columns a spreadsheet leaves at the right

    # drop blank lines (also ",,," rows a spreadsheet leaves), keeping true row numbers
    blank = [k for k, record in enumerate(rows) if not "".join(record).strip()]
    if blank:
        keep = set(range(len(rows))) - set(blank)
        rows = [rows[k] for k in sorted(keep)]
        line_numbers = [line_numbers[k] for k in sorted(keep)]

    seen: set[str] = set()
    for i, name in enumerate(header, start=1):
        if not name:
            problems.append(Problem(file, header_row, None, f"column {i} of the header is blank"))
        elif name in seen:
            problems.append(Problem(file, header_row, name, "column name appears twice in the header"))
        seen.add(name)

    n = len(header)
    ends_with_newline = text.endswith(("\n", "\r"))
    for k, (record, line) in enumerate(zip(rows, line_numbers, strict=True)):
        if len(record) == n:
            continue
        if len(record) > n and all(not c.strip() for c in record[n:]):
            # trailing empty cells (a spreadsheet's stray commas) are harmless
            rows[k] = record[:n]
            continue
        last = k == len(rows) - 1
        if len(record) < n and last and not ends_with_newline:
            msg = (f"the last row has {len(record)} of {n} fields and no line end: the file "
                   "looks truncated")
        else:
            msg = f"has {len(record)} fields but the header has {n}"
        problems.append(Problem(file, line, None, msg))
    if problems:
        raise DataError(_capped(problems))

    frame = pd.DataFrame(rows, columns=header, dtype=object) if rows else pd.DataFrame(
        {name: pd.Series([], dtype=object) for name in header})
    frame.index = pd.Index(line_numbers, dtype="int64", name="row")
    return frame


def _read_parquet(path: Path) -> pd.DataFrame:
    file = _name(path)
    data = _read_bytes(path, DataError)
    if not data:
        raise DataError(Problem(file, None, None, "file is empty"))
    if not (data[:4] == b"PAR1" and data[-4:] == b"PAR1"):
        raise DataError(Problem(file, None, None,
                                "not a complete Parquet file (missing the PAR1 markers: "
                                "truncated, or not Parquet at all)"))
    try:
        frame = pd.read_parquet(io.BytesIO(data))
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise DataError(Problem(file, None, None,
                                f"cannot read the Parquet file (corrupt?): {exc}")) from None
    frame = frame.reset_index(drop=True)
    frame.columns = [str(c) for c in frame.columns]
    frame.index = pd.RangeIndex(2, len(frame) + 2, name="row")
    problems = []
    for column in frame.columns:  # list, struct, map and binary columns hold no cell value
        if frame[column].dtype != object:
            continue
        nested = frame[column].map(lambda v: isinstance(v, (list, tuple, dict, set, bytes,
                                                            bytearray, np.ndarray)))
        for row in frame.index[nested.to_numpy(dtype=bool)][:5]:
            problems.append(Problem(file, int(row), column, (
                f"holds a {type(frame.at[row, column]).__name__}, not a single value; "
                "store one number or text per cell (no list, struct or binary columns)")))
    if problems:
        raise DataError(_capped(problems))
    return frame


def _capped(problems: list[Problem], limit: int = 50) -> list[Problem]:
    if len(problems) <= limit:
        return problems
    rest = len(problems) - limit
    file = problems[limit].file
    return [*problems[:limit], Problem(file, None, None, f"... and {rest} more problems")]


# --------------------------------------------------------------------------- YAML

class _StrictSafeLoader(yaml.SafeLoader):
    """SafeLoader that also rejects duplicate mapping keys."""


def _construct_mapping(loader: _StrictSafeLoader, node: yaml.MappingNode, deep: bool = False):
    loader.flatten_mapping(node)
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain value", key_node.start_mark) from None
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None,
                f"duplicate key {key!r} (first at line {seen[key]})", key_node.start_mark)
        seen[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node, deep=deep)


_StrictSafeLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


# Bounds of a parameter file, checked on the parser's events before anything is built:
# a "billion laughs" file (aliases of aliases), a 5,000-deep nesting or a 400-digit number
# is refused with its line instead of exhausting memory, the stack or a float.
MAX_YAML_BYTES = 1_000_000
MAX_YAML_DEPTH = 50
MAX_YAML_NODES = 100_000  # values after expanding aliases
MAX_YAML_SCALAR = 10_000  # characters of one value
MAX_YAML_DIGITS = 20  # digits of a whole number


def _tag_problems(text: str, file: str) -> list[Problem]:
    """Explicit tags (``!!python/object``, ``!custom``, even ``!!str``) are refused, and so
    are files past the bounds above (sizes counted with aliases expanded)."""
    import re

    problems = []
    if len(text) > MAX_YAML_BYTES:
        return [Problem(file, None, None, f"is {len(text):,} characters long; parameter "
                        f"files hold at most {MAX_YAML_BYTES:,}")]
    number = re.compile(r"[-+]?(0|[1-9][0-9_]*)")
    sizes: dict[str, int] = {}  # anchor -> nodes of its value (aliases expanded)
    stack: list[list] = []  # open collections: [anchor, nodes so far]
    total = 0

    def add(n: int, line: int) -> bool:
        nonlocal total
        if stack:
            stack[-1][1] += n
        else:
            total += n
        if total + sum(entry[1] for entry in stack) > MAX_YAML_NODES:
            problems.append(Problem(file, line, None, (
                f"holds more than {MAX_YAML_NODES:,} values once its aliases (*name) are "
                "expanded; parameter files are small: write the values out")))
            return False
        return True

    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        line = event.start_mark.line + 1
        tag = getattr(event, "tag", None)
        if tag is not None:  # the parser sets a tag only when the file writes one
            if tag.startswith("tag:yaml.org,2002:"):
                tag = "!!" + tag.removeprefix("tag:yaml.org,2002:")
            problems.append(Problem(
                file, line, None,
                f"YAML tag '{tag}' is not allowed: parameter files hold plain values only "
                "(safe loading, no tags)"))
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            stack.append([event.anchor, 1])
            if len(stack) > MAX_YAML_DEPTH:
                problems.append(Problem(file, line, None, (
                    f"values are nested more than {MAX_YAML_DEPTH} levels deep")))
                break
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            anchor, n = stack.pop()
            if anchor is not None:
                sizes[anchor] = n
            if not add(n, line):
                break
        elif isinstance(event, yaml.ScalarEvent):
            value = event.value
            if len(value) > MAX_YAML_SCALAR:
                problems.append(Problem(file, line, None, (
                    f"a value is {len(value):,} characters long; at most "
                    f"{MAX_YAML_SCALAR:,} are allowed")))
                break
            if event.implicit[0] and number.fullmatch(value) and (
                    sum(c.isdigit() for c in value) > MAX_YAML_DIGITS):
                problems.append(Problem(file, line, None, (
                    f"the number {value[:20]}... has more than {MAX_YAML_DIGITS} digits")))
                continue
            if event.anchor is not None:
                sizes[event.anchor] = 1
            if not add(1, line):
                break
        elif isinstance(event, yaml.AliasEvent):
            if not add(sizes.get(event.anchor, 1), line):
                break
    return problems


def read_yaml(path: str | os.PathLike) -> Any:
    """Read a YAML parameter file safely: plain values only, no tags, no duplicate keys.

    Parameters
    ----------
    path : str or path-like
        The YAML file (UTF-8, or GBK/GB18030).

    Returns
    -------
    object
        The parsed document (usually a dict).

    Raises
    ------
    ParamsError
        For a missing or empty file, broken YAML (with the line of the error), any
        explicit tag (``!!python/object``, ``!custom``...), a duplicate key, or more
        than one document.
    """
    path = Path(path)
    file = _name(path)
    data = _read_bytes(path, ParamsError)
    text, _ = decode_text(data, file, ParamsError)
    if not text.strip():
        raise ParamsError(Problem(file, None, None, "file is empty"))
    try:
        problems = _tag_problems(text, file)
        if problems:
            raise ParamsError(problems)
        documents = list(yaml.load_all(text, Loader=_StrictSafeLoader))  # noqa: S506
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        row = mark.line + 1 if mark is not None else None
        what = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        raise ParamsError(Problem(file, row, None, f"invalid YAML: {what}")) from None
    except yaml.YAMLError as exc:
        raise ParamsError(Problem(file, None, None, f"invalid YAML: {exc}")) from None
    documents = [d for d in documents if d is not None]
    if len(documents) > 1:
        raise ParamsError(Problem(file, None, None,
                                  "holds more than one YAML document ('---'); expected one"))
    if not documents:
        raise ParamsError(Problem(file, None, None, "file holds no values"))
    return documents[0]


# --------------------------------------------------------------------------- writing

def _umask() -> int:
    """The process umask (read without changing it for long)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def os_problem(path: Path, exc: OSError) -> UserError:
    """An OS error while writing ``path`` as one readable line (exit 2, no traceback)."""
    import errno

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
    import hashlib

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
