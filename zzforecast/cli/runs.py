"""``zzforecast runs <name>``: every report batch of a run set, in order.

A run set is ``params/runs/<name>.yaml`` (CUPiD-style): a ``defaults:`` mapping and a
``runs:`` list whose entries override any default, e.g. a month's baseline, downside and
upside in Chinese and English::

    defaults: {year: 2017, as_of: 2017-07, n_paths: 10000, out: reports}
    runs:
      - {scenario: baseline, pdf: true}
      - {scenario: baseline, lang: en, out: reports/en}

Each batch goes through the same function as ``zzforecast reports``
(:func:`zzforecast.cli.reports.build_reports`), its values checked by the same argument
types; one failing batch does not stop the others. Exit codes: 0 every batch built in full,
1 any batch failed (in part or whole), 2 a bad run-set file (file, line and field named,
before any batch runs).
"""

from __future__ import annotations

import argparse
import re
import sys
import traceback
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool

from . import arguments

__all__ = ["add_parser", "run", "RunSet", "load_run_set", "RUNS_DIR"]

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


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``runs`` on the top-level parser."""
    parser = subparsers.add_parser(
        "runs",
        help="run every report batch of a run set (params/runs/<name>.yaml)",
        description=(
            "Run, in order, every batch of params/runs/<name>.yaml: a 'defaults:' mapping "
            "(year, as_of, scenario, lang, pdf, n_paths, seed, workers, clusters, timeout, "
            "out) and a 'runs:' list of entries overriding any default. Each batch is a "
            "`zzforecast reports` run; one that fails does not stop the others. Prints one "
            "line per batch: its folder and status. Exit codes: 0 all built, 1 any batch "
            "failed, 2 a bad run-set file."
        ),
    )
    parser.add_argument("name", help="run-set name, e.g. monthly (params/runs/monthly.yaml)")
    parser.add_argument("--params", default="params", metavar="DIR",
                        help="parameters folder, holding runs/ (default: params)")
    parser.add_argument("--data", default="data", metavar="DIR", help="data folder")
    parser.add_argument("--dry-run", action="store_true",
                        help="list the batches and their folders without running them")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    parser.set_defaults(handler=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Run (or list) the batches; 0 all built, 1 any failed."""
    from ..exceptions import UserError
    from .reports import build_reports, report_result

    path, batches = load_run_set(args.name, args.params)
    print(f"run set {path}: {len(batches)} batches", file=sys.stderr)
    failed = 0
    for i, batch in enumerate(batches, start=1):
        label = (f"[{i}/{len(batches)}] {batch['year']} {batch['as_of']} {batch['scenario']} "
                 f"{batch['lang']}{' +pdf' if batch['pdf'] else ''}")
        if args.dry_run:
            print(f"{label} -> {folder_of(batch)}: planned", flush=True)
            continue
        options = argparse.Namespace(**batch, scheduler=None, data=args.data,
                                     params=args.params, no_progress=args.no_progress)
        try:
            result = build_reports(options)
        except Exception as exc:  # noqa: BLE001 - one batch's failure must not stop the others
            failed += 1
            if isinstance(exc, UserError):  # this batch's input; the next one may be fine
                for line in str(exc).splitlines():
                    print(f"error: {line}", file=sys.stderr)
            else:
                traceback.print_exc()
            first = (str(exc).splitlines() or [type(exc).__name__])[0]
            print(f"{label} -> {folder_of(batch)}: error: {first}", flush=True)
            continue
        report_result(result)
        failed += result.status != "ok"
        counts = f"{result.run.get('n_ok', 0)} built, {result.run.get('n_failed', 0)} failed"
        print(f"{label} -> {result.out_dir}: {result.status} ({counts})", flush=True)
    if failed:
        print(f"{failed} of {len(batches)} batches failed", file=sys.stderr)
    return 1 if failed else 0
