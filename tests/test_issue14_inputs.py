"""Issue 14 ("Nothing lost, whatever comes in"): names, writes, bombs and odd inputs.

Each test name says which item of the issue it reproduces. Every refusal is exit 2 (or a
``ValueError`` in Python) with a message naming the file, row or field, no traceback, and
nothing written or changed. The batch items (1, 5) are in test_issue14_batch.py.
"""

from __future__ import annotations

import hashlib
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from zzforecast.cli import main
from zzforecast.exceptions import DataError, UserError

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
PARAMS = ROOT / "params"


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p): (hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir")
            for p in sorted(folder.rglob("*"))}


@pytest.fixture()
def work(tmp_path, monkeypatch):
    shutil.copytree(DATA, tmp_path / "data", ignore=shutil.ignore_patterns("templates"))
    shutil.copytree(PARAMS, tmp_path / "params")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def cli(argv, capsys):
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:  # argparse
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def refused(work: Path, capsys, argv, *words) -> str:
    before = snapshot(work)
    code, out, err = cli(argv, capsys)
    assert code == 2, (code, err)
    assert "Traceback" not in err and "internal error" not in err, err
    for word in words:
        assert word in err, (word, err)
    assert snapshot(work) == before, "a refused command wrote or changed files"
    return err


def edit_clusters(work: Path, row: int, **values) -> None:
    frame = pd.read_csv(work / "data" / "clusters.csv", dtype=str, keep_default_na=False)
    for key, value in values.items():
        frame.loc[row, key] = value
    frame.to_csv(work / "data" / "clusters.csv", index=False)


# --------------------------------------------------------------------------- item 2

@pytest.mark.parametrize(("bad", "row"), [
    ("Air\x07port", 3), ("a\x1b[31mred", 3), ("two\nlines", 4),  # a record's last line
    ("tab\there", 3), ("sep\u2028arator", 3)])
def test_item2_control_character_in_a_cluster_name_is_refused_at_validate(work, capsys, bad,
                                                                          row):
    edit_clusters(work, 1, name_zh=bad)
    err = refused(work, capsys, ["validate"], "clusters.csv", f"row {row},", "name_zh",
                  "control character")
    assert bad not in err  # the message shows U+XXXX, not the raw character


def test_item2_control_character_in_project_and_observation_text_is_refused(work):
    from zzforecast.data.loaders import load_observations, load_projects

    projects = pd.read_csv(work / "data" / "projects.csv", dtype=str, keep_default_na=False)
    projects.loc[0, "name_en"] = "Plant\x01 1"
    projects.to_csv(work / "data" / "projects.csv", index=False)
    with pytest.raises(DataError, match=r"row 2, field 'name_en': contains the control"):
        load_projects(work / "data" / "projects.csv")
    obs = pd.read_csv(work / "data" / "observations.csv", dtype=str, keep_default_na=False)
    obs.loc[4, "source"] = "bu\x0breau"
    obs.to_csv(work / "data" / "observations.csv", index=False)
    with pytest.raises(DataError, match=r"row 6, field 'source': contains the control"):
        load_observations(work / "data" / "observations.csv")


def test_item2_nul_in_a_parquet_cluster_name_is_refused_at_validate(work, capsys):
    frame = pd.read_csv(work / "data" / "clusters.csv", dtype=str, keep_default_na=False)
    frame.loc[0, "name_en"] = "Zheng\x00zhou"
    frame.to_parquet(work / "data" / "clusters.parquet", index=False)
    (work / "data" / "clusters.csv").unlink()
    refused(work, capsys, ["validate"], "clusters.parquet", "row 2", "name_en", "U+0000")


def test_item2_a_control_character_in_an_error_text_does_not_cost_the_summary(tmp_path):
    from openpyxl import load_workbook

    from zzforecast.report.summary import write_summary

    frame = pd.DataFrame({"cluster_id": ["a", "b"], "error": ["ok", "boom \x1b[31m\x00"]})
    write_summary(frame, tmp_path / "s.csv", tmp_path / "s.xlsx")
    ws = load_workbook(tmp_path / "s.xlsx")["summary"]
    assert ws["B3"].value == "boom \ufffd[31m\ufffd"


