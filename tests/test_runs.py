"""``zzforecast runs <name>``: a run set of report batches (params/runs/<name>.yaml)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zzforecast.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _params(tmp_path, name: str, text: str) -> Path:
    """A parameters folder: the bundled one, plus runs/<name>.yaml."""
    import shutil

    params = tmp_path / "params"
    shutil.copytree(ROOT / "params", params)
    (params / "runs").mkdir(exist_ok=True)
    (params / "runs" / f"{name}.yaml").write_text(text, encoding="utf-8")
    return params


def test_the_shipped_monthly_run_set_lists_its_batches(capsys):
    code = main(["runs", "monthly", "--params", str(ROOT / "params"), "--dry-run"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert len(out) == 6 and all(line.endswith(": planned") for line in out)
    assert out[0] == "[1/6] 2017 2017-07 baseline zh +pdf -> reports/2017/2017-07/baseline: planned"
    assert "[4/6] 2017 2017-07 baseline en -> reports/en/2017/2017-07/baseline: planned" in out
    assert {line.split()[3] for line in out} == {"baseline", "downside", "upside"}


@pytest.mark.parametrize("text, line, field, message", [
    ("defaults: {year: 2017, as_of: 2017-07}\nruns:\n  - {scenario: baseline, colour: red}\n",
     3, "runs.0.colour", "unknown key; allowed: year, as_of"),
    ("defaults:\n  year: 2017\n  as_of: 2017-13\nruns:\n  - {scenario: baseline}\n",
     3, "defaults.as_of", "month 13 is not between 01 and 12"),
    ("defaults: {year: 2017}\nruns:\n  - {scenario: baseline, as_of: 2017-01}\n",
     3, "runs.0.as_of", "January is never published on its own"),
    ("defaults: {year: 2017, as_of: 2017-07}\nruns:\n  - {scenario: baseline}\n"
     "  - {scenario: baseline, lang: en}\n",
     4, "runs.1", "writes the same folder as runs.0"),
    ("defaults: {as_of: 2017-07}\nruns:\n  - {scenario: baseline}\n",
     3, "runs.0.year", "is missing"),
])
def test_a_bad_run_set_exits_2_naming_file_line_and_field(tmp_path, capsys, text, line,
                                                          field, message):
    params = _params(tmp_path, "bad", text)
    code = main(["runs", "bad", "--params", str(params), "--dry-run"])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""  # refused before any batch
    assert f"bad.yaml, row {line}, field '{field}'" in captured.err
    assert message in captured.err and "Traceback" not in captured.err


def test_an_unknown_run_set_names_the_known_ones(capsys):
    code = main(["runs", "no-such-set", "--params", str(ROOT / "params")])
    err = capsys.readouterr().err
    assert code == 2 and "no run set 'no-such-set'" in err and "known: monthly" in err


@pytest.mark.slow
def test_a_run_set_runs_every_batch_and_a_failing_one_does_not_stop_the_others(tmp_path,
                                                                                capsys):
    from report_fixtures import require_kernel

    require_kernel()
    out = tmp_path / "reports"
    params = _params(tmp_path, "small", (
        "defaults:\n"
        "  year: 2017\n"
        "  as_of: 2017-07\n"
        "  clusters: airport\n"
        "  n_paths: 50\n"
        "  workers: 1\n"
        f"  out: {out}\n"
        "runs:\n"
        "  - {scenario: baseline}\n"
        "  - {scenario: no-such-scenario}\n"
        f"  - {{scenario: downside, lang: en, out: {out / 'en'}}}\n"))
    code = main(["runs", "small", "--params", str(params), "--data", str(ROOT / "data"),
                 "--no-progress"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1  # the middle batch failed
    assert len(lines) == 3
    assert lines[0].endswith(f"-> {out / '2017' / '2017-07' / 'baseline'}: ok (2 built, 0 failed)")
    assert "no-such-scenario" in lines[1] and ": error: " in lines[1]
    assert lines[2].endswith(f"-> {out / 'en' / '2017' / '2017-07' / 'downside'}: ok "
                             "(2 built, 0 failed)")
    for folder, scenario, lang in ((out / "2017" / "2017-07" / "baseline", "baseline", "zh"),
                                   (out / "en" / "2017" / "2017-07" / "downside", "downside",
                                    "en")):
        run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
        assert (run["scenario"], run["lang"], run["status"]) == (scenario, lang, "ok")
        assert run["provenance"]["n_paths"] == 50
        assert (folder / "airport.html").is_file() and (folder / "overview.html").is_file()
