"""Report sections: every data string escaped, both languages, results sidecar."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EVIL = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def inputs():
    from zzforecast.assess.attain import assess
    from zzforecast.data.bundle import load_bundle
    from zzforecast.report.inputs import report_inputs
    from zzforecast.simulate.engine import simulate

    bundle = load_bundle(ROOT / "data", ROOT / "params")
    clusters = bundle.clusters.copy()
    clusters.loc[clusters["cluster_id"] == "airport", ["name_zh", "name_en"]] = EVIL
    projects = bundle.projects.copy()
    projects.loc[projects["cluster_id"] == "airport", ["name_zh", "name_en"]] = EVIL + "$x$"
    bundle = dataclasses.replace(bundle, clusters=clusters, projects=projects)
    sim = simulate(bundle, 2017, "2017-07", "baseline", n_paths=300, seed=2)
    table = assess(sim, bundle)
    return report_inputs(bundle, sim, lang="zh", precomputed=True,
                         scenarios=table.assign(scenario="baseline", scenario_zh="基准",
                                                scenario_en="Baseline"))


def _sections(report, names):
    return "".join(getattr(report, name)().data for name in names)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_hostile_names_are_escaped_in_every_section(inputs, lang):
    from zzforecast.report.cluster import ClusterReport
    from zzforecast.report.overview import OverviewReport

    inputs = dataclasses.replace(inputs, lang=lang)
    cluster = _sections(ClusterReport(inputs, "airport"), [
        "header", "key_points", "forecasts", "targets_section", "required_growth",
        "scenarios", "pipeline", "caveats", "provenance_section", "methodology"])
    overview = OverviewReport(inputs)
    page = cluster + _sections(overview, ["header", "city_targets", "stars", "audit",
                                          "scenarios", "drivers_sections"])
    page += overview.clusters_table(link_reports=True).data
    assert EVIL not in page and "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert ("合成数据" if lang == "zh" else "SYNTHETIC DATA") in page


def test_results_sidecar_is_plain_json_with_provenance(inputs):
    import json

    from zzforecast.report.cluster import ClusterReport

    res = ClusterReport(inputs, "xinmi").results()
    text = json.dumps(res, allow_nan=False)  # no NaN, no numpy types
    assert json.loads(text)["cluster_id"] == "xinmi"
    assert res["provenance"]["n_paths"] == 300 and res["synthetic"] is True
    assert set(res["forecast"]) >= {"fai", "iav"}
    fai = res["forecast"]["fai"]
    assert fai["growth_q05"] <= fai["growth_q50"] <= fai["growth_q95"]
    assert fai["unit"] == "亿元"


def test_unknown_cluster_is_a_user_error(inputs):
    from zzforecast.exceptions import UserError
    from zzforecast.report.cluster import ClusterReport

    with pytest.raises(UserError, match="unknown cluster id 'nowhere'"):
        ClusterReport(inputs, "nowhere")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_caveats_quote_the_runs_plan_not_a_fixed_year(inputs, lang):
    from zzforecast.report.text import caveats

    targets = inputs.bundle.targets
    iav = next(t for t in targets if t.indicator == "iav" and t.kind == "level")
    shown = " ".join(caveats(lang, targets))
    assert ("1600亿元" if lang == "zh" else "160 billion yuan") in shown
    # another plan's figures reach the text; no plan, no figure at all
    other = [dataclasses.replace(t, value=1800) if t is iav else
             dataclasses.replace(t, value=0.09) if t.kind == "growth" and t.tolerance else t
             for t in targets]
    shown = " ".join(caveats(lang, other))
    assert ("1800亿元" if lang == "zh" else "180 billion yuan") in shown
    assert "9%" in shown and "1600" not in shown and "160 billion" not in shown
    assert "13%" not in shown
    bare = " ".join(caveats(lang))
    for figure in ("1600", "160 billion", "13%", "4–6"):
        assert figure not in bare


def test_overview_links_exactly_the_reports_it_is_given(inputs):
    """The batch runs the overview last and passes the reports that were built, so no
    link is ever removed from a finished page."""
    from zzforecast.report.overview import OverviewReport

    table = OverviewReport(inputs).clusters_table(link_reports=["xinmi"]).data
    assert 'href="xinmi.html"' in table and 'href="airport.html"' not in table
    assert "href=" not in OverviewReport(inputs).clusters_table().data
