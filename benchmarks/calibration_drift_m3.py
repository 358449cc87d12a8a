"""Can the training data of M3 yearly tell that its test years are calmer? A nested check.

zzforecast's 80 % intervals cover 84.5 % of the M3 yearly test years: the validation
windows they are calibrated on are harder than the test years. This script asks whether
that drift is visible inside the training data, where a method could learn it:

1. **Pseudo-tests** (training data only): every training series loses its last ``c``
   years (``c`` = 6 .. 12), the forecaster is fitted on the rest and scored on the 6 years
   after the cut.
2. **Nested level correction** (the "calibrate the calibration" idea): the errors of the
   validation windows one horizon earlier (from a fit on the series without their last 6
   years) give a quantile table; the coverage it achieves on the latest validation
   windows, by horizon, says which central level of the latest table actually covers the
   nominal share of errors (the ``q``-quantile of ``|2u - 1|`` with ``u`` the probability
   integral transform of each latest error, shrunk toward the nominal level with the
   calibrator's prior weight). The corrected levels are applied to the latest table and
   scored on the pseudo-tests (training only) and, for information, on the M3 test years.

    .venv/bin/python benchmarks/calibration_drift_m3.py [--n-jobs 2]
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

H = 6
LEVELS = (80, 95)
PSEUDO_CUTS = (6, 7, 8, 9, 10, 11, 12)


def cut_series(df: pd.DataFrame, cut: int, min_length: int = 3
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each series without its last ``cut`` points, and the ``H`` points after the cut.

    Series left with fewer than ``min_length`` points are dropped from both frames.
    """
    pos = df.groupby("unique_id", sort=False).cumcount(ascending=False)
    head, after = df[pos >= cut], df[(pos < cut) & (pos >= cut - H)]
    sizes = head.groupby("unique_id").size()
    keep = sizes.index[sizes >= min_length]
    return (head[head.unique_id.isin(keep)].reset_index(drop=True),
            after[after.unique_id.isin(keep)].reset_index(drop=True))


def corrected_levels(old_errors: np.ndarray, new_errors: np.ndarray) -> dict[int, np.ndarray]:
    """Central level (%), by horizon, of the table that covers each nominal level of the
    newer errors when the table is fitted on the older errors; shrunk toward nominal."""
    from zzforecast.estimate.annual.calibration import PRIOR_WEIGHT, PROBS, fit_calibrator

    old = fit_calibrator(old_errors, H)
    out = {}
    for lv in LEVELS:
        levels = np.full(H, lv / 100)
        for k in range(H):
            e = new_errors[:, k][np.isfinite(new_errors[:, k])]
            u = np.interp(e, old.table[k], PROBS, left=0.0, right=1.0)
            w = len(e) / (len(e) + PRIOR_WEIGHT)
            levels[k] = w * np.quantile(np.abs(2 * u - 1), lv / 100) + (1 - w) * lv / 100
        out[lv] = 100 * levels
    return out


def score(result, actual: pd.DataFrame, train: pd.DataFrame, levels=None) -> dict:
    """Coverage (overall and by horizon) and MSIS of ``result`` on ``actual``."""
    from zzforecast.evaluate.metrics import coverage, mase_scale, msis

    ids = [s.unique_id for s in result.series]
    y = np.vstack([actual[actual.unique_id == u]["y"].to_numpy()[:H] for u in ids])
    scale = np.array([mase_scale(train[train.unique_id == u]["y"].to_numpy()) for u in ids])
    out = {}
    for lv in LEVELS:
        if levels is None:
            lo, hi = result.intervals(lv)
        else:  # one corrected level per horizon
            bounds = [result.intervals(float(c)) for c in levels[lv]]
            lo = np.column_stack([b[0][:, k] for k, b in enumerate(bounds)])
            hi = np.column_stack([b[1][:, k] for k, b in enumerate(bounds)])
        lo, hi = np.minimum(lo, result.mean), np.maximum(hi, result.mean)
        out[f"cover_{lv}"] = 100 * coverage(y, lo, hi)
        out[f"cover_{lv}_by_h"] = [100 * coverage(y[:, k], lo[:, k], hi[:, k]) for k in range(H)]
        if lv == 95:
            out["msis_95"] = msis(y, lo, hi, scale, 95)
    return out


def show(label: str, s: dict) -> None:
    by = " | ".join(" ".join(f"{c:.1f}" for c in s[f"cover_{lv}_by_h"]) for lv in LEVELS)
    print(f"{label:<44} cover80 {s['cover_80']:5.1f} cover95 {s['cover_95']:5.1f} "
          f"MSIS {s['msis_95']:6.2f}   by h: {by}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args()

    from zzforecast.estimate.annual import fit
    from zzforecast.evaluate.backtest import load_m3_yearly

    train, test = load_m3_yearly()
    fits = {0: fit(train, H, n_jobs=args.n_jobs)}
    for cut in range(PSEUDO_CUTS[0], PSEUDO_CUTS[-1] + H + 1):
        fits[cut] = fit(cut_series(train, cut)[0], H, n_jobs=args.n_jobs)

    def nested_levels(cut: int) -> dict[int, np.ndarray]:
        # The windows one horizon earlier are those of the fit at cut + H.
        return corrected_levels(fits[cut + H].val_errors, fits[cut].val_errors)

    print(f"M3 yearly, h={H}, {len(fits[0].series)} series. Pseudo-tests: fitted without "
          f"the last c training years, scored on the {H} after the cut (training data only)")
    totals = {"shipped": [], "nested": []}
    for cut in PSEUDO_CUTS:
        head, after = cut_series(train, cut)
        for label, levels in (("shipped", None), ("nested", nested_levels(cut))):
            s = score(fits[cut], after, head, levels)
            totals[label].append([s["cover_80"], s["cover_95"], s["msis_95"]])
            show(f"c={cut:2d} {label} ({len(fits[cut].series)} series)", s)
    for label, rows in totals.items():
        mean = np.mean(rows, axis=0)
        print(f"mean over pseudo-tests, {label}: cover80 {mean[0]:.1f} cover95 {mean[1]:.1f} "
              f"MSIS {mean[2]:.2f}")
    final_levels = nested_levels(0)
    for lv in LEVELS:
        print(f"nested correction of the {lv} % level by horizon at the final origin: "
              + " ".join(f"{c:.1f}" for c in final_levels[lv]))
    show("M3 test years, shipped", score(fits[0], test, train))
    show("M3 test years, nested", score(fits[0], test, train, final_levels))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
