"""nowcast and required_growth: formulas, contracts, Jan–Feb handling."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from zzforecast.estimate.nowcast import nowcast, required_growth

SHARES = np.array([0.08, 0.16, 0.25, 0.34, 0.45, 0.54, 0.63, 0.72, 0.81, 0.89, 1.0])


def _ytd(years=range(2008, 2018), growth=0.10, last_month=7, uid="zone"):
    """Synthetic cumulative data with exact shares and constant growth (test fixture)."""
    rows = []
    annual = 100.0
    for year in years:
        for m, s in zip(range(2, 13), SHARES, strict=True):
            if year == max(years) and m > last_month:
                break
            rows.append({"unique_id": uid, "ds": pd.Timestamp(year, m, 1) + pd.offsets.MonthEnd(0),
                         "cum_value": annual * s, "cum_growth": growth})
        annual *= 1 + growth
    return pd.DataFrame(rows)


def test_required_growth_hand_computed():
    # Last year: A = 100, C(7) = 40. This year C(7) = 44 (+10 %). For +13 %:
    # (1.13 * 100 - 44) / (100 - 40) - 1 = 69 / 60 - 1 = 0.15
    assert required_growth(0.13, 44.0, 100.0, 40.0) == pytest.approx(0.15)
    out = required_growth(np.array([0.10, 0.13]), 44.0, 100.0, 40.0)
    assert out == pytest.approx([0.10, 0.15])
    # Jan–Feb: C(2) last year 8, now 8.8; 10 % still needs 10 % from the rest
    assert required_growth(0.10, 8.8, 100.0, 8.0) == pytest.approx(0.10)
    assert np.isnan(required_growth(0.10, 110.0, 100.0, 100.0))  # after December


def test_nowcast_contract_and_exact_case():
    df = _ytd()
    out = nowcast(df, "2017-07", level=(80, 95), thresholds=(0.08, 0.12), n_paths=4000)
    cols = ["unique_id", "year", "as_of", "month", "ytd_growth", "mean", "lo-80", "hi-80",
            "lo-95", "hi-95", "p_ge_0.08", "required_0.08", "p_ge_0.12", "required_0.12",
            "warning"]
    assert list(out.columns) == cols
    row = out.iloc[0]
    assert row["year"] == 2017 and row["month"] == 7 and row["as_of"] == "2017-07"
    # Stable shares and growth: the year is nowcast at 10 %, tightly.
    assert row["mean"] == pytest.approx(0.10, abs=0.002)
    assert row["lo-95"] <= row["lo-80"] <= row["mean"] <= row["hi-80"] <= row["hi-95"]
    assert row["p_ge_0.08"] > 0.95 and row["p_ge_0.12"] < 0.05
    # required: (1.12 - 1.1 * s) / (1 - s) - 1 with s = C(7)/A last year = 0.54
    s = SHARES[5]
    assert row["required_0.12"] == pytest.approx((1.12 - 1.1 * s) / (1 - s) - 1)


def test_nowcast_uses_only_data_up_to_as_of():
    df = _ytd()
    a = nowcast(df, "2017-03", n_paths=500)
    b = nowcast(df[df["ds"] <= "2017-03-31"], "2017-03", n_paths=500)
    pd.testing.assert_frame_equal(a, b)
    assert a.iloc[0]["month"] == 3


def test_jan_feb_is_the_first_release_and_january_is_rejected():
    df = _ytd()
    jan = nowcast(df, "2017-01", thresholds=(0.1,), n_paths=1000).iloc[0]
    assert jan["month"] == 0 and np.isnan(jan["ytd_growth"])
    assert jan["required_0.1"] == pytest.approx(0.1)
    feb = nowcast(df, "2017-02", n_paths=1000).iloc[0]
    assert feb["month"] == 2 and feb["ytd_growth"] == pytest.approx(0.10)
    bad = pd.concat([df, pd.DataFrame({"unique_id": ["zone"], "ds": [pd.Timestamp("2016-01-31")],
                                       "cum_value": [1.0], "cum_growth": [0.1]})])
    with pytest.raises(ValueError, match="series 'zone'.*January"):
        nowcast(bad, "2017-07")


def test_nowcast_bad_input_names_series():
    df = pd.concat([_ytd(uid="a"), _ytd(uid="b")], ignore_index=True)
    pct = df.copy()
    pct.loc[pct["unique_id"] == "b", "cum_growth"] = 10.0
    with pytest.raises(ValueError, match="series 'b'.*percent"):
        nowcast(pct, "2017-07")
    dup = pd.concat([df, df[df["unique_id"] == "b"].tail(1)])
    with pytest.raises(ValueError, match="series 'b'.*duplicated"):
        nowcast(dup, "2017-07")
    txt = df.astype({"cum_value": object})
    txt.loc[txt.index[-1], "cum_value"] = "abc"
    with pytest.raises(ValueError, match="series 'b'.*non-numeric"):
        nowcast(txt, "2017-07")


def test_nowcast_reproducible_and_callable_via_package():
    import zzforecast

    df = _ytd()
    df.loc[df["ds"].dt.month == 7, "cum_value"] *= np.linspace(0.95, 1.05, 10)
    a = zzforecast.nowcast(df, "2017-07", thresholds=(0.1,), seed=3)
    b = zzforecast.nowcast(df, "2017-07", thresholds=(0.1,), seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert 0 < a.iloc[0]["p_ge_0.1"] < 1


def test_nowcast_paths_match_nowcast():
    from zzforecast.estimate.nowcast import nowcast_paths

    df = _ytd()
    df.loc[df["ds"].dt.month == 7, "cum_value"] *= np.linspace(0.95, 1.05, 10)
    paths = nowcast_paths(df, "2017-07", n_paths=3000, seed=5)
    assert list(paths.columns) == ["unique_id", "year", "month", "sample_id", "growth"]
    assert len(paths) == 3000 and paths["sample_id"].max() == 2999
    summary = nowcast(df, "2017-07", n_paths=3000, seed=5).iloc[0]
    # nowcast reads the distribution exactly; the draws agree up to Monte Carlo error.
    sd = paths["growth"].std()
    assert abs(paths["growth"].median() - summary["mean"]) < 0.1 * sd
    assert abs(paths["growth"].quantile(0.1) - summary["lo-80"]) < 0.1 * sd
