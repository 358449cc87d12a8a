"""``zzforecast backtest``: accuracy and calibration against reference models, same run."""

from __future__ import annotations

import json
import sys

from . import arguments

__all__ = ["add_parser", "run"]

DATASETS = ("m3-yearly", "ytd", "province-fai-pooling")


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "backtest",
        help="score zzforecast and reference models on held-out data (M3 yearly, a file, "
             "or the national FAI nowcast)",
        description=(
            "Hold out the last h points of every series and score zzforecast beside the "
            "reference models naive, autoets, autotheta and sf_ensemble (statsforecast, "
            "fitted in the same run): sMAPE, MASE, coverage of 80%% and 95%% intervals, "
            "MSIS and seconds. --dataset ytd scores the attainability engine and the "
            "nowcast in real time on year-to-date data (--file F: a long CSV/Parquet "
            "unique_id, ds, cum_growth, optional cum_value; or an NBS extract with a month "
            "column and <name>_cum_yoy_pct columns; default: the real national series in "
            "../shared/data) against carry-forward and climatology; "
            "--dataset province-fai-pooling compares forecasts with and without pooling "
            "on short windows of the real provincial FAI panel (NBS)."),
    )
    parser.add_argument("--dataset", choices=DATASETS, default=None,
                        help="a built-in dataset (without it, --file is a forecast backtest)")
    parser.add_argument("--file", action="append", default=None,
                        help="long CSV/Parquet: unique_id, ds, y (forecast backtest) or, with "
                             "--dataset ytd, year-to-date data; repeat to pool several files")
    parser.add_argument("--first-year", type=arguments.year, default=None,
                        help="ytd: first target year (default: the 7th complete year)")
    parser.add_argument("--last-year", type=arguments.year, default=None,
                        help="ytd: last target year (default: the last complete year)")
    parser.add_argument("--stress", action="store_true",
                        help="ytd: inject a 2020/2021-like shock pair and score the years after it")
    parser.add_argument("--n-paths", type=arguments.positive_int, default=2000,
                        help="ytd: engine paths per forecast (default: 2000)")
    parser.add_argument("--h", type=arguments.positive_int, default=None,
                        help="horizon (default: 6 for m3-yearly; required with --file)")
    parser.add_argument("--models", nargs="+", default=None,
                        help="subset of: zzforecast naive autoets autotheta sf_ensemble")
    parser.add_argument("--data", default=None, metavar="PATH",
                        help="folder or file of the real public series (national FAI or "
                             "provincial panel; default: ../shared/data beside the repository)")
    arguments.add_seed(parser)
    arguments.add_n_jobs(parser)
    arguments.add_format(parser)
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
        from ..evaluate.pooling_backtest import pooling_backtest

        return _emit(pooling_backtest(args.data, h=args.h or 3), args.format, _pooling_table)
    if args.dataset == "ytd":
        return _run_ytd(args)
    if args.dataset is None and not args.file:
        raise UserError("give --dataset or --file")
    if args.file and len(args.file) > 1:
        raise UserError("a forecast backtest takes one --file")

    from ..estimate.annual.frames import read_long_table, with_file
    from ..evaluate.backtest import REFERENCE_MODELS, backtest, load_m3_yearly, split_holdout
    from ..exceptions import DataError

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
            train, test = split_holdout(read_long_table(args.file[0], ("y",)), h)
        except DataError as exc:
            raise with_file(exc, args.file[0]) from None
        name = args.file[0]
    result = backtest(train, test, h, dataset=name, models=models, seed=args.seed,
                      n_jobs=args.n_jobs, progress=_progress)
    return _emit(result, args.format, format_table)


def _pooling_table(result: dict) -> str:
    return "\n".join(
        f"{label:<9} sMAPE {m['smape']:6.2f}  MASE {m['mase']:.3f}  "
        f"cov80 {100 * m['coverage_80']:.1f}  cov95 {100 * m['coverage_95']:.1f}"
        f"  MSIS95 {m['msis_95']:.2f}"
        for label, m in ((lb, result["overall"][lb]) for lb in ("pooled", "unpooled")))


def _emit(result: dict, fmt: str, as_text) -> int:
    """JSON alone on stdout, or the readable tables."""
    if fmt == "json":
        json.dump(result, sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(as_text(result))
    return 0


def _run_ytd(args) -> int:
    """``backtest --dataset ytd``: the engine and the nowcast in real time."""
    import pandas as pd

    from ..data.public import load_real_ytd_series, load_ytd_extract
    from ..data.tables import read_table
    from ..estimate.annual.frames import read_long_table, with_file
    from ..evaluate.ytd_backtest import format_ytd_tables, ytd_backtest
    from ..exceptions import DataError

    if args.file:
        frames = []
        for path in args.file:
            try:
                columns = [str(c) for c in read_table(path).columns]
                if "month" in columns and any(c.endswith("_cum_yoy_pct") for c in columns):
                    frames.append(load_ytd_extract(path))
                else:
                    values = ("cum_growth", "cum_value") if "cum_value" in columns else ("cum_growth",)
                    frames.append(read_long_table(path, values, dates="month",
                                                  allow_missing=values))
            except DataError as exc:
                raise with_file(exc, path) from None
        df = pd.concat(frames, ignore_index=True)
        source = ", ".join(args.file)
    else:
        df = load_real_ytd_series(args.data)
        source = "NBS national series via AFAN-LIFE/macropage (CC-BY-4.0), ../shared/data"
    _progress(f"ytd backtest on {df['unique_id'].nunique()} series ...")
    result = ytd_backtest(df, args.first_year, args.last_year, stress=args.stress,
                          n_paths=args.n_paths, seed=args.seed, source=source)
    result["dataset"] = "ytd"
    return _emit(result, args.format, format_ytd_tables)
