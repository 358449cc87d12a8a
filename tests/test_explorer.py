"""The scenario explorer opens exactly at the scenario and shows the report's numbers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
N_PATHS, SEED = 600, 4


@pytest.fixture(scope="module")
def bundle():
    from zzforecast.data.bundle import load_bundle

    return load_bundle(ROOT / "data", ROOT / "params", 2017)


def _sliders(panel):
    import ipywidgets as widgets

    return [w for w in panel.children if isinstance(w, widgets.FloatSlider)]


@pytest.mark.parametrize("scenario", ["baseline", "downside"])
def test_explorer_opens_at_the_scenario_with_the_reports_numbers(bundle, scenario):
    pytest.importorskip("ipywidgets")
    from zzforecast.report.explorer import scenario_explorer
    from zzforecast.report.inputs import load_inputs
    from zzforecast.simulate.scenarios import load_scenario

    panel, update = scenario_explorer(bundle, 2017, "2017-07", scenario, n_paths=N_PATHS,
                                      seed=SEED)
    fai, iav, delay, deflator = _sliders(panel)
    base = load_scenario(ROOT / "params", scenario)
    # every slider shows the file's value exactly (0.5 and 1.5 months are not rounded)
    assert delay.value == base.delay_months and delay.value % 1 != 0
    assert deflator.value == pytest.approx(100 * base.deflator_mean)
    assert fai.value == 0 and iav.value == 0 and not delay.continuous_update
    opened = update()
    report = load_inputs(2017, "2017-07", scenario, n_paths=N_PATHS, seed=SEED,
                         data_dir=ROOT / "data", params_dir=ROOT / "params").assessment
    cols = ["target_id", "p_attain", "q50"]
    want = report[report["scope"].isin(["city", "provincial", "municipal"])][cols]
    got = opened[cols]
    pd.testing.assert_frame_equal(got.sort_values("target_id").reset_index(drop=True),
                                  want.sort_values("target_id").reset_index(drop=True))
    assert "params/scenarios/" in panel.children[-1].value  # its assumptions, from the file


def test_moving_a_slider_changes_the_numbers_and_back_restores_them(bundle):
    pytest.importorskip("ipywidgets")
    from zzforecast.report.explorer import scenario_explorer

    panel, update = scenario_explorer(bundle, 2017, "2017-07", "baseline", n_paths=N_PATHS,
                                      seed=SEED)
    fai, _iav, delay, _deflator = _sliders(panel)
    first = update().set_index("target_id")["p_attain"]
    fai.value = -3.0
    lower = update().set_index("target_id")["p_attain"]
    assert lower["fai_city_growth"] < first["fai_city_growth"]
    fai.value = 0.0
    delay.value = 0.5
    pd.testing.assert_series_equal(update().set_index("target_id")["p_attain"], first)
