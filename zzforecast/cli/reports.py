"""``zzforecast reports``: build every cluster report of a year and scenario.

Exit codes: 0 every report built; 3 the batch finished in part (some notebooks failed;
the new reports were installed and ``run.json`` says which failed and why); 1 nothing
succeeded (the previous reports were kept) or an internal error; 2 bad arguments or data.
"""

from __future__ import annotations

import argparse
import sys

from . import arguments

__all__ = ["add_parser", "run", "build_reports", "report_result", "EXIT_CODES"]

# The command line alone decides exit codes; a batch only says how it ended.
EXIT_CODES = {
    "ok": 0,
    "failed": 1,  # nothing succeeded: the previous reports were kept
    "partial": 3,  # some notebooks failed: the batch was installed, run.json says which
}


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``reports`` on the top-level parser."""
    parser = subparsers.add_parser(
        "reports",
        help="build the cluster reports (papermill), index, summaries and run.json",
        description=(
            "Run the joint simulation once, then execute notebooks/cluster_report.ipynb "
            "for each cluster and notebooks/city_overview.ipynb with papermill (kernel "
            "'zzforecast'), writing <out>/<year>/<as_of>/<scenario>/ (one folder per data "
            "vintage, so months never overwrite each other): <cluster>.ipynb, .html, "
            ".json (and .pdf), index.html, summary.csv, summary.xlsx and run.json. The "
            "folder is replaced only when the new batch is complete. Exit codes: 0 all "
            "built, 3 partial (see run.json), 1 nothing built, 2 bad input."
        ),
    )
    parser.add_argument("--year", type=arguments.year, required=True, help="target year, e.g. 2017")
    parser.add_argument("--as-of", type=arguments.as_of, required=True,
                        help="data vintage YYYY-MM (data published through that month)")
    arguments.add_scenario(parser, "scenario name from params/scenarios (default: baseline)")
    parser.add_argument("--clusters", default="all",
                        help="'all' (default) or comma-separated cluster ids")
    parser.add_argument("--workers", type=arguments.positive_int, default=None,
                        help="local worker processes (default: number of CPUs)")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="run the notebooks on an existing Dask distributed scheduler, "
                             "e.g. tcp://10.0.0.5:8786 (workers must see the same paths)")
    parser.add_argument("--out", default="reports", metavar="DIR",
                        help="output root (default: reports)")
    parser.add_argument("--pdf", action="store_true", help="also write PDFs (WeasyPrint)")
    arguments.add_lang(parser, "report language (default: zh)")
    parser.add_argument("--n-paths", type=arguments.n_paths, default=10000,
                        help="simulated paths (default: 10000)")
    arguments.add_seed(parser)
    parser.add_argument("--timeout", type=arguments.positive_float, default=600,
                        help="seconds any one notebook cell may run (default: 600)")
    arguments.add_folders(parser, "parameters folder")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    arguments.add_format(parser, "json prints run.json's summary on stdout")
    parser.set_defaults(handler=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Build the reports; return the exit code (0, 3 partial, 1 nothing built)."""
    import json

    result = build_reports(args)
    if args.format == "json":
        keys = ("year", "as_of", "scenario", "status", "n_ok", "n_failed", "failed",
                "seconds", "provenance")
        summary = {k: result.run.get(k) for k in keys}
        summary["out_dir"] = str(result.out_dir)
        summary["exit_code"] = EXIT_CODES[result.status]
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    report_result(result)
    return EXIT_CODES[result.status]


def build_reports(args: argparse.Namespace):
    """Run one batch from parsed ``reports`` options; the ``BatchResult``.

    Also what each batch of ``zzforecast runs`` goes through.
    """
    from pathlib import Path

    from ..batch.cluster_reports import run_batch
    from ..exceptions import UserError

    out = Path(args.out)
    for folder in (out, *out.parents):  # fail before simulating, not deep in the batch
        if folder.exists() and not folder.is_dir():
            raise UserError(f"--out {args.out}: {folder} is a file, not a folder; "
                            "pass --out DIR")
    return run_batch(
        year=args.year, as_of=args.as_of, scenario=args.scenario, clusters=args.clusters,
        workers=args.workers, scheduler=args.scheduler, out_dir=args.out, pdf=args.pdf,
        lang=args.lang, n_paths=args.n_paths, seed=args.seed, timeout=args.timeout,
        data_dir=args.data, params_dir=args.params, progress=not args.no_progress,
    )


def report_result(result) -> None:
    """What the batch did, on stderr: counts, each failure, and where to look."""
    run_info = result.run
    n_ok, n_failed = run_info.get("n_ok", 0), run_info.get("n_failed", 0)
    print(f"reports: {n_ok} built, {n_failed} failed in {run_info.get('seconds')} s -> "
          f"{result.out_dir}", file=sys.stderr)
    for fail in run_info.get("failed", []):
        cell = fail.get("cell_index")
        where = f" (cell {cell})" if cell is not None else ""
        print(f"failed: {fail['name']}: {fail.get('ename')}: {fail.get('evalue')}{where}",
              file=sys.stderr)
    if result.status == "failed":
        print(f"nothing was built; the previous reports were kept. See {result.out_dir}/run.json",
              file=sys.stderr)
    elif result.status == "partial":
        print(f"the batch finished in part; see {result.out_dir}/run.json", file=sys.stderr)
    elif result.installed:
        print(f"open {result.out_dir / 'index.html'}", file=sys.stderr)
