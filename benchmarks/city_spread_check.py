"""Does the simulated spread of the city total agree with the city's own record?

The joint simulation builds the city from clusters whose shocks are correlated through a
correlation estimated from noisy cluster-level history. This check compares, for each
as-of month of the target year, the standard deviation of the simulated city full-year
growth with the standard deviation of the city's past surprises at the same month
(full-year growth minus year-to-date growth, growth rates aggregated with the previous
year's levels as weights), computed here directly from the observations with pandas,
independently of the engine. With five or so past years the record's own sd is uncertain
by roughly +-35 %, so only large, persistent gaps would mean the correlation is wrong.

The bundled panel is SYNTHETIC (zzforecast.data.synthetic): this checks the machinery's
consistency, not real-world accuracy.

    .venv/bin/python benchmarks/city_spread_check.py [--year 2017] [--n-paths 10000]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def city_record(obs: pd.DataFrame, indicator: str, month: int, years: range) -> pd.Series:
    """City surprise (full-year growth minus year-to-date growth at ``month``) by year."""
    sel = obs[obs["indicator"] == indicator]
    annual = sel[sel["frequency"] == "annual"].assign(year=lambda d: d["period"].astype(int))
    ytd = sel[sel["frequency"] == "monthly_ytd"]
    ytd = ytd[ytd["period"].str[5:7].astype(int) == month].assign(
        year=lambda d: d["period"].str[:4].astype(int))

    def wide(frame, measure):
        return frame[frame["measure"] == measure].pivot(index="cluster_id", columns="year",
                                                        values="value")

    a_level, a_growth = wide(annual, "level"), wide(annual, "growth")
    m_level, m_growth = wide(ytd, "level"), wide(ytd, "growth")
    out = {}
    for y in years:
        columns = [m_growth.get(y), m_level.get(y - 1), a_growth.get(y), a_level.get(y - 1)]
        if any(c is None for c in columns):
            continue
        parts = pd.concat(columns, axis=1, keys=["g", "wm", "G", "wa"]).dropna()
        if len(parts) >= 0.5 * len(a_level):
            out[y] = (np.average(parts["G"], weights=parts["wa"])
                      - np.average(parts["g"], weights=parts["wm"]))
    return pd.Series(out, dtype=float)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=2017)
    parser.add_argument("--n-paths", type=int, default=10_000)
    parser.add_argument("--window", type=int, default=8, help="past years in the record")
    args = parser.parse_args(argv)

    from zzforecast.data.bundle import load_bundle
    from zzforecast.simulate.engine import simulate

    bundle = load_bundle(ROOT / "data", ROOT / "params")
    obs = bundle.observations
    last = obs[(obs["frequency"] == "monthly_ytd")
               & obs["period"].str.startswith(str(args.year))]["period"].max()
    rows = []
    for month in range(2, int(last[5:7]) + 1):
        sim = simulate(bundle, args.year, f"{args.year}-{month:02d}", n_paths=args.n_paths,
                       seed=0, keep_monthly=False)
        city = sim.total("city")
        for indicator in ("fai", "iav"):
            record = city_record(obs, indicator, month,
                                 range(args.year - args.window, args.year))
            simulated = city.growth[:, sim.indicator_index(indicator)]
            rows.append({"as_of_month": month, "indicator": indicator,
                         "years": len(record),
                         "record_sd_pp": round(100 * record.std(ddof=1), 2),
                         "simulated_sd_pp": round(100 * float(np.std(simulated)), 2)})
    table = pd.DataFrame(rows).set_index(["indicator", "as_of_month"]).sort_index()
    table["ratio"] = (table["simulated_sd_pp"] / table["record_sd_pp"]).round(2)
    print("City full-year growth: simulated sd vs the city's record (SYNTHETIC panel)")
    print(table.to_string())
    for indicator, part in table.groupby(level="indicator"):
        print(f"{indicator}: median ratio {part['ratio'].median():.2f}, "
              f"range {part['ratio'].min():.2f}-{part['ratio'].max():.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
