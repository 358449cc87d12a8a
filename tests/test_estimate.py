"""The estimate stage: YearToDateModel's fit/predict contract, robust pieces computed by
hand, declared exceptional years, base effects, and the one as-of parser."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from zzforecast.data.asof import parse_as_of
from zzforecast.estimate import YearToDateModel
from zzforecast.estimate.robust import fit_t_at_80_95 as _fit_t
from zzforecast.estimate.robust import huber_location as _huber_location
from zzforecast.estimate.robust import jump_slope as _jump_slope
from zzforecast.estimate.robust import mad_scale as _mad
from zzforecast.estimate.ytd_frame import check_ytd_frame, ytd_table
from zzforecast.exceptions import NotFittedError, UserError


def _frame(surprise, years=range(2000, 2017), uid="s", growth=0.10, shock=None):
    """Year-to-date growth 10% in February, reaching 10% + surprise[year] (log points) by
    December, the surprise revealed evenly month by month (as real surprises are).

    ``shock`` = {year: (feb_log_deviation)}: months of that year move by a deviation that
    halves every month (the full year keeps its own value).
    """
    rows = []
    for y in years:
        for m in range(2, 13):
            x = np.log1p(growth) + surprise.get(y, 0.0) * (m - 2) / 10
            if shock and y in shock and m < 12:
                x += shock[y] * 0.5 ** (m - 2)
            rows.append({"unique_id": uid, "ds": pd.Timestamp(y, m, 1) + pd.offsets.MonthEnd(0),
                         "cum_growth": float(np.expm1(x))})
    return pd.DataFrame(rows)


def _wobbly(years=range(2000, 2017), amp=0.01, seed=0):
    rng = np.random.default_rng(seed)
    return {y: float(amp * rng.standard_normal()) for y in years}


def test_fit_returns_self_with_fitted_attributes_and_params_in_init():
    model = YearToDateModel(window=8)
    assert model.get_params()["window"] == 8
    with pytest.raises(NotFittedError):
        model.predict(_frame({}))
    fitted = model.fit(_frame(_wobbly()))
    assert fitted is model
    for name in ("slope_", "location_", "scale_", "tail_df_", "inflation_", "shock_quantiles_",
                 "exceptional_", "errors_", "last_year_"):
        assert hasattr(model, name), name
    assert model.last_year_ == 2016
    assert model.location_.shape == (1, 10) and model.scale_.shape == (1, 10)
    # The spread never grows as the year goes on.
    assert np.all(np.diff(model.scale_[0]) <= 1e-12)
    # Errors are rolling-origin: every scored year has min_years ordinary years before it.
    assert model.errors_["year"].min() >= 2000 + model.min_years


def test_predict_contract_and_uses_only_the_target_year():
    df = _frame(_wobbly(range(2000, 2018)), years=range(2000, 2018))
    model = YearToDateModel().fit(df, before=2017)
    this = df[(df["ds"].dt.year == 2017) & (df["ds"].dt.month <= 7)]
    pred = model.predict(this)
    assert list(pred.columns[:3]) == ["unique_id", "year", "month"]
    row = pred.iloc[0]
    assert row["year"] == 2017 and row["month"] == 7
    published = df[df["ds"] == "2017-07-31"]["cum_growth"].iloc[0]
    assert row["ytd_growth"] == pytest.approx(published)
    # Earlier years in the frame change nothing: the fit holds the history.
    again = model.predict(df[df["ds"] <= "2017-07-31"], as_of="2017-07")
    pd.testing.assert_frame_equal(pred, again)
    q = model.quantile(pred, [0.1, 0.5, 0.9])[0]
    assert q[0] < q[1] < q[2]
    p = model.prob_at_least(pred, [q[0], q[2]])
    assert p[0] == pytest.approx(0.9, abs=1e-3) and p[1] == pytest.approx(0.1, abs=1e-3)


def test_no_release_yet_starts_from_last_year_and_december_is_exact():
    df = _frame(_wobbly(range(2000, 2018)), years=range(2000, 2018))
    model = YearToDateModel().fit(df, before=2017)
    empty = model.predict(df[df["ds"].dt.year == 2017].iloc[:0])
    assert empty.iloc[0]["month"] == 0
    assert empty.iloc[0]["median"] == pytest.approx(float(np.expm1(model.last_full_year_[0])))
    full = model.predict(df[df["ds"].dt.year == 2017])
    assert full.iloc[0]["month"] == 12 and full.iloc[0]["scale"] == 0
    g = df[df["ds"] == "2017-12-31"]["cum_growth"].iloc[0]
    assert model.prob_at_least(full, g - 1e-9)[0] == 1.0
    assert model.prob_at_least(full, g + 1e-3)[0] == 0.0


def test_robust_scale_and_location_by_hand():
    v = np.array([1.0, 2.0, 3.0, 4.0, 100.0])
    # MAD: median 3, |dev| = 2,1,0,1,97 -> median 1; normalised by 1/0.6745.
    assert _mad(v, 0.0) == pytest.approx(1 / 0.6744897501960817)
    # Huber location with MAD scale: the outlier is down-weighted, not followed.
    assert 2.5 < _huber_location(v) < 3.6
    assert _mad(np.array([1.0, 2.0]), 7.0) == 7.0  # fewer than three values: the default


def test_jump_slope_is_robust_and_bounded():
    rng = np.random.default_rng(0)
    jump = rng.normal(0, 0.05, 40)
    d = -0.4 * jump + rng.normal(0, 0.002, 40)
    assert _jump_slope(d, jump) == pytest.approx(-0.4, abs=0.02)
    d_out = d.copy()
    d_out[0] = 5.0  # one absurd year does not move a Huber fit
    assert _jump_slope(d_out, jump) == pytest.approx(-0.4, abs=0.03)
    assert _jump_slope(2.0 * jump, jump) == 0.0  # bounded to [-1, 0]


def test_tail_fit_matches_the_80_and_95_percent_quantiles():
    from scipy import stats

    z = stats.t.rvs(3, size=20000, random_state=1) * 1.5
    df, scale = _fit_t(z)
    assert 2.5 < df < 3.6
    assert scale == pytest.approx(1.5, rel=0.08)
    normal = stats.norm.rvs(size=20000, random_state=2)
    assert _fit_t(normal)[0] > 15


def test_declared_exceptional_year_is_left_out_of_the_spread():
    surprise = _wobbly(amp=0.004)
    wild = [2008, 2010, 2012, 2014]
    for i, y in enumerate(wild):  # four wild years among the last ten
        surprise[y] = 0.04 * (-1) ** i
    df = _frame(surprise)
    plain = YearToDateModel(detect_z=None, jump=False).fit(df)
    declared = YearToDateModel(detect_z=None, jump=False, exceptional=wild).fit(df)
    # As documented: declared years are out of location and spread ...
    assert declared.exceptional_["s"] == wild
    assert declared.scale_[0, 0] < 0.5 * plain.scale_[0, 0]
    # ... but still shape the tails (their errors are in errors_).
    assert set(wild) <= set(declared.errors_["year"])
    per_series = YearToDateModel(detect_z=None, exceptional={"other": wild}).fit(df)
    assert per_series.exceptional_["s"] == []


def test_default_detection_flags_an_extraordinary_year():
    df = _frame(_wobbly(amp=0.004), shock={2012: -0.30})
    model = YearToDateModel().fit(df)
    assert 2012 in model.exceptional_["s"]


def test_base_effect_after_a_shock_keeps_the_centre_sane():
    # A 2020-like collapse early in 2015, and the inflated early months of 2016 on that base.
    years = range(2000, 2017)
    df = _frame(_wobbly(years, amp=0.004), years=years, shock={2015: -0.30, 2016: 0.30})
    model = YearToDateModel().fit(df, before=2016)
    feb = model.predict(df[(df["ds"].dt.year == 2016) & (df["ds"].dt.month == 2)]).iloc[0]
    assert feb["extraordinary"]
    ytd = feb["ytd_growth"]
    assert ytd > 0.40  # inflated by the base
    # The centre reverts toward last year's pace, inside the year's range +-10 points ...
    assert 0.10 - 0.10 <= feb["median"] <= ytd + 0.10
    assert feb["median"] < ytd - 0.05
    # ... and the spread admits the truth (10%) at 95%.
    lo, hi = model.quantile(model.predict(df[(df["ds"].dt.year == 2016)
                                             & (df["ds"].dt.month == 2)]), [0.025, 0.975])[0]
    assert lo <= 0.10 <= hi
    assert feb["warning"] == ""


def test_check_ytd_frame_names_series_row_and_field():
    df = _frame({})
    bad = df.copy()
    bad.loc[3, "cum_growth"] = -1.0
    with pytest.raises(UserError, match="row 5.*cum_growth.*series 's'.*-100%"):
        check_ytd_frame(bad, "f.csv")
    with pytest.raises(UserError, match="cum_growth"):
        check_ytd_frame(df.drop(columns="cum_growth"))


def test_scope_break_years_are_flagged_not_learnt():
    surprise = _wobbly(amp=0.002)
    df = _frame(surprise)
    df.loc[(df["ds"].dt.year == 2005) & (df["ds"].dt.month == 12), "cum_growth"] = 0.25
    table = ytd_table(check_ytd_frame(df))
    assert table.scope_break[0, table.year_index(2005)]
    model = YearToDateModel().fit(df)
    assert model.scope_breaks_["s"] == [2005]
    assert 2005 not in set(model.errors_["year"])


@pytest.mark.parametrize("text, expected", [("2017-07", (2017, 7)), ("2017-7", (2017, 7)),
                                            (" 2017-12 ", (2017, 12))])
def test_one_as_of_parser(text, expected):
    assert parse_as_of(text) == expected
    assert parse_as_of(pd.Timestamp("2017-07-31")) == (2017, 7)


@pytest.mark.parametrize("text", ["2017", "17-07", "2017-13", "2017-00", "abc", "1800-01"])
def test_as_of_parser_refuses(text):
    with pytest.raises(UserError, match="as-of"):
        parse_as_of(text)


def test_engine_uses_the_models_distribution():
    """The engine's full-year growth for one series matches the model's quantiles."""
    from zzforecast.estimate.engine_inputs import prepare_inputs
    from zzforecast.evaluate.ytd_backtest import _as_observations
    from zzforecast.simulate.paths import simulate_arrays

    df = check_ytd_frame(_frame(_wobbly(range(2000, 2018), amp=0.02), years=range(2000, 2018)))
    hist = df[df["ds"] <= "2017-05-31"]
    model = YearToDateModel().fit(hist, before=2017)
    pred = model.predict(hist)
    obs, clusters = _as_observations(hist, "s")
    inp = prepare_inputs(clusters, obs, 2017, "2017-05", indicators=("fai",))
    growth = simulate_arrays(inp, n_paths=20000, seed=1, keep_monthly=False)["growth"][:, 0, 0]
    q = model.quantile(pred, [0.1, 0.5, 0.9])[0]
    sim = np.quantile(growth.astype(float), [0.1, 0.5, 0.9])
    assert sim == pytest.approx(q, abs=0.15 * (q[2] - q[0]))
    assert inp.models["fai"].last_year_ == 2016


def test_methodology_cites_the_stored_evaluation_of_the_model():
    from zzforecast.report.text import calibration_evidence, methodology_appendix

    e = calibration_evidence()
    assert e["model"].startswith("YearToDateModel")
    for lang in ("zh", "en"):
        text = methodology_appendix(lang)
        assert f"{100 * e['engine']['coverage_80']:.1f}%" in text
        assert f"{e['carry_forward']['brier']:.3f}" in text
        assert "M3" not in text and "{calibration" not in text


def test_iav_level_uses_the_years_own_price_gap_for_the_months_published():
    """Nominal IAV = base (1 + real G) (1 + s gap + (1 - s) D): the published months' price
    change is data, only the rest of the year is the scenario's assumption."""
    from zzforecast.data.bundle import load_bundle
    from zzforecast.estimate.engine_inputs import prepare_inputs
    from zzforecast.simulate.paths import simulate_arrays

    bundle = load_bundle()
    inp = prepare_inputs(bundle.clusters, bundle.observations, 2017, "2017-07")
    j = inp.indicators.index("iav")
    paths = simulate_arrays(inp, n_paths=200, seed=0, deflator_mean=0.04, deflator_sd=0.0,
                            keep_monthly=False)
    c = int(np.nanargmax(np.abs(inp.price_gap[:, j] - 0.04)))
    s, gap = inp.share[c, j], inp.price_gap[c, j]
    assert np.isfinite(gap) and 0 < s < 1
    price = paths["annual"][:, c, j] / (inp.base[c, j] * (1 + paths["growth"][:, c, j])) - 1
    assert price == pytest.approx(s * gap + (1 - s) * 0.04, abs=1e-4)
    # by hand from the published levels and growth
    obs = bundle.observations
    row = obs[(obs.cluster_id == inp.cluster_ids[c]) & (obs.indicator == "iav")
              & (obs.frequency == "monthly_ytd")]
    now = row[(row.period == "2017-07") & (row.measure == "level")]["value"].iloc[0]
    last = row[(row.period == "2016-07") & (row.measure == "level")]["value"].iloc[0]
    g = row[(row.period == "2017-07") & (row.measure == "growth")]["value"].iloc[0]
    assert gap == pytest.approx(now / last / (1 + g) - 1)