# --------------------------------------------------------------------------- item 3

def test_item3_ledger_template_on_a_full_disk_keeps_the_old_file(work, capsys):
    old = work / "t.xlsx"
    old.write_bytes(b"the user's filled workbook")
    old.chmod(0o640)
    # A file-size limit makes every write fail with EFBIG, as a full disk fails with ENOSPC.
    script = ("import resource, sys; resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000)); "
              "from zzforecast.cli import main; sys.exit(main(sys.argv[1:]))")
    proc = subprocess.run([sys.executable, "-c", script, "validate", "--ledger-template",
                           str(old), "--force"], capture_output=True, text=True, cwd=work)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "t.xlsx" in proc.stderr
    assert old.read_bytes() == b"the user's filled workbook"
    assert [p.name for p in work.iterdir() if p.name.startswith(".")] == []


def test_item3_overwriting_keeps_the_file_mode(work, capsys):
    old = work / "t.xlsx"
    old.write_bytes(b"old")
    old.chmod(0o640)
    code, _, err = cli(["validate", "--ledger-template", old, "--force"], capsys)
    assert code == 0, err
    assert stat.S_IMODE(old.stat().st_mode) == 0o640
    assert old.read_bytes()[:2] == b"PK"


def test_item3_atomic_write_failure_leaves_old_file_and_no_temp(tmp_path):
    from zzforecast.data.writing import atomic_write

    path = tmp_path / "x.csv"
    path.write_text("old\n", encoding="utf-8")

    def fails(handle):
        handle.write(b"half")
        raise OSError(28, "No space left on device")

    with pytest.raises(UserError, match=r"x.csv: cannot write: the disk is full"):
        atomic_write(path, fails)
    assert path.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["x.csv"]


def test_item3_writing_observations_over_the_ledger_is_refused(work, capsys):
    ledger = work / "L.xlsx"
    assert cli(["validate", "--ledger-template", ledger], capsys)[0] == 0
    refused(work, capsys, ["validate", "--ledger", ledger, "--write-observations", ledger,
                           "--force"], "L.xlsx", "also an input")
    # also through another spelling of the same file
    refused(work, capsys, ["validate", "--ledger", ledger, "--write-observations",
                           "./data/../L.xlsx", "--force"], "also an input")
    refused(work, capsys, ["validate", "--ledger-template", "data/clusters.csv", "--force"],
            "clusters.csv", "also an input")


def test_item3_attain_save_does_not_overwrite_without_force(work, capsys):
    target = work / "sim.npz"
    target.write_bytes(b"keep")
    refused(work, capsys, ["attain", "--as-of", "2017-07", "--n-paths", "50", "--save",
                           target], "sim.npz", "--force")
    assert target.read_bytes() == b"keep"


# --------------------------------------------------------------------------- item 4

@pytest.mark.parametrize("reserved", ["index", "run", "summary", "overview"])
def test_item4_reserved_cluster_ids_are_refused_at_load(work, capsys, reserved):
    obs = pd.read_csv(work / "data" / "observations.csv", dtype=str, keep_default_na=False)
    old_id = pd.read_csv(work / "data" / "clusters.csv", dtype=str).loc[2, "cluster_id"]
    edit_clusters(work, 2, cluster_id=reserved)
    obs.loc[obs["cluster_id"] == old_id, "cluster_id"] = reserved
    obs.to_csv(work / "data" / "observations.csv", index=False)
    refused(work, capsys, ["validate"], "clusters.csv", "row 4", "cluster_id",
            f"'{reserved}' is reserved")


# --------------------------------------------------------------------------- item 6

