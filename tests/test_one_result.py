"""One attainment result: ``zzforecast attain``, the overview's JSON and HTML, the explorer.

The assess stage builds one :class:`~zzforecast.assess.result.Attainment`; the CLI and the
reports read it, so they show the same joint probabilities, drivers, project outlook and
nowcast cross-check. A scenario changed in memory (the explorer's sliders) gives one
outlook: the one behind the simulation's own project adjustment, never the file's.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from zzforecast.cli import main
from zzforecast.i18n import percent

ROOT = Path(__file__).resolve().parents[1]
YEAR, AS_OF, SEED, N_PATHS = 2017, "2017-07", 5, 2000
SHARED = ("joint", "drivers", "projects", "nowcast_check")


@pytest.fixture(scope="module")
def overview():
    from zzforecast.report.inputs import load_inputs
    from zzforecast.report.overview import OverviewReport

    inputs = load_inputs(YEAR, AS_OF, "baseline", n_paths=N_PATHS, seed=SEED,
                         data_dir=ROOT / "data", params_dir=ROOT / "params",
                         compare_n_paths=200)
    return OverviewReport(inputs)


def _attain_json(capsys) -> dict:
    code = main(["attain", "--year", str(YEAR), "--as-of", AS_OF, "--scenario", "baseline",
                 "--n-paths", str(N_PATHS), "--seed", str(SEED), "--format", "json",
                 "--data", str(ROOT / "data"), "--params", str(ROOT / "params")])
    out, _ = capsys.readouterr()
    assert code == 0
    return json.loads(out)


def test_attain_json_and_the_overview_carry_the_same_answers(overview, capsys, tmp_path):
    cli = _attain_json(capsys)
    written = overview.write_results(tmp_path / "overview.json")
    on_disk = json.loads((tmp_path / "overview.json").read_text(encoding="utf-8"))
    for key in SHARED:
        assert cli[key], key  # each answer is there on the bundled data, not vacuously equal
        assert written[key] == cli[key], key
        assert on_disk[key] == cli[key], key
    assert [j["joint_id"] for j in cli["joint"]] == ["fai", "iav", "all"]
    assert set(cli["drivers"]) == {"fai", "iav"}
    # the targets both documents share have the same probabilities
    cli_p = {t["target_id"]: t["p_attain"] for t in cli["targets"]}
    for t in written["targets"]:
        assert t["p_attain"] == pytest.approx(cli_p[t["target_id"]], rel=1e-5), t["target_id"]


def test_the_overview_html_shows_the_same_answers(overview, capsys):
    cli = _attain_json(capsys)
    targets = overview.city_targets().data
    for rec in cli["joint"]:
        assert percent(rec["p_joint"]) in targets and percent(rec["p_if_independent"]) in targets
    assert "联合概率" in targets and "实时预测" in targets
    for rec in cli["nowcast_check"]:
        assert percent(rec["nowcast_mean"]) in targets and percent(rec["sim_mean"]) in targets
    drivers = overview.drivers_sections().data
    planned = sum(r["planned_after_as_of"] for r in cli["projects"])
    expected = sum(r["expected_after_as_of"] for r in cli["projects"])
    assert f"{planned:,.1f}" in drivers and f"{expected:,.1f}" in drivers
    for ind, block in cli["drivers"].items():
        first = block["clusters"][0]
        assert f"{100 * first['contribution_to_gap']:+.2f}" in drivers, ind


def _file_outlook(bundle, name: str):
    """The project outlook of the scenario as its file says (what a re-read would show)."""
    from zzforecast.assess.outlook import project_outlook
    from zzforecast.simulate.engine import simulate

    sim = simulate(bundle, YEAR, AS_OF, name, n_paths=N_PATHS, seed=SEED,
                   keep_monthly=False)
    return project_outlook(sim, bundle)


def _moved(bundle):
    """The baseline file's scenario with projects six months later and fewer completed."""
    import dataclasses

    from zzforecast.simulate.scenarios import load_scenario

    base = load_scenario(bundle.params_dir, "baseline")
    return dataclasses.replace(base, delay_months=6.0, completion_rate=0.6)


