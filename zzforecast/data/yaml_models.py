"""pydantic (v2) models for YAML parameter files, with located messages.

:func:`validate_yaml` checks a parsed YAML document against a model and turns every
pydantic error into a :class:`~zzforecast.exceptions.Problem` naming the file, the line of
the offending key (read from the YAML node tree) and the dotted field
(``levels.4.iav_growth_min``), in plain words ("unknown key; allowed: ...", "is missing",
"expected a number, got str '0.13'") rather than pydantic's own.
"""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..exceptions import ParamsError, Problem

__all__ = ["validate_yaml", "yaml_node", "node_line", "problems_from"]

M = TypeVar("M", bound=BaseModel)

_EXPECTED = {
    "float_type": "a number", "float_parsing": "a number", "int_type": "a whole number",
    "int_parsing": "a whole number", "int_from_float": "a whole number",
    "string_type": "text", "bool_type": "true or false", "dict_type": "a mapping",
    "model_type": "a mapping", "list_type": "a list", "date_type": "a date YYYY-MM-DD",
    "finite_number": "a finite number",
}


def yaml_node(path: str | Path):
    """The composed YAML node tree of a file (for line numbers), or None."""
    import yaml

    try:
        text = Path(path).read_bytes().decode("utf-8-sig", errors="replace")
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except Exception:  # noqa: BLE001 - read_yaml reports a broken file itself
        return None


def node_line(node, loc: tuple) -> int | None:
    """1-based line of the deepest node along ``loc`` (keys and list indices)."""
    import yaml

    line = None if node is None else node.start_mark.line + 1
    for part in loc:
        if part == "[key]":
            continue
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if str(k.value) == str(part)), None)
            if match is None:
                return line
            line = match[0].start_mark.line + 1
            node = match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) \
                and 0 <= part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The model class whose field list applies at ``loc`` (for 'allowed' keys)."""
    current: Any = model
    for part in loc:
        if isinstance(current, type) and issubclass(current, BaseModel):
            info = current.model_fields.get(str(part))
            if info is None:
                return None
            current = info.annotation
            continue
        current = _inner_model(current)
        if current is None:
            return None
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _inner_model(annotation) -> Any:
    """The model inside ``dict[K, Model]``, ``list[Model]`` or ``Model | None``."""
    for arg in reversed(typing.get_args(annotation)):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
        inner = _inner_model(arg)
        if inner is not None:
            return inner
    return None


def _message(err: dict, model: type[BaseModel]) -> str:
    kind, loc = err["type"], tuple(err["loc"])
    value = err.get("input")
    if kind == "missing":
        return "is missing"
    if kind == "extra_forbidden":
        parent = _model_at(model, loc[:-1])
        allowed = ", ".join(parent.model_fields) if parent is not None else ""
        return "unknown key" + (f"; allowed: {allowed}" if allowed else "")
    if kind in ("value_error", "assertion_error") and "error" in err.get("ctx", {}):
        return str(err["ctx"]["error"])
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {type(value).__name__} {value!r}"
    if kind == "literal_error":
        return f"expected {err['ctx'].get('expected', '')}, got {value!r}"
    return str(err.get("msg", kind))


def problems_from(exc: ValidationError, file: str, node, model: type[BaseModel],
                  prefix: tuple = ()) -> list[Problem]:
    """Located problems from a pydantic ``ValidationError``."""
    out = []
    for err in exc.errors():
        loc = prefix + tuple(err["loc"])
        field = ".".join(str(p) for p in loc if p != "[key]") or None
        out.append(Problem(file, node_line(node, loc), field,
                           _message({**err, "loc": tuple(err["loc"])}, model)))
    return list(dict.fromkeys(out))


def validate_yaml(model: type[M], data: Any, path: str | Path, *, context: dict | None = None
                  ) -> M:
    """Validate parsed YAML ``data`` (read from ``path``) against ``model``.

    Raises
    ------
    ParamsError
        One problem per pydantic error, with file, line and dotted field.
    """
    file = str(path)
    if not isinstance(data, dict):
        raise ParamsError(Problem(file, None, None, "expected a mapping of keys at the top "
                                  f"of the file, got {type(data).__name__}"))
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise ParamsError(problems_from(exc, file, yaml_node(path), model)) from None
