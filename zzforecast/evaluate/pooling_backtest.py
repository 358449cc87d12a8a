"""Does pooling help short series? A rolling backtest on the real provincial FAI panel.

The 31 provinces' FAI levels 2005–2017 (NBS, via RenJiyi163/panel_data_analysis_for_thesis,
MIT; read from ../shared/data) are cut into short training windows of ``train_length``
years, each followed by ``h`` held-out years; every window is forecast with and without
pooling (all else equal) and scored. Windows straddling the 2011 scope break are kept
(real short series have such breaks too) and reported separately by origin year.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .metrics import coverage, mase, mase_scale, msis, smape

__all__ = ["pooling_backtest"]


def pooling_backtest(path=None, train_length: int = 6, h: int = 3, model: str = "auto"
                     ) -> dict:
    """Forecast short windows of the provincial FAI panel with and without pooling.

    Returns
    -------
    dict
        ``{"dataset", "source", "train_length", "h", "windows": [{"origin", "pooled":
        {...}, "unpooled": {...}}], "overall": {"pooled": {...}, "unpooled": {...}}}`` with
        sMAPE, MASE, coverage_80, coverage_95 and msis_95 per entry.
    """
    from ..data.public import PROVINCE_PANEL_SOURCE, load_province_panel
    from ..estimate.annual import forecast

    fai = load_province_panel(path)["fai"][["unique_id", "ds", "y"]]
    first, last = int(fai["ds"].min()), int(fai["ds"].max())
    windows, collected = [], {}
    for start in range(first, last - train_length - h + 2):
        end = start + train_length - 1
        train = fai[(fai["ds"] >= start) & (fai["ds"] <= end)]
        test = fai[(fai["ds"] > end) & (fai["ds"] <= end + h)]
        full = train.groupby("unique_id").size()
        keep = full.index[full == train_length]
        train, test = train[train.unique_id.isin(keep)], test[test.unique_id.isin(keep)]
        entry = {"origin": end}
        scales = train.groupby("unique_id")["y"].apply(lambda v: mase_scale(v.to_numpy()))
        for label, pooling in (("pooled", True), ("unpooled", False)):
            fc = forecast(train, h, level=(80, 95), model=model, pooling=pooling)
            m = test.merge(fc, on=["unique_id", "ds"], how="inner")
            s = scales.reindex(m["unique_id"]).to_numpy()
            entry[label] = _scores(m, s)
            collected.setdefault(label, []).append(m.assign(scale=s))
        windows.append(entry)
    overall = {}
    for label, parts in collected.items():
        m = pd.concat(parts, ignore_index=True)
        overall[label] = _scores(m, m["scale"].to_numpy())
    return {"dataset": "province-fai-pooling", "source": PROVINCE_PANEL_SOURCE,
            "train_length": train_length, "h": h, "windows": windows, "overall": overall}


def _scores(m: pd.DataFrame, s: np.ndarray) -> dict:
    y = m["y"].to_numpy()
    return {"smape": round(smape(y, m["mean"]), 3), "mase": round(mase(y, m["mean"], s), 3),
            "coverage_80": round(coverage(y, m["lo-80"], m["hi-80"]), 3),
            "coverage_95": round(coverage(y, m["lo-95"], m["hi-95"]), 3),
            "msis_95": round(msis(y, m["lo-95"], m["hi-95"], s, 95), 3), "n": int(len(m))}