def test_growth_only_years_carry_the_last_published_level_forward():
    """FAI after 2018: growth published, levels not; the zone still runs and is weighted."""
    from zzforecast.estimate.engine_inputs import prepare_inputs
    from zzforecast.evaluate.ytd_backtest import _as_observations

    df = check_ytd_frame(_frame(_wobbly(range(2000, 2018), amp=0.02), years=range(2000, 2018)))
    df["cum_value"] = 100.0 * df["month"] / 12 * 1.1 ** (df["year"] - 2000)
    obs, clusters = _as_observations(df[df["ds"] <= "2017-05-31"], "s")
    period_year = obs["period"].str[:4].astype(int)
    obs = obs[~((obs["measure"] == "level") & (period_year >= 2014))]  # levels stop in 2014
    inp = prepare_inputs(clusters, obs, 2017, "2017-05", indicators=("fai",))
    g = df[(df["month"] == 12) & df["year"].between(2014, 2016)].set_index("year")["cum_growth"]
    assert inp.base[0, 0] == pytest.approx(100 * 1.1 ** 13 * np.prod(1 + g.to_numpy()))
    assert inp.ytd_month[0, 0] == 5 and np.isfinite(inp.g_loc[0, 0])
    assert any("carried forward" in n for n in inp.notes)