def test_a_report_of_an_in_memory_scenario_shows_its_own_outlook():
    from zzforecast.data.bundle import load_bundle
    from zzforecast.data.vintages import published_bundle
    from zzforecast.report.inputs import report_inputs
    from zzforecast.report.overview import OverviewReport
    from zzforecast.simulate.engine import simulate

    bundle = published_bundle(load_bundle(ROOT / "data", ROOT / "params", YEAR), AS_OF)
    sim = simulate(bundle, YEAR, AS_OF, _moved(bundle), n_paths=N_PATHS, seed=SEED,
                   keep_monthly=False)
    report = OverviewReport(report_inputs(bundle, sim))
    projects = report.results()["projects"]
    # the outlook's mean change is the simulation's own project adjustment, zone by zone
    mean_adj = np.asarray(sim.project_adjustment, dtype=float).mean(axis=0)
    for rec in projects:
        want = mean_adj[sim.cluster_ids.index(rec["cluster_id"])]
        assert rec["expected_adjustment"] == pytest.approx(want, rel=1e-5, abs=1e-9)
    assert sum(r["expected_adjustment"] for r in projects) < -1  # the delay costs this year
    # ... and it is not the file's outlook (what re-reading the scenario would show)
    file_expected = float(_file_outlook(bundle, "baseline")["expected_after_as_of"].sum())
    expected = sum(r["expected_after_as_of"] for r in projects)
    assert expected < file_expected - 1
    html = report.drivers_sections().data
    assert f"{expected:,.1f}" in html and f"{file_expected:,.1f}" not in html


def test_the_explorer_outlook_follows_the_sliders_without_the_file(tmp_path, monkeypatch):
    pytest.importorskip("ipywidgets")
    import IPython.display
    import ipywidgets as widgets

    from zzforecast.assess.outlook import project_outlook
    from zzforecast.data.bundle import load_bundle
    from zzforecast.report.explorer import explorer_scenario, scenario_explorer
    from zzforecast.simulate.engine import simulate
    from zzforecast.simulate.scenarios import load_scenario

    params = tmp_path / "params"
    shutil.copytree(ROOT / "params", params)
    bundle = load_bundle(ROOT / "data", params, YEAR)
    base = load_scenario(params, "downside")
    file_expected = float(_file_outlook(bundle, "downside")["expected_after_as_of"].sum())
    shown_html = []  # what the explorer displays (no kernel captures its Output here)
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown_html.append(obj.data))
    panel, update = scenario_explorer(bundle, YEAR, AS_OF, "downside", n_paths=N_PATHS,
                                      seed=SEED)
    # from now on only the memory has the scenario (the baseline file stays: it is the
    # engine's reference for the project adjustment)
    (params / "scenarios" / "downside.yaml").unlink()
    delay = [w for w in panel.children if isinstance(w, widgets.FloatSlider)][2]
    delay.value = 6.0  # the slider's observer re-simulates under the moved scenario
    shown = shown_html[-1]
    sim = simulate(bundle, YEAR, AS_OF, explorer_scenario(base, delay_months=6.0),
                   n_paths=N_PATHS, seed=SEED, keep_monthly=False)
    outlook = project_outlook(sim, bundle)
    expected = float(outlook["expected_after_as_of"].sum())
    adj = float(np.asarray(sim.project_adjustment, dtype=float).mean(axis=0).sum())
    assert adj == pytest.approx(float(outlook["expected_adjustment"].sum()), abs=1e-6)
    assert adj < -1  # six months' delay moves spending out of the year
    assert f"{expected:,.1f}" in shown and f"{adj:+,.1f}" in shown
    assert expected < file_expected - 1 and f"{file_expected:,.1f}" not in shown
    update()  # and again, still without the file
    assert len(shown_html) == 3 and shown_html[-1] == shown