def _laughs(levels: int = 9) -> str:
    lines = ["name: bomb", 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for k in range(1, levels):
        lines.append(f"a{k}: &a{k} [" + ",".join([f"*a{k - 1}"] * 9) + "]")
    lines.append(f"growth_shift: *a{levels - 1}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(("case", "text", "words"), [
    ("billion-laughs", _laughs(), ["bomb.yaml", "aliases"]),
    ("deep", "name: bomb\nx: " + "[" * 5000 + "]" * 5000 + "\n", ["bomb.yaml", "row 2",
                                                                  "nested"]),
    ("deep-block", "name: bomb\n" + "".join("  " * k + f"k{k}:\n" for k in range(200))
     + "  " * 200 + "v: 1\n", ["bomb.yaml", "nested"]),
    ("big-integer", "name: bomb\nvolatility_multiplier: " + "9" * 400 + "\n",
     ["bomb.yaml", "row 2", "digits"]),
    ("long-value", "name: bomb\nlabel: {zh: " + "x" * 20_000 + "}\n", ["bomb.yaml", "row 2",
                                                                       "characters"]),
])
def test_item6_yaml_bombs_are_refused_with_exit_2(work, capsys, case, text, words):
    (work / "params" / "scenarios" / "bomb.yaml").write_text(text, encoding="utf-8")
    refused(work, capsys, ["validate"], *words)
    refused(work, capsys, ["attain", "--as-of", "2017-07", "--n-paths", "50",
                           "--scenario", "bomb"], *words)


def test_item6_a_few_aliases_in_a_parameter_file_still_work(tmp_path):
    from zzforecast.data.strict_yaml import read_yaml

    path = tmp_path / "p.yaml"
    path.write_text("base: &b {city: -0.01, municipal: 0.0}\nfai: *b\niav: *b\n",
                    encoding="utf-8")
    assert read_yaml(path)["iav"] == {"city": -0.01, "municipal": 0.0}


# --------------------------------------------------------------------------- item 7

def _filled_ledger(work: Path, capsys) -> Path:
    from openpyxl import load_workbook

    ledger = work / "L.xlsx"
    assert cli(["validate", "--ledger-template", ledger], capsys)[0] == 0
    wb = load_workbook(ledger)
    ws = wb["月度台账"]
    ws.append(["airport", None, "fai", "2017-02", 100.0, 10.0, "亿元", "现价", "统计局",
               "2017-03-15"])
    wb.save(ledger)
    return ledger


def test_item7_a_huge_cell_in_a_ledger_is_refused(work, capsys):
    from openpyxl import load_workbook

    ledger = _filled_ledger(work, capsys)
    wb = load_workbook(ledger)
    wb["月度台账"]["I2"] = "x" * 5000
    wb.save(ledger)
    refused(work, capsys, ["validate", "--ledger", ledger], "L.xlsx", "sheet 月度台账",
            "row 2", "column I", "5,000 characters")


def test_item7_a_workbook_that_unpacks_too_large_is_refused_before_opening(work, capsys):
    import zipfile

    ledger = _filled_ledger(work, capsys)
    with zipfile.ZipFile(ledger, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b" " * 60_000_000)  # ~60 KB packed
    assert ledger.stat().st_size < 1_000_000
    refused(work, capsys, ["validate", "--ledger", ledger], "L.xlsx", "unpacks to",
            "50,000,000")


# --------------------------------------------------------------------------- item 8

def _limited(argv, cwd, address_space: int | None = None):
    """Run the command line in a fresh process, optionally under ``ulimit -v``."""
    limit = (f"resource.setrlimit(resource.RLIMIT_AS, ({address_space}, {address_space})); "
             if address_space else "")
    script = (f"import resource, sys; {limit}"
              "from zzforecast.cli import main; sys.exit(main(sys.argv[1:]))")
    return subprocess.run([sys.executable, "-c", script, *map(str, argv)], cwd=cwd,
                          capture_output=True, text=True)


