"""Read the bytes of an input file and decode them as text, with errors that name the file.

CSV and YAML files are decoded by trying UTF-8 (with or without a byte-order mark) and
then GB18030, the superset of GBK/GB2312 that Chinese spreadsheets save by default. A file
that is neither (UTF-16, Latin-1, binary) is rejected with a message that says how to fix
it. The table reader (``tables.py``) and the YAML reader (``strict_yaml.py``) share this.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from ..exceptions import DataError, Problem

__all__ = ["read_bytes", "decode_text"]

# Encodings tried in order. utf-8-sig also reads plain UTF-8; gb18030 reads GBK and GB2312.
_ENCODINGS = ("utf-8-sig", "gb18030")


def read_bytes(path: Path, error: type[DataError]) -> bytes:
    """The bytes of ``path``; a missing, folder or unreadable path raises ``error`` naming it."""
    if not path.exists():
        raise error(Problem(str(path), None, None, "file not found"))
    if path.is_dir():
        raise error(Problem(str(path), None, None, "is a folder, expected a file"))
    try:
        return path.read_bytes()
    except OSError as exc:
        raise error(Problem(str(path), None, None,
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
