"""``zzforecast runs <name>``: every report batch of a run set, in order.

A run set is ``params/runs/<name>.yaml`` (CUPiD-style, read by :mod:`.run_sets`): a
``defaults:`` mapping and a ``runs:`` list whose entries override any default, e.g. a
month's baseline, downside and upside in Chinese and English::

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
import sys
import traceback

__all__ = ["add_parser", "run"]


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
    from .run_sets import folder_of, load_run_set

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
