"""Data vintages (issue 11, issue 14 item 11): an as-of uses only what was published by then."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from zzforecast.data.bundle import load_bundle
from zzforecast.data.vintages import (
    DEFAULT_LAGS,
    LAGS_FILE,
    ReleaseLags,
    as_published,
    load_release_lags,
)
from zzforecast.exceptions import ParamsError
from zzforecast.simulate.engine import simulate

ROOT = Path(__file__).resolve().parents[1]


def _row(period, value, vintage, measure="level", cid="a", freq="monthly_ytd"):
    return {"cluster_id": cid, "indicator": "fai", "measure": measure, "frequency": freq,
            "period": period, "value": value, "unit": "亿元", "price_basis": "nominal",
            "source": "hand", "vintage": vintage, "synthetic": True}


def test_default_lags_and_as_of_dates():
    assert str(DEFAULT_LAGS.as_of_date("2017-07").date()) == "2017-08-15"
    assert str(DEFAULT_LAGS.as_of_date("2017-02").date()) == "2017-03-15"
    assert str(DEFAULT_LAGS.as_of_date("2017-12").date()) == "2018-01-15"
    assert str(DEFAULT_LAGS.release_date("fai", "annual", "2016").date()) == "2017-02-28"
    lags = ReleaseLags(default={"monthly_ytd": 15, "annual": 59},
                       indicators={"iav": {"monthly_ytd": 20}})
    assert lags.days("iav", "monthly_ytd") == 20 and lags.days("fai", "monthly_ytd") == 15
    assert str(lags.as_of_date("2017-07").date()) == "2017-08-20"  # the slowest indicator


def test_a_revised_figure_gives_the_as_of_its_latest_published_value():
    obs = pd.DataFrame([
        _row("2017-05", 100.0, "2017-06-15"),   # first release
        _row("2017-05", 104.0, "2017-07-10"),   # revised before June's release
        _row("2017-05", 110.0, "2018-03-01"),   # year-end reconciliation
        _row("2017-06", 130.0, "2017-07-15"),
        _row("2017-06", 999.0, "2099-01-01"),   # stamped in the future: never seen
        _row("2016", 300.0, "2017-02-28", freq="annual"),
    ])
    may = as_published(obs, "2017-05")  # published by 2017-06-15
    assert may.loc[may["period"] == "2017-05", "value"].tolist() == [100.0]
    assert "2017-06" not in set(may["period"])
    june = as_published(obs, "2017-06")  # by 2017-07-15: the July revision of May is out
    assert june.loc[june["period"] == "2017-05", "value"].tolist() == [104.0]
    assert june.loc[june["period"] == "2017-06", "value"].tolist() == [130.0]
    late = as_published(obs, "2018-02")  # after the reconciliation
    assert late.loc[late["period"] == "2017-05", "value"].tolist() == [110.0]
    assert late.loc[late["period"] == "2017-06", "value"].tolist() == [130.0]
    assert june.attrs["published_by"] == "2017-07-15"
    assert as_published(june, "2017-06") is june  # idempotent


def _bundled():
    return load_bundle(ROOT / "data", ROOT / "params", 2017)


def test_bundled_panel_is_stamped_with_release_dates():
    obs = _bundled().observations
    expected = [str(DEFAULT_LAGS.release_date(i, f, p).date()) for i, f, p in
                zip(obs["indicator"], obs["frequency"], obs["period"], strict=True)]
    assert (obs["vintage"].astype(str).to_numpy() == np.array(expected)).all()
    assert obs["synthetic"].all()
    assert obs["source"].str.startswith("synthetic: zzforecast.data.synthetic").all()
    # an earlier as-of keeps seeing its own months
    march = as_published(obs, "2017-03")
    periods = set(march.loc[march["frequency"] == "monthly_ytd", "period"])
    assert "2017-03" in periods and "2017-04" not in periods
    assert "2016" in set(march.loc[march["frequency"] == "annual", "period"])


def test_synthetic_generator_stamps_the_same_vintages():
    from zzforecast.data.national_shape import national_fai_shares as national
    from zzforecast.data.synthetic import generate_observations

    bundle = _bundled()
    try:
        shares = national()
    except Exception as exc:  # noqa: BLE001 - the shared national series is not present
        pytest.skip(f"national FAI series unavailable: {exc}")
    fresh = generate_observations(bundle.clusters, national_shares=shares)
    on_disk = pd.read_csv(ROOT / "data" / "observations.csv", dtype=str)
    assert fresh["vintage"].tolist() == on_disk["vintage"].tolist()


def _with_rows(bundle, rows):
    extra = pd.DataFrame(rows)
    obs = bundle.observations
    extra = extra.assign(year=extra["period"].str[:4].astype(int))
    extra["ds"] = [pd.Timestamp(p + "-01") + pd.offsets.MonthEnd(0) if len(p) > 4 else int(p)
                   for p in extra["period"]]
    return dataclasses.replace(bundle, observations=pd.concat([obs, extra[obs.columns]],
                                                              ignore_index=True))


def _revisions(bundle, period, vintage, factor):
    """A revision of every zone's FAI level and growth for ``period``, with ``vintage``."""
    obs = bundle.observations
    hit = obs[(obs["indicator"] == "fai") & (obs["period"] == period)]
    rows = []
    for r in hit.itertuples(index=False):
        value = r.value * factor if r.measure == "level" else r.value + 0.2
        rows.append({**r._asdict(), "value": value, "vintage": vintage})
    return rows


