"""The shipped notebooks: committed clean, runnable by papermill directly and headless."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ("cluster_report", "city_overview", "scenario_explorer")


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebooks_are_committed_thin_and_without_outputs(name):
    nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "zzforecast"
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0].cell_type == "code"
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        assert not cell.outputs and cell.execution_count is None
        for line in cell.source.splitlines():
            assert not line.lstrip().startswith(("def ", "class ", "async def ")), line
    params = tagged[0].source
    for expected in ("year", "as_of", "scenario", "seed", "lang", "data_dir", "params_dir"):
        assert f"{expected} =" in params
    if name != "scenario_explorer":
        assert "simulation_path = None" in params and "results_path = None" in params


def _errors(nb) -> list[str]:
    return [f"{o.get('ename')}: {o.get('evalue')}" for c in nb.cells if c.cell_type == "code"
            for o in c.outputs if o.get("output_type") == "error"]


@pytest.mark.slow
def test_papermill_runs_the_cluster_report_on_its_own_in_english(tmp_path):
    """The README's command: no precomputed simulation, the notebook computes its own."""
    import papermill as pm
    from report_fixtures import require_kernel

    from zzforecast.report.render import notebook_to_html

    require_kernel()
    results = tmp_path / "xinmi.json"
    out = tmp_path / "out.ipynb"
    pm.execute_notebook(str(ROOT / "notebooks" / "cluster_report.ipynb"), str(out),
                        parameters={"cluster_id": "xinmi", "lang": "en", "n_paths": 500,
                                    "results_path": str(results)},
                        kernel_name="zzforecast", progress_bar=False, cwd=str(tmp_path))
    nb = nbformat.read(out, as_version=4)
    assert not _errors(nb)
    data = json.loads(results.read_text(encoding="utf-8"))
    assert data["cluster_id"] == "xinmi" and data["provenance"]["n_paths"] == 500
    assert all(0 <= t["p_attain"] <= 1 for t in data["targets"])
    assert data["no_official_target"]  # bundled per-zone targets are derived (issue 11)
    page = notebook_to_html(out, lang="en")
    for words in ("SYNTHETIC DATA", "Caveats", "Appendix: methodology",
                  "Data and run provenance", "How to read a probability",
                  "computed by this notebook", "no official target (plan annex not entered)"):
        assert words in page, words
    assert "全年目标" not in page  # English prose throughout


@pytest.mark.slow
def test_the_chinese_report_survives_as_pdf(tmp_path_factory):
    from pypdf import PdfReader
    from report_fixtures import small_batch

    from zzforecast.report.render import html_to_pdf

    out = small_batch(tmp_path_factory).out_dir
    page = (out / "airport.html").read_text(encoding="utf-8")
    pdf = html_to_pdf(page, tmp_path_factory.mktemp("pdf") / "airport.pdf", base_url=out)
    text = "".join(p.extract_text() or "" for p in PdfReader(pdf).pages).replace(" ", "")
    for words in ("郑州航空港产业集聚区", "注意事项", "合成数据", "附录：方法说明"):
        assert words in text, words


@pytest.mark.slow
def test_scenario_explorer_runs_headless_top_to_bottom(tmp_path):
    import papermill as pm
    from report_fixtures import require_kernel

    require_kernel()
    out = tmp_path / "explorer.ipynb"
    pm.execute_notebook(str(ROOT / "notebooks" / "scenario_explorer.ipynb"), str(out),
                        parameters={"n_paths": 300}, kernel_name="zzforecast",
                        progress_bar=False, cwd=str(tmp_path))
    nb = nbformat.read(out, as_version=4)
    assert not _errors(nb)
    mimes = {m for c in nb.cells if c.cell_type == "code" for o in c.outputs
             for m in o.get("data", {})}
    assert "application/vnd.jupyter.widget-view+json" in mimes


def test_explorer_sliders_change_the_probabilities():
    from zzforecast.data.bundle import load_bundle
    from zzforecast.report.explorer import scenario_explorer

    bundle = load_bundle(ROOT / "data", ROOT / "params")
    panel, update = scenario_explorer(bundle, 2017, "2017-07", n_paths=300, seed=1)
    before = update().set_index("target_id")["p_attain"]
    fai_slider = panel.children[1]
    fai_slider.value = 5.0  # +5 points on FAI growth for the rest of the year
    after = update().set_index("target_id")["p_attain"]
    assert after["fai_city_growth"] > before["fai_city_growth"]
    assert after["iav_city_growth"] == before["iav_city_growth"]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_the_year_follows_the_as_of_unless_given(name):
    """``year = None`` in the parameters: the notebook takes the year of ``as_of`` (so a
    2018 vintage is never run against the 2017 plan by a forgotten default)."""
    nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code"]
    tagged = next(i for i, c in enumerate(cells) if "parameters" in c.metadata.get("tags", []))
    assert "year = None" in cells[tagged].source
    year_cell = cells[tagged + 1].source
    assert "plan_year" in year_cell
    for given, as_of, expected in ((None, "2016-05", 2016), (2017, "2017-07", 2017)):
        namespace = {"year": given, "as_of": as_of}
        exec(year_cell, namespace)  # the notebook's own cell, as papermill runs it
        assert namespace["year"] == expected


@pytest.mark.parametrize("name, call", [("city_overview", "history.odds()"),
                                        ("city_overview", "history.record()"),
                                        ("cluster_report", "history.zone(cluster_id)")])
def test_the_reports_show_their_history(name, call):
    nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    sources = [c.source for c in nb.cells if c.cell_type == "code"]
    assert any(s.strip().endswith(call) for s in sources), call
    params = next(c.source for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assert "history_root = None" in params and "history_paths = 2000" in params
