"""``zzforecast validate`` on the bundled data and its output formats."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from zzforecast.cli import main
from zzforecast.data.validate import validate

ROOT = Path(__file__).resolve().parents[1]
VALID = Path(__file__).resolve().parent / "fixtures" / "valid"


def test_bundled_data_and_params_validate_clean(capsys):
    if not (ROOT / "data" / "observations.csv").exists():
        pytest.skip("data/observations.csv is not generated yet (synthetic panel pending)")
    assert validate(ROOT / "data", ROOT / "params") == []
    code = main(["validate", "--data", str(ROOT / "data"), "--params", str(ROOT / "params")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "SYNTHETIC DATA" in out  # the bundled panel is synthetic and must say so
    assert "docs/data.md" in out


def test_json_summary(capsys):
    code = main(["validate", "--data", str(VALID / "data"), "--params", str(VALID / "params"),
                 "--format", "json"])
    out, _ = capsys.readouterr()
    assert code == 0
    report = json.loads(out)
    assert report["valid"] is True and report["problems"] == []
    summary = report["summary"]
    assert summary["clusters"] == {"total": 3, "provincial": 2, "municipal": 1}
    assert summary["observations"]["monthly_ytd"] == ["2016-02", "2017-07"]
    assert summary["observations"]["annual"] == ["2012", "2016"]
    assert summary["observations"]["latest_month"] == {"fai": "2017-07", "iav": "2017-07"}
    assert summary["synthetic"] is True
    assert summary["vintage"] == "2017-08-15"


def test_missing_params_dir_is_a_problem(tmp_path, capsys):
    shutil.copytree(VALID / "data", tmp_path / "data")
    code = main(["validate", "--data", str(tmp_path / "data"), "--params",
                 str(tmp_path / "nope")])
    _, err = capsys.readouterr()
    assert code == 2
    assert "parameter folder not found" in err


def test_help_and_argument_errors_exit_cleanly():
    result = subprocess.run([sys.executable, "-m", "zzforecast", "validate", "--help"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "--ledger" in result.stdout
    result = subprocess.run([sys.executable, "-m", "zzforecast", "validate", "--format", "xml"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_write_observations_needs_ledger(capsys):
    code = main(["validate", "--write-observations", "x.csv"])
    _, err = capsys.readouterr()
    assert code == 2 and "--ledger" in err
