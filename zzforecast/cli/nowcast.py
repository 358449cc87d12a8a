"""``zzforecast nowcast``: full-year growth from monthly year-to-date data."""

from __future__ import annotations

import math
import sys

from . import arguments

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "nowcast",
        help="nowcast full-year growth from year-to-date data, with threshold probabilities",
        description=(
            "Nowcast each series' full-year growth from monthly cumulative (1-m月累计) data: "
            "a long CSV with unique_id, ds (YYYY-MM; February stands for January-February), "
            "cum_value (cumulative level) and cum_growth (published cumulative growth as a "
            "fraction). Only rows up to --as-of are used. Prints the mean, intervals, the "
            "probability of reaching each threshold and the growth the remaining months "
            "must deliver."),
    )
    parser.add_argument("--file", required=True,
                        help="long CSV/Parquet: unique_id, ds, cum_value, cum_growth")
    parser.add_argument("--as-of", required=True, metavar="YYYY-MM", help="data vintage")
    parser.add_argument("--threshold", type=float, nargs="*", default=[],
                        help="growth thresholds as fractions, e.g. 0.13")
    parser.add_argument("--level", type=float, nargs="+", default=[80, 95],
                        help="interval levels in percent (default: 80 95)")
    parser.add_argument("--n-paths", type=arguments.n_paths, default=10000,
                        help="Monte-Carlo draws per series (default: 10000)")
    arguments.add_seed(parser)
    arguments.add_format(parser, "output format on stdout (default: csv)", ("csv", "json"))
    parser.set_defaults(handler=run)


def run(args) -> int:
    from ..estimate.annual.frames import read_long_table, with_file
    from ..estimate.nowcast import nowcast
    from ..exceptions import DataError, UserError

    arguments.refuse_january(args.as_of)
    for t in args.threshold:
        if not math.isfinite(t):
            raise UserError(f"--threshold {t} is not a number; give growth as a fraction "
                            "(0.13 for 13%)")
        if abs(t) >= 1.0:
            raise UserError(f"--threshold {t:g} looks like percent; give growth as a "
                            "fraction (0.13 for 13%)")
    df = read_long_table(args.file, ("cum_value", "cum_growth"), dates="month",
                         allow_missing=("cum_value", "cum_growth"))
    try:
        out = nowcast(df, args.as_of, level=tuple(args.level), thresholds=args.threshold,
                      n_paths=args.n_paths, seed=args.seed)
    except DataError as exc:
        raise with_file(exc, args.file) from None
    if args.format == "json":
        out.to_json(sys.stdout, orient="records", force_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        out.to_csv(sys.stdout, index=False)
    return 0
