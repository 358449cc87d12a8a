"""Real-time calibration of the engine and the nowcast on the real national series.

Data: National Bureau of Statistics of China via AFAN-LIFE/macropage (CC-BY-4.0), read from
../shared/data: national FAI (total, secondary industry, private; monthly year-to-date
growth 1992/2005-2017-07) and real-estate development investment (1992-2017-07).

For each series alone and for the four pooled (tails and spreads estimated across them in
real time), target years 2004-2016 and as-of months February-November, ``backtest --dataset
ytd`` scores the engine and the nowcast against carry-forward and climatology; then the
stress run injects a 2020/2021-like shock pair at 2013 and scores 2013-2016.

    .venv/bin/python benchmarks/ytd_calibration.py [--data PATH] [--n-paths 2000]

Writes benchmarks/results/ytd_calibration.json and prints the tables of docs/models.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _row(name, r):
    out = {"series": name, "cases": r["cases"]}
    for m in ("engine", "nowcast", "carry_forward", "climatology"):
        out[m] = {k: r[m][k] for k in ("coverage_80", "coverage_95", "brier", "mae_points")}
        out[m]["min_month_coverage_80"] = (None if r[m]["coverage_80"] is None else
                                           min(b["coverage_80"] for b in r[m]["by_month"]))
        out[m]["months_beating_carry"] = sum(
            b["brier"] < c["brier"] for b, c in zip(r[m]["by_month"], r["carry_forward"]["by_month"],
                                                    strict=True))
        out[m]["bad_bins"] = [b for b in r[m]["reliability"]
                              if b["n"] >= 20 and abs(b["mean_p"] - b["observed"]) > 0.10]
    return out


def print_tables(rows, stress, shock_year) -> None:
    """The tables of docs/models.md: one row per series and method, then the stress run."""
    def pct(v):
        return "     -" if v is None else f"{100 * v:6.1f}"

    print(f"{'series':<18}{'method':<14}{'cov80':>7}{'cov95':>7}{'min80':>7}{'Brier':>8}"
          f"{'MAE':>6}{'beats carry':>12}{'bad bins':>9}")
    for row in rows:
        for m in ("engine", "nowcast", "carry_forward", "climatology"):
            r = row[m]
            print(f"{row['series']:<18}{m:<14}{pct(r['coverage_80'])} {pct(r['coverage_95'])} "
                  f"{pct(r['min_month_coverage_80'])}{r['brier']:8.4f}{r['mae_points']:6.2f}"
                  f"{r['months_beating_carry']:>8}/10{len(r['bad_bins']):>9}")
    print(f"\nstress (shock pair at {shock_year}): 80% coverage and centres outside the "
          "year's range +-10 points, by year")
    for s in stress:
        cells = [f"{y['year']}: eng {100 * y['engine']['coverage_80']:.0f}% "
                 f"({y['engine']['centres_outside_range']}) now "
                 f"{100 * y['nowcast']['coverage_80']:.0f}% ({y['nowcast']['centres_outside_range']})"
                 for y in s["by_year"]]
        print(f"  {s['series']:<18}" + "; ".join(cells))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None)
    parser.add_argument("--n-paths", type=int, default=2000)
    parser.add_argument("--store", action="store_true",
                        help="also write the pooled figures to zzforecast/estimate/"
                             "ytd_evaluation.json, the evidence every report's methodology cites")
    args = parser.parse_args(argv)

    from zzforecast.data.public import load_real_ytd_series
    from zzforecast.evaluate.ytd_backtest import ytd_backtest

    df = load_real_ytd_series(args.data)
    rows, stress = [], []
    started = time.perf_counter()
    for name in ["pooled", *sorted(df["unique_id"].unique())]:
        part = df if name == "pooled" else df[df["unique_id"] == name]
        r = ytd_backtest(part, 2004, 2016, n_paths=args.n_paths, source=name)
        rows.append(_row(name, r))
        s = ytd_backtest(part, 2004, 2016, stress=True, n_paths=args.n_paths, source=name)
        stress.append({"series": name, "by_year": s["stress"]["by_year"]})
        print(f"{name}: done ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    print_tables(rows, stress, shock_year=2013)
    from zzforecast.estimate import YearToDateModel

    pooled_fit = YearToDateModel().fit(df, before=2017)
    print(f"\npooled tail fit on complete years before 2017 (the model's defaults): "
          f"t({pooled_fit.tail_df_:.2f}) x {pooled_fit.inflation_:.3f} from "
          f"{pooled_fit.n_tail_errors_} out-of-sample errors")
    out = ROOT / "benchmarks" / "results" / "ytd_calibration.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"data": "NBS via AFAN-LIFE/macropage (CC-BY-4.0)",
                               "years": [2004, 2016], "n_paths": args.n_paths,
                               "seconds": round(time.perf_counter() - started, 1),
                               "series": rows, "stress": stress}, indent=1), encoding="utf-8")
    print(f"written {out}", file=sys.stderr)
    if args.store:
        pooled = next(r for r in rows if r["series"] == "pooled")
        shock = next(s for s in stress if s["series"] == "pooled")
        evidence = {
            "source": "NBS national FAI (total, secondary industry, private) and real-estate "
                      "investment, monthly year-to-date, via AFAN-LIFE/macropage (CC-BY-4.0)",
            "produced_by": "benchmarks/ytd_calibration.py (zzforecast backtest --dataset ytd)",
            "model": "YearToDateModel() defaults", "target_years": [2004, 2016],
            "as_of_months": [2, 11], "cases": pooled["cases"],
            **{m: pooled[m] for m in ("engine", "nowcast", "carry_forward", "climatology")},
            "stress": {"shock_year": 2013, "by_year": [
                {"year": y["year"], "engine_coverage_80": y["engine"]["coverage_80"],
                 "centres_outside_range": y["engine"]["centres_outside_range"]}
                for y in shock["by_year"]]}}
        store = ROOT / "zzforecast" / "estimate" / "ytd_evaluation.json"
        store.write_text(json.dumps(evidence, indent=1, ensure_ascii=False), encoding="utf-8")
        print(f"written {store}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
