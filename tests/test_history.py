"""How the odds moved and the forecast record (issue 13): stored runs read back robustly,
figures by vintage that add up, the record's error/hit computation against outcomes."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pandas as pd
import pytest

N_PATHS = 300
SEED = 3


@pytest.fixture(scope="module")
def bundle():
    from zzforecast.data.bundle import load_bundle

    return load_bundle()


def _run(bundle, as_of: str):
    from zzforecast.assess.attain import assess
    from zzforecast.data.vintages import published_bundle
    from zzforecast.simulate.engine import simulate

    state = published_bundle(bundle, as_of)
    sim = simulate(state, 2017, as_of, "baseline", n_paths=N_PATHS, seed=SEED)
    return state, sim, assess(sim, state)


def _store(root, year: int, as_of: str, *, targets=(), zones=(), status="ok", seed=0,
           n_paths=10000, overview=True):
    """A stored batch folder as the batch writes it (only the fields history reads)."""
    folder = root / str(year) / as_of / "baseline"
    folder.mkdir(parents=True)
    prov = {"seed": seed, "n_paths": n_paths, "year": year, "as_of": as_of}
    jobs = [{"name": "overview", "status": "ok" if overview else "failed"}]
    if overview:
        (folder / "overview.json").write_text(json.dumps(
            {"kind": "overview", "year": year, "as_of": as_of, "targets": list(targets),
             "provenance": prov}), encoding="utf-8")
    for cid, forecast in zones:
        jobs.append({"name": cid, "status": "ok"})
        (folder / f"{cid}.json").write_text(json.dumps(
            {"cluster_id": cid, "year": year, "as_of": as_of, "forecast": forecast,
             "targets": [], "provenance": prov}), encoding="utf-8")
    (folder / "run.json").write_text(json.dumps(
        {"year": year, "as_of": as_of, "scenario": "baseline", "status": status,
         "n_ok": 0 if status == "failed" else len(jobs), "jobs": jobs}), encoding="utf-8")
    return folder


def _target(tid, indicator, scope, kind, target, p, q50, comparison=">="):
    return {"target_id": tid, "indicator": indicator, "scope": scope, "kind": kind,
            "comparison": comparison, "target": target, "p_attain": p, "q50": q50}


def test_the_year_follows_the_as_of():
    from zzforecast.assess.history import plan_year
    from zzforecast.exceptions import UserError

    assert plan_year("2016-05") == 2016 and plan_year("2017-07", 2017) == 2017
    with pytest.raises(UserError, match="2017-07 is not a month of year 2016"):
        plan_year("2017-07", 2016)


def test_stored_runs_skip_what_is_not_a_finished_run_and_say_why(tmp_path):
    from zzforecast.assess.history import stored_runs

    _store(tmp_path, 2017, "2017-03", targets=[_target("fai_city_growth", "fai", "city",
                                                       "growth", 0.13, 0.4, 0.12)],
           zones=[("airport", {"fai": {"growth_q05": 0.0, "growth_q50": 0.1,
                                       "growth_q95": 0.2}})])
    _store(tmp_path, 2017, "2017-04", overview=False, status="partial",
           zones=[("airport", {"fai": {"growth_q05": 0.01, "growth_q50": 0.11,
                                       "growth_q95": 0.21}})])
    _store(tmp_path, 2017, "2017-05", status="failed")
    (tmp_path / "2017" / "2017-06" / "baseline").mkdir(parents=True)  # a killed batch
    broken = _store(tmp_path, 2017, "2017-02")
    (broken / "run.json").write_text("{not json", encoding="utf-8")
    odd = _store(tmp_path, 2017, "2017-07", targets=[])
    (odd / "overview.json").write_text("[1, 2", encoding="utf-8")
    (tmp_path / "2017" / "notes").mkdir()  # not a vintage folder: ignored
    runs = stored_runs(tmp_path, "baseline", year=2017)
    assert list(runs.headline["as_of"]) == ["2017-03"]
    row = runs.headline.iloc[0]
    assert (row["p_attain"], row["median"], row["n_paths"]) == (0.4, 0.12, 10000)
    assert sorted(runs.zones["as_of"]) == ["2017-03", "2017-04"]
    text = "\n".join(runs.notes)
    for words in ("2017-02/baseline/run.json is unreadable", "2017-04/baseline: no overview.json",
                  "2017-05/baseline: the batch failed", "2017-06/baseline: no run.json",
                  "2017-07/baseline/overview.json is unreadable"):
        assert words in text, words
    assert len(stored_runs(tmp_path, "baseline", year=2017, through="2017-03").zones) == 1
    assert stored_runs(tmp_path / "absent", "baseline").headline.empty
    assert stored_runs(None, "baseline").notes == ()


def test_the_forecast_record_scores_forecasts_once_the_outcome_exists(tmp_path, bundle):
    """2016's December is in the bundled data: error, hit and Brier score against it; 2017's
    is not: the forecast stays on record without an outcome."""
    from zzforecast.assess.history import december_outcomes, forecast_record, stored_runs

    outcomes = december_outcomes(bundle.observations, bundle.clusters, 2016)
    city = outcomes.set_index(["scope", "indicator"])
    g, level = city.loc[("city", "fai"), "growth"], city.loc[("city", "fai"), "level"]
    # One zone's outcome is its own published December figure.
    obs = bundle.observations
    own = obs[(obs["cluster_id"] == "airport") & (obs["indicator"] == "fai")
              & (obs["period"].astype(str) == "2016-12") & (obs["measure"] == "growth")]
    assert city.loc[("airport", "fai"), "growth"] == pytest.approx(float(own["value"].iloc[-1]))
    _store(tmp_path, 2016, "2016-05", targets=[
        _target("fai_city_growth", "fai", "city", "growth", g - 0.01, 0.7, g + 0.004),
        _target("fai_city_level", "fai", "city", "level", level + 50.0, 0.3, level - 20.0),
        _target("revenue_city_level", "revenue", "city", "level", 1.0, 0.9, 2.0)])
    _store(tmp_path, 2017, "2017-05", targets=[
        _target("fai_city_growth", "fai", "city", "growth", 0.13, 0.25, 0.11)])
    record = forecast_record(stored_runs(tmp_path, "baseline"), bundle.observations,
                             bundle.clusters).set_index(["year", "target_id"])
    hit = record.loc[(2016, "fai_city_growth")]
    assert hit["outcome"] == pytest.approx(g) and hit["reached"] == 1.0
    assert hit["error"] == pytest.approx(0.004) and hit["brier"] == pytest.approx(0.09)
    miss = record.loc[(2016, "fai_city_level")]
    assert miss["outcome"] == pytest.approx(level) and miss["reached"] == 0.0
    assert miss["error"] == pytest.approx(-20.0) and miss["brier"] == pytest.approx(0.09)
    # revenue is annual-only in the bundle's monthly frame: no December figure, no score
    assert pd.isna(record.loc[(2016, "revenue_city_level"), "outcome"]) or \
        record.loc[(2016, "revenue_city_level"), "reached"] in (0.0, 1.0)
    waiting = record.loc[(2017, "fai_city_growth")]
    assert pd.isna(waiting["outcome"]) and pd.isna(waiting["brier"])
    assert december_outcomes(bundle.observations, bundle.clusters, 2017).empty


@pytest.fixture(scope="module")
def history(bundle, tmp_path_factory):
    """2017-03 with a stored 1–2月 run whose P differs from the recomputation."""
    from zzforecast.assess.history import stored_runs, vintage_history

    root = tmp_path_factory.mktemp("stored")
    _store(root, 2017, "2017-02", targets=[
        _target("fai_city_growth", "fai", "city", "growth", 0.13, 0.5, 0.1)], seed=7)
    state, sim, table = _run(bundle, "2017-03")
    stored = stored_runs(root, "baseline", year=2017, through="2017-03")
    return vintage_history(state, sim, table, stored=stored, n_paths=N_PATHS, seed=SEED), \
        (state, sim, table, stored)


def test_figures_by_vintage_add_up_and_say_where_they_come_from(history):
    from zzforecast.assess.history import RECOMPUTED, SETTINGS, STORED, THIS_RUN

    result, _ = history
    by = result.by_vintage.set_index(["as_of", "target_id", "scope"])
    stored = by.loc[("2017-02", "fai_city_growth", "city")]
    assert (stored["source"], stored["p_attain"], stored["seed"]) == (STORED, 0.5, 7)
    assert by.loc[("2017-02", "iav_city_growth", "city"), "source"] == RECOMPUTED
    assert set(by.loc["2017-03", "source"]) == {THIS_RUN}
    assert result.vintages(STORED) == ["2017-02"] and result.vintages(THIS_RUN) == ["2017-03"]
    d = result.decomposition
    assert {"calendar", "revisions", SETTINGS} <= set(d["component"])
    for (f, t, tid, scope), part in d.groupby(["from_as_of", "to_as_of", "target_id", "scope"]):
        assert part["delta_p"].sum() == pytest.approx(
            by.loc[(t, tid, scope), "p_attain"] - by.loc[(f, tid, scope), "p_attain"], abs=1e-12)
        assert part["delta_median"].sum() == pytest.approx(
            by.loc[(t, tid, scope), "median"] - by.loc[(f, tid, scope), "median"], abs=1e-9)
    # Same seed and paths for this run and the recomputation: no settings effect where
    # both vintages were recomputed.
    iav = d[(d["target_id"] == "iav_city_growth") & (d["component"] == SETTINGS)]
    assert iav["delta_p"].abs().max() == pytest.approx(0.0, abs=1e-12)


def test_the_same_seed_gives_the_same_figures(history):
    from zzforecast.assess.history import vintage_history

    result, (state, sim, table, stored) = history
    again = vintage_history(state, sim, table, stored=stored, n_paths=N_PATHS, seed=SEED)
    pd.testing.assert_frame_equal(result.by_vintage, again.by_vintage)
    pd.testing.assert_frame_equal(result.decomposition, again.decomposition)


def test_zone_history_reads_stored_zones_and_shares_its_recomputation(bundle, tmp_path):
    from zzforecast.assess.history import RECOMPUTED, STORED, THIS_RUN, stored_runs, zone_history

    state, sim, table = _run(bundle, "2017-04")
    _store(tmp_path / "root", 2017, "2017-03", zones=[
        ("airport", {"fai": {"growth_q05": 0.0, "growth_q50": 0.123, "growth_q95": 0.2}})])
    stored = stored_runs(tmp_path / "root", "baseline", year=2017)
    cache = tmp_path / "work"
    cache.mkdir()
    first, _ = zone_history(state, sim, table, stored=stored, n_paths=N_PATHS, seed=SEED,
                            cache_dir=cache)
    assert len(list(cache.glob("zone_history_*.csv"))) == 1
    again, _ = zone_history(state, sim, table, stored=stored, n_paths=N_PATHS, seed=SEED,
                            cache_dir=cache)
    fresh, _ = zone_history(state, sim, table, stored=stored, n_paths=N_PATHS, seed=SEED)
    pd.testing.assert_frame_equal(first, again)
    pd.testing.assert_frame_equal(first, fresh)
    airport = first[(first["cluster_id"] == "airport") & (first["indicator"] == "fai")]
    assert list(airport["as_of"]) == ["2017-02", "2017-03", "2017-04"]
    assert list(airport["source"]) == [RECOMPUTED, STORED, THIS_RUN]
    assert airport["median"].iloc[1] == 0.123
    xinmi = first[first["cluster_id"] == "xinmi"]
    assert set(xinmi.loc[xinmi["as_of"] == "2017-03", "source"]) == {RECOMPUTED}


def test_the_output_root_is_found_from_the_batch_results_path(tmp_path):
    from zzforecast.report.history import reports_root

    staged = tmp_path / "out" / "2017" / "2017-07" / ".baseline.staging-1a2b" / "overview.json"
    assert reports_root(staged) == (tmp_path / "out").resolve()
    assert reports_root(tmp_path / "xinmi.json") is None and reports_root(None) is None


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_sections_say_what_they_show(bundle, tmp_path, lang):
    from zzforecast.report.history import ReportHistory
    from zzforecast.report.inputs import ReportInputs

    state, sim, table = _run(bundle, "2017-03")
    root = tmp_path / "reports"
    _store(root, 2017, "2017-02", targets=[
        _target("fai_city_growth", "fai", "city", "growth", 0.13, 0.5, 0.1)])
    _store(root, 2017, "2017-03", targets=[  # the run this one replaces: not on the record
        _target("fai_city_growth", "fai", "city", "growth", 0.13, 0.777, 0.1)])
    # the sections read only the attainment's table
    inputs = ReportInputs(bundle=state, simulation=sim, attainment=SimpleNamespace(table=table),
                          scenarios=None,
                          precomputed=False, year=2017, as_of="2017-03", scenario="baseline",
                          lang=lang)
    history = ReportHistory(inputs, root=root, n_paths=N_PATHS)
    odds, record, zone = history.odds().data, history.record().data, history.zone("xinmi").data
    zh = lang == "zh"
    for words in (("达标概率的变化", 'alt="达标概率的变化', "合成数据", "存档运行", "本次重算",
                   f"{N_PATHS}条路径，随机种子{SEED}", "各月变化的来源", "日历", "参数、情景与路径")
                  if zh else
                  ("How the odds moved", 'alt="How the odds moved', "synthetic", "stored runs",
                   "recomputed now", f"{N_PATHS} paths, seed {SEED}", "Calendar")):
        assert words in odds, words
    assert ("2017年的结果（12月即1–12月累计数据）尚未公布" if zh else
            "No outcome exists yet for 2017") in record
    assert ("尚未公布" if zh else "not yet published") in record
    assert "50%" in record and "78%" not in record
    assert ("本区预测的变化" if zh else "How this zone&#x27;s outlook moved") in zone
    assert "<script" not in odds + record + zone