def test_item8_forecast_horizon_that_cannot_fit_in_memory_is_exit_2(work):
    pd.DataFrame({"unique_id": ["a"] * 10, "ds": list(range(2007, 2017)),
                  "y": [float(10 + v) for v in range(10)]}).to_csv(work / "s.csv", index=False)
    proc = _limited(["forecast", "--file", "s.csv", "--h", "100000"], work)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "--h 100,000 needs about" in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_item8_attain_paths_that_cannot_fit_in_memory_are_exit_2(work):
    # The documented maximum, on a process allowed 3 GB of address space.
    proc = _limited(["attain", "--as-of", "2017-07", "--n-paths", "1000000"], work,
                    address_space=3 * 2**30)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "--n-paths 1,000,000 needs about" in proc.stderr
    assert "use --n-paths" in proc.stderr and "Traceback" not in proc.stderr


# --------------------------------------------------------------------------- item 9

@pytest.mark.parametrize("value", ["1e308", "3e38", "1e16"])
def test_item9_a_level_of_1e308_is_refused_at_validate(work, capsys, value):
    obs = pd.read_csv(work / "data" / "observations.csv", dtype=str, keep_default_na=False)
    row = int(obs.index[(obs["measure"] == "level") & (obs["unit"] == "亿元")][0])
    obs.loc[row, "value"] = value
    obs.to_csv(work / "data" / "observations.csv", index=False)
    words = ["observations.csv", f"row {row + 2},", "field 'value'", "implausibly large"]
    refused(work, capsys, ["validate"], *words)
    refused(work, capsys, ["attain", "--as-of", "2017-07", "--n-paths", "50"], *words)


def test_item9_forecast_of_values_near_1e308_is_exit_2_not_inf(work, capsys):
    pd.DataFrame({"unique_id": ["a"] * 10 + ["b"] * 10, "ds": list(range(2007, 2017)) * 2,
                  "y": [1e307 * (1 + v / 10) for v in range(10)] + [float(v + 1)
                                                                    for v in range(10)]}
                 ).to_csv(work / "big.csv", index=False)
    err = refused(work, capsys, ["forecast", "--file", "big.csv", "--h", "3"], "big.csv",
                  "field 'y'", "series 'a'", "too large")
    assert "series 'b'" not in err


# --------------------------------------------------------------------------- item 12

LONG = "n" * 300


@pytest.mark.parametrize(("case", "argv", "words"), [
    ("template-long-name", ["validate", "--ledger-template", f"{LONG}.xlsx"],
     ["longer than 255"]),
    ("template-is-folder", ["validate", "--ledger-template", "data"], ["is a folder"]),
    ("template-under-file", ["validate", "--ledger-template", "a_file.txt/t.xlsx"],
     ["a_file.txt is a file"]),
    ("save-long-name", ["attain", "--as-of", "2017-07", "--n-paths", "50", "--save",
                        f"{LONG}.npz"], ["longer than 255"]),
    ("save-is-folder", ["attain", "--as-of", "2017-07", "--n-paths", "50", "--save",
                        "params.npz"], ["is a folder"]),
    ("save-under-file", ["attain", "--as-of", "2017-07", "--n-paths", "50", "--save",
                         "a_file.txt/s.npz"], ["a_file.txt is a file"]),
    ("reports-long-out", ["reports", "--year", "2017", "--as-of", "2017-07", "--n-paths",
                          "50", "--workers", "1", "--out", LONG, "--no-progress"],
     ["too long"]),
    ("reports-proc-out", ["reports", "--year", "2017", "--as-of", "2017-07", "--n-paths",
                          "50", "--workers", "1", "--out", "/proc/zz", "--no-progress"],
     ["/proc/zz", "cannot write"]),
    ("reports-out-under-file", ["reports", "--year", "2017", "--as-of", "2017-07",
                                "--n-paths", "50", "--workers", "1", "--out",
                                "a_file.txt/out", "--no-progress"], ["a_file.txt"]),
])
def test_item12_os_errors_are_exit_2_naming_the_path(work, capsys, case, argv, words):
    (work / "a_file.txt").write_text("keep\n", encoding="utf-8")
    (work / "params.npz").mkdir()
    refused(work, capsys, argv, *words)


