"""Before figures: the engine and the nowcast of commit 9fef56e on the year-to-date backtest.

Scores the attainability engine (``zzforecast.sim_inputs.prepare_inputs`` +
``zzforecast.simulate.simulate_arrays``) and the nowcast (``zzforecast.nowcast.nowcast``)
as they were at 9fef56e on exactly the cases of ``benchmarks/ytd_calibration.py`` (the
harness ``zzforecast.evaluate.ytd_backtest``): the four real national series of
``load_real_ytd_series`` (NBS via AFAN-LIFE/macropage, CC-BY-4.0), target years
2004-2016, as-of months February-November, thresholds the year-to-date growth g, last
year's full-year growth and g +-1, +-2 points, years with a scope break not scored, and
the stress run with the shock pair injected at 2013 (2013-2016 scored by year).

The harness of this checkout runs the cases: its ``score_cases`` and ``summarize`` (and
``_as_observations``: one series as one cluster, growth-only series on an index level) are
imported first; then every ``zzforecast`` module is dropped from ``sys.modules`` and the
old package is imported from a worktree of 9fef56e, whose two methods are handed to
``score_cases`` in place of the new ones:

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

ROOT = Path(__file__).resolve().parents[1]
COMMIT = "9fef56e"
METHODS = ("engine", "nowcast", "carry_forward", "climatology")


def _new_pieces(data):
    """The data and the harness of this checkout (imported before the old package)."""
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import ytd_calibration

    from zzforecast.data.public import load_real_ytd_series
    from zzforecast.estimate.ytd_frame import check_ytd_frame
    from zzforecast.evaluate import ytd_backtest as yb

    return load_real_ytd_series(data), SimpleNamespace(
        check_ytd_frame=check_ytd_frame, inject_shock_pair=yb.inject_shock_pair,
        as_observations=yb._as_observations, score_cases=yb.score_cases,
        summarize=yb.summarize, from_draws=yb.from_draws, row=ytd_calibration._row,
        print_tables=ytd_calibration.print_tables)


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


def _old_methods(h, old, n_paths):
    """``per_year`` for ``score_cases``: the old nowcast and the old engine, per case."""

    def per_year(hist, year):
        def nowcast(uid, seen, month, thresholds):
            nc = old.nowcast(seen[["unique_id", "ds", "cum_value", "cum_growth"]],
                             f"{year}-{month:02d}", level=(80, 95),
                             thresholds=tuple(thresholds), n_paths=n_paths, seed=0)
            row = nc.iloc[0]
            if int(row["month"]) != month:
                raise RuntimeError(f"old nowcast {uid} {year}-{month:02d}: month {row['month']}")
            return {"q": [row["lo-95"], row["lo-80"], row["mean"], row["hi-80"], row["hi-95"]],
                    "mean": float(row["mean"]),
                    "p": [float(row[f"p_ge_{float(t):g}"]) for t in thresholds]}

        def engine(uid, seen, month, thresholds):
            obs, clusters = h.as_observations(seen, uid)
            inp = old.prepare_inputs(clusters, obs, year, f"{year}-{month:02d}",
                                     indicators=("fai",))
            if int(inp.ytd_month[0, 0]) != month:
                raise RuntimeError(f"old engine {uid} {year}-{month:02d}: month "
                                   f"{inp.ytd_month[0, 0]}")
            paths = old.simulate_arrays(inp, n_paths=n_paths, seed=year * 100 + month,
                                        keep_monthly=False)
            return h.from_draws(paths["growth"][:, 0, 0].astype(float), thresholds)

        return {"engine": engine, "nowcast": nowcast}

    return per_year


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
    per_year = _old_methods(h, old, args.n_paths)
    started = time.perf_counter()
    cases, stress_cases = {}, {}
    for name in sorted(df["unique_id"].unique()):
        d = h.check_ytd_frame(df[df["unique_id"] == name], name)
        cases[name] = h.score_cases(d, range(first, last + 1), months, per_year)
        stress_cases[name] = h.score_cases(h.inject_shock_pair(d, shock),
                                           range(shock, last + 1), months, per_year)
        print(f"{name}: done ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    # Neither old method pools across series: "pooled" is the union of the series' cases.
    cases["pooled"] = [c for name in list(cases) for c in cases[name]]
    stress_cases["pooled"] = [c for name in list(stress_cases) for c in stress_cases[name]]
    names = ["pooled", *sorted(n for n in cases if n != "pooled")]
    rows = [h.row(name, h.summarize(cases[name], METHODS)) for name in names]
    stress = [{"series": name, "by_year": h.summarize(
        stress_cases[name], METHODS, stress_years=range(shock, last + 1))["stress_by_year"]}
        for name in names]
    seconds = round(time.perf_counter() - started, 1)
    print(f"engine and nowcast of {COMMIT} on the ytd backtest (n_paths {args.n_paths})")
    h.print_tables(rows, stress, shock_year=shock)
    print(f"run time {seconds} s", file=sys.stderr)
    out = ROOT / "benchmarks" / "results" / "ytd_before.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"data": "NBS via AFAN-LIFE/macropage (CC-BY-4.0)",
                               "commit": COMMIT, "years": [first, last], "months": [2, 11],
                               "n_paths": args.n_paths, "engine_seed": "year * 100 + month",
                               "nowcast_seed": 0, "seconds": seconds,
                               "series": rows, "stress": stress}, indent=1), encoding="utf-8")
    print(f"written {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
