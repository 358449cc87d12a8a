"""``zzforecast attain``: the probability that each target of the plan is reached.

Runs the joint simulation once (as of a data vintage, under a scenario), assesses every
target the data can speak to, and prints a Chinese (default) or English table, or the
JSON document of DESIGN.md section 4 (identical on a rerun with the same seed).
"""

from __future__ import annotations

import argparse
import json
import sys

from . import arguments

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "attain",
        help="probability that each plan target is reached (joint simulation)",
        description=(
            "Simulate every cluster jointly as of a data vintage under a scenario, then "
            "report for each target the probability of reaching it (and within the "
            "tolerance where the plan says 左右), the growth the rest of the year must "
            "deliver, the outcome's quantiles, the main drivers of the city's gap and "
            "the star-rating outlook. Text in Chinese by default; --format json for data."),
    )
    parser.add_argument("--year", type=arguments.year, default=None,
                        help="plan year, whose params/plans/<year>/ is assessed (default: the "
                             "year of --as-of when it has a plan, else the latest plan present)")
    parser.add_argument("--as-of", required=True, metavar="YYYY-MM",
                        help="data vintage: use data published through this month (e.g. 2017-07)")
    arguments.add_simulation(parser, 10_000, "number of joint paths (default 10000)")
    parser.add_argument("--clusters", default=None, metavar="ID,...",
                        help="restrict to these cluster ids (comma-separated; totals then "
                             "cover only them)")
    parser.add_argument("--tolerance", type=arguments.tolerance, default=0.005,
                        help="tolerance of '左右' targets without one in the registry "
                             "(fraction, default 0.005 = 0.5 point)")
    arguments.add_lang(parser, "text language")
    arguments.add_format(parser)
    arguments.add_folders(parser)
    parser.add_argument("--save", default=None, metavar="PATH.npz",
                        help="also save the joint simulation (for notebooks and reports)")
    parser.add_argument("--force", action="store_true",
                        help="allow --save to overwrite an existing file")
    parser.set_defaults(handler=run)


def _check_save_target(args: argparse.Namespace) -> None:
    from pathlib import Path

    from ..data.writing import check_writable_target

    path = Path(args.save)
    if path.suffix != ".npz":  # Simulation.save adds the suffix
        path = path.with_name(path.name + ".npz")
    inputs = [p for folder in (args.data, args.params) if Path(folder).is_dir()
              for p in Path(folder).rglob("*") if p.is_file()]
    for target in (path, Path(str(path) + ".json")):
        check_writable_target(target, force=args.force, inputs=inputs)


def _check_paths_fit(args: argparse.Namespace, bundle, clusters) -> None:
    """--n-paths that would not fit in memory: exit 2 now, with the largest that fits."""
    from ..memory import check_memory, max_paths, simulation_bytes

    n_series = (len(clusters) if clusters else len(bundle.clusters)) * 4  # 4 indicators
    most = max_paths(n_series, monthly=bool(args.save))
    check_memory(simulation_bytes(args.n_paths, n_series, monthly=bool(args.save)),
                 f"--n-paths {args.n_paths:,}",
                 f"use --n-paths {most:,} or fewer" if most else "")


def run(args: argparse.Namespace) -> int:
    from ..assess.result import assess_plan
    from ..data.asof import parse_as_of
    from ..data.bundle import load_bundle
    from ..data.vintages import published_bundle
    from ..exceptions import UserError
    from ..simulate.engine import simulate

    arguments.refuse_january(args.as_of)
    as_year, _ = parse_as_of(args.as_of)
    if args.year is None:
        from ..data.plan import plan_years

        years = plan_years(args.params)
        args.year = as_year if as_year in years or not years else years[-1]
    if as_year != args.year:
        raise UserError(f"--as-of {args.as_of} is not in --year {args.year}; "
                        f"use a month of {args.year} (e.g. {args.year}-07)")
    clusters = None
    if args.clusters is not None:
        clusters = [c.strip() for c in args.clusters.split(",") if c.strip()]
        if not clusters:
            raise UserError("--clusters is empty; give cluster ids separated by commas")
    if args.save:  # refused now, not after simulating; never over an input or silently
        _check_save_target(args)
    bundle = load_bundle(args.data, args.params, args.year)
    # everything below sees only what was published by the as-of (data/vintages.py)
    bundle = published_bundle(bundle, args.as_of)
    _check_paths_fit(args, bundle, clusters)
    sim = simulate(bundle, args.year, args.as_of, args.scenario, n_paths=args.n_paths,
                   seed=args.seed, clusters=clusters, keep_monthly=bool(args.save))
    if args.save:
        path = sim.save(args.save)
        print(f"simulation saved to {path}", file=sys.stderr)
    result = assess_plan(sim, bundle, tolerance=args.tolerance, clusters=clusters)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.format == "json":
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2, sort_keys=False))
    else:
        print(result.to_text(args.lang))
    return 0
