"""``zzforecast backtest``: accuracy and calibration against reference models, same run."""

from __future__ import annotations

import json
import sys

from . import arguments

__all__ = ["add_parser", "run"]

DATASETS = ("m3-yearly", "national-fai-nowcast", "province-fai-pooling")


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "backtest",
        help="score zzforecast and reference models on held-out data (M3 yearly, a file, "
             "or the national FAI nowcast)",
        description=(
            "Hold out the last h points of every series and score zzforecast beside the "
            "reference models naive, autoets, autotheta and sf_ensemble (statsforecast, "
            "fitted in the same run): sMAPE, MASE, coverage of 80%% and 95%% intervals, "
            "MSIS and seconds. --dataset national-fai-nowcast runs the rolling-origin "
            "nowcast backtest on the real national FAI series (NBS) in ../shared/data; "
            "--dataset province-fai-pooling compares forecasts with and without pooling "
            "on short windows of the real provincial FAI panel (NBS)."),
    )
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument("--dataset", choices=DATASETS, help="a built-in dataset")
    src.add_argument("--file", help="long CSV/Parquet: unique_id, ds, y")
    parser.add_argument("--h", type=arguments.positive_int, default=None,
                        help="horizon (default: 6 for m3-yearly; required with --file)")
    parser.add_argument("--models", nargs="+", default=None,
                        help="subset of: zzforecast naive autoets autotheta sf_ensemble")
    parser.add_argument("--data", default=None, metavar="PATH",
                        help="folder or file of the real public series (national FAI or "
                             "provincial panel; default: ../shared/data beside the repository)")
    parser.add_argument("--seed", type=arguments.seed, default=0, help="random seed (default: 0)")
    parser.add_argument("--n-jobs", type=arguments.positive_int, default=1, help="worker processes (default: 1)")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="output format (json goes to stdout alone)")
    parser.set_defaults(handler=run)


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def format_table(result: dict) -> str:
    """A plain-text table of a forecast backtest result."""
    lines = [f"{result['dataset']}: {result['n_series']} series, h={result['h']}, "
             f"n_jobs={result['n_jobs']}",
             f"{'model':<12} {'sMAPE':>7} {'MASE':>7} {'cov80':>6} {'cov95':>6} "
             f"{'MSIS95':>8} {'seconds':>8}"]
    for name, m in result["models"].items():
        lines.append(f"{name:<12} {m['smape']:7.2f} {m['mase']:7.3f} "
                     f"{100 * m['coverage_80']:6.1f} {100 * m['coverage_95']:6.1f} "
                     f"{m['msis_95']:8.2f} {m['seconds']:8.2f}")
    return "\n".join(lines)


def run(args) -> int:
    from ..exceptions import UserError

    if args.dataset == "province-fai-pooling":
        from ..models.pooling_backtest import pooling_backtest

        result = pooling_backtest(args.data, h=args.h or 3)
        if args.format == "json":
            json.dump(result, sys.stdout, indent=1, ensure_ascii=False)
            sys.stdout.write("\n")
        else:
            for label in ("pooled", "unpooled"):
                m = result["overall"][label]
                print(f"{label:<9} sMAPE {m['smape']:6.2f}  MASE {m['mase']:.3f}  "
                      f"cov80 {100 * m['coverage_80']:.1f}  cov95 {100 * m['coverage_95']:.1f}"
                      f"  MSIS95 {m['msis_95']:.2f}")
        return 0
    if args.dataset == "national-fai-nowcast":
        from ..models.nowcast_backtest import format_nowcast_tables, nowcast_backtest

        result = nowcast_backtest(args.data, seed=args.seed)
        if args.format == "json":
            json.dump(result, sys.stdout, indent=1, ensure_ascii=False)
            sys.stdout.write("\n")
        else:
            print(format_nowcast_tables(result))
        return 0

    from ..exceptions import DataError
    from ..models.backtest import REFERENCE_MODELS, backtest, load_m3_yearly, split_holdout
    from ..models.frames import read_long_table, with_file

    models = tuple(args.models) if args.models else ("zzforecast", *REFERENCE_MODELS)
    if args.dataset == "m3-yearly":
        h = args.h or 6
        if h != 6:
            raise UserError("M3 yearly holds out 6 years; --h must be 6 (or omitted)")
        train, test = load_m3_yearly()
        name = "m3-yearly"
    else:
        if args.h is None or args.h < 1:
            raise UserError("--file needs --h, a positive horizon")
        h = args.h
        try:
            train, test = split_holdout(read_long_table(args.file, ("y",)), h)
        except DataError as exc:
            raise with_file(exc, args.file) from None
        name = args.file
    result = backtest(train, test, h, dataset=name, models=models, seed=args.seed,
                      n_jobs=args.n_jobs, progress=_progress)
    if args.format == "json":
        json.dump(result, sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(format_table(result))
    return 0
