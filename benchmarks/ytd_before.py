"""Before figures: the engine and the nowcast of commit 9fef56e on the year-to-date backtest.

Scores the attainability engine (``zzforecast.sim_inputs.prepare_inputs`` +
``zzforecast.simulate.simulate_arrays``) and the nowcast (``zzforecast.nowcast.nowcast``)
as they were at 9fef56e on exactly the cases of ``benchmarks/ytd_calibration.py`` (the
harness ``zzforecast.evaluate.ytd_backtest``): the four real national series of
``load_real_ytd_series`` (NBS via AFAN-LIFE/macropage, CC-BY-4.0), target years
2004-2016, as-of months February-November, thresholds the year-to-date growth g, last
year's full-year growth and g +-1, +-2 points, years with a scope break not scored, and
the stress run with the shock pair injected at 2013 (2013-2016 scored by year).

Mirrors the new harness by using its own pieces: the data, ``check_ytd_frame``,
``ytd_table`` (scope-break flags), ``inject_shock_pair``, ``_as_observations`` (one series
as one cluster, growth-only series on an index level), ``hist_and`` and ``_score`` are
imported from this checkout first; then every ``zzforecast`` module is dropped from
``sys.modules`` and the old package is imported from a worktree of 9fef56e. The case loop
is ``ytd_backtest._cases`` with the two old methods in place of the new ones:

- old engine: each series its own one-cluster run, as-of ``YYYY-MM``, 2000 paths, seed
  ``year * 100 + month``; interval and centre from its draws (centre = median draw);
- old nowcast: each series alone (it has no cross-series pooling), 2000 paths, seed 0;
  intervals from its ``lo-80``/``hi-80``/``lo-95``/``hi-95`` columns, probabilities from
  ``p_ge_<t>``, centre its ``mean`` column (thresholds that share a ``p_ge_<t:g>`` column
  differ by float rounding only, e.g. last year's growth = g + 1 point; the JSON counts
  them as ``threshold_key_collisions``).

Neither old method pools across series, so the pooled figures score the union of the
four series' cases. Carry-forward and climatology are scored as in the harness (they do
not depend on the engine; they should match ytd_calibration.json).

    git worktree add -f /tmp/old 9fef56e
    .venv/bin/python benchmarks/ytd_before.py [--old /tmp/old] [--data PATH] [--n-paths 2000]

Writes benchmarks/results/ytd_before.json and prints the tables of ytd_calibration.py.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
COMMIT = "9fef56e"
METHODS = ("engine", "nowcast", "carry_forward", "climatology")


def _new_pieces(data):
    """The data and the harness pieces of this checkout (imported before the old package)."""
    sys.path.insert(0, str(ROOT))
    from zzforecast.data.public import load_real_ytd_series
    from zzforecast.estimate.ytd_frame import check_ytd_frame, ytd_table
    from zzforecast.evaluate import ytd_backtest as yb

    return load_real_ytd_series(data), SimpleNamespace(
        check_ytd_frame=check_ytd_frame, ytd_table=ytd_table, inject_shock_pair=yb.inject_shock_pair,
        as_observations=yb._as_observations, hist_and=yb.hist_and, score=yb._score,
        offsets=yb.OFFSETS, min_prior_years=yb.MIN_PRIOR_YEARS)


def _old_package(old: Path):
    """The engine and nowcast of the old worktree (every zzforecast module re-imported)."""
    for name in [m for m in sys.modules if m == "zzforecast" or m.startswith("zzforecast.")]:
        del sys.modules[name]
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT]
    sys.path.insert(0, str(old))
    mods = {m: importlib.import_module(f"zzforecast.{m}") for m in ("nowcast", "sim_inputs",
                                                                    "simulate")}
    where = Path(sys.modules["zzforecast"].__file__).resolve()
    if not where.is_relative_to(old.resolve()):
        raise SystemExit(f"zzforecast imported from {where}, not from {old}")
    return SimpleNamespace(nowcast=mods["nowcast"].nowcast,
                           prepare_inputs=mods["sim_inputs"].prepare_inputs,
                           simulate_arrays=mods["simulate"].simulate_arrays)


def _cases(d, years, months, h, old, n_paths):
    """``ytd_backtest._cases`` with the old engine and the old nowcast."""
    records = []
    table = h.ytd_table(d)
    breaks = {(u, int(y)) for i, u in enumerate(table.ids)
              for y in table.years[table.scope_break[i]]}
    truth = d[d["month"] == 12].set_index(["unique_id", "year"])["cum_growth"]
    collisions = 0
    for year in years:
        hist = d[d["year"] < year]
        complete = hist[hist["month"] == 12].groupby("unique_id")["year"].nunique()
        eligible = [u for u in complete.index if complete[u] >= h.min_prior_years
                    and (u, year) in truth.index]
        for uid in eligible:
            if (uid, year) in breaks:
                records.append({"unique_id": uid, "year": year, "excluded": "scope break"})
                continue
            outcome = float(truth[(uid, year)])
            past = truth.loc[uid]
            past = past[past.index < year].to_numpy(dtype=float)
            last = float(truth.get((uid, year - 1), np.nan))
            series = d[(d["unique_id"] == uid) & (d["year"] == year)]
            for month in months:
                rows = series[series["month"] <= month]
                if rows.empty or int(rows["month"].max()) != month:
                    continue
                g = float(rows["cum_growth"].iloc[-1])
                thresholds = [g] + ([last] if np.isfinite(last) else []) + [g + o for o in h.offsets]
                seen = h.hist_and(rows, hist, uid)
                as_of = f"{year}-{month:02d}"
                case = {"unique_id": uid, "year": year, "month": month, "ytd_growth": g,
                        "outcome": outcome, "excluded": ""}
                # Old nowcast: this series alone.
                nc = old.nowcast(seen[["unique_id", "ds", "cum_value", "cum_growth"]], as_of,
                                 level=(80, 95), thresholds=tuple(thresholds), n_paths=n_paths,
                                 seed=0)
                row = nc.iloc[0]
                if int(row["month"]) != month:
                    raise RuntimeError(f"old nowcast {uid} {as_of}: latest month {row['month']}")
                keys = [f"p_ge_{float(t):g}" for t in thresholds]
                collisions += len(keys) - len(set(keys))
                case.update(nowcast_q=np.array([row["lo-95"], row["lo-80"], row["mean"],
                                                row["hi-80"], row["hi-95"]], dtype=float),
                            nowcast_mean=float(row["mean"]),
                            nowcast_p=[float(row[k]) for k in keys])
                # Old engine: this series as its own one-cluster run.
                obs, clusters = h.as_observations(seen, uid)
                inp = old.prepare_inputs(clusters, obs, year, as_of, indicators=("fai",))
                if int(inp.ytd_month[0, 0]) != month:
                    raise RuntimeError(f"old engine {uid} {as_of}: latest month "
                                       f"{inp.ytd_month[0, 0]}")
                paths = old.simulate_arrays(inp, n_paths=n_paths, seed=year * 100 + month,
                                            keep_monthly=False)
                draws = paths["growth"][:, 0, 0].astype(float)
                case.update(engine_q=np.quantile(draws, [0.025, 0.1, 0.5, 0.9, 0.975]),
                            engine_mean=float(np.median(draws)),
                            engine_p=[float(np.mean(draws >= t - 1e-12)) for t in thresholds])
                case.update(carry_forward_p=[float(g >= t - 1e-12) for t in thresholds],
                            carry_forward_mean=g, carry_forward_q=None)
                if len(past):
                    case.update(climatology_p=[float(np.mean(past >= t - 1e-12)) for t in thresholds],
                                climatology_q=np.quantile(past, [0.025, 0.1, 0.5, 0.9, 0.975]),
                                climatology_mean=float(np.median(past)))
                case["thresholds"] = thresholds
                case["hits"] = [float(outcome >= t - 1e-12) for t in thresholds]
                records.append(case)
    return records, collisions


def _row(name, cases, h):
    """One series' figures, as ``ytd_calibration._row`` takes them from ``ytd_backtest``."""
    scored = {m: h.score(cases, m) for m in METHODS}
    out = {"series": name, "cases": sum(1 for c in cases if not c["excluded"]),
           "excluded": [{"unique_id": c["unique_id"], "year": int(c["year"]), "why": c["excluded"]}
                        for c in cases if c["excluded"]]}
    for m in METHODS:
        r = scored[m]
        out[m] = {k: r[k] for k in ("coverage_80", "coverage_95", "brier", "mae_points")}
        out[m]["min_month_coverage_80"] = (None if r["coverage_80"] is None else
                                           min(b["coverage_80"] for b in r["by_month"]))
        out[m]["months_beating_carry"] = sum(
            b["brier"] < c["brier"] for b, c in zip(r["by_month"], scored["carry_forward"]["by_month"],
                                                    strict=True))
        out[m]["bad_bins"] = [b for b in r["reliability"]
                              if b["n"] >= 20 and abs(b["mean_p"] - b["observed"]) > 0.10]
        out[m]["by_month"] = r["by_month"]
        out[m]["reliability"] = r["reliability"]
    return out