def test_issue14_item11_rows_vintaged_2099_change_nothing():
    bundle = _bundled()
    base = simulate(bundle, 2017, "2017-07", "baseline", n_paths=300, seed=5,
                    keep_monthly=False)
    future = _with_rows(bundle, _revisions(bundle, "2017-07", "2099-01-01", 3.0)
                        + _revisions(bundle, "2017-06", "2099-01-01", 3.0))
    assert len(future.observations) > len(bundle.observations)
    again = simulate(future, 2017, "2017-07", "baseline", n_paths=300, seed=5,
                     keep_monthly=False)
    assert np.array_equal(base.annual, again.annual, equal_nan=True)
    assert np.array_equal(base.growth, again.growth, equal_nan=True)


def test_a_revision_changes_the_result_only_once_published():
    bundle = _bundled()
    # May's figures corrected on 2017-06-20, five days after May's release (06-15)
    revised = _with_rows(bundle, _revisions(bundle, "2017-05", "2017-06-20", 1.5))

    def run(b):
        sim = simulate(b, 2017, "2017-05", "baseline", n_paths=300, seed=5,
                       keep_monthly=False)
        return sim.growth[:, :, sim.indicators.index("fai")]

    base = run(bundle)
    assert np.array_equal(base, run(revised), equal_nan=True)  # not yet published
    # with a 20-day lag the as-of 2017-05 is dated 2017-06-20: the revision is seen
    slow = ReleaseLags(default={"monthly_ytd": 20, "annual": 59})
    seen = run(dataclasses.replace(revised, release_lags=slow))
    assert np.nanmean(seen) > np.nanmean(base) + 0.1  # growth revised up 20 points
    assert np.array_equal(base, run(dataclasses.replace(bundle, release_lags=slow)),
                          equal_nan=True)


def test_as_of_whose_rows_are_published_later_says_so():
    bundle = _bundled()
    obs = bundle.observations
    late = obs.assign(vintage=np.where(obs["period"] == "2017-07", "2017-08-20", obs["vintage"]))
    with pytest.raises(Exception) as info:
        simulate(dataclasses.replace(bundle, observations=late), 2017, "2017-07", "baseline",
                 n_paths=100, seed=0)
    message = str(info.value)
    assert "2017-08-15" in message and "2017-08-20" in message and "release_lags" in message


# --------------------------------------------------------------------------- the params file

@pytest.mark.parametrize(("text", "field", "words"), [
    ("default:\n  monthly_ytd: -3\n", "default.monthly_ytd", "greater than or equal"),
    ("default:\n  monthly: 15\n", "default.monthly", "unknown key"),
    ("indicators:\n  gdp: {monthly_ytd: 10}\n", "indicators", "unknown indicator 'gdp'"),
    ("default:\n  annual: fifty\n", "default.annual", "whole number"),
    ("default:\n  monthly_ytd: 400\n", "default.monthly_ytd", "less than or equal"),
])
def test_bad_release_lags_name_file_line_and_field(tmp_path, text, field, words):
    path = tmp_path / LAGS_FILE
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParamsError) as info:
        load_release_lags(path)
    problem = info.value.problems[0]
    assert problem.file == str(path) and problem.field == field and problem.row is not None
    assert words in problem.message


def test_bundled_release_lags_file_is_the_default():
    lags = load_release_lags(ROOT / "params" / LAGS_FILE)
    assert lags.default == DEFAULT_LAGS.default
    assert lags.as_of_date("2017-07") == DEFAULT_LAGS.as_of_date("2017-07")


