"""Reproducibility: the same inputs and seed give the same numbers everywhere.

Reruns of the CLI are byte-identical; the Python API (``simulate`` + ``assess`` /
``to_json``), ``zzforecast attain --format json`` and a notebook report's JSON sidecar agree
on every probability and quantile of the same cluster's targets; and a report's provenance
(digests, seed, paths, version) is enough to rerun it exactly, through the API or the
notebook itself.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

from zzforecast.cli import main

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
PARAMS = ROOT / "params"
sys.path.insert(0, str(Path(__file__).resolve().parent))
from report_fixtures import CLUSTERS, N_PATHS, require_kernel, small_batch  # noqa: E402

SEED = 3  # the seed of report_fixtures.small_batch
CLUSTER = CLUSTERS[0]
FIELDS = ("p_attain", "p_attain_within_tolerance", "required_growth", "mean",
          "q05", "q25", "q50", "q75", "q95")


def attain_json(capsys, *extra: str) -> str:
    code = main(["attain", "--as-of", "2017-07", "--n-paths", str(N_PATHS), "--seed",
                 str(SEED), "--format", "json", "--data", str(DATA), "--params", str(PARAMS),
                 *extra])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def flat(rec: dict) -> dict:
    """A target record with its quantiles at the top level (the sidecar's shape)."""
    rec = dict(rec)
    rec.update(rec.pop("quantiles", None) or {})
    return rec


def by_target(records, scope: str | None = None) -> dict:
    return {(r["target_id"], r["scope"]): flat(r) for r in records
            if scope is None or r["scope"] == scope}


def outlook(records, scope: str = CLUSTER) -> dict:
    """Outlook quantiles of a zone without an official target (attain's JSON)."""
    return {r["indicator"]: {q: r[q] for q in ("q05", "q50", "q95")}
            for r in records if r["scope"] == scope}


def sidecar_outlook(sidecar: dict, indicators) -> dict:
    """The same quantiles from a cluster report's sidecar (its ``forecast``)."""
    return {ind: {q: f[f"growth_{q}"] for q in ("q05", "q50", "q95")}
            for ind, f in sidecar["forecast"].items() if ind in indicators}


def assert_same_numbers(left: dict, right: dict, fields=FIELDS) -> None:
    assert left and set(left) == set(right), (sorted(left), sorted(right))
    for key in left:
        for field in fields:
            a, b = (None if v is None or (isinstance(v, float) and math.isnan(v)) else v
                    for v in (left[key].get(field), right[key].get(field)))
            if a is None or b is None:
                assert a is None and b is None, (key, field, a, b)
            else:
                assert a == pytest.approx(b, rel=1e-5, abs=1e-6), (key, field, a, b)


@pytest.fixture(scope="module")
def api_doc():
    """``simulate`` + ``assess`` + ``to_json`` from Python, as a user would call them."""
    from zzforecast.assess.attain import assess
    from zzforecast.assess.serialise import to_json
    from zzforecast.data.bundle import load_bundle
    from zzforecast.simulate.engine import simulate

    bundle = load_bundle(DATA, PARAMS)
    sim = simulate(bundle, 2017, "2017-07", "baseline", n_paths=N_PATHS, seed=SEED)
    return to_json(sim, assess(sim, bundle)), bundle


# --------------------------------------------------------------------------- reruns

def test_cli_reruns_are_byte_identical(capsys):
    first = attain_json(capsys)
    assert attain_json(capsys) == first
    other = attain_json(capsys, "--seed", str(SEED + 1))
    assert other != first  # the seed matters, so identity above is not vacuous


def test_forecast_and_nowcast_reruns_are_identical(tmp_path, capsys):
    import pandas as pd

    long = pd.DataFrame({"unique_id": ["a"] * 10 + ["b"] * 10,
                         "ds": list(range(2007, 2017)) * 2,
                         "y": [10 + 1.3 * i + (i % 3) for i in range(10)]
                         + [50 - 0.7 * i + (i % 2) for i in range(10)]})
    long.to_csv(tmp_path / "long.csv", index=False)
    outs = []
    for _ in range(2):
        assert main(["forecast", "--file", str(tmp_path / "long.csv"), "--h", "3",
                     "--format", "json"]) == 0
        outs.append(capsys.readouterr().out)
    assert outs[0] == outs[1] and json.loads(outs[0])


def test_api_and_cli_agree(capsys, api_doc):
    doc, _ = api_doc
    cli = json.loads(attain_json(capsys))
    assert_same_numbers(by_target(doc["targets"]), by_target(cli["targets"]))
    assert cli["provenance"]["data_digest"] == doc["provenance"]["data_digest"]
    assert cli["provenance"]["params_digest"] == doc["provenance"]["params_digest"]


# --------------------------------------------------------------------------- notebooks

@pytest.mark.slow
def test_notebook_sidecar_agrees_with_api_and_cli(tmp_path_factory, capsys, api_doc):
    batch = small_batch(tmp_path_factory)
    sidecar = json.loads((batch.out_dir / f"{CLUSTER}.json").read_text(encoding="utf-8"))
    doc, _ = api_doc
    cli = json.loads(attain_json(capsys))
    # The bundled per-zone targets are derived placeholders, so the zone has no targets
    # (issue 11): compare its outlook instead, and the city targets of the overview.
    assert sidecar["targets"] == [] and sidecar["no_official_target"]
    api, shell = outlook(doc["no_official_target"]), outlook(cli["no_official_target"])
    notebook = sidecar_outlook(sidecar, api)
    fields = ("q05", "q50", "q95")
    assert_same_numbers(notebook, api, fields)
    assert_same_numbers(notebook, shell, fields)
    overview = json.loads((batch.out_dir / "overview.json").read_text(encoding="utf-8"))
    assert overview["provenance"]["data_digest"] == doc["provenance"]["data_digest"]
    city = by_target(overview["targets"], "city")
    assert_same_numbers(city, by_target(doc["targets"], "city"))
    assert_same_numbers(city, by_target(cli["targets"], "city"))


@pytest.mark.slow
def test_provenance_is_enough_to_rerun_a_report(tmp_path_factory, api_doc):
    """From the sidecar's provenance alone: check the inputs, rerun, get the same numbers."""
    import zzforecast
    from zzforecast.assess.attain import assess
    from zzforecast.simulate.engine import simulate

    batch = small_batch(tmp_path_factory)
    sidecar = json.loads((batch.out_dir / f"{CLUSTER}.json").read_text(encoding="utf-8"))
    prov = sidecar["provenance"]
    _, bundle = api_doc
    # a reader first checks that they hold the same data, parameters and version
    assert prov["data_digest"] == bundle.data_digest
    assert prov["params_digest"] == bundle.params_digest
    assert prov["version"] == zzforecast.__version__
    for key in ("seed", "n_paths", "year", "as_of", "scenario"):
        assert prov[key] is not None, key
    run = json.loads((batch.out_dir / "run.json").read_text(encoding="utf-8"))
    for key in ("data_digest", "params_digest", "seed", "n_paths"):
        assert run["provenance"][key] == prov[key], key

    sim = simulate(bundle, prov["year"], prov["as_of"], prov["scenario"],
                   n_paths=prov["n_paths"], seed=prov["seed"])
    table = assess(sim, bundle)
    rerun = outlook(table.attrs["no_official_target"])
    assert rerun
    assert_same_numbers(sidecar_outlook(sidecar, rerun), rerun, ("q05", "q50", "q95"))


@pytest.mark.slow
def test_the_notebook_alone_reruns_a_report_from_its_provenance(tmp_path_factory, tmp_path):
    """Run cluster_report.ipynb by hand (no saved simulation) with the provenance fields."""
    require_kernel()
    import papermill as pm

    batch = small_batch(tmp_path_factory)
    sidecar = json.loads((batch.out_dir / f"{CLUSTER}.json").read_text(encoding="utf-8"))
    prov = sidecar["provenance"]
    results = tmp_path / "rerun.json"
    pm.execute_notebook(str(ROOT / "notebooks" / "cluster_report.ipynb"),
                        str(tmp_path / "rerun.ipynb"), kernel_name="zzforecast",
                        progress_bar=False, cwd=str(tmp_path),
                        parameters={"cluster_id": CLUSTER, "year": prov["year"],
                                    "as_of": prov["as_of"], "scenario": prov["scenario"],
                                    "n_paths": prov["n_paths"], "seed": prov["seed"],
                                    "data_dir": str(DATA), "params_dir": str(PARAMS),
                                    "results_path": str(results)})
    again = json.loads(results.read_text(encoding="utf-8"))
    assert again["provenance"] == prov
    # no official per-zone targets in the bundled data (issue 11): the outlook must agree
    assert again["targets"] == sidecar["targets"]
    assert again["no_official_target"] == sidecar["no_official_target"]
    assert again["forecast"] == sidecar["forecast"]
