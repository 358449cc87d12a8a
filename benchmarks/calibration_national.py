"""Calibration of the attainability engine on the real national FAI series.

Data: National Bureau of Statistics of China, fixed-asset investment, monthly cumulative
year-to-date, 1981 to July 2017, via AFAN-LIFE/macropage (CC-BY-4.0), read from
../shared/data (``zzforecast.data.public.load_national_fai_monthly``).

The national series is fed to the engine of ``zzforecast.simulate`` as one "cluster" with
one indicator. For each target year Y (2004-2016) and as-of month m (Feb..Nov) the engine
sees only what was published by then (this year's months through m, past years in full)
and gives P(full-year growth >= t) for thresholds t around the year-to-date growth g
(g - 2, g - 1, g + 1, g + 2 points) and at last year's growth. Against what happened:

- Brier score of the engine, of the rule "the latest year-to-date growth carries to year
  end" (probability 1 if g >= t else 0) and, when the models engineer's ``nowcast`` is
  present, of its threshold probabilities;
- reliability: observed frequency by bin of the engine's probabilities;
- coverage of the engine's central 80% interval for full-year growth.

Before about 2004 the December figures of this file do not match the monthly releases'
scope (full-year growth differs from the January-November growth by up to 28 points, e.g.
1995), so by default those years only enter as (winsorised) history, not as evaluated
outcomes. ``--first-year 1996 --last-year 2003`` scores them anyway, outcomes as published:
those years, before the 2004-2016 test years, are where a time-decayed spread of the
engine's surprises was evaluated and not adopted (docs/attainability.md, "Measured").

    .venv/bin/python benchmarks/calibration_national.py [--data PATH] [--n-paths 4000]
        [--first-year 2004] [--last-year 2016]

Writes benchmarks/results/calibration_national.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

OFFSETS = (-0.02, -0.01, 0.01, 0.02)


def _observations(nat: pd.DataFrame) -> pd.DataFrame:
    """The national series in the observations shape, as one cluster 'china'."""
    rows = []
    for r in nat.itertuples(index=False):
        y, m = r.ds.year, r.ds.month
        period = f"{y}-{m:02d}"
        if np.isfinite(r.cum_value) and "annual_only" not in (r.flags or ""):
            rows.append(("china", "fai", "level", "monthly_ytd", period, r.cum_value))
        if np.isfinite(r.cum_growth) and "annual_only" not in (r.flags or ""):
            rows.append(("china", "fai", "growth", "monthly_ytd", period, r.cum_growth))
        if m == 12:
            if np.isfinite(r.cum_value):
                rows.append(("china", "fai", "level", "annual", str(y), r.cum_value))
            if np.isfinite(r.cum_growth):
                rows.append(("china", "fai", "growth", "annual", str(y), r.cum_growth))
    return pd.DataFrame(rows, columns=["cluster_id", "indicator", "measure", "frequency",
                                       "period", "value"])


def evaluate(nat: pd.DataFrame, years: range, n_paths: int = 4000, seed: int = 0, *,
             with_nowcast: bool = True) -> pd.DataFrame:
    """One row per (target year, as-of month, threshold): probabilities, outcome, interval.

    Parameters
    ----------
    nat : pandas.DataFrame
        The national series (``load_national_fai_monthly``).
    years : range
        Target years; each is forecast from what was published by each as-of month.
    n_paths, seed : int
        Simulated paths per forecast and the base of the per-forecast seed.
    with_nowcast : bool
        Also score the models engineer's ``nowcast`` when it is importable.
    """
    from zzforecast.simulate import prepare_inputs, simulate_arrays

    nowcast = None
    if with_nowcast:
        try:
            from zzforecast.nowcast import nowcast
        except ImportError:  # the models engineer's nowcast is optional here
            nowcast = None
    obs = _observations(nat)
    clusters = pd.DataFrame({"cluster_id": ["china"], "level": ["provincial"]})
    annual = {int(p): v for p, v in obs[(obs.frequency == "annual") & (obs.measure == "growth")]
              [["period", "value"]].itertuples(index=False)}
    nat_df = nat[["unique_id", "ds", "cum_value", "cum_growth"]]
    records = []
    for year in years:
        for month in range(2, 12):
            inp = prepare_inputs(clusters, obs, year, f"{year}-{month:02d}", indicators=("fai",))
            if inp.ytd_month[0, 0] < 2:
                continue
            paths = simulate_arrays(inp, n_paths=n_paths, seed=seed + year * 100 + month,
                                    keep_monthly=False)
            G = paths["growth"][:, 0, 0].astype(float)
            g = float(inp.ytd_growth[0, 0])
            outcome = annual[year]
            thresholds = [round(g + d, 4) for d in OFFSETS] + [round(annual[year - 1], 4)]
            p_now = {}
            if nowcast is not None:
                as_of = pd.Timestamp(year=year, month=month, day=1) + pd.offsets.MonthEnd(0)
                hist = nat_df[nat_df.ds.dt.year <= year]
                nc = nowcast(hist, as_of, thresholds=tuple(thresholds), n_paths=n_paths,
                             seed=seed)
                row = nc.iloc[0]
                for t in thresholds:
                    col = [c for c in nc.columns if c.startswith("p_ge_")
                           and abs(float(c[5:]) - t) < 1e-9]
                    if col:
                        p_now[t] = float(row[col[0]])
            lo, hi = np.quantile(G, [0.1, 0.9])
            for t in thresholds:
                records.append({
                    "year": year, "month": month, "threshold": t, "ytd_growth": g,
                    "outcome": outcome, "hit": float(outcome >= t - 1e-12),
                    "p_engine": float(np.mean(G >= t)), "p_carry": float(g >= t),
                    "p_nowcast": p_now.get(t, np.nan),
                    "in_80": float(lo <= outcome <= hi), "width_80": float(hi - lo),
                })
    return pd.DataFrame(records)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="CSV or folder (default ../shared/data)")
    parser.add_argument("--n-paths", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--first-year", type=int, default=2004)
    parser.add_argument("--last-year", type=int, default=None,
                        help="last target year (default: the last complete year)")
    args = parser.parse_args(argv)

    from zzforecast.data.public import load_national_fai_monthly

    nat = load_national_fai_monthly(args.data)
    complete = nat.loc[nat.ds.dt.month == 12, "ds"].dt.year
    last_year = int(complete.max()) if args.last_year is None else args.last_year
    df = evaluate(nat, range(args.first_year, last_year + 1), args.n_paths, args.seed)
    brier = lambda p: float(np.mean((df.loc[p.index, "hit"] - p) ** 2))  # noqa: E731
    by_month = []
    for month, part in df.groupby("month"):
        first = part.drop_duplicates(["year", "month"])
        row = {"as_of_month": int(month), "n": int(len(part)),
               "brier_engine": round(float(np.mean((part.hit - part.p_engine) ** 2)), 4),
               "brier_carry": round(float(np.mean((part.hit - part.p_carry) ** 2)), 4),
               "coverage_80": round(float(first.in_80.mean()), 3),
               "width_80_points": round(100 * float(first.width_80.mean()), 2)}
        if part.p_nowcast.notna().any():
            ok = part.p_nowcast.notna()
            row["brier_nowcast"] = round(float(np.mean((part.hit[ok] - part.p_nowcast[ok]) ** 2)), 4)
        by_month.append(row)
    bins = np.array([0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0001])
    reliability = []
    which = np.digitize(df.p_engine, bins) - 1
    for b in range(len(bins) - 1):
        part = df[which == b]
        if len(part):
            reliability.append({"bin": f"[{bins[b]:.1f}, {min(bins[b + 1], 1):.1f})",
                                "n": int(len(part)),
                                "mean_p": round(float(part.p_engine.mean()), 3),
                                "observed": round(float(part.hit.mean()), 3)})
    overall = {"n": int(len(df)), "brier_engine": round(brier(df.p_engine), 4),
               "brier_carry": round(brier(df.p_carry), 4),
               "coverage_80": round(float(df.drop_duplicates(["year", "month"]).in_80.mean()), 3)}
    if df.p_nowcast.notna().any():
        ok = df.p_nowcast.notna()
        overall["brier_nowcast"] = round(float(np.mean((df.hit[ok] - df.p_nowcast[ok]) ** 2)), 4)
    result = {"data": "NBS national FAI via AFAN-LIFE/macropage (CC-BY-4.0)",
              "years": [args.first_year, last_year], "n_paths": args.n_paths,
              "thresholds": "ytd growth -2,-1,+1,+2 points and last year's growth",
              "overall": overall, "by_month": by_month, "reliability": reliability}
    print(pd.DataFrame(by_month).to_string(index=False))
    print()
    print(pd.DataFrame(reliability).to_string(index=False))
    print()
    print(json.dumps(overall))
    out = ROOT / "benchmarks" / "results" / "calibration_national.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(f"written {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