def test_item12_full_disk_while_writing_observations_keeps_the_old_file(work, capsys):
    from openpyxl import load_workbook

    ledger = work / "L.xlsx"
    assert cli(["validate", "--ledger-template", ledger], capsys)[0] == 0
    wb = load_workbook(ledger)
    for month in range(2, 8):
        wb["月度台账"].append(["airport", None, "fai", f"2017-{month:02d}", 100.0 * month,
                            10.0, "亿元", "现价", "统计局", f"2017-{month + 1:02d}-15"])
    wb.save(ledger)
    target = work / "data" / "observations.csv"
    before = target.read_bytes()
    proc = _fsize_limited(["validate", "--ledger", ledger, "--write-observations", target,
                           "--force"], work, limit=200)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "observations.csv: cannot write" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert target.read_bytes() == before
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".")]


def _fsize_limited(argv, cwd, limit: int):
    script = (f"import resource, sys; resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, "
              f"{limit})); from zzforecast.cli import main; sys.exit(main(sys.argv[1:]))")
    return subprocess.run([sys.executable, "-c", script, *map(str, argv)], cwd=cwd,
                          capture_output=True, text=True)


# --------------------------------------------------------------------------- item 13

def path_name(work: Path) -> str:
    plans = work / "params" / "plans" / "2017" / "targets.yaml"
    return "targets.yaml" if plans.is_file() else "2017.yaml"


def _edit_target(work: Path, kind: str, value: str) -> None:
    path = next(p for p in (work / "params" / "plans" / "2017" / "targets.yaml",
                            work / "params" / "targets" / "2017.yaml") if p.is_file())
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for k, line in enumerate(lines):
        if line.strip().startswith("kind:") and line.split(":", 1)[1].strip() == kind:
            for j in range(k + 1, min(k + 8, len(lines))):
                if lines[j].strip().startswith("value:"):
                    indent = lines[j][:len(lines[j]) - len(lines[j].lstrip())]
                    lines[j] = f"{indent}value: {value}\n"
                    path.write_text("".join(lines), encoding="utf-8")
                    return
    raise AssertionError(f"no {kind} target found")


@pytest.mark.parametrize(("kind", "value", "word"), [
    ("growth", "-1.0", "above -1"), ("level", "0", "positive amount"),
    ("level", "-5", "positive amount"), ("growth", ".nan", "value")])
def test_item13_audit_with_a_growth_target_of_minus_1_or_a_zero_level_is_exit_2(
        work, capsys, kind, value, word):
    _edit_target(work, kind, value)
    for argv in (["audit", "--params", "params", "--data", "data"], ["validate"]):
        refused(work, capsys, argv, path_name(work), "field 'value'", word)


def test_item13_parquet_list_column_is_exit_2(work, capsys):
    frame = pd.read_csv(work / "data" / "clusters.csv", dtype=str, keep_default_na=False)
    frame["lead_industries"] = [[x] for x in frame["lead_industries"]]
    frame.to_parquet(work / "data" / "clusters.parquet", index=False)
    (work / "data" / "clusters.csv").unlink()
    refused(work, capsys, ["validate"], "clusters.parquet", "row 2", "lead_industries",
            "not a single value")


def test_item13_forecast_with_ds_mixing_years_and_dates_is_exit_2(work, capsys):
    pd.DataFrame({"unique_id": ["a"] * 10,
                  "ds": [2007, 2008, 2009, "2010-12-31", 2011, 2012, 2013, 2014, 2015, 2016],
                  "y": [float(v) for v in range(10)]}).to_csv(work / "m.csv", index=False)
    refused(work, capsys, ["forecast", "--file", "m.csv", "--h", "2"], "m.csv", "row 5",
            "field 'ds'", "integer years")


