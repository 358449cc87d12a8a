"""Run sets: ``params/runs/<name>.yaml``, read and checked for ``zzforecast runs``.

A run set (after CUPiD's run configuration) is a ``defaults:`` mapping and a ``runs:`` list
whose entries override any default. Each value is checked by the argument type of the
``reports`` option of the same name (:mod:`zzforecast.cli.arguments`), so a run set accepts
exactly what the command line accepts; pydantic (v2) models through
:mod:`zzforecast.data.yaml_models` name the file, line and field of every problem. Kept
apart from the command so that ``zzforecast --help`` does not import pydantic.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool

from . import arguments

__all__ = ["RUNS_DIR", "Batch", "RunSet", "folder_of", "load_run_set"]

RUNS_DIR = "runs"  # below the parameters folder

# The settings a batch takes from ``zzforecast reports``'s defaults when neither the entry
# nor ``defaults`` gives them (year and as_of have none: a run set must say which month).
_FROM_REPORTS = ("scenario", "lang", "pdf", "n_paths", "seed", "workers", "clusters",
                 "timeout", "out")


def _reports_defaults() -> dict:
    """The defaults of the ``reports`` options, read from its own parser."""
    from . import reports

    parser = reports.add_parser(argparse.ArgumentParser().add_subparsers())
    return {key: parser.get_default(key) for key in _FROM_REPORTS}


def _option(check):
    """A pydantic validator from a ``reports`` argument type, so a run set accepts exactly
    what the command line accepts (its messages, too)."""

    def validate(value: Any) -> Any:
        if value is None:
            return value
        try:
            return check(str(value))
        except argparse.ArgumentTypeError as exc:
            raise ValueError(str(exc)) from None

    return BeforeValidator(validate)


class Batch(BaseModel):
    """One batch's settings (all optional: an entry overrides ``defaults``)."""

    model_config = ConfigDict(extra="forbid")

    year: Annotated[int | None, _option(arguments.year)] = None
    as_of: Annotated[str | None, _option(arguments.as_of)] = None
    scenario: Annotated[str | None, _option(arguments.scenario)] = None
    lang: Literal["zh", "en"] | None = None
    pdf: StrictBool | None = None
    n_paths: Annotated[int | None, _option(arguments.n_paths)] = None
    seed: Annotated[int | None, _option(arguments.seed)] = None
    workers: Annotated[int | None, _option(arguments.positive_int)] = None
    clusters: str | None = None
    timeout: Annotated[float | None, _option(arguments.positive_float)] = None
    out: str | None = None


class RunSet(BaseModel):
    """A run-set file: ``defaults`` and the ``runs`` that override them."""

    model_config = ConfigDict(extra="forbid")

    defaults: Batch = Batch()
    runs: list[Batch] = Field(min_length=1)

    def batches(self) -> list[dict]:
        """Each run's settings in order: ``reports``'s defaults < ``defaults`` < the entry."""
        base = _reports_defaults() | self.defaults.model_dump(exclude_unset=True)
        return [base | entry.model_dump(exclude_unset=True) for entry in self.runs]


def folder_of(batch: dict) -> Path:
    """The report folder a batch writes (as ``run_batch`` names it)."""
    return Path(batch["out"]) / str(batch["year"]) / batch["as_of"] / batch["scenario"]


def load_run_set(name: str, params_dir: str | Path = "params") -> tuple[Path, list[dict]]:
    """Read and check ``<params_dir>/runs/<name>.yaml``; its path and its batches in order.

    Raises
    ------
    ParamsError
        Naming the file, line and field: unknown keys, values the ``reports`` command would
        refuse, a batch without ``year`` or ``as_of``, two batches writing the same folder.
    UserError
        When there is no such run set (the known ones are listed).
    """
    from ..data.strict_yaml import read_yaml
    from ..data.yaml_models import node_line, validate_yaml, yaml_node
    from ..exceptions import ParamsError, Problem, UserError

    folder = Path(params_dir) / RUNS_DIR
    path = folder / f"{name}.yaml"
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", name) or not path.is_file():
        known = sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []
        raise UserError(f"no run set {name!r} in {folder}"
                        + (f"; known: {', '.join(known)}" if known else ""))
    model = validate_yaml(RunSet, read_yaml(path), path)
    batches = model.batches()
    node, problems, seen = yaml_node(path), [], {}
    for i, batch in enumerate(batches):
        for key in ("year", "as_of"):
            if batch.get(key) is None:
                problems.append(Problem(str(path), node_line(node, ("runs", i)),
                                        f"runs.{i}.{key}",
                                        "is missing (give it here or under defaults)"))
        if batch.get("year") is None or batch.get("as_of") is None:
            continue
        where = folder_of(batch).resolve()
        if where in seen:
            problems.append(Problem(str(path), node_line(node, ("runs", i)), f"runs.{i}",
                                    f"writes the same folder as runs.{seen[where]} "
                                    f"({folder_of(batch)}); give one of them another out"))
        seen.setdefault(where, i)
    if problems:
        raise ParamsError(problems)
    return path, batches
