"""The batch machinery: parallel papermill runs, failures, staging, Dask, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zzforecast.batch.jobs import NotebookJob
from zzforecast.batch.runner import run_notebooks

TINY = str(Path(__file__).parent / "notebooks" / "tiny.ipynb")


@pytest.fixture(scope="module", autouse=True)
def _kernel():
    from jupyter_client.kernelspec import find_kernel_specs

    if "zzforecast" not in find_kernel_specs():
        pytest.skip("the Jupyter kernel 'zzforecast' is not registered; run `make setup`")


def _jobs(**modes):
    return [NotebookJob(name, TINY, {"cluster_id": name, "mode": mode},
                        labels={"name_zh": f"{name}区", "name_en": name})
            for name, mode in modes.items()]


def _json_results(folder: Path) -> dict:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.json"))
            if p.name != "run.json"}


@pytest.mark.slow
def test_failing_and_timed_out_notebooks_do_not_stop_the_others(tmp_path):
    out = tmp_path / "2017" / "baseline"
    seen = {}

    def prepare_after(job, records):  # the last job sees what happened before it
        seen[job.name] = sorted(r["name"] for r in records if r["status"] == "ok")
        return job

    last = NotebookJob("omega", TINY, {"cluster_id": "omega"}, kind="overview", after_others=True)
    result = run_notebooks([last, *_jobs(alpha="ok", beta="fail", gamma="sleep", delta="ok")],
                           out, workers=2, timeout=4, run_info={"year": 2017},
                           prepare_after=prepare_after)
    assert result.status == "partial" and result.installed
    assert seen == {"omega": ["alpha", "delta"]}
    status = {j["name"]: j["status"] for j in result.jobs}
    assert status == {"omega": "ok", "alpha": "ok", "beta": "failed", "gamma": "timeout",
                      "delta": "ok"}
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["status"] == "partial" and run["n_ok"] == 3 and run["year"] == 2017
    failed = {f["name"]: f for f in run["failed"]}
    assert failed["beta"]["ename"] == "ValueError"
    assert "deliberate failure for beta" in failed["beta"]["evalue"]
    assert failed["beta"]["cell_index"] == 4  # markdown, parameters, injected, import, raise
    assert failed["gamma"]["ename"] == "CellTimeoutError" and failed["gamma"]["cell_index"] == 4
    for name in ("alpha", "delta"):
        for suffix in (".ipynb", ".html", ".json"):
            assert (out / f"{name}{suffix}").is_file()
    for name in ("beta", "gamma"):
        assert not list(out.glob(f"{name}.*"))
    assert (out / "_failed" / "beta.ipynb").is_file()
    assert {"index.html", "summary.csv", "summary.xlsx", "run.json"} <= {p.name for p in out.iterdir()}
    html = (out / "alpha.html").read_text(encoding="utf-8")
    assert "write_json" not in html and "标题 集聚区" in html  # outputs without code
    summary = (out / "summary.csv").read_text(encoding="utf-8-sig")
    assert "beta" in summary and "failed" in summary
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no staging left


@pytest.mark.slow
def test_a_rerun_keeps_the_last_good_reports_until_the_new_ones_are_complete(tmp_path):
    from pypdf import PdfReader

    out = tmp_path / "r"
    first = run_notebooks(_jobs(alpha="ok"), out, workers=1, pdf=True)
    assert first.status == "ok"
    before = (out / "alpha.json").read_text(encoding="utf-8")
    assert "标题 集聚区" in PdfReader(out / "alpha.pdf").pages[0].extract_text()
    assert "alpha.pdf" in first.jobs[0]["files"]

    seen = {}

    def during(staging, records):  # runs after the notebooks, before installing
        seen["old_still_there"] = (out / "alpha.json").read_text(encoding="utf-8") == before
        seen["staging"] = staging

    second = run_notebooks(_jobs(alpha="fail"), out, workers=1, finalize=during)
    assert seen["old_still_there"] and seen["staging"] != out
    assert second.status == "failed" and not second.installed
    assert (out / "alpha.json").read_text(encoding="utf-8") == before  # kept
    failed_run = json.loads((second.out_dir / "run.json").read_text(encoding="utf-8"))
    assert failed_run["status"] == "failed" and second.out_dir.name == ".r.failed"


@pytest.fixture(scope="module")
def dask_scheduler():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0", memory_limit="1GiB") as cluster:
        yield cluster.scheduler_address


@pytest.mark.slow
def test_dask_cluster_runs_the_notebooks_and_reports_failures(tmp_path, dask_scheduler):
    result = run_notebooks(_jobs(alpha="ok", gamma="fail"), tmp_path / "dask",
                           scheduler=dask_scheduler)
    assert result.status == "partial"
    assert result.run["scheduler"] == dask_scheduler and result.run["workers"] is None
    assert {j["name"]: j["status"] for j in result.jobs} == {"alpha": "ok", "gamma": "failed"}
    assert result.run["failed"][0]["ename"] == "ValueError"
    alpha = json.loads((tmp_path / "dask" / "alpha.json").read_text(encoding="utf-8"))
    assert alpha["targets"][0]["p_attain"] == 0.5 and alpha["name_zh"] == "集聚区"


def test_duplicate_job_names_are_rejected(tmp_path):
    from zzforecast.exceptions import UserError

    with pytest.raises(UserError, match="unique"):
        run_notebooks(_jobs(alpha="ok") * 2, tmp_path / "x")


def test_cli_passes_arguments_and_maps_partial_batches_to_exit_3(monkeypatch, tmp_path, capsys):
    import zzforecast.batch.cluster_reports as cluster_reports
    from zzforecast.batch.runner import BatchResult
    from zzforecast.cli import main

    calls = {}

    def fake_run_batch(**kwargs):
        calls.update(kwargs)
        run = {"status": "partial", "n_ok": 1, "n_failed": 1, "seconds": 1.0,
               "failed": [{"name": "b", "ename": "ValueError", "evalue": "boom", "cell_index": 5}]}
        return BatchResult(out_dir=tmp_path, installed=True,
                           jobs=[{"status": "ok"}, {"status": "failed"}], run=run)

    monkeypatch.setattr(cluster_reports, "run_batch", fake_run_batch)
    code = main(["reports", "--year", "2017", "--as-of", "2017-07", "--scenario", "baseline",
                 "--clusters", "a,b", "--workers", "2", "--out", str(tmp_path), "--pdf",
                 "--lang", "en", "--n-paths", "500", "--seed", "7", "--timeout", "30",
                 "--no-progress"])
    assert code == 3  # the CLI maps a partial batch to exit 3
    assert calls["clusters"] == "a,b" and calls["workers"] == 2 and calls["pdf"] is True
    assert calls["lang"] == "en" and calls["n_paths"] == 500 and calls["seed"] == 7
    assert calls["timeout"] == 30 and calls["scheduler"] is None and calls["year"] == 2017
    err = capsys.readouterr().err
    assert "failed: b: ValueError: boom (cell 5)" in err


@pytest.mark.parametrize("argv", [
    ["--as-of", "2017-13"], ["--workers", "0"], ["--n-paths", "-5"], ["--lang", "fr"],
    ["--timeout", "0"],
])
def test_cli_rejects_bad_arguments_with_exit_2(argv, capsys):
    from zzforecast.cli import main

    base = ["reports", "--year", "2017", "--as-of", "2017-07"]
    with pytest.raises(SystemExit) as exc:
        main(base + argv)
    assert exc.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


# --------------------------------------------------------------------------- real batch

def _cluster_json(folder: Path) -> dict:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.json"))
            if p.name not in ("run.json", "overview.json")}


@pytest.mark.slow
def test_batch_builds_every_report_file_from_one_simulation(tmp_path_factory):
    from report_fixtures import CLUSTERS, N_PATHS, small_batch

    result = small_batch(tmp_path_factory)
    assert result.status == "ok", result.run["failed"]
    out = result.out_dir
    assert out.parts[-3:] == ("2017", "2017-07", "baseline")  # one folder per vintage
    names = {p.name for p in out.iterdir()}
    for cid in (*CLUSTERS, "overview"):
        assert {f"{cid}.ipynb", f"{cid}.html", f"{cid}.json"} <= names
    assert {"index.html", "summary.csv", "summary.xlsx", "run.json"} <= names
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    prov = run["provenance"]
    assert run["status"] == "ok" and prov["n_paths"] == N_PATHS and prov["seed"] == 3
    assert len(prov["data_digest"]) == 64 and len(prov["params_digest"]) == 64
    assert prov["synthetic"] is True and "合成数据" in run["notice"]
    assert run["versions"]["zzforecast"] and all(j["seconds"] > 0 for j in run["jobs"])
    assert run["seconds_total"] > run["seconds"] > 0 and run["setup_seconds"] > 0
    # Each report reads the same simulation: its targets match the overview's inputs.
    airport = json.loads((out / "airport.json").read_text(encoding="utf-8"))
    assert airport["provenance"]["n_paths"] == N_PATHS and airport["synthetic"] is True
    # The bundled per-zone targets are derived: never shown as targets (issue 11).
    assert airport["targets"] == [] and airport["scenarios"] == []
    assert {r["indicator"] for r in airport["no_official_target"]} >= {"fai", "iav"}
    html = (out / "airport.html").read_text(encoding="utf-8")
    for words in ("合成数据", "注意事项", "附录：方法说明", "数据与运行信息", "重大项目",
                  "无正式目标（方案附件未录入）", prov["data_digest"]):
        assert words in html, words
    for code in ("load_inputs", "ClusterReport", "simulation_path", "results_path"):
        assert code not in html, code
    summary = (out / "summary.csv").read_text(encoding="utf-8-sig")
    assert summary.count("airport") >= 1 and "p_attain" in summary
    assert "airport_fai_growth" not in summary  # derived placeholders stay out


@pytest.mark.slow
def test_batch_results_are_identical_with_one_two_workers_and_dask(tmp_path_factory,
                                                                   dask_scheduler):
    from report_fixtures import small_batch

    two = small_batch(tmp_path_factory)
    one = small_batch(tmp_path_factory, workers=1, overview=False)
    dask = small_batch(tmp_path_factory, scheduler=dask_scheduler, overview=False)
    assert one.status == dask.status == "ok"
    assert dask.run["scheduler"] and one.run["workers"] == 1
    reference = _cluster_json(two.out_dir)
    assert len(reference) == 2
    assert _cluster_json(one.out_dir) == reference
    assert _cluster_json(dask.out_dir) == reference


def test_batch_rejects_unknown_clusters_and_bad_scenarios_before_running(tmp_path):
    from zzforecast.batch.cluster_reports import run_batch
    from zzforecast.exceptions import UserError

    root = Path(__file__).resolve().parents[1]
    kw = dict(out_dir=tmp_path, data_dir=root / "data", params_dir=root / "params")
    with pytest.raises(UserError, match="unknown cluster id.*nowhere"):
        run_batch(2017, "2017-07", "baseline", clusters="airport,nowhere", **kw)
    with pytest.raises(UserError, match="scenario"):
        run_batch(2017, "2017-07", "../x", **kw)
    with pytest.raises(UserError, match="kernel 'no_such_kernel' is not registered"):
        run_batch(2017, "2017-07", "baseline", kernel_name="no_such_kernel", **kw)
    assert not list(tmp_path.iterdir())


@pytest.mark.slow
def test_the_overview_runs_again_without_links_to_failed_reports(tmp_path):
    # no finished page is edited: the overview notebook itself runs again, told which
    # reports were built
    from zzforecast.batch.cluster_reports import relink_overview

    job = NotebookJob("overview", TINY, {"cluster_id": "overview",
                                         "link_reports": ["airport", "xinmi"]}, kind="overview")
    finalize = relink_overview(job, timeout=60)
    records = [{"name": "overview", "kind": "overview", "status": "ok", "seconds": 1.0},
               {"name": "airport", "kind": "cluster", "status": "ok"}]
    finalize(tmp_path, records)  # nothing failed: nothing runs again
    assert not list(tmp_path.iterdir())
    records.append({"name": "xinmi", "kind": "cluster", "status": "failed"})
    finalize(tmp_path, records)
    assert records[0]["status"] == "ok" and records[0]["seconds"] > 1.0
    notebook = json.loads((tmp_path / "overview.ipynb").read_text(encoding="utf-8"))
    injected = "".join(next(c["source"] for c in notebook["cells"]
                            if "injected-parameters" in c["metadata"].get("tags", [])))
    assert 'link_reports = ["airport"]' in injected


def test_leftovers_of_an_interrupted_batch_are_removed_under_the_folder_lock(tmp_path):
    # The batch removes them while it holds the folder's lock (issue 14 item 5): no other
    # batch can be using them then, whatever their age; other scenarios' stay.
    from zzforecast.batch.folders import remove_stale

    old = tmp_path / ".baseline.staging-aaaa"
    recent = tmp_path / ".baseline.work-bbbb"
    other = tmp_path / ".downside.staging-cccc"
    for folder in (old, recent, other):
        folder.mkdir()
    remove_stale(tmp_path, "baseline")
    assert not old.exists() and not recent.exists() and other.exists()
