"""Bottom-up FAI from the project pipeline: schedules, slippage, completion, adjustment."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from attain_fixtures import make_bundle, make_clusters, make_projects

from zzforecast.exceptions import DataError
from zzforecast.simulate.engine import simulate
from zzforecast.simulate.projects import (
    pipeline_summary,
    project_adjustment,
    project_schedule,
    project_spend,
)
from zzforecast.simulate.scenarios import Scenario, load_scenario

PARAMS = Path(__file__).resolve().parents[1] / "params"


@pytest.fixture()
def projects():
    return make_projects(make_clusters(4))


def test_schedule_windows_within_the_year(projects):
    sched = project_schedule(projects, 2017).set_index("project_id")
    assert tuple(sched.loc["p1", ["start", "end"]]) == (8.0, 12.0)  # starts 2017-09, runs on
    assert tuple(sched.loc["p2", ["start", "end"]]) == (0.0, 12.0)  # continuing all year
    assert tuple(sched.loc["p3", ["start", "end"]]) == (2.0, 10.0)  # 2017-03 .. 2017-10
    assert project_schedule(projects, 2018).empty


def test_spend_without_uncertainty_is_the_planned_schedule(projects):
    sched = project_schedule(projects, 2017)
    zero = np.zeros((1, len(sched)), dtype=np.float32)
    spend = project_spend(sched, 7, zero, zero, delay_months=0, delay_sd_months=0,
                          completion_rate=1.0, completion_rate_sd=0)[0]
    # p1: all 12 after July; p2: 30 * 5/12; p3: 6 * 3/8 (Aug-Oct of Mar-Oct)
    assert np.allclose(spend, [12.0, 30 * 5 / 12, 6 * 3 / 8], rtol=1e-5)


def test_delay_and_completion_lower_spending(projects):
    sched = project_schedule(projects, 2017)
    zero = np.zeros((1, len(sched)), dtype=np.float32)
    kw = dict(delay_sd_months=0, completion_rate_sd=0)
    on_time = project_spend(sched, 7, zero, zero, delay_months=0, completion_rate=1.0, **kw)
    late = project_spend(sched, 7, zero, zero, delay_months=3, completion_rate=1.0, **kw)
    partial = project_spend(sched, 7, zero, zero, delay_months=0, completion_rate=0.5, **kw)
    assert np.all(late <= on_time) and late.sum() < on_time.sum()
    assert np.allclose(partial, on_time * 0.5)
    # p1 starts in September: a 3-month delay leaves it one month (December) of 2017.
    assert np.isclose(late[0, 0], 12.0 / 4 * 1)


def test_adjustment_is_mean_zero_against_itself_and_negative_when_delayed(projects):
    base = load_scenario(PARAMS, "baseline")
    ids = list(make_clusters(4)["cluster_id"])
    adj = project_adjustment(projects, ids, 2017, 7, base, n_paths=4000, seed=1)
    assert adj.shape == (4000, 4)
    assert np.allclose(adj.mean(axis=0), 0, atol=1e-3)
    assert adj[:, 0].std() > 0 and np.all(adj[:, 2:] == 0)  # clusters without projects
    down = load_scenario(PARAMS, "downside")
    worse = project_adjustment(projects, ids, 2017, 7, down, n_paths=4000, seed=1, reference=base)
    assert worse[:, :2].mean(axis=0).max() < 0


def test_no_projects_for_the_clusters_gives_none(projects):
    assert project_adjustment(projects, ["elsewhere"], 2017, 7, Scenario("x"), n_paths=10) is None


def test_bad_project_month_is_a_data_error(projects):
    bad = projects.copy()
    bad.loc[0, "planned_start"] = "2017/09"
    with pytest.raises(DataError, match="planned_start"):
        project_schedule(bad, 2017)


def test_pipeline_summary_columns(projects):
    table = pipeline_summary(projects, 2017, 7, load_scenario(PARAMS, "downside"), n_paths=500)
    assert list(table.columns) == ["project_id", "cluster_id", "planned_investment",
                                   "planned_after_as_of", "expected_after_as_of",
                                   "p_no_spend_after_as_of"]
    assert (table["expected_after_as_of"] <= table["planned_after_as_of"] + 1e-6).all()


def test_project_delays_lower_fai_in_the_joint_simulation():
    bundle = make_bundle(PARAMS, n=4)
    base = load_scenario(PARAMS, "baseline")
    late = Scenario(**{**base.__dict__, "name": "late", "delay_months": 6.0})
    a = simulate(bundle, 2017, "2017-07", base, n_paths=2000, seed=3, keep_monthly=False)
    b = simulate(bundle, 2017, "2017-07", late, n_paths=2000, seed=3, keep_monthly=False)
    j = a.indicators.index("fai")
    assert b.annual[:, 0, j].mean() < a.annual[:, 0, j].mean() - 1.0
    assert np.allclose(a.annual[:, 3, j], b.annual[:, 3, j])  # no projects there
    assert isinstance(a.project_adjustment, np.ndarray)
    assert pd.notna(a.method["projects"])
