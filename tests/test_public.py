"""Loaders of the real public series in ../shared/data (NBS data; see that README)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from zzforecast.data.public import load_national_fai_monthly, load_province_panel


def test_national_fai_monthly(shared_data):
    d = load_national_fai_monthly(shared_data)
    assert list(d.columns) == ["unique_id", "ds", "cum_value", "cum_growth", "flags"]
    assert (d["ds"] == d["ds"] + pd.offsets.MonthEnd(0)).all()
    assert not (d["ds"].dt.month == 1).any()
    # Growth is the published column as a fraction (July 2017: 8.3 %), never recomputed.
    jul = d[d["ds"] == "2017-07-31"].iloc[0]
    assert jul["cum_growth"] == pytest.approx(0.083)
    assert d["cum_growth"].abs().max() < 1.0
    # Before the monthly releases only December exists, and it is flagged.
    early = d[d["ds"].dt.year < 1992]
    assert (early["ds"].dt.month == 12).all() and (early["flags"] == "annual_only").all()
    assert (d.loc[d["ds"].dt.month == 2, "flags"] == "first_release_jan_feb").all()


def test_national_fai_rejects_january(tmp_path, shared_data):
    src = (shared_data / "china_fai_monthly_cumulative_1981_2017-07.csv").read_text()
    bad = tmp_path / "fai.csv"
    bad.write_text(src + "2017-01,1.0,1.0,,\n")
    with pytest.raises(ValueError, match="row 289.*January"):
        load_national_fai_monthly(bad)


def test_province_panel(shared_data):
    p = load_province_panel(shared_data)
    fai = p["fai"]
    assert fai["unique_id"].nunique() == 31
    assert fai["ds"].min() == 2005 and fai["ds"].max() == 2017
    assert (fai.loc[fai["ds"] >= 2011, "flags"] == "scope_break_2011").all()
    assert (fai.loc[fai["ds"] < 2011, "flags"] == "").all()
    g = p["gdp_real_growth"]
    henan = g[g["unique_id"] == "河南"].set_index("ds")
    # The source's 2021 row (101.3) is 2020's growth: realigned to 2020.
    assert henan.loc[2020, "y"] == pytest.approx(0.013)
    assert henan.loc[2020, "flags"] == "gdp_index_realigned"
    emp = p["employment"]
    assert emp["y"].notna().all() and (emp["flags"] == "employment_gaps").any()


def test_missing_file_is_a_user_error(tmp_path):
    with pytest.raises(ValueError, match="file not found"):
        load_national_fai_monthly(tmp_path / "nope.csv")
    assert np.isfinite(1.0)