def _copy(tmp_path):
    data, params = tmp_path / "data", tmp_path / "params"
    shutil.copytree(ROOT / "data", data)
    shutil.copytree(ROOT / "params", params)
    return data, params


def _cli(args, cwd):
    return subprocess.run([sys.executable, "-m", "zzforecast", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def test_validate_and_attain_refuse_a_bad_lags_file_with_exit_2(tmp_path):
    data, params = _copy(tmp_path)
    (params / LAGS_FILE).write_text("default:\n  monthly_ytd: -1\n", encoding="utf-8")
    for args in (["validate"], ["attain", "--as-of", "2017-07", "--n-paths", "50"]):
        out = _cli([*args, "--data", str(data), "--params", str(params)], tmp_path)
        assert out.returncode == 2, out.stderr
        assert "release_lags.yaml" in out.stderr and "default.monthly_ytd" in out.stderr
        assert "Traceback" not in out.stderr


def test_attain_json_ignores_rows_vintaged_2099(tmp_path):
    data, params = _copy(tmp_path)
    args = ["attain", "--as-of", "2017-06", "--n-paths", "200", "--format", "json",
            "--data", str(data), "--params", str(params)]
    before = json.loads(_cli(args, tmp_path).stdout)
    obs = pd.read_csv(data / "observations.csv", dtype=str, keep_default_na=False)
    extra = obs[obs["period"].isin(["2017-05", "2017-06", "2017-07"])].copy()
    extra["value"] = [str(float(v) * 2) if m == "level" else "0.5"
                      for v, m in zip(extra["value"], extra["measure"], strict=True)]
    extra["vintage"] = "2099-12-31"
    pd.concat([obs, extra]).to_csv(data / "observations.csv", index=False)
    out = _cli(args, tmp_path)
    assert out.returncode == 0, out.stderr
    after = json.loads(out.stdout)
    keep = ("target_id", "scope", "p_attain", "required_growth", "quantiles")
    assert [{k: t.get(k) for k in keep} for t in after["targets"]] == \
        [{k: t.get(k) for k in keep} for t in before["targets"]]
    assert after["progress"] == before["progress"]


def test_track_splits_out_revisions_published_between_two_vintages():
    from zzforecast.assess.track import track

    bundle = _bundled()
    obs = bundle.observations
    # last year's annual levels revised down 10% on 2017-05-01 (a reconciliation): after
    # as-of 2017-03's publication date (04-15), by 2017-04's (05-15)
    hit = obs[(obs["indicator"] == "fai") & (obs["period"] == "2016")
              & (obs["measure"] == "level")]
    rows = [{**r._asdict(), "value": r.value * 0.9, "vintage": "2017-05-01"}
            for r in hit.itertuples(index=False)]
    revised = _with_rows(bundle, rows)
    result = track(revised, 2017, "2017-04", n_paths=300, seed=1)
    d = result.decomposition
    rev = d[(d["component"] == "revisions") & (d["scope"] == "city")
            & (d["target_id"] == "fai_city_level")].set_index("to_as_of")["delta_p"]
    assert rev["2017-03"] == 0.0 and abs(rev["2017-04"]) > 0.01
    by = result.by_vintage.set_index(["as_of", "target_id", "scope"])["p_attain"]
    for (f, t, tid, scope), part in d.groupby(["from_as_of", "to_as_of", "target_id", "scope"]):
        assert part["delta_p"].sum() == pytest.approx(by[(t, tid, scope)] - by[(f, tid, scope)],
                                                      abs=1e-12)
    # each vintage equals a plain run on the same data
    sim = simulate(revised, 2017, "2017-04", "baseline", n_paths=300, seed=1,
                   keep_monthly=False)
    from zzforecast.assess.attain import assess

    table = assess(sim, revised, clusters=False).set_index(["target_id", "scope"])
    assert by[("2017-04", "fai_city_growth", "city")] == pytest.approx(
        table.loc[("fai_city_growth", "city"), "p_attain"])


def test_published_bundle_states_its_own_latest_vintage():
    from zzforecast.data.vintages import published_bundle

    bundle = _bundled()
    march = published_bundle(bundle, "2017-03")
    assert march.vintage == "2017-04-15" and bundle.vintage == "2017-08-15"
    assert march.observations["vintage"].astype(str).max() == "2017-04-15"
    assert published_bundle(march, "2017-03") is march
