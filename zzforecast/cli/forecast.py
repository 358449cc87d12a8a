"""``zzforecast forecast``: point forecasts and calibrated intervals for a long CSV file."""

from __future__ import annotations

import sys

from . import arguments

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "forecast",
        help="forecast every series of a long file (unique_id, ds, y) with calibrated intervals",
        description=(
            "Forecast every series of a long CSV or Parquet file with columns unique_id, ds "
            "(integer years or dates) and y. The automatic model combines fast base "
            "forecasters chosen by rolling-origin validation inside the data and calibrates "
            "the intervals from those validation errors."),
    )
    parser.add_argument("--file", required=True, help="long CSV/Parquet: unique_id, ds, y")
    parser.add_argument("--h", type=arguments.positive_int, required=True, help="horizon (steps ahead)")
    parser.add_argument("--level", type=float, nargs="+", default=[80, 95],
                        help="interval levels in percent (default: 80 95)")
    parser.add_argument("--model", default="auto",
                        help="auto (default) or one base forecaster: naive, drift, "
                             "robust_trend, log_trend, arima110, theta, dotm, ets, ets_log")
    arguments.add_seed(parser)
    arguments.add_n_jobs(parser)
    arguments.add_format(parser, "output format on stdout (default: csv)", ("csv", "json"))
    parser.set_defaults(handler=run)


def run(args) -> int:
    from ..estimate.annual import MODELS, forecast
    from ..estimate.annual.frames import read_long_table, with_file
    from ..exceptions import DataError, UserError

    if args.h < 1:
        raise UserError(f"--h must be a positive integer, got {args.h}")
    if args.model not in MODELS:
        raise UserError(f"--model {args.model!r} is unknown; expected one of "
                        f"{', '.join(MODELS)}")
    _check_ds_kinds(args.file)
    df = read_long_table(args.file, ("y",))
    _check_magnitude(df, args.file)
    from ..memory import check_memory, forecast_bytes

    n_series = int(df["unique_id"].nunique()) if "unique_id" in df.columns else 1
    check_memory(forecast_bytes(args.h, n_series, len(args.level)), f"--h {args.h:,}",
                 "forecast fewer steps ahead")
    try:
        out = forecast(df, args.h, level=tuple(args.level), model=args.model, seed=args.seed,
                       n_jobs=args.n_jobs)
    except DataError as exc:
        raise with_file(exc, args.file) from None
    _check_finite(out, args.file)
    if args.format == "json":
        out["ds"] = out["ds"].astype(str)
        out.to_json(sys.stdout, orient="records", force_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        out.to_csv(sys.stdout, index=False)
    return 0


# Values beyond this overflow the squares and products inside the models (1e308 returns
# inf); no economic series comes near it.
MAX_ABS_Y = 1e100


def _check_magnitude(df, file: str) -> None:
    import numpy as np
    import pandas as pd

    from ..exceptions import DataError, Problem

    if "y" not in df.columns:
        return
    y = pd.to_numeric(df["y"], errors="coerce").to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        bad = np.flatnonzero(np.abs(y) > MAX_ABS_Y)
    if len(bad):
        ids = df["unique_id"].astype(str).to_numpy() if "unique_id" in df.columns else None
        raise DataError([Problem(
            str(file), None, "y", (f"series '{ids[i]}': " if ids is not None else "")
            + f"value {y[i]:g} is too large to forecast (at most {MAX_ABS_Y:g})")
            for i in bad[:20]])


def _check_finite(out, file: str) -> None:
    """Never print inf or NaN as a forecast: name the series instead."""
    import numpy as np

    from ..exceptions import DataError, Problem

    numeric = out.select_dtypes("number").drop(columns=["ds"], errors="ignore")
    bad = ~np.isfinite(numeric.to_numpy(dtype=float)).all(axis=1)
    if bad.any():
        ids = sorted(set(out.loc[bad, "unique_id"].astype(str)))
        raise DataError([Problem(str(file), None, "y", (
            f"series '{uid}': the forecast overflows (values too large or too volatile "
            "to forecast in floating point)")) for uid in ids])


def _check_ds_kinds(file: str) -> None:
    """``ds`` is integer years or dates in one file, never both (2016 next to 2016-12-31)."""
    from pathlib import Path

    from ..data.tables import CSV_SUFFIXES, read_table
    from ..exceptions import DataError, Problem

    if Path(file).suffix.lower() not in CSV_SUFFIXES:
        return
    raw = read_table(file)
    if "ds" not in raw.columns:
        return
    text = raw["ds"].astype(str).str.strip()
    years = text.str.fullmatch(r"[+-]?\d{1,4}").to_numpy()
    if years.any() and not years.all():
        minority = years if years.sum() <= (~years).sum() else ~years
        kind = "a year" if minority is years else "a date"
        other = "dates" if minority is years else "integer years"
        rows = raw.index[minority][:10]
        raise DataError([Problem(str(file), int(row), "ds", (
            f"{text[row]!r} is {kind} while the other rows hold {other}; a file holds "
            "integer years (annual data) or dates, not both")) for row in rows])
