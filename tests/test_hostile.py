"""Hostile inputs through every entry point not covered elsewhere.

Command-line arguments of every command, Parquet files with wrong columns or types, YAML
parameters reached through ``attain`` and ``validate``, and bad notebook parameters given
to papermill directly. Each case expects exit 2 (or a ``ValueError`` in Python) with a
message naming the argument, file or field, no traceback, and nothing written or changed.
(tests/test_bad_inputs.py, test_ledger.py, test_scenarios.py and test_attain_cli.py cover
CSV data, the Excel ledger, scenario files and some attain arguments.)
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pandas as pd
import pytest

from zzforecast.cli import main

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
PARAMS = ROOT / "params"
VALID = ROOT / "tests" / "fixtures" / "valid"


def snapshot(*folders: Path) -> dict[str, str]:
    """Every file under ``folders`` with the sha256 of its bytes (and every folder)."""
    seen: dict[str, str] = {}
    for folder in folders:
        if not folder.exists():
            continue
        for path in sorted(folder.rglob("*")):
            key = str(path)
            seen[key] = (hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file()
                         else "dir")
    return seen


@pytest.fixture()
def work(tmp_path, monkeypatch):
    """A scratch folder as the working directory, with copies of data and params."""
    shutil.copytree(DATA, tmp_path / "data", ignore=shutil.ignore_patterns("templates"))
    shutil.copytree(PARAMS, tmp_path / "params")
    (tmp_path / "out").mkdir()
    (tmp_path / "a_file.txt").write_text("keep me\n", encoding="utf-8")
    long = pd.DataFrame({"unique_id": ["a"] * 8, "ds": list(range(2009, 2017)),
                         "y": [float(v) for v in range(10, 18)]})
    long.to_csv(tmp_path / "long.csv", index=False)
    monthly = pd.DataFrame({"unique_id": ["a"] * 6,
                            "ds": ["2016-02", "2016-03", "2016-12", "2017-02", "2017-03",
                                   "2017-04"],
                            "cum_value": [10.0, 15.0, 60.0, 11.0, 16.5, 22.0],
                            "cum_growth": [0.1, 0.1, 0.1, 0.1, 0.1, 0.1]})
    monthly.to_csv(tmp_path / "monthly.csv", index=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def expect_exit_2(work: Path, capsys, argv: list[str], *words: str) -> str:
    """Run ``argv`` in ``work``; exit 2, a message with ``words``, nothing written."""
    before = snapshot(work)
    try:
        code, out, err = run_cli(argv, capsys)
    except SystemExit as exc:  # argparse errors exit 2 themselves
        code = exc.code
        out, err = capsys.readouterr()
    assert code == 2, (code, err)
    assert "Traceback" not in err and "internal error" not in err, err
    for word in words:
        assert word in err, (word, err)
    assert snapshot(work) == before, "a failing command wrote or changed files"
    assert not (work / "reports").exists()
    return err


def require_kernel():
    from jupyter_client.kernelspec import find_kernel_specs

    if "zzforecast" not in find_kernel_specs():
        pytest.skip("the Jupyter kernel 'zzforecast' is not registered; run `make setup`")


# --------------------------------------------------------------------------- arguments

ATTAIN = ["attain", "--n-paths", "50", "--data", "data", "--params", "params"]
REPORTS = ["reports", "--year", "2017", "--n-paths", "50", "--workers", "1", "--data", "data",
           "--params", "params", "--out", "out", "--no-progress"]

ARGUMENT_CASES = [
    # attain
    ("attain-month-13", [*ATTAIN, "--as-of", "2017-13"], ["2017-13"]),
    ("attain-short-year", [*ATTAIN, "--as-of", "17-07"], ["17-07"]),
    ("attain-as-of-after-data", [*ATTAIN, "--as-of", "2017-12"], ["2017-12", "latest data"]),
    ("attain-as-of-other-year", [*ATTAIN, "--as-of", "2016-07"], ["--as-of", "--year"]),
    ("attain-unknown-cluster", [*ATTAIN, "--as-of", "2017-07", "--clusters", "nope"],
     ["nope", "cluster"]),
    ("attain-traversal-cluster", [*ATTAIN, "--as-of", "2017-07", "--clusters", "../x"],
     ["../x"]),
    ("attain-empty-clusters", [*ATTAIN, "--as-of", "2017-07", "--clusters", " , "],
     ["--clusters"]),
    ("attain-zero-paths", [*ATTAIN, "--as-of", "2017-07", "--n-paths", "0"], ["--n-paths"]),
    ("attain-negative-paths", [*ATTAIN, "--as-of", "2017-07", "--n-paths", "-5"],
     ["--n-paths"]),
    ("attain-text-paths", [*ATTAIN, "--as-of", "2017-07", "--n-paths", "many"], ["--n-paths"]),
    ("attain-negative-seed", [*ATTAIN, "--as-of", "2017-07", "--seed", "-1"], ["--seed"]),
    ("attain-percent-tolerance", [*ATTAIN, "--as-of", "2017-07", "--tolerance", "5"],
     ["--tolerance", "0.05"]),
    ("attain-unknown-scenario", [*ATTAIN, "--as-of", "2017-07", "--scenario", "nope"],
     ["nope", "scenario"]),
    ("attain-traversal-scenario",
     [*ATTAIN, "--as-of", "2017-07", "--scenario", "../../etc/passwd"], ["scenario"]),
    ("attain-unknown-lang", [*ATTAIN, "--as-of", "2017-07", "--lang", "fr"], ["--lang"]),
    ("attain-missing-data", ["attain", "--as-of", "2017-07", "--data", "nowhere"],
     ["nowhere"]),
    ("attain-year-out-of-range", [*ATTAIN, "--as-of", "2017-07", "--year", "17"], ["--year"]),
    # reports (argparse and early checks: nothing simulated, nothing written)
    ("reports-month-13", [*REPORTS, "--as-of", "2017-13"], ["--as-of", "2017-13"]),
    ("reports-short-year", [*REPORTS, "--as-of", "17-07"], ["--as-of"]),
    ("reports-zero-paths", [*REPORTS, "--as-of", "2017-07", "--n-paths", "0"], ["--n-paths"]),
    ("reports-negative-paths", [*REPORTS, "--as-of", "2017-07", "--n-paths", "-1"],
     ["--n-paths"]),
    ("reports-zero-workers", [*REPORTS, "--as-of", "2017-07", "--workers", "0"],
     ["--workers"]),
    ("reports-negative-timeout", [*REPORTS, "--as-of", "2017-07", "--timeout", "-1"],
     ["--timeout"]),
    ("reports-unknown-lang", [*REPORTS, "--as-of", "2017-07", "--lang", "fr"], ["--lang"]),
    ("reports-out-is-a-file", [*REPORTS, "--as-of", "2017-07", "--out", "a_file.txt"],
     ["--out", "a_file.txt", "is a file"]),
    ("reports-out-below-a-file", [*REPORTS, "--as-of", "2017-07", "--out", "a_file.txt/x"],
     ["--out", "is a file"]),
    ("reports-scheduler-not-an-address",
     [*REPORTS, "--as-of", "2017-07", "--scheduler", "not an address"], ["--scheduler"]),
    ("reports-scheduler-without-port",
     [*REPORTS, "--as-of", "2017-07", "--scheduler", "tcp://host"], ["--scheduler", "port"]),
    # forecast / nowcast / backtest
    ("forecast-missing-file", ["forecast", "--file", "nowhere.csv", "--h", "2"],
     ["nowhere.csv"]),
    ("forecast-zero-h", ["forecast", "--file", "long.csv", "--h", "0"], ["--h"]),
    ("forecast-unknown-model", ["forecast", "--file", "long.csv", "--h", "2", "--model",
                                "prophet"], ["--model", "prophet"]),
    ("forecast-wrong-columns", ["forecast", "--file", "monthly.csv", "--h", "2"],
     ["monthly.csv", "'y'"]),
    ("nowcast-short-year", ["nowcast", "--file", "monthly.csv", "--as-of", "17-07"],
     ["17-07"]),
    ("nowcast-percent-threshold", ["nowcast", "--file", "monthly.csv", "--as-of", "2017-04",
                                   "--threshold", "13"], ["--threshold", "percent"]),
    ("nowcast-zero-paths", ["nowcast", "--file", "monthly.csv", "--as-of", "2017-04",
                            "--n-paths", "0"], ["--n-paths"]),
    ("nowcast-nan-threshold", ["nowcast", "--file", "monthly.csv", "--as-of", "2017-04",
                               "--threshold", "nan"], ["--threshold"]),
    ("nowcast-level-150", ["nowcast", "--file", "monthly.csv", "--as-of", "2017-04",
                           "--level", "150"], ["level", "150"]),
    ("forecast-level-150", ["forecast", "--file", "long.csv", "--h", "2", "--level", "150"],
     ["level", "150"]),
    ("forecast-zero-jobs", ["forecast", "--file", "long.csv", "--h", "2", "--n-jobs", "0"],
     ["--n-jobs"]),
    ("backtest-unknown-model", ["backtest", "--file", "long.csv", "--h", "2", "--models",
                                "prophet"], ["prophet"]),
    ("backtest-too-short", ["backtest", "--file", "long.csv", "--h", "20"],
     ["long.csv", "'a'"]),
    ("backtest-unknown-dataset", ["backtest", "--dataset", "m4-daily"], ["--dataset"]),
    ("backtest-file-without-h", ["backtest", "--file", "long.csv"], ["--h"]),
    ("backtest-missing-file", ["backtest", "--file", "nowhere.parquet", "--h", "2"],
     ["nowhere.parquet"]),
    # audit / validate
    ("audit-unknown-lang", ["audit", "--lang", "fr"], ["--lang"]),
    ("audit-no-registry", ["audit", "--year", "1999", "--params", "params"],
     ["plans/1999/targets.yaml", "2017"]),
    ("audit-missing-data", ["audit", "--data", "nowhere", "--params", "params"], ["nowhere"]),
    ("validate-data-is-a-file", ["validate", "--data", "a_file.txt", "--params", "params"],
     ["a_file.txt"]),
    ("validate-write-without-ledger", ["validate", "--write-observations", "x.csv"],
     ["--ledger"]),
    ("validate-missing-ledger", ["validate", "--data", "data", "--ledger", "nowhere.xlsx"],
     ["nowhere.xlsx"]),
    ("validate-template-over-a-file", ["validate", "--ledger-template", "a_file.txt"],
     ["a_file.txt", "--force"]),
]


@pytest.mark.parametrize("argv, words", [c[1:] for c in ARGUMENT_CASES],
                         ids=[c[0] for c in ARGUMENT_CASES])
def test_bad_argument_exits_2_and_writes_nothing(work, capsys, argv, words):
    if argv[0] == "reports" and "--lang" not in argv and "--as-of" in argv:
        require_kernel()
    expect_exit_2(work, capsys, argv, *words)


@pytest.mark.parametrize("argv, words", [
    (["--clusters", "nope"], ["nope"]),
    (["--clusters", "../x"], ["../x"]),
    (["--scenario", "nope"], ["nope", "scenario"]),
    (["--scenario", "../x"], ["scenario"]),
    (["--as-of", "2017-12"], ["2017-12"]),
    (["--data", "nowhere"], ["nowhere"]),
], ids=["unknown-cluster", "traversal-cluster", "unknown-scenario", "traversal-scenario",
        "as-of-after-data", "missing-data"])
def test_bad_report_batch_keeps_previous_reports(work, capsys, argv, words):
    """A bad batch argument leaves an existing report folder untouched."""
    require_kernel()
    old = work / "out" / "2017" / "2017-07" / "baseline"
    old.mkdir(parents=True)
    (old / "index.html").write_text("<p>previous good reports</p>", encoding="utf-8")
    (old / "run.json").write_text('{"jobs": []}', encoding="utf-8")  # a batch's folder
    args = [*REPORTS, "--as-of", "2017-07", *argv]
    if "--as-of" in argv:
        args = [*REPORTS, *argv]
    expect_exit_2(work, capsys, args, *words)


# --------------------------------------------------------------------------- Parquet

def _obs_parquet(work: Path, change) -> Path:
    frame = pd.read_csv(work / "data" / "observations.csv", dtype=str, keep_default_na=False)
    frame = change(frame)
    (work / "data" / "observations.csv").unlink()
    path = work / "data" / "observations.parquet"
    frame.to_parquet(path, index=False)
    return path


def _text_value(frame):
    frame = frame.copy()
    frame.loc[3, "value"] = "abc"
    return frame


def _float_value_missing_column(frame):
    return frame.drop(columns=["indicator"]).assign(value=frame["value"].astype(float))


def _int_cluster(frame):
    frame = frame.copy()
    frame["value"] = frame["value"].astype(float)
    frame["cluster_id"] = 7
    return frame


@pytest.mark.parametrize("change, words", [
    (_text_value, ["observations.parquet", "row 5", "value"]),
    (_float_value_missing_column, ["observations.parquet", "indicator"]),
    (_int_cluster, ["observations.parquet", "cluster_id"]),
], ids=["text-in-value", "missing-column", "int-cluster-ids"])
def test_bad_parquet_observations_through_validate_and_attain(work, capsys, change, words):
    _obs_parquet(work, change)
    expect_exit_2(work, capsys, ["validate", "--data", "data", "--params", "params"], *words)
    expect_exit_2(work, capsys, [*ATTAIN, "--as-of", "2017-07"], *words)


def _long_parquet(work: Path, frame: pd.DataFrame) -> str:
    frame.to_parquet(work / "long.parquet", index=False)
    return "long.parquet"


@pytest.mark.parametrize("frame, command, words", [
    (pd.DataFrame({"unique_id": ["a", "a", "a"], "ds": [2015, 2016, 2017],
                   "y": ["1", "two", "3"]}), "forecast", ["long.parquet", "row 3", "'y'"]),
    (pd.DataFrame({"id": ["a"] * 3, "ds": [2015, 2016, 2017], "y": [1.0, 2.0, 3.0]}),
     "forecast", ["long.parquet", "unique_id"]),
    (pd.DataFrame({"unique_id": ["a"] * 3, "ds": ["2017-02", "2017-03", "x"],
                   "cum_value": [1.0, 2.0, 3.0], "cum_growth": [0.1, 0.1, 0.1]}),
     "nowcast", ["long.parquet", "'ds'"]),
    (pd.DataFrame({"unique_id": ["a"] * 3, "ds": ["2017-02", "2017-03", "2017-04"],
                   "cum_value": [1.0, 2.0, 3.0], "cum_growth": ["10%", "0.1", "0.1"]}),
     "nowcast", ["long.parquet", "cum_growth"]),
], ids=["forecast-text-y", "forecast-no-unique-id", "nowcast-bad-ds", "nowcast-percent-text"])
def test_bad_parquet_long_files(work, capsys, frame, command, words):
    name = _long_parquet(work, frame)
    argv = ["forecast", "--file", name, "--h", "2"] if command == "forecast" else \
        ["nowcast", "--file", name, "--as-of", "2017-04"]
    expect_exit_2(work, capsys, argv, *words)


# --------------------------------------------------------------------------- YAML params

def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


YAML_CASES = {
    "target-growth-in-percent": ("plans/2017/targets.yaml", "    value: 0.13\n", "    value: 13\n",
                                 ["targets.yaml", "value"]),
    "target-unknown-key": ("plans/2017/targets.yaml", "    kind: level\n",
                           "    kind: level\n    colour: red\n", ["targets.yaml", "colour"]),
    "target-value-as-text": ("plans/2017/targets.yaml", "    value: 2800\n",
                             "    value: lots\n", ["targets.yaml", "value"]),
    "target-python-tag": ("plans/2017/targets.yaml", "year: 2017\n",
                          "year: !!python/object/apply:os.getcwd []\n",
                          ["targets.yaml", "tag"]),
    "scenario-percent-shift": ("scenarios/downside.yaml", "city: -0.02,", "city: -2,",
                               ["downside.yaml", "growth_shift.fai.city", "percent"]),
    "scenario-unknown-key": ("scenarios/downside.yaml", "volatility_multiplier: 1.3",
                             "volatility_multiplyer: 1.3", ["downside.yaml",
                                                           "volatility_multiplyer"]),
    "scenario-wrong-type": ("scenarios/downside.yaml", "volatility_multiplier: 1.3",
                            "volatility_multiplier: [1.3]", ["downside.yaml",
                                                            "volatility_multiplier"]),
}


@pytest.mark.parametrize("case", list(YAML_CASES), ids=list(YAML_CASES))
def test_bad_yaml_through_attain(work, capsys, case):
    rel, old, new, words = YAML_CASES[case]
    _edit(work / "params" / rel, old, new)
    expect_exit_2(work, capsys, [*ATTAIN, "--as-of", "2017-07", "--scenario", "downside"],
                  *words)


@pytest.mark.parametrize("old, new, words", [
    ("  1: {revenue_min: 100}", "  1: {revenue_min: 100, colour: red}", ["stars.yaml"]),
    ("  4: {revenue_min: 500, iav_growth_min: 0.08}",
     "  4: {revenue_min: 500, iav_growth_min: 8}", ["stars.yaml"]),
], ids=["stars-unknown-key", "stars-percent"])
def test_bad_star_rules_are_reported_by_validate(work, capsys, old, new, words):
    _edit(work / "params" / "plans" / "2017" / "stars.yaml", old, new)
    expect_exit_2(work, capsys, ["validate", "--data", "data", "--params", "params"], *words)


# --------------------------------------------------------------------------- notebooks

@pytest.mark.slow
@pytest.mark.parametrize("parameters, words", [
    ({"cluster_id": "../etc"}, ["cluster", "../etc"]),
    ({"cluster_id": "nope", "lang": "fr"}, ["lang", "fr"]),
    ({"as_of": "2017-13"}, ["as-of", "2017-13"]),
    ({"n_paths": -5}, ["n_paths", "-5"]),
], ids=["traversal-cluster", "unknown-lang", "month-13", "negative-paths"])
def test_bad_notebook_parameters_fail_in_the_first_cells(tmp_path, parameters, words):
    require_kernel()
    import papermill as pm

    results = tmp_path / "results" / "report.json"
    params = {"n_paths": 50, "data_dir": str(DATA), "params_dir": str(PARAMS),
              "results_path": str(results), **parameters}
    before = snapshot(DATA, PARAMS)
    with pytest.raises(pm.PapermillExecutionError) as info:
        pm.execute_notebook(str(ROOT / "notebooks" / "cluster_report.ipynb"),
                            str(tmp_path / "out.ipynb"), parameters=params,
                            kernel_name="zzforecast", progress_bar=False, log_output=False,
                            cwd=str(tmp_path))
    err = info.value
    assert err.ename in ("UserError", "ValueError", "ParamsError"), err.ename
    for word in words:
        assert word in err.evalue, (word, err.evalue)
    # the cells that read the parameters: the plan year of the as-of, the inputs, the report
    assert any(name in err.source for name in ("plan_year", "load_inputs", "ClusterReport"))
    assert not results.exists() and not results.parent.exists()
    assert snapshot(DATA, PARAMS) == before


def test_bad_python_api_arguments_are_value_errors():
    from zzforecast.data.bundle import load_bundle
    from zzforecast.simulate.engine import simulate

    bundle = load_bundle(DATA, PARAMS)
    for kwargs, word in [({"seed": -1}, "seed"), ({"n_paths": "10"}, "n_paths"),
                         ({"clusters": ["a/b"]}, "a/b")]:
        call = {"year": 2017, "as_of": "2017-07", "scenario": "baseline", "n_paths": 10,
                **kwargs}
        with pytest.raises(ValueError, match=word):
            simulate(bundle, **call)


def test_run_batch_refuses_an_output_path_below_a_file_before_simulating(work):
    require_kernel()
    from zzforecast.batch.cluster_reports import run_batch

    before = snapshot(work)
    with pytest.raises(ValueError, match="a_file.txt.*is a file"):
        run_batch(2017, "2017-07", "baseline", clusters="airport", workers=1,
                  out_dir=work / "a_file.txt", n_paths=20, data_dir=work / "data",
                  params_dir=work / "params", progress=False)
    assert snapshot(work) == before
