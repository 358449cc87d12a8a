"""Issue 14 items in the estimate stage: forecast, sample_paths and nowcast as Python API
(items 8, 9, 10, 13, 15), with a property test of nowcast (the 'done when' for nowcast)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import zzforecast
from zzforecast.estimate.nowcast import nowcast

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def _annual(n=10, value=1.0):
    return pd.DataFrame({"unique_id": "a", "ds": range(2000, 2000 + n),
                         "y": value * (1 + np.arange(n) / 10)})


def _ytd(years=range(2005, 2018), last_month=7, growth=0.1, uid="zone"):
    rows = []
    for y in years:
        for m in range(2, 13):
            if y == max(years) and m > last_month:
                break
            rows.append({"unique_id": uid, "ds": pd.Timestamp(y, m, 1) + pd.offsets.MonthEnd(0),
                         "cum_value": 100 * 1.1 ** (y - 2000) * m / 12,
                         "cum_growth": growth + 0.01 * np.sin(y + m)})
    return pd.DataFrame(rows)


def test_item8_sample_paths_and_forecast_refuse_what_memory_cannot_hold():
    with pytest.raises(ValueError, match="n_paths=10,000,000,000.*memory"):
        zzforecast.sample_paths(_annual(), 3, n_paths=10**10)
    with pytest.raises(ValueError, match="h=100000.*memory"):
        zzforecast.forecast(_annual(), 100_000)


def test_item9_forecast_api_refuses_values_that_would_overflow():
    with pytest.raises(ValueError, match="series .a.: value 1.9e\\+307 is beyond.*rescale"):
        zzforecast.forecast(_annual(value=1e307), 2)


def test_item10_nowcast_refuses_impossible_growth_falling_levels_percent_and_far_as_of():
    df = _ytd()
    bad = df.copy()
    bad.loc[5, "cum_growth"] = -1.0
    with pytest.raises(ValueError, match="row 7.*cum_growth.*series 'zone'.*-100%"):
        nowcast(bad, "2017-07")
    falling = df.copy()
    falling.loc[4, "cum_value"] = falling.loc[3, "cum_value"] / 2
    with pytest.raises(ValueError, match="row 6.*cum_value.*cannot fall"):
        nowcast(falling, "2017-07")
    with pytest.raises(ValueError, match="thresholds are fractions"):
        nowcast(df, "2017-07", thresholds=(13,))
    with pytest.raises(ValueError, match="data end in 2017.*2030"):
        nowcast(df, "2030-07")


def test_item13_mixed_ds_and_tiny_reference_backtest_are_located_errors(tmp_path, capsys):
    mixed = pd.DataFrame({"unique_id": "a", "ds": [2001, 2002, pd.Timestamp("2003-01-01"),
                                                   2004, 2005, 2006], "y": np.arange(6.0)})
    with pytest.raises(ValueError, match="series 'a'.*ds mixes"):
        zzforecast.forecast(mixed, 2)
    from zzforecast.cli import main

    five = tmp_path / "five.csv"
    five.write_text("unique_id,ds,y\n" + "".join(f"a,{2001 + i},{i + 1}\n" for i in range(5)),
                    encoding="utf-8")
    assert main(["backtest", "--file", str(five), "--h", "2"]) == 2
    err = capsys.readouterr().err
    assert "series 'a' has 3 points" in err and "Traceback" not in err


@pytest.mark.parametrize("kwargs, name", [
    ({"seed": -1}, "seed"), ({"seed": "abc"}, "seed"), ({"seed": 1.5}, "seed"),
    ({"seed": True}, "seed"), ({"level": ("x",)}, "level")])
def test_item15_forecast_arguments_name_themselves(kwargs, name):
    with pytest.raises(ValueError, match=name):
        zzforecast.forecast(_annual(), 2, **kwargs)
    if "seed" in kwargs:
        with pytest.raises(ValueError, match=name):
            zzforecast.sample_paths(_annual(), 2, n_paths=10, **kwargs)


def test_item15_nowcast_nan_threshold_and_level_name_the_argument():
    with pytest.raises(ValueError, match="threshold"):
        nowcast(_ytd(), "2017-07", thresholds=(float("nan"),))
    with pytest.raises(ValueError, match="level"):
        nowcast(_ytd(), "2017-07", level=("x",))


SETTINGS = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@st.composite
def ytd_frames(draw):
    n_years = draw(st.integers(min_value=3, max_value=14))
    last_month = draw(st.integers(min_value=2, max_value=12))
    base = draw(st.floats(min_value=-0.3, max_value=0.6))
    noise = draw(st.floats(min_value=0.0, max_value=0.2))
    seed = draw(st.integers(min_value=0, max_value=10**6))
    levels = draw(st.booleans())
    rng = np.random.default_rng(seed)
    rows = []
    for y in range(2017 - n_years + 1, 2018):
        g_year = base + noise * rng.standard_normal()
        for m in range(2, 13):
            if y == 2017 and m > last_month:
                break
            g = max(g_year + noise * rng.standard_normal() * (12 - m) / 10, -0.9)
            rows.append({"unique_id": "s", "ds": pd.Timestamp(y, m, 1) + pd.offsets.MonthEnd(0),
                         "cum_growth": g, "cum_value": m * 10.0 if levels else np.nan})
    frame = pd.DataFrame(rows)
    how = draw(st.sampled_from(["valid", "valid", "percent", "january", "text", "duplicate"]))
    if how == "percent":
        frame.loc[frame.index[-1], "cum_growth"] = 12.5
    elif how == "january":
        frame.loc[frame.index[0], "ds"] = pd.Timestamp(2017 - n_years + 1, 1, 31)
    elif how == "text":
        frame = frame.astype({"cum_growth": object})
        frame.loc[frame.index[1], "cum_growth"] = "n/a"
    elif how == "duplicate":
        frame = pd.concat([frame, frame.tail(1)], ignore_index=True)
    return frame, how


@SETTINGS
@given(ytd_frames())
def test_nowcast_property_a_named_error_or_finite_ordered_output(case):
    frame, how = case
    try:
        out = nowcast(frame, "2017-12", thresholds=(0.0, 0.1))
    except ValueError as exc:
        assert "series 's'" in str(exc) or "complete year" in str(exc), str(exc)
        assert how != "valid" or "complete year" in str(exc)
        return
    assert how == "valid"
    row = out.iloc[0]
    values = [row[c] for c in ("lo-95", "lo-80", "mean", "hi-80", "hi-95")]
    assert np.all(np.isfinite(values)) and values == sorted(values)
    assert 0 <= row["p_ge_0.1"] <= row["p_ge_0"] <= 1
