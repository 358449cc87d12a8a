"""Monthly runs never overwrite each other: reports/<year>/<as_of>/<scenario>/ (issue 13)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "notebooks" / "tiny.ipynb"


@pytest.mark.slow
def test_two_vintages_of_the_same_scenario_live_side_by_side(tmp_path):
    from report_fixtures import require_kernel

    from zzforecast.batch.cluster_reports import run_batch

    require_kernel()
    out = tmp_path / "reports"
    folders = {}
    for as_of in ("2017-6", "2017-07"):  # either spelling of a month gives the same folder
        result = run_batch(2017, as_of, "baseline", clusters="airport", workers=1,
                           out_dir=out, n_paths=50, seed=0, data_dir=ROOT / "data",
                           params_dir=ROOT / "params", overview=False,
                           cluster_notebook=TINY)
        assert result.status == "ok", result.run.get("failed")
        folders[as_of] = result.out_dir
    assert folders == {"2017-6": out / "2017" / "2017-06" / "baseline",
                       "2017-07": out / "2017" / "2017-07" / "baseline"}
    for as_of, folder in (("2017-06", folders["2017-6"]), ("2017-07", folders["2017-07"])):
        run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
        assert run["as_of"] in (as_of, as_of.replace("-0", "-")) and (folder / "airport.json").is_file()


def test_a_link_at_the_vintage_folder_is_refused(tmp_path, capsys):
    from zzforecast.cli import main

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "out" / "2017").mkdir(parents=True)
    (tmp_path / "out" / "2017" / "2017-07").symlink_to(elsewhere, target_is_directory=True)
    code = main(["reports", "--year", "2017", "--as-of", "2017-07", "--n-paths", "50",
                 "--workers", "1", "--data", str(ROOT / "data"), "--params",
                 str(ROOT / "params"), "--out", str(tmp_path / "out"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "symbolic link" in err and "2017-07" in err and "Traceback" not in err
    assert list(elsewhere.iterdir()) == []
