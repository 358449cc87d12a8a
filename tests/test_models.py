"""Contracts of forecast and sample_paths (DESIGN.md section 4)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from zzforecast import forecast, sample_paths
from zzforecast.exceptions import UnknownModelError


def _panel(n_series: int = 3, n: int = 14, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(n_series):
        growth = 0.05 + 0.03 * i + 0.04 * rng.standard_normal(n)
        y = 100 * np.exp(np.cumsum(growth))
        frames.append(pd.DataFrame({"unique_id": f"s{i}", "ds": np.arange(2004, 2004 + n),
                                    "y": y}))
    return pd.concat(frames, ignore_index=True)


def test_forecast_columns_rows_and_ordering():
    df = _panel()
    out = forecast(df, 4, level=(80, 95))
    assert list(out.columns) == ["unique_id", "ds", "mean", "lo-80", "hi-80", "lo-95", "hi-95"]
    assert len(out) == 3 * 4
    assert out.groupby("unique_id")["ds"].apply(list).to_dict()["s0"] == [2018, 2019, 2020, 2021]
    assert (out["lo-95"] <= out["lo-80"]).all() and (out["lo-80"] < out["mean"]).all()
    assert (out["mean"] < out["hi-80"]).all() and (out["hi-80"] <= out["hi-95"]).all()
    # Intervals widen with the horizon.
    width = (out["hi-80"] - out["lo-80"]).to_numpy().reshape(3, 4)
    assert np.all(np.diff(width, axis=1) > 0)


def test_forecast_single_model_and_unknown_model():
    df = _panel(n_series=2)
    naive = forecast(df, 3, model="naive")
    last = df.groupby("unique_id")["y"].last()
    assert np.allclose(naive.groupby("unique_id")["mean"].first(), last)
    with pytest.raises(UnknownModelError, match="unknown model"):
        forecast(df, 3, model="prophet")


def test_forecast_monthly_timestamps():
    ds = pd.date_range("2015-01-31", periods=24, freq="ME")
    df = pd.DataFrame({"unique_id": "m", "ds": ds, "y": np.linspace(10, 30, 24)})
    out = forecast(df, 2)
    assert list(out["ds"]) == [pd.Timestamp("2017-01-31"), pd.Timestamp("2017-02-28")]


@pytest.mark.parametrize("bad, message", [
    ("short", "series 'b'.*too short"),
    ("text", "series 'b'.*non-numeric"),
    ("dup", "series 'b'.*duplicated ds"),
    ("gap", "series 'b'.*gap"),
])
def test_bad_input_names_the_series(bad, message):
    df = _panel(n_series=2)
    df["unique_id"] = df["unique_id"].map({"s0": "a", "s1": "b"})
    if bad == "short":
        df = pd.concat([df[df.unique_id == "a"], df[df.unique_id == "b"].head(2)])
    elif bad == "text":
        df["y"] = df["y"].astype(object)
        df.loc[df.index[-3], "y"] = "n/a"
    elif bad == "dup":
        df.loc[df.index[-1], "ds"] = df.loc[df.index[-2], "ds"]
    else:
        df = df.drop(df.index[-5])
    with pytest.raises(ValueError, match=message):
        forecast(df, 2)
    with pytest.raises(ValueError, match=message):
        sample_paths(df, 2, n_paths=10)


def test_sample_paths_shape_reproducible_and_consistent_with_intervals():
    df = _panel()
    paths = sample_paths(df, 3, n_paths=4000, seed=7)
    assert list(paths.columns) == ["unique_id", "ds", "sample_id", "y"]
    assert len(paths) == 3 * 3 * 4000
    assert paths["sample_id"].min() == 0 and paths["sample_id"].max() == 3999
    again = sample_paths(df, 3, n_paths=4000, seed=7)
    pd.testing.assert_frame_equal(paths, again)
    other = sample_paths(df, 3, n_paths=4000, seed=8)
    assert not np.allclose(paths["y"], other["y"])
    fc = forecast(df, 3, level=(80,))
    q = paths.groupby(["unique_id", "ds"])["y"].quantile([0.1, 0.9]).unstack()
    merged = fc.set_index(["unique_id", "ds"]).join(q)
    width = merged["hi-80"] - merged["lo-80"]
    assert np.all(np.abs(merged[0.1] - merged["lo-80"]) < 0.08 * width)
    assert np.all(np.abs(merged[0.9] - merged["hi-80"]) < 0.08 * width)
    assert (paths["y"] >= 0).all()


def test_forecast_is_deterministic():
    df = _panel()
    pd.testing.assert_frame_equal(forecast(df, 3, seed=0), forecast(df, 3, seed=0))


def test_short_series_are_pooled_toward_peers():
    from zzforecast.estimate.annual import fit

    df = _panel(n_series=5, n=14)
    short = pd.DataFrame({"unique_id": "new", "ds": np.arange(2012, 2018),
                          "y": [10, 14, 13, 19, 18, 25]})
    result = fit(pd.concat([df, short], ignore_index=True), 3)
    assert result.pooled.tolist() == [False] * 5 + [True]
    assert result.spread[-1] != 1.0


def test_every_kernel_runs_without_falling_back():
    from zzforecast.estimate.annual.base import KERNELS

    y = 100 * np.exp(0.08 * np.arange(15)) * (1 + 0.02 * np.sin(np.arange(15)))
    for name, kernel in KERNELS.items():
        f = np.asarray(kernel(y, 4), dtype=float)
        assert f.shape == (4,) and np.all(np.isfinite(f)), name
        if name != "naive":
            assert f[-1] > y[-1] * 1.02, f"{name} did not follow the trend"


def test_whole_number_float_years_and_nonnegative_series():
    df = pd.DataFrame({"unique_id": "f", "ds": np.arange(2000.0, 2010.0),
                       "y": [0, 0, 1, 0, 2, 0, 0, 3, 0, 1.0]})
    out = forecast(df, 3)
    assert out["ds"].tolist() == [2010, 2011, 2012]
    assert (out["lo-95"] >= 0).all()
    with pytest.raises(ValueError, match="series 'g'.*integer years"):
        forecast(pd.DataFrame({"unique_id": "g", "ds": [2000.5, 2001.5, 2002.5, 2003.5],
                               "y": [1.0, 2, 3, 4]}), 2)
