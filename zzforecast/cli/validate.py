"""``zzforecast validate``: check data and parameters, or a filled-in Excel ledger.

Exit 0 with a short summary when everything is valid; exit 2 with one line per problem
(file, row, field) otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import arguments

__all__ = ["add_parser", "run"]

_REPLACE_HINT = (
    "Replace the synthetic panel with real data: docs/data.md explains the CSV/Parquet files; the\n"
    "    Excel template data/templates/monthly_ledger.xlsx imports with\n"
    "    'zzforecast validate --ledger FILE.xlsx --write-observations data/observations.csv --force'."
)


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check data/ and params/ (or an Excel ledger); exit 2 listing every problem",
        description=(
            "Check the cluster registry, observations, projects, targets and scenarios. "
            "Exit 0 with a summary when all is valid, 2 with one line per problem "
            "(file, row, field) otherwise. With --ledger, check a filled-in copy of the "
            "Excel monthly-ledger template instead, and optionally write it out as an "
            "observations CSV."),
    )
    arguments.add_folders(parser, "parameter folder (default: params)",
                          "data folder (default: data)")
    arguments.add_format(parser)
    ledger = parser.add_argument_group("Excel ledger")
    ledger.add_argument("--ledger", metavar="FILE.xlsx",
                        help="check a filled-in monthly ledger (cluster ids come from "
                             "--data's clusters table)")
    ledger.add_argument("--write-observations", metavar="OUT.csv",
                        help="with --ledger: write the ledger's rows as an observations CSV "
                             "(written atomically)")
    ledger.add_argument("--force", action="store_true",
                        help="allow --write-observations / --ledger-template to overwrite")
    ledger.add_argument("--ledger-template", metavar="OUT.xlsx",
                        help="write an empty ledger template (with --data's cluster list) "
                             "and exit")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..exceptions import UserError

    if args.write_observations and not args.ledger:
        raise UserError("--write-observations needs --ledger FILE.xlsx")
    if args.ledger_template:
        return _write_template(args)
    if args.ledger:
        return _check_ledger(args)
    from ..data.validate import check, summarize

    bundle, problems = check(args.data, args.params)
    # a broken scenario YAML is also a parse problem of check(): reported once
    problems = list(dict.fromkeys([*problems, *_scenario_problems(Path(args.params))]))
    if problems:
        return _report_problems(problems, args.format)
    summary = summarize(bundle)
    if args.format == "json":
        print(json.dumps({"valid": True, "summary": summary, "problems": []},
                         ensure_ascii=False, indent=2))
    else:
        print(_summary_text(summary))
    return 0


def _scenario_problems(params_dir: Path) -> list:
    """Every scenario file checked as the simulation reads it (the data stage only parses
    them: what a scenario means belongs to the simulate stage)."""
    from ..exceptions import DataError
    from ..simulate.scenarios import list_scenarios, load_scenario

    if not params_dir.is_dir():
        return []
    try:
        names = list(list_scenarios(params_dir))
    except DataError as exc:
        return list(exc.problems)
    problems = []
    for name in names:
        try:
            load_scenario(params_dir, name)
        except DataError as exc:
            problems.extend(exc.problems)
    return problems


def _report_problems(problems, fmt: str) -> int:
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    n_files = len({p.file for p in problems})
    print(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in "
          f"{n_files} file{'s' if n_files != 1 else ''} (file formats: docs/data.md)",
          file=sys.stderr)
    if fmt == "json":
        print(json.dumps({"valid": False, "problems": [
            {"file": p.file, "row": p.row, "field": p.field, "message": p.message}
            for p in problems]}, ensure_ascii=False, indent=2))
    return 2


def _summary_text(s: dict) -> str:
    obs = s["observations"]
    levels = ", ".join(f"{v} {k}" for k, v in s["clusters"].items() if k != "total")
    lines = [
        f"valid: {s['data_dir']}/ and {s['params_dir']}/",
        f"  clusters      {s['clusters']['total']} ({levels})",
        f"  observations  {obs['rows']} rows in {obs['series']} series "
        f"({', '.join(obs['indicators'])})",
    ]
    if obs["annual"]:
        lines.append(f"  annual        {obs['annual'][0]} to {obs['annual'][1]}")
    if obs["monthly_ytd"]:
        latest = ", ".join(f"{k} {v}" for k, v in obs["latest_month"].items())
        lines.append(f"  monthly (YTD) {obs['monthly_ytd'][0]} to {obs['monthly_ytd'][1]} "
                     f"(latest: {latest})")
    lines += [
        f"  vintage       {s['vintage']} (latest publication date in the data)",
        f"  projects      {s['projects']}",
        f"  targets       {s['targets']} plan targets, {s['cluster_targets']} per-cluster rows "
        f"(plan {s['plan_year']}; plans: {', '.join(map(str, s['plans']))})",
        f"  digests       data {s['data_digest'][:12]}  params {s['params_digest'][:12]}",
    ]
    if s["synthetic"]:
        lines += [
            "",
            f"  *** SYNTHETIC DATA: {s['synthetic_rows']} rows are synthetic (generated, not "
            "official statistics). ***",
            "    Results computed from them illustrate the method only.",
            f"    {_REPLACE_HINT}",
        ]
    return "\n".join(lines)


def _clusters_for_ledger(data_dir: str):
    from ..data.loaders import find_table, load_clusters
    from ..exceptions import DataError

    path, problems = find_table(data_dir, "clusters")
    if problems:
        raise DataError(problems)
    if path is None:
        raise DataError(f"{data_dir}: no clusters.csv or clusters.parquet (the registry of "
                        "cluster ids the ledger must use); pass --data DIR")
    return load_clusters(path)


def _inputs(args) -> list[Path]:
    """Files this command reads: an output that is one of them is refused."""
    from ..data.loaders import find_table

    inputs = [Path(args.ledger)] if args.ledger else []
    try:
        path, _ = find_table(args.data, "clusters")
    except Exception:  # noqa: BLE001 - a missing registry is reported later
        path = None
    if path is not None:
        inputs.append(Path(path))
    return inputs


def _write_template(args) -> int:
    from ..data.ledger_template import write_ledger_template
    from ..data.writing import check_writable_target
    from ..exceptions import DataError

    out = Path(args.ledger_template)
    check_writable_target(out, force=args.force, inputs=_inputs(args))
    try:
        clusters = _clusters_for_ledger(args.data)
    except DataError:
        clusters = None  # an empty template is still useful
    write_ledger_template(out, clusters=clusters)
    print(f"wrote {out}", file=sys.stderr)
    return 0


def _check_ledger(args) -> int:
    from ..data.ledger import import_ledger
    from ..data.schemas import OBSERVATIONS_COLUMNS
    from ..data.writing import check_writable_target, write_csv_atomic
    from ..exceptions import DataError

    if args.write_observations:
        check_writable_target(args.write_observations, force=args.force,
                              inputs=_inputs(args))
    try:
        clusters = _clusters_for_ledger(args.data)
        observations = import_ledger(args.ledger, clusters)
    except DataError as exc:
        return _report_problems(exc.problems, args.format)
    summary = {
        "ledger": str(args.ledger),
        "rows": int(len(observations)),
        "clusters": int(observations["cluster_id"].nunique()),
        "series": int(observations.groupby(
            ["cluster_id", "indicator", "measure", "frequency"]).ngroups),
        "periods": [min(observations["period"]), max(observations["period"])],
        "vintage": max(observations["vintage"]),
        "written": None,
    }
    if args.write_observations:
        text = observations.assign(
            synthetic=observations["synthetic"].map({True: "true", False: "false"}))
        write_csv_atomic(text, args.write_observations, force=args.force,
                         columns=OBSERVATIONS_COLUMNS)
        summary["written"] = str(args.write_observations)
    if args.format == "json":
        print(json.dumps({"valid": True, "summary": summary, "problems": []},
                         ensure_ascii=False, indent=2))
    else:
        print(f"valid: {summary['ledger']}: {summary['rows']} observations in "
              f"{summary['series']} series of {summary['clusters']} clusters, periods "
              f"{summary['periods'][0]} to {summary['periods'][1]}, latest vintage "
              f"{summary['vintage']}")
        if summary["written"]:
            print(f"wrote {summary['written']}")
    return 0
