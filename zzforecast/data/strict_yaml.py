"""Read a YAML parameter file strictly: plain values only, no tags, no duplicate keys, bounded size.

A mistake becomes a :class:`~zzforecast.exceptions.ParamsError` naming the file and line.
Field-level checks of each file's content are pydantic models (``yaml_models.py`` and the
modules that define them).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

from ..exceptions import ParamsError, Problem
from .textfiles import decode_text, read_bytes

__all__ = ["read_yaml", "MAX_YAML_BYTES", "MAX_YAML_DEPTH", "MAX_YAML_NODES",
           "MAX_YAML_SCALAR", "MAX_YAML_DIGITS"]


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
    file = str(path)
    data = read_bytes(path, ParamsError)
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
