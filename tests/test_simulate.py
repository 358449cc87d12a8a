"""Joint simulation: analytic cases, totals as sums of parts, reproducibility, errors."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from attain_fixtures import make_bundle, make_clusters, make_observations

from zzforecast.estimate.engine_inputs import DEFAULT_RHO, SimInputs, prepare_inputs
from zzforecast.exceptions import UserError
from zzforecast.simulate.engine import simulate
from zzforecast.simulate.paths import simulate_arrays
from zzforecast.simulate.simulation import Simulation

PARAMS = Path(__file__).resolve().parents[1] / "params"


def _phi(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def _inputs(n_c=2, *, mu=0.10, sigma=0.05, share=0.5, g=0.08, month=7, rho=0.0,
            base=100.0, deflated=False) -> SimInputs:
    shape = (n_c, 1)
    prof = np.tile(np.linspace(base / 12, base, 12), (n_c, 1, 1))
    prof[:, :, month - 1] = share * base
    corr = np.full((n_c, n_c), rho)
    np.fill_diagonal(corr, 1.0)
    return SimInputs(
        cluster_ids=tuple(f"c{i}" for i in range(n_c)),
        cluster_levels=tuple("provincial" if i % 2 == 0 else "municipal" for i in range(n_c)),
        indicators=("iav",) if deflated else ("fai",), year=2017, as_of_month=month,
        base=np.full(shape, base), ytd_month=np.full(shape, month), share=np.full(shape, share),
        ytd_growth=np.full(shape, g), profile_last=prof,
        observed=np.full((n_c, 1, 12), np.nan), mu=np.full(shape, mu),
        sigma=np.full(shape, sigma), corr=corr, corr_method="test",
        n_history=np.zeros(shape, int), deflated=(deflated,),
    )


def test_gaussian_case_matches_the_analytic_probability():
    inp = _inputs(n_c=1, mu=0.10, sigma=0.06, share=0.4, g=0.08)
    out = simulate_arrays(inp, n_paths=40_000, seed=1)
    G = out["growth"][:, 0, 0].astype(float)
    mean = 0.4 * 0.08 + 0.6 * 0.10
    sd = 0.6 * 0.06
    assert abs(G.mean() - mean) < 4 * sd / math.sqrt(40_000)
    assert abs(G.std() - sd) / sd < 0.03
    for threshold in (0.07, 0.092, 0.12):
        expected = 1 - _phi((threshold - mean) / sd)
        se = math.sqrt(expected * (1 - expected) / 40_000) + 1e-4
        assert abs(np.mean(G >= threshold) - expected) < 4 * se


def test_correlation_of_draws_and_aggregate_variance():
    rho, n_c = 0.6, 4
    inp = _inputs(n_c=n_c, sigma=0.05, rho=rho)
    out = simulate_arrays(inp, n_paths=30_000, seed=2)
    r = out["remaining"][:, :, 0].astype(float)
    c = np.corrcoef(r.T)
    off = c[~np.eye(n_c, dtype=bool)]
    assert np.all(np.abs(off - rho) < 0.03)
    # The variance of the sum reflects the correlation (independent draws would understate it).
    total = r.sum(axis=1)
    expected_var = 0.05**2 * (n_c + n_c * (n_c - 1) * rho)
    assert abs(total.var() / expected_var - 1) < 0.05


def test_same_seed_same_paths_and_other_seed_differs():
    inp = _inputs(n_c=3, rho=0.3)
    a = simulate_arrays(inp, n_paths=3000, seed=7)
    b = simulate_arrays(inp, n_paths=3000, seed=7)
    c = simulate_arrays(inp, n_paths=3000, seed=8)
    assert np.array_equal(a["growth"], b["growth"])
    assert np.array_equal(a["monthly"], b["monthly"], equal_nan=True)
    assert not np.array_equal(a["growth"], c["growth"])


def test_path_chunking_does_not_change_the_draws(monkeypatch):
    import zzforecast.simulate.paths as sim_mod

    inp = _inputs(n_c=3, rho=0.3)
    whole = simulate_arrays(inp, n_paths=1000, seed=5)
    monkeypatch.setattr(sim_mod, "_CHUNK_ELEMENTS", 5 * 3 * 7)  # 7 paths per chunk
    chunked = simulate_arrays(inp, n_paths=1000, seed=5)
    assert np.array_equal(whole["growth"], chunked["growth"])


def test_monthly_paths_end_at_the_annual_level_and_rise():
    inp = _inputs(n_c=2, sigma=0.03)
    out = simulate_arrays(inp, n_paths=500, seed=3)
    monthly, annual = out["monthly"], out["annual"]
    assert np.allclose(monthly[..., 11], annual)
    after = monthly[:, :, :, 7:]
    assert np.all(np.diff(after, axis=-1) > 0)  # cumulative values keep rising


def test_deflator_turns_real_growth_into_the_nominal_level():
    inp = _inputs(n_c=1, deflated=True)
    out = simulate_arrays(inp, n_paths=2000, seed=4, deflator_mean=0.04, deflator_sd=0.02)
    expected = 100.0 * (1 + out["growth"][:, 0, 0]) * (1 + out["deflator"])
    assert np.allclose(out["annual"][:, 0, 0], expected, rtol=1e-5)
    assert abs(out["deflator"].mean() - 0.04) < 0.003


def test_year_end_as_of_is_deterministic():
    inp = replace(_inputs(n_c=1, month=12, share=1.0, g=0.09), as_of_month=12)
    out = simulate_arrays(inp, n_paths=100, seed=0)
    assert np.allclose(out["growth"], 0.09)


@pytest.fixture(scope="module")
def bundle():
    return make_bundle(PARAMS, n=6)


@pytest.fixture(scope="module")
def sim(bundle):
    return simulate(bundle, 2017, "2017-07", "baseline", n_paths=2000, seed=11)


def test_simulate_shapes_and_metadata(sim):
    n_c, n_i = 6, 4
    assert sim.annual.shape == (2000, n_c, n_i) and sim.annual.dtype == np.float32
    assert sim.growth.shape == sim.annual.shape
    assert sim.monthly.shape == (2000, n_c, n_i, 12)
    assert set(sim.indicators) == {"fai", "iav", "revenue", "employment"}
    assert sim.as_of == "2017-07" and sim.scenario_name == "baseline" and sim.seed == 11
    assert sim.synthetic is True
    assert (sim.ytd_month[:, :2] == 7).all()  # monthly indicators use Jan-Jul
    assert (sim.ytd_month[:, 2:] == 0).all()  # annual-only indicators


def test_published_months_are_kept(bundle, sim):
    obs = bundle.observations
    row = obs[(obs.cluster_id == "c01") & (obs.indicator == "fai") & (obs.measure == "level")
              & (obs.period == "2017-05")]
    j = sim.indicators.index("fai")
    assert np.allclose(sim.monthly[:, 1, j, 4], row["value"].iloc[0])


def test_totals_are_sums_of_cluster_paths_path_by_path(sim):
    for scope in ("city", "provincial", "municipal"):
        idx = sim.cluster_index(scope)
        tot = sim.total(scope)
        assert np.allclose(tot.annual, sim.annual[:, idx, :].astype(float).sum(axis=1), rtol=1e-6)
        b = sim.base[idx]
        weighted = (b[None] * (1 + sim.growth[:, idx, :].astype(float))).sum(axis=1)
        assert np.allclose(tot.growth, weighted / b.sum(axis=0) - 1, atol=1e-6)
    city, prov, muni = (sim.total(s).annual for s in ("city", "provincial", "municipal"))
    assert np.allclose(city, prov + muni, rtol=1e-6)


def test_unknown_scope_is_a_user_error(sim):
    with pytest.raises(UserError, match="unknown scope"):
        sim.total("nowhere")


def test_save_and_load_round_trip(sim, tmp_path):
    path = sim.save(tmp_path / "sim.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sim.npz", "sim.npz.json"]
    back = Simulation.load(path)
    assert back.cluster_ids == sim.cluster_ids and back.indicators == sim.indicators
    assert np.array_equal(back.growth, sim.growth)
    assert np.array_equal(back.monthly, sim.monthly, equal_nan=True)
    assert back.metadata() == sim.metadata()
    assert back.scenario == sim.scenario and back.scenario.name == "baseline"
    with pytest.raises(UserError, match="not found"):
        Simulation.load(tmp_path / "missing.npz")


def test_the_simulation_keeps_the_scenario_it_ran_with(bundle, sim, tmp_path):
    """The scenario object travels with the paths: an in-memory edit is what later stages
    read, never the file of the same name (issue 12: the outlook re-read the file)."""
    import json as _json
    from dataclasses import replace as dc_replace

    from zzforecast.simulate.scenarios import Scenario, load_scenario

    on_disk = load_scenario(PARAMS, "baseline")
    assert isinstance(sim.scenario, Scenario) and sim.scenario == on_disk
    edited = dc_replace(on_disk, delay_months=6.0, completion_rate=0.7)  # name stays baseline
    other = simulate(bundle, 2017, "2017-07", edited, n_paths=10, seed=11, inputs=sim.inputs)
    assert other.scenario is edited and other.scenario_name == "baseline"
    back = Simulation.load(other.save(tmp_path / "edited.npz"))
    assert back.scenario == edited != on_disk
    # A format-1 file kept only the name: loaded, it says it has no scenario object.
    meta_path = tmp_path / "edited.npz.json"
    meta = _json.loads(meta_path.read_text(encoding="utf-8"))
    del meta["scenario_assumptions"]
    meta["format_version"] = 1
    meta_path.write_text(_json.dumps(meta), encoding="utf-8")
    old = Simulation.load(tmp_path / "edited.npz")
    assert old.scenario is None and old.scenario_name == "baseline"


def test_same_seed_same_simulation(bundle, sim):
    again = simulate(bundle, 2017, "2017-07", "baseline", n_paths=2000, seed=11)
    assert np.array_equal(again.annual, sim.annual)


@pytest.mark.parametrize("as_of, message", [
    ("2017-09", "after the latest data"),
    ("2016-07", "not in the target year"),
    ("2017-13", "not between 01 and 12"),
    ("July", "YYYY-MM"),
])
def test_bad_as_of_is_a_user_error(bundle, as_of, message):
    with pytest.raises(UserError, match=message):
        simulate(bundle, 2017, as_of, "baseline", n_paths=10)


def test_bad_arguments_are_user_errors(bundle):
    with pytest.raises(UserError, match="n_paths"):
        simulate(bundle, 2017, "2017-07", "baseline", n_paths=0)
    with pytest.raises(UserError, match="unknown cluster"):
        simulate(bundle, 2017, "2017-07", "baseline", n_paths=10, clusters=["c00", "zz"])
    with pytest.raises(UserError, match="unknown scenario"):
        simulate(bundle, 2017, "2017-07", "no_such", n_paths=10)


def test_short_history_falls_back_to_equicorrelation():
    clusters = make_clusters(3)
    obs = make_observations(clusters, first_year=2015)
    inp = prepare_inputs(clusters, obs, 2017, "2017-07")
    assert inp.corr_method.startswith("fallback")
    off = inp.corr[~np.eye(len(inp.corr), dtype=bool)]
    assert np.allclose(off, DEFAULT_RHO)


def test_long_history_estimates_a_valid_correlation():
    clusters = make_clusters(4)
    inp = prepare_inputs(clusters, make_observations(clusters), 2017, "2017-07")
    assert inp.corr_method.startswith("ledoit-wolf")
    assert np.allclose(inp.corr, inp.corr.T)
    assert np.linalg.eigvalsh(inp.corr).min() > -1e-9
    assert np.allclose(np.diag(inp.corr), 1)


def test_late_founded_cluster_uses_its_short_history():
    clusters = make_clusters(4)
    obs = make_observations(clusters, short={"c03": 2014})
    inp = prepare_inputs(clusters, obs, 2017, "2017-07")
    j = inp.indicators.index("revenue")
    assert inp.n_history[3, j] < inp.n_history[0, j]
    assert np.isfinite(inp.sigma).all() and (inp.sigma[:, j] > 0).all()


def test_cluster_with_stale_data_keeps_its_own_calibrated_spread():
    inp = _inputs(n_c=2, mu=0.10, sigma=0.05, share=0.5, g=0.08, month=7)
    ytd_month = inp.ytd_month.copy()
    ytd_month[1, 0] = 5  # the second cluster has published only through May
    prof = inp.profile_last.copy()
    prof[1, 0, 4] = 0.5 * 100.0
    inp = replace(inp, ytd_month=ytd_month, profile_last=prof)
    out = simulate_arrays(inp, n_paths=20_000, seed=9)
    G = out["growth"][:, :, 0].astype(float)
    assert np.allclose(G.std(axis=0), 0.5 * 0.05, rtol=0.04)
    assert np.isfinite(out["monthly"][:, 1, 0, 5:]).all()  # June onwards simulated
    assert np.allclose(out["monthly"][:, 1, 0, 11], out["annual"][:, 1, 0])


def test_large_cities_use_a_factor_model_with_unit_variances():
    n_c = 300  # above FACTOR_MODEL_ABOVE series
    inp = _inputs(n_c=n_c, mu=0.0, sigma=0.1, share=0.0, g=0.0, rho=0.4)
    out = simulate_arrays(inp, n_paths=4000, seed=1, keep_monthly=False)
    r = out["remaining"][:, :, 0].astype(float)
    assert np.allclose(r.std(axis=0).mean(), 0.1, atol=0.002)
    c = np.corrcoef(r[:, :60].T)
    assert abs(c[~np.eye(60, dtype=bool)].mean() - 0.4) < 0.03


def test_prepared_inputs_can_be_reused_across_scenarios(bundle, sim):
    again = simulate(bundle, 2017, "2017-07", "baseline", n_paths=2000, seed=11,
                     inputs=sim.inputs)
    assert np.array_equal(again.annual, sim.annual)
    with pytest.raises(UserError, match="prepared for another"):
        simulate(bundle, 2017, "2017-06", "baseline", n_paths=10, inputs=sim.inputs)


def test_an_edited_baseline_still_moves_projects(bundle, sim):
    from dataclasses import replace as dc_replace

    from zzforecast.simulate.scenarios import load_scenario

    late = dc_replace(load_scenario(PARAMS, "baseline"), delay_months=6.0)  # name stays baseline
    moved = simulate(bundle, 2017, "2017-07", late, n_paths=2000, seed=11, inputs=sim.inputs)
    j = sim.indicators.index("fai")
    assert moved.annual[:, 0, j].mean() < sim.annual[:, 0, j].mean() - 1.0


def test_series_without_a_positive_base_are_left_out_and_said_so():
    clusters = make_clusters(4)
    obs = make_observations(clusters)
    zero = (obs.cluster_id == "c01") & (obs.indicator == "revenue") & (obs.period == "2016") \
        & (obs.measure == "level")
    obs.loc[zero, "value"] = 0.0
    late = (obs.cluster_id == "c02") & ~obs.period.str.startswith("2017")
    obs = obs[~late]  # c02 reports only in 2017: no base for its growth
    inp = prepare_inputs(clusters, obs, 2017, "2017-07")
    assert any("c01" in n and "revenue" in n and "not positive" in n for n in inp.notes)
    assert any("c02" in n and "no level for 2016" in n for n in inp.notes)
    out = simulate_arrays(inp, n_paths=200, seed=0)
    j = inp.indicators.index("revenue")
    assert np.isnan(out["growth"][:, 1, j]).all() and np.isnan(out["growth"][:, 2, :]).all()
    assert np.isfinite(out["growth"][:, 0, :]).all()


def test_loading_a_damaged_simulation_is_a_data_error(sim, tmp_path):
    import json as _json

    from zzforecast.exceptions import DataError

    path = sim.save(tmp_path / "sim.npz")
    meta_path = tmp_path / "sim.npz.json"
    meta = _json.loads(meta_path.read_text(encoding="utf-8"))
    meta["n_paths"] = 5
    meta_path.write_text(_json.dumps(meta), encoding="utf-8")
    with pytest.raises(DataError, match="shape"):
        Simulation.load(path)
    meta["n_paths"], meta["format_version"] = sim.n_paths, 99
    meta_path.write_text(_json.dumps(meta), encoding="utf-8")
    with pytest.raises(DataError, match="format"):
        Simulation.load(path)
    path.write_bytes(b"not an npz")
    with pytest.raises(DataError, match="readable"):
        Simulation.load(path)


def test_scenario_digest_follows_the_assumptions(bundle, sim):
    from dataclasses import replace as dc_replace

    from zzforecast.simulate.scenarios import load_scenario

    assert len(sim.scenario_digest) == 64
    edited = dc_replace(load_scenario(PARAMS, "baseline"), deflator_mean=0.01)
    other = simulate(bundle, 2017, "2017-07", edited, n_paths=10, seed=11, inputs=sim.inputs)
    same = simulate(bundle, 2017, "2017-07", "baseline", n_paths=10, seed=11, inputs=sim.inputs)
    assert other.scenario_digest != sim.scenario_digest == same.scenario_digest


def test_to_frame_gives_long_paths_in_the_statsforecast_shape(sim):
    long = sim.to_frame("fai", "growth", scopes=["c00", "city"])
    assert list(long.columns) == ["unique_id", "ds", "sample_id", "y"]
    assert len(long) == 2 * sim.n_paths and set(long.unique_id) == {"c00", "city"}
    j = sim.indicators.index("fai")
    city = long[long.unique_id == "city"]["y"].to_numpy()
    assert np.allclose(city, sim.total("city").growth[:, j])
    monthly = sim.to_frame("fai", "monthly", scopes=["c01"])
    assert len(monthly) == 12 * sim.n_paths
    first = monthly[monthly.sample_id == 0]["y"].to_numpy()
    assert np.allclose(first, sim.monthly[0, 1, j, :].astype(float), equal_nan=True)
    with pytest.raises(UserError, match="measure"):
        sim.to_frame("fai", "weekly")