def test_item13_a_5000_character_cluster_name_is_refused_at_load(work, capsys):
    edit_clusters(work, 0, name_en="x" * 5000)
    refused(work, capsys, ["validate"], "clusters.csv", "row 2", "name_en",
            "5,000 characters long")


# --------------------------------------------------------------------------- item 16

def test_item16_attain_2011_february_behaves_as_reports_does(work, capsys):
    """attain failed in its nowcast cross-check where reports worked: now both accept the
    year (the cross-check is then shown or left out with its reason) or both refuse it
    with the same message."""
    import json

    code, out, err = cli(["attain", "--year", "2011", "--as-of", "2011-02", "--n-paths",
                          "100", "--format", "json"], capsys)
    assert code in (0, 2) and "Traceback" not in err, err
    if code == 0:
        doc = json.loads(out)
        assert doc["targets"]
        assert doc.get("nowcast_check") or "cross-check left out" in err, err
        return
    first = [line for line in err.splitlines() if line.startswith("error:")][0]
    rcode, _, rerr = cli(["reports", "--year", "2011", "--as-of", "2011-02", "--n-paths",
                          "100", "--workers", "1", "--out", "out", "--no-progress"], capsys)
    # the same problem (reports names the files by their absolute path)
    assert rcode == 2 and first.split(": ", 2)[-1][:40] in rerr, rerr


def test_item16_attain_leaves_out_a_cross_check_the_totals_cannot_support(work, capsys):
    import json

    # Monthly history from 2016 only: the clusters can be simulated, but the top-down
    # nowcast of the totals has no complete earlier year to learn from.
    obs = pd.read_csv(work / "data" / "observations.csv", dtype=str, keep_default_na=False)
    early = (obs["frequency"] == "monthly_ytd") & (obs["period"].str[:4].astype(int) < 2016)
    obs[~early].to_csv(work / "data" / "observations.csv", index=False)
    code, out, err = cli(["attain", "--as-of", "2017-07", "--n-paths", "100", "--format",
                          "json"], capsys)
    assert code == 0, err
    assert json.loads(out)["targets"]
    assert "warning: nowcast cross-check left out:" in err and "Traceback" not in err


@pytest.mark.parametrize("name", ["-x", "a b", "a.b", "x" * 65, "中文"])
def test_item16_attain_refuses_scenario_names_reports_refuses(work, capsys, name):
    (work / "params" / "scenarios" / f"{name}.yaml").write_text(
        (work / "params" / "scenarios" / "baseline.yaml").read_text(encoding="utf-8"),
        encoding="utf-8")
    for argv in (["attain", "--as-of", "2017-07", "--n-paths", "50", "--scenario", name],
                 ["reports", "--year", "2017", "--as-of", "2017-07", "--n-paths", "50",
                  "--scenario", name, "--out", "out", "--no-progress"]):
        refused(work, capsys, argv, "--scenario")
    from zzforecast.data.bundle import load_bundle
    from zzforecast.simulate.engine import simulate

    with pytest.raises(UserError, match="scenario name .* is not valid"):
        simulate(load_bundle(work / "data", work / "params"), 2017, "2017-07", name,
                 n_paths=20)


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\")", "+1+2", "@SUM(A1)", "-cmd|x"])
def test_item16_formula_like_ledger_text_is_refused_not_written(work, capsys, text):
    ledger = _filled_ledger(work, capsys)
    from openpyxl import load_workbook

    wb = load_workbook(ledger)
    wb["月度台账"]["I2"].value = text
    wb["月度台账"]["I2"].data_type = "s"  # stored as text, not as a formula
    wb.save(ledger)
    refused(work, capsys, ["validate", "--ledger", ledger, "--write-observations", "o.csv"],
            "L.xlsx", "row 2", "formula")
    assert not (work / "o.csv").exists()
