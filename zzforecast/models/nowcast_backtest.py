"""Rolling-origin backtest of ``nowcast`` on the real national FAI series.

For every year Y of a range and every as-of month m = 2..11, the nowcast sees only the
data published by the end of month m of Y, and is scored against the full-year growth
published for Y. The benchmark rule is "the latest year-to-date growth carries to year
end": point nowcast g(m) and probability 1{g(m) >= t} for a threshold t.

Data: National Bureau of Statistics of China, fixed-asset investment, monthly cumulative,
via AFAN-LIFE/macropage (CC-BY-4.0); read from ../shared/data, never copied.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["nowcast_backtest", "format_nowcast_tables", "RELATIVE_THRESHOLDS",
           "FIXED_THRESHOLDS"]

# Thresholds near the current pace (ytd growth + delta): the policy question "will the
# year reach a target close to where it stands now?"; and a fixed grid.
RELATIVE_THRESHOLDS = (-0.02, -0.01, -0.005, 0.005, 0.01, 0.02)
FIXED_THRESHOLDS = (0.10, 0.15, 0.20, 0.25)


def nowcast_backtest(path=None, years=range(2000, 2017), months=range(2, 12),
                     n_paths: int = 4000, seed: int = 0) -> dict:
    """Score nowcast and the carry rule over rolling origins.

    Parameters
    ----------
    path : str or Path, optional
        Folder or file of the national FAI series (default ``../shared/data``).
    years, months : iterable of int
        Target years and as-of months.
    n_paths : int
        Draws per nowcast.
    seed : int
        Seed for every nowcast.

    Returns
    -------
    dict
        ``{"dataset", "source", "years", "by_month": [{"month", "n", "coverage_80",
        "coverage_95", "mae", "mae_rule", "brier", "brier_rule", "brier_fixed",
        "brier_fixed_rule"}], "overall": {...}}``; growth errors in percentage points.
    """
    from ..data.public import NATIONAL_FAI_SOURCE, load_national_fai_monthly
    from ..nowcast import nowcast

    data = load_national_fai_monthly(path)
    dec_rows = data[data["ds"].dt.month == 12]
    dec = pd.Series(dec_rows["cum_growth"].to_numpy(), index=dec_rows["ds"].dt.year)
    rows = []
    for year in years:
        if year not in dec.index or not np.isfinite(dec[year]):
            continue
        truth = float(dec[year])
        for m in months:
            as_of = f"{year}-{m:02d}"
            seen = data[(data["ds"].dt.year == year) & (data["ds"].dt.month <= m)]
            if seen.empty:
                continue
            gm = float(seen["cum_growth"].iloc[-1])
            rel = tuple(round(gm + d, 4) for d in RELATIVE_THRESHOLDS)
            out = nowcast(data, as_of, level=(80, 95), thresholds=rel + FIXED_THRESHOLDS,
                          n_paths=n_paths, seed=seed).iloc[0]
            rec = {"year": year, "month": m, "truth": truth, "ytd": gm, "mean": out["mean"],
                   "in80": out["lo-80"] <= truth <= out["hi-80"],
                   "in95": out["lo-95"] <= truth <= out["hi-95"]}
            b, br = [], []
            for t in rel:
                hit = float(truth >= t - 1e-12)
                b.append((out[f"p_ge_{t:g}"] - hit) ** 2)
                br.append((float(gm >= t - 1e-12) - hit) ** 2)
            rec["brier"], rec["brier_rule"] = float(np.mean(b)), float(np.mean(br))
            b, br = [], []
            for t in FIXED_THRESHOLDS:
                hit = float(truth >= t)
                b.append((out[f"p_ge_{t:g}"] - hit) ** 2)
                br.append((float(gm >= t) - hit) ** 2)
            rec["brier_fixed"], rec["brier_fixed_rule"] = float(np.mean(b)), float(np.mean(br))
            rows.append(rec)
    df = pd.DataFrame(rows)

    def summary(g: pd.DataFrame) -> dict:
        return {"n": int(len(g)),
                "coverage_80": round(float(g["in80"].mean()), 4),
                "coverage_95": round(float(g["in95"].mean()), 4),
                "mae_pp": round(100 * float((g["mean"] - g["truth"]).abs().mean()), 3),
                "mae_rule_pp": round(100 * float((g["ytd"] - g["truth"]).abs().mean()), 3),
                "brier": round(float(g["brier"].mean()), 4),
                "brier_rule": round(float(g["brier_rule"].mean()), 4),
                "brier_fixed": round(float(g["brier_fixed"].mean()), 4),
                "brier_fixed_rule": round(float(g["brier_fixed_rule"].mean()), 4)}

    by_month = [{"month": int(m), **summary(g)} for m, g in df.groupby("month")]
    return {"dataset": "national-fai-nowcast", "source": NATIONAL_FAI_SOURCE,
            "years": [int(df["year"].min()), int(df["year"].max())], "seed": int(seed),
            "relative_thresholds": list(RELATIVE_THRESHOLDS),
            "fixed_thresholds": list(FIXED_THRESHOLDS),
            "by_month": by_month, "overall": summary(df)}


def format_nowcast_tables(result: dict) -> str:
    """Plain-text table of a nowcast backtest result."""
    lines = [f"Nowcast backtest, national FAI ({result['source']}), target years "
             f"{result['years'][0]}-{result['years'][1]}",
             "Brier: thresholds ytd growth + " + ", ".join(
                 f"{100 * d:+g}pp" for d in result["relative_thresholds"]) +
             "; fixed: " + ", ".join(f"{100 * t:g}%" for t in result["fixed_thresholds"]),
             f"{'month':>5} {'n':>3} {'cov80':>6} {'cov95':>6} {'MAE pp':>7} {'rule':>6} "
             f"{'Brier':>6} {'rule':>6} {'Bfixed':>6} {'rule':>6}"]
    for r in [*result["by_month"], {"month": "all", **result["overall"]}]:
        lines.append(f"{r['month']!s:>5} {r['n']:3d} {100 * r['coverage_80']:6.1f} "
                     f"{100 * r['coverage_95']:6.1f} {r['mae_pp']:7.2f} {r['mae_rule_pp']:6.2f} "
                     f"{r['brier']:6.3f} {r['brier_rule']:6.3f} {r['brier_fixed']:6.3f} "
                     f"{r['brier_fixed_rule']:6.3f}")
    return "\n".join(lines)