def test_missing_iav_real_growth_is_an_exit_2_naming_file_and_period(tmp_path, capsys):
    """IAV growth is real: a month with a level and no growth is an error, never derived."""
    import shutil

    from zzforecast.cli import main

    root = tmp_path / "w"
    shutil.copytree("data", root / "data")
    shutil.copytree("params", root / "params")
    obs = pd.read_csv(root / "data" / "observations.csv")
    drop = ((obs["indicator"] == "iav") & (obs["measure"] == "growth")
            & (obs["period"] == "2017-07") & (obs["cluster_id"] == obs["cluster_id"].iloc[0]))
    assert drop.sum() == 1
    obs[~drop].to_csv(root / "data" / "observations.csv", index=False)
    code = main(["attain", "--year", "2017", "--as-of", "2017-07", "--n-paths", "200",
                 "--data", str(root / "data"), "--params", str(root / "params")])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "observations.csv" in err and "2017-07" in err and "iav" in err
    assert "Traceback" not in err


def test_annual_only_indicator_with_monthly_data_runs_through_the_within_year_model():
    """Revenue published monthly (year to date): its probability moves during the year."""
    import dataclasses

    from zzforecast.assess.attain import assess
    from zzforecast.data.bundle import load_bundle
    from zzforecast.simulate.engine import simulate

    bundle = load_bundle()
    obs = bundle.observations
    annual = obs[(obs["indicator"] == "revenue") & (obs["frequency"] == "annual")]
    level = annual[annual["measure"] == "level"].set_index(["cluster_id", "period"])["value"]
    growth = annual[annual["measure"] == "growth"].set_index(["cluster_id", "period"])["value"]
    template = annual.iloc[0]
    rng = np.random.default_rng(0)
    rows = []
    for (cid, period), g in growth.items():
        year = int(str(period)[:4])
        for y, g_y in ((year, g), (2017, 0.02)) if year == 2016 else ((year, g),):
            a = level.get((cid, str(y - 1)), np.nan)
            for m in range(2, 13 if y < 2017 else 8):
                drift = 0.03 * (12 - m) / 10 * rng.standard_normal()
                rows.append({**template.to_dict(), "cluster_id": cid, "frequency": "monthly_ytd",
                             "measure": "growth", "period": f"{y}-{m:02d}", "value": g_y + drift,
                             "unit": "fraction", "vintage": f"{y}-{m:02d}-01"})
                if np.isfinite(a):
                    rows.append({**rows[-1], "measure": "level", "unit": template["unit"],
                                 "value": a * (1 + g_y) * m / 12})
    monthly = pd.DataFrame(rows)
    monthly["vintage"] = (pd.to_datetime(monthly["vintage"]) + pd.offsets.MonthEnd(0)
                          + pd.Timedelta(days=15)).dt.strftime("%Y-%m-%d")
    with_monthly = dataclasses.replace(bundle, observations=pd.concat([obs, monthly],
                                                                      ignore_index=True))
    p = {}
    for as_of in ("2017-03", "2017-07"):
        sim = simulate(with_monthly, 2017, as_of, "baseline", n_paths=2000, seed=1,
                       keep_monthly=False)
        j = sim.indicators.index("revenue")
        assert (sim.ytd_month[:, j] == int(as_of[5:])).all()
        table = assess(sim, with_monthly, clusters=False).set_index("target_id")
        p[as_of] = (table.loc["revenue_city_level", "q50"],
                    float(np.median(sim.total("city").growth[:, j])))
    # The year's own pace (about +2%) now sets the centre, and it moves with each release.
    assert p["2017-03"][0] != p["2017-07"][0]
    assert -0.03 < p["2017-07"][1] < 0.07
    annual_only = simulate(bundle, 2017, "2017-07", "baseline", n_paths=2000, seed=1,
                           keep_monthly=False)
    assert annual_only.ytd_month[:, j].max() == 0
    assert np.median(annual_only.total("city").growth[:, j]) > p["2017-07"][1] + 0.03
