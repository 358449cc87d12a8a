"""Assessment of targets: analytic Gaussian cases, required growth, drivers, stars, JSON."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from attain_fixtures import FakeTarget, make_bundle

from zzforecast.assess.attain import ASSESS_COLUMNS, assess, joint_attainment
from zzforecast.assess.drivers import drivers
from zzforecast.assess.serialise import to_json
from zzforecast.assess.stars import star_ratings
from zzforecast.data.plan_stars import load_star_rules
from zzforecast.estimate.nowcast import required_growth
from zzforecast.exceptions import ParamsError
from zzforecast.simulate.engine import simulate
from zzforecast.simulate.simulation import Simulation

PARAMS = Path(__file__).resolve().parents[1] / "params"
N = 40_000


def _phi(x):
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def _pdf(x):
    return math.exp(-x * x / 2) / math.sqrt(2 * math.pi)


def _gaussian_sim(means, sds, *, base=(100.0, 50.0), share=0.5, g=0.1, rho=0.0, seed=0):
    """Two clusters, one indicator (FAI), growth ~ N(mean, sd) with correlation rho."""
    rng = np.random.default_rng(seed)
    n_c = len(means)
    corr = np.full((n_c, n_c), rho)
    np.fill_diagonal(corr, 1)
    z = rng.standard_normal((N, n_c)) @ np.linalg.cholesky(corr).T
    growth = (np.asarray(means) + np.asarray(sds) * z).astype(np.float32)[:, :, None]
    base_arr = np.asarray(base, float)[:, None]
    annual = (base_arr[None] * (1 + growth)).astype(np.float32)
    shape = (n_c, 1)
    remaining = ((growth[:, :, 0] - share * g) / (1 - share))[:, :, None].astype(np.float32)
    return Simulation(
        cluster_ids=tuple(f"k{i}" for i in range(n_c)),
        cluster_levels=("provincial",) + ("municipal",) * (n_c - 1), indicators=("fai",),
        annual=annual, growth=growth, remaining=remaining,
        deflator=np.zeros(N, np.float32), base=base_arr, share=np.full(shape, share),
        ytd_growth=np.full(shape, g), ytd_month=np.full(shape, 7),
        cum_last=share * base_arr, mu=np.zeros(shape), sigma=np.zeros(shape),
        corr=corr, year=2017, as_of="2017-07", scenario_name="test", seed=seed, n_paths=N,
        data_digest="d", params_digest="p", version="t", synthetic=True,
    )


class _Bundle:
    def __init__(self, targets, clusters=None):
        self.targets = targets
        self.cluster_targets = None
        self.clusters = clusters
        self.params_dir = PARAMS


def test_gaussian_probabilities_quantiles_and_shortfall():
    sim = _gaussian_sim([0.10, 0.10], [0.03, 0.03])
    bundle = _Bundle([FakeTarget("g13", "fai", "k0", "growth", 0.13, tolerance=0.01,
                                 quote="13%左右")])
    row = assess(sim, bundle).iloc[0]
    mu, sd, t = 0.10, 0.03, 0.13
    a = (t - mu) / sd
    assert abs(row.p_attain - (1 - _phi(a))) < 0.006
    assert abs(row.p_attain_within_tolerance - (1 - _phi((t - 0.01 - mu) / sd))) < 0.008
    assert abs(row.q50 - mu) < 0.001 and abs(row.q95 - (mu + 1.6449 * sd)) < 0.002
    assert abs(row.q05 - (mu - 1.6449 * sd)) < 0.002
    # E[t - X | X < t] for X ~ N(mu, sd): sd * (a + pdf(a) / Phi(a))
    assert abs(row.expected_shortfall - sd * (a + _pdf(a) / _phi(a))) < 0.001
    assert list(assess(sim, bundle).columns) == list(ASSESS_COLUMNS)


def test_aggregate_target_and_correlation_raise_the_joint_probability():
    targets = [FakeTarget("city", "fai", "city", "growth", 0.12),
               FakeTarget("prov", "fai", "provincial", "growth", 0.12)]
    indep = _gaussian_sim([0.10, 0.10], [0.03, 0.03], rho=0.0)
    table = assess(indep, _Bundle(targets)).set_index("target_id")
    # city growth = base-weighted mean of N(0.10, 0.03) with weights 2/3, 1/3 (independent)
    sd_city = 0.03 * math.sqrt((2 / 3) ** 2 + (1 / 3) ** 2)
    assert abs(table.loc["city", "p_attain"] - (1 - _phi(0.02 / sd_city))) < 0.006
    j_indep = joint_attainment(indep, _Bundle(targets)).set_index("joint_id").loc["fai"]
    corr = _gaussian_sim([0.10, 0.10], [0.03, 0.03], rho=0.8)
    j_corr = joint_attainment(corr, _Bundle(targets)).set_index("joint_id").loc["fai"]
    assert j_corr.p_joint > j_indep.p_joint
    assert j_corr.p_joint <= assess(corr, _Bundle(targets))["p_attain"].min() + 1e-12


def test_level_targets_and_comparison():
    sim = _gaussian_sim([0.10, 0.10], [0.02, 0.02])
    targets = [FakeTarget("lvl", "fai", "city", "level", 165.0, unit="亿元"),
               FakeTarget("cap", "fai", "k1", "growth", 0.12, comparison="<=")]
    table = assess(sim, _Bundle(targets)).set_index("target_id")
    city = sim.total("city").annual[:, 0]
    assert table.loc["lvl", "p_attain"] == pytest.approx(np.mean(city >= 165.0))
    assert table.loc["cap", "p_attain"] == pytest.approx(np.mean(sim.growth[:, 1, 0] <= 0.12))
    assert math.isnan(table.loc["lvl", "p_attain_within_tolerance"])


def test_required_growth_formula_by_hand():
    # (1.13 * 200 - 120) / (200 - 100) - 1 = 0.06
    assert required_growth(0.13, 120.0, 200.0, 100.0) == pytest.approx(0.06)
    out = required_growth(np.array([0.1, 0.2]), np.array([60, 60]), np.array([100, 100]),
                          np.array([50, 50]))
    assert np.allclose(out, [(110 - 60) / 50 - 1, (120 - 60) / 50 - 1])


def test_required_growth_in_the_table_reaches_the_target():
    sim = _gaussian_sim([0.10, 0.10], [0.03, 0.03], share=0.4, g=0.08)
    table = assess(sim, _Bundle([FakeTarget("t", "fai", "city", "growth", 0.13)])).iloc[0]
    # G = s g + (1 - s) r  =>  r* = (g* - s g) / (1 - s)
    assert table.required_growth == pytest.approx((0.13 - 0.4 * 0.08) / 0.6, rel=1e-5)


def test_drivers_add_up_and_both_rules_reach_the_target():
    sim = _gaussian_sim([0.08, 0.12], [0.02, 0.02], share=0.5, g=0.1)
    frame = drivers(sim, _Bundle([FakeTarget("t", "fai", "city", "growth", 0.13)]))
    a = frame.attrs
    assert frame["contribution_to_gap"].sum() == pytest.approx(a["expected_gap"], abs=1e-9)
    assert a["expected_growth"] == pytest.approx(
        (frame["weight"] * frame["expected_growth"]).sum())
    for col in ("required_growth_equal", "required_growth_proportional"):
        assert (frame["weight"] * frame[col]).sum() == pytest.approx(0.13, abs=1e-9)
    equal_uplift = frame["required_remaining_equal"] - frame["expected_remaining"]
    assert np.allclose(equal_uplift, equal_uplift.iloc[0])
    ratio = (1 + frame["required_remaining_proportional"]) / (1 + frame["expected_remaining"])
    assert np.allclose(ratio, ratio.iloc[0])
    assert frame.iloc[0]["cluster_id"] == "k0"  # the bigger drag comes first


def test_star_ratings_follow_the_rules(tmp_path):
    (tmp_path / "stars.yaml").write_text(
        "assumption: true\nlevels:\n  1: {revenue_min: 100}\n  2: {revenue_min: 110}\n",
        encoding="utf-8")
    rules = load_star_rules(tmp_path)
    bundle = make_bundle(PARAMS, n=6)
    sim = simulate(bundle, 2017, "2017-07", "baseline", n_paths=2000, seed=1, keep_monthly=False)
    stars = star_ratings(sim, bundle, rules=rules).set_index("cluster_id")
    j = sim.indicators.index("revenue")
    assert stars.loc["c00", "p_reach_target"] == 0  # asks for 6 stars; rules stop at 2
    assert stars.loc["c02", "p_reach_target"] == pytest.approx(np.mean(sim.annual[:, 2, j] >= 110))
    assert stars.loc["c03", "p_reach_target"] == pytest.approx(np.mean(sim.annual[:, 3, j] >= 100))
    cols = [f"p_stars_{k}" for k in range(7)]
    assert np.allclose(stars[cols].sum(axis=1), 1)
    assert star_ratings(sim, bundle).attrs["assumption"] is True  # bundled plan stars.yaml


@pytest.mark.parametrize("body, words", [
    ("levels: {1: {revenue_min: 100}}\n", "assumption"),
    ("assumption: true\nlevels: {1: {revenue_minimum: 100}}\n", "unknown key"),
    ("assumption: true\nlevels: {1: {revenue_min: 200}, 2: {revenue_min: 100}}\n", "rise"),
    ("assumption: true\nlevels: {7: {revenue_min: 100}}\n", "1 to 6"),
    ("assumption: true\nlevels: {4: {iav_growth_min: 8}}\n", "percent"),
])
def test_bad_star_rules_are_params_errors(tmp_path, body, words):
    (tmp_path / "stars.yaml").write_text(body, encoding="utf-8")
    with pytest.raises(ParamsError, match=words):
        load_star_rules(tmp_path)


@pytest.fixture(scope="module")
def run():
    bundle = make_bundle(PARAMS, n=6)
    sim = simulate(bundle, 2017, "2017-07", "baseline", n_paths=3000, seed=2, keep_monthly=False)
    return bundle, sim


def test_assess_on_a_bundle_covers_simulated_targets_and_lists_the_rest(run):
    bundle, sim = run
    table = assess(sim, bundle)
    ids = set(table["target_id"])
    assert {"fai_growth_city", "iav_growth_provincial", "employment_city", "revenue_city"} <= ids
    skipped = {d["target_id"] for d in table.attrs["not_assessed"]}
    assert "patents" in skipped and "patents" not in ids
    assert table["p_attain"].between(0, 1).all()
    q = table[["q05", "q25", "q50", "q75", "q95"]].to_numpy()
    assert np.all(np.diff(q, axis=1) >= 0)
    city = table.set_index("target_id").loc["fai_growth_city"]
    assert city.p_attain_within_tolerance >= city.p_attain
    assert pd.isna(table.set_index("target_id").loc["employment_city", "required_growth"])


def test_json_document_shape_and_reproducibility(run):
    bundle, sim = run
    def doc():
        table = assess(sim, bundle)
        return json.dumps(to_json(sim, table, joint=joint_attainment(sim, bundle),
                                  driver_frames={"fai": drivers(sim, bundle)},
                                  stars=star_ratings(sim, bundle)), ensure_ascii=False)
    text = doc()
    assert text == doc()
    data = json.loads(text)
    first = data["targets"][0]
    for key in ("target_id", "indicator", "scope", "target", "p_attain",
                "p_attain_within_tolerance", "required_growth", "quantiles"):
        assert key in first
    assert set(first["quantiles"]) == {"q05", "q25", "q50", "q75", "q95"}
    prov = data["provenance"]
    assert prov["seed"] == 2 and prov["n_paths"] == 3000 and prov["synthetic"] is True
    assert prov["data_digest"] and prov["params_digest"] and prov["version"]
    assert data["synthetic"] is True and "SYNTHETIC" in data["notice"]
    assert data["stars"]["assumption"] is True
    assert "NaN" not in text


def test_project_outlook_by_cluster(run):
    from zzforecast.assess.outlook import project_outlook

    bundle, sim = run
    table = project_outlook(sim, bundle)
    assert list(table["cluster_id"]) == ["c00", "c01"]  # the clusters with projects
    assert table["n_projects"].sum() == 3
    assert (table["expected_after_as_of"] <= table["planned_after_as_of"] + 1e-9).all()
    assert np.allclose(table["expected_adjustment"], 0, atol=0.2)  # baseline: mean zero


def test_uplift_for_a_chance_delivers_that_chance(run):
    from zzforecast.simulate.scenarios import Scenario, load_scenario

    bundle, sim = run
    frame = drivers(sim, bundle, indicator="fai")
    base = load_scenario(PARAMS, "baseline")
    for key, p in (("uplift_for_p50", 0.5), ("uplift_for_p80", 0.8)):
        delta = frame.attrs[key]
        lifted = Scenario(**{**base.__dict__, "growth_shift": {"fai": {"city": delta}}})
        again = simulate(bundle, 2017, "2017-07", lifted, n_paths=3000, seed=2,
                         keep_monthly=False, inputs=sim.inputs)
        j = again.indicators.index("fai")
        assert abs(np.mean(again.total("city").growth[:, j] >= 0.13) - p) < 0.01


def test_nowcast_check_compares_the_totals(run):
    from zzforecast.assess.crosscheck import nowcast_check, scope_ytd_series

    bundle, sim = run
    series = scope_ytd_series(sim, bundle.observations)
    assert set(series["unique_id"]) == {"city_fai", "city_iav", "provincial_fai",
                                        "provincial_iav"}
    # The 2017 city growth of the aggregate equals the base-weighted cluster growth.
    obs = bundle.observations
    jul = obs[(obs.period == "2017-07") & (obs.indicator == "fai")]
    prev = obs[(obs.period == "2016-07") & (obs.indicator == "fai") & (obs.measure == "level")]
    g = jul[jul.measure == "growth"].set_index("cluster_id")["value"]
    c = prev.set_index("cluster_id")["value"]
    expected = ((1 + g) * c).sum() / c.sum() - 1
    got = series[(series.unique_id == "city_fai")].set_index("ds")["cum_growth"].iloc[-1]
    assert got == pytest.approx(expected)
    check = nowcast_check(sim, bundle)
    assert set(zip(check.scope, check.indicator, strict=True)) == {("city", "fai"), ("city", "iav"),
                                                      ("provincial", "fai"),
                                                      ("provincial", "iav")}
    assert (check.sim_lo <= check.sim_hi).all() and (check.nowcast_lo <= check.nowcast_hi).all()


def test_project_outlook_follows_a_scenario_changed_in_memory(run):
    """The outlook reads the scenario the simulation ran with, never the file (issue 12).

    A baseline edited in memory (later and fewer projects, as the explorer's sliders do)
    must give the expected remaining project investment the simulation itself used: the
    simulation moves FAI by the edit's spending minus the on-disk baseline's, so the
    outlook's expected spending minus the baseline's equals the simulation's mean
    adjustment, cluster by cluster.
    """
    import dataclasses

    from zzforecast.assess.outlook import project_outlook
    from zzforecast.simulate.scenarios import load_scenario

    bundle, sim = run
    on_disk = load_scenario(PARAMS, "baseline")
    edited = dataclasses.replace(on_disk, delay_months=4.0, completion_rate=0.4)
    changed = simulate(bundle, 2017, "2017-07", edited, n_paths=3000, seed=2,
                       keep_monthly=False, inputs=sim.inputs)
    assert changed.scenario_name == "baseline"  # same name: a re-read would find the file
    outlook = project_outlook(changed, bundle).set_index("cluster_id")
    baseline = project_outlook(sim, bundle).set_index("cluster_id")
    assert (outlook["expected_after_as_of"] < baseline["expected_after_as_of"] - 1).all()
    used = outlook["expected_after_as_of"] - baseline["expected_after_as_of"]
    mean_adjustment = changed.project_adjustment.astype(np.float64).mean(axis=0)
    index = {c: i for i, c in enumerate(changed.cluster_ids)}
    for cid, delta in used.items():
        assert delta == pytest.approx(mean_adjustment[index[cid]], abs=1e-3)
        assert outlook.loc[cid, "expected_adjustment"] == pytest.approx(delta, abs=1e-3)
    assert np.allclose(baseline["expected_adjustment"], 0, atol=0.2)


def test_outlook_of_a_simulation_without_its_scenario_is_left_out_with_the_reason(run):
    import dataclasses

    from zzforecast.assess.outlook import project_outlook

    bundle, sim = run
    old = dataclasses.replace(sim, scenario=None)  # a file saved before scenarios travelled
    table = project_outlook(old, bundle)
    assert table.empty and "simulate again" in table.attrs["skipped"]


def test_assess_plan_gathers_every_answer_once(run):
    from zzforecast.assess.result import Attainment, assess_plan

    bundle, sim = run
    result = assess_plan(sim, bundle, tolerance=0.005)
    assert isinstance(result, Attainment)
    assert list(result.table.columns) == list(ASSESS_COLUMNS)
    assert set(result.drivers) == {"fai", "iav"} and len(result.joint)
    assert result.stars is not None and result.stars_skipped is None
    assert list(result.projects["cluster_id"]) == ["c00", "c01"]
    assert result.names["zh"]["c00"] == "集聚区0"
    doc = result.to_json()
    # the JSON document is the pieces' own serialisation plus progress and data months
    pieces = to_json(sim, result.table, joint=result.joint, driver_frames=result.drivers,
                     stars=result.stars, projects=result.projects, check=result.check)
    assert {k: doc[k] for k in pieces} == json.loads(json.dumps(pieces))
    assert doc["data_as_of"]["as_of"] == "2017-07" and len(doc["data_as_of"]["zones"]) == 6
    assert json.dumps(doc, ensure_ascii=False) == json.dumps(assess_plan(
        sim, bundle, tolerance=0.005).to_json(), ensure_ascii=False)
    text = result.to_text("zh")
    assert "集聚区0" in text and "实现概率" in text
    assert "Cluster 0" in result.to_text("en")


def test_missing_star_rules_are_a_warning_of_the_result(run, tmp_path):
    import dataclasses

    from zzforecast.assess.result import assess_plan

    bundle, sim = run
    elsewhere = dataclasses.replace(bundle, params_dir=tmp_path)  # no plan, no stars.yaml
    result = assess_plan(sim, elsewhere)
    assert result.stars is None and "stars.yaml" in result.stars_skipped
    assert any(w.startswith("star ratings skipped: ") for w in result.warnings)
    assert result.to_json()["stars"] is None
