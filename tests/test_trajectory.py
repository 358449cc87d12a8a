"""Trajectories beyond the target year (issue 10, item 6): the engine's year, then the
annual forecasters' calibrated paths, chained path by path."""

from __future__ import annotations

import numpy as np
import pytest

from zzforecast.exceptions import UserError


@pytest.fixture(scope="module")
def sim_and_obs():
    from zzforecast.data.bundle import load_bundle
    from zzforecast.simulate.engine import simulate

    bundle = load_bundle()
    return simulate(bundle, 2017, "2017-07", "baseline", n_paths=2000), bundle.observations


def test_target_year_is_the_engines_and_later_years_chain_on_it(sim_and_obs):
    from zzforecast.simulate.trajectory import trajectories

    sim, obs = sim_and_obs
    tr = trajectories(sim, obs, "fai", 2020, level=(80,))
    zone = sim.cluster_ids[0]
    mine = tr[tr["unique_id"] == zone].set_index("ds")
    assert list(mine.index) == [2017, 2018, 2019, 2020]
    assert list(mine["source"]) == ["engine"] + ["annual forecaster"] * 3
    j = sim.indicator_index("fai")
    assert mine.loc[2017, "level_median"] == pytest.approx(np.median(sim.annual[:, 0, j]))
    assert mine.loc[2017, "growth_median"] == pytest.approx(np.median(sim.growth[:, 0, j]))
    # Uncertainty accumulates: each year's level interval is wider than the year before.
    width = (mine["level_hi-80"] - mine["level_lo-80"]).to_numpy()
    assert np.all(np.diff(width) > 0)
    assert (mine["growth_lo-80"] < mine["growth_median"]).all()
    assert (mine["growth_median"] < mine["growth_hi-80"]).all()
    city = tr[tr["unique_id"] == "city"].set_index("ds")
    assert city.loc[2017, "level_median"] == pytest.approx(
        np.median(sim.total("city").annual[:, j]))
    assert len(city) == 4


def test_growth_below_zero_is_possible_and_bounded_at_minus_100(sim_and_obs):
    from zzforecast.simulate.trajectory import trajectories

    sim, obs = sim_and_obs
    tr = trajectories(sim, obs, "fai", 2021)
    later = tr[tr["source"] == "annual forecaster"]
    assert (later["growth_lo-80"] < 0).any()
    assert (later["growth_lo-80"] >= -1).all() and (later["level_lo-80"] >= 0).all()


def test_through_before_the_target_year_is_refused(sim_and_obs):
    from zzforecast.simulate.trajectory import trajectories

    sim, obs = sim_and_obs
    with pytest.raises(UserError, match="before the target year"):
        trajectories(sim, obs, "fai", 2016)
    only = trajectories(sim, obs, "iav", 2017, scopes=["city"])
    assert list(only["ds"]) == [2017] and list(only["source"]) == ["engine"]