def _stress_by_year(cases, years, h):
    """The ``stress`` block of ``ytd_backtest`` for the old engine and nowcast."""
    by_year = []
    for yr in years:
        part = [c for c in cases if c["year"] == yr and not c["excluded"]]
        if not part:
            continue
        row = {"year": yr, "n": len(part)}
        ytd = np.array([c["ytd_growth"] for c in part])
        for method in ("engine", "nowcast"):
            s = h.score(part, method)
            means = np.array([c[f"{method}_mean"] for c in part])
            outside = 0
            for uid in {c["unique_id"] for c in part}:
                mask = np.array([c["unique_id"] == uid for c in part])
                lo, hi = ytd[mask].min() - 0.10, ytd[mask].max() + 0.10
                outside += int(np.sum((means[mask] < lo) | (means[mask] > hi)))
            row[method] = {"coverage_80": s["coverage_80"], "coverage_95": s["coverage_95"],
                           "brier": s["brier"], "centres_outside_range": outside}
        by_year.append(row)
    return by_year


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", default="/tmp/old", help=f"worktree of {COMMIT}")
    parser.add_argument("--data", default=None)
    parser.add_argument("--n-paths", type=int, default=2000)
    args = parser.parse_args(argv)

    df, h = _new_pieces(args.data)
    old = _old_package(Path(args.old))
    first, last, shock = 2004, 2016, 2013
    months = list(range(2, 12))
    started = time.perf_counter()
    per_series, stress_cases, collisions = {}, {}, 0
    for name in sorted(df["unique_id"].unique()):
        d = h.check_ytd_frame(df[df["unique_id"] == name], name)
        per_series[name], n = _cases(d, range(first, last + 1), months, h, old, args.n_paths)
        collisions += n
        stress_cases[name], n = _cases(h.inject_shock_pair(d, shock), range(shock, last + 1),
                                       months, h, old, args.n_paths)
        collisions += n
        print(f"{name}: done ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    names = ["pooled", *per_series]
    pooled = [c for name in per_series for c in per_series[name]]
    rows = [_row(name, pooled if name == "pooled" else per_series[name], h) for name in names]
    stress_pooled = [c for name in stress_cases for c in stress_cases[name]]
    stress = [{"series": name, "by_year": _stress_by_year(
        stress_pooled if name == "pooled" else stress_cases[name], range(shock, last + 1), h)}
        for name in names]
    seconds = round(time.perf_counter() - started, 1)

    print(f"engine and nowcast of {COMMIT} on the ytd backtest (n_paths {args.n_paths})")
    print(f"{'series':<18}{'method':<14}{'cov80':>7}{'cov95':>7}{'min80':>7}{'Brier':>8}"
          f"{'MAE':>6}{'beats carry':>12}{'bad bins':>9}")

    def pct(v):
        return "     -" if v is None else f"{100 * v:6.1f}"

    for row in rows:
        for m in METHODS:
            r = row[m]
            print(f"{row['series']:<18}{m:<14}{pct(r['coverage_80'])} {pct(r['coverage_95'])} "
                  f"{pct(r['min_month_coverage_80'])}{r['brier']:8.4f}{r['mae_points']:6.2f}"
                  f"{r['months_beating_carry']:>8}/10{len(r['bad_bins']):>9}")
    print(f"\nstress (shock pair at {shock}): 80% coverage and centres outside the year's "
          "range +-10 points, by year")
    for s in stress:
        cells = [f"{y['year']}: eng {100 * y['engine']['coverage_80']:.0f}% "
                 f"({y['engine']['centres_outside_range']}) now "
                 f"{100 * y['nowcast']['coverage_80']:.0f}% ({y['nowcast']['centres_outside_range']})"
                 for y in s["by_year"]]
        print(f"  {s['series']:<18}" + "; ".join(cells))
    print(f"run time {seconds} s", file=sys.stderr)
    out = ROOT / "benchmarks" / "results" / "ytd_before.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"data": "NBS via AFAN-LIFE/macropage (CC-BY-4.0)",
                               "commit": COMMIT, "years": [first, last], "months": [2, 11],
                               "n_paths": args.n_paths, "engine_seed": "year * 100 + month",
                               "nowcast_seed": 0, "seconds": seconds,
                               "threshold_key_collisions": collisions,
                               "series": rows, "stress": stress}, indent=1), encoding="utf-8")
    print(f"written {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
